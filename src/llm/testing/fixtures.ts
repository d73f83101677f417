/**
 * Test fixtures on the real engine: a tiny generated GGUF with reserved "user" tokens, a LoRA
 * adapter for it, and a P-DPO-style artefact folder around both.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ArtefactManifest } from "../../core/artefacts.js";
import { TINY_CHAT_TEMPLATE, tinyLoraGguf, writeFileAtomic, writeTinyModel, type TinyVocab } from "./tiny-gguf.js";

export interface TinyArtefact {
  dir: string;
  modelPath: string;
  loraPath: string;
  manifest: ArtefactManifest;
  vocab: TinyVocab;
}

/** Users u1, u2 with two slots each, plus the generic user (user 0). */
export const TINY_USERS = ["u1", "u2"] as const;

export async function makeTinyArtefact(mode: "individual" | "pooled" = "individual"): Promise<TinyArtefact> {
  const dir = await mkdtemp(join(tmpdir(), "prismx-tiny-"));
  const names = mode === "individual" ? ["<|user_0_0|>", "<|user_0_1|>", "<|user_1_0|>", "<|user_1_1|>", "<|user_2_0|>", "<|user_2_1|>"] : [];
  const modelPath = join(dir, "model.gguf");
  const loraPath = join(dir, "adapter.gguf");
  const vocab = await writeTinyModel(modelPath, { reservedTokens: names });
  await writeFileAtomic(loraPath, tinyLoraGguf());
  const ids = vocab.reservedIds;
  const manifest: ArtefactManifest = {
    format: "prismx-artefact/1",
    mode,
    base_model: { name: "tiny", source: "generated", sha256: null },
    gguf: "model.gguf",
    lora: "adapter.gguf",
    lora_scale: 1,
    hf_folder: null,
    n_user_tokens: mode === "individual" ? 2 : 0,
    generic_tokens: names.slice(0, 2),
    generic_token_ids: ids.slice(0, 2),
    users: mode === "individual" ? { u1: names.slice(2, 4), u2: names.slice(4, 6) } : {},
    user_token_ids: mode === "individual" ? { u1: ids.slice(2, 4), u2: ids.slice(4, 6) } : {},
    reserved_token_range: ids.length > 0 ? [ids[0]!, ids[ids.length - 1]!] : null,
    chat_template: TINY_CHAT_TEMPLATE,
    training: {},
  };
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return { dir, modelPath, loraPath, manifest, vocab };
}
