"""Chat templates. Training prompts must be rendered exactly as serving renders them, so the
template used is written into the manifest. GGUFs often carry no template (the default Gemma 3
270M GGUF has none), so a Gemma-format template is supplied for Gemma-family bases."""

from __future__ import annotations

# Gemma's own format: a system message is folded into the first user turn; 'assistant' is 'model'.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}"
    "{%- set first_user_prefix = '' -%}"
    "{%- set loop_messages = messages -%}"
    "{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') }}"
    "{{ message['content'] | trim }}"
    "{{ '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)

FALLBACK_TEMPLATES = {"gemma": GEMMA_CHAT_TEMPLATE, "gemma2": GEMMA_CHAT_TEMPLATE,
                      "gemma3": GEMMA_CHAT_TEMPLATE, "gemma3_text": GEMMA_CHAT_TEMPLATE}
