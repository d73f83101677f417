"""Turning PairRows into token ids, once, before training: the prompt rendered with the base
model's own chat template (with the generation prompt), the response as the template would
render the assistant turn (so it ends with the end-of-turn marker)."""

from __future__ import annotations

from dataclasses import dataclass

from .contracts import PairRow


@dataclass(frozen=True)
class EncodedPair:
    prompt_ids: tuple[int, ...]    # without BOS: BOS (and soft tokens) are prepended at batch time
    chosen_ids: tuple[int, ...]
    rejected_ids: tuple[int, ...]
    user_index: int


def _render(tokenizer, messages, *, generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


def response_text(tokenizer, messages: list[dict], prompt_text: str, reply: str) -> str:
    full = _render(tokenizer, messages + [{"role": "assistant", "content": reply}], generation_prompt=False)
    if full.startswith(prompt_text):
        return full[len(prompt_text):]
    # Templates that rewrite earlier turns when a reply is added: fall back to reply + EOS.
    return reply + (tokenizer.eos_token or "")


def prompt_token_ids(tokenizer, messages: list[dict]) -> tuple[str, list[int]]:
    text = _render(tokenizer, messages, generation_prompt=True)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if ids and ids[0] == tokenizer.bos_token_id:
        ids = ids[1:]
    return text, ids


def encode_pair(tokenizer, row: PairRow, *, max_prompt_tokens: int, max_response_tokens: int) -> EncodedPair:
    messages = row.messages
    prompt_text, prompt_ids = prompt_token_ids(tokenizer, messages)
    # Keep the end of a long prompt: the latest turns matter most for the reply being judged.
    prompt_ids = prompt_ids[-max_prompt_tokens:]

    def resp(reply: str) -> tuple[int, ...]:
        ids = tokenizer(response_text(tokenizer, messages, prompt_text, reply), add_special_tokens=False)["input_ids"]
        return tuple(ids[:max_response_tokens])

    return EncodedPair(tuple(prompt_ids), resp(row.chosen), resp(row.rejected), row.user_index)
