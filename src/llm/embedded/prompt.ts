/**
 * Chat messages → the exact token sequence the model sees:
 *   [BOS] + prefix tokens (P-DPO user tokens) + the model's own chat template, rendered with a
 *   generation prompt for the assistant's next turn.
 * BOS is there only when the model's tokenizer adds one (`add_bos_token`); otherwise the prefix
 * tokens come first. The trainer must place soft tokens the same way.
 * The template is the GGUF's Jinja `tokenizer.chat_template` (or an artefact's override), run by
 * node-llama-cpp's Jinja wrapper, which also folds a system message into the first user turn for
 * templates without a system role (Gemma's). Models without a template fall back to
 * node-llama-cpp's wrapper for their architecture.
 */
import { JinjaTemplateChatWrapper, resolveChatWrapper, type ChatHistoryItem, type ChatWrapper, type LlamaModel, type Token } from "node-llama-cpp";
import type { ChatMessage } from "../types.js";

export function chatWrapperFor(model: LlamaModel, chatTemplate?: string | null): ChatWrapper {
  const template = chatTemplate ?? ggufChatTemplate(model);
  if (template) {
    return new JinjaTemplateChatWrapper({ template, tokenizer: model.tokenizer, trimLeadingWhitespaceInResponses: false });
  }
  return resolveChatWrapper(model);
}

export function ggufChatTemplate(model: LlamaModel): string | null {
  const t = (model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer?.chat_template;
  return typeof t === "string" && t.length > 0 ? t : null;
}

export function toChatHistory(messages: readonly ChatMessage[], withGenerationPrompt = true): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    switch (m.role) {
      case "system": return { type: "system", text: m.content };
      case "user": return { type: "user", text: m.content };
      case "assistant": return { type: "model", response: [m.content] };
    }
  });
  // An empty model turn at the end is node-llama-cpp's way of asking for the generation prompt.
  if (withGenerationPrompt) items.push({ type: "model", response: [] });
  return items;
}

export interface RenderedPrompt {
  /** Everything the model is fed, in order. */
  tokens: Token[];
  /** Whether tokens[0] is BOS. */
  bos: boolean;
  /** Index where the templated chat starts (after BOS and prefix). */
  templateStart: number;
}

/**
 * `forceBos`: put BOS first even when the GGUF does not ask for one — a trained artefact whose
 * manifest says `training.soft_tokens_after_bos` was trained on [BOS, soft tokens, template].
 */
export function renderPrompt(model: LlamaModel, wrapper: ChatWrapper, messages: readonly ChatMessage[], prefixTokens: readonly number[] = [], forceBos = false): RenderedPrompt {
  const { contextText } = wrapper.generateContextState({ chatHistory: toChatHistory(messages) });
  let templ = contextText.tokenize(model.tokenizer);
  const bosId = model.tokens.bos;
  // Only a model that wants BOS gets one. SmolLM2's "BOS" is <|im_start|> with add_bos_token off,
  // so there the template's own first token stays put and the prefix goes at position 0.
  const bos = bosId !== null && (model.tokens.shouldPrependBosToken || forceBos);
  if (bos && templ[0] === bosId) templ = templ.slice(1);
  const head: Token[] = bos ? [bosId] : [];
  const tokens = [...head, ...(prefixTokens as Token[]), ...templ];
  return { tokens, bos, templateStart: head.length + prefixTokens.length };
}
