"""Independent reference for prismx's random-intercept logistic GLMM (src/analysis/stats/glmm.ts).

Generates a seeded data set of pairwise choices (arm-difference columns, a position intercept, a
random intercept per participant), then maximises the *exact* marginal likelihood, integrating the
random intercept by 60-point Gauss-Hermite quadrature, with scipy (BFGS). prismx uses the Laplace
approximation (as lme4's nAGQ = 1), so agreement is expected to about 1e-2, not to rounding.
Writes fixtures/glmm-reference-data.csv and fixtures/glmm-reference-expected.json.

Run once:  python bench/analysis/reference_glmm.py   (needs numpy, pandas, scipy)
"""
import json
import pathlib

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import minimize
from scipy.special import log_expit

HERE = pathlib.Path(__file__).parent / "fixtures"
rng = np.random.default_rng(7)
P, PER = 150, 30
beta_true = np.array([0.3, 0.5, 0.2, -0.4])  # intercept (position), arm1, arm2, arm3 vs arm0
sigma_true = 0.8
rows = []
for p in range(P):
    u = rng.normal(0, sigma_true)
    for _ in range(PER):
        a, b = rng.choice(4, size=2, replace=False)
        x = np.zeros(4)
        x[0] = 1
        if a > 0: x[a] += 1
        if b > 0: x[b] -= 1
        y = float(rng.random() < 1 / (1 + np.exp(-(x @ beta_true + u))))
        rows.append({"participant": p, "x0": x[0], "x1": x[1], "x2": x[2], "x3": x[3], "y": y})
df = pd.DataFrame(rows)
HERE.mkdir(exist_ok=True)
df.to_csv(HERE / "glmm-reference-data.csv", index=False)

X = df[["x0", "x1", "x2", "x3"]].to_numpy()
y = df["y"].to_numpy()
groups = df["participant"].to_numpy()
nodes, weights = np.polynomial.hermite.hermgauss(60)

def negloglik(theta):
    beta, log_sigma = theta[:4], theta[4]
    sigma = np.exp(log_sigma)
    eta = X @ beta
    total = 0.0
    for g in np.unique(groups):
        m = groups == g
        u = np.sqrt(2) * sigma * nodes  # change of variables for N(0, sigma^2)
        e = eta[m][:, None] + u[None, :]
        ll = (y[m][:, None] * log_expit(e) + (1 - y[m][:, None]) * log_expit(-e)).sum(0)
        mx = ll.max()
        total += mx + np.log((weights * np.exp(ll - mx)).sum() / np.sqrt(np.pi))
    return -total

fit = minimize(negloglik, np.r_[np.zeros(4), np.log(0.5)], method="BFGS", options={"gtol": 1e-7})
expected = {"beta": fit.x[:4].tolist(), "sigma": float(np.exp(fit.x[4])), "loglik": float(-fit.fun), "scipy": scipy.__version__, "quadrature_points": 60}
(HERE / "glmm-reference-expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
print(json.dumps(expected, indent=2))
