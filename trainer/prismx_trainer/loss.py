"""Sigmoid DPO with the P-DPO known/generic weighting."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def dpo_terms(pc: torch.Tensor, pr: torch.Tensor, rc: torch.Tensor, rr: torch.Tensor, beta: float) -> torch.Tensor:
    """Per-pair loss -log σ(β[(πc − refc) − (πr − refr)])."""
    return -F.logsigmoid(beta * ((pc - rc) - (pr - rr)))


def pdpo_loss(terms: torch.Tensor, users: torch.Tensor, alpha: float) -> torch.Tensor:
    """α·mean(known users) + (1−α)·mean(generic copies); a term with no example in the batch is
    dropped, not renormalised (as in the reference recipe)."""
    known = users > 0
    loss = terms.new_zeros(())
    if known.any():
        loss = loss + alpha * terms[known].mean()
    if (~known).any():
        loss = loss + (1.0 - alpha) * terms[~known].mean()
    return loss
