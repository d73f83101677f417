"""Tiny random models for tests and benchmarks: a Llama-architecture model from a config, a small
byte-level BPE tokenizer trained on a fixed corpus, a Gemma-style chat template, written both as a
HF folder and as a GGUF that llama.cpp loads. Nothing is downloaded.

    python -m prismx_trainer.tiny --out DIR [--seed S] [--hidden 64] [--layers 2]
writes DIR/hf/ and DIR/model.gguf and prints a JSON line naming both.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch

# Gemma's turn markers and template, so the tiny model exercises the default model's prompt shape.
from .templates import GEMMA_CHAT_TEMPLATE as CHAT_TEMPLATE  # noqa: E402

SPECIAL_TOKENS = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]

# A fixed corpus so the BPE merges (and so token ids) are the same on every machine.
_CORPUS_WORDS = (
    "the a an and or but if then so because user model assistant hello hi thanks please yes no "
    "tell me about what how why when where who which short long answer question explain detail "
    "brief concise verbose friendly formal casual cats dogs weather music food travel science "
    "history sport books films code maths health money work family school love life time day "
    "good bad great nice fine ok sure maybe think know like want need help give take make "
    "one two three four five six seven eight nine ten red green blue alpha beta gamma delta "
    "apple banana cherry marker sunny rainy windy quick slow loud quiet happy sad"
).split()


def _corpus() -> list[str]:
    lines = []
    for i, w in enumerate(_CORPUS_WORDS):
        nxt = _CORPUS_WORDS[(i * 7 + 3) % len(_CORPUS_WORDS)]
        lines.append(f"{w} {nxt}, {w.capitalize()}. {nxt} {w}? {i} {w}!")
    return lines * 4


def build_tokenizer(vocab_size: int = 512):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    # GPT-2's byte-level regex: llama.cpp implements the same split as pre-tokenizer "gpt-2".
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(_corpus(), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
        unk_token="<unk>", additional_special_tokens=["<start_of_turn>", "<end_of_turn>"],
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(vocab_size: int, *, hidden: int = 64, layers: int = 2, heads: int = 4,
                kv_heads: int = 2, seed: int = 0, tie: bool = True):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size, hidden_size=hidden, intermediate_size=hidden * 2,
        num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv_heads,
        max_position_embeddings=512, rms_norm_eps=1e-5, rope_theta=10000.0,
        tie_word_embeddings=tie, bos_token_id=2, eos_token_id=1, pad_token_id=0,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    # Default init (std 0.02) makes a near-uniform model whose log-probs barely move; a wider
    # embedding gives the tiny model some structure to learn against.
    with torch.no_grad():
        model.get_input_embeddings().weight.normal_(0.0, 0.15)
    return model.eval()


def write_tiny(out: str | Path, *, seed: int = 0, hidden: int = 64, layers: int = 2,
               tie: bool = True, vocab: int | None = None) -> dict[str, str]:
    """`vocab` > the tokenizer's 512 pads the embedding (as many released models do) to mimic the
    large-vocabulary regime of real bases (Gemma 3: 262,144 rows)."""
    from .gguf_io import write_llama_gguf

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tiny-", dir=out))
    try:
        tokenizer = build_tokenizer()
        model = build_model(max(vocab or 0, len(tokenizer)), hidden=hidden, layers=layers, seed=seed, tie=tie)
        model.save_pretrained(tmp / "hf")
        tokenizer.save_pretrained(tmp / "hf")
        write_llama_gguf(model, tokenizer, tmp / "model.gguf", name="prismx-tiny")
        for name in ("hf", "model.gguf"):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            os.replace(tmp / name, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"hf": str(out / "hf"), "gguf": str(out / "model.gguf")}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m prismx_trainer.tiny", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=None, help="embedding rows (default: the tokenizer's 512)")
    ap.add_argument("--untied", action="store_true", help="separate output head (default: tied, like Gemma)")
    args = ap.parse_args(argv)
    paths = write_tiny(args.out, seed=args.seed, hidden=args.hidden, layers=args.layers, tie=not args.untied, vocab=args.vocab)
    print(json.dumps(paths))


if __name__ == "__main__":
    main()
