/**
 * Weighted logistic regression by Newton–Raphson (IRLS) with step halving.
 *
 * Hand-written: npm has no maintained GLM fitter that takes fractional outcomes and weights, and
 * the analysis needs exactly that — a tie is y = ½ (equivalent to two half-weighted rows, one won
 * and one lost, as Chatbot Arena counts ties), and aggregated pair counts are weighted rows.
 * Checked against statsmodels to 1e-6 (bench/analysis/reference_bt.py, logistic.test.ts).
 */
import { cholesky, choleskySolve, spdInverse } from "./linalg.js";
import { log1pExp, sigmoid } from "./distributions.js";

export interface LogisticInput {
  /** Row-major n×p design matrix. */
  x: Float64Array;
  n: number;
  p: number;
  /** Outcome in [0, 1] (fractional for ties). */
  y: Float64Array;
  /** Row weights (default 1). */
  w?: Float64Array;
  /** L2 penalty on every coefficient (default 0: plain maximum likelihood). */
  ridge?: number;
  maxIter?: number;
  tol?: number;
  start?: Float64Array;
}

export interface LogisticFit {
  coef: Float64Array;
  /** Inverse observed information (row-major p×p); null when singular. */
  cov: Float64Array | null;
  logLik: number;
  iterations: number;
  converged: boolean;
}

function logLik(eta: Float64Array, y: Float64Array, w: Float64Array | undefined): number {
  let ll = 0;
  for (let i = 0; i < eta.length; i++) {
    const e = eta[i]!;
    const yi = y[i]!;
    // y log σ(e) + (1−y) log(1−σ(e)) = y·e − log(1+eᵉ)
    ll += (w ? w[i]! : 1) * (yi * e - log1pExp(e));
  }
  return ll;
}

function linear(x: Float64Array, n: number, p: number, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * p;
    for (let k = 0; k < p; k++) s += x[o + k]! * b[k]!;
    out[i] = s;
  }
}

export function fitLogistic(input: LogisticInput): LogisticFit {
  const { x, n, p, y, w } = input;
  const ridge = input.ridge ?? 0;
  const maxIter = input.maxIter ?? 100;
  const tol = input.tol ?? 1e-12;
  let b = input.start ? Float64Array.from(input.start) : new Float64Array(p);
  const eta = new Float64Array(n);
  linear(x, n, p, b, eta);
  let ll = logLik(eta, y, w) - 0.5 * ridge * dot(b, b);
  const grad = new Float64Array(p);
  const hess = new Float64Array(p * p);
  let converged = false;
  let iter = 0;
  for (; iter < maxIter; iter++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      const mu = sigmoid(eta[i]!);
      const wi = w ? w[i]! : 1;
      const r = wi * (y[i]! - mu);
      const v = wi * mu * (1 - mu);
      const o = i * p;
      for (let a = 0; a < p; a++) {
        const xa = x[o + a]!;
        if (xa === 0) continue;
        grad[a]! += r * xa;
        for (let c = 0; c <= a; c++) hess[a * p + c]! += v * xa * x[o + c]!;
      }
    }
    for (let a = 0; a < p; a++) {
      grad[a]! -= ridge * b[a]!;
      hess[a * p + a]! += ridge;
      for (let c = 0; c < a; c++) hess[c * p + a] = hess[a * p + c]!;
    }
    const l = cholesky(hess, p);
    if (!l) break;
    const step = choleskySolve(l, p, grad);
    // Newton decrement: the quadratic model's predicted gain; stop when it is negligible.
    const decrement = dot(step, grad);
    let t = 1;
    let next = b;
    let nextLl = ll;
    for (let h = 0; h < 30; h++) {
      next = b.map((v, k) => v + t * step[k]!);
      linear(x, n, p, next, eta);
      nextLl = logLik(eta, y, w) - 0.5 * ridge * dot(next, next);
      if (nextLl >= ll - 1e-12 * Math.abs(ll)) break;
      t /= 2;
    }
    b = next;
    const gain = nextLl - ll;
    ll = nextLl;
    if (decrement < tol * Math.max(1, Math.abs(ll)) || (gain >= 0 && gain < 1e-15 && decrement < 1e-10)) {
      converged = true;
      iter++;
      break;
    }
  }
  // Covariance at the final estimate.
  linear(x, n, p, b, eta);
  hess.fill(0);
  for (let i = 0; i < n; i++) {
    const mu = sigmoid(eta[i]!);
    const v = (w ? w[i]! : 1) * mu * (1 - mu);
    const o = i * p;
    for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) hess[a * p + c]! += v * x[o + a]! * x[o + c]!;
  }
  for (let a = 0; a < p; a++) hess[a * p + a]! += ridge;
  return { coef: b, cov: spdInverse(hess, p), logLik: ll, iterations: iter, converged };
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
