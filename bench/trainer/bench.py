"""Training tokens/s: prismx's P-DPO step (reference log-probs cached once) vs TRL's DPOTrainer
(LoRA; the reference is the adapter-disabled model, run every step) on the same tiny random
Llama model, the same synthetic pairs, batch size, LoRA and sequence lengths.

Tokens counted are the text tokens of prompt+chosen and prompt+rejected of every pair trained on
(the same count for both sides; prismx's extra soft tokens are not counted). The first
--warmup steps of each side are excluded from the timing. A benchmark, not a test."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=None, help="pad the embedding to this many rows (large-vocabulary regime)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--user-tokens", type=int, default=4)
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    from prismx_trainer.config import TrainConfig
    from prismx_trainer.encode import encode_pair
    from prismx_trainer.synthetic import cohort, write_jsonl
    from prismx_trainer.tiny import write_tiny
    from prismx_trainer.trainer import PDPOTrainer

    work = Path(tempfile.mkdtemp(prefix="prismx-bench-trainer-"))
    try:
        tiny = write_tiny(work / "tiny", hidden=a.hidden, layers=a.layers, vocab=a.vocab)
        rows = cohort(n_majority=12, n_minority=4, n_unseen=0, dialogs_per_user=12, seed=0)
        pairs = write_jsonl(rows, work / "pairs.jsonl")
        total = a.steps + a.warmup

        # --- prismx --------------------------------------------------------------------------
        cfg = TrainConfig(pairs=str(pairs), base=tiny["hf"], out=str(work / "run"), mode="individual",
                          n_user_tokens=a.user_tokens, lr=1e-3, warmup_steps=2, max_steps=total,
                          batch_size=a.batch_size, grad_accum=1, lora_dropout=0.0, eval_every=0, save_every=0,
                          seed=1, export=False)
        t0 = time.perf_counter()
        tr = PDPOTrainer(cfg, work / "run", log=lambda *x, **k: None)
        setup_s = time.perf_counter() - t0
        text_tokens = lambda e: 2 * (1 + len(e.prompt_ids)) + len(e.chosen_ids) + len(e.rejected_ids)  # noqa: E731
        for _ in range(a.warmup):
            tr.train_step()
        ntok, t0 = 0, time.perf_counter()
        for s in range(a.warmup, total):
            idx = tr.micro[s]
            tr.train_step()
            ntok += sum(text_tokens(tr.train_enc[i]) for i in idx)
        prismx_s = time.perf_counter() - t0
        prismx_tps = ntok / prismx_s
        tok = tr.base.tokenizer
        mean_tokens = sum(text_tokens(e) for e in tr.train_enc) / len(tr.train_enc)

        # --- TRL DPOTrainer --------------------------------------------------------------------
        from datasets import Dataset
        from peft import LoraConfig
        from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
        from trl import DPOConfig, DPOTrainer

        train = [r for r in rows if r["split"] == "train"]
        ds = Dataset.from_list([{"prompt": r["prompt"], "chosen": [{"role": "assistant", "content": r["chosen"]}],
                                 "rejected": [{"role": "assistant", "content": r["rejected"]}]} for r in train])
        stamps: list[float] = []

        class Clock(TrainerCallback):
            def on_step_end(self, args, state, control, **kw):
                stamps.append(time.perf_counter())

        model = AutoModelForCausalLM.from_pretrained(tiny["hf"])
        ttok = AutoTokenizer.from_pretrained(tiny["hf"])
        args = DPOConfig(output_dir=str(work / "trl"), per_device_train_batch_size=a.batch_size, gradient_accumulation_steps=1,
                         max_steps=total, learning_rate=1e-3, warmup_steps=2, lr_scheduler_type="cosine", beta=0.5,
                         logging_steps=10_000, save_strategy="no", report_to=[], use_cpu=True, bf16=False, seed=1,
                         dataloader_num_workers=0, max_length=cfg.max_prompt_tokens + cfg.max_response_tokens)
        peft = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=0.0, target_modules=list(cfg.lora_targets),
                          task_type="CAUSAL_LM")
        trl = DPOTrainer(model=model, args=args, train_dataset=ds, processing_class=ttok, peft_config=peft, callbacks=[Clock()])
        trl.train()
        trl_s = stamps[-1] - stamps[a.warmup - 1]
        trl_tps = a.steps * a.batch_size * mean_tokens / trl_s

        res = {
            "model": f"llama hidden {a.hidden}, {a.layers} layers, vocab {tr.base.model.config.vocab_size} (tokenizer {len(tok)})",
            "pairs": len(tr.train_enc), "batch_size": a.batch_size, "timed_steps": a.steps, "threads": a.threads,
            "mean_text_tokens_per_pair": round(mean_tokens, 1),
            "prismx_tokens_per_s": round(prismx_tps, 1), "prismx_setup_s_incl_reference_cache": round(setup_s, 2),
            "trl_tokens_per_s": round(trl_tps, 1), "ratio_prismx_over_trl": round(prismx_tps / trl_tps, 2),
        }
        print(f"prismx P-DPO step : {prismx_tps:10.1f} tokens/s  (reference cached once; setup incl. cache {setup_s:.1f} s)")
        print(f"TRL DPOTrainer    : {trl_tps:10.1f} tokens/s  (reference = adapter-disabled model, every step)")
        print(f"ratio             : {prismx_tps / trl_tps:10.2f}x")
        print(json.dumps(res))
        if a.json:
            Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
