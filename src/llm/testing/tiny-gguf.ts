/**
 * Writes a tiny random llama-architecture GGUF (and optional LoRA adapter GGUF) that llama.cpp
 * loads in milliseconds, so the providers and arms are tested against the real engine without
 * any downloaded weights. Hand-written because no npm package writes GGUF (they only read it);
 * the format is GGUF v3 as documented in ggml's docs/gguf.md, all tensors F32.
 *
 * Vocabulary: SentencePiece-style ("llama") with byte fallback, ChatML control tokens, a few word
 * pieces, and optional reserved tokens (as a P-DPO artefact's extended vocabulary has).
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Rng } from "../../core/rng.js";

const enum T { U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7, STRING = 8, ARRAY = 9, U64 = 10 }

type KV =
  | { type: "u32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "strings"; value: readonly string[] }
  | { type: "f32s"; value: readonly number[] }
  | { type: "i32s"; value: readonly number[] };

interface Tensor { name: string; dims: readonly number[]; data: Float32Array }

class Writer {
  private chunks: Buffer[] = [];
  private size = 0;
  push(b: Buffer): void { this.chunks.push(b); this.size += b.length; }
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  i32(v: number): void { const b = Buffer.alloc(4); b.writeInt32LE(v); this.push(b); }
  u64(v: number): void { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  f32(v: number): void { const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
  str(s: string): void { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.push(b); }
  pad(align: number): void { const r = this.size % align; if (r) this.push(Buffer.alloc(align - r)); }
  get length(): number { return this.size; }
  done(): Buffer { return Buffer.concat(this.chunks); }
}

const ALIGN = 32;

export function encodeGguf(kvs: Record<string, KV>, tensors: readonly Tensor[]): Buffer {
  const w = new Writer();
  w.push(Buffer.from("GGUF", "ascii"));
  w.u32(3);
  w.u64(tensors.length);
  const entries = Object.entries({ "general.alignment": { type: "u32", value: ALIGN } as KV, ...kvs });
  w.u64(entries.length);
  for (const [key, kv] of entries) {
    w.str(key);
    switch (kv.type) {
      case "u32": w.u32(T.U32); w.u32(kv.value); break;
      case "f32": w.u32(T.F32); w.f32(kv.value); break;
      case "bool": w.u32(T.BOOL); w.push(Buffer.from([kv.value ? 1 : 0])); break;
      case "string": w.u32(T.STRING); w.str(kv.value); break;
      case "strings": w.u32(T.ARRAY); w.u32(T.STRING); w.u64(kv.value.length); for (const s of kv.value) w.str(s); break;
      case "f32s": w.u32(T.ARRAY); w.u32(T.F32); w.u64(kv.value.length); for (const v of kv.value) w.f32(v); break;
      case "i32s": w.u32(T.ARRAY); w.u32(T.I32); w.u64(kv.value.length); for (const v of kv.value) w.i32(v); break;
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += Math.ceil((t.data.length * 4) / ALIGN) * ALIGN;
  }
  tensors.forEach((t, i) => {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(0); // GGML_TYPE_F32
    w.u64(offsets[i]!);
  });
  w.pad(ALIGN);
  for (const t of tensors) {
    w.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad(ALIGN);
  }
  return w.done();
}

export interface TinyModelOptions {
  seed?: number;
  nEmbd?: number;
  nLayer?: number;
  nHead?: number;
  nFf?: number;
  contextLength?: number;
  /** Extra tokens appended to the vocabulary as user-defined tokens (e.g. `<|user_3_0|>`). */
  reservedTokens?: readonly string[];
  /** `tokenizer.ggml.add_bos_token` (default true). */
  addBos?: boolean;
  /** The Jinja chat template stored in the GGUF; null stores none. */
  chatTemplate?: string | null;
  /** Weight scale; larger makes the random model's next-token distribution peakier. */
  scale?: number;
}

export const TINY_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}" +
  "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

const WORDS = ["hello", "world", "the", "is", "you", "I", "and", "of", "to", "Paris", "cat", "dog", "yes", "no", "good", "day"];

export interface TinyVocab {
  tokens: string[];
  types: number[];
  scores: number[];
  bos: number;
  eos: number;
  reservedIds: number[];
}

export function tinyVocab(reserved: readonly string[] = []): TinyVocab {
  // llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte.
  const tokens: string[] = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"];
  const types: number[] = [2, 3, 3, 3, 3];
  for (let b = 0; b < 256; b++) { tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`); types.push(6); }
  tokens.push("\u2581"); types.push(1);
  for (const c of "abcdefghijklmnopqrstuvwxyz") { tokens.push(c); types.push(1); tokens.push(`\u2581${c}`); types.push(1); }
  for (const word of WORDS) { tokens.push(`\u2581${word}`); types.push(1); }
  const reservedIds: number[] = [];
  for (const r of reserved) { reservedIds.push(tokens.length); tokens.push(r); types.push(4); }
  const scores = tokens.map((t, i) => (types[i] === 1 ? -t.length : 0));
  return { tokens, types, scores, bos: 1, eos: 4, reservedIds };
}

function randn(rng: Rng, n: number, sd: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, sd);
  return a;
}

export function tinyModelGguf(opts: TinyModelOptions = {}): { bytes: Buffer; vocab: TinyVocab } {
  const nEmbd = opts.nEmbd ?? 32, nLayer = opts.nLayer ?? 2, nHead = opts.nHead ?? 4, nFf = opts.nFf ?? 64;
  const scale = opts.scale ?? 0.5;
  const vocab = tinyVocab(opts.reservedTokens);
  const nVocab = vocab.tokens.length;
  const rng = Rng.for(opts.seed ?? 1, "tiny-gguf");
  const ones = (n: number) => new Float32Array(n).fill(1);
  const tensors: Tensor[] = [
    { name: "token_embd.weight", dims: [nEmbd, nVocab], data: randn(rng, nEmbd * nVocab, scale) },
    { name: "output_norm.weight", dims: [nEmbd], data: ones(nEmbd) },
    { name: "output.weight", dims: [nEmbd, nVocab], data: randn(rng, nEmbd * nVocab, scale) },
  ];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `${p}attn_q.weight`, dims: [nEmbd, nEmbd], data: randn(rng, nEmbd * nEmbd, scale / Math.sqrt(nEmbd)) },
      { name: `${p}attn_k.weight`, dims: [nEmbd, nEmbd], data: randn(rng, nEmbd * nEmbd, scale / Math.sqrt(nEmbd)) },
      { name: `${p}attn_v.weight`, dims: [nEmbd, nEmbd], data: randn(rng, nEmbd * nEmbd, scale / Math.sqrt(nEmbd)) },
      { name: `${p}attn_output.weight`, dims: [nEmbd, nEmbd], data: randn(rng, nEmbd * nEmbd, scale / Math.sqrt(nEmbd)) },
      { name: `${p}ffn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `${p}ffn_gate.weight`, dims: [nEmbd, nFf], data: randn(rng, nEmbd * nFf, scale / Math.sqrt(nEmbd)) },
      { name: `${p}ffn_up.weight`, dims: [nEmbd, nFf], data: randn(rng, nEmbd * nFf, scale / Math.sqrt(nEmbd)) },
      { name: `${p}ffn_down.weight`, dims: [nFf, nEmbd], data: randn(rng, nFf * nEmbd, scale / Math.sqrt(nFf)) },
    );
  }
  const kvs: Record<string, KV> = {
    "general.architecture": { type: "string", value: "llama" },
    "general.name": { type: "string", value: "prismx tiny test model" },
    "general.file_type": { type: "u32", value: 0 },
    "llama.context_length": { type: "u32", value: opts.contextLength ?? 1024 },
    "llama.embedding_length": { type: "u32", value: nEmbd },
    "llama.block_count": { type: "u32", value: nLayer },
    "llama.feed_forward_length": { type: "u32", value: nFf },
    "llama.attention.head_count": { type: "u32", value: nHead },
    "llama.attention.head_count_kv": { type: "u32", value: nHead },
    "llama.attention.layer_norm_rms_epsilon": { type: "f32", value: 1e-5 },
    "llama.rope.dimension_count": { type: "u32", value: nEmbd / nHead },
    "llama.vocab_size": { type: "u32", value: nVocab },
    "tokenizer.ggml.model": { type: "string", value: "llama" },
    "tokenizer.ggml.tokens": { type: "strings", value: vocab.tokens },
    "tokenizer.ggml.scores": { type: "f32s", value: vocab.scores },
    "tokenizer.ggml.token_type": { type: "i32s", value: vocab.types },
    "tokenizer.ggml.bos_token_id": { type: "u32", value: vocab.bos },
    "tokenizer.ggml.eos_token_id": { type: "u32", value: vocab.eos },
    "tokenizer.ggml.unknown_token_id": { type: "u32", value: 0 },
    "tokenizer.ggml.add_bos_token": { type: "bool", value: opts.addBos ?? true },
    "tokenizer.ggml.add_eos_token": { type: "bool", value: false },
    "tokenizer.ggml.add_space_prefix": { type: "bool", value: false },
  };
  const template = opts.chatTemplate === undefined ? TINY_CHAT_TEMPLATE : opts.chatTemplate;
  if (template !== null) kvs["tokenizer.chat_template"] = { type: "string", value: template };
  return { bytes: encodeGguf(kvs, tensors), vocab };
}

/** A LoRA adapter for `tinyModelGguf` with the same shape options, on every attention q/v. */
export function tinyLoraGguf(opts: TinyModelOptions & { rank?: number; alpha?: number } = {}): Buffer {
  const nEmbd = opts.nEmbd ?? 32, nLayer = opts.nLayer ?? 2, rank = opts.rank ?? 4;
  const rng = Rng.for(opts.seed ?? 1, "tiny-lora");
  const tensors: Tensor[] = [];
  for (let l = 0; l < nLayer; l++) {
    for (const m of ["attn_q", "attn_v"]) {
      tensors.push(
        { name: `blk.${l}.${m}.weight.lora_a`, dims: [nEmbd, rank], data: randn(rng, nEmbd * rank, 1) },
        { name: `blk.${l}.${m}.weight.lora_b`, dims: [rank, nEmbd], data: randn(rng, rank * nEmbd, 1) },
      );
    }
  }
  return encodeGguf({
    "general.architecture": { type: "string", value: "llama" },
    "general.type": { type: "string", value: "adapter" },
    "adapter.type": { type: "string", value: "lora" },
    "adapter.lora.alpha": { type: "f32", value: opts.alpha ?? rank },
  }, tensors);
}

/** Writes atomically (temp file, then rename). */
export async function writeFileAtomic(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

export async function writeTinyModel(path: string, opts: TinyModelOptions = {}): Promise<TinyVocab> {
  const { bytes, vocab } = tinyModelGguf(opts);
  await writeFileAtomic(path, bytes);
  return vocab;
}
