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
  private inFlight = 0;
  private scheduled = false;
  /** Events and batches written, for the benchmark. */
  readonly stats = { events: 0, batches: 0, ms: 0 };
  /**
   * Batches in flight at once: PostgreSQL runs several transactions in parallel (the batches touch
   * disjoint participants, so they never wait on each other's locks); PGlite runs one at a time.
   */
  private readonly maxInFlight: number;

  constructor(private readonly store: Store, private readonly studyId: string, maxInFlight?: number) {
    this.maxInFlight = maxInFlight ?? (store.backend === "postgres" ? 4 : 1);
  }

  append(participantId: string, bodies: EventBody[], expectedSeq: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ participantId, bodies, expectedSeq, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // Let the workers that are ready in this tick add their events first.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight++;
    const t0 = performance.now();
    try {
      // One participant has at most one pending write (its loop awaits it), so ids are unique.
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
    } finally {
      this.stats.ms += performance.now() - t0;
      this.inFlight--;
      this.kick();
    }
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
