/**
 * A simulated twin: a persona LLM conditioned on one participant's profile, answering the same
 * tasks a human answers in the web app. Choices, ratings and reasons come back as structured
 * output validated by zod (repaired or retried when invalid).
 */
import { z } from "zod";
import type { EventBody, Generation } from "../core/index.js";
import { attentionPassed, type BlindMessage, type BlindResponse, type JudgeForm } from "../protocol/index.js";
import type { ChatMessage, ChatModel } from "../llm/types.js";
import { DOMAIN_INSTRUCTIONS, personaPrompt } from "./persona.js";
import { callModel, structured } from "./structured.js";
import { SimulatorError, type ActContext, type CallRecord, type CohortMember, type SimParticipant } from "./types.js";

export interface TwinOptions {
  member: CohortMember;
  model: ChatModel;
  generation: Partial<Generation>;
  /** Send a JSON schema with structured requests (providers that constrain output). */
  useJsonSchema: boolean;
  /** Tries for a valid structured reply (1 + retries). */
  retries?: number;
  onCall?: (c: CallRecord) => void;
}

const Rating = z.coerce.number().transform((x) => Math.round(x)).pipe(z.number().int().min(1).max(100));

function transcript(history: readonly BlindMessage[]): string {
  if (history.length === 0) return "(this is the start of the conversation)";
  return history.map((m) => `${m.role === "user" ? "You" : "Assistant"}: ${m.text}`).join("\n\n");
}

/** The judgement reply's schema for these labels, and its JSON schema twin. */
export function judgementSchema(labels: readonly string[], form: JudgeForm) {
  const choices = form.allowTie && labels.length > 1 ? [...labels, "tie"] : [...labels];
  const schema = z.object({
    ratings: z.object(Object.fromEntries(labels.map((l) => [l, Rating])) as Record<string, typeof Rating>),
    choice: z.enum(choices as [string, ...string[]]),
    reasons: z.string().default(""),
  });
  const jsonSchema: Record<string, unknown> = {
    type: "object",
    properties: {
      ratings: { type: "object", properties: Object.fromEntries(labels.map((l) => [l, { type: "integer", minimum: 1, maximum: 100 }])), required: [...labels], additionalProperties: false },
      choice: { type: "string", enum: choices },
      reasons: { type: "string" },
    },
    required: ["ratings", "choice", "reasons"],
    additionalProperties: false,
  };
  return { schema, jsonSchema, choices };
}

/**
 * zod v4 compiles an object schema on its first parse, so building a fresh schema per judgement
 * paid that compilation on every call. The label sets of a study are few: cache them.
 */
const judgementSchemas = new Map<string, ReturnType<typeof judgementSchema>>();
function cachedJudgementSchema(labels: readonly string[], form: JudgeForm): ReturnType<typeof judgementSchema> {
  const key = `${form.allowTie ? 1 : 0}\u0000${labels.join("\u0000")}`;
  let s = judgementSchemas.get(key);
  if (!s) {
    if (judgementSchemas.size >= 256) judgementSchemas.clear();
    s = judgementSchema(labels, form);
    judgementSchemas.set(key, s);
  }
  return s;
}

const ContinueSchema = z.object({ continue: z.union([z.boolean(), z.enum(["true", "false", "yes", "no"]).transform((s) => s === "true" || s === "yes")]), message: z.string().default("") });
const ContinueJsonSchema = { type: "object", properties: { continue: { type: "boolean" }, message: { type: "string" } }, required: ["continue", "message"], additionalProperties: false };
const FeedbackSchema = z.object({ rating: Rating, feedback: z.string().default("") });
const FeedbackJsonSchema = { type: "object", properties: { rating: { type: "integer", minimum: 1, maximum: 100 }, feedback: { type: "string" } }, required: ["rating", "feedback"], additionalProperties: false };

const attentionSchemas = new Map<string, { schema: z.ZodType<string>; jsonSchema: Record<string, unknown> }>();
function attentionSchema(options: readonly string[]): { schema: z.ZodType<string>; jsonSchema: Record<string, unknown> } {
  const key = options.join("\u0000");
  let s = attentionSchemas.get(key);
  if (!s) {
    if (attentionSchemas.size >= 256) attentionSchemas.clear();
    s = {
      schema: z.object({ answer: z.string() }).transform((v) => v.answer.trim()).pipe(z.enum(options as [string, ...string[]])),
      jsonSchema: { type: "object", properties: { answer: { type: "string", enum: [...options] } }, required: ["answer"], additionalProperties: false },
    };
    attentionSchemas.set(key, s);
  }
  return s;
}

/** Lenient fixes for what small models get wrong: arrays for maps, "Response A", "5/10", clamps. */
export function repairJudgement(value: unknown, text: string, labels: readonly string[], choices: readonly string[]): unknown {
  const v = (value && typeof value === "object" ? { ...(value as Record<string, unknown>) } : {}) as Record<string, unknown>;
  let ratings: unknown = v.ratings ?? v.scores ?? v.rating;
  if (Array.isArray(ratings)) {
    const arr: unknown[] = ratings;
    ratings = Object.fromEntries(labels.map((l, i) => [l, arr[i]]));
  }
  const r: Record<string, unknown> = {};
  for (const l of labels) {
    let x = (ratings as Record<string, unknown> | undefined)?.[l] ?? (ratings as Record<string, unknown> | undefined)?.[`Response ${l}`];
    if (x === undefined) {
      const m = new RegExp(String.raw`(?:response\s+)?\b${l}\b["']?\s*[:=-]\s*(\d{1,3})`, "i").exec(text);
      if (m) x = Number(m[1]);
    }
    if (typeof x === "string") x = Number(/\d+(\.\d+)?/.exec(x)?.[0]);
    if (typeof x === "number" && Number.isFinite(x)) r[l] = Math.min(100, Math.max(1, Math.round(x <= 10 && x > 0 && /\/\s*10\b/.test(text) ? x * 10 : x)));
  }
  let choice = v.choice ?? v.preferred ?? v.winner;
  if (typeof choice === "string") {
    const c = choice.trim().replace(/^response\s+/i, "").replace(/[."']/g, "");
    choice = choices.find((x) => x.toLowerCase() === c.toLowerCase()) ?? (/tie|equal|both/i.test(c) && choices.includes("tie") ? "tie" : choice);
  }
  if (choice === undefined) {
    const m = /choice["']?\s*[:=]\s*["']?(?:response\s+)?([A-Za-z]+)/i.exec(text);
    if (m) choice = choices.find((x) => x.toLowerCase() === m[1]!.toLowerCase());
  }
  return { ratings: r, choice, reasons: typeof v.reasons === "string" ? v.reasons : typeof v.reason === "string" ? v.reason : "" };
}

export class LlmTwin implements SimParticipant {
  private readonly persona: string;
  constructor(private readonly o: TwinOptions) {
    this.persona = personaPrompt(o.member);
  }

  private get rec() {
    return { role: "simulator", participantId: this.o.member.participantId, ...(this.o.onCall ? { onCall: this.o.onCall } : {}) };
  }

  private async text(user: string, ctx: ActContext, maxTokens?: number): Promise<string> {
    const messages: ChatMessage[] = [{ role: "system", content: this.persona }, { role: "user", content: user }];
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await callModel(this.o.model, {
        messages,
        ...(this.o.generation.temperature !== undefined ? { temperature: this.o.generation.temperature } : {}),
        ...(this.o.generation.topP !== undefined ? { topP: this.o.generation.topP } : {}),
        maxTokens: maxTokens ?? this.o.generation.maxTokens ?? 160,
        seed: ctx.seed + attempt,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      }, this.rec);
      const t = r.text.trim().replace(/^["“]|["”]$/g, "").replace(/^(you|me|user)\s*:\s*/i, "").trim();
      if (t.length > 0) return t;
    }
    throw new SimulatorError("simulator: empty message after 3 tries");
  }

  private async json<T>(user: string, schema: z.ZodType<T>, jsonSchema: Record<string, unknown>, ctx: ActContext, repair?: (v: unknown, t: string) => unknown): Promise<T> {
    const r = await structured({
      model: this.o.model,
      messages: [{ role: "system", content: this.persona }, { role: "user", content: user }],
      schema, jsonSchema: this.o.useJsonSchema ? jsonSchema : null,
      ...(repair ? { repair } : {}),
      ...(this.o.generation.temperature !== undefined ? { temperature: this.o.generation.temperature } : {}),
      maxTokens: Math.max(this.o.generation.maxTokens ?? 120, 120),
      seed: ctx.seed, retries: this.o.retries ?? 2,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...this.rec,
    });
    return r.value;
  }

  private async judge(history: BlindMessage[], message: string, responses: BlindResponse[], form: JudgeForm, ctx: ActContext) {
    const labels = responses.map((r) => r.label);
    const { schema, jsonSchema, choices } = cachedJudgementSchema(labels, form);
    const shown = responses.map((r) => `Response ${r.label}:\n${r.text}`).join("\n\n");
    const one = responses.length === 1;
    const prompt = [
      `Conversation so far:\n${transcript(history)}`, `Your latest message: ${message}`, shown,
      one
        ? "Rate this response from 1 (terrible) to 100 (perfect) for how much you, as this person, like it, and say briefly why."
        : `Rate each response from 1 (terrible) to 100 (perfect) for how much you, as this person, like it. Then choose the one you prefer${choices.includes("tie") ? " (or \"tie\" if you truly cannot choose)" : ""}, and say briefly why.`,
      `Answer with JSON only, like: {"ratings": {${labels.map((l) => `"${l}": <1-100>`).join(", ")}}, "choice": ${choices.map((c) => `"${c}"`).join(" or ")}, "reasons": "<one sentence>"}`,
    ].join("\n\n");
    const v = await this.json(prompt, schema, jsonSchema, ctx, (raw, text) => repairJudgement(raw, text, labels, choices));
    const choicePos = v.choice === "tie" ? null : labels.indexOf(v.choice);
    return {
      ratings: responses.map((r) => (form.ratings ? v.ratings[r.label] ?? null : null)),
      choice: choicePos, tie: choicePos === null, reasons: form.reasons ? v.reasons : null, freeText: null,
    };
  }

  async act(task: Parameters<SimParticipant["act"]>[0], ctx: ActContext): Promise<EventBody> {
    switch (task.kind) {
      case "consent": return { type: "consent.given" };
      case "profile": return { type: "profile.submitted", profile: this.o.member.profile };
      case "write": {
        if (task.turn === 0) {
          const text = await this.text(`${DOMAIN_INSTRUCTIONS[task.domain]}\n\nWrite only your first message to the assistant, as you would type it — no quotes, no explanation.`, ctx);
          return { type: "message.written", conversation: task.conversation, turn: 0, text, telemetry: null };
        }
        if (task.canEnd) {
          const d = await this.json(
            `Conversation so far:\n${transcript(task.history)}\n\nDo you want to continue this conversation or end it here? Answer with JSON only: {"continue": true or false, "message": "<your next message if you continue, else empty>"}`,
            ContinueSchema, ContinueJsonSchema, ctx,
          );
          if (!d.continue || d.message.trim() === "") return this.feedback(task.conversation, task.history, ctx, true);
          return { type: "message.written", conversation: task.conversation, turn: task.turn, text: d.message.trim(), telemetry: null };
        }
        const text = await this.text(`Conversation so far:\n${transcript(task.history)}\n\nWrite only your next message to the assistant, as you would type it.`, ctx);
        return { type: "message.written", conversation: task.conversation, turn: task.turn, text, telemetry: null };
      }
      case "judge":
        return { type: "judgement.made", conversation: task.conversation, turn: task.turn, judgement: await this.judge(task.history, task.message, task.responses, task.form, ctx), elapsedMs: null };
      case "probe":
        return { type: "probe.answered", probe: task.probe, judgement: await this.judge(task.history, task.message, task.responses, task.form, ctx) };
      case "feedback":
        return this.feedback(task.conversation, task.history, ctx, task.askFeedback);
      case "attention": {
        const { schema, jsonSchema } = attentionSchema(task.options);
        const answer = await this.json(
          `${task.question}\nOptions: ${task.options.map((o) => `"${o}"`).join(", ")}\nAnswer with JSON only: {"answer": "<one of the options>"}`,
          schema, jsonSchema, ctx,
          (raw, text) => ({ answer: task.options.find((o) => (typeof (raw as { answer?: unknown })?.answer === "string" ? (raw as { answer: string }).answer : text).toLowerCase().includes(o.toLowerCase())) ?? "" }),
        );
        return { type: "attention.answered", check: task.check, answer, passed: attentionPassed(ctx.state.plan, task.check, answer) };
      }
    }
  }

  private async feedback(conversation: number, history: BlindMessage[], ctx: ActContext, askText: boolean): Promise<EventBody> {
    const v = await this.json(
      `Conversation so far:\n${transcript(history)}\n\nThe conversation is over. How good was it for you, from 1 (terrible) to 100 (perfect)? Answer with JSON only: {"rating": <1-100>, "feedback": "<one sentence>"}`,
      FeedbackSchema, FeedbackJsonSchema, ctx,
      (raw, text) => ({ rating: (raw as { rating?: unknown })?.rating ?? Number(/\b(\d{1,3})\b/.exec(text)?.[1]), feedback: (raw as { feedback?: unknown })?.feedback ?? "" }),
    );
    return { type: "conversation.ended", conversation, rating: v.rating, feedback: askText ? v.feedback : null };
  }
}
