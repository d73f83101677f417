/**
 * Executes one simulated participant: rebuild their state from the stored log, then loop
 * `next(state)` → answer → validate with `apply` → store → continue, until `done`. The same
 * engine and the same events as the human web app; every event is stored before the next step,
 * so a crash loses at most the step in flight and a resumed run neither loses nor doubles any.
 */
import { deriveSeed, type EventBody, type Profile, type StudyConfig, type TerminationReason } from "../core/index.js";
import { apply, next, rebuild, responsesShown, type ScrubOptions, type State } from "../protocol/index.js";
import { ModelError } from "../llm/types.js";
import type { Store } from "../store/index.js";
import type { GroupCommitter } from "./sink.js";
import { SimulatorError, type CohortMember, type ResponseSource, type SimParticipant } from "./types.js";

export interface ExecuteOptions {
  /** The config the participant's plan is drawn from (the human study's, for a replay twin). */
  planConfig: StudyConfig;
  /** Study the events are stored under. */
  studyId: string;
  store: Store;
  sink: GroupCommitter;
  member: CohortMember;
  participant: SimParticipant;
  responses: ResponseSource;
  /** Row of the counterbalancing design, and whose plan to follow (replay). */
  planIndex: number;
  planOf?: string | null;
  scrub?: ScrubOptions;
  /** A model failing after the provider's own retries: redo the step this many times. */
  stepRetries?: number;
  signal?: AbortSignal;
  onEvent?: (participantId: string, e: EventBody) => void;
  /** Accumulates the engine's own time (planning, rebuild, next, apply), for the benchmark. */
  timing?: { engineMs: number };
}

function clock<T>(timing: { engineMs: number } | undefined, f: () => T): T {
  if (!timing) return f();
  const t0 = performance.now();
  try {
    return f();
  } finally {
    timing.engineMs += performance.now() - t0;
  }
}

export async function executeParticipant(o: ExecuteOptions): Promise<TerminationReason | null> {
  const pid = o.member.participantId;
  const stored = await o.store.events.list(o.studyId, pid);
  let state: State;
  if (stored.length === 0) {
    const enrolled: EventBody = {
      type: "participant.enrolled", kind: o.member.kind, twinOf: o.member.twinOf, source: "simulate",
      planIndex: o.planIndex, planOf: o.planOf ?? null,
    };
    await o.sink.append(pid, [enrolled], 0);
    state = clock(o.timing, () => rebuild(o.planConfig, pid, [enrolled]));
  } else {
    state = clock(o.timing, () => rebuild(o.planConfig, pid, stored));
  }

  const store = async (ev: EventBody): Promise<void> => {
    const after = clock(o.timing, () => apply(state, ev)); // never store an event the protocol rejects
    await o.sink.append(pid, [ev], state.seq);
    state = after;
    o.onEvent?.(pid, ev);
  };
  const finish = async (reason: TerminationReason, detail: string | null): Promise<TerminationReason> => {
    await store({ type: "participant.finished", reason, detail });
    return reason;
  };

  for (;;) {
    if (o.signal?.aborted) return null;
    const task = clock(o.timing, () => next(state));
    if (task.kind === "done") return task.reason;
    if (task.kind === "finish") return finish("completed", null);
    const seed = deriveSeed(o.planConfig.seed, "sim", pid, state.seq);
    const retries = o.stepRetries ?? 3;
    let ev: EventBody | null = null;
    for (let attempt = 0; ev === null; attempt++) {
      // A signal per step: model clients add abort listeners per call and do not all remove them,
      // so a signal that lives for the whole participant would collect hundreds.
      const step = new AbortController();
      const forward = (): void => step.abort();
      o.signal?.addEventListener("abort", forward, { once: true });
      try {
        if (task.kind === "generate") {
          const outputs = await o.responses(task, { state, profile: state.profile as Profile, seed: seed + attempt, ...(o.signal ? { signal: step.signal } : {}) });
          ev = clock(o.timing, () => responsesShown(pid, task, outputs, o.scrub ?? {}));
        } else {
          ev = await o.participant.act(task, { state, seed: seed + attempt, ...(o.signal ? { signal: step.signal } : {}) });
        }
      } catch (e) {
        if (o.signal?.aborted) return null;
        const who = task.kind === "generate" ? "model-error" : "simulator-error";
        if (e instanceof ModelError && e.kind !== "cancelled") {
          if (e.retryable && attempt < retries) continue;
          return finish(who, `${task.kind}: ${e.kind}: ${e.message}`);
        }
        if (e instanceof SimulatorError) {
          if (attempt < retries) continue;
          return finish("simulator-error", e.message);
        }
        throw e;
      } finally {
        o.signal?.removeEventListener("abort", forward);
      }
    }
    await store(ev);
  }
}
