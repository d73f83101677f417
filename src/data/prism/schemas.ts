/**
 * Row schemas for the PRISM files (prism-dataset.md B3–B7). Objects are non-strict on purpose:
 * the HF copies were re-ordered and may carry extra keys, so rows are parsed by field name and
 * unknown keys pass. Fields prismx relies on are required; the rest are type-checked when present.
 */
import { z } from "zod";
import { Domain } from "../../core/domain.js";

export const PRISM_FILES = ["survey", "conversations", "utterances", "metadata", "models"] as const;
export type PrismFile = (typeof PRISM_FILES)[number];

/** Where each file sits inside a PRISM folder; metadata is under metadata/ in the GitHub copy. */
export const PRISM_FILE_PATHS: Record<PrismFile, readonly string[]> = {
  survey: ["survey.jsonl"],
  conversations: ["conversations.jsonl"],
  utterances: ["utterances.jsonl"],
  metadata: ["metadata.jsonl", "metadata/metadata.jsonl"],
  models: ["models.jsonl"],
};

/** PRISM stores empty model texts as this literal (B4). */
export const EMPTY_STRING = "EMPTY STRING";

const Text = z.string();
const MaybeText = z.string().nullable();
const Count = z.number().int().nonnegative();
const Slider = z.number().min(0).max(100);
/** 1–100 rating slider; attribute dicts use null for "N/A". */
const Rating = z.number().min(1).max(100);

const Nested = z.object({
  self_described: MaybeText.optional(),
  categorised: MaybeText.optional(),
  simplified: MaybeText.optional(),
});

export const StatedPrefs = z.object({
  values: Slider.nullable(),
  creativity: Slider.nullable(),
  fluency: Slider.nullable(),
  factuality: Slider.nullable(),
  diversity: Slider.nullable(),
  safety: Slider.nullable(),
  personalisation: Slider.nullable(),
  helpfulness: Slider.nullable(),
  other: Slider.nullable().optional(),
  other_text: MaybeText.optional(),
});

export const SurveyRow = z.object({
  user_id: Text.min(1),
  survey_only: z.boolean(),
  num_completed_conversations: Count,
  consent: MaybeText.optional(),
  consent_age: MaybeText.optional(),
  lm_familiarity: MaybeText.optional(),
  lm_indirect_use: MaybeText.optional(),
  lm_direct_use: MaybeText.optional(),
  lm_frequency_use: MaybeText.optional(),
  self_description: Text,
  system_string: Text,
  age: MaybeText,
  gender: MaybeText,
  employment_status: MaybeText,
  education: MaybeText,
  marital_status: MaybeText,
  english_proficiency: MaybeText,
  study_id: MaybeText.optional(),
  study_locale: MaybeText.optional(),
  religion: Nested.nullable().optional(),
  ethnicity: Nested.nullable().optional(),
  location: z.object({
    birth_country: MaybeText.optional(),
    birth_countryISO: MaybeText.optional(),
    birth_subregion: MaybeText.optional(),
    reside_country: MaybeText.optional(),
    reside_countryISO: MaybeText.optional(),
    reside_subregion: MaybeText.optional(),
    same_birth_reside_country: MaybeText.optional(),
    special_region: MaybeText.optional(),
  }).nullable().optional(),
  lm_usecases: z.record(z.string(), z.union([z.number(), z.boolean(), z.string(), z.null()])).nullable().optional(),
  stated_prefs: StatedPrefs,
  order_lm_usecases: z.record(z.string(), z.number().nullable()).nullable().optional(),
  /** Display order of the sliders (1–8, `other` 9) — not a ranking (pdpo.md A7.1). */
  order_stated_prefs: z.record(z.string(), z.number().nullable()),
  generated_datetime: MaybeText.optional(),
  timing_duration_s: z.number().nullable().optional(),
  timing_duration_mins: z.number().nullable().optional(),
  included_in_US_REP: z.boolean().nullable().optional(),
  included_in_UK_REP: z.boolean().nullable().optional(),
  included_in_balanced_subset: z.boolean().nullable().optional(),
});
export type SurveyRow = z.infer<typeof SurveyRow>;

export const ConversationType = Domain;

export const UserItem = z.object({
  turn: Count,
  role: z.literal("user"),
  content: Text,
});
export const ModelItem = z.object({
  turn: Count,
  role: z.literal("model"),
  content: Text,
  model_provider: Text,
  model_name: Text,
  score: Rating,
  if_chosen: z.boolean(),
  within_turn_id: Count,
});
export const HistoryItem = z.discriminatedUnion("role", [UserItem, ModelItem]);
export type HistoryItem = z.infer<typeof HistoryItem>;
export type ModelItem = z.infer<typeof ModelItem>;

const Attributes = z.record(z.string(), Rating.nullable());

export const ConversationRow = z.object({
  conversation_id: Text.min(1),
  user_id: Text.min(1),
  included_in_balanced_subset: z.boolean().nullable().optional(),
  generated_datetime: MaybeText.optional(),
  timing_duration_s: z.number().nullable().optional(),
  timing_duration_mins: z.number().nullable().optional(),
  conversation_type: ConversationType,
  opening_prompt: Text,
  conversation_turns: z.number().int().min(1),
  conversation_history: z.array(HistoryItem).min(1),
  performance_attributes: Attributes.nullable().optional(),
  choice_attributes: Attributes.nullable().optional(),
  open_feedback: MaybeText.optional(),
});
export type ConversationRow = z.infer<typeof ConversationRow>;

export const UtteranceRow = z.object({
  utterance_id: Text.min(1),
  interaction_id: Text.min(1),
  conversation_id: Text.min(1),
  user_id: Text.min(1),
  turn: Count,
  within_turn_id: Count,
  included_in_balanced_subset: z.boolean().nullable().optional(),
  conversation_type: ConversationType,
  user_prompt: Text,
  model_response: Text,
  model_name: Text,
  model_provider: Text,
  score: Rating,
  if_chosen: z.boolean(),
});
export type UtteranceRow = z.infer<typeof UtteranceRow>;

export const METADATA_COLUMNS = ["model_response", "user_prompt", "open_feedback", "self_description", "system_string"] as const;

export const MetadataRow = z.object({
  column_id: z.enum(METADATA_COLUMNS),
  user_id: Text.min(1),
  conversation_id: MaybeText,
  interaction_id: MaybeText,
  utterance_id: MaybeText,
  pii_flag: z.boolean().nullable().optional(),
  pii_manual_flag: z.union([z.number(), z.boolean()]).nullable().optional(),
  language_flag: MaybeText.optional(),
  en_flag: z.boolean().nullable().optional(),
  moderation_flag: z.object({ flagged: z.boolean() }).nullable().optional(),
});
export type MetadataRow = z.infer<typeof MetadataRow>;

export const ModelsRow = z.object({
  long_name: Text.min(1),
  short_name: MaybeText.optional(),
  model_provider: MaybeText.optional(),
});
export type ModelsRow = z.infer<typeof ModelsRow>;

export const ROW_SCHEMAS = {
  survey: SurveyRow,
  conversations: ConversationRow,
  utterances: UtteranceRow,
  metadata: MetadataRow,
  models: ModelsRow,
} as const;
