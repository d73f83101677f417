/**
 * The four strategies on the real engine (the tiny generated GGUF): snapshots of the exact token
 * sequence each one feeds the model, what each forbids, and the token accounting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StudyConfig } from "../core/study.js";
import { EmbeddedChatModel } from "../llm/embedded/provider.js";
import { makeTinyArtefact, type TinyArtefact } from "../llm/testing/fixtures.js";
import type { ChatMessage } from "../llm/types.js";
import { buildArms, type ArmSet } from "./build.js";
import { renderProfile, DEFAULT_PROFILE_TEMPLATE } from "./profile-template.js";
import { testProfile } from "./testing.js";

const conversation: ChatMessage[] = [
  { role: "user", content: "hello" },
  { role: "assistant", content: "hi" },
  { role: "user", content: "good day" },
];

let art: TinyArtefact;
let pooledArt: TinyArtefact;
let set: ArmSet;

beforeAll(async () => {
  art = await makeTinyArtefact("individual");
  pooledArt = await makeTinyArtefact("pooled");
  const study = StudyConfig.parse({
    id: "arms-test",
    seed: 1,
    models: { base: { provider: "embedded", model: art.modelPath, contextSize: 512, contexts: 1 } },
    arms: [
      { id: "generic", model: "base", strategy: "none" },
      { id: "prompted", model: "base", strategy: "prompt" },
      { id: "pdpo", model: "base", strategy: "user-tokens", artefact: art.dir },
      { id: "pooled-generic", model: "base", strategy: "pooled", artefact: art.dir },
      { id: "pooled-dpo", model: "base", strategy: "pooled", artefact: pooledArt.dir },
      { id: "custom", model: "base", strategy: "prompt", systemPrompt: "Be short.", profileTemplate: "User says: {selfDescription} Top: {topPreferences}" },
    ],
  });
  set = await buildArms(study, "/");
});
afterAll(async () => {
  await set?.close();
});

function view(armId: string, participantId = "u1") {
  const arm = set.arms.get(armId)!;
  const profile = testProfile(participantId);
  const tokens = arm.promptTokens(profile, conversation)!;
  const model = arm.model as EmbeddedChatModel;
  const prepared = arm.prepare(profile, conversation);
  return { tokens, text: model.detokenize(tokens), forbidden: prepared.forbiddenTokens, prefix: prepared.prefixTokens };
}

describe("strategies build the prompts they should", () => {
  it("none: BOS, then the chat template with the neutral system prompt; nothing forbidden", () => {
    const v = view("generic");
    expect(v.text).toMatchInlineSnapshot(`
      "<s><|im_start|>system
      You are a helpful, honest and harmless assistant. Answer the user's message.<|im_end|>
      <|im_start|>user
      hello<|im_end|>
      <|im_start|>assistant
      hi<|im_end|>
      <|im_start|>user
      good day<|im_end|>
      <|im_start|>assistant
      "
    `);
    expect(v.tokens).toMatchSnapshot();
    expect(v.forbidden).toEqual([]);
  });

  it("prompt: the profile rendered into the system prompt", () => {
    const v = view("prompted");
    expect(v.text).toMatchInlineSnapshot(`
      "<s><|im_start|>system
      You are a helpful, honest and harmless assistant. Answer the user's message.

      About the person you are talking to (use it to tailor your answers):
      - In their own words: I am a nurse who loves hiking and short answers.
      - What they want from an assistant: Be direct and kind.
      - What matters most to them in an answer: helpfulness, factuality, safety
      - Demographics: age: 35-44 years old; gender: Female; education: University Bachelors Degree; lives in: Chile<|im_end|>
      <|im_start|>user
      hello<|im_end|>
      <|im_start|>assistant
      hi<|im_end|>
      <|im_start|>user
      good day<|im_end|>
      <|im_start|>assistant
      "
    `);
    expect(v.tokens).toMatchSnapshot();
    expect(view("custom").text.split("\n").slice(0, 4).join("\n")).toMatchInlineSnapshot(`
      "<s><|im_start|>system
      Be short.

      User says: I am a nurse who loves hiking and short answers. Top: helpfulness, factuality, safety<|im_end|>"
    `);
  });

  it("user-tokens: the participant's reserved tokens right after BOS; every reserved token forbidden", () => {
    const v = view("pdpo", "u1");
    expect(v.tokens[0]).toBe(art.vocab.bos);
    expect(v.tokens.slice(1, 3)).toEqual(art.manifest.user_token_ids.u1);
    expect(v.text.startsWith("<s><|user_1_0|><|user_1_1|><|im_start|>system\nYou are a helpful")).toBe(true);
    expect(v.tokens).toMatchSnapshot();
    expect(v.forbidden).toEqual(art.vocab.reservedIds);
    expect(view("pdpo", "u2").prefix).toEqual(art.manifest.user_token_ids.u2);
  });

  it("user-tokens: an unknown participant gets the generic user's tokens", () => {
    const v = view("pdpo", "someone-new");
    expect(v.prefix).toEqual(art.manifest.generic_token_ids);
    expect(v.text.startsWith("<s><|user_0_0|><|user_0_1|><|im_start|>")).toBe(true);
  });

  it("pooled: a P-DPO artefact with generic tokens for all, or a pooled artefact with no prefix", () => {
    const a = view("pooled-generic", "u1");
    expect(a.prefix).toEqual(art.manifest.generic_token_ids);
    expect(a.forbidden).toEqual(art.vocab.reservedIds);
    expect(a.tokens).toMatchSnapshot();
    const b = view("pooled-dpo", "u1");
    expect(b.prefix).toEqual([]);
    expect(b.forbidden).toEqual([]);
    expect(b.tokens).toEqual(view("generic").tokens);
  });

  it("artefact arms load the artefact's adapter; plain arms share one model", () => {
    expect(set.arms.get("generic")!.model).toBe(set.arms.get("prompted")!.model);
    expect(set.arms.get("pdpo")!.model).not.toBe(set.arms.get("generic")!.model);
    expect(set.arms.get("pdpo")!.model).toBe(set.arms.get("pooled-generic")!.model);
    expect(set.arms.get("pdpo")!.model.id).toContain(art.dir);
  });
});

describe("token accounting", () => {
  it("a prompt arm's prompt tokens exceed the none arm's by the profile's size", async () => {
    const profile = testProfile("u1");
    const none = await set.arms.get("generic")!.respond(profile, conversation, { seed: 1, generation: { maxTokens: 4 } });
    const prompted = await set.arms.get("prompted")!.respond(profile, conversation, { seed: 1, generation: { maxTokens: 4 } });
    const model = set.arms.get("prompted")!.model as EmbeddedChatModel;
    const profileText = renderProfile(DEFAULT_PROFILE_TEMPLATE, profile);
    expect(none.profileTokens).toBe(0);
    expect(prompted.profileTokens).toBe(prompted.promptTokens - none.promptTokens);
    // The difference is the profile text itself, plus the blank line joining it to the system prompt.
    expect(prompted.profileTokens).toBe(model.tokenize(`\n\n${profileText}`).length);
    expect(prompted.profileTokens!).toBeGreaterThan(100);
  });

  it("records every reply and totals per arm", async () => {
    const before = set.ledger.totalsFor("pdpo")?.responses ?? 0;
    const profile = testProfile("u2");
    const r1 = await set.arms.get("pdpo")!.respond(profile, conversation, { seed: 2, generation: { maxTokens: 5, temperature: 1.2 } });
    const r2 = await set.arms.get("pdpo")!.respond(profile, conversation.slice(0, 1), { seed: 3, generation: { maxTokens: 5 } });
    const t = set.ledger.totalsFor("pdpo")!;
    expect(t.responses).toBe(before + 2);
    expect(r1.promptTokens).toBe(view("pdpo", "u2").tokens.length);
    expect(r1.armId).toBe("pdpo");
    expect(r1.strategy).toBe("user-tokens");
    expect(t.promptTokens).toBeGreaterThanOrEqual(r1.promptTokens + r2.promptTokens);
    expect(t.totalTokens).toBe(t.promptTokens + t.completionTokens);
    const prompted = set.ledger.totalsFor("prompted");
    expect(prompted?.profileTokens ?? 0).toBeGreaterThan(0);
  });

  it("never lets a P-DPO arm emit a reserved token", async () => {
    const r = await set.arms.get("pdpo")!.respond(testProfile("u1"), conversation, { seed: 4, generation: { maxTokens: 30, temperature: 2 } });
    expect((r as unknown as { completionTokenIds: number[] }).completionTokenIds.some((t) => art.vocab.reservedIds.includes(t))).toBe(false);
  });
});
