"""Data-parallel plumbing: the same entry point runs alone or under torchrun / accelerate
(WORLD_SIZE > 1 → torch.distributed with DDP; NCCL on GPUs, Gloo on CPUs)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as tdist


@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    def all_reduce_sum(self, t: torch.Tensor) -> torch.Tensor:
        if self.enabled:
            tdist.all_reduce(t, op=tdist.ReduceOp.SUM)
        return t

    def barrier(self) -> None:
        if self.enabled:
            tdist.barrier()


def setup(device_arg: str = "auto") -> Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and device_arg in ("auto", "cuda")
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1 and not tdist.is_initialized():
        tdist.init_process_group(backend="nccl" if cuda else "gloo")
    return Dist(rank=rank, world=world, device=device)


def teardown(d: Dist) -> None:
    if d.enabled and tdist.is_initialized():
        tdist.destroy_process_group()
