/**
 * Mixed-effects logistic regression with a random intercept per participant, fitted by maximising
 * the Laplace approximation of the marginal likelihood (as lme4's glmer with nAGQ = 1):
 *
 *   logit P(y_i = 1 | u_p) = x_iᵀβ + u_p,   u_p ~ N(0, σ²)
 *
 * For pairwise judgements y = "the response at position 0 was chosen" (tie = ½), x holds the arm
 * difference columns (+1 left arm, −1 right arm, anchor arm dropped) and an intercept (the
 * population's position bias), so u_p is each participant's own lean towards one side; arm effects
 * are then estimated net of who judged. Inner modes by Newton, outer parameters (β, log σ) by BFGS,
 * standard errors from the numeric Hessian of the Laplace log-likelihood. Hand-written: no npm
 * package fits GLMMs.
 */
import { spdInverse } from "./linalg.js";
import { log1pExp, sigmoid } from "./distributions.js";
import { minimizeBfgs, numericHessian } from "./optimize.js";
import { fitLogistic } from "./logistic.js";

export interface GlmmInput {
  x: Float64Array;
  n: number;
  p: number;
  y: Float64Array;
  /** Cluster (participant) index per row, 0..nClusters−1. */
  cluster: Int32Array;
  nClusters: number;
  w?: Float64Array;
}

export interface GlmmFit {
  beta: Float64Array;
  se: Float64Array;
  cov: Float64Array | null;
  sigma: number;
  logLik: number;
  converged: boolean;
  iterations: number;
}

export function fitRandomInterceptLogistic(input: GlmmInput): GlmmFit {
  const { x, n, p, y, cluster, nClusters, w } = input;
  // Rows grouped by cluster, linear predictor cached per β.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => cluster[a]! - cluster[b]! || a - b);
  const start = new Int32Array(nClusters + 1);
  for (let i = 0; i < n; i++) start[cluster[i]! + 1]!++;
  for (let c = 0; c < nClusters; c++) start[c + 1]! += start[c]!;
  const rows = Int32Array.from(order);
  const eta = new Float64Array(n);

  const negLogLik = (theta: Float64Array): number => {
    const logSigma = theta[p]!;
    if (logSigma < -12 || logSigma > 4) return Infinity;
    const s2 = Math.exp(2 * logSigma);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += x[i * p + k]! * theta[k]!;
      eta[i] = s;
    }
    let total = 0;
    for (let c = 0; c < nClusters; c++) {
      // Every evaluation starts the inner Newton at 0, so the objective is a pure function of θ
      // (finite differences need that) and results never depend on evaluation history.
      let u = 0;
      let h = 0;
      for (let it = 0; it < 50; it++) {
        let g = -u / s2;
        h = 1 / s2;
        for (let r = start[c]!; r < start[c + 1]!; r++) {
          const i = rows[r]!;
          const mu = sigmoid(eta[i]! + u);
          const wi = w ? w[i]! : 1;
          g += wi * (y[i]! - mu);
          h += wi * mu * (1 - mu);
        }
        const step = g / h;
        u += step;
        if (Math.abs(step) < 1e-13) break;
      }
      let ll = -(u * u) / (2 * s2) - 0.5 * Math.log(s2);
      h = 1 / s2;
      for (let r = start[c]!; r < start[c + 1]!; r++) {
        const i = rows[r]!;
        const e = eta[i]! + u;
        const wi = w ? w[i]! : 1;
        ll += wi * (y[i]! * e - log1pExp(e));
        const mu = sigmoid(e);
        h += wi * mu * (1 - mu);
      }
      // Laplace: ∫ e^{g(u)} du ≈ e^{g(û)} √(2π / −g''(û)); the √(2π) cancels the prior's.
      total += ll - 0.5 * Math.log(h * s2) + 0.5 * Math.log(s2);
    }
    return -total;
  };

  const fixed = fitLogistic({ x, n, p, y, w });
  const theta0 = new Float64Array(p + 1);
  theta0.set(fixed.coef);
  theta0[p] = Math.log(0.5);
  const f = (t: Float64Array) => negLogLik(t);
  const opt = minimizeBfgs(f, theta0, { maxIter: 200, gtol: 1e-4 * Math.max(1, Math.sqrt(n)) });
  const hess = numericHessian(f, opt.x);
  const cov = spdInverse(hess, p + 1);
  const beta = opt.x.slice(0, p);
  const se = new Float64Array(p).map((_, k) => (cov ? Math.sqrt(Math.max(0, cov[k * (p + 1) + k]!)) : NaN));
  let covBeta: Float64Array | null = null;
  if (cov) {
    covBeta = new Float64Array(p * p);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) covBeta[a * p + b] = cov[a * (p + 1) + b]!;
  }
  return { beta, se, cov: covBeta, sigma: Math.exp(opt.x[p]!), logLik: -opt.f, converged: opt.converged, iterations: opt.iterations };
}
