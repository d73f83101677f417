/**
 * What a browser may send, and how each answer becomes an event. The browser never names an arm
 * or a participant: the participant comes from the session token, and everything a browser could
 * lie about (attention `passed`, the profile's id) is decided here.
 */
import { z } from "zod";
import { Profile, Telemetry, type EventInput } from "../core/index.js";
import { attentionPassed, type State } from "../protocol/index.js";

const Index = z.number().int().nonnegative().max(10_000);
const Text = (max: number) => z.string().max(max);
const Ratings = z.array(z.number().int().min(1).max(100).nullable()).max(26);

const JudgementAnswer = {
  ratings: Ratings,
  choice: Index.nullable(),
  tie: z.boolean(),
  reasons: Text(4000).nullable().default(null),
  freeText: Text(4000).nullable().default(null),
};

export const ProfileAnswer = Profile.omit({ participantId: true });

export const Answer = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("consent") }),
  z.strictObject({ type: z.literal("profile"), profile: ProfileAnswer }),
  z.strictObject({ type: z.literal("message"), conversation: Index, turn: Index, text: z.string().trim().min(1), telemetry: Telemetry.nullable().default(null) }),
  z.strictObject({ type: z.literal("judgement"), conversation: Index, turn: Index, ...JudgementAnswer, elapsedMs: z.number().nonnegative().max(86_400_000).nullable().default(null) }),
  z.strictObject({ type: z.literal("end-conversation"), conversation: Index, rating: z.number().int().min(1).max(100).nullable().default(null), feedback: Text(4000).nullable().default(null) }),
  z.strictObject({ type: z.literal("attention"), check: Index, answer: Text(200) }),
  z.strictObject({ type: z.literal("probe"), probe: Index, ...JudgementAnswer }),
]);
export type Answer = z.infer<typeof Answer>;

export const AnswerRequest = z.strictObject({ seq: Index.max(1_000_000), answer: Answer });

const emptyToNull = (s: string | null): string | null => (s === null || s.trim() === "" ? null : s.trim());

export function eventFor(state: State, participantId: string, a: Answer, maxMessageChars: number): EventInput {
  switch (a.type) {
    case "consent": return { type: "consent.given" };
    case "profile": return { type: "profile.submitted", profile: { ...a.profile, participantId } };
    case "message":
      if (a.text.length > maxMessageChars) throw new RangeError(`message longer than ${maxMessageChars} characters`);
      return { type: "message.written", conversation: a.conversation, turn: a.turn, text: a.text, telemetry: a.telemetry };
    case "judgement":
      return {
        type: "judgement.made", conversation: a.conversation, turn: a.turn, elapsedMs: a.elapsedMs,
        judgement: { ratings: a.ratings, choice: a.choice, tie: a.tie, reasons: emptyToNull(a.reasons), freeText: emptyToNull(a.freeText) },
      };
    case "end-conversation": return { type: "conversation.ended", conversation: a.conversation, rating: a.rating, feedback: emptyToNull(a.feedback) };
    case "attention": return { type: "attention.answered", check: a.check, answer: a.answer, passed: attentionPassed(state.plan, a.check, a.answer) };
    case "probe":
      return { type: "probe.answered", probe: a.probe, judgement: { ratings: a.ratings, choice: a.choice, tie: a.tie, reasons: emptyToNull(a.reasons), freeText: emptyToNull(a.freeText) } };
  }
}
