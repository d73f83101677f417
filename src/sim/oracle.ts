/**
 * Oracle participants: stand-ins for humans in the demo that judge by a planted preference model
 * (the synthetic cohort's ground truth), so analysis can be checked against known truth. They
 * write from their PRISM openings or a fixed bank and call no model. Population `oracle`.
 */
import { Rng, type EventBody } from "../core/index.js";
import { attentionPassed } from "../protocol/index.js";
import { OPENER_BANK } from "./persona.js";
import type { ActContext, CohortMember, SimParticipant } from "./types.js";

/** Rates response texts (1–100 each) and picks one, as the planted model says. */
export type OracleJudge = (texts: readonly string[], rng: Rng) => { ratings: number[]; choice: number };

export interface OracleOptions {
  member: CohortMember;
  judge: OracleJudge;
  /** Chance of continuing a conversation that may end (after turns.min). */
  continueProbability?: number;
  /** Chance of answering an attention check correctly. */
  attentiveness?: number;
}

const FOLLOW_UPS = [
  "Can you say more about that?", "Could you give me a concrete example?", "What would you recommend I do first?",
  "Why do you think so?", "Is there another way to look at it?", "Can you make that shorter?",
];

export class OracleParticipant implements SimParticipant {
  constructor(private readonly o: OracleOptions) {}

  private judgement(texts: readonly string[], rng: Rng, allowTie: boolean, ratings: boolean) {
    const j = this.o.judge(texts, rng);
    const tie = allowTie && texts.length > 1 && j.ratings.every((r) => r === j.ratings[0]);
    return { ratings: ratings ? j.ratings : j.ratings.map(() => null), choice: tie ? null : j.choice, tie, reasons: "oracle: planted preference model", freeText: null };
  }

  act(task: Parameters<SimParticipant["act"]>[0], ctx: ActContext): Promise<EventBody> {
    const rng = Rng.for(ctx.seed, "oracle");
    const m = this.o.member;
    switch (task.kind) {
      case "consent": return Promise.resolve({ type: "consent.given" });
      case "profile": return Promise.resolve({ type: "profile.submitted", profile: m.profile });
      case "write": {
        if (task.canEnd && !rng.bool(this.o.continueProbability ?? 0.5)) {
          return Promise.resolve({ type: "conversation.ended", conversation: task.conversation, rating: rng.int(40, 90), feedback: null });
        }
        let text: string;
        if (task.turn === 0) {
          const own = (m.pastOpenings ?? []).filter((o) => o.domain === task.domain);
          text = own.length > 0 ? own[task.conversation % own.length]!.text : rng.pick(OPENER_BANK[task.domain]);
        } else text = rng.pick(FOLLOW_UPS);
        return Promise.resolve({ type: "message.written", conversation: task.conversation, turn: task.turn, text, telemetry: null });
      }
      case "judge":
        return Promise.resolve({
          type: "judgement.made", conversation: task.conversation, turn: task.turn,
          judgement: this.judgement(task.responses.map((r) => r.text), rng, task.form.allowTie, task.form.ratings), elapsedMs: null,
        });
      case "probe":
        return Promise.resolve({ type: "probe.answered", probe: task.probe, judgement: this.judgement(task.responses.map((r) => r.text), rng, task.form.allowTie, task.form.ratings) });
      case "feedback": {
        // The conversation's rating follows the planted model's view of the replies it continued with.
        const replies = task.history.filter((h) => h.role === "assistant").map((h) => h.text);
        const r = replies.length > 0 ? this.o.judge(replies, rng).ratings : [50];
        const rating = Math.min(100, Math.max(1, Math.round(r.reduce((a, b) => a + b, 0) / r.length)));
        return Promise.resolve({ type: "conversation.ended", conversation: task.conversation, rating, feedback: task.askFeedback ? "oracle" : null });
      }
      case "attention": {
        const expected = ctx.state.plan.attentionChecks[task.check]!.expected;
        const answer = rng.bool(this.o.attentiveness ?? 1) ? expected : rng.pick(task.options);
        return Promise.resolve({ type: "attention.answered", check: task.check, answer, passed: attentionPassed(ctx.state.plan, task.check, answer) });
      }
    }
  }
}
