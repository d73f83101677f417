/**
 * An arm is a model plus a personalisation strategy. A strategy only decides what the model is
 * fed for a participant — the system prompt, the raw prefix tokens after BOS, the tokens it must
 * not produce; the arm sends that to its ChatModel and records token usage.
 */
import type { ArtefactManifest, ChatMessage } from "../core/artefacts.js";
import type { Strategy as StrategyKind } from "../core/domain.js";
import type { Profile } from "../core/profile.js";

export interface PreparedPrompt {
  /** The full message list: the arm's system message, then the conversation. */
  messages: ChatMessage[];
  prefixTokens: number[];
  forbiddenTokens: number[];
  /** For `prompt`: the rendered profile text added to the system prompt (for token accounting). */
  profileText: string | null;
}

export interface PersonalisationStrategy {
  readonly kind: StrategyKind;
  /** `conversation` holds the user/assistant turns so far; a leading system message is not allowed. */
  prepare(profile: Profile, conversation: readonly ChatMessage[]): PreparedPrompt;
}

export interface StrategyInputs {
  systemPrompt: string;
  profileTemplate: string | null;
  manifest: ArtefactManifest | null;
  /** The model's vocabulary size, to keep forbidden ids inside it (null = unknown). */
  vocabularySize: number | null;
}
