import type { ChatMessage } from "../core/artefacts.js";

/** The neutral system prompt every arm starts from unless the study names its own. */
export const DEFAULT_SYSTEM_PROMPT = "You are a helpful, honest and harmless assistant. Answer the user's message.";

export function withSystem(system: string, conversation: readonly ChatMessage[]): ChatMessage[] {
  if (conversation.some((m) => m.role === "system")) {
    throw new TypeError("the conversation passed to an arm must not contain system messages; the arm writes its own");
  }
  return [{ role: "system", content: system }, ...conversation];
}
