/**
 * Bradley–Terry with covariates: arm differences plus style (length, lists, headers, bold) and,
 * optionally, behaviour differences. Coefficient standard errors are cluster-robust by
 * participant (sandwich, CR1), so repeated judgements by one person do not overstate precision.
 * The length-controlled win rate of an arm is the mean predicted win probability over the same
 * comparisons with every covariate difference and the position term set to zero.
 */
import type { Comparison, Interval } from "../types.js";
import { fitLogistic } from "../stats/logistic.js";
import { sigmoid, twoSidedP, Z95 } from "../stats/distributions.js";
import { spdInverse } from "../stats/linalg.js";

export interface Covariate {
  name: string;
  /** Left-minus-right covariate for a comparison, or null when it cannot be computed. */
  value: (c: Comparison) => number | null;
}

export interface CovariateEffect {
  name: string;
  /** Log-odds per unit of the (standardised) covariate difference. */
  coef: number;
  se: number;
  ci: Interval;
  p: number;
  /** SD used to standardise the raw difference. */
  scale: number;
  /** Log-odds per unit of the raw difference (coef / scale). */
  perUnit: number;
}

export interface ControlledArm {
  arm: string;
  rawRating: number;
  controlledRating: number;
  rawWinRate: number;
  controlledWinRate: number;
}

export interface StyleModelResult {
  anchor: string;
  covariates: CovariateEffect[];
  arms: ControlledArm[];
  /** Comparisons used (those where every covariate could be computed). */
  n: number;
  /** Covariates left out: constant, or collinear with earlier ones. */
  dropped: string[];
  method: string;
}

export function styleModel(comps: readonly Comparison[], arms: readonly string[], anchor: string, covariates: readonly Covariate[]): StyleModelResult | null {
  const use: { c: Comparison; v: number[] }[] = [];
  for (const c of comps) {
    if (!arms.includes(c.left) || !arms.includes(c.right) || c.left === c.right) continue;
    const v = covariates.map((k) => k.value(c));
    if (v.some((x) => x === null || !Number.isFinite(x))) continue;
    use.push({ c, v: v as number[] });
  }
  if (use.length < 10) return null;
  const cols = arms.filter((a) => a !== anchor);
  const ka = cols.length;
  // Covariates with no variation, or a linear function of earlier ones, cannot be estimated: drop
  // them (Gram–Schmidt on the centred columns) and say so in `dropped`.
  const dropped: string[] = [];
  const kept: number[] = [];
  const basis: Float64Array[] = [];
  covariates.forEach((k, j) => {
    const v = Float64Array.from(use, (u) => u.v[j]!);
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    for (let i = 0; i < v.length; i++) v[i]! -= m;
    const norm0 = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    for (const b of basis) {
      let d = 0;
      for (let i = 0; i < v.length; i++) d += v[i]! * b[i]!;
      for (let i = 0; i < v.length; i++) v[i]! -= d * b[i]!;
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (norm0 === 0 || norm < 1e-6 * norm0) {
      dropped.push(k.name);
      return;
    }
    basis.push(v.map((x) => x / norm));
    kept.push(j);
  });
  covariates = kept.map((j) => covariates[j]!);
  for (const u of use) u.v = kept.map((j) => u.v[j]!);
  const kc = covariates.length;
  const scales = covariates.map((_, j) => {
    const xs = use.map((u) => u.v[j]!);
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
    return sd > 0 ? sd : 1;
  });
  // Columns: intercept (position), arms, covariates.
  const build = (withCov: boolean) => {
    const p = 1 + ka + (withCov ? kc : 0);
    const n = use.length;
    const x = new Float64Array(n * p);
    const y = new Float64Array(n);
    use.forEach(({ c, v }, i) => {
      x[i * p] = 1;
      const l = cols.indexOf(c.left);
      const r = cols.indexOf(c.right);
      if (l >= 0) x[i * p + 1 + l]! += 1;
      if (r >= 0) x[i * p + 1 + r]! -= 1;
      if (withCov) for (let j = 0; j < kc; j++) x[i * p + 1 + ka + j] = v[j]! / scales[j]!;
      y[i] = c.outcome;
    });
    return { x, y, n, p };
  };
  const raw = build(false);
  const rawFit = fitLogistic(raw);
  const full = build(true);
  const fit = fitLogistic(full);
  const robust = clusterRobustCov(full.x, full.y, full.n, full.p, fit.coef, use.map((u) => u.c.participant));
  const covs: CovariateEffect[] = covariates.map((k, j) => {
    const idx = 1 + ka + j;
    const coef = fit.coef[idx]!;
    const se = robust ? Math.sqrt(Math.max(0, robust[idx * full.p + idx]!)) : NaN;
    return { name: k.name, coef, se, ci: { lo: coef - Z95 * se, hi: coef + Z95 * se }, p: twoSidedP(coef / se), scale: scales[j]!, perUnit: coef / scales[j]! };
  });
  const effect = (coef: Float64Array, a: string) => (a === anchor ? 0 : coef[1 + cols.indexOf(a)]!);
  const armsOut = arms.map((arm) => {
    let wins = 0;
    let n = 0;
    let ctrl = 0;
    for (const { c } of use) {
      if (c.left !== arm && c.right !== arm) continue;
      const other = c.left === arm ? c.right : c.left;
      wins += c.left === arm ? c.outcome : 1 - c.outcome;
      ctrl += sigmoid(effect(fit.coef, arm) - effect(fit.coef, other));
      n++;
    }
    return { arm, rawRating: effect(rawFit.coef, arm), controlledRating: effect(fit.coef, arm), rawWinRate: n ? wins / n : NaN, controlledWinRate: n ? ctrl / n : NaN };
  });
  return {
    anchor,
    covariates: covs,
    arms: armsOut,
    n: use.length,
    dropped,
    method: "logistic BT with a position intercept; covariates are left−right differences standardised to unit SD; cluster-robust (participant) sandwich SEs",
  };
}

/** CR1 sandwich covariance: (X'WX)⁻¹ (Σ_g s_g s_gᵀ) (X'WX)⁻¹ · G/(G−1). */
export function clusterRobustCov(x: Float64Array, y: Float64Array, n: number, p: number, coef: Float64Array, cluster: readonly string[]): Float64Array | null {
  const bread = new Float64Array(p * p);
  const scores = new Map<string, Float64Array>();
  for (let i = 0; i < n; i++) {
    let eta = 0;
    for (let k = 0; k < p; k++) eta += x[i * p + k]! * coef[k]!;
    const mu = sigmoid(eta);
    const v = mu * (1 - mu);
    const r = y[i]! - mu;
    let s = scores.get(cluster[i]!);
    if (!s) scores.set(cluster[i]!, (s = new Float64Array(p)));
    for (let a = 0; a < p; a++) {
      s[a]! += r * x[i * p + a]!;
      for (let b = 0; b < p; b++) bread[a * p + b]! += v * x[i * p + a]! * x[i * p + b]!;
    }
  }
  const inv = spdInverse(bread, p);
  if (!inv) return null;
  const meat = new Float64Array(p * p);
  for (const s of scores.values()) for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) meat[a * p + b]! += s[a]! * s[b]!;
  const g = scores.size;
  const adj = g > 1 ? g / (g - 1) : 1;
  const tmp = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
    let t = 0;
    for (let k = 0; k < p; k++) t += inv[a * p + k]! * meat[k * p + b]!;
    tmp[a * p + b] = t;
  }
  const out = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
    let t = 0;
    for (let k = 0; k < p; k++) t += tmp[a * p + k]! * inv[k * p + b]!;
    out[a * p + b] = t * adj;
  }
  return out;
}
