"""User models: map a user index to T soft-token vectors in the base model's raw input-embedding
space (before any embedding scale the architecture applies), so an exported vector is exactly the
row a reserved token gets. Index 0 is the generic user."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _vocab_rows(embedding: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    # Distinct random vocabulary rows, so soft tokens start on the manifold of real embeddings.
    rng = np.random.RandomState(seed)
    ids = rng.choice(embedding.shape[0], size=n, replace=n > embedding.shape[0])
    return embedding.detach()[torch.as_tensor(ids)].clone().float()


class IndividualUserModel(nn.Module):
    """e_0 = generic rows; e_u = e_0 + o_u for a known user u >= 1."""

    kind = "individual"

    def __init__(self, n_users: int, n_tokens: int, embedding: torch.Tensor, seed: int) -> None:
        super().__init__()
        self.n_users, self.n_tokens = n_users, n_tokens
        rows = _vocab_rows(embedding, (n_users + 1) * n_tokens, seed)
        self.table = nn.Parameter(rows.view(n_users + 1, n_tokens, -1))

    def forward(self, users: torch.Tensor) -> torch.Tensor:
        generic = self.table[0].unsqueeze(0)
        offset = self.table[users] * (users > 0).to(self.table.dtype).view(-1, 1, 1)
        return generic + offset

    def all_users(self) -> torch.Tensor:
        return self(torch.arange(self.n_users + 1, device=self.table.device))


class ClusterUserModel(nn.Module):
    """e_u = sum_k softmax(W_u)_k C_k; the generic user is row 0 of W."""

    kind = "cluster"

    def __init__(self, n_users: int, n_tokens: int, n_clusters: int, embedding: torch.Tensor, seed: int) -> None:
        super().__init__()
        self.n_users, self.n_tokens, self.n_clusters = n_users, n_tokens, n_clusters
        rows = _vocab_rows(embedding, n_clusters * n_tokens, seed)
        self.clusters = nn.Parameter(rows.view(n_clusters, n_tokens, -1))
        g = torch.Generator().manual_seed(seed)
        self.weights = nn.Parameter(torch.randn(n_users + 1, n_clusters, generator=g))

    def forward(self, users: torch.Tensor) -> torch.Tensor:
        mix = torch.softmax(self.weights[users], dim=-1)
        return torch.einsum("bk,ktd->btd", mix, self.clusters)

    def all_users(self) -> torch.Tensor:
        return self(torch.arange(self.n_users + 1, device=self.weights.device))


def build_user_model(kind: str, *, n_users: int, n_tokens: int, n_clusters: int,
                     embedding: torch.Tensor, seed: int) -> nn.Module | None:
    if kind == "individual":
        return IndividualUserModel(n_users, n_tokens, embedding, seed)
    if kind == "cluster":
        return ClusterUserModel(n_users, n_tokens, n_clusters, embedding, seed)
    return None
