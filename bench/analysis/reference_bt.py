"""Independent reference for prismx's Bradley-Terry fit (src/analysis/stats/bt.ts).

Generates a seeded battle table (with ties) and fits Bradley-Terry as a statsmodels logistic
regression: one column per arm except the anchor (+1 for the left arm, -1 for the right), no
intercept; a tie is two rows weighted 1/2 each (one won, one lost), as Chatbot Arena counts ties.
Writes fixtures/bt-reference-battles.csv and fixtures/bt-reference-expected.json, which
src/analysis/stats/bt.test.ts compares against to 1e-6.

Run once:  python bench/analysis/reference_bt.py   (needs numpy, pandas, statsmodels)
"""
import json
import pathlib

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm

HERE = pathlib.Path(__file__).parent / "fixtures"
ARMS = ["generic", "pdpo", "pooled", "prompt", "zeta"]
TRUE = {"generic": 0.0, "pdpo": 0.7, "pooled": 0.5, "prompt": 0.2, "zeta": -0.4}

rng = np.random.default_rng(20260513)
rows = []
for n in range(2400):
    i, j = rng.choice(len(ARMS), size=2, replace=False)
    a, b = ARMS[i], ARMS[j]
    p = 1 / (1 + np.exp(-(TRUE[a] - TRUE[b] + 0.1)))
    u = rng.random()
    winner = "tie" if u < 0.12 else ("left" if rng.random() < p else "right")
    rows.append({"judge": f"p{rng.integers(0, 60):02d}", "item": f"q{n}", "left": a, "right": b, "winner": winner})
battles = pd.DataFrame(rows)
HERE.mkdir(exist_ok=True)
battles.to_csv(HERE / "bt-reference-battles.csv", index=False)

anchor = "generic"
cols = [a for a in ARMS if a != anchor]
X, y, w = [], [], []
for r in battles.itertuples():
    x = np.zeros(len(cols))
    if r.left != anchor:
        x[cols.index(r.left)] += 1
    if r.right != anchor:
        x[cols.index(r.right)] -= 1
    if r.winner == "tie":
        X += [x, x]; y += [1, 0]; w += [0.5, 0.5]
    else:
        X.append(x); y.append(1 if r.winner == "left" else 0); w.append(1.0)
model = sm.GLM(np.array(y), np.array(X), family=sm.families.Binomial(), freq_weights=np.array(w))
fit = model.fit(tol=1e-14, maxiter=200)
expected = {
    "anchor": anchor,
    "statsmodels": statsmodels.__version__,
    "coef": {anchor: 0.0, **{c: float(v) for c, v in zip(cols, fit.params)}},
    "se": {anchor: 0.0, **{c: float(v) for c, v in zip(cols, fit.bse)}},
    "loglik": float(fit.llf),
}
(HERE / "bt-reference-expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
print(json.dumps(expected, indent=2, sort_keys=True))
