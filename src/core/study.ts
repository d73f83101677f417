/**
 * Study-as-code: one YAML file names the arms, models, domains, protocol, judgements, probes and
 * seed. The same file runs a simulated study and a human one.
 */
import { z } from "zod";
import { parseDocument, LineCounter, isNode, stringify, type Document } from "yaml";
import { Domain, Id, Strategy } from "./domain.js";
import { UserError } from "./errors.js";

export const EmbeddedModel = z.strictObject({
  provider: z.literal("embedded"),
  /** "default" (SmolLM2-135M-Instruct, see src/llm/pull.ts), a path to a GGUF file, or a trained artefact folder. */
  model: z.string().min(1).default("default"),
  contextSize: z.number().int().positive().default(4096),
  /** Parallel contexts (one llama.cpp thread each). */
  contexts: z.number().int().positive().default(2),
});
export const OpenAIModel = z.strictObject({
  provider: z.literal("openai"),
  /** Any OpenAI-compatible server: vLLM, Ollama, llama.cpp server, OpenAI. */
  baseURL: z.url(),
  model: z.string().min(1),
  /** Name of the environment variable holding the key; the key itself never goes in a study file. */
  apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).nullable().default(null),
  concurrency: z.number().int().positive().default(8),
  timeoutMs: z.number().int().positive().default(60_000),
  maxRetries: z.number().int().nonnegative().default(4),
});
export const ModelSpec = z.discriminatedUnion("provider", [EmbeddedModel, OpenAIModel]);
export type ModelSpec = z.infer<typeof ModelSpec>;

const generationFields = {
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  maxTokens: z.number().int().positive(),
};
/** Per-arm or per-simulator overrides of the study's generation settings. */
export const GenerationOverrides = z.strictObject({
  temperature: generationFields.temperature.optional(),
  topP: generationFields.topP.optional(),
  maxTokens: generationFields.maxTokens.optional(),
});
export const Generation = z.strictObject({
  temperature: generationFields.temperature.default(0.7),
  topP: generationFields.topP.default(0.95),
  maxTokens: generationFields.maxTokens.default(200),
});
export type Generation = z.infer<typeof Generation>;

export const ArmConfig = z.strictObject({
  id: Id,
  /** Key into `models`. */
  model: Id,
  strategy: Strategy,
  /** The neutral system prompt every arm starts from. */
  systemPrompt: z.string().nullable().default(null),
  /** For `prompt`: how the profile is rendered (placeholders like {selfDescription}). */
  profileTemplate: z.string().nullable().default(null),
  /** For `user-tokens` and `pooled`: the trained artefact folder (relative to the study file). */
  artefact: z.string().nullable().default(null),
  generation: GenerationOverrides.default({}),
});
export type ArmConfig = z.infer<typeof ArmConfig>;

export const ProtocolMode = z.enum(["pairwise", "all-arms", "sequential"]);
export type ProtocolMode = z.infer<typeof ProtocolMode>;

export const Protocol = z.strictObject({
  mode: ProtocolMode.default("pairwise"),
  /** Conversations per participant; by default enough for every pair of arms once (pairwise) or every arm once. */
  conversations: z.number().int().positive().nullable().default(null),
  turns: z.strictObject({ min: z.number().int().positive().default(2), max: z.number().int().positive().default(4) })
    .refine((t) => t.min <= t.max, { message: "turns.min must not exceed turns.max", path: ["min"] })
    .prefault({}),
  /** Earlier comparisons shown again at the end with positions swapped (test–retest). */
  probes: z.number().int().nonnegative().default(2),
  attentionChecks: z.number().int().nonnegative().default(1),
});
export type Protocol = z.infer<typeof Protocol>;

export const Judgements = z.strictObject({
  ratings: z.boolean().default(true),
  allowTie: z.boolean().default(true),
  reasons: z.boolean().default(true),
  freeText: z.boolean().default(false),
  conversationFeedback: z.boolean().default(true),
});
export type Judgements = z.infer<typeof Judgements>;

export const SimulatorConfig = z.strictObject({
  model: Id,
  generation: GenerationOverrides.default({}),
});

export const StudyConfig = z.strictObject({
  id: Id,
  title: z.string().default(""),
  seed: z.number().int(),
  models: z.record(Id, ModelSpec).refine((m) => Object.keys(m).length > 0, { message: "name at least one model" }),
  arms: z.array(ArmConfig).min(2, { message: "a comparison needs at least two arms" }),
  domains: z.array(Domain).min(1).default(["unguided", "values guided", "controversy guided"]),
  // prefault: a missing section is parsed as {} so its fields' defaults apply.
  protocol: Protocol.prefault({}),
  judgements: Judgements.prefault({}),
  generation: Generation.prefault({}),
  simulator: SimulatorConfig.nullable().default(null),
  participants: z.strictObject({
    count: z.number().int().positive().default(10),
    /** A PRISM-format folder whose survey provides the profiles (relative to the study file). */
    profiles: z.string().nullable().default(null),
  }).prefault({}),
}).superRefine((s, ctx) => {
  const seen = new Set<string>();
  s.arms.forEach((arm, i) => {
    if (seen.has(arm.id)) ctx.addIssue({ code: "custom", message: `duplicate arm id '${arm.id}'`, path: ["arms", i, "id"] });
    seen.add(arm.id);
    if (!(arm.model in s.models)) {
      ctx.addIssue({ code: "custom", message: `unknown model '${arm.model}'; known: ${Object.keys(s.models).join(", ")}`, path: ["arms", i, "model"] });
    }
    if ((arm.strategy === "user-tokens") && arm.artefact === null) {
      ctx.addIssue({ code: "custom", message: `strategy '${arm.strategy}' needs an 'artefact' folder (from 'prismx train')`, path: ["arms", i, "artefact"] });
    }
  });
  if (s.simulator && !(s.simulator.model in s.models)) {
    ctx.addIssue({ code: "custom", message: `unknown model '${s.simulator.model}'`, path: ["simulator", "model"] });
  }
});
export type StudyConfig = z.infer<typeof StudyConfig>;

/** Renders a zod issue path as the YAML path a user sees, e.g. `arms[1].strategy`. */
export function yamlPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out || "(top level)";
}

function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // Walk up the path until a node exists (a missing key has no node; its parent does).
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Parses a study file's text. Every mistake is reported with its YAML path and line; all issues
 * are listed, not only the first. Pure: the caller reads the file.
 */
export function parseStudyConfig(text: string, file = "study.yaml"): StudyConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new UserError(`not valid YAML: ${e.message.split("\n")[0]}`, { location: { file, ...(line ? { line } : {}) }, hint: "fix the YAML syntax at that line" });
  }
  const result = StudyConfig.safeParse(doc.toJS());
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => {
    const line = lineOf(doc, counter, issue.path);
    return `${file}${line ? `:${line}` : ""}: ${yamlPath(issue.path)}: ${issue.message}`;
  });
  const first = result.error.issues[0]!;
  const line = lineOf(doc, counter, first.path);
  throw new UserError(first.message, {
    location: { file, ...(line ? { line } : {}), field: yamlPath(first.path) },
    hint: details.length > 1 ? `${details.length} problems in all:\n    ${details.join("\n    ")}` : "see the study schema in docs/study.schema.json",
    details,
  });
}

/** Serialises a parsed config back to YAML (defaults made explicit). */
export function serialiseStudyConfig(config: StudyConfig): string {
  return stringify(config, { lineWidth: 0 });
}
