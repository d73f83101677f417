/**
 * Structured output from a simulator model: ask for JSON (with a JSON schema where the provider
 * can constrain output), parse with zod, repair common slips, and retry with the validation error
 * when the reply is still invalid. Never a silent fallback: after the last try it throws.
 */
import { z } from "zod";
import type { ChatMessage, ChatModel, ChatResult } from "../llm/types.js";
import { SimulatorError, type CallRecord } from "./types.js";
import { ModelError } from "../llm/types.js";

/** The first balanced {...} in a reply (models wrap JSON in prose or code fences). */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const src = fenced ? fenced[1]! : text;
  const start = src.indexOf("{");
  if (start < 0) return undefined;
  let depth = 0;
  let inStr = false;
  for (let i = start; i < src.length; i++) {
    const ch = src[i];
    if (inStr) {
      if (ch === "\\") i++;
      else if (ch === '"') inStr = false;
    } else if (ch === '"') inStr = true;
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) {
      const body = src.slice(start, i + 1);
      try {
        return JSON.parse(body);
      } catch {
        // Trailing commas and single quotes are the usual slips of small models.
        try {
          return JSON.parse(body.replace(/,\s*([}\]])/g, "$1").replace(/'/g, '"'));
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

export interface StructuredOptions<T> {
  model: ChatModel;
  messages: ChatMessage[];
  schema: z.ZodType<T>;
  /** JSON schema sent to providers that constrain output; null where the provider cannot. */
  jsonSchema: Record<string, unknown> | null;
  /** Lenient fix-ups applied to the parsed value (or the raw text) before validation. */
  repair?: (value: unknown, text: string) => unknown;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  retries?: number;
  signal?: AbortSignal;
  role: string;
  participantId: string;
  onCall?: (c: CallRecord) => void;
}

export interface StructuredResult<T> {
  value: T;
  attempts: number;
  repaired: boolean;
}

/** Calls the model and records the call; ModelErrors propagate (the provider already retried). */
export async function callModel(model: ChatModel, req: Parameters<ChatModel["chat"]>[0], rec: { role: string; participantId: string; onCall?: (c: CallRecord) => void }): Promise<ChatResult> {
  const t0 = performance.now();
  try {
    const r = await model.chat(req);
    rec.onCall?.({ participantId: rec.participantId, role: rec.role, model: model.id, ok: true, errorKind: null, latencyMs: r.latencyMs, promptTokens: r.promptTokens, completionTokens: r.completionTokens });
    return r;
  } catch (e) {
    rec.onCall?.({ participantId: rec.participantId, role: rec.role, model: model.id, ok: false, errorKind: e instanceof ModelError ? e.kind : "unknown", latencyMs: performance.now() - t0, promptTokens: 0, completionTokens: 0 });
    throw e;
  }
}

export async function structured<T>(o: StructuredOptions<T>): Promise<StructuredResult<T>> {
  const retries = o.retries ?? 2;
  const messages = o.messages.slice();
  let lastProblem = "";
  for (let attempt = 0; attempt <= retries; attempt++) {
    const r = await callModel(o.model, {
      messages,
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
      ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
      ...(o.seed !== undefined ? { seed: o.seed + attempt } : {}),
      ...(o.jsonSchema ? { jsonSchema: o.jsonSchema } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }, o);
    const raw = extractJson(r.text);
    const direct = o.schema.safeParse(raw);
    if (direct.success) return { value: direct.data, attempts: attempt + 1, repaired: false };
    if (o.repair) {
      const fixed = o.schema.safeParse(o.repair(raw, r.text));
      if (fixed.success) return { value: fixed.data, attempts: attempt + 1, repaired: true };
    }
    lastProblem = raw === undefined ? "the reply contained no JSON object" : direct.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    messages.push({ role: "assistant", content: r.text.slice(0, 2000) }, { role: "user", content: `That reply was not valid (${lastProblem}). Answer again with only the JSON object.` });
  }
  throw new SimulatorError(`${o.role}: no valid structured reply after ${retries + 1} tries (${lastProblem})`);
}
