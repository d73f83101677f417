import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTinyModel } from "../../llm/testing/tiny-gguf.js";
import { EmbeddedChatModel } from "../../llm/embedded/provider.js";
import { generateSyntheticExport, DEFAULT_ARMS } from "../testing/synthetic.js";
import { judgementsToComparisons } from "../load/export.js";
import type { ResponseInfo } from "../types.js";
import { canonicalJson, judgeBehaviours } from "./behaviours.js";
import { lexicalBehaviour, styleFeatures } from "./features.js";

describe("behaviour measures", () => {
  it("lexical indicators and style features count what they say", () => {
    expect(lexicalBehaviour("Great question! You're absolutely right. I'm always here for you.")).toEqual({ sycophancy: 2, relationship: 1 });
    expect(lexicalBehaviour("The capital of France is Paris.")).toEqual({ sycophancy: 0, relationship: 0 });
    expect(styleFeatures("## Title\n- **a** one\n- two\n1. three\nplain", 42)).toEqual({ length: 42, listItems: 3, headers: 1, bold: 1 });
    expect(canonicalJson({ b: [2, { d: 1, c: 2 }], a: "x" })).toBe('{"a":"x","b":[2,{"c":2,"d":1}]}');
  });

  it("gets schema-valid verdicts from a real engine (a tiny random model under the JSON grammar), cached", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prismx-judge-"));
    await writeTinyModel(join(dir, "tiny.gguf"));
    const judge = await EmbeddedChatModel.create({ modelPath: join(dir, "tiny.gguf"), contexts: 1, contextSize: 2048 });
    try {
      const e = generateSyntheticExport({ seed: 2, arms: DEFAULT_ARMS.map((a) => ({ ...a, meanWords: 8 })), humans: 1, conversationsPerParticipant: 1, turnsPerConversation: 2 });
      const responses = new Map<string, ResponseInfo>(e.responses.map((r) => [r.response_id, { id: r.response_id, participant: r.participant_id, arm: r.arm, text: r.text, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens }]));
      const cacheDir = join(dir, "cache");
      const comps = judgementsToComparisons(e.judgements);
      const r = await judgeBehaviours(comps, responses, [], judge, { cacheDir, seed: 1 });
      expect(r.stats.requests).toBe(2);
      expect(r.stats.failed).toBe(0);
      expect(r.scores.size).toBe(4);
      for (const s of r.scores.values()) {
        expect([1, 2, 3, 4, 5, 6, 7]).toContain(s.sycophancy);
        expect([1, 2, 3, 4, 5, 6, 7]).toContain(s.relationship);
      }
      expect(readdirSync(cacheDir)).toHaveLength(2);
      const again = await judgeBehaviours(comps, responses, [], judge, { cacheDir, seed: 1 });
      expect(again.stats).toMatchObject({ requests: 0, cached: 2, failed: 0 });
      expect([...again.scores.entries()]).toEqual([...r.scores.entries()]);
    } finally {
      await judge.close?.();
    }
  });
});
