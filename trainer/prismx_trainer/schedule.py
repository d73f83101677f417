"""Cosine learning-rate schedule with linear warm-up (as the reference recipe uses)."""

from __future__ import annotations

import math

from torch.optim.lr_scheduler import LambdaLR


def cosine_with_warmup(optimizer, warmup: int, total: int) -> LambdaLR:
    warmup = min(warmup, max(total - 1, 0))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return LambdaLR(optimizer, factor)
