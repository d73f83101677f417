"""On CPU with the tiny model: the loss falls, the reference runs only before training, and a
checkpoint → resume continues exactly as an uninterrupted run."""

import json

import torch

from conftest import fast_config
from prismx_trainer.policy import Policy
from prismx_trainer.trainer import PDPOTrainer

quiet = lambda *a, **k: None  # noqa: E731


def test_loss_falls_and_reference_runs_once(tmp_path, tiny, cohort_file, monkeypatch):
    calls = {"reference": 0, "policy": 0}
    real = Policy.forward

    def counting(self, batch, *, reference=False):
        calls["reference" if reference else "policy"] += 1
        return real(self, batch, reference=reference)

    monkeypatch.setattr(Policy, "forward", counting)
    tr = PDPOTrainer(fast_config(cohort_file, tiny["hf"], tmp_path / "a", max_steps=24), tmp_path / "a", log=quiet)
    ref_calls = calls["reference"]
    assert ref_calls > 0
    losses = [tr.train_step()["loss"] for _ in range(24)]
    assert calls["reference"] == ref_calls, "the reference model ran again during training"
    first, last = sum(losses[:4]) / 4, sum(losses[-4:]) / 4
    assert losses[0] > 0.6  # starts at log 2 ≈ 0.693: policy == reference
    assert last < first - 0.2, (first, last)


def test_resume_continues_identically(tmp_path, tiny, cohort_file):
    over = dict(max_steps=8, lora_dropout=0.1, batch_size=4, grad_accum=2)
    straight = PDPOTrainer(fast_config(cohort_file, tiny["hf"], tmp_path / "s", **over), tmp_path / "s", log=quiet)
    straight.run()

    cfg = fast_config(cohort_file, tiny["hf"], tmp_path / "r", stop_after=3, **over)
    first = PDPOTrainer(cfg, tmp_path / "r", log=quiet)
    assert first.run() is None and first.step == 3
    cfg.stop_after = None
    second = PDPOTrainer(cfg, tmp_path / "r", log=quiet)
    assert second.load_checkpoint() and second.step == 3
    second.run()

    assert [h["loss"] for h in first.history + second.history] == [h["loss"] for h in straight.history]
    a, b = straight.trainable_state(), second.trainable_state()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    logged = [json.loads(x)["loss"] for x in (tmp_path / "r" / "train" / "train_log.jsonl").read_text().splitlines()]
    assert logged == [h["loss"] for h in straight.history]


def test_eval_lines_and_summary(tmp_path, tiny, cohort_file):
    tr = PDPOTrainer(fast_config(cohort_file, tiny["hf"], tmp_path / "e", max_steps=4, eval_every=2), tmp_path / "e", log=quiet)
    summary = tr.run()
    lines = [json.loads(x) for x in (tmp_path / "e" / "train" / "eval.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [2, 4]
    saved = json.loads((tmp_path / "e" / "train" / "eval_summary.json").read_text())
    assert saved["accuracy"] == summary["accuracy"]
    # Every test participant is scored; unseen ones with the generic user.
    assert {u for u, v in summary["per_user"].items() if not v["seen"]} == {"new-0", "new-1"}
    assert all(v["user_index"] == 0 for v in summary["per_user"].values() if not v["seen"])
    assert summary["n_pairs"] == sum(v["n"] for v in summary["per_user"].values())


def test_runs_data_parallel_under_torchrun(tmp_path, tiny, cohort_file):
    """The README's scale-out command, on CPU with Gloo: two processes, one set of outputs."""
    import subprocess
    import sys

    out = tmp_path / "ddp"
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "prismx_trainer.train",
                        "--pairs", str(cohort_file), "--base", tiny["hf"], "--out", str(out), "--user-tokens", "2",
                        "--max-steps", "3", "--batch-size", "4", "--grad-accum", "1", "--no-export", "--eval-every", "0"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    events = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert [e["step"] for e in events if e["event"] == "progress"] == [1, 3]
    assert sum(e["event"] == "reference" for e in events) == 1
    assert (out / "train" / "eval_summary.json").is_file() and not (out.parent / "ddp.partial").exists()


def test_reference_scores_each_distinct_pair_once_and_is_shared_between_runs(tmp_path, tiny, cohort_file):
    events = []
    log = lambda event, **f: events.append((event, f))  # noqa: E731
    shared = tmp_path / "ref-cache.json"
    ind = PDPOTrainer(fast_config(cohort_file, tiny["hf"], tmp_path / "i", ref_cache=str(shared)), tmp_path / "i", log=log)
    (_, first), = [e for e in events if e[0] == "reference"]
    distinct = {PDPOTrainer._pair_key(e) for e in ind.train_enc + ind.test_enc}
    assert any(r.generic_copy for r in ind.train_rows)  # copies exist, and cost nothing extra
    assert first["pairs"] == len(ind.train_enc) + len(ind.test_enc) and first["scored"] == len(distinct) < first["pairs"]

    # The same numbers as scoring every row on its own (no cache, no dedupe).
    plain = PDPOTrainer(fast_config(cohort_file, tiny["hf"], tmp_path / "p"), tmp_path / "p", log=quiet)
    direct = plain._sharded_logps(plain.train_enc, reference=True)
    assert torch.allclose(ind.ref_train, direct, atol=1e-5)

    events.clear()
    pooled = PDPOTrainer(fast_config(cohort_file, tiny["hf"], tmp_path / "o", mode="pooled", ref_cache=str(shared)), tmp_path / "o", log=log)
    (_, second), = [e for e in events if e[0] == "reference"]
    assert second["scored"] == 0
    by_key = {PDPOTrainer._pair_key(e): ind.ref_train[i] for i, e in enumerate(ind.train_enc)}
    assert all(torch.equal(pooled.ref_train[i], by_key[PDPOTrainer._pair_key(e)]) for i, e in enumerate(pooled.train_enc))
