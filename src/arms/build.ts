/**
 * Builds a study's arms. Arms on the same model share one ChatModel (one pool of contexts); an
 * arm with a trained artefact gets a model of its own (the artefact's GGUF and adapter), shared
 * with other arms on the same artefact. Artefact paths are relative to the study file's folder.
 */
import { resolve } from "node:path";
import type { ArtefactManifest } from "../core/artefacts.js";
import { UserError } from "../core/errors.js";
import { Generation, type ArmConfig, type ModelSpec, type StudyConfig } from "../core/study.js";
import { EmbeddedChatModel } from "../llm/embedded/provider.js";
import { artefactFiles, createChatModel, loadArtefactManifest } from "../llm/from-spec.js";
import type { ChatModel } from "../llm/types.js";
import { TokenLedger } from "./accounting.js";
import { Arm } from "./arm.js";
import { createStrategy } from "./registry.js";
import { DEFAULT_SYSTEM_PROMPT } from "./system.js";

export interface ArmDeps {
  /** The study's `models`. */
  models: Record<string, ModelSpec>;
  /** Folder relative paths are resolved from (the study file's folder). */
  baseDir: string;
  /** Study-wide generation settings the arm's own override. */
  generation?: Generation;
  ledger?: TokenLedger;
  env?: NodeJS.ProcessEnv;
  /** Shared between calls so arms share models; `ArmSet.close` closes them. */
  cache?: Map<string, Promise<ChatModel>>;
}

function modelFor(deps: ArmDeps, key: string, spec: ModelSpec, artefactDir: string | null, manifest: ArtefactManifest | null): Promise<ChatModel> {
  const cache = deps.cache ?? new Map<string, Promise<ChatModel>>();
  const cacheKey = `${key}|${artefactDir ?? ""}`;
  let m = cache.get(cacheKey);
  if (!m) {
    const override = spec.provider === "embedded" && artefactDir && manifest ? artefactFiles(artefactDir, manifest) : undefined;
    m = createChatModel(spec, { baseDir: deps.baseDir, ...(deps.env ? { env: deps.env } : {}), ...(override ? { override, id: `embedded:${key}@${artefactDir}` } : { id: `${spec.provider}:${key}` }) });
    cache.set(cacheKey, m);
    m.catch(() => cache.delete(cacheKey));
  }
  return m;
}

export async function createArm(config: ArmConfig, deps: ArmDeps, index = 0): Promise<Arm> {
  const spec = deps.models[config.model];
  if (!spec) throw new UserError(`unknown model '${config.model}'`, { location: { field: `arms[${index}].model` } });
  const artefactDir = config.artefact ? resolve(deps.baseDir, config.artefact) : null;
  let manifest: ArtefactManifest | null = null;
  try {
    manifest = artefactDir ? loadArtefactManifest(artefactDir) : null;
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`arms[${index}] (${config.id}): ${e.message}`, { location: { field: `arms[${index}].artefact` }, cause: e });
    throw e;
  }
  const model = await modelFor(deps, config.model, spec, artefactDir, manifest);
  const systemPrompt = config.systemPrompt ?? DEFAULT_SYSTEM_PROMPT;
  let strategy;
  try {
    strategy = createStrategy(config.strategy, {
      systemPrompt,
      profileTemplate: config.profileTemplate,
      manifest,
      vocabularySize: model instanceof EmbeddedChatModel ? model.vocabularySize : null,
    });
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`arms[${index}] (${config.id}): ${e.message.split("\n")[0]}`, { location: { field: `arms[${index}].${e.location.field ?? "strategy"}` }, ...(e.hint ? { hint: e.hint } : {}), cause: e });
    throw e;
  }
  const generation = Generation.parse({ ...(deps.generation ?? {}), ...config.generation });
  return new Arm(config.id, strategy, model, generation, deps.ledger ?? null, systemPrompt);
}

export interface ArmSet {
  arms: Map<string, Arm>;
  ledger: TokenLedger;
  close(): Promise<void>;
}

/** Every arm of a study; `studyDir` is the folder of the study file. */
export async function buildArms(study: StudyConfig, studyDir: string, opts: { env?: NodeJS.ProcessEnv; ledger?: TokenLedger } = {}): Promise<ArmSet> {
  const cache = new Map<string, Promise<ChatModel>>();
  const ledger = opts.ledger ?? new TokenLedger();
  const arms = new Map<string, Arm>();
  const close = async () => {
    for (const m of cache.values()) await (await m.catch(() => null))?.close?.();
  };
  try {
    for (const [i, a] of study.arms.entries()) {
      arms.set(a.id, await createArm(a, { models: study.models, baseDir: studyDir, generation: study.generation, ledger, cache, ...(opts.env ? { env: opts.env } : {}) }, i));
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { arms, ledger, close };
}
