"""The tiny model's GGUF is a faithful copy of its HF folder: llama.cpp (node-llama-cpp, the
embedded provider's engine) loads it, tokenises chat text like the HF tokenizer and scores tokens
like transformers."""

import subprocess
import sys

import torch

from conftest import llamacpp_score, needs_node_llama
from prismx_trainer.base import load_base
from prismx_trainer.encode import prompt_token_ids


def test_cli_writes_hf_and_gguf(tmp_path):
    r = subprocess.run([sys.executable, "-m", "prismx_trainer.tiny", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "hf" / "config.json").is_file() and (tmp_path / "model.gguf").is_file()


@needs_node_llama
def test_gguf_matches_hf(tiny):
    base = load_base(tiny["hf"])
    tok = base.tokenizer
    text, ids = prompt_token_ids(tok, [{"role": "system", "content": "Be brief."},
                                       {"role": "user", "content": "Tell me about cats, please?"}])
    tokens = [tok.bos_token_id] + ids + tok("sure, cats are nice. alpha<end_of_turn>\n", add_special_tokens=False)["input_ids"]
    res = llamacpp_score({"model": tiny["gguf"], "items": [{"tokens": tokens, "score_from": 1}], "tokenize": [text]})
    # Same template text, same ids (BOS included by the template).
    assert res["tokenized"][0] == [tok.bos_token_id] + ids
    with torch.no_grad():
        lp = torch.log_softmax(base.model(torch.tensor([tokens])).logits[0], -1)
    want = [lp[i - 1, tokens[i]].item() for i in range(1, len(tokens))]
    got = res["items"][0]["logprobs"]
    assert max(abs(a - b) for a, b in zip(want, got)) < 1e-3
