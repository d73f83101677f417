/**
 * The cohort runner: enrols the simulated cohort, then runs participants concurrently — each
 * worker claims the next unfinished participant from the store (`FOR UPDATE SKIP LOCKED`, so
 * workers on several machines can share one PostgreSQL) and executes them. Resume is the same
 * call: finished participants are skipped, unfinished ones continue from their stored log. A
 * changed study file (config hash) is refused.
 */
import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import { UserError, type EventBody, type StudyConfig, type TerminationReason } from "../core/index.js";
import type { ScrubOptions } from "../protocol/index.js";
import { SeqConflictError, type Store } from "../store/index.js";
import { executeParticipant } from "./execute.js";
import { CallRecorder, GroupCommitter } from "./sink.js";
import type { CallRecord, CohortMember, ResponseSource, SimParticipant } from "./types.js";

export interface Progress {
  participants: { finished: number; total: number };
  judgements: number;
  events: number;
  modelCalls: number;
  modelFailures: number;
  elapsedMs: number;
}

export interface SimulationOptions {
  /** The study as stored (its id keys the events). */
  config: StudyConfig;
  /** sha256 of the study file; a resumed run must match. */
  configHash: string;
  store: Store;
  cohort: readonly CohortMember[];
  /** Builds the answering side for a member; gets the runner's call recorder. */
  makeParticipant: (member: CohortMember, onCall: (c: CallRecord) => void) => SimParticipant;
  /** Builds the source of arm responses; gets the runner's call recorder. */
  makeResponses: (onCall: (c: CallRecord) => void) => ResponseSource;
  /** Replay: each member follows this plan row and participant (their human's). */
  planFor?: (member: CohortMember, index: number) => { index: number; planOf: string | null };
  /** Participants in flight at once (model concurrency is limited per endpoint by the providers). */
  concurrency?: number;
  resume?: boolean;
  scrub?: ScrubOptions;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Worker name prefix (default host:pid). */
  worker?: string;
}

export interface SimulationSummary extends Progress {
  studyId: string;
  reasons: Partial<Record<TerminationReason, number>>;
  /** Participants left unfinished (aborted, or an infrastructure error). */
  unfinished: number;
  engineMs: number;
  storeMs: number;
  storeBatches: number;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

export async function runSimulation(o: SimulationOptions): Promise<SimulationSummary> {
  const { store, config } = o;
  const studyId = config.id;
  const started = performance.now();
  const existing = await store.studies.get(studyId);
  if (existing && existing.configHash !== o.configHash) {
    throw new UserError(`study '${studyId}' was run from a different study file (its hash changed)`, {
      location: { field: "id" },
      hint: o.resume ? "resume with the original file, or give the changed study a new id" : "give the changed study a new id, or remove the old run's database",
    });
  }
  if (existing && !o.resume && (await store.participants.list(studyId)).length > 0) {
    throw new UserError(`study '${studyId}' already has a run in this database`, { location: { field: "id" }, hint: "pass --resume to continue it, or give the study a new id" });
  }
  await store.studies.put({ id: studyId, config, configHash: o.configHash });

  const members = new Map(o.cohort.map((m, i) => [m.participantId, { member: m, index: i }]));
  for (const m of o.cohort) await store.participants.enrol({ studyId, id: m.participantId, kind: m.kind, twinOf: m.twinOf });

  // A previous run on this host that was killed still holds claims; its workers are gone.
  const host = hostname();
  for (const p of await store.participants.list(studyId)) {
    if (p.status === "finished" || !p.claimedBy) continue;
    const [h, pidText] = p.claimedBy.split(":");
    if (h === host && Number(pidText) !== process.pid && !isAlive(Number(pidText))) await store.participants.release(studyId, p.id);
  }

  const sink = new GroupCommitter(store, studyId);
  const calls = new CallRecorder(store, studyId);
  const responses = o.makeResponses(calls.record);
  const timing = { engineMs: 0 };
  const reasons: Partial<Record<TerminationReason, number>> = {};
  const already = await store.participants.countByStatus(studyId);
  let finished = already.finished ?? 0;
  let judgements = 0;
  let events = 0;
  const progress = (): Progress => ({
    participants: { finished, total: o.cohort.length }, judgements, events, modelCalls: calls.calls, modelFailures: calls.failures, elapsedMs: performance.now() - started,
  });
  const onEvent = (_pid: string, e: EventBody): void => {
    events++;
    if (e.type === "judgement.made" || e.type === "probe.answered") judgements++;
    if (e.type === "participant.finished") finished++;
  };
  const ticker = o.onProgress ? setInterval(() => o.onProgress!(progress()), 250) : null;
  const givenUp = new Set<string>();
  const errors: unknown[] = [];

  const worker = async (k: number): Promise<void> => {
    const name = `${o.worker ?? `${host}:${process.pid}`}:${k}`;
    while (!o.signal?.aborted) {
      const claimed = await store.participants.claimNext(studyId, name);
      if (!claimed) return;
      const entry = members.get(claimed.id);
      if (!entry || givenUp.has(claimed.id)) {
        // Not ours to run (another cohort's participant), or it failed here already.
        return;
      }
      const plan = o.planFor?.(entry.member, entry.index) ?? { index: entry.index, planOf: null };
      // One signal per participant: every model call listens on it, and thousands of listeners
      // on one shared signal make each add/remove O(listeners) (it dominated the benchmark).
      const own = new AbortController();
      const forward = (): void => own.abort();
      o.signal?.addEventListener("abort", forward, { once: true });
      try {
        const reason = await executeParticipant({
          planConfig: config, studyId, store, sink, member: entry.member, participant: o.makeParticipant(entry.member, calls.record), responses,
          planIndex: plan.index, planOf: plan.planOf, ...(o.scrub ? { scrub: o.scrub } : {}), ...(o.signal ? { signal: own.signal } : {}), onEvent, timing,
        });
        if (reason) reasons[reason] = (reasons[reason] ?? 0) + 1;
        else await store.participants.release(studyId, claimed.id);
      } catch (e) {
        givenUp.add(claimed.id);
        // Another worker took this participant over (our claim went stale): it carries on from
        // the stored log, so this is not a failure.
        if (!(e instanceof SeqConflictError)) {
          errors.push(e);
          await store.participants.release(studyId, claimed.id).catch(() => undefined);
        }
      } finally {
        o.signal?.removeEventListener("abort", forward);
      }
    }
  };
  const workers = Math.max(1, o.concurrency ?? 8);
  // Each worker forwards the run's signal to its participant's own signal (removed when the
  // participant ends), so one listener per worker is expected, not a leak.
  if (o.signal) setMaxListeners(workers + 10, o.signal);
  try {
    await Promise.all(Array.from({ length: workers }, (_, k) => worker(k)));
  } finally {
    if (ticker) clearInterval(ticker);
    await calls.flush();
  }
  o.onProgress?.(progress());
  const counts = await store.participants.countByStatus(studyId);
  const unfinished = Object.entries(counts).filter(([s]) => s !== "finished").reduce((n, [, c]) => n + c, 0);
  if (errors.length > 0 && unfinished > 0) {
    const first = errors[0];
    throw first instanceof UserError ? first : new Error(`${errors.length} participant(s) failed with an infrastructure error; the first: ${(first as Error)?.message ?? String(first)}`, { cause: first });
  }
  return { ...progress(), studyId, reasons, unfinished, engineMs: timing.engineMs, storeMs: sink.stats.ms, storeBatches: sink.stats.batches };
}
