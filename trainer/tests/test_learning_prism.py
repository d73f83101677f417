"""It learns personal preferences on the PRISM-format synthetic cohort (`prismx data sample`): for
participants whose planted preferences differ from the population's (archetype ≠ neutral),
individual P-DPO beats pooled DPO on held-out pairwise accuracy by a stated margin — same tiny
model, pairs, steps, learning rates and trainer seed; the pairs carry no profile text, so pooled
DPO cannot personalise through the prompt.

The cohort is denser than PRISM (20 conversations per person, choice noise ×0.25): PRISM's ~6
conversations per person cannot tell one person's taste from the population's (power calculation
in trainer/README.md, "Learning on the PRISM-format cohort"). Figures from
bench/trainer/learning_prism.py on this setting, trainer seeds 1/2/3: individual − pooled
= +0.083 / +0.083 / +0.083 on 206 held-out pairs of distinctive users (pooled 0.66–0.69). The
margin is half of that, about 8 pairs."""

import json
import subprocess
import time

from conftest import REPO, fast_config, needs_node_llama
from prismx_trainer.tiny import write_tiny
from prismx_trainer.trainer import PDPOTrainer

MARGIN = 0.04
STEPS = 300


def prismx(*args: str) -> None:
    out = subprocess.run(["node", str(REPO / "bin" / "prismx.mjs"), *args], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]


@needs_node_llama  # the cohort and the pairs come from the prismx CLI
def test_individual_beats_pooled_for_distinctive_prism_users(tmp_path):
    t0 = time.process_time()
    cohort, pairs = tmp_path / "cohort", tmp_path / "pairs.jsonl"
    prismx("data", "sample", "--out", str(cohort), "--participants", "32", "--seed", "1",
           "--conversations-per-person", "20", "--choice-noise-scale", "0.25")
    prismx("data", "pairs", str(cohort), "--out", str(pairs), "--no-textual-info")
    truth = {r["user_id"]: r for r in map(json.loads, (cohort / "ground_truth.jsonl").read_text().splitlines())}
    tiny = write_tiny(tmp_path / "tiny", seed=0, hidden=128)

    def distinctive_accuracy(summary) -> tuple[float, int]:
        users = [v for u, v in summary["per_user"].items() if v["seen"] and truth[u]["archetype"] != "neutral"]
        n = sum(v["n"] for v in users)
        return sum(v["correct"] for v in users) / n, n

    acc = {}
    for mode in ("pooled", "individual"):
        out = tmp_path / mode
        cfg = fast_config(pairs, tiny["hf"], out, mode=mode, max_steps=STEPS, n_user_tokens=4, user_lr=0.2,
                          max_prompt_tokens=16, ref_cache=str(tmp_path / "ref.json"), export=False, export_hf=False)
        acc[mode], n = distinctive_accuracy(PDPOTrainer(cfg, out, log=lambda *a, **k: None).run())
    assert n >= 150, n  # enough held-out pairs for the margin to mean something
    assert acc["individual"] - acc["pooled"] >= MARGIN, acc
    assert time.process_time() - t0 < 420
