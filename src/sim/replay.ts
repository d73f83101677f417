/**
 * Replay mode: a twin judges exactly the items its human judged — the same messages, the same
 * responses at the same positions, the same probes — so the two can be compared one to one.
 * The twin follows the human's plan (same design row, same random streams); messages and the
 * moment each conversation ended come from the human's log; judgements, feedback ratings and
 * attention answers are the twin's own.
 */
import type { EventBody, StoredEvent, StudyConfig } from "../core/index.js";
import { UserError } from "../core/index.js";
import { rebuild } from "../protocol/index.js";
import type { Store } from "../store/index.js";
import type { ActContext, CohortMember, SimParticipant } from "./types.js";

export interface ReplayCohort {
  cohort: CohortMember[];
  /** Human logs by human participant id. */
  logs: Map<string, StoredEvent[]>;
  humanOf: Map<string, string>;
  plans: Map<string, { index: number; planOf: string }>;
}

/**
 * Every finished human of `studyId` (up to `limit`), with the plan their twin must follow. Oracle
 * participants (planted preference models standing in for humans, as in the demo) are replayed
 * the same way; twins of twins are not.
 */
export async function replayCohort(store: Store, humanConfig: StudyConfig, studyId: string, limit?: number): Promise<ReplayCohort> {
  const humans = (await store.participants.list(studyId)).filter((p) => p.kind !== "simulated" && p.status === "finished");
  if (humans.length === 0) throw new UserError(`study '${studyId}' has no finished human or oracle participants to replay`, { location: { field: "--replay-of" } });
  const out: ReplayCohort = { cohort: [], logs: new Map(), humanOf: new Map(), plans: new Map() };
  for (const h of humans.slice(0, limit ?? humans.length)) {
    const log = await store.events.list(studyId, h.id);
    const state = rebuild(humanConfig, h.id, log); // checks the human's log against the protocol
    const first = log[0]!.body;
    if (first.type !== "participant.enrolled" || !state.profile) continue;
    const twin = `twin-${h.id}`;
    out.logs.set(h.id, log);
    out.humanOf.set(twin, h.id);
    out.plans.set(twin, { index: first.planIndex ?? 0, planOf: first.planOf ?? h.id });
    out.cohort.push({ participantId: twin, kind: "simulated", twinOf: h.id, profile: state.profile });
  }
  return out;
}

export class ReplayTwin implements SimParticipant {
  constructor(private readonly human: readonly StoredEvent[], private readonly twin: SimParticipant) {}

  private find<T extends EventBody["type"]>(type: T, match: (b: Extract<EventBody, { type: T }>) => boolean): Extract<EventBody, { type: T }> | undefined {
    for (const e of this.human) if (e.body.type === type && match(e.body as Extract<EventBody, { type: T }>)) return e.body as Extract<EventBody, { type: T }>;
    return undefined;
  }

  act(task: Parameters<SimParticipant["act"]>[0], ctx: ActContext): Promise<EventBody> {
    if (task.kind !== "write") return this.twin.act(task, ctx);
    const msg = this.find("message.written", (b) => b.conversation === task.conversation && b.turn === task.turn);
    if (msg) return Promise.resolve({ type: "message.written", conversation: task.conversation, turn: task.turn, text: msg.text, telemetry: null });
    if (this.find("conversation.ended", (b) => b.conversation === task.conversation)) {
      // The human ended here; the rating and feedback are the twin's own.
      return this.twin.act({ kind: "feedback", conversation: task.conversation, domain: task.domain, history: task.history, ratingRequired: ctx.state.plan.mode === "sequential", askFeedback: ctx.state.plan.judgements.conversationFeedback }, ctx);
    }
    const fin = this.find("participant.finished", () => true);
    return Promise.resolve({ type: "participant.finished", reason: fin?.reason ?? "withdrew", detail: "replay: the human's log ends here" });
  }
}
