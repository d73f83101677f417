/**
 * Prompt rendering with templates other than the tiny model's own: Gemma 3's template, which has
 * no system role and folds the system prompt into the first user turn, and a GGUF without any
 * template (node-llama-cpp's architecture default).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-gguf.js";
import type { ChatMessage } from "../types.js";
import { EmbeddedChatModel } from "./provider.js";

// google/gemma-3-*-it's chat template (text parts only).
const GEMMA3_TEMPLATE = `{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {{- message['content'] | trim }}
    {{- '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}`;

const msgs: ChatMessage[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "hello" },
  { role: "assistant", content: "hi" },
  { role: "user", content: "good day" },
];

let gemma: EmbeddedChatModel;
let bare: EmbeddedChatModel;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "prismx-tpl-"));
  await writeTinyModel(join(dir, "gemma.gguf"), { chatTemplate: GEMMA3_TEMPLATE });
  await writeTinyModel(join(dir, "bare.gguf"), { chatTemplate: null });
  gemma = await EmbeddedChatModel.create({ modelPath: join(dir, "gemma.gguf"), contexts: 1, contextSize: 256 });
  bare = await EmbeddedChatModel.create({ modelPath: join(dir, "bare.gguf"), contexts: 1, contextSize: 256 });
});
afterAll(async () => {
  await gemma.close();
  await bare.close();
});

describe("chat templates", () => {
  it("Gemma 3's template folds the system prompt into the first user turn", () => {
    // Prefix token 7 is the byte 0x02 in the tiny vocabulary.
    const text = gemma.detokenize(gemma.render(msgs, [7]).tokens);
    expect(text).toBe("<s>\x02<start_of_turn>user\nBe brief.\n\nhello<end_of_turn>\n<start_of_turn>model\nhi<end_of_turn>\n<start_of_turn>user\ngood day<end_of_turn>\n<start_of_turn>model\n");
  });

  it("a GGUF without a template still renders (node-llama-cpp's default for the architecture) and generates", async () => {
    const r = bare.render(msgs);
    expect(r.tokens[0]).toBe(1);
    const text = bare.detokenize(r.tokens);
    expect(text).toContain("Be brief.");
    expect(text).toContain("good day");
    const out = await bare.chat({ messages: msgs, maxTokens: 3 });
    expect(out.completionTokens).toBeGreaterThan(0);
  });

  it("without add_bos_token the prefix comes first, unless the artefact was trained with BOS first", async () => {
    await writeTinyModel(join(dir, "nobos.gguf"), { addBos: false });
    const plain = await EmbeddedChatModel.create({ modelPath: join(dir, "nobos.gguf"), contexts: 1, contextSize: 128 });
    const forced = await EmbeddedChatModel.create({ modelPath: join(dir, "nobos.gguf"), contexts: 1, contextSize: 128, forceBos: true });
    try {
      const p = plain.render(msgs.slice(1), [300, 301]);
      expect(p.bos).toBe(false);
      // The template's own leading BOS stays where the template put it, after the prefix.
      expect(p.tokens.slice(0, 4)).toEqual([300, 301, 1, 3]);
      // Trained with BOS first (as the trainer does): BOS, prefix, then the template without its BOS.
      const f = forced.render(msgs.slice(1), [300, 301]);
      expect(f.tokens.slice(0, 4)).toEqual([1, 300, 301, 3]);
      expect(f.tokens.slice(3)).toEqual(p.tokens.slice(3));
    } finally {
      await plain.close();
      await forced.close();
    }
  });
});
