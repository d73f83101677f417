/**
 * Any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, OpenAI, `prismx models
 * serve`) through the official `openai` package. The SDK's own retries are off: ours retry only
 * the transient kinds, share one concurrency limit per endpoint, and turn HTTP failures into
 * ModelErrors that say what to fix. The API key is never put in a message.
 */
import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import type { FinishReason } from "../../core/domain.js";
import { Limiter, cancelled } from "../limiter.js";
import { DEFAULT_RETRY, withRetries, type RetryInfo, type RetryPolicy } from "../retry.js";
import { ModelError, type ChatModel, type ChatRequest, type ChatResult } from "../types.js";

export interface OpenAIOptions {
  baseURL: string;
  model: string;
  apiKey?: string | null;
  /** Name of the env variable the key came from, for error messages only. */
  apiKeyEnv?: string | null;
  concurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
  retry?: Partial<RetryPolicy>;
  id?: string;
  onRetry?: (info: RetryInfo) => void;
}

/** Header `prismx models serve` sets when it placed `prefix_tokens` after BOS. */
export const PREFIX_HEADER = "x-prismx-prefix-tokens";

class HttpModelError extends ModelError {
  retryAfterMs: number | undefined;
}

const limiters = new Map<string, Limiter>();

/** One concurrency limit per endpoint, shared by every model that talks to it. */
export function endpointLimiter(baseURL: string, capacity: number): Limiter {
  const key = baseURL.replace(/\/+$/, "");
  let l = limiters.get(key);
  if (!l || l.capacity !== capacity) {
    l = new Limiter(capacity);
    limiters.set(key, l);
  }
  return l;
}

function retryAfter(headers: Headers | undefined): number | undefined {
  const v = headers?.get("retry-after-ms") ?? undefined;
  if (v !== undefined && Number.isFinite(Number(v))) return Number(v);
  const s = headers?.get("retry-after");
  if (s && Number.isFinite(Number(s))) return Number(s) * 1000;
  return undefined;
}

function mapFinish(r: string | null | undefined): FinishReason {
  // stop, tool_calls, content_filter and a missing reason all mean the model is done talking.
  return r === "length" ? "length" : "stop";
}

export class OpenAIChatModel implements ChatModel {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly limiter: Limiter;
  private readonly policy: RetryPolicy;

  constructor(private readonly opts: OpenAIOptions) {
    this.id = opts.id ?? `openai:${opts.model}@${new URL(opts.baseURL).host}`;
    this.client = new OpenAI({
      baseURL: opts.baseURL,
      // Local servers take no key, but the SDK insists on one.
      apiKey: opts.apiKey ?? "sk-no-key",
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 60_000,
    });
    this.limiter = endpointLimiter(opts.baseURL, opts.concurrency ?? 8);
    this.policy = { ...DEFAULT_RETRY, maxRetries: opts.maxRetries ?? DEFAULT_RETRY.maxRetries, ...opts.retry };
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const it = this.stream(req);
    for (;;) {
      const r = await it.next();
      if (r.done) return r.value;
    }
  }

  async *stream(req: ChatRequest): AsyncGenerator<string, ChatResult, void> {
    const started = performance.now();
    const release = await this.limiter.acquire(req.signal);
    try {
      // A stream is retried only until its first delta: after that the caller has seen text.
      const opened = await withRetries(() => this.open(req), this.policy, {
        ...(req.signal ? { signal: req.signal } : {}),
        ...(this.opts.onRetry ? { onRetry: this.opts.onRetry } : {}),
        retryAfterMs: (e) => (e instanceof HttpModelError ? e.retryAfterMs : undefined),
      });
      let text = "";
      let finish: FinishReason = "stop";
      let usage: { prompt_tokens: number; completion_tokens: number } | null = null;
      let firstTokenMs: number | null = null;
      let chunks = 0;
      let model = this.opts.model;
      try {
        for await (const chunk of opened.stream) {
          model = chunk.model || model;
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices[0];
          const delta = choice?.delta?.content ?? "";
          if (delta) {
            firstTokenMs ??= performance.now() - started;
            text += delta;
            chunks++;
            yield delta;
          }
          if (choice?.finish_reason) finish = mapFinish(choice.finish_reason);
        }
      } catch (e) {
        throw this.toModelError(e);
      }
      return {
        text,
        finishReason: finish,
        promptTokens: usage?.prompt_tokens ?? 0,
        // Without a usage report, one streamed chunk is about one token.
        completionTokens: usage?.completion_tokens ?? chunks,
        latencyMs: performance.now() - started,
        firstTokenMs,
        model: this.id,
      };
    } finally {
      release();
    }
  }

  private async open(req: ChatRequest): Promise<{ stream: AsyncIterable<ChatCompletionChunk> }> {
    const body: ChatCompletionCreateParamsStreaming & Record<string, unknown> = {
      model: this.opts.model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      stream: true,
      stream_options: { include_usage: true },
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.topP !== undefined ? { top_p: req.topP } : {}),
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      ...(req.stop && req.stop.length > 0 ? { stop: [...req.stop] } : {}),
      ...(req.forbiddenTokens && req.forbiddenTokens.length > 0 ? { logit_bias: Object.fromEntries(req.forbiddenTokens.map((t) => [String(t), -100])) } : {}),
      ...(req.prefixTokens && req.prefixTokens.length > 0 ? { prefix_tokens: [...req.prefixTokens] } : {}),
      ...(req.jsonSchema ? { response_format: { type: "json_schema", json_schema: { name: "reply", schema: req.jsonSchema, strict: true } } } : {}),
    };
    try {
      const { data, response } = await this.client.chat.completions.create(body, { ...(req.signal ? { signal: req.signal } : {}) }).withResponse();
      if (req.prefixTokens && req.prefixTokens.length > 0 && response.headers.get(PREFIX_HEADER) === null) {
        data.controller.abort();
        throw new ModelError("bad-request", `${this.opts.baseURL} does not support prefix tokens (P-DPO user tokens); serve the artefact with 'prismx models serve' or use the embedded provider`);
      }
      return { stream: data };
    } catch (e) {
      if (e instanceof NotFoundError404) throw await this.explainNotFound(e);
      throw this.toModelError(e);
    }
  }

  /** A 404 means a wrong model or a wrong URL; asking the server for its models tells which. */
  private async explainNotFound(e: NotFoundError404): Promise<ModelError> {
    try {
      const names: string[] = [];
      for await (const m of this.client.models.list()) names.push(m.id);
      return new ModelError("not-found", `model '${this.opts.model}' is not served at ${this.opts.baseURL}; it serves: ${names.join(", ") || "(none listed)"}`, 404, { cause: e });
    } catch {
      return new ModelError("not-found", `no OpenAI-compatible API at ${this.opts.baseURL} (HTTP 404); check the URL — it usually ends in /v1`, 404, { cause: e });
    }
  }

  toModelError(e: unknown): ModelError {
    if (e instanceof ModelError) return e;
    const where = this.opts.baseURL;
    if (e instanceof OpenAI.APIUserAbortError) return cancelled();
    if (e instanceof OpenAI.APIConnectionTimeoutError) return new ModelError("timeout", `${where} did not answer within ${this.opts.timeoutMs ?? 60_000} ms`, undefined, { cause: e });
    if (e instanceof OpenAI.APIConnectionError) {
      const cause = (e.cause as { cause?: { code?: string }; code?: string } | undefined);
      const code = cause?.cause?.code ?? cause?.code ?? "";
      return new ModelError("unavailable", `cannot connect to ${where}${code ? ` (${code})` : ""}; is the server running and the URL right?`, undefined, { cause: e });
    }
    if (e instanceof OpenAI.APIError) {
      const status: number = (e.status as number | undefined) ?? 0;
      const headers = e.headers as Headers | undefined;
      const detail = scrub(e.message, this.opts.apiKey);
      let out: HttpModelError;
      if (status === 401 || status === 403) {
        out = new HttpModelError("auth", `${where} refused the API key (HTTP ${status})${this.opts.apiKeyEnv ? `; check the key in $${this.opts.apiKeyEnv}` : "; set apiKeyEnv to the variable holding the key"}`, status);
      } else if (status === 404) out = new HttpModelError("not-found", `${where}: not found (HTTP 404): ${detail}`, status);
      else if (status === 429) out = new HttpModelError("rate-limit", `${where} is rate limiting (HTTP 429): ${detail}`, status);
      else if (status === 408) out = new HttpModelError("timeout", `${where} timed out (HTTP 408)`, status);
      else if (status >= 500) out = new HttpModelError("unavailable", `${where} failed (HTTP ${status}): ${detail}`, status);
      else if (/context|too long|maximum.*tokens/i.test(detail)) out = new HttpModelError("context-length", `${where}: ${detail}`, status);
      else out = new HttpModelError("bad-request", `${where} rejected the request (HTTP ${status}): ${detail}`, status);
      out.retryAfterMs = retryAfter(headers);
      return out;
    }
    return new ModelError("unknown", `${where}: ${scrub((e as Error)?.message ?? String(e), this.opts.apiKey)}`, undefined, { cause: e });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const NotFoundError404 = OpenAI.NotFoundError;
type NotFoundError404 = InstanceType<typeof OpenAI.NotFoundError>;

function scrub(text: string, key: string | null | undefined): string {
  return key ? text.split(key).join("***") : text;
}
