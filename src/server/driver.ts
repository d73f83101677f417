/**
 * The human driver of the protocol engine. Each web request becomes events appended to the
 * participant's log (one transaction, before the answer goes out); the next task is always
 * `next(state)` of the folded log. No side door: the same reducer that runs simulated
 * participants decides what a person may do next, and rejects anything else (ProtocolError).
 *
 * State is cached per participant and requests of one participant are serialised, so a request
 * costs one append; optimistic concurrency (`expectedSeq`) catches a second server writing the
 * same log, and a conflict reloads from the store.
 */
import { EventBody, type EventInput, type Profile, type StudyConfig } from "../core/index.js";
import { apply, next, rebuild, type State } from "../protocol/index.js";
import { SeqConflictError, type Store } from "../store/index.js";

/** The client acted on an old view (another tab, a retried request): send it the current one. */
export class StaleError extends Error {
  override readonly name = "StaleError";
  constructor(readonly state: State) {
    super(`the participant is at step ${state.seq}; reload the current task`);
  }
}

/** Intake is paused: no new participants. */
export class IntakePausedError extends Error {
  override readonly name = "IntakePausedError";
}

export interface DriverPolicy {
  /** End with `failed-attention` after this many failed checks (0 = never). */
  endAfterFailures: number;
}

/** JSON with sorted keys, so a stored (jsonb, reordered) body compares equal to a fresh one. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export class StudyDriver {
  private readonly states = new Map<string, State>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly linked = new Map<string, Profile>();
  private enrolChain: Promise<unknown> = Promise.resolve();
  private enrolled: number | null = null;
  /** Called after every append (admin live view, generation bookkeeping). */
  onAppend: ((participantId: string, state: State) => void) | null = null;

  constructor(readonly store: Store, readonly config: StudyConfig, readonly policy: DriverPolicy) {}

  get studyId(): string {
    return this.config.id;
  }

  /** Runs `fn` after every earlier call for the same participant has settled. */
  serial<T>(participantId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(participantId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.chains.set(participantId, tail);
    void tail.then(() => {
      if (this.chains.get(participantId) === tail) this.chains.delete(participantId);
    });
    return run;
  }

  /** The participant's state, from the cache or rebuilt from the stored log; null if never enrolled. */
  async load(participantId: string): Promise<State | null> {
    const cached = this.states.get(participantId);
    if (cached) return cached;
    const events = await this.store.events.list(this.studyId, participantId);
    if (events.length === 0) return null;
    const state = rebuild(this.config, participantId, events);
    this.states.set(participantId, state);
    return state;
  }

  forget(participantId: string): void {
    this.states.delete(participantId);
  }

  /** A re-recruited PRISM participant's profile: submitted for them when the profile task comes. */
  linkProfile(participantId: string, profile: Profile): void {
    this.linked.set(participantId, { ...profile, participantId });
  }

  /**
   * Enrols a new participant (idempotent: a returning one gets their state back). Refuses new
   * participants while intake is paused.
   */
  async enter(participantId: string, source: string): Promise<State> {
    return this.serial(participantId, async () => {
      const existing = await this.load(participantId);
      if (existing) return this.advance(participantId, existing);
      if (await this.intakePaused()) throw new IntakePausedError("intake is paused");
      // Enrolment order is the row of the counterbalancing design; serialised so rows are not reused.
      const planIndex = await this.takeIndex();
      const first: EventInput = { type: "participant.enrolled", kind: "human", twinOf: null, source, planIndex, planOf: null };
      let state: State | null;
      try {
        // One transaction: the participant row and their first event land together.
        const stored = await this.store.transaction(async (tx) => {
          await tx.participants.enrol({ studyId: this.studyId, id: participantId, kind: "human" });
          return tx.events.append(this.studyId, participantId, [first], 0);
        });
        state = rebuild(this.config, participantId, stored);
        this.states.set(participantId, state);
      } catch (e) {
        if (!(e instanceof SeqConflictError)) throw e;
        // Another server enrolled them first: take its log.
        this.forget(participantId);
        state = await this.load(participantId);
      }
      if (!state) throw new Error(`participant ${participantId} has no log after enrolment`);
      return this.advance(participantId, state);
    });
  }

  private paused: { value: boolean; at: number } | null = null;

  /** Intake state, re-read from the store at most once a second (another server may change it). */
  private async intakePaused(): Promise<boolean> {
    const now = Date.now();
    if (this.paused && now - this.paused.at < 1000) return this.paused.value;
    const value = (await this.store.studies.get(this.studyId))?.paused ?? false;
    this.paused = { value, at: now };
    return value;
  }

  async setIntakePaused(paused: boolean): Promise<void> {
    await this.store.studies.setPaused(this.studyId, paused);
    this.paused = { value: paused, at: Date.now() };
  }

  private takeIndex(): Promise<number> {
    const run = this.enrolChain.then(async () => {
      if (this.enrolled === null) {
        const counts = await this.store.participants.countByStatus(this.studyId);
        this.enrolled = Object.values(counts).reduce((a, b) => a + b, 0);
      }
      return this.enrolled++;
    });
    this.enrolChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Appends `body` if it is what the protocol allows at `expectedSeq`, together with the events
   * the driver owes after it (completion, attention failure, a linked profile). A retry of an
   * event that is already stored returns the current state (idempotent).
   */
  async submit(participantId: string, expectedSeq: number, body: EventInput): Promise<State> {
    return this.serial(participantId, async () => {
      const state = await this.load(participantId);
      if (!state) throw new StaleError(await this.mustLoad(participantId));
      const parsed = EventBody.parse(body);
      if (state.seq !== expectedSeq) {
        if (expectedSeq < state.seq) {
          const stored = (await this.store.events.list(this.studyId, participantId)).find((e) => e.seq === expectedSeq);
          if (stored && canonical(stored.body) === canonical(parsed)) return state;
        }
        throw new StaleError(state);
      }
      return this.appendAll(participantId, state, [parsed]);
    });
  }

  private async mustLoad(participantId: string): Promise<State> {
    const s = await this.load(participantId);
    if (!s) throw new Error(`no participant ${participantId}`);
    return s;
  }

  private async appendAll(participantId: string, state: State, bodies: EventBody[]): Promise<State> {
    let s = state;
    for (const b of bodies) s = apply(s, b);
    const all = [...bodies, ...this.owed(participantId, s)];
    for (const b of all.slice(bodies.length)) s = apply(s, b);
    try {
      await this.store.events.append(this.studyId, participantId, all, state.seq);
    } catch (e) {
      this.forget(participantId);
      if (e instanceof SeqConflictError) throw new StaleError(await this.mustLoad(participantId));
      throw e;
    }
    this.states.set(participantId, s);
    this.onAppend?.(participantId, s);
    return s;
  }

  /** Appends what the driver owes without a participant action (e.g. after a restart). */
  private async advance(participantId: string, state: State): Promise<State> {
    const owed = this.owed(participantId, state);
    return owed.length === 0 ? state : this.appendAll(participantId, state, []);
  }

  /** Events the driver itself writes once the state calls for them. */
  private owed(participantId: string, state: State): EventBody[] {
    const out: EventBody[] = [];
    let s = state;
    for (let guard = 0; guard < 4; guard++) {
      if (s.finished) break;
      const failures = s.attention.filter((a) => !a.passed).length;
      let ev: EventBody | null = null;
      if (this.policy.endAfterFailures > 0 && failures >= this.policy.endAfterFailures) {
        ev = { type: "participant.finished", reason: "failed-attention", detail: `${failures} attention check(s) failed` };
      } else {
        const task = next(s);
        const linked = this.linked.get(participantId);
        if (task.kind === "finish") ev = { type: "participant.finished", reason: "completed", detail: null };
        else if (task.kind === "profile" && linked) ev = { type: "profile.submitted", profile: linked };
      }
      if (!ev) break;
      out.push(ev);
      s = apply(s, ev);
    }
    return out;
  }

  /** Appends the responses of a generate task (from the generation hub). */
  async showResponses(participantId: string, expectedSeq: number, body: Extract<EventBody, { type: "responses.shown" }>): Promise<State> {
    return this.submit(participantId, expectedSeq, body);
  }

  /** Ends a participant's run on their own request (Prolific "returned"). */
  async withdraw(participantId: string): Promise<State> {
    return this.serial(participantId, async () => {
      const state = await this.mustLoad(participantId);
      if (state.finished) return state;
      return this.appendAll(participantId, state, [{ type: "participant.finished", reason: "returned", detail: "left the study" }]);
    });
  }
}
