/**
 * Writing events as they happen, fast: every participant's event is awaited until it is in the
 * store before that participant moves on, but events that arrive while a write is in flight are
 * committed together in the next one (group commit). PGlite pays about a millisecond per
 * statement, so one append per event would cap a simulation at a few hundred events a second.
 */
import type { EventBody } from "../core/index.js";
import type { Store } from "../store/index.js";
import type { CallRecord } from "./types.js";

interface Pending {
  participantId: string;
  bodies: EventBody[];
  expectedSeq: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  /** Events and batches written, for the benchmark. */
  readonly stats = { events: 0, batches: 0, ms: 0 };

  constructor(private readonly store: Store, private readonly studyId: string) {}

  append(participantId: string, bodies: EventBody[], expectedSeq: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ participantId, bodies, expectedSeq, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let the workers that are ready in this tick add their events first.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      // One participant has at most one pending write (its loop awaits it), so ids are unique.
      const t0 = performance.now();
      try {
        await this.store.events.appendMany(this.studyId, batch.map((p) => ({ participantId: p.participantId, bodies: p.bodies, expectedSeq: p.expectedSeq })));
        this.stats.events += batch.reduce((n, p) => n + p.bodies.length, 0);
        this.stats.batches++;
        for (const p of batch) p.resolve();
      } catch {
        // Someone's log moved on (another worker took over) or a row was bad: write one by one so
        // only the culprit fails.
        for (const p of batch) {
          try {
            await this.store.events.append(this.studyId, p.participantId, p.bodies, p.expectedSeq);
            this.stats.events += p.bodies.length;
            p.resolve();
          } catch (e) {
            p.reject(e);
          }
        }
      }
      this.stats.ms += performance.now() - t0;
    }
    this.flushing = null;
  }
}

/** Buffers model-call records and writes them in batches (model health, token accounting). */
export class CallRecorder {
  private buf: CallRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  calls = 0;
  failures = 0;

  constructor(private readonly store: Store, private readonly studyId: string, private readonly flushEvery = 2000) {}

  readonly record = (c: CallRecord): void => {
    this.calls++;
    if (!c.ok) this.failures++;
    this.buf.push(c);
    if (this.buf.length >= this.flushEvery) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 500);
  };

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.buf.map((c) => ({ studyId: this.studyId, ...c }));
    this.buf = [];
    if (rows.length > 0) this.writing = this.writing.then(() => this.store.modelCalls.recordMany(rows)).catch(() => undefined);
    return this.writing;
  }
}
