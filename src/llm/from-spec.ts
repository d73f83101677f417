/**
 * A study's `ModelSpec` → a ChatModel. Embedded models resolve "default", a catalogue name, a
 * .gguf path or a trained artefact folder; OpenAI-compatible ones read their key from the
 * environment variable the spec names (never from the study file).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ArtefactManifest } from "../core/artefacts.js";
import { UserError } from "../core/errors.js";
import type { ModelSpec } from "../core/study.js";
import { EmbeddedChatModel, type LoraAdapter } from "./embedded/provider.js";
import { OpenAIChatModel } from "./openai/provider.js";
import { CATALOGUE, DEFAULT_MODEL_NAME, pulledModelPath } from "./pull.js";
import type { ChatModel } from "./types.js";

export interface ResolvedEmbedded {
  modelPath: string;
  lora: LoraAdapter | null;
  chatTemplate: string | null;
  manifest: ArtefactManifest | null;
  /** The trainer put BOS before the soft tokens; serving must too. */
  forceBos?: boolean;
}

export function loadArtefactManifest(dir: string): ArtefactManifest {
  const file = join(dir, "manifest.json");
  if (!existsSync(file)) throw new UserError(`no manifest.json in artefact folder ${dir}`, { location: { file }, hint: "point at a folder written by 'prismx train'" });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`manifest is not valid JSON: ${(e as Error).message}`, { location: { file } });
  }
  const r = ArtefactManifest.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UserError(i.message, { location: { file, field: i.path.join(".") }, hint: "the artefact was written by an incompatible trainer; retrain it" });
  }
  return r.data;
}

/** The GGUF, adapter and template an artefact folder serves with (paths made absolute). */
export function artefactFiles(dir: string, manifest: ArtefactManifest): ResolvedEmbedded {
  const abs = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const modelPath = abs(manifest.gguf);
  if (!existsSync(modelPath)) throw new UserError(`artefact GGUF missing: ${modelPath}`, { location: { file: join(dir, "manifest.json"), field: "gguf" } });
  const lora = manifest.lora ? { path: abs(manifest.lora), scale: manifest.lora_scale } : null;
  if (lora && !existsSync(lora.path)) throw new UserError(`artefact LoRA adapter missing: ${lora.path}`, { location: { file: join(dir, "manifest.json"), field: "lora" } });
  return { modelPath, lora, chatTemplate: manifest.chat_template, manifest, forceBos: manifest.training.soft_tokens_after_bos === true };
}

/** "default" | catalogue name | path to .gguf | artefact folder → files to load. */
export function resolveEmbeddedModel(model: string, baseDir = process.cwd(), env: NodeJS.ProcessEnv = process.env): ResolvedEmbedded {
  const name = model === "default" ? DEFAULT_MODEL_NAME : model;
  if (CATALOGUE.some((c) => c.name === name)) {
    const path = pulledModelPath(name, env);
    if (!existsSync(path)) throw new UserError(`the model '${name}' has not been pulled yet (expected ${path})`, { hint: `run 'prismx models pull${name === DEFAULT_MODEL_NAME ? "" : ` --model ${name}`}'` });
    return { modelPath: path, lora: null, chatTemplate: null, manifest: null };
  }
  const path = resolve(baseDir, model);
  if (!existsSync(path)) {
    throw new UserError(`model not found: ${model} (looked at ${path})`, { hint: `use "default", one of ${CATALOGUE.map((c) => c.name).join(", ")}, a .gguf file or an artefact folder` });
  }
  if (statSync(path).isDirectory()) return artefactFiles(path, loadArtefactManifest(path));
  return { modelPath: path, lora: null, chatTemplate: null, manifest: null };
}

export interface CreateModelOptions {
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** For embedded specs: serve these files instead (an arm's artefact). */
  override?: ResolvedEmbedded;
  id?: string;
}

export async function createChatModel(spec: ModelSpec, opts: CreateModelOptions = {}): Promise<ChatModel> {
  const env = opts.env ?? process.env;
  switch (spec.provider) {
    case "embedded": {
      const files = opts.override ?? resolveEmbeddedModel(spec.model, opts.baseDir, env);
      return EmbeddedChatModel.create({
        modelPath: files.modelPath,
        lora: files.lora,
        chatTemplate: files.chatTemplate,
        forceBos: files.forceBos ?? false,
        contextSize: spec.contextSize,
        contexts: spec.contexts,
        ...(opts.id ? { id: opts.id } : {}),
      });
    }
    case "openai": {
      let apiKey: string | null = null;
      if (spec.apiKeyEnv) {
        apiKey = env[spec.apiKeyEnv] ?? null;
        if (!apiKey) throw new UserError(`the environment variable ${spec.apiKeyEnv} is not set`, { hint: `export ${spec.apiKeyEnv}=<your key> (the key never goes in the study file)` });
      }
      return new OpenAIChatModel({
        baseURL: spec.baseURL, model: spec.model, apiKey, apiKeyEnv: spec.apiKeyEnv,
        concurrency: spec.concurrency, timeoutMs: spec.timeoutMs, maxRetries: spec.maxRetries,
        ...(opts.id ? { id: opts.id } : {}),
      });
    }
  }
}
