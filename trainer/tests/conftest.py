import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

torch.set_num_threads(2)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict:
    from prismx_trainer.tiny import write_tiny

    return write_tiny(tmp_path_factory.mktemp("tiny"), seed=0)


@pytest.fixture(scope="session")
def cohort_file(tmp_path_factory) -> Path:
    from prismx_trainer.synthetic import cohort, write_jsonl

    return write_jsonl(cohort(seed=0), tmp_path_factory.mktemp("pairs") / "pairs.jsonl")


def node_llama_available() -> bool:
    return shutil.which("node") is not None and (REPO / "node_modules" / "node-llama-cpp").is_dir()


needs_node_llama = pytest.mark.skipif(not node_llama_available(), reason="node + node-llama-cpp not installed")


def llamacpp_score(payload: dict) -> dict:
    import json

    script = REPO / "trainer" / "prismx_trainer" / "llamacpp_logprob.mjs"
    out = subprocess.run(["node", str(script)], input=json.dumps(payload), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def fast_config(pairs, base, out, **over):
    from prismx_trainer.config import TrainConfig

    cfg = dict(pairs=str(pairs), base=str(base), out=str(out), mode="individual", n_user_tokens=2, lr=3e-3,
               user_lr=5e-2, warmup_steps=5, max_steps=20, batch_size=8, grad_accum=1, lora_dropout=0.0,
               eval_every=0, log_every=1000, save_every=0, seed=1, export_hf=True)
    cfg.update(over)
    return TrainConfig(**cfg)
