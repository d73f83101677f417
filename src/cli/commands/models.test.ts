import { describe, expect, it } from "vitest";
import { makeTinyArtefact } from "../../llm/testing/fixtures.js";
import { modelsCheck, modelsServe } from "./models.js";

const quiet = () => { const lines: string[] = []; return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } }; };

describe("prismx models", () => {
  it("check generates a reply and prints tokens/s", async () => {
    const art = await makeTinyArtefact();
    const { lines, io } = quiet();
    const r = await modelsCheck({ model: art.modelPath, maxTokens: 8 }, io);
    expect(r.completionTokens).toBeGreaterThan(0);
    expect(lines.some((l) => /tokens\/s; first token after \d+ ms/.test(l))).toBe(true);
  });

  it("check on a missing model says how to fix it", async () => {
    await expect(modelsCheck({ model: "/nonexistent/x.gguf" }, quiet().io)).rejects.toThrow(/model not found/);
    await expect(modelsCheck({ model: "gemma3-270m", env: { PRISMX_HOME: "/nonexistent-home" } }, quiet().io)).rejects.toThrow(/prismx models pull --model gemma3-270m/);
  });

  it("serve answers OpenAI-style requests on loopback, and an artefact folder serves with its adapter", async () => {
    const art = await makeTinyArtefact();
    const { io } = quiet();
    const s = await modelsServe({ model: art.dir, port: 0, name: "pdpo", contexts: 1, contextSize: 256 }, io);
    try {
      expect(s.url.startsWith("http://127.0.0.1:")).toBe(true);
      const r = await fetch(`${s.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "pdpo", messages: [{ role: "user", content: "hello" }], max_tokens: 4, prefix_tokens: art.manifest.user_token_ids.u1 }) });
      expect(r.status).toBe(200);
      expect(r.headers.get("x-prismx-prefix-tokens")).toBe("2");
      const body = (await r.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      expect(body.usage.completion_tokens).toBeGreaterThan(0);
      expect(s.model.id).toBe("pdpo");
      const bad = await fetch(`${s.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "pdpo", messages: [] }) });
      expect(bad.status).toBe(400);
    } finally {
      await s.close();
    }
  });
});
