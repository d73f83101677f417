/**
 * Generation of a turn's responses for a human participant, streamed while it happens.
 *
 * One job per (participant, conversation, turn): every arm of the turn streams at once; each
 * subscriber (the participant's open stream, or a reconnect) gets the latest text of every
 * position, then live updates. Streamed text is scrubbed of self-identification as it grows, and
 * the last two words are held back until the next delta, so a model name split across deltas is
 * never sent. When every arm is done the `responses.shown` event is appended (event log first);
 * only then is the stream told `done`. A server killed mid-generation loses only the job: the
 * task is still `generate` after restart and the participant's reconnect starts it again.
 */
import { deriveSeed, type EventBody } from "../core/index.js";
import type { Arm } from "../arms/index.js";
import { responsesShown, scrubText, type ArmOutput, type State, type Task } from "../protocol/index.js";
import type { ModelCallRecord, Store } from "../store/index.js";
import type { StudyDriver } from "./driver.js";

type GenerateTask = Extract<Task, { kind: "generate" }>;

export type StreamFrame =
  | { type: "text"; position: number; text: string }
  | { type: "done" }
  | { type: "error"; message: string };

const THROTTLE_MS = 40;

/** Drops the last two (possibly partial) words so a name split across deltas is not sent half-scrubbed. */
function stable(raw: string): string {
  const m = /^(.*\S)\s+\S*\s+\S*$/s.exec(raw);
  return m ? m[1]! : "";
}

class Job {
  readonly texts: string[];
  private readonly listeners = new Set<(f: StreamFrame) => void>();
  finished: StreamFrame | null = null;

  constructor(positions: number) {
    this.texts = Array.from({ length: positions }, () => "");
  }

  emit(f: StreamFrame): void {
    if (f.type === "text") this.texts[f.position] = f.text;
    else this.finished = f;
    for (const l of this.listeners) l(f);
  }

  subscribe(l: (f: StreamFrame) => void): () => void {
    this.texts.forEach((text, position) => { if (text) l({ type: "text", position, text }); });
    if (this.finished) {
      l(this.finished);
      return () => undefined;
    }
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export interface GenerationOptions {
  /** Names to scrub besides the known model and company names: arm ids, model names, file names. */
  scrubNames: readonly string[];
  /** Attempts per arm before the turn is reported as failed to the participant. */
  attempts?: number;
}

export class GenerationHub {
  private readonly jobs = new Map<string, Job>();
  private readonly aborts = new Set<AbortController>();

  constructor(
    private readonly driver: StudyDriver,
    private readonly store: Store,
    private readonly arms: ReadonlyMap<string, Arm>,
    private readonly opts: GenerationOptions,
  ) {}

  private key(pid: string, task: GenerateTask): string {
    return `${pid}:${task.conversation}:${task.turn}`;
  }

  /** The running (or finished) job for the task, started if there is none. */
  ensure(participantId: string, state: State, task: GenerateTask): Job {
    const key = this.key(participantId, task);
    let job = this.jobs.get(key);
    if (job && job.finished?.type !== "error") return job;
    job = new Job(task.slots.length);
    this.jobs.set(key, job);
    const j = job;
    void this.run(participantId, state, task, j).then(
      () => j.emit({ type: "done" }),
      (e: unknown) => j.emit({ type: "error", message: e instanceof Error && e.name === "ModelError" ? "a model did not answer" : "generation failed" }),
    ).finally(() => {
      // Keep a finished job briefly so a reconnecting client still sees `done`.
      setTimeout(() => { if (this.jobs.get(key) === j) this.jobs.delete(key); }, 30_000).unref();
    });
    return job;
  }

  private async run(participantId: string, state: State, task: GenerateTask, job: Job): Promise<void> {
    const profile = state.profile;
    if (!profile) throw new Error("generate before a profile");
    const outputs = await Promise.all(task.slots.map(async (slot): Promise<ArmOutput> => {
      const arm = this.arms.get(slot.arm);
      if (!arm) throw new Error(`no arm '${slot.arm}' is loaded`);
      const attempts = this.opts.attempts ?? 2;
      for (let attempt = 1; ; attempt++) {
        const ac = new AbortController();
        this.aborts.add(ac);
        const started = performance.now();
        let raw = "";
        let last = 0;
        try {
          const it = arm.stream(profile, task.context, {
            signal: ac.signal,
            seed: deriveSeed(this.driver.config.seed, "generate", participantId, task.conversation, task.turn, slot.arm, attempt) >>> 0,
          });
          for (;;) {
            const r = await it.next();
            if (r.done) {
              const reply = r.value;
              await this.record(participantId, slot.arm, arm.model.id, true, null, reply.latencyMs, reply.promptTokens, reply.completionTokens);
              return { arm: slot.arm, text: reply.text, promptTokens: reply.promptTokens, completionTokens: reply.completionTokens, latencyMs: reply.latencyMs, finishReason: reply.finishReason };
            }
            raw += r.value;
            const now = performance.now();
            if (now - last >= THROTTLE_MS) {
              last = now;
              const text = scrubText(stable(raw), { extraNames: this.opts.scrubNames }).text;
              if (text !== job.texts[slot.position]) job.emit({ type: "text", position: slot.position, text });
            }
          }
        } catch (e) {
          const kind = (e as { kind?: string }).kind ?? "unknown";
          await this.record(participantId, slot.arm, arm.model.id, false, kind, performance.now() - started, 0, 0);
          if (attempt >= attempts) throw e;
          job.emit({ type: "text", position: slot.position, text: "" });
        } finally {
          this.aborts.delete(ac);
        }
      }
    }));
    const event: Extract<EventBody, { type: "responses.shown" }> = responsesShown(participantId, task, outputs, { extraNames: this.opts.scrubNames });
    // The final, fully scrubbed texts: the same the event log holds.
    for (const r of event.responses) job.emit({ type: "text", position: r.position, text: r.text });
    await this.driver.showResponses(participantId, state.seq, event);
  }

  private pending: ModelCallRecord[] = [];
  private flushing: Promise<void> | null = null;

  /**
   * Model calls are recorded for the admin's health view in batches (one transaction every
   * ~half second), off the participant's path; they are telemetry, not study data.
   */
  private record(participantId: string, arm: string, model: string, ok: boolean, errorKind: string | null, latencyMs: number, promptTokens: number, completionTokens: number): Promise<void> {
    this.pending.push({ studyId: this.driver.studyId, participantId, role: `arm:${arm}`, model, ok, errorKind, latencyMs, promptTokens, completionTokens });
    this.flushing ??= new Promise<void>((r) => setTimeout(r, 500)).then(() => this.flush());
    return Promise.resolve();
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.flushing = null;
    if (batch.length === 0) return;
    await this.store.transaction(async (tx) => {
      for (const call of batch) await tx.modelCalls.record(call);
    }).catch(() => undefined);
  }

  /** Cancels every running generation (shutdown). */
  abortAll(): void {
    for (const ac of this.aborts) ac.abort();
  }
}
