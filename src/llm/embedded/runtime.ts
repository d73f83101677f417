/**
 * One llama.cpp runtime per process and one loaded copy of each GGUF, shared by every
 * ChatModel that uses it (arms over one base model differ only in contexts and adapters).
 */
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from "node-llama-cpp";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../../core/errors.js";

let llama: Promise<Llama> | null = null;

export function sharedLlama(): Promise<Llama> {
  // CPU only: the project's machines have no GPU, and a build probing for one wastes seconds.
  llama ??= getLlama({ gpu: false, logLevel: LlamaLogLevel.error, progressLogs: false });
  return llama;
}

interface Entry { model: Promise<LlamaModel>; refs: number }
const models = new Map<string, Entry>();

/** Loads (or shares) a GGUF; call `releaseModel` with the same path when done. */
export async function acquireModel(path: string): Promise<LlamaModel> {
  const key = resolve(path);
  let entry = models.get(key);
  if (!entry) {
    if (!existsSync(key)) {
      throw new UserError(`model file not found: ${path}`, { hint: "run 'prismx models pull' for the default model, or give the path to a .gguf file" });
    }
    const model = sharedLlama().then((l) => l.loadModel({ modelPath: key }));
    entry = { model, refs: 0 };
    models.set(key, entry);
    model.catch(() => models.delete(key));
  }
  entry.refs++;
  try {
    return await entry.model;
  } catch (e) {
    entry.refs--;
    throw new UserError(`could not load model ${path}: ${(e as Error).message}`, { hint: "is it a GGUF file llama.cpp supports?", cause: e });
  }
}

export async function releaseModel(path: string): Promise<void> {
  const key = resolve(path);
  const entry = models.get(key);
  if (!entry) return;
  entry.refs--;
  if (entry.refs <= 0) {
    models.delete(key);
    await (await entry.model).dispose();
  }
}
