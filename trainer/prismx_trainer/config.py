"""Training configuration and the `python -m prismx_trainer.train` command line."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TrainConfig:
    pairs: str
    base: str
    out: str
    mode: str = "individual"            # individual | cluster | pooled
    n_user_tokens: int = 10             # T
    n_clusters: int = 10                # K (cluster mode)
    beta: float = 0.5
    alpha: float = 0.5
    lr: float = 5e-5
    user_lr: float | None = None        # defaults to lr
    warmup_steps: int = 150
    epochs: int = 1
    max_steps: int | None = None
    batch_size: int = 1
    grad_accum: int = 16
    max_grad_norm: float = 1.0
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    max_prompt_tokens: int = 470
    max_response_tokens: int = 300
    logit_chunk: int = 512
    seed: int = 123
    eval_every: int = 50
    eval_batch_size: int = 8
    save_every: int = 250
    log_every: int = 10
    precision: str = "auto"             # auto | fp32 | bf16
    device: str = "auto"
    chat_template: str | None = None    # path to a Jinja file
    ref_cache: str | None = None        # JSON file of reference log-probs shared between runs
    resume: bool = False
    overwrite: bool = False
    export: bool = True
    export_hf: bool = True
    stop_after: int | None = None       # stop (with a checkpoint) after this step, as a preemption would
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["lora_targets"] = list(self.lora_targets)
        return d


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    d = TrainConfig(pairs="", base="", out="")
    ap = argparse.ArgumentParser(
        prog="python -m prismx_trainer.train",
        description="P-DPO (individual / cluster user model) or pooled DPO on pairs.jsonl; writes an artefact folder.",
    )
    ap.add_argument("--pairs", required=True, help="pairs.jsonl (PairRow per line)")
    ap.add_argument("--base", required=True, help="base model: HF folder or .gguf file")
    ap.add_argument("--out", required=True, help="artefact folder to create")
    ap.add_argument("--mode", choices=["individual", "cluster", "pooled"], default=d.mode)
    ap.add_argument("--user-tokens", dest="n_user_tokens", type=int, default=d.n_user_tokens, help="soft tokens per user (T)")
    ap.add_argument("--clusters", dest="n_clusters", type=int, default=d.n_clusters, help="K for --mode cluster")
    ap.add_argument("--beta", type=float, default=d.beta)
    ap.add_argument("--alpha", type=float, default=d.alpha, help="weight of known-user terms vs generic copies")
    ap.add_argument("--lr", type=float, default=d.lr)
    ap.add_argument("--user-lr", type=float, default=None, help="learning rate of the user tables (default: --lr)")
    ap.add_argument("--warmup-steps", type=int, default=d.warmup_steps)
    ap.add_argument("--epochs", type=int, default=d.epochs)
    ap.add_argument("--max-steps", type=int, default=None, help="optimizer steps (overrides --epochs)")
    ap.add_argument("--batch-size", type=int, default=d.batch_size, help="pairs per micro-batch per process")
    ap.add_argument("--grad-accum", type=int, default=d.grad_accum)
    ap.add_argument("--max-grad-norm", type=float, default=d.max_grad_norm)
    ap.add_argument("--lora-r", type=int, default=d.lora_r)
    ap.add_argument("--lora-alpha", type=int, default=d.lora_alpha)
    ap.add_argument("--lora-dropout", type=float, default=d.lora_dropout)
    ap.add_argument("--max-prompt-tokens", type=int, default=d.max_prompt_tokens)
    ap.add_argument("--max-response-tokens", type=int, default=d.max_response_tokens)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--eval-every", type=int, default=d.eval_every, help="optimizer steps between evaluations (0: only at the end)")
    ap.add_argument("--eval-batch-size", type=int, default=d.eval_batch_size)
    ap.add_argument("--save-every", type=int, default=d.save_every, help="optimizer steps between checkpoints")
    ap.add_argument("--log-every", type=int, default=d.log_every)
    ap.add_argument("--precision", choices=["auto", "fp32", "bf16"], default=d.precision)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default=d.device)
    ap.add_argument("--chat-template", default=None, help="Jinja chat template file, for bases without one")
    ap.add_argument("--ref-cache", default=None,
                    help="reference log-probs shared between runs on the same base (e.g. individual then pooled)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT.partial/train/checkpoint.pt")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    ap.add_argument("--no-export", dest="export", action="store_false", help="train only; no GGUF / HF export")
    ap.add_argument("--no-hf", dest="export_hf", action="store_false", help="skip the merged HF folder")
    ap.add_argument("--stop-after", type=int, default=None, help="checkpoint and stop after this step (testing resume)")
    a = ap.parse_args(argv)
    return TrainConfig(**{k: v for k, v in vars(a).items()})
