/**
 * Arm comparison: pairwise win rates, Bradley–Terry with participant-bootstrap intervals, the
 * random-intercept logistic model, and ratings centred within participant — each arm contrast
 * tested, Holm-adjusted across all contrasts.
 */
import { Rng } from "../../core/rng.js";
import type { Comparison, Interval, RatingObs } from "../types.js";
import { bradleyTerry, type BtResult } from "../stats/bt.js";
import { fitRandomInterceptLogistic } from "../stats/glmm.js";
import { holm } from "../stats/multiplicity.js";
import { twoSidedP, Z95 } from "../stats/distributions.js";
import { clusterBootstrap, percentileInterval } from "../stats/bootstrap.js";

export interface WinRateCell {
  a: string;
  b: string;
  /** Share of a-vs-b comparisons a won, ties half. */
  winRate: number;
  n: number;
  ci: Interval;
}

export interface ArmWinRate {
  arm: string;
  /** Share of all its comparisons won, ties half. */
  winRate: number;
  wins: number;
  n: number;
  ci: Interval;
}

/** Pairwise and overall win rates with participant-bootstrap intervals. */
export function winRates(comps: readonly Comparison[], arms: readonly string[], rounds: number, seed: number): { pairs: WinRateCell[]; arms: ArmWinRate[] } {
  const participants = [...new Set(comps.map((c) => c.participant))].sort();
  const pIdx = new Map(participants.map((p, i) => [p, i]));
  const k = arms.length;
  const aIdx = new Map(arms.map((a, i) => [a, i]));
  // per participant: wins[a][b], n[a][b] (directed, a's view)
  const wins = new Float64Array(participants.length * k * k);
  const ns = new Float64Array(participants.length * k * k);
  for (const c of comps) {
    const l = aIdx.get(c.left);
    const r = aIdx.get(c.right);
    if (l === undefined || r === undefined || l === r) continue;
    const o = pIdx.get(c.participant)! * k * k;
    wins[o + l * k + r]! += c.outcome;
    ns[o + l * k + r]! += 1;
    wins[o + r * k + l]! += 1 - c.outcome;
    ns[o + r * k + l]! += 1;
  }
  const stat = (idx: Int32Array | null): number[] => {
    const W = new Float64Array(k * k);
    const N = new Float64Array(k * k);
    const m = idx ? idx.length : participants.length;
    for (let t = 0; t < m; t++) {
      const o = (idx ? idx[t]! : t) * k * k;
      for (let q = 0; q < k * k; q++) {
        W[q]! += wins[o + q]!;
        N[q]! += ns[o + q]!;
      }
    }
    const out: number[] = [];
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) out.push(N[a * k + b]! > 0 ? W[a * k + b]! / N[a * k + b]! : NaN);
    for (let a = 0; a < k; a++) {
      let w = 0;
      let n = 0;
      for (let b = 0; b < k; b++) {
        w += W[a * k + b]!;
        n += N[a * k + b]!;
      }
      out.push(n > 0 ? w / n : NaN, w, n);
    }
    return out;
  };
  const point = stat(null);
  const reps = clusterBootstrap(participants.length, rounds, Rng.for(seed, "win-rates"), stat);
  const pairs: WinRateCell[] = [];
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    if (a === b) continue;
    const q = a * k + b;
    let count = 0;
    for (let t = 0; t < participants.length; t++) count += ns[t * k * k + q]!;
    if (count === 0) continue;
    pairs.push({ a: arms[a]!, b: arms[b]!, winRate: point[q]!, n: count, ci: percentileInterval(reps.map((r) => r[q]!)) });
  }
  const armsOut = arms.map((arm, a) => {
    const o = k * k + 3 * a;
    return { arm, winRate: point[o]!, wins: point[o + 1]!, n: point[o + 2]!, ci: percentileInterval(reps.map((r) => r[o]!)) };
  });
  return { pairs, arms: armsOut };
}

export interface GlmmArm {
  arm: string;
  /** Log-odds effect relative to the anchor arm. */
  effect: number;
  se: number;
  ci: Interval;
}

export interface GlmmContrast {
  a: string;
  b: string;
  diff: number;
  se: number;
  z: number;
  p: number;
  pHolm: number;
  /** Participant-bootstrap BT interval of the same contrast, beside the model-based one. */
  btCi: Interval;
  btP: number;
  btPHolm: number;
}

export interface GlmmResult {
  method: string;
  anchor: string;
  arms: GlmmArm[];
  /** Intercept: log-odds of choosing position 0 at equal arms (population position bias). */
  positionBias: { estimate: number; se: number; ci: Interval };
  participantSd: number;
  contrasts: GlmmContrast[];
  multiplicity: string;
  converged: boolean;
  n: number;
  participants: number;
}

export function armGlmm(comps: readonly Comparison[], arms: readonly string[], anchor: string, bt: BtResult): GlmmResult {
  const cols = arms.filter((a) => a !== anchor);
  const p = cols.length + 1;
  const use = comps.filter((c) => c.left !== c.right && arms.includes(c.left) && arms.includes(c.right));
  const n = use.length;
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  const participants = [...new Set(use.map((c) => c.participant))].sort();
  const pIdx = new Map(participants.map((q, i) => [q, i]));
  const cluster = new Int32Array(n);
  use.forEach((c, i) => {
    x[i * p] = 1;
    const l = cols.indexOf(c.left);
    const r = cols.indexOf(c.right);
    if (l >= 0) x[i * p + 1 + l]! += 1;
    if (r >= 0) x[i * p + 1 + r]! -= 1;
    y[i] = c.outcome;
    cluster[i] = pIdx.get(c.participant)!;
  });
  const fit = fitRandomInterceptLogistic({ x, n, p, y, cluster, nClusters: participants.length });
  const effect = (a: string) => (a === anchor ? 0 : fit.beta[1 + cols.indexOf(a)]!);
  const colOf = (a: string) => (a === anchor ? -1 : 1 + cols.indexOf(a));
  const cov = (i: number, j: number) => (i < 0 || j < 0 || !fit.cov ? 0 : fit.cov[i * p + j]!);
  const armsOut = arms.map((arm) => {
    const c = colOf(arm);
    const se = c < 0 ? 0 : fit.se[c]!;
    const e = effect(arm);
    return { arm, effect: e, se, ci: { lo: e - Z95 * se, hi: e + Z95 * se } };
  });
  const raw: Omit<GlmmContrast, "pHolm" | "btPHolm">[] = [];
  for (let i = 0; i < arms.length; i++) for (let j = i + 1; j < arms.length; j++) {
    const a = arms[i]!;
    const b = arms[j]!;
    const ca = colOf(a);
    const cb = colOf(b);
    const diff = effect(a) - effect(b);
    const se = Math.sqrt(Math.max(0, cov(ca, ca) + cov(cb, cb) - 2 * cov(ca, cb)));
    const z = diff / se;
    const btc = bt.contrasts.find((c) => c.a === a && c.b === b)!;
    raw.push({ a, b, diff, se, z, p: twoSidedP(z), btCi: btc.ci, btP: btc.pBootstrap });
  }
  const ph = holm(raw.map((r) => r.p));
  const bh = holm(raw.map((r) => r.btP));
  const seInt = fit.se[0]!;
  return {
    method: "logistic GLMM, random intercept per participant, Laplace approximation (nAGQ = 1), BFGS; Wald z tests",
    anchor,
    arms: armsOut,
    positionBias: { estimate: fit.beta[0]!, se: seInt, ci: { lo: fit.beta[0]! - Z95 * seInt, hi: fit.beta[0]! + Z95 * seInt } },
    participantSd: fit.sigma,
    contrasts: raw.map((r, i) => ({ ...r, pHolm: ph[i]!, btPHolm: bh[i]! })),
    multiplicity: `Holm step-down over all ${raw.length} pairwise arm contrasts (family-wise error 5%)`,
    converged: fit.converged,
    n,
    participants: participants.length,
  };
}

export interface CentredRatingArm {
  arm: string;
  /** Mean raw rating. */
  mean: number;
  /** Mean of rating − participant's own mean rating. */
  centred: number;
  ci: Interval;
  n: number;
}

/** Ratings centred within participant (removes each person's use of the scale), bootstrap by participant. */
export function centredRatings(ratings: readonly RatingObs[], arms: readonly string[], rounds: number, seed: number): CentredRatingArm[] {
  if (ratings.length === 0) return [];
  const participants = [...new Set(ratings.map((r) => r.participant))].sort();
  const pIdx = new Map(participants.map((p, i) => [p, i]));
  const k = arms.length;
  const aIdx = new Map(arms.map((a, i) => [a, i]));
  const sums = new Float64Array(participants.length);
  const counts = new Float64Array(participants.length);
  for (const r of ratings) {
    const i = pIdx.get(r.participant)!;
    sums[i]! += r.rating;
    counts[i]! += 1;
  }
  // per participant per arm: sum of centred, sum raw, count
  const agg = new Float64Array(participants.length * k * 3);
  for (const r of ratings) {
    const a = aIdx.get(r.arm);
    if (a === undefined) continue;
    const i = pIdx.get(r.participant)!;
    const o = (i * k + a) * 3;
    agg[o]! += r.rating - sums[i]! / counts[i]!;
    agg[o + 1]! += r.rating;
    agg[o + 2]! += 1;
  }
  const stat = (idx: Int32Array | null): number[] => {
    const out = new Float64Array(k * 3);
    const m = idx ? idx.length : participants.length;
    for (let t = 0; t < m; t++) {
      const o = (idx ? idx[t]! : t) * k * 3;
      for (let q = 0; q < k * 3; q++) out[q]! += agg[o + q]!;
    }
    return arms.map((_, a) => out[a * 3]! / out[a * 3 + 2]!);
  };
  const reps = clusterBootstrap(participants.length, rounds, Rng.for(seed, "ratings"), stat);
  const point = stat(null);
  const totals = new Float64Array(k * 3);
  for (let i = 0; i < agg.length; i++) totals[i % (k * 3)]! += agg[i]!;
  return arms.map((arm, a) => ({ arm, mean: totals[a * 3 + 1]! / totals[a * 3 + 2]!, centred: point[a]!, ci: percentileInterval(reps.map((r) => r[a]!)), n: totals[a * 3 + 2]! })).filter((r) => r.n > 0);
}

export { bradleyTerry };
