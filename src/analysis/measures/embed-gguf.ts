/**
 * A real embedding model for topics: any GGUF embedding model (e.g. all-MiniLM-L6-v2, bge-small,
 * nomic-embed) run in-process by node-llama-cpp on the CPU, vectors L2-normalised. Texts are
 * embedded one by one in input order, so the output does not depend on scheduling.
 */
import { basename } from "node:path";
import { acquireModel, releaseModel } from "../../llm/embedded/runtime.js";
import type { Embedder } from "./topics.js";

export class GgufEmbedder implements Embedder {
  readonly id: string;
  constructor(private readonly modelPath: string, private readonly contextSize = 512) {
    this.id = `gguf:${basename(modelPath)}`;
  }

  async embed(texts: readonly string[]): Promise<Float64Array[]> {
    const model = await acquireModel(this.modelPath);
    try {
      const ctx = await model.createEmbeddingContext({ contextSize: this.contextSize, threads: 1 });
      try {
        const out: Float64Array[] = [];
        for (const t of texts) {
          // Truncate to the context (in tokens) rather than fail on a long opening message.
          const tokens = model.tokenize(t).slice(0, this.contextSize - 2);
          const e = await ctx.getEmbeddingFor(tokens);
          const v = Float64Array.from(e.vector);
          let n = 0;
          for (const x of v) n += x * x;
          n = Math.sqrt(n);
          out.push(n > 0 ? v.map((x) => x / n) : v);
        }
        return out;
      } finally {
        await ctx.dispose();
      }
    } finally {
      await releaseModel(this.modelPath);
    }
  }
}
