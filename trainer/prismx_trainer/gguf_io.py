"""GGUF reading and writing with the `gguf` package: a Llama-architecture GGUF from HF weights
(the tiny test model, or any HF Llama base), a copy of any GGUF with extra reserved vocabulary
rows, and a llama.cpp LoRA adapter GGUF (the layout llama.cpp's convert_lora_to_gguf.py writes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter, TokenType
from gguf import quants

from .errors import InputError

# HF attention projection → GGUF tensor base name (llama.cpp's own naming, shared by llama & gemma3).
HF_TO_GGUF_ATTN = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output"}
RESERVED_TOKEN_TYPE = TokenType.CONTROL  # matched only when the caller asks to parse specials


def llama_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """HF stores Llama q/k rows in rotate-half order; llama.cpp's 'llama' rope wants them
    interleaved per head (the same permutation llama.cpp's converter applies)."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def _f32(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float32).cpu().numpy()


def _tokenizer_vocab(tokenizer) -> tuple[list[str], list[int], list[str]]:
    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    if spec["model"]["type"] != "BPE":
        raise InputError("only byte-level BPE tokenizers can be written to GGUF from a HF folder",
                         hint="pass the base model as a GGUF file instead")
    vocab = tokenizer.get_vocab()
    n = max(vocab.values()) + 1
    tokens = [f"[PAD{i}]" for i in range(n)]
    types = [int(TokenType.UNUSED)] * n
    for piece, i in vocab.items():
        tokens[i] = piece
        types[i] = int(TokenType.NORMAL)
    for added in spec.get("added_tokens", []):
        types[added["id"]] = int(TokenType.CONTROL if added.get("special") else TokenType.USER_DEFINED)
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    return tokens, types, merges


def write_llama_gguf(model, tokenizer, path: str | Path, *, name: str = "model") -> None:
    cfg = model.config
    if cfg.model_type != "llama":
        raise InputError(f"writing a GGUF from a HF '{cfg.model_type}' folder is not supported",
                         hint="pass the base model as a GGUF file (e.g. the default Gemma 3 GGUF)")
    tokens, types, merges = _tokenizer_vocab(tokenizer)
    emb = model.get_input_embeddings().weight
    if len(tokens) > emb.shape[0]:
        raise InputError(f"tokenizer has {len(tokens)} tokens but the embedding only {emb.shape[0]} rows")
    tokens += [f"[PAD{i}]" for i in range(len(tokens), emb.shape[0])]
    types += [int(TokenType.UNUSED)] * (emb.shape[0] - len(types))

    w = GGUFWriter(str(path), "llama")
    w.add_name(name)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_rope_dimension_count(cfg.hidden_size // cfg.num_attention_heads)
    rope = getattr(cfg, "rope_parameters", None) or {}
    w.add_rope_freq_base(float(rope.get("rope_theta", getattr(cfg, "rope_theta", 10000.0))))
    w.add_layer_norm_rms_eps(float(cfg.rms_norm_eps))
    w.add_file_type(0)  # all F32
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(tokenizer.bos_token_id)
    w.add_eos_token_id(tokenizer.eos_token_id)
    if tokenizer.pad_token_id is not None:
        w.add_pad_token_id(tokenizer.pad_token_id)
    eot = tokenizer.convert_tokens_to_ids("<end_of_turn>")
    if isinstance(eot, int) and eot != tokenizer.unk_token_id:
        w.add_eot_token_id(eot)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    if tokenizer.chat_template:
        w.add_chat_template(tokenizer.chat_template)

    sd = model.state_dict()
    nh, nkv = cfg.num_attention_heads, cfg.num_key_value_heads
    w.add_tensor("token_embd.weight", _f32(sd["model.embed_tokens.weight"]))
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        w.add_tensor(f"blk.{i}.attn_norm.weight", _f32(sd[p + "input_layernorm.weight"]))
        w.add_tensor(f"blk.{i}.attn_q.weight", llama_permute(_f32(sd[p + "self_attn.q_proj.weight"]), nh))
        w.add_tensor(f"blk.{i}.attn_k.weight", llama_permute(_f32(sd[p + "self_attn.k_proj.weight"]), nkv))
        w.add_tensor(f"blk.{i}.attn_v.weight", _f32(sd[p + "self_attn.v_proj.weight"]))
        w.add_tensor(f"blk.{i}.attn_output.weight", _f32(sd[p + "self_attn.o_proj.weight"]))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", _f32(sd[p + "post_attention_layernorm.weight"]))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", _f32(sd[p + "mlp.gate_proj.weight"]))
        w.add_tensor(f"blk.{i}.ffn_up.weight", _f32(sd[p + "mlp.up_proj.weight"]))
        w.add_tensor(f"blk.{i}.ffn_down.weight", _f32(sd[p + "mlp.down_proj.weight"]))
    w.add_tensor("output_norm.weight", _f32(sd["model.norm.weight"]))
    if not cfg.tie_word_embeddings:
        w.add_tensor("output.weight", _f32(sd["lm_head.weight"]))
    _finish(w)


def _finish(w: GGUFWriter) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


# --- reading --------------------------------------------------------------------------------

def gguf_architecture(path: str | Path) -> str:
    r = GGUFReader(str(path))
    return str(r.fields["general.architecture"].contents())


def _field_value(field):
    return field.contents()


def _append_rows(tensor, rows: np.ndarray) -> tuple[np.ndarray, GGMLQuantizationType]:
    """The tensor's data with `rows` appended, keeping its storage type where gguf-py can
    quantise it (Q8_0, F16, …); otherwise the whole tensor becomes F16."""
    qtype = tensor.tensor_type
    if qtype == GGMLQuantizationType.F32:
        return np.concatenate([np.asarray(tensor.data, dtype=np.float32).reshape(-1, rows.shape[1]), rows.astype(np.float32)]), qtype
    if qtype == GGMLQuantizationType.F16:
        return np.concatenate([np.asarray(tensor.data, dtype=np.float16).reshape(-1, rows.shape[1]), rows.astype(np.float16)]), qtype
    try:
        extra = quants.quantize(rows.astype(np.float32), qtype)
        return np.concatenate([np.asarray(tensor.data, dtype=np.uint8), extra]), qtype
    except (NotImplementedError, quants.QuantError):
        full = quants.dequantize(tensor.data, qtype).reshape(-1, rows.shape[1])
        return np.concatenate([full, rows]).astype(np.float16), GGMLQuantizationType.F16


def extend_vocab_gguf(src: str | Path, dst: str | Path, new_tokens: Sequence[str],
                      new_rows: np.ndarray) -> int:
    """Copy GGUF `src` to `dst` with `new_tokens` appended to the vocabulary as control tokens whose
    input-embedding rows are `new_rows` [R, d]. Returns the id of the first new token. With tied
    embeddings llama.cpp reuses token_embd as the output head, so the reserved ids also become
    (forbidden) output logits; an untied output head gets zero rows."""
    r = GGUFReader(str(src))
    arch = str(r.fields["general.architecture"].contents())
    tokens = list(r.fields["tokenizer.ggml.tokens"].contents())
    n0 = len(tokens)
    if new_rows.shape[0] != len(new_tokens):
        raise ValueError("one embedding row per new token")
    tensors = {t.name: t for t in r.tensors}
    emb = tensors["token_embd.weight"]
    if int(emb.shape[1]) != n0:
        raise InputError(f"{src}: token_embd has {int(emb.shape[1])} rows but the vocabulary {n0} tokens")

    w = GGUFWriter(str(dst), arch)
    for field in r.fields.values():
        name = field.name
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        value = _field_value(field)
        vtype = field.types[0]
        if name == "tokenizer.ggml.tokens":
            value = tokens + list(new_tokens)
        elif name == "tokenizer.ggml.token_type":
            value = list(value) + [int(RESERVED_TOKEN_TYPE)] * len(new_tokens)
        elif name == "tokenizer.ggml.scores":
            value = list(value) + [0.0] * len(new_tokens)
        elif name == f"{arch}.vocab_size":
            value = n0 + len(new_tokens)
        if vtype == GGUFValueType.ARRAY:
            w.add_key_value(name, value, vtype, sub_type=field.types[-1])
        else:
            w.add_key_value(name, value, vtype)

    d = int(emb.shape[0])
    # The reader hands quantised data as [rows, bytes per row], float data as [rows, d]: both are
    # what the writer expects with raw_dtype set, so no explicit shape is passed.
    for t in r.tensors:
        if t.name == "token_embd.weight":
            data, qtype = _append_rows(t, new_rows.astype(np.float32))
            w.add_tensor(t.name, data, raw_dtype=qtype)
        elif t.name == "output.weight":
            data, qtype = _append_rows(t, np.zeros((len(new_tokens), d), dtype=np.float32))
            w.add_tensor(t.name, data, raw_dtype=qtype)
        else:
            w.add_tensor(t.name, t.data, raw_dtype=t.tensor_type)
    _finish(w)
    return n0


def read_token_embd(path: str | Path) -> np.ndarray:
    r = GGUFReader(str(path))
    t = next(t for t in r.tensors if t.name == "token_embd.weight")
    return quants.dequantize(t.data, t.tensor_type).reshape(int(t.shape[1]), int(t.shape[0]))


# --- LoRA adapter ----------------------------------------------------------------------------

def write_lora_gguf(path: str | Path, *, arch: str, alpha: float,
                    pairs: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """`pairs`: GGUF base tensor name (e.g. 'blk.0.attn_q.weight') → (A [r, in], B [out, r]) already
    in llama.cpp's row order. llama.cpp scales B·A by alpha / r (r read from A)."""
    w = GGUFWriter(str(path), arch)
    w.add_type("adapter")
    w.add_string("adapter.type", "lora")
    w.add_float32("adapter.lora.alpha", float(alpha))
    for name, (a, b) in sorted(pairs.items()):
        w.add_tensor(f"{name}.lora_a", np.ascontiguousarray(a, dtype=np.float32))
        w.add_tensor(f"{name}.lora_b", np.ascontiguousarray(b, dtype=np.float32))
    _finish(w)
