import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../../core/rng.js";
import { bertFolderToGguf, ggufTensorName, miniLmPath } from "./minilm.js";
import { GgufEmbedder } from "./embed-gguf.js";

/** A tiny random BertModel in Hugging Face layout (safetensors, F32), to convert and run. */
function writeTinyBert(dir: string): void {
  const hidden = 16, layers = 2, ff = 32, heads = 2, positions = 32;
  const vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "dog", "sat", "on", "mat", "##s", "a", "bread", "vote"];
  writeFileSync(join(dir, "config.json"), JSON.stringify({ architectures: ["BertModel"], hidden_size: hidden, num_hidden_layers: layers, intermediate_size: ff, num_attention_heads: heads, max_position_embeddings: positions, layer_norm_eps: 1e-12, type_vocab_size: 2, vocab_size: vocab.length }));
  writeFileSync(join(dir, "vocab.txt"), vocab.join("\n") + "\n");
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({ added_tokens: vocab.slice(0, 5).map((content, id) => ({ id, content, special: true })) }));
  const rng = Rng.for(1, "tiny-bert");
  const tensors: [string, number[]][] = [
    ["embeddings.word_embeddings.weight", [vocab.length, hidden]], ["embeddings.position_embeddings.weight", [positions, hidden]],
    ["embeddings.token_type_embeddings.weight", [2, hidden]], ["embeddings.LayerNorm.weight", [hidden]], ["embeddings.LayerNorm.bias", [hidden]],
  ];
  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const m of ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]) tensors.push([`${p}${m}.weight`, [hidden, hidden]], [`${p}${m}.bias`, [hidden]]);
    tensors.push([`${p}attention.output.LayerNorm.weight`, [hidden]], [`${p}attention.output.LayerNorm.bias`, [hidden]]);
    tensors.push([`${p}intermediate.dense.weight`, [ff, hidden]], [`${p}intermediate.dense.bias`, [ff]], [`${p}output.dense.weight`, [hidden, ff]], [`${p}output.dense.bias`, [hidden]]);
    tensors.push([`${p}output.LayerNorm.weight`, [hidden]], [`${p}output.LayerNorm.bias`, [hidden]]);
  }
  tensors.push(["pooler.dense.weight", [hidden, hidden]]);
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  const chunks: Buffer[] = [];
  let off = 0;
  for (const [name, shape] of tensors) {
    const n = shape.reduce((a, b) => a * b, 1);
    const b = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) b.writeFloatLE(name.includes("LayerNorm.weight") ? 1 : name.endsWith("bias") || name.includes("LayerNorm") ? 0 : rng.normal(0, 0.2), i * 4);
    header[name] = { dtype: "F32", shape, data_offsets: [off, off + b.length] };
    chunks.push(b);
    off += b.length;
  }
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(join(dir, "model.safetensors"), Buffer.concat([len, h, ...chunks]));
}

describe("MiniLM / BERT → GGUF", () => {
  it("maps Hugging Face BERT tensor names as llama.cpp's converter does", () => {
    expect(ggufTensorName("encoder.layer.3.attention.self.query.weight")).toBe("blk.3.attn_q.weight");
    expect(ggufTensorName("bert.encoder.layer.0.output.LayerNorm.gamma")).toBe("blk.0.layer_output_norm.weight");
    expect(ggufTensorName("embeddings.LayerNorm.bias")).toBe("token_embd_norm.bias");
    expect(ggufTensorName("pooler.dense.weight")).toBeNull();
  });

  it("converts a BERT folder into a GGUF that llama.cpp loads and embeds with", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prismx-tinybert-"));
    writeTinyBert(dir);
    const gguf = join(dir, "tiny.gguf");
    writeFileSync(gguf, bertFolderToGguf(dir, "tiny"));
    const e = new GgufEmbedder(gguf, 32);
    const [a, b, c] = await e.embed(["the cat sat on the mat", "the cat sat on the mat", "a dog bread vote"]);
    expect(a!.length).toBe(16);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    const norm = Math.sqrt(a!.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 6);
    expect(Array.from(a!)).not.toEqual(Array.from(c!));
  });

  // The real model (~90 MB) is fetched once, by `prismx analyse` or by the test setup; its vectors
  // must reproduce sentence-transformers' (mean pooling, reference computed with transformers on
  // the same four sentences).
  it("reproduces sentence-transformers similarities for all-MiniLM-L6-v2", async () => {
    const texts = ["How do I bake sourdough bread at home?", "What is a good recipe for pasta dinner?", "Who should I vote for in the election?", "Is immigration policy too strict?"];
    const ref = [[1, 0.236, 0.031, -0.114], [0.236, 1, 0.173, 0.028], [0.031, 0.173, 1, 0.024], [-0.114, 0.028, 0.024, 1]];
    const v = await new GgufEmbedder(miniLmPath()).embed(texts);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(Math.abs(v[i]!.reduce((s, x, k) => s + x * v[j]![k]!, 0) - ref[i]![j]!)).toBeLessThan(0.002);
  });
});
