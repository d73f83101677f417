/** Position bias: how often the response at position 0 (left/first) is chosen, per population. */
import { Rng } from "../../core/rng.js";
import type { Comparison, Interval } from "../types.js";
import { clusterBootstrap, percentileInterval } from "../stats/bootstrap.js";

export interface PositionBias {
  population: string;
  /** Share of decided (non-tie) two-response judgements won by position 0. */
  firstChosen: number;
  ci: Interval;
  tieRate: number;
  n: number;
  participants: number;
}

export function positionBias(comps: readonly Comparison[], rounds: number, seed: number): PositionBias[] {
  // One row per judgement: pairs split from larger judgements would count position 0 repeatedly.
  const twoWay = comps.filter((c) => c.id === c.judgement && c.kind === "turn");
  const pops = [...new Set(twoWay.map((c) => c.population))].sort();
  return pops.map((pop) => {
    const rows = twoWay.filter((c) => c.population === pop);
    const parts = [...new Set(rows.map((c) => c.participant))].sort();
    const pIdx = new Map(parts.map((p, i) => [p, i]));
    const first = new Float64Array(parts.length);
    const decided = new Float64Array(parts.length);
    let ties = 0;
    for (const c of rows) {
      if (c.outcome === 0.5) {
        ties++;
        continue;
      }
      const i = pIdx.get(c.participant)!;
      first[i]! += c.outcome;
      decided[i]! += 1;
    }
    const stat = (idx: Int32Array | null): number[] => {
      let f = 0, d = 0;
      const m = idx ? idx.length : parts.length;
      for (let t = 0; t < m; t++) {
        const i = idx ? idx[t]! : t;
        f += first[i]!;
        d += decided[i]!;
      }
      return [d > 0 ? f / d : NaN];
    };
    const reps = clusterBootstrap(parts.length, rounds, Rng.for(seed, "position", pop), stat);
    return { population: pop, firstChosen: stat(null)[0]!, ci: percentileInterval(reps.map((r) => r[0]!)), tieRate: rows.length ? ties / rows.length : NaN, n: rows.length, participants: parts.length };
  });
}
