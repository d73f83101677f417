/**
 * An arm: a strategy over a ChatModel, with the study's generation settings. `respond` and
 * `stream` take a participant's profile and the conversation so far (user/assistant turns).
 */
import type { ChatMessage } from "../core/artefacts.js";
import type { Strategy } from "../core/domain.js";
import type { Profile } from "../core/profile.js";
import type { Generation } from "../core/study.js";
import { EmbeddedChatModel } from "../llm/embedded/provider.js";
import type { ChatModel, ChatRequest, ChatResult } from "../llm/types.js";
import type { TokenLedger } from "./accounting.js";
import type { PersonalisationStrategy, PreparedPrompt } from "./types.js";

export interface ArmReply extends ChatResult {
  armId: string;
  strategy: Strategy;
  /** Prompt tokens due to the rendered profile (`prompt` arm), 0 otherwise, null if the model cannot count. */
  profileTokens: number | null;
}

export interface RespondOptions {
  signal?: AbortSignal;
  seed?: number;
  /** Overrides the arm's generation settings for this call. */
  generation?: Partial<Generation>;
}

export class Arm {
  constructor(
    readonly id: string,
    readonly strategy: PersonalisationStrategy,
    readonly model: ChatModel,
    readonly generation: Generation,
    private readonly ledger: TokenLedger | null = null,
    private readonly neutralSystemPrompt: string | null = null,
  ) {}

  prepare(profile: Profile, conversation: readonly ChatMessage[]): PreparedPrompt {
    return this.strategy.prepare(profile, conversation);
  }

  /** The exact tokens the model is fed (embedded models only). */
  promptTokens(profile: Profile, conversation: readonly ChatMessage[]): number[] | null {
    if (!(this.model instanceof EmbeddedChatModel)) return null;
    const p = this.prepare(profile, conversation);
    return this.model.render(p.messages, p.prefixTokens).tokens;
  }

  request(profile: Profile, conversation: readonly ChatMessage[], opts: RespondOptions = {}): { req: ChatRequest; prepared: PreparedPrompt } {
    const prepared = this.prepare(profile, conversation);
    const g = { ...this.generation, ...opts.generation };
    const req: ChatRequest = {
      messages: prepared.messages,
      temperature: g.temperature,
      topP: g.topP,
      maxTokens: g.maxTokens,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(prepared.prefixTokens.length > 0 ? { prefixTokens: prepared.prefixTokens } : {}),
      ...(prepared.forbiddenTokens.length > 0 ? { forbiddenTokens: prepared.forbiddenTokens } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    return { req, prepared };
  }

  async respond(profile: Profile, conversation: readonly ChatMessage[], opts: RespondOptions = {}): Promise<ArmReply> {
    const it = this.stream(profile, conversation, opts);
    for (;;) {
      const r = await it.next();
      if (r.done) return r.value;
    }
  }

  async *stream(profile: Profile, conversation: readonly ChatMessage[], opts: RespondOptions = {}): AsyncGenerator<string, ArmReply, void> {
    const { req, prepared } = this.request(profile, conversation, opts);
    const result = yield* this.model.stream(req);
    const reply: ArmReply = { ...result, armId: this.id, strategy: this.strategy.kind, profileTokens: this.profileTokens(prepared) };
    this.ledger?.record({ armId: this.id, promptTokens: reply.promptTokens, completionTokens: reply.completionTokens, profileTokens: reply.profileTokens });
    return reply;
  }

  /** Tokens the profile adds: the prompt with it minus the same prompt with the neutral system prompt alone. */
  private profileTokens(prepared: PreparedPrompt): number | null {
    if (prepared.profileText === null) return 0;
    if (!(this.model instanceof EmbeddedChatModel) || this.neutralSystemPrompt === null) return null;
    const neutral = prepared.messages.map((m, i) => (i === 0 && m.role === "system" ? { ...m, content: this.neutralSystemPrompt! } : m));
    return this.model.render(prepared.messages, prepared.prefixTokens).tokens.length - this.model.render(neutral, prepared.prefixTokens).tokens.length;
  }
}
