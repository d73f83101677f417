"""Peer for bench/analysis/bt_speed.ts: Chatbot Arena's own bootstrap of Bradley-Terry ("MLE Elo")
ratings, from the `fschat` package (fastchat.serve.monitor.elo_analysis), on the same battles.

Usage: python bench/analysis/fschat_peer.py BATTLES.csv ROUNDS
Prints one JSON line: {"seconds": ..., "rounds": ..., "ratings": {...}}.

fschat's elo_analysis imports fastchat.model.model_registry only to show model links on its
leaderboard; that package pulls in torch. When torch is absent, a stub module stands in for the
registry: the functions timed here (get_bootstrap_result, compute_elo_mle_with_tie) are fschat's own,
unchanged. Needs: fschat==0.2.36, pandas, numpy, scikit-learn, plotly, tqdm, pytz, psutil.
"""
import json
import os
import sys
import time
import types

try:
    import torch  # noqa: F401
except ImportError:
    model_pkg = types.ModuleType("fastchat.model")
    model_pkg.__path__ = []
    registry = types.ModuleType("fastchat.model.model_registry")
    registry.get_model_info = lambda name: None
    sys.modules["fastchat.model"] = model_pkg
    sys.modules["fastchat.model.model_registry"] = registry

os.environ.setdefault("TQDM_DISABLE", "1")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from fastchat.serve.monitor import elo_analysis  # noqa: E402

path, rounds = sys.argv[1], int(sys.argv[2])
df = pd.read_csv(path)
battles = pd.DataFrame({
    "model_a": df["left"],
    "model_b": df["right"],
    "winner": df["winner"].map({"left": "model_a", "right": "model_b", "tie": "tie"}),
})
np.random.seed(0)
start = time.perf_counter()
boot = elo_analysis.get_bootstrap_result(battles, elo_analysis.compute_elo_mle_with_tie, rounds)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rounds": rounds, "ratings": {k: float(v) for k, v in boot.median().items()}}))
