/**
 * Coverage of the participant-bootstrap 95% intervals for Bradley–Terry ratings: simulate ≥ 200
 * datasets with planted ratings and participant-clustered judgements, and count how often each
 * interval covers the planted value. Asserts ≥ 90% (exits non-zero otherwise).
 *
 *   npx tsx bench/analysis/coverage.ts [--datasets 200] [--rounds 1000]
 *
 * Two scenarios:
 *  - "clustered": participants differ in how many judgements they make, which pairs they see and
 *    how often they call ties; the planted ratings are exactly the BT parameters (ties drawn so
 *    that the expected score, a tie counting ½, is σ(β_a − β_b)).
 *  - "heterogeneous": participants also hold their own arm preferences (SD 0.5 per arm); the
 *    population's BT rating is then what BT fitted to unlimited data from that population gives
 *    (attenuated relative to the mean preference), computed here from 2 million judgements.
 */
import { Rng } from "../../src/core/rng.js";
import { bradleyTerry } from "../../src/analysis/stats/bt.js";
import { sigmoid } from "../../src/analysis/stats/distributions.js";
import type { Comparison } from "../../src/analysis/types.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : dflt;
};
const DATASETS = opt("--datasets", 200);
const ROUNDS = opt("--rounds", 1000);
const PLANTED: Record<string, number> = { generic: 0, pdpo: 0.6, pooled: 0.45, prompt: 0.2 };
const ARMS = Object.keys(PLANTED).sort();

function simulate(seed: number, participants: number, prefSd: number, perParticipant?: number): Comparison[] {
  const rng = Rng.for(seed, "coverage");
  const out: Comparison[] = [];
  for (let p = 0; p < participants; p++) {
    const pref = Object.fromEntries(ARMS.map((a) => [a, PLANTED[a]! + rng.normal(0, prefSd)]));
    const n = perParticipant ?? rng.int(8, 50);
    const tieRate = rng.float() * 0.2;
    // Each participant sees a subset of pairs (as a counterbalanced design would give them).
    const pairs: [string, string][] = [];
    for (let i = 0; i < ARMS.length; i++) for (let j = i + 1; j < ARMS.length; j++) pairs.push([ARMS[i]!, ARMS[j]!]);
    const mine = rng.sample(pairs, rng.int(2, pairs.length));
    for (let t = 0; t < n; t++) {
      const [a, b] = rng.shuffle(rng.pick(mine));
      // Ties count half, so the win probability among non-ties is set to keep the expected score
      // at σ(β_a − β_b): the planted values are then exactly what BT with half-ties estimates.
      const target = sigmoid(pref[a!]! - pref[b!]!);
      const pWin = Math.min(1, Math.max(0, (target - 0.5 * tieRate) / (1 - tieRate)));
      const outcome = rng.bool(tieRate) ? 0.5 : rng.bool(pWin) ? 1 : 0;
      out.push({
        id: `${p}-${t}`, judgement: `${p}-${t}`, participant: `p${p}`, population: "human", item: `${p}-${t}`, left: a!, right: b!, outcome,
        kind: "turn", probeOf: null, conversation: 0, turn: t, sessionIndex: t, domain: null, leftResponse: null, rightResponse: null, leftRating: null, rightRating: null,
      });
    }
  }
  return out;
}

function populationTruth(prefSd: number): Record<string, number> {
  if (prefSd === 0) return PLANTED;
  const big = simulate(999_999, 50_000, prefSd, 40);
  const fit = bradleyTerry(big, ARMS, { anchor: "generic", rounds: 0 });
  return Object.fromEntries(fit.arms.map((a) => [a.arm, a.rating]));
}

let failed = false;
for (const [name, prefSd] of [["clustered", 0], ["heterogeneous", 0.5]] as const) {
  const truth = populationTruth(prefSd);
  let covered = 0;
  let total = 0;
  const perArm: Record<string, number> = {};
  const widths: number[] = [];
  const t0 = performance.now();
  for (let d = 0; d < DATASETS; d++) {
    const comps = simulate(d, 120, prefSd);
    const bt = bradleyTerry(comps, ARMS, { anchor: "generic", rounds: ROUNDS, seed: d });
    for (const a of bt.arms) {
      if (a.arm === "generic") continue;
      const ok = a.ci.lo <= truth[a.arm]! && truth[a.arm]! <= a.ci.hi;
      covered += ok ? 1 : 0;
      perArm[a.arm] = (perArm[a.arm] ?? 0) + (ok ? 1 : 0);
      total++;
      widths.push(a.ci.hi - a.ci.lo);
    }
  }
  const rate = covered / total;
  console.log(`${name}: ${DATASETS} datasets × 120 participants, ${ROUNDS} rounds each: coverage ${(100 * rate).toFixed(1)}% of ${total} intervals (${Object.entries(perArm).map(([a, c]) => `${a} ${((100 * c) / DATASETS).toFixed(1)}%`).join(", ")}); mean width ${(widths.reduce((s, w) => s + w, 0) / widths.length).toFixed(3)}; truth ${Object.entries(truth).map(([a, v]) => `${a}=${v.toFixed(3)}`).join(" ")}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (rate < 0.9) failed = true;
}
console.log(failed ? "FAIL: coverage below 90%" : "PASS: coverage ≥ 90% in every scenario");
if (failed) process.exitCode = 1;
