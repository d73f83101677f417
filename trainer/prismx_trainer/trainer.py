"""The P-DPO training loop: encode pairs once, cache reference log-probs once, then LoRA + user
tables under sigmoid DPO with α weighting; periodic evaluation, checkpoints and exact resume."""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from . import dist as distmod
from .base import Base, load_base
from .config import TrainConfig
from .contracts import PairRow, load_pairs, write_json_atomic
from .encode import EncodedPair, encode_pair
from .errors import InputError
from .evaluate import summarise
from .loss import dpo_terms, pdpo_loss
from .policy import Batch, Policy, make_batch
from .schedule import cosine_with_warmup
from .user_model import build_user_model

CHECKPOINT = "checkpoint.pt"
REF_CACHE = "ref_logps.pt"


def emit(event: str, **fields) -> None:
    """One JSON progress line on stdout; `prismx train` parses and renders these."""
    print(json.dumps({"event": event, **fields}), flush=True)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


class PDPOTrainer:
    def __init__(self, cfg: TrainConfig, workdir: Path, *, log: Callable[..., None] = emit,
                 base: Base | None = None) -> None:
        self.cfg, self.workdir, self.log = cfg, Path(workdir), log
        self.dist = distmod.setup(cfg.device)
        if not self.dist.main:
            self.log = lambda *a, **k: None  # one voice: rank 0 reports for all
        if cfg.mode not in ("individual", "cluster", "pooled"):
            raise InputError(f"unknown mode {cfg.mode!r}", field="--mode")
        if cfg.mode != "pooled" and cfg.n_user_tokens < 1:
            raise InputError("needs at least one user token", field="--user-tokens")
        seed_everything(cfg.seed)
        rows = load_pairs(cfg.pairs)
        self.n_users = max(r.user_index for r in rows)
        train_rows = [r for r in rows if r.split == "train"]
        if cfg.mode == "pooled":
            # Plain DPO on everyone's pairs: each pair once, no generic duplicates, no user index.
            train_rows = [r for r in train_rows if not r.generic_copy]
        self.train_rows, self.test_rows = train_rows, [r for r in rows if r.split == "test"]
        if not self.train_rows:
            raise InputError("no training pairs (split == 'train')", file=cfg.pairs)

        template = Path(cfg.chat_template).read_text(encoding="utf-8") if cfg.chat_template else None
        self.base = base or load_base(cfg.base, chat_template=template)
        tok = self.base.tokenizer
        self.bos_id = tok.bos_token_id
        self.pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        enc = lambda r: encode_pair(tok, r, max_prompt_tokens=cfg.max_prompt_tokens,  # noqa: E731
                                    max_response_tokens=cfg.max_response_tokens)
        self.train_enc = [enc(r) for r in self.train_rows]
        self.test_enc = [enc(r) for r in self.test_rows]
        self.n_soft = 0 if cfg.mode == "pooled" else cfg.n_user_tokens

        model = self.base.model
        for p in model.parameters():
            p.requires_grad_(False)
        user_model = build_user_model(cfg.mode, n_users=self.n_users, n_tokens=cfg.n_user_tokens,
                                      n_clusters=cfg.n_clusters, embedding=model.get_input_embeddings().weight,
                                      seed=cfg.seed)
        lm = self._add_lora(model)
        self.policy = Policy(lm, user_model, chunk=cfg.logit_chunk).to(self.dist.device)
        self.ddp = self._wrap_ddp(self.policy)

        lora_params = [p for n, p in self.policy.lm.named_parameters() if p.requires_grad]
        groups = [{"params": lora_params, "lr": cfg.lr}]
        if user_model is not None:
            groups.append({"params": list(user_model.parameters()), "lr": cfg.user_lr or cfg.lr})
        self.optimizer = torch.optim.AdamW(groups, weight_decay=0.0)
        self.micro = self._micro_batches()
        per_step = cfg.grad_accum * self.dist.world
        self.total_steps = cfg.max_steps or max(1, len(self.micro) // per_step)
        self.scheduler = cosine_with_warmup(self.optimizer, cfg.warmup_steps, self.total_steps)
        self.step = 0
        self.history: list[dict] = []
        self.autocast = self._autocast()
        self.ref_train, self.ref_test = self._reference_logps()

    # --- setup ---------------------------------------------------------------------------------

    def _add_lora(self, model):
        from peft import LoraConfig, get_peft_model

        names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
        targets = [t for t in self.cfg.lora_targets if t in names]
        if not targets:
            raise InputError(f"none of the LoRA targets {list(self.cfg.lora_targets)} exist in the base model", field="--base")
        lcfg = LoraConfig(r=self.cfg.lora_r, lora_alpha=self.cfg.lora_alpha, lora_dropout=self.cfg.lora_dropout,
                          bias="none", target_modules=targets, task_type="CAUSAL_LM")
        return get_peft_model(model, lcfg)

    def _wrap_ddp(self, policy):
        if not self.dist.enabled:
            return policy
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.dist.device.index] if self.dist.device.type == "cuda" else None
        return DistributedDataParallel(policy, device_ids=ids)

    def _autocast(self):
        p, dev = self.cfg.precision, self.dist.device
        use_bf16 = p == "bf16" or (p == "auto" and dev.type == "cuda" and torch.cuda.is_bf16_supported())
        if use_bf16:
            return lambda: torch.autocast(device_type=dev.type, dtype=torch.bfloat16)
        return nullcontext

    def _micro_batches(self) -> list[list[int]]:
        """Seeded order of micro-batches across epochs (enough epochs for --max-steps)."""
        cfg, n = self.cfg, len(self.train_enc)
        per_epoch = math.ceil(n / cfg.batch_size)
        need = cfg.max_steps * cfg.grad_accum * self.dist.world if cfg.max_steps else per_epoch * cfg.epochs
        out: list[list[int]] = []
        epoch = 0
        while len(out) < need:
            g = torch.Generator().manual_seed(cfg.seed * 1009 + epoch)
            perm = torch.randperm(n, generator=g).tolist()
            out += [perm[i:i + cfg.batch_size] for i in range(0, n, cfg.batch_size)]
            epoch += 1
        return out[:need]

    # --- batches and log-probs -------------------------------------------------------------------

    def _pair_batch(self, encs: Sequence[EncodedPair], *, soft: bool) -> Batch:
        n_soft = self.n_soft if soft else 0
        seqs = [(e.user_index if n_soft else 0, e.prompt_ids, e.chosen_ids) for e in encs]
        seqs += [(e.user_index if n_soft else 0, e.prompt_ids, e.rejected_ids) for e in encs]
        return make_batch(seqs, bos_id=self.bos_id, pad_id=self.pad_id, n_soft=n_soft).to(self.dist.device)

    def pair_logps(self, encs: Sequence[EncodedPair], *, reference: bool = False, module=None) -> tuple[torch.Tensor, torch.Tensor]:
        module = module or self.policy
        batch = self._pair_batch(encs, soft=not reference)
        with self.autocast():
            lp = module(batch, reference=reference)
        return lp[: len(encs)], lp[len(encs):]

    def _sharded_logps(self, encs: list[EncodedPair], *, reference: bool) -> torch.Tensor:
        """[n, 2] (chosen, rejected) log-probs without grad, sharded over processes."""
        out = torch.zeros(len(encs), 2, device=self.dist.device)
        # Batches of similar lengths waste little on padding.
        size = lambda i: len(encs[i].prompt_ids) + max(len(encs[i].chosen_ids), len(encs[i].rejected_ids))  # noqa: E731
        mine = sorted(range(self.dist.rank, len(encs), self.dist.world), key=size)
        bs = self.cfg.eval_batch_size
        self.policy.eval()
        with torch.no_grad():
            for s in range(0, len(mine), bs):
                idx = mine[s:s + bs]
                c, r = self.pair_logps([encs[i] for i in idx], reference=reference)
                out[idx, 0], out[idx, 1] = c, r
        return self.dist.all_reduce_sum(out).cpu()

    def _ref_setting(self) -> str:
        """What, besides the token ids, decides a reference log-prob."""
        return json.dumps([self.cfg.base, self.autocast is not nullcontext])

    def _data_key(self) -> str:
        h = hashlib.sha256()
        h.update(json.dumps([self.cfg.base, self.cfg.max_prompt_tokens, self.cfg.max_response_tokens]).encode())
        for e in self.train_enc + self.test_enc:
            h.update(repr((e.prompt_ids, e.chosen_ids, e.rejected_ids)).encode())
        return h.hexdigest()

    @staticmethod
    def _pair_key(e: EncodedPair) -> str:
        return hashlib.sha1(repr((e.prompt_ids, e.chosen_ids, e.rejected_ids)).encode()).hexdigest()

    def _reference_logps(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Computed once (the reference is frozen and sees the same prompts every epoch) and kept
        on disk beside the checkpoint so a resumed run does not recompute it. Each distinct
        (prompt, chosen, rejected) is scored once: a generic-user copy has its original's reference
        log-probs (the reference sees no user tokens), and with --ref-cache so does every run on the
        same base and pairs (individual and pooled, say)."""
        path = self.workdir / "train" / REF_CACHE
        key = self._data_key()
        if path.is_file():
            cached = torch.load(path, weights_only=True)
            if cached.get("key") == key:
                return cached["train"], cached["test"]
        t0 = time.time()
        shared_path = Path(self.cfg.ref_cache) if self.cfg.ref_cache else None
        shared: dict[str, list[float]] = {}
        if shared_path and shared_path.is_file():
            stored = json.loads(shared_path.read_text(encoding="utf-8"))
            if stored.get("setting") == self._ref_setting():
                shared = stored["logps"]
        encs = self.train_enc + self.test_enc
        keys = [self._pair_key(e) for e in encs]
        todo: dict[str, EncodedPair] = {}
        for k, e in zip(keys, encs):
            if k not in shared and k not in todo:
                todo[k] = e
        if todo:
            fresh = self._sharded_logps(list(todo.values()), reference=True)
            shared.update({k: fresh[i].tolist() for i, k in enumerate(todo)})
        both = torch.tensor([shared[k] for k in keys], dtype=torch.float32).reshape(len(encs), 2)
        train, test = both[: len(self.train_enc)], both[len(self.train_enc):]
        if self.dist.main:
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"key": key, "train": train, "test": test}, str(path) + ".tmp")
            os.replace(str(path) + ".tmp", path)
            if shared_path and todo:
                shared_path.parent.mkdir(parents=True, exist_ok=True)
                tmp = shared_path.with_name(shared_path.name + ".tmp")
                tmp.write_text(json.dumps({"setting": self._ref_setting(), "logps": shared}), encoding="utf-8")
                os.replace(tmp, shared_path)
        self.log("reference", pairs=len(encs), scored=len(todo), seconds=round(time.time() - t0, 3))
        return train, test

    # --- training ------------------------------------------------------------------------------

    def _micro_loss(self, idx: list[int]) -> tuple[torch.Tensor, int]:
        encs = [self.train_enc[i] for i in idx]
        pc, pr = self.pair_logps(encs, module=self.ddp)
        ref = self.ref_train[idx].to(pc.device)
        terms = dpo_terms(pc, pr, ref[:, 0], ref[:, 1], self.cfg.beta)
        if self.cfg.mode == "pooled":
            loss = terms.mean()
        else:
            users = torch.tensor([e.user_index for e in encs], device=terms.device)
            loss = pdpo_loss(terms, users, self.cfg.alpha)
        ntok = sum(1 + self.n_soft + len(e.prompt_ids) + len(e.chosen_ids) + 1 + self.n_soft + len(e.prompt_ids)
                   + len(e.rejected_ids) for e in encs)
        return loss, ntok

    def train_step(self) -> dict:
        cfg, d = self.cfg, self.dist
        self.policy.train()
        t0 = time.time()
        total, ntok = 0.0, 0
        for k in range(cfg.grad_accum):
            m = (self.step * cfg.grad_accum + k) * d.world + d.rank
            idx = self.micro[m % len(self.micro)]
            sync = nullcontext() if (not d.enabled or k == cfg.grad_accum - 1) else self.ddp.no_sync()
            with sync:
                loss, n = self._micro_loss(idx)
                (loss / cfg.grad_accum).backward()
            total += loss.item() / cfg.grad_accum
            ntok += n
        params = [p for g in self.optimizer.param_groups for p in g["params"]]
        grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm).item()
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        dt = time.time() - t0
        rec = {"step": self.step, "total": self.total_steps, "loss": total, "grad_norm": grad_norm,
               "lr": self.scheduler.get_last_lr()[0], "tokens": ntok * d.world, "seconds": dt,
               "tokens_per_s": ntok * d.world / dt if dt > 0 else None}
        self.history.append(rec)
        return rec

    def evaluate(self) -> dict:
        if not self.test_enc:
            return {"n_pairs": 0}
        pol = self._sharded_logps(self.test_enc, reference=False)
        b = self.cfg.beta
        rc = (b * (pol[:, 0] - self.ref_test[:, 0])).tolist()
        rr = (b * (pol[:, 1] - self.ref_test[:, 1])).tolist()
        losses = dpo_terms(pol[:, 0], pol[:, 1], self.ref_test[:, 0], self.ref_test[:, 1], b).tolist()
        return summarise(self.test_rows, rc, rr, losses)

    def run(self) -> dict | None:
        """Train to the end (or --stop-after); returns the final evaluation summary."""
        cfg, d = self.cfg, self.dist
        tdir = self.workdir / "train"
        tdir.mkdir(parents=True, exist_ok=True)
        start = time.time()
        last_eval = None
        while self.step < self.total_steps:
            rec = self.train_step()
            if d.main:
                with open(tdir / "train_log.jsonl", "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(rec) + "\n")
                if rec["step"] == 1 or rec["step"] % max(1, cfg.log_every) == 0 or rec["step"] == self.total_steps:
                    eta = (time.time() - start) / (self.step - self._start_step) * (self.total_steps - self.step)
                    self.log("progress", **{k: rec[k] for k in ("step", "total", "loss", "lr", "tokens_per_s")}, eta_s=round(eta, 1))
            if cfg.eval_every and self.step % cfg.eval_every == 0 and self.step < self.total_steps:
                last_eval = self._eval_and_log(tdir)
            if (cfg.save_every and self.step % cfg.save_every == 0) or self.step == cfg.stop_after:
                self.save_checkpoint()
            if cfg.stop_after is not None and self.step >= cfg.stop_after and self.step < self.total_steps:
                self.log("stopped", step=self.step)
                return None
        summary = self._eval_and_log(tdir)
        self.save_checkpoint()
        self.save_trained()
        if d.main:
            write_json_atomic(tdir / "eval_summary.json", {"step": self.step, **summary, "history_last": last_eval and last_eval.get("accuracy")})
        return summary

    _start_step = 0

    def _eval_and_log(self, tdir: Path) -> dict:
        summary = self.evaluate()
        if self.dist.main:
            with open(tdir / "eval.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"step": self.step, **summary}) + "\n")
            self.log("eval", step=self.step, loss=summary.get("loss"), accuracy=summary.get("accuracy"),
                     accuracy_seen=summary.get("accuracy_seen"), accuracy_unseen=summary.get("accuracy_unseen"))
        return summary

    # --- state ---------------------------------------------------------------------------------

    def trainable_state(self) -> dict[str, torch.Tensor]:
        return {n: p.detach().cpu().clone() for n, p in self.policy.named_parameters() if p.requires_grad}

    def save_checkpoint(self) -> None:
        self.dist.barrier()
        if not self.dist.main:
            return
        path = self.workdir / "train" / CHECKPOINT
        state = {
            "step": self.step, "params": self.trainable_state(), "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(), "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "numpy_rng": np.random.get_state(), "python_rng": random.getstate(),
            "config": self.cfg.to_json(),
        }
        torch.save(state, str(path) + ".tmp")
        os.replace(str(path) + ".tmp", path)
        self.log("checkpoint", step=self.step, path=str(path))

    def load_checkpoint(self) -> bool:
        path = self.workdir / "train" / CHECKPOINT
        if not path.is_file():
            return False
        state = torch.load(path, weights_only=False, map_location="cpu")
        for key in ("mode", "n_user_tokens", "n_clusters", "seed", "batch_size", "grad_accum", "lora_r", "base", "pairs"):
            if state["config"].get(key) != getattr(self.cfg, key):
                raise InputError(f"checkpoint was trained with {key}={state['config'].get(key)!r}, now {getattr(self.cfg, key)!r}",
                                 file=str(path), hint="resume with the same settings, or start afresh without --resume")
        params = dict(self.policy.named_parameters())
        with torch.no_grad():
            for n, t in state["params"].items():
                params[n].copy_(t)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"] is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        np.random.set_state(state["numpy_rng"])
        random.setstate(state["python_rng"])
        self.step = self._start_step = state["step"]
        self.log("resumed", step=self.step)
        return True

    def save_trained(self) -> None:
        """What export needs: LoRA weights (PEFT format), user vectors for every index, settings."""
        if not self.dist.main:
            return
        out = self.workdir / "train" / "trained"
        out.mkdir(parents=True, exist_ok=True)
        self.policy.lm.save_pretrained(str(out / "lora"))
        users: dict[str, int] = {}
        for r in self.train_rows + self.test_rows:
            if r.seen and r.user_index > 0:
                users[r.participant_id] = r.user_index
        info = {"mode": self.cfg.mode, "n_user_tokens": self.n_soft, "n_users": self.n_users, "users": users,
                "base": self.cfg.base, "chat_template": self.base.chat_template, "config": self.cfg.to_json(),
                "steps": self.step}
        if self.policy.user_model is not None:
            with torch.no_grad():
                vecs = self.policy.user_model.all_users().float().cpu()
            torch.save({"vectors": vecs, "state": self.policy.user_model.state_dict()}, out / "user_model.pt")
        write_json_atomic(out / "trained.json", info)
        write_json_atomic(out / "probes.json", self.probes())

    def probes(self, n_seen: int = 2, n_unseen: int = 1) -> list[dict]:
        """A few held-out chosen responses with the trainer's own log-prob, so the exported
        artefact can be checked by any engine (export turns them into token ids)."""
        pick = [i for i, r in enumerate(self.test_rows) if r.seen][:n_seen]
        pick += [i for i, r in enumerate(self.test_rows) if not r.seen][:n_unseen]
        if not pick and self.train_rows:
            pick = [0]
            rows, encs = self.train_rows, self.train_enc
        else:
            rows, encs = self.test_rows, self.test_enc
        out = []
        self.policy.eval()
        with torch.no_grad():
            for i in pick:
                e = encs[i]
                lp = self.pair_logps([e])[0].item()
                out.append({"participant_id": rows[i].participant_id, "user_index": e.user_index if self.n_soft else 0,
                            "prompt_ids": list(e.prompt_ids), "response_ids": list(e.chosen_ids), "logprob": lp})
        return out


def log_to_stderr(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}), file=sys.stderr, flush=True)
