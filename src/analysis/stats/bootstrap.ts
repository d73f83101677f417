/** Percentile intervals and participant-clustered resampling shared by every bootstrap here. */
import type { Rng } from "../../core/rng.js";
import type { Interval } from "../types.js";

/** Linear-interpolated quantile (type 7, as R and numpy default) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function percentileInterval(values: ArrayLike<number>, level = 0.95): Interval {
  const finite = Float64Array.from(Array.from(values).filter((v) => Number.isFinite(v))).sort();
  const a = (1 - level) / 2;
  return { lo: quantileSorted(finite, a), hi: quantileSorted(finite, 1 - a) };
}

/** Indices of a resample with replacement of `n` clusters. */
export function resampleIndices(rng: Rng, n: number, out?: Int32Array): Int32Array {
  const idx = out ?? new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = rng.int(0, n - 1);
  return idx;
}

/**
 * Bootstraps a statistic of clustered data by resampling clusters (participants) with replacement.
 * `stat` receives the drawn cluster indices and returns one number per quantity.
 */
export function clusterBootstrap(nClusters: number, rounds: number, rng: Rng, stat: (idx: Int32Array) => number[]): number[][] {
  const out: number[][] = [];
  const idx = new Int32Array(nClusters);
  for (let r = 0; r < rounds; r++) out.push(stat(resampleIndices(rng, nClusters, idx)));
  return out;
}

/** Per-quantity percentile intervals from bootstrap replicates (rows = rounds). */
export function columnIntervals(reps: number[][], k: number, level = 0.95): Interval[] {
  const res: Interval[] = [];
  for (let j = 0; j < k; j++) res.push(percentileInterval(reps.map((r) => r[j]!), level));
  return res;
}
