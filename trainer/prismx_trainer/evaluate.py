"""Held-out evaluation: implicit-reward pairwise accuracy 1[r_chosen > r_rejected] with
r = β(log π − log π_ref), per participant (seen users with their own index, unseen users with the
generic index 0), plus pooled figures for seen and unseen users."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from .contracts import PairRow


def summarise(rows: Sequence[PairRow], rewards_chosen: Sequence[float], rewards_rejected: Sequence[float],
              losses: Sequence[float]) -> dict:
    per_user: dict[str, dict] = defaultdict(lambda: {"n": 0, "correct": 0, "seen": False, "user_index": 0})
    groups = {"seen": [0, 0], "unseen": [0, 0]}
    for row, rc, rr in zip(rows, rewards_chosen, rewards_rejected):
        hit = int(rc > rr)
        u = per_user[row.participant_id]
        u["n"] += 1
        u["correct"] += hit
        u["seen"] = row.seen
        u["user_index"] = row.user_index
        g = groups["seen" if row.seen else "unseen"]
        g[0] += 1
        g[1] += hit
    for u in per_user.values():
        u["accuracy"] = u["correct"] / u["n"]

    def macro(seen: bool):
        accs = [u["accuracy"] for u in per_user.values() if u["seen"] == seen]
        return sum(accs) / len(accs) if accs else None

    n = len(rows)
    return {
        "n_pairs": n,
        "loss": sum(losses) / n if n else None,
        "accuracy": sum(int(a > b) for a, b in zip(rewards_chosen, rewards_rejected)) / n if n else None,
        "accuracy_seen": groups["seen"][1] / groups["seen"][0] if groups["seen"][0] else None,
        "accuracy_unseen": groups["unseen"][1] / groups["unseen"][0] if groups["unseen"][0] else None,
        "accuracy_seen_user_mean": macro(True),
        "accuracy_unseen_user_mean": macro(False),
        "per_user": dict(sorted(per_user.items())),
    }
