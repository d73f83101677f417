/**
 * Test and benchmark helpers: a scripted ChatModel (no weights), arms over it, a small study and
 * an app on an in-memory store. Not used by `prismx serve`.
 */
import type { ChatModel, ChatRequest, ChatResult } from "../llm/types.js";
import { Arm, createStrategy, DEFAULT_SYSTEM_PROMPT } from "../arms/index.js";
import { Generation, parseStudyConfig, type StudyConfig } from "../core/index.js";

/** Streams `reply(req)` word by word, `delayMs` apart. */
export function scriptedModel(id: string, reply: (req: ChatRequest) => string, delayMs = 0): ChatModel {
  async function* stream(req: ChatRequest): AsyncGenerator<string, ChatResult, void> {
    const started = performance.now();
    const text = reply(req);
    const words = text.split(/(?<=\s)/);
    for (const w of words) {
      if (req.signal?.aborted) throw Object.assign(new Error("cancelled"), { name: "ModelError", kind: "cancelled" });
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      yield w;
    }
    return { text, finishReason: "stop", promptTokens: 10, completionTokens: words.length, latencyMs: performance.now() - started, firstTokenMs: delayMs, model: id };
  }
  return {
    id,
    stream,
    async chat(req) {
      const it = stream(req);
      for (;;) {
        const r = await it.next();
        if (r.done) return r.value;
      }
    },
  };
}

/** The study's arms, every one on `model` with the `none` strategy (the server does not care which). */
export function armsOver(study: StudyConfig, model: ChatModel): Map<string, Arm> {
  const generation = Generation.parse(study.generation);
  return new Map(study.arms.map((a) => [a.id, new Arm(a.id, createStrategy("none", { systemPrompt: DEFAULT_SYSTEM_PROMPT, profileTemplate: null, manifest: null, vocabularySize: null }), model, generation)]));
}

export const TEST_STUDY_YAML = `
id: web-test
title: web test
seed: 7
models:
  fakemodel-xl: { provider: openai, baseURL: "http://127.0.0.1:9/v1", model: secret-model-name }
arms:
  - { id: arm-generic-zz, model: fakemodel-xl, strategy: none }
  - { id: arm-prompted-zz, model: fakemodel-xl, strategy: prompt }
protocol: { mode: pairwise, conversations: 1, turns: { min: 2, max: 2 }, probes: 1, attentionChecks: 1 }
judgements: { ratings: true, allowTie: true, reasons: true, freeText: false }
generation: { maxTokens: 24 }
`;

export const testStudy = (yaml = TEST_STUDY_YAML): StudyConfig => parseStudyConfig(yaml, "web-test.yaml");

/** Names that must never reach a browser for the test study. */
export const SECRET_NAMES = ["arm-generic-zz", "arm-prompted-zz", "fakemodel-xl", "secret-model-name"];
