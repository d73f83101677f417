"""Pooled DPO vs individual P-DPO on a PRISM-format cohort, tiny model: distinctive users' (archetype ≠ neutral)
held-out accuracy per trainer seed, and CPU time. The figures in trainer/README.md ("Learning on the
PRISM-format cohort") came from it; trainer/tests/test_learning_prism.py is the test of the setting that held.

    node bin/prismx.mjs data sample --out C --participants 32 --seed 1 --conversations-per-person 20 --choice-noise-scale 0.25
    node bin/prismx.mjs data pairs C --out P.jsonl --no-textual-info
    trainer/.venv/bin/python bench/trainer/learning_prism.py --pairs P.jsonl --truth C/ground_truth.jsonl --steps 300 \
        --seeds 1,2,3 --hidden 128 --out DIR --over '{"max_prompt_tokens": 16, "ref_cache": "DIR/ref.json", "n_user_tokens": 4, "user_lr": 0.2}'
"""
import argparse
import json
import shutil
import sys
import time
from pathlib import Path
import torch
torch.set_num_threads(2)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "trainer" / "tests"))
from conftest import fast_config
from prismx_trainer.trainer import PDPOTrainer
from prismx_trainer.tiny import write_tiny

ap = argparse.ArgumentParser()
ap.add_argument("--pairs"); ap.add_argument("--truth"); ap.add_argument("--steps", type=int, default=40)
ap.add_argument("--seeds", default="1"); ap.add_argument("--modes", default="pooled,individual")
ap.add_argument("--over", default="{}"); ap.add_argument("--filter", default="all")
ap.add_argument("--out", required=True)
ap.add_argument("--hidden", type=int, default=64); ap.add_argument("--layers", type=int, default=2)
a = ap.parse_args()
truth = {json.loads(l)["user_id"]: json.loads(l) for l in open(a.truth)}
rows = [json.loads(l) for l in open(a.pairs)]
if a.filter == "turn0":
    rows = [r for r in rows if r["turn"] == 0]
pf = Path(a.out) / "pairs.jsonl"; pf.parent.mkdir(parents=True, exist_ok=True)
pf.write_text("".join(json.dumps(r) + "\n" for r in rows))
tiny = write_tiny(Path(a.out) / "tiny", seed=0, hidden=a.hidden, layers=a.layers)
print("rows", len(rows), "train", sum(r["split"] == "train" for r in rows), "test", sum(r["split"] == "test" for r in rows), flush=True)
over = json.loads(a.over)
def dist_acc(s):
    us = [v for u, v in s["per_user"].items() if v["seen"] and truth[u]["archetype"] != "neutral"]
    return sum(v["correct"] for v in us) / sum(v["n"] for v in us), sum(v["n"] for v in us)
for seed in map(int, a.seeds.split(",")):
    res = {}
    for mode in a.modes.split(","):
        t0 = time.process_time(); w0 = time.time()
        out = Path(a.out) / f"{mode}-{seed}"
        shutil.rmtree(out, ignore_errors=True)
        cfg = fast_config(pf, tiny["hf"], out, mode=mode, max_steps=a.steps, seed=seed, export_hf=False, **over)
        cfg.export = False
        s = PDPOTrainer(cfg, out, log=lambda *x, **k: None).run()
        acc, n = dist_acc(s)
        res[mode] = acc
        print(f"seed {seed} {mode}: distinctive {acc:.3f} (n={n}) seen {s['accuracy_seen']:.3f} cpu {time.process_time()-t0:.0f}s wall {time.time()-w0:.0f}s", flush=True)
    for mode in res:
        if mode != "pooled" and "pooled" in res:
            print(f"seed {seed} {mode} gain {res[mode] - res['pooled']:+.3f}", flush=True)
