"""`python -m prismx_trainer.train --pairs FILE --base MODEL --mode individual|cluster|pooled --out DIR`

Trains, evaluates, and (unless --no-export) exports an artefact folder. Work happens in
DIR.partial/ (checkpoints live there, so --resume continues a stopped run); DIR appears only when
everything succeeded. Progress is one JSON object per line on stdout; user mistakes are printed
as one message on stderr with exit code 2.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import torch

from .config import TrainConfig, parse_args
from .errors import InputError
from .trainer import PDPOTrainer, emit


def run(cfg: TrainConfig) -> int:
    out = Path(cfg.out)
    work = out.with_name(out.name + ".partial")
    rank0 = int(os.environ.get("RANK", "0")) == 0
    if out.exists() and not cfg.overwrite:
        raise InputError("already exists", field="--out", hint="choose another folder or pass --overwrite")
    if work.exists() and not cfg.resume and rank0:
        shutil.rmtree(work)
    trainer = PDPOTrainer(cfg, work)
    if cfg.resume:
        trainer.load_checkpoint()
    summary = trainer.run()
    if summary is None:  # --stop-after
        return 0
    if trainer.dist.main:
        if cfg.export:
            from .export import export

            export(work / "train" / "trained", cfg.base, work, hf=cfg.export_hf, eval_summary=summary, log=emit)
        if out.exists():
            shutil.rmtree(out)
        os.replace(work, out)
        emit("done", out=str(out), accuracy=summary.get("accuracy"), accuracy_seen=summary.get("accuracy_seen"),
             accuracy_unseen=summary.get("accuracy_unseen"))
    trainer.dist.barrier()
    return 0


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    torch.set_num_threads(int(os.environ.get("PRISMX_TRAIN_THREADS", torch.get_num_threads())))
    try:
        return run(cfg)
    except InputError as e:
        print(f"prismx train: {e}", file=sys.stderr)
        return 2
    finally:
        import torch.distributed as tdist

        if tdist.is_available() and tdist.is_initialized():
            tdist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
