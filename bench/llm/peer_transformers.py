"""The peer for bench/llm: the same GGUF run by Hugging Face transformers on the CPU (PyTorch,
dequantised to float32, as transformers loads GGUF). Prints one JSON line of figures.

Usage: trainer/.venv/bin/python bench/llm/peer_transformers.py GGUF_PATH [--max-new-tokens N]
"""
import argparse
import json
import os
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gguf")
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--prompt", default="Write a short paragraph about why people enjoy hiking in the mountains.")
    a = ap.parse_args()
    folder, name = os.path.dirname(os.path.abspath(a.gguf)), os.path.basename(a.gguf)
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.eval()
    load_s = time.perf_counter() - t0
    messages = [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": a.prompt}]
    ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    gen = dict(max_new_tokens=a.max_new_tokens, min_new_tokens=a.max_new_tokens, do_sample=False, pad_token_id=tok.eos_token_id)

    def single():
        # Time to first token = a generate() of one token (prefill + one step); then the full reply.
        start = time.perf_counter()
        model.generate(**ids, **{**gen, "max_new_tokens": 1, "min_new_tokens": 1})
        first = time.perf_counter() - start
        start = time.perf_counter()
        model.generate(**ids, **gen)
        return first, time.perf_counter() - start

    out = {"peer": "transformers", "torch": torch.__version__, "load_s": round(load_s, 2), "max_new_tokens": a.max_new_tokens}
    with torch.inference_mode():
        torch.set_num_threads(1)
        single()  # warm-up
        ttft, total = single()
        out["single_threads"] = 1
        out["single_tokens_per_s"] = round(a.max_new_tokens / total, 1)
        out["single_decode_tokens_per_s"] = round((a.max_new_tokens - 1) / (total - ttft), 1) if ttft else None
        out["ttft_ms"] = round(ttft * 1000) if ttft else None
        torch.set_num_threads(os.cpu_count() or 1)
        tok.padding_side = "left"
        for batch in (2, 4):
            text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            enc = tok([text] * batch, return_tensors="pt", padding=True, add_special_tokens=False)
            start = time.perf_counter()
            res = model.generate(**enc, **gen)
            dt = time.perf_counter() - start
            new = (res.shape[1] - enc["input_ids"].shape[1]) * batch
            out[f"batch{batch}_tokens_per_s"] = round(new / dt, 1)
        out["batch_threads"] = os.cpu_count()
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
