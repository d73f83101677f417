/**
 * Contracts shared with the Python trainer (trainer/): the preference-pair rows it reads and the
 * artefact manifest it writes. Field names are snake_case because both sides read these files;
 * `trainer/prismx_trainer/contracts.py` mirrors them and a test checks the two agree.
 */
import { z } from "zod";

export const ChatMessage = z.strictObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** One row of pairs.jsonl: a (chosen, rejected) pair for one turn of one participant's dialogue. */
export const PairRow = z.strictObject({
  pair_id: z.string().min(1),
  participant_id: z.string().min(1),
  /** 0 = the generic user; 1..N = seen (training) users. Unseen users are 0. */
  user_index: z.number().int().nonnegative(),
  conversation_id: z.string().min(1),
  /** 0-based, as in PRISM. */
  turn: z.number().int().nonnegative(),
  split: z.enum(["train", "test"]),
  /** Whether the participant is a seen (training) user. */
  seen: z.boolean(),
  /** True for the generic-user duplicate of a training pair (user_index 0). */
  generic_copy: z.boolean(),
  /** The conversation so far as chat messages; the trainer applies the base model's chat template. */
  prompt: z.array(ChatMessage).min(1),
  /** Textual user information, already included in `prompt` when used; kept for inspection. */
  user_info: z.string().nullable(),
  chosen: z.string(),
  rejected: z.string(),
});
export type PairRow = z.infer<typeof PairRow>;

/** The user split written beside pairs.jsonl (`--split FILE`). */
export const UserSplit = z.strictObject({
  seed: z.number().int(),
  train_dialog_ids: z.array(z.string()),
  test_dialog_ids: z.array(z.string()),
  /** participant id → user index (1..N). */
  seen_user_ids: z.record(z.string(), z.number().int().positive()),
  /** participant id → 0. */
  unseen_user_ids: z.record(z.string(), z.literal(0)),
});
export type UserSplit = z.infer<typeof UserSplit>;

/**
 * manifest.json of a trained artefact folder. Paths are relative to the folder.
 * A P-DPO artefact's soft tokens are exported as reserved vocabulary entries: the arm puts a
 * participant's reserved token ids right after BOS, and forbids every reserved id in the output.
 */
export const ArtefactManifest = z.strictObject({
  format: z.literal("prismx-artefact/1"),
  mode: z.enum(["individual", "cluster", "pooled"]),
  base_model: z.strictObject({ name: z.string(), source: z.string(), sha256: z.string().nullable() }),
  /** For llama.cpp / node-llama-cpp: the base model with the extended vocabulary. */
  gguf: z.string(),
  /** LoRA adapter GGUF, or null when none was trained. */
  lora: z.string().nullable(),
  lora_scale: z.number().default(1),
  /** For vLLM / transformers: a folder with the extended vocabulary and the LoRA merged. */
  hf_folder: z.string().nullable(),
  /** Soft tokens per user (T); 0 for pooled. */
  n_user_tokens: z.number().int().nonnegative(),
  generic_tokens: z.array(z.string()),
  generic_token_ids: z.array(z.number().int().nonnegative()),
  /** participant id → reserved token strings / ids, in slot order. */
  users: z.record(z.string(), z.array(z.string())),
  user_token_ids: z.record(z.string(), z.array(z.number().int().nonnegative())),
  /** Every reserved id (to forbid at generation time). */
  reserved_token_range: z.tuple([z.number().int(), z.number().int()]).nullable(),
  /** The chat template used for training prompts; serving must use the same. */
  chat_template: z.string().nullable(),
  training: z.record(z.string(), z.unknown()),
});
export type ArtefactManifest = z.infer<typeof ArtefactManifest>;
