import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyArtefact, type TinyArtefact } from "../testing/fixtures.js";
import { ModelError, type ChatMessage } from "../types.js";
import { EmbeddedChatModel } from "./provider.js";

const msgs: ChatMessage[] = [{ role: "system", content: "Be brief." }, { role: "user", content: "hello world" }];
let art: TinyArtefact;
let model: EmbeddedChatModel;

beforeAll(async () => {
  art = await makeTinyArtefact();
  model = await EmbeddedChatModel.create({ modelPath: art.modelPath, contexts: 2, contextSize: 512 });
});
afterAll(async () => {
  await model.close();
});

describe("EmbeddedChatModel (tiny generated GGUF)", () => {
  it("renders BOS, then the prefix tokens, then the model's own chat template", () => {
    const r = model.render(msgs, [art.vocab.reservedIds[2]!]);
    expect(r.tokens[0]).toBe(art.vocab.bos);
    expect(r.tokens[1]).toBe(art.vocab.reservedIds[2]);
    expect(r.templateStart).toBe(2);
    expect(model.detokenize(r.tokens)).toBe("<s><|user_1_0|><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello world<|im_end|>\n<|im_start|>assistant\n");
  });

  it("returns text, token counts, finish reason and timings; streaming deltas add up to the text", async () => {
    const r = await model.chat({ messages: msgs, maxTokens: 12, temperature: 0.8, seed: 3 });
    expect(r.promptTokens).toBe(model.render(msgs).tokens.length);
    expect(r.completionTokens).toBeGreaterThan(0);
    expect(r.completionTokens).toBeLessThanOrEqual(12);
    expect(["stop", "length"]).toContain(r.finishReason);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.firstTokenMs).not.toBeNull();
    const it = model.stream({ messages: msgs, maxTokens: 12, temperature: 0.8, seed: 3 });
    let joined = "";
    let step = await it.next();
    while (!step.done) { joined += step.value; step = await it.next(); }
    expect(joined).toBe(step.value.text);
    expect(step.value.text).toBe(r.text); // same seed, same reply
  });

  it("different seeds give different samples", async () => {
    const texts = new Set<string>();
    for (const seed of [1, 2, 3, 4]) texts.add((await model.chat({ messages: msgs, maxTokens: 8, temperature: 1, seed })).text);
    expect(texts.size).toBeGreaterThan(1);
  });

  it("never generates a forbidden token", async () => {
    // The greedy first token, once forbidden, must be replaced by another.
    const free = await model.chat({ messages: msgs, maxTokens: 1, temperature: 0 });
    const first = free.completionTokenIds[0]!;
    const allBut = Array.from({ length: model.vocabularySize }, (_, i) => i).filter((t) => t !== first && t !== art.vocab.eos);
    const forced = await model.chat({ messages: msgs, maxTokens: 3, temperature: 0.9, forbiddenTokens: allBut });
    expect(forced.completionTokenIds.every((t) => t === first)).toBe(true);
    const banned = await model.chat({ messages: msgs, maxTokens: 1, temperature: 0, forbiddenTokens: [first] });
    expect(banned.completionTokenIds[0]).not.toBe(first);
    const sampled = await model.chat({ messages: msgs, maxTokens: 40, temperature: 1.5, seed: 9, forbiddenTokens: art.vocab.reservedIds });
    expect(sampled.completionTokenIds.some((t) => art.vocab.reservedIds.includes(t))).toBe(false);
  });

  it("serves concurrent requests from its pool of contexts", async () => {
    const rs = await Promise.all([1, 2, 3, 4].map((seed) => model.chat({ messages: msgs, maxTokens: 6, seed, temperature: 0.9 })));
    const again = await model.chat({ messages: msgs, maxTokens: 6, seed: 3, temperature: 0.9 });
    expect(rs[2]!.text).toBe(again.text);
  });

  it("cancels through an AbortSignal", async () => {
    const ac = new AbortController();
    const it = model.stream({ messages: msgs, maxTokens: 200, temperature: 1, signal: ac.signal, stop: [] });
    ac.abort();
    await expect(it.next()).rejects.toMatchObject({ kind: "cancelled" });
  });

  it("rejects a prompt longer than the context and out-of-vocabulary ids", async () => {
    const long: ChatMessage[] = [{ role: "user", content: "hello ".repeat(400) }];
    await expect(model.chat({ messages: long })).rejects.toMatchObject({ kind: "context-length" });
    await expect(model.chat({ messages: msgs, prefixTokens: [10_000] })).rejects.toBeInstanceOf(ModelError);
  });

  it("scores a continuation as a sum of log-probs that matches greedy choice", async () => {
    const greedy = await model.chat({ messages: msgs, maxTokens: 1, temperature: 0 });
    const tok = greedy.completionTokenIds;
    const best = await model.score({ messages: msgs, continuation: tok });
    expect(best.tokenLogProbs).toHaveLength(1);
    expect(best.logProb).toBeLessThanOrEqual(0);
    // Any other first token is at most as likely as the greedy one.
    for (const other of [art.vocab.bos + 300, art.vocab.bos + 310]) {
      const s = await model.score({ messages: msgs, continuation: [other] });
      expect(s.logProb).toBeLessThanOrEqual(best.logProb + 1e-9);
    }
    const two = await model.score({ messages: msgs, continuation: "hello" });
    expect(two.tokenLogProbs.length).toBe(two.continuationTokens.length);
    expect(two.logProb).toBeCloseTo(two.tokenLogProbs.reduce((a, b) => a + b, 0), 9);
    // Forbidding other tokens moves their probability mass onto the rest.
    const renorm = await model.score({ messages: msgs, continuation: "hello", forbiddenTokens: art.vocab.reservedIds });
    expect(renorm.logProb).toBeGreaterThan(two.logProb);
    // Probabilities over the whole vocabulary sum to one (a full softmax, not a top-k cut).
    const all = await Promise.all(Array.from({ length: model.vocabularySize }, (_, t) => t).filter((t) => t % 37 === 0).map((t) => model.score({ messages: msgs, continuation: [t] })));
    expect(all.every((s) => Number.isFinite(s.logProb))).toBe(true);
  });

  it("loads a LoRA adapter, which changes the model's distribution", async () => {
    const lora = await EmbeddedChatModel.create({ modelPath: art.modelPath, contexts: 1, contextSize: 256, lora: { path: art.loraPath } });
    try {
      const a = await model.score({ messages: msgs, continuation: "hello" });
      const b = await lora.score({ messages: msgs, continuation: "hello" });
      expect(Math.abs(a.logProb - b.logProb)).toBeGreaterThan(1e-3);
      expect(lora.id).toContain("adapter.gguf");
    } finally {
      await lora.close();
    }
  });

  it("follows a JSON schema when asked", async () => {
    const schema = { type: "object", properties: { winner: { enum: ["A", "B"] } }, required: ["winner"] };
    const r = await model.chat({ messages: msgs, maxTokens: 40, temperature: 1, seed: 2, jsonSchema: schema });
    expect(["A", "B"]).toContain((JSON.parse(r.text) as { winner: string }).winner);
  });
});
