"""The policy forward: `BOS + soft tokens + prompt + response`, built directly as input embeddings
(no in-sequence padding), and the summed log-probability of the response tokens only. Logits are
computed for response positions alone, in chunks, and recomputed in backward, so a 262k-token
vocabulary never materialises a [sequence, vocab] tensor."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint


@dataclass
class Batch:
    """Right-padded sequences; `response_pos` are the positions whose *next* token is a response
    token, `targets` those tokens, `owner` the sequence each belongs to."""
    input_ids: torch.Tensor        # [B, L] (soft positions hold pad and are overwritten)
    attention_mask: torch.Tensor   # [B, L]
    users: torch.Tensor            # [B]
    n_soft: int
    row: torch.Tensor              # [N]
    pos: torch.Tensor              # [N]
    targets: torch.Tensor          # [N]
    n_tokens: int                  # total tokens, for throughput

    def to(self, device) -> "Batch":
        return Batch(self.input_ids.to(device), self.attention_mask.to(device), self.users.to(device),
                     self.n_soft, self.row.to(device), self.pos.to(device), self.targets.to(device), self.n_tokens)


def make_batch(seqs: Sequence[tuple[int, Sequence[int], Sequence[int]]], *, bos_id: int, pad_id: int,
               n_soft: int) -> Batch:
    """seqs: (user_index, prompt_ids, response_ids)."""
    lengths = [1 + n_soft + len(p) + len(r) for _, p, r in seqs]
    L = max(lengths)
    ids = torch.full((len(seqs), L), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), L), dtype=torch.long)
    rows, poss, tgts = [], [], []
    for b, (_, p, r) in enumerate(seqs):
        toks = [bos_id] + [pad_id] * n_soft + list(p) + list(r)
        ids[b, : len(toks)] = torch.tensor(toks)
        mask[b, : len(toks)] = 1
        start = 1 + n_soft + len(p)
        for j, t in enumerate(r):
            rows.append(b)
            poss.append(start + j - 1)
            tgts.append(t)
    users = torch.tensor([u for u, _, _ in seqs], dtype=torch.long)
    return Batch(ids, mask, users, n_soft, torch.tensor(rows, dtype=torch.long), torch.tensor(poss, dtype=torch.long),
                 torch.tensor(tgts, dtype=torch.long), sum(lengths))


def _chunk_logp(h: torch.Tensor, targets: torch.Tensor, weight: torch.Tensor, bias, softcap) -> torch.Tensor:
    logits = torch.nn.functional.linear(h, weight, bias).float()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    return logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)


def scale_like_embedding(embedding: nn.Module, rows: torch.Tensor) -> torch.Tensor:
    """Some architectures (Gemma) multiply looked-up rows by a scale; soft tokens get the same
    treatment so that an exported raw row behaves exactly like the trained soft token."""
    scale = getattr(embedding, "embed_scale", None)
    return rows * scale.to(rows.dtype) if scale is not None else rows


class Policy(nn.Module):
    """Wraps the (LoRA) causal LM and the user model; one module so DDP can wrap it whole."""

    def __init__(self, lm: nn.Module, user_model: nn.Module | None, *, chunk: int = 512) -> None:
        super().__init__()
        self.lm = lm
        self.user_model = user_model
        self.chunk = chunk

    def _parts(self):
        causal = self.lm.get_base_model() if hasattr(self.lm, "get_base_model") else self.lm
        decoder = getattr(causal, causal.base_model_prefix)
        head = causal.get_output_embeddings()
        softcap = getattr(causal.config, "final_logit_softcapping", None)
        return causal, decoder, head, softcap

    def forward(self, batch: Batch, *, reference: bool = False) -> torch.Tensor:
        """Summed response log-prob per sequence [B]. reference=True: LoRA off, no soft tokens."""
        causal, decoder, head, softcap = self._parts()
        embedding = causal.get_input_embeddings()
        assert not (reference and batch.n_soft), "the reference sees the prompt without soft tokens"
        adapter_off = self.lm.disable_adapter() if reference and hasattr(self.lm, "disable_adapter") else nullcontext()
        with adapter_off:
            x = embedding(batch.input_ids)
            if batch.n_soft:
                soft = self.user_model(batch.users).to(x.dtype)
                soft = scale_like_embedding(embedding, soft)
                x = torch.cat([x[:, :1], soft, x[:, 1 + batch.n_soft:]], dim=1)
            hidden = decoder(inputs_embeds=x, attention_mask=batch.attention_mask, use_cache=False).last_hidden_state
            h = hidden[batch.row, batch.pos]
            parts = []
            for s in range(0, h.shape[0], self.chunk):
                hc, tc = h[s:s + self.chunk], batch.targets[s:s + self.chunk]
                if torch.is_grad_enabled():
                    parts.append(checkpoint(_chunk_logp, hc, tc, head.weight, head.bias, softcap, use_reentrant=False))
                else:
                    parts.append(_chunk_logp(hc, tc, head.weight, head.bias, softcap))
            token_lp = torch.cat(parts) if parts else h.new_zeros(0)
        out = torch.zeros(batch.input_ids.shape[0], dtype=torch.float32, device=token_lp.device)
        return out.index_add(0, batch.row, token_lp.float())
