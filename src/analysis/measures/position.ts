/** Position bias: how often the response at position 0 (left/first) is chosen, per population. */
import { Rng } from "../../core/rng.js";
import { judgementOf, onePerJudgement, type Comparison, type Interval } from "../types.js";
import { clusterBootstrap, percentileInterval } from "../stats/bootstrap.js";

export interface PositionBias {
  population: string;
  /** Share of decided (non-tie) judgements won by position 0. */
  firstChosen: number;
  /** What no position bias would give: the mean of 1/(responses shown), ½ for pairs. */
  expected: number;
  ci: Interval;
  tieRate: number;
  n: number;
  participants: number;
}

export function positionBias(comps: readonly Comparison[], rounds: number, seed: number): PositionBias[] {
  // One row per judgement: pairs split from larger judgements would count position 0 repeatedly.
  const twoWay = onePerJudgement(comps.filter((c) => c.kind === "turn"));
  const pops = [...new Set(twoWay.map((c) => c.population))].sort();
  return pops.map((pop) => {
    const rows = twoWay.filter((c) => c.population === pop);
    const parts = [...new Set(rows.map((c) => c.participant))].sort();
    const pIdx = new Map(parts.map((p, i) => [p, i]));
    const first = new Float64Array(parts.length);
    const decided = new Float64Array(parts.length);
    let ties = 0;
    let expected = 0;
    for (const c of rows) {
      const j = judgementOf(c);
      if (j.choicePosition === null) {
        ties++;
        continue;
      }
      const i = pIdx.get(c.participant)!;
      first[i]! += j.choicePosition === 0 ? 1 : 0;
      decided[i]! += 1;
      expected += 1 / j.arms.length;
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
    const nDecided = rows.length - ties;
    return { population: pop, firstChosen: stat(null)[0]!, expected: nDecided > 0 ? expected / nDecided : NaN, ci: percentileInterval(reps.map((r) => r[0]!)), tieRate: rows.length ? ties / rows.length : NaN, n: rows.length, participants: parts.length };
  });
}
