"""A synthetic cohort with planted preferences, as PairRows: most participants prefer one style of
answer, a minority prefer the other. Pooled DPO can only learn the majority's taste; a model that
knows who is asking can learn both. Used by the learning test and the benchmark."""

from __future__ import annotations

import json
import random
from pathlib import Path

TOPICS = ("cats", "dogs", "weather", "music", "food", "travel", "science", "history", "sport", "books",
          "films", "code", "maths", "health", "money", "work", "family", "school")
ASKS = ("tell me about {t}", "what about {t}?", "explain {t} please", "how is {t}?", "help me with {t}")


def style_a(topic: str, rng: random.Random) -> str:
    return f"sure, {topic} is {rng.choice(['good', 'great', 'nice'])}. alpha alpha"


def style_b(topic: str, rng: random.Random) -> str:
    return f"{topic}: {rng.choice(['maybe', 'fine', 'ok'])}, beta beta"


def cohort(*, n_majority: int = 6, n_minority: int = 2, n_unseen: int = 2, dialogs_per_user: int = 10,
           test_fraction: float = 0.3, seed: int = 0) -> list[dict]:
    """Rows as dicts (PairRow fields). Participant ids say the planted taste: 'maj-*' prefer style
    A, 'min-*' style B; unseen users ('new-*') are majority-like and appear only in test."""
    rng = random.Random(seed)
    rows: list[dict] = []
    people = [(f"maj-{i}", "a") for i in range(n_majority)] + [(f"min-{i}", "b") for i in range(n_minority)]
    rng.shuffle(people)
    index = {pid: i + 1 for i, (pid, _) in enumerate(people)}
    for pid, taste in people + [(f"new-{i}", "a") for i in range(n_unseen)]:
        seen = pid in index
        n_test = max(1, round(dialogs_per_user * test_fraction))
        for d in range(dialogs_per_user):
            topic = rng.choice(TOPICS)
            prompt = [{"role": "user", "content": rng.choice(ASKS).format(t=topic)}]
            a, b = style_a(topic, rng), style_b(topic, rng)
            chosen, rejected = (a, b) if taste == "a" else (b, a)
            split = "test" if (not seen or d < n_test) else "train"
            base = {"participant_id": pid, "conversation_id": f"{pid}-c{d}", "turn": 0, "split": split,
                    "seen": seen, "prompt": prompt, "user_info": None, "chosen": chosen, "rejected": rejected}
            rows.append({"pair_id": f"{pid}-c{d}-t0", "user_index": index.get(pid, 0), "generic_copy": False, **base})
            if split == "train":
                rows.append({"pair_id": f"{pid}-c{d}-t0-g", "user_index": 0, "generic_copy": True, **base})
    return rows


def write_jsonl(rows: list[dict], path: str | Path) -> Path:
    path = Path(path)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
