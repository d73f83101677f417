/**
 * The embedded provider: a GGUF run in-process by node-llama-cpp (llama.cpp), CPU only.
 * A pool of contexts (one thread each) serves concurrent requests; each request gets a whole
 * context, so one request's tokens never share a KV cache with another's and a seed alone fixes
 * the output. Requests feed exactly the tokens `renderPrompt` builds (BOS, prefix, template).
 */
import { LlamaGrammarEvaluationState, TokenBias, type ChatWrapper, type LlamaGrammar, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from "node-llama-cpp";
import { basename } from "node:path";
import type { FinishReason } from "../../core/domain.js";
import { Limiter, cancelled } from "../limiter.js";
import { ModelError, type ChatMessage, type ChatModel, type ChatRequest, type ChatResult } from "../types.js";
import { chatWrapperFor, renderPrompt, type RenderedPrompt } from "./prompt.js";
import { acquireModel, releaseModel, sharedLlama } from "./runtime.js";

export interface LoraAdapter {
  path: string;
  scale?: number;
}

export interface EmbeddedOptions {
  modelPath: string;
  /** Name in logs and token accounting; defaults to the file name. */
  id?: string;
  lora?: LoraAdapter | null;
  /** Overrides the GGUF's chat template (a trained artefact ships the one it was trained with). */
  chatTemplate?: string | null;
  contextSize?: number;
  /** BOS first even if the GGUF does not add one (see renderPrompt). */
  forceBos?: boolean;
  /** Parallel contexts, one llama.cpp thread each. */
  contexts?: number;
  threads?: number;
}

interface Slot { context: LlamaContext; sequence: LlamaContextSequence }

export interface ScoreRequest {
  messages: readonly ChatMessage[];
  prefixTokens?: readonly number[];
  /** The reply to score, as text (tokenized without special tokens) or as token ids. */
  continuation: string | readonly number[];
  /** Also score the end-of-generation token after the continuation. */
  includeEnd?: boolean;
  /** Renormalise as generation does when these ids are forbidden (probability moved off them). */
  forbiddenTokens?: readonly number[];
}

export interface ScoreResult {
  /** Sum of natural-log probabilities of the continuation tokens. */
  logProb: number;
  tokenLogProbs: number[];
  continuationTokens: number[];
  promptTokens: number[];
}

export interface EmbeddedChatResult extends ChatResult {
  /** The generated token ids (before any stop-string cut). */
  completionTokenIds: number[];
}

export class EmbeddedChatModel implements ChatModel {
  readonly id: string;
  private readonly slots: Slot[] = [];
  private readonly free: Slot[] = [];
  private readonly limiter: Limiter;
  private closed = false;

  private constructor(readonly model: LlamaModel, readonly wrapper: ChatWrapper, private readonly opts: Required<Pick<EmbeddedOptions, "modelPath" | "contextSize" | "contexts" | "forceBos">>, id: string) {
    this.id = id;
    this.limiter = new Limiter(opts.contexts);
  }

  static async create(options: EmbeddedOptions): Promise<EmbeddedChatModel> {
    const model = await acquireModel(options.modelPath);
    const contextSize = Math.min(options.contextSize ?? 4096, model.trainContextSize);
    const contexts = options.contexts ?? 2;
    const id = options.id ?? `embedded:${basename(options.modelPath)}${options.lora ? `+${basename(options.lora.path)}` : ""}`;
    const self = new EmbeddedChatModel(model, chatWrapperFor(model, options.chatTemplate), { modelPath: options.modelPath, contextSize, contexts, forceBos: options.forceBos ?? false }, id);
    try {
      for (let i = 0; i < contexts; i++) {
        const context = await model.createContext({
          contextSize,
          sequences: 1,
          threads: options.threads ?? 1,
          ...(options.lora ? { lora: { adapters: [{ filePath: options.lora.path, scale: options.lora.scale ?? 1 }] } } : {}),
        });
        const slot = { context, sequence: context.getSequence() };
        self.slots.push(slot);
        self.free.push(slot);
      }
    } catch (e) {
      await self.close();
      throw new ModelError("bad-request", `could not create a context for ${options.modelPath}${options.lora ? ` with adapter ${options.lora.path}` : ""}: ${(e as Error).message}`, undefined, { cause: e });
    }
    return self;
  }

  get contextSize(): number {
    return this.opts.contextSize;
  }

  /** The exact tokens a request would feed the model. */
  render(messages: readonly ChatMessage[], prefixTokens: readonly number[] = []): RenderedPrompt {
    return renderPrompt(this.model, this.wrapper, messages, prefixTokens, this.opts.forceBos);
  }

  get vocabularySize(): number {
    const tokens = (this.model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: unknown } } }).tokenizer?.ggml?.tokens;
    return Array.isArray(tokens) ? tokens.length : Number.POSITIVE_INFINITY;
  }

  tokenize(text: string): number[] {
    return this.model.tokenize(text, false);
  }

  detokenize(tokens: readonly number[]): string {
    return this.model.detokenize(tokens as Token[], true);
  }

  async chat(req: ChatRequest): Promise<EmbeddedChatResult> {
    const it = this.stream(req);
    for (;;) {
      const r = await it.next();
      if (r.done) return r.value;
    }
  }

  async *stream(req: ChatRequest): AsyncGenerator<string, EmbeddedChatResult, void> {
    const started = performance.now();
    if (this.closed) throw new ModelError("unavailable", `${this.id} is closed`);
    const grammar = req.jsonSchema ? await this.grammarFor(req.jsonSchema) : null;
    const prompt = this.render(req.messages, req.prefixTokens ?? []);
    const maxTokens = req.maxTokens ?? 256;
    if (prompt.tokens.length + 1 > this.opts.contextSize) {
      throw new ModelError("context-length", `the prompt has ${prompt.tokens.length} tokens; the context holds ${this.opts.contextSize}`);
    }
    this.checkIds(req.prefixTokens ?? [], "prefixTokens");
    this.checkIds(req.forbiddenTokens ?? [], "forbiddenTokens");
    const budget = Math.min(maxTokens, this.opts.contextSize - prompt.tokens.length);
    const release = await this.limiter.acquire(req.signal);
    const slot = this.free.pop()!;
    let firstTokenMs: number | null = null;
    const generated: Token[] = [];
    let emitted = 0;
    let finishReason: FinishReason = "length";
    let text = "";
    const stops = (req.stop ?? []).filter((s) => s.length > 0);
    const holdBack = stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
    try {
      await slot.sequence.clearHistory();
      let bias: TokenBias | undefined;
      if (req.forbiddenTokens && req.forbiddenTokens.length > 0) {
        bias = new TokenBias(this.model.tokenizer);
        for (const t of req.forbiddenTokens) bias.set(t as Token, "never");
      }
      const temperature = req.temperature ?? 0.7;
      const iter = slot.sequence.evaluate(prompt.tokens, {
        temperature,
        ...(req.topP !== undefined ? { topP: req.topP } : {}),
        // Fixed default seed: the same request gives the same reply unless a seed says otherwise.
        seed: req.seed ?? 0,
        ...(bias ? { tokenBias: bias } : {}),
        // A JSON-schema grammar (llama.cpp GBNF) constrains sampling; once it is complete only end-of-generation remains.
        ...(grammar ? { grammarEvaluationState: new LlamaGrammarEvaluationState({ model: this.model, grammar }) } : {}),
      });
      if (budget <= 0) finishReason = "length";
      else {
        for await (const token of iter) {
          if (req.signal?.aborted) throw cancelled();
          firstTokenMs ??= performance.now() - started;
          generated.push(token);
          text = this.model.detokenize(generated, false);
          let done = false;
          for (const s of stops) {
            const at = text.indexOf(s);
            if (at >= 0) {
              text = text.slice(0, at);
              finishReason = "stop";
              done = true;
            }
          }
          // Hold back a trailing partial UTF-8 character and anything that may begin a stop string.
          let safe = done ? text.length : text.length - holdBack;
          while (safe > emitted && text.charCodeAt(safe - 1) === 0xfffd && !done) safe--;
          if (safe > emitted) {
            yield text.slice(emitted, safe);
            emitted = safe;
          }
          if (done) break;
          if (generated.length >= budget) break;
        }
        if (finishReason !== "stop" && generated.length < budget) finishReason = "stop"; // ended on an end-of-generation token
      }
      if (req.signal?.aborted) throw cancelled();
      if (emitted < text.length) {
        yield text.slice(emitted);
        emitted = text.length;
      }
      return {
        text,
        finishReason,
        promptTokens: prompt.tokens.length,
        completionTokens: generated.length,
        latencyMs: performance.now() - started,
        firstTokenMs,
        model: this.id,
        completionTokenIds: [...generated],
      };
    } finally {
      this.free.push(slot);
      release();
    }
  }

  /**
   * Sum of log-probabilities of a continuation given chat messages (+ prefix tokens), under the
   * same prompt rendering as generation. The trainer's export-fidelity test compares this to the
   * PyTorch model's log-probs. Probabilities come from llama.cpp's full softmax at temperature 1.
   */
  async score(req: ScoreRequest, signal?: AbortSignal): Promise<ScoreResult> {
    const prompt = this.render(req.messages, req.prefixTokens ?? []);
    const cont: Token[] = typeof req.continuation === "string" ? this.model.tokenize(req.continuation, false) : [...(req.continuation as Token[])];
    if (req.includeEnd) {
      const eos = this.model.tokens.eos;
      if (eos === null) throw new ModelError("bad-request", "the model has no end-of-sequence token to score");
      cont.push(eos);
    }
    if (cont.length === 0) return { logProb: 0, tokenLogProbs: [], continuationTokens: [], promptTokens: prompt.tokens };
    const all = [...prompt.tokens, ...cont];
    if (all.length > this.opts.contextSize) throw new ModelError("context-length", `prompt + continuation is ${all.length} tokens; the context holds ${this.opts.contextSize}`);
    const release = await this.limiter.acquire(signal);
    const slot = this.free.pop()!;
    try {
      await slot.sequence.clearHistory();
      const first = prompt.tokens.length - 1;
      const input = all.slice(0, -1).map((t, i) =>
        i >= first ? ([t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }] as const) : t,
      );
      const out = await slot.sequence.controlledEvaluate(input as Parameters<LlamaContextSequence["controlledEvaluate"]>[0]);
      const forbidden = req.forbiddenTokens ?? [];
      const tokenLogProbs = cont.map((tok, j) => {
        const probs = out[first + j]?.next?.probabilities;
        const p = probs?.get(tok) ?? 0;
        let allowed = 1;
        for (const f of forbidden) allowed -= probs?.get(f as Token) ?? 0;
        return Math.log(p) - Math.log(allowed);
      });
      return { logProb: tokenLogProbs.reduce((a, b) => a + b, 0), tokenLogProbs, continuationTokens: cont, promptTokens: prompt.tokens };
    } finally {
      this.free.push(slot);
      release();
    }
  }

  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  private grammarFor(schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (!g) {
      g = sharedLlama().then((l) => l.createGrammarForJsonSchema(schema as Parameters<typeof l.createGrammarForJsonSchema>[0]) as Promise<LlamaGrammar>)
        .catch((e: unknown) => { throw new ModelError("bad-request", `jsonSchema not supported by the embedded provider: ${(e as Error).message}`, undefined, { cause: e }); });
      this.grammars.set(key, g);
    }
    return g;
  }

  private checkIds(ids: readonly number[], field: string): void {
    const n = this.vocabularySize;
    for (const t of ids) {
      if (!Number.isInteger(t) || t < 0 || t >= n) throw new ModelError("bad-request", `${field}: token id ${t} is outside the vocabulary (size ${n}) of ${this.id}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) await s.context.dispose();
    await releaseModel(this.opts.modelPath);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
