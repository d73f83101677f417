"""Export a trained P-DPO run as artefacts ordinary engines serve:

  model.gguf   the base model with one reserved control token per (user, slot) whose input
               embedding row is the learned soft-token vector (individual: e_0 + o_u; cluster: the
               user's mixture); for llama.cpp / node-llama-cpp
  lora.gguf    the LoRA as a llama.cpp adapter (general.type=adapter, adapter.type=lora)
  hf/          transformers / vLLM folder: extended vocabulary, LoRA merged
  manifest.json  ArtefactManifest (src/core/artefacts.ts)

    python -m prismx_trainer.export --trained RUN/train/trained --base MODEL --out DIR [--no-hf]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from .base import Base, load_base, sha256_file
from .contracts import MANIFEST_FIELDS, MANIFEST_FORMAT, write_json_atomic
from .errors import InputError
from .gguf_io import HF_TO_GGUF_ATTN, extend_vocab_gguf, gguf_architecture, llama_permute, write_llama_gguf, write_lora_gguf

LORA_KEY = re.compile(r"layers\.(\d+)\.self_attn\.(q_proj|k_proj|v_proj|o_proj)\.lora_([AB])\.weight$")


PROBES = "fidelity_probes.json"


def _probes(trained: Path, bos: int, ids: dict[int, list[int]]) -> dict:
    """Held-out responses as the exported model must score them: BOS, the user's reserved ids,
    prompt, response; `logprob` is the trainer's own (reserved ids forbidden, i.e. the softmax
    renormalised over the original vocabulary)."""
    path = trained / "probes.json"
    probes = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    items = []
    for p in probes:
        user = ids.get(p["user_index"], [])
        tokens = [bos] + user + p["prompt_ids"] + p["response_ids"]
        items.append({"participant_id": p["participant_id"], "tokens": tokens,
                      "score_from": 1 + len(user) + len(p["prompt_ids"]), "logprob": p["logprob"]})
    return {"tolerance": 2e-3, "items": items}


def reserved_token(user: int, slot: int) -> str:
    return f"<prismx_user_{user}_{slot}>"


def _load_trained(trained: Path) -> tuple[dict, torch.Tensor | None, dict, dict[str, torch.Tensor]]:
    info_path = trained / "trained.json"
    if not info_path.is_file():
        raise InputError("not a trained run (no trained.json)", file=str(trained), hint="pass RUN/train/trained from `prismx_trainer.train`")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    vectors = None
    if info["n_user_tokens"]:
        vectors = torch.load(trained / "user_model.pt", weights_only=True)["vectors"]
    lora_cfg = json.loads((trained / "lora" / "adapter_config.json").read_text(encoding="utf-8"))
    lora = load_file(str(trained / "lora" / "adapter_model.safetensors"))
    return info, vectors, lora_cfg, lora


def lora_pairs_for_gguf(lora: dict[str, torch.Tensor], cfg, arch: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    found: dict[tuple[int, str], dict[str, np.ndarray]] = {}
    for key, t in lora.items():
        m = LORA_KEY.search(key)
        if not m:
            raise InputError(f"LoRA tensor {key} has no llama.cpp equivalent in this exporter")
        found.setdefault((int(m.group(1)), m.group(2)), {})[m.group(3)] = t.float().numpy()
    out = {}
    for (layer, proj), ab in found.items():
        a, b = ab["A"], ab["B"]
        # llama.cpp's 'llama' rope reads q/k rows interleaved per head; HF's are rotate-half.
        if arch == "llama" and proj == "q_proj":
            b = llama_permute(b, cfg.num_attention_heads)
        elif arch == "llama" and proj == "k_proj":
            b = llama_permute(b, cfg.num_key_value_heads)
        out[f"blk.{layer}.{HF_TO_GGUF_ATTN[proj]}.weight"] = (a, b)
    return out


def _hf_folder(base: Base, trained: Path, dst: Path, tokens: list[str], rows: torch.Tensor | None, n0: int) -> None:
    from peft import PeftModel

    model = PeftModel.from_pretrained(base.model, str(trained / "lora")).merge_and_unload()
    tok = base.tokenizer
    if tokens:
        # Reserved ids must equal the GGUF's (n0 + k): fill any gap between tokenizer and matrix.
        fill = [f"<prismx_unused_{i}>" for i in range(len(tok), n0)]
        tok.add_tokens(fill, special_tokens=True)
        tok.add_tokens(tokens, special_tokens=True)
        if len(tok) != n0 + len(tokens):
            raise RuntimeError(f"tokenizer size {len(tok)} != {n0 + len(tokens)} after adding reserved tokens")
        model.resize_token_embeddings(n0 + len(tokens), mean_resizing=False)
        with torch.no_grad():
            emb = model.get_input_embeddings().weight
            emb[n0:] = rows.to(emb.dtype)
            out = model.get_output_embeddings()
            if out is not None and out.weight.data_ptr() != emb.data_ptr():
                out.weight[n0:] = 0.0
    tok.chat_template = base.chat_template
    model.save_pretrained(str(dst))
    tok.save_pretrained(str(dst))


def export(trained: str | Path, base_spec: str, out: str | Path, *, hf: bool = True, base: Base | None = None,
           eval_summary: dict | None = None, log=None) -> dict:
    """Writes the artefacts into `out` (which must not exist, or be empty) and returns the manifest."""
    trained, out = Path(trained), Path(out)
    info, vectors, lora_cfg, lora = _load_trained(trained)
    base = base or load_base(base_spec, chat_template=info.get("chat_template"))
    out.mkdir(parents=True, exist_ok=True)
    T = int(info["n_user_tokens"])
    with tempfile.TemporaryDirectory(dir=out) as scratch:
        if base.gguf_path is not None:
            src_gguf = base.gguf_path
        else:
            src_gguf = Path(scratch) / "base.gguf"
            write_llama_gguf(base.model, base.tokenizer, src_gguf, name=base.name)
        arch = gguf_architecture(src_gguf)
        n_users = int(info["n_users"]) if T else -1
        tokens = [reserved_token(u, t) for u in range(n_users + 1) for t in range(T)]
        rows = vectors.reshape(-1, vectors.shape[-1]) if T else None
        if log:
            log("export", stage="gguf", reserved_tokens=len(tokens))
        if tokens:
            n0 = extend_vocab_gguf(src_gguf, out / "model.gguf", tokens, rows.numpy())
        else:
            n0 = None
            shutil.copyfile(src_gguf, out / "model.gguf")
    pairs = lora_pairs_for_gguf(lora, base.model.config, arch)
    write_lora_gguf(out / "lora.gguf", arch=arch, alpha=float(lora_cfg["lora_alpha"]), pairs=pairs)
    if hf:
        if log:
            log("export", stage="hf")
        _hf_folder(base, trained, out / "hf", tokens, rows, n0 if n0 is not None else 0)

    ids = {u: [n0 + u * T + t for t in range(T)] for u in range(n_users + 1)} if T else {}
    users = info.get("users", {})
    manifest = {
        "format": MANIFEST_FORMAT,
        "mode": info["mode"],
        "base_model": {"name": base.name, "source": str(base_spec),
                       "sha256": sha256_file(base.gguf_path) if base.gguf_path is not None else None},
        "gguf": "model.gguf",
        "lora": "lora.gguf",
        "lora_scale": 1,
        "hf_folder": "hf" if hf else None,
        "n_user_tokens": T,
        "generic_tokens": [reserved_token(0, t) for t in range(T)],
        "generic_token_ids": ids.get(0, []),
        "users": {pid: [reserved_token(u, t) for t in range(T)] for pid, u in sorted(users.items())} if T else {},
        "user_token_ids": {pid: ids[u] for pid, u in sorted(users.items())} if T else {},
        # Inclusive [first, last] reserved id; null when no user tokens were trained.
        "reserved_token_range": [n0, n0 + len(tokens) - 1] if T else None,
        "chat_template": base.chat_template,
        "training": {
            "steps": info.get("steps"), "n_users": info.get("n_users"),
            "config": {k: v for k, v in info["config"].items() if k not in ("extra",)},
            "lora": {"r": lora_cfg["r"], "alpha": lora_cfg["lora_alpha"], "targets": sorted(lora_cfg["target_modules"])},
            "eval": {k: v for k, v in (eval_summary or {}).items() if k != "per_user"},
            "soft_tokens_after_bos": True,
        },
    }
    assert tuple(manifest) == MANIFEST_FIELDS
    write_json_atomic(out / "manifest.json", manifest)
    write_json_atomic(out / PROBES, _probes(trained, base.tokenizer.bos_token_id, ids))
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m prismx_trainer.export", description=__doc__.split("\n\n")[0])
    ap.add_argument("--trained", required=True, help="RUN/train/trained (written by prismx_trainer.train)")
    ap.add_argument("--base", required=True, help="the base model the run was trained from (HF folder or .gguf)")
    ap.add_argument("--out", required=True, help="artefact folder to create")
    ap.add_argument("--no-hf", dest="hf", action="store_false")
    ap.add_argument("--overwrite", action="store_true")
    a = ap.parse_args(argv)
    out = Path(a.out)
    try:
        if out.exists() and not a.overwrite:
            raise InputError("already exists", field="--out", hint="choose another folder or pass --overwrite")
        partial = out.with_name(out.name + ".partial-export")
        shutil.rmtree(partial, ignore_errors=True)
        summary_path = Path(a.trained).parent / "eval_summary.json"
        summary = json.loads(summary_path.read_text()) if summary_path.is_file() else None
        export(a.trained, a.base, partial, hf=a.hf, eval_summary=summary,
               log=lambda e, **f: print(json.dumps({"event": e, **f}), flush=True))
        if out.exists():
            shutil.rmtree(out)
        os.replace(partial, out)
    except InputError as e:
        print(f"prismx export: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"event": "done", "out": str(out)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
