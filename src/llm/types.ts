/**
 * The one interface every model sits behind: arms, simulated participants and LLM judges all call
 * a ChatModel. Failures come back as a categorised `ModelError`, so callers retry only what is
 * transient.
 */
import type { FinishReason } from "../core/domain.js";
import type { ChatMessage } from "../core/artefacts.js";

export type { ChatMessage };

export interface ChatRequest {
  messages: readonly ChatMessage[];
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  stop?: readonly string[];
  /** Token ids the model must never generate (e.g. a P-DPO artefact's reserved user tokens). */
  forbiddenTokens?: readonly number[];
  /** Token ids placed right after BOS, before the chat-templated prompt (P-DPO user tokens). */
  prefixTokens?: readonly number[];
  /** A JSON schema the reply must follow, where the provider supports constrained output. */
  jsonSchema?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult extends TokenUsage {
  text: string;
  finishReason: FinishReason;
  latencyMs: number;
  /** Time to the first generated token. */
  firstTokenMs: number | null;
  model: string;
}

export type ModelErrorKind = "auth" | "not-found" | "bad-request" | "rate-limit" | "unavailable" | "timeout" | "cancelled" | "context-length" | "parse" | "unknown";

/** Transient kinds worth a retry with backoff. */
export const RETRYABLE: ReadonlySet<ModelErrorKind> = new Set(["rate-limit", "unavailable", "timeout"]);

export class ModelError extends Error {
  override readonly name = "ModelError";
  constructor(readonly kind: ModelErrorKind, message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

export interface ChatModel {
  /** A stable, non-secret name for logs and token accounting. */
  readonly id: string;
  chat(req: ChatRequest): Promise<ChatResult>;
  /** Streams text deltas; the final value carries the same fields as `chat`. */
  stream(req: ChatRequest): AsyncGenerator<string, ChatResult, void>;
  close?(): Promise<void>;
}
