/**
 * Feedback dynamics: arm ratings, win rates and centred ratings by turn within a conversation and
 * by position in the session (thirds of each participant's own judgements), per population; and
 * how far the simulators' trajectories sit from the humans'.
 */
import type { Comparison, RatingObs } from "../types.js";
import { buildPairTable, fitBtCounts } from "../stats/bt.js";

export interface DynamicsCell {
  population: string;
  /** Turn index, or session third (0 early, 1 middle, 2 late). */
  step: number;
  arm: string;
  /** BT log-odds vs the anchor at this step (null when the step's data cannot identify it). */
  rating: number | null;
  se: number | null;
  winRate: number;
  n: number;
  /** Mean rating centred within participant (null without ratings). */
  centredRating: number | null;
}

export interface Dynamics {
  byTurn: DynamicsCell[];
  bySession: DynamicsCell[];
  /** Mean |human − simulated| BT rating over turns and arms; null without both populations. */
  turnDivergence: number | null;
  sessionDivergence: number | null;
}

function cells(comps: readonly Comparison[], ratings: readonly RatingObs[], arms: readonly string[], anchor: string, stepOf: (c: { participant: string; turn: number; sessionIndex: number }) => number, minN: number): DynamicsCell[] {
  const out: DynamicsCell[] = [];
  const pops = [...new Set(comps.map((c) => c.population))].sort();
  const pMean = new Map<string, number>();
  {
    const s = new Map<string, [number, number]>();
    for (const r of ratings) {
      const e = s.get(r.participant) ?? [0, 0];
      e[0] += r.rating;
      e[1] += 1;
      s.set(r.participant, e);
    }
    for (const [p, [a, n]] of s) pMean.set(p, a / n);
  }
  for (const pop of pops) {
    const rows = comps.filter((c) => c.population === pop && c.kind === "turn");
    const steps = [...new Set(rows.map(stepOf))].sort((a, b) => a - b);
    for (const step of steps) {
      const at = rows.filter((c) => stepOf(c) === step);
      const t = buildPairTable(at, arms);
      const wins = new Float64Array(t.pairs.length);
      const totals = new Float64Array(t.pairs.length);
      for (let i = 0; i < t.counts.length; i += 2) {
        const q = (i / 2) % t.pairs.length;
        wins[q]! += t.counts[i]!;
        totals[q]! += t.counts[i + 1]!;
      }
      const fit = at.length >= minN ? fitBtCounts(arms.length, t.pairs, wins, totals, arms.indexOf(anchor)) : null;
      const rs = ratings.filter((r) => r.population === pop && stepOf(r) === step);
      arms.forEach((arm, a) => {
        let w = 0, n = 0;
        for (const c of at) {
          if (c.left === arm) { w += c.outcome; n++; } else if (c.right === arm) { w += 1 - c.outcome; n++; }
        }
        if (n === 0) return;
        const ar = rs.filter((r) => r.arm === arm);
        out.push({
          population: pop, step, arm,
          rating: fit && fit.converged ? fit.beta[a]! : null,
          se: fit && fit.converged && fit.cov ? Math.sqrt(Math.max(0, fit.cov[a * arms.length + a]!)) : null,
          winRate: w / n, n,
          centredRating: ar.length ? ar.reduce((s, r) => s + r.rating - pMean.get(r.participant)!, 0) / ar.length : null,
        });
      });
    }
  }
  return out;
}

function divergence(cs: readonly DynamicsCell[], reference: string): number | null {
  const human = new Map<string, number>();
  for (const c of cs) if (c.population === reference && c.rating !== null) human.set(`${c.step}|${c.arm}`, c.rating);
  let s = 0, n = 0;
  for (const c of cs) {
    if (c.population !== "simulated" || c.rating === null) continue;
    const h = human.get(`${c.step}|${c.arm}`);
    if (h === undefined) continue;
    s += Math.abs(c.rating - h);
    n++;
  }
  return n ? s / n : null;
}

/** `reference`: the population simulators' trajectories are compared with (default humans). */
export function dynamics(comps: readonly Comparison[], ratings: readonly RatingObs[], arms: readonly string[], anchor: string, reference = "human"): Dynamics {
  const maxIndex = new Map<string, number>();
  for (const c of comps) maxIndex.set(c.participant, Math.max(maxIndex.get(c.participant) ?? 0, c.sessionIndex));
  for (const r of ratings) maxIndex.set(r.participant, Math.max(maxIndex.get(r.participant) ?? 0, r.sessionIndex));
  const third = (c: { participant: string; sessionIndex: number }) => Math.min(2, Math.floor((3 * c.sessionIndex) / ((maxIndex.get(c.participant) ?? 0) + 1)));
  const byTurn = cells(comps, ratings, arms, anchor, (c) => c.turn, 30);
  const bySession = cells(comps, ratings, arms, anchor, third, 30);
  return { byTurn, bySession, turnDivergence: divergence(byTurn, reference), sessionDivergence: divergence(bySession, reference) };
}
