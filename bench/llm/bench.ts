/**
 * Embedded-model speed: single-stream tokens/s and time to first token, and throughput with 2 and
 * 4 concurrent requests, beside the same GGUF run by Hugging Face transformers on the CPU.
 *
 *   npx tsx bench/llm/bench.ts [--model default|PATH] [--max-tokens 128] [--no-peer]
 *
 * Both sides decode greedily with end-of-generation forbidden, so each request makes exactly
 * --max-tokens tokens. prismx runs one llama.cpp thread per context; the peer runs one torch
 * thread for the single stream and all cores for its batches (its natural way to serve several).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EmbeddedChatModel } from "../../src/llm/embedded/provider.js";
import { resolveEmbeddedModel } from "../../src/llm/from-spec.js";
import type { ChatRequest } from "../../src/llm/types.js";

const { values } = parseArgs({ options: { model: { type: "string", default: "default" }, "max-tokens": { type: "string", default: "128" }, "no-peer": { type: "boolean", default: false }, runs: { type: "string", default: "3" } } });
const maxTokens = Number(values["max-tokens"]);
const runs = Number(values.runs);
const files = resolveEmbeddedModel(values.model);
const model = await EmbeddedChatModel.create({ modelPath: files.modelPath, lora: files.lora, chatTemplate: files.chatTemplate, contexts: 4, contextSize: 1024 });
const eog = [model.model.tokens.eos, model.model.tokens.eot].filter((t): t is NonNullable<typeof t> => t !== null);
const req = (seed: number): ChatRequest => ({
  messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Write a short paragraph about why people enjoy hiking in the mountains." }],
  temperature: 0, maxTokens, seed, forbiddenTokens: eog,
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await model.chat(req(0)); // warm-up
const single: { e2e: number; decode: number; ttft: number }[] = [];
for (let i = 0; i < runs; i++) {
  const r = await model.chat(req(i));
  const ttft = r.firstTokenMs ?? 0;
  single.push({ e2e: (r.completionTokens * 1000) / r.latencyMs, decode: ((r.completionTokens - 1) * 1000) / (r.latencyMs - ttft), ttft });
}
const concurrent: Record<number, number> = {};
for (const n of [2, 4]) {
  const t0 = performance.now();
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => model.chat(req(100 + i))));
  concurrent[n] = (rs.reduce((s, r) => s + r.completionTokens, 0) * 1000) / (performance.now() - t0);
}
await model.close();

const ours = {
  single: median(single.map((s) => s.e2e)),
  decode: median(single.map((s) => s.decode)),
  ttft: median(single.map((s) => s.ttft)),
  c2: concurrent[2]!,
  c4: concurrent[4]!,
};

interface Peer { single_tokens_per_s: number; single_decode_tokens_per_s: number | null; ttft_ms: number | null; batch2_tokens_per_s: number; batch4_tokens_per_s: number; torch: string; load_s: number }
let peer: Peer | null = null;
let peerNote = "";
const py = join(import.meta.dirname, "..", "..", "trainer", ".venv", "bin", "python");
if (values["no-peer"]) peerNote = "peer skipped (--no-peer)";
else if (!existsSync(py)) peerNote = `peer skipped: no trainer venv at ${py} (run 'npm test' once to create it)`;
else {
  const r = spawnSync(py, [join(import.meta.dirname, "peer_transformers.py"), files.modelPath, "--max-new-tokens", String(maxTokens)], { encoding: "utf8", timeout: 1_800_000 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    peer = JSON.parse(line) as Peer;
  } catch {
    peerNote = `peer failed (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`;
  }
}

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? "-" : x.toFixed(d));
console.log(`model: ${files.modelPath}`);
console.log(`${maxTokens} tokens per request, greedy, end-of-generation forbidden; ${runs} single-stream runs (median)\n`);
console.log("figure                              prismx (node-llama-cpp)   peer (transformers, CPU)");
console.log(`single stream, tokens/s (end to end) ${f(ours.single).padStart(14)}            ${f(peer?.single_tokens_per_s)}`);
console.log(`single stream, decode tokens/s       ${f(ours.decode).padStart(14)}            ${f(peer?.single_decode_tokens_per_s)}`);
console.log(`time to first token, ms              ${f(ours.ttft, 0).padStart(14)}            ${f(peer?.ttft_ms, 0)}`);
console.log(`2 concurrent, total tokens/s         ${f(ours.c2).padStart(14)}            ${f(peer?.batch2_tokens_per_s)}`);
console.log(`4 concurrent, total tokens/s         ${f(ours.c4).padStart(14)}            ${f(peer?.batch4_tokens_per_s)}`);
console.log(`\naim: ≥ 25 tokens/s single stream — ${ours.single >= 25 ? "met" : "NOT met"}`);
if (peer) console.log(`peer: torch ${peer.torch}, 1 thread single stream, all cores for batches; model load ${peer.load_s}s`);
if (peerNote) console.log(peerNote);
