/**
 * Blinding: responses must not tell the participant which model or company made them. Before a
 * response is shown, self-identification ("I'm Gemma, trained by Google") is replaced with
 * neutral words, and every replacement is logged in the `responses.shown` event.
 *
 * Hand-written regexes: no maintained library does "remove LLM self-identification".
 */
import type { EventBody, FinishReason, Response } from "../core/index.js";
import type { Task } from "./types.js";

/** Model family and product names that identify an assistant. */
export const MODEL_NAMES: readonly string[] = [
  "ChatGPT", "GPT-4o", "GPT-4", "GPT-3.5", "GPT-3", "GPT", "Gemma", "Gemini", "Bard", "LLaMA", "Llama", "Claude", "Mistral", "Mixtral",
  "Qwen", "Phi", "DeepSeek", "Falcon", "Vicuna", "Command R", "Copilot", "SmolLM", "Granite",
];
/** Companies that make assistants. */
export const COMPANY_NAMES: readonly string[] = [
  "Google DeepMind", "DeepMind", "Google", "OpenAI", "Meta AI", "Meta", "Anthropic", "Microsoft", "Mistral AI", "Alibaba Cloud", "Alibaba",
  "Hugging Face", "IBM", "Cohere", "xAI",
];

export interface ScrubOptions {
  /** Extra names to remove (e.g. the study's model ids and GGUF file names). */
  extraNames?: readonly string[];
}

export interface ScrubResult {
  text: string;
  replacements: { found: string; replacedWith: string }[];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const alternation = (names: readonly string[]): string =>
  [...names].sort((a, b) => b.length - a.length).map(escape).join("|");

function compile(extra: readonly string[]): RegExp[] {
  const models = alternation([...MODEL_NAMES, ...extra.filter((n) => n.length >= 3)]);
  const companies = alternation(COMPANY_NAMES);
  const version = String.raw`(?:[\s-]?\d+(?:\.\d+)*(?:[\s-]?[A-Za-z]*\d+[A-Za-z]*)?)?`;
  return [
    // "created/trained/developed by Google DeepMind" → "… by my developers"
    new RegExp(String.raw`\b((?:created|trained|developed|made|built|designed|released|programmed)\s+by)\s+(?:the\s+)?(?:${companies})(?:\s+(?:team|researchers|engineers))?\b`, "gi"),
    // "I'm Gemma 3" / "I am ChatGPT" → "I'm an AI assistant"
    new RegExp(String.raw`\b(I am|I'm|I’m|my name is|called)\s+(?:${models})${version}\b`, "gi"),
    // remaining mentions of a model name anywhere → "the assistant"
    new RegExp(String.raw`\b(?:${models})${version}\b`, "g"),
    // "a Google model", "OpenAI's" → "an AI"
    new RegExp(String.raw`\b(?:${companies})(?:'s|’s)?(?=\s+(?:model|language model|AI|assistant|LLM))`, "g"),
  ];
}

const cache = new Map<string, RegExp[]>();

/** Removes self-identification from one response. Deterministic; returns what it replaced. */
export function scrubText(text: string, opts: ScrubOptions = {}): ScrubResult {
  const key = (opts.extraNames ?? []).join("\u0000");
  let rx = cache.get(key);
  if (!rx) {
    rx = compile(opts.extraNames ?? []);
    cache.set(key, rx);
  }
  const replacements: ScrubResult["replacements"] = [];
  const [byCompany, selfName, anyModel, companyAdj] = rx as [RegExp, RegExp, RegExp, RegExp];
  let out = text.replace(byCompany, (found, lead: string) => {
    const replacedWith = `${lead} my developers`;
    replacements.push({ found, replacedWith });
    return replacedWith;
  });
  out = out.replace(selfName, (found, lead: string) => {
    const replacedWith = `${lead} an AI assistant`;
    replacements.push({ found, replacedWith });
    return replacedWith;
  });
  out = out.replace(anyModel, (found) => {
    replacements.push({ found, replacedWith: "the assistant" });
    return "the assistant";
  });
  out = out.replace(companyAdj, (found) => {
    replacements.push({ found, replacedWith: "an" });
    return "an";
  });
  return { text: out, replacements };
}

/** What an arm produced for one slot of a `generate` task. */
export interface ArmOutput {
  arm: string;
  text: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  finishReason: FinishReason;
}

/** A stable id for the response at `position` of a turn. */
export function responseId(participantId: string, conversation: number, turn: number, position: number): string {
  return `${participantId}.c${conversation}.t${turn}.p${position}`;
}

/**
 * Turns a `generate` task and the arms' outputs into the `responses.shown` event: positions and
 * labels from the plan, texts scrubbed, every scrub logged.
 */
export function responsesShown(
  participantId: string,
  task: Extract<Task, { kind: "generate" }>,
  outputs: readonly ArmOutput[],
  opts: ScrubOptions = {},
): Extract<EventBody, { type: "responses.shown" }> {
  const byArm = new Map(outputs.map((o) => [o.arm, o]));
  const scrubs: { position: number; found: string; replacedWith: string }[] = [];
  const responses: Response[] = task.slots.map((slot) => {
    const out = byArm.get(slot.arm);
    if (!out) throw new Error(`responsesShown: no output for arm '${slot.arm}' at position ${slot.position}`);
    const s = scrubText(out.text, opts);
    for (const r of s.replacements) scrubs.push({ position: slot.position, ...r });
    return {
      responseId: responseId(participantId, task.conversation, task.turn, slot.position),
      arm: slot.arm, label: slot.label, position: slot.position, text: s.text,
      promptTokens: out.promptTokens, completionTokens: out.completionTokens, latencyMs: out.latencyMs, finishReason: out.finishReason,
    };
  });
  return { type: "responses.shown", conversation: task.conversation, turn: task.turn, responses, scrubs };
}
