/**
 * The study's own nouns: arm, participant, conversation, turn, response, judgement.
 * Positions are 0-based screen slots (0 = left / first); labels are the neutral names shown.
 */
import { z } from "zod";

export const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, "use letters, digits, '_', '.', ':' or '-'");

export const Domain = z.enum(["unguided", "values guided", "controversy guided"]);
export type Domain = z.infer<typeof Domain>;

export const PERSONALISATION_STRATEGIES = ["none", "prompt", "user-tokens", "pooled"] as const;
export const Strategy = z.enum(PERSONALISATION_STRATEGIES);
export type Strategy = z.infer<typeof Strategy>;

/** Who is answering. Oracles judge by a planted preference model and stand in for humans in demos. */
export const ParticipantKind = z.enum(["human", "simulated", "oracle"]);
export type ParticipantKind = z.infer<typeof ParticipantKind>;

export const ParticipantStatus = z.enum(["enrolled", "active", "finished"]);
export type ParticipantStatus = z.infer<typeof ParticipantStatus>;

/** Why a participant's run ended; analysis excludes infrastructure failures and reports attrition. */
export const TerminationReason = z.enum([
  "completed", "withdrew", "returned", "timed-out", "failed-attention", "model-error", "simulator-error", "infrastructure-error",
]);
export type TerminationReason = z.infer<typeof TerminationReason>;

export const FinishReason = z.enum(["stop", "length", "cancelled", "error"]);
export type FinishReason = z.infer<typeof FinishReason>;

export const Participant = z.strictObject({
  studyId: Id,
  participantId: Id,
  kind: ParticipantKind,
  status: ParticipantStatus,
  /** For a simulated twin or an oracle: the participant (profile) it stands for. */
  twinOf: Id.nullable().default(null),
  createdAt: z.string(),
});
export type Participant = z.infer<typeof Participant>;

export const Response = z.strictObject({
  responseId: Id,
  arm: Id,
  /** Neutral label shown to the participant, e.g. "A". */
  label: z.string().min(1),
  position: z.number().int().nonnegative(),
  text: z.string(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  latencyMs: z.number().nonnegative(),
  finishReason: FinishReason,
});
export type Response = z.infer<typeof Response>;

export const Rating = z.number().int().min(1).max(100);

export const Judgement = z.strictObject({
  /** One 1–100 rating per position shown (null where the study asks for none). */
  ratings: z.array(Rating.nullable()),
  /** Position chosen, or null for a tie. */
  choice: z.number().int().nonnegative().nullable(),
  tie: z.boolean(),
  reasons: z.string().nullable().default(null),
  freeText: z.string().nullable().default(null),
}).refine((j) => (j.choice === null) === j.tie, { message: "either a choice or a tie, not both or neither", path: ["choice"] });
export type Judgement = z.infer<typeof Judgement>;

export const Turn = z.strictObject({
  turn: z.number().int().nonnegative(),
  userMessage: z.string(),
  responses: z.array(Response),
  judgement: Judgement.nullable(),
});
export type Turn = z.infer<typeof Turn>;

export const Conversation = z.strictObject({
  index: z.number().int().nonnegative(),
  domain: Domain,
  /** Arms taking part, by position order of the first turn. */
  arms: z.array(Id).min(1),
  turns: z.array(Turn),
});
export type Conversation = z.infer<typeof Conversation>;
