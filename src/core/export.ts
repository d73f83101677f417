/**
 * The export's long tables (one JSONL and one CSV file each) that analysis reads. Humans and
 * simulators export the same shape; `population` tells them apart. snake_case: these become
 * columns in R, pandas and spreadsheets.
 */
import { z } from "zod";
import { ParticipantKind, TerminationReason, Domain, FinishReason } from "./domain.js";

const Index = z.number().int().nonnegative();

export const ParticipantRow = z.strictObject({
  study_id: z.string(),
  participant_id: z.string(),
  population: ParticipantKind,
  twin_of: z.string().nullable(),
  termination_reason: TerminationReason.nullable(),
  n_conversations: Index,
  n_judgements: Index,
  attention_passed: Index,
  attention_total: Index,
  pastes: Index,
  typing_ms: z.number().nonnegative(),
  tab_switches: Index,
  /** Quality flags, e.g. "failed-attention", "pasted-messages". */
  flags: z.array(z.string()),
});
export type ParticipantRow = z.infer<typeof ParticipantRow>;

export const ConversationRow = z.strictObject({
  study_id: z.string(),
  participant_id: z.string(),
  conversation: Index,
  domain: Domain,
  arms: z.array(z.string()),
  n_turns: Index,
  opening_message: z.string(),
  rating: z.number().int().nullable(),
  feedback: z.string().nullable(),
});
export type ConversationRow = z.infer<typeof ConversationRow>;

export const ResponseRow = z.strictObject({
  study_id: z.string(),
  response_id: z.string(),
  participant_id: z.string(),
  conversation: Index,
  turn: Index,
  arm: z.string(),
  label: z.string(),
  position: Index,
  text: z.string(),
  prompt_tokens: Index,
  completion_tokens: Index,
  latency_ms: z.number().nonnegative(),
  finish_reason: FinishReason,
  scrubbed: z.boolean(),
});
export type ResponseRow = z.infer<typeof ResponseRow>;

/** One judged comparison: a turn's judgement, or a probe re-showing an earlier one with positions swapped. */
export const JudgementRow = z.strictObject({
  study_id: z.string(),
  judgement_id: z.string(),
  participant_id: z.string(),
  population: ParticipantKind,
  kind: z.enum(["turn", "probe"]),
  conversation: Index,
  turn: Index,
  domain: Domain,
  /** For a probe: the judgement it repeats. */
  probe_of: z.string().nullable(),
  /** Order of this judgement within the participant's session (0-based). */
  session_index: Index,
  /** Arm and response shown at each position (index = position). */
  arms: z.array(z.string()).min(1),
  response_ids: z.array(z.string()).min(1),
  ratings: z.array(z.number().int().min(1).max(100).nullable()),
  choice_position: Index.nullable(),
  choice_arm: z.string().nullable(),
  tie: z.boolean(),
  reasons: z.string().nullable(),
  elapsed_ms: z.number().nonnegative().nullable(),
});
export type JudgementRow = z.infer<typeof JudgementRow>;

export const EXPORT_TABLES = ["participants", "conversations", "turns", "responses", "judgements", "events"] as const;
