/**
 * Check on real data no one in this project wrote: the LLMFAO crowd comparisons (59 models, with
 * left/right positions), ranked by prismx, against the outputs the Evalica library ships for the
 * same file (llmfao-golden.csv: Bradley–Terry, counting, average win rate).
 *
 *   npx tsx bench/analysis/llmfao_check.ts [DIR]   (default ../shared/data/judgements/llmfao)
 *
 * Evalica's Bradley–Terry is the MM algorithm with ties as half wins, scores normalised to sum 1;
 * prismx's Newton MLE maps onto it by π_i = exp(β_i) / Σ exp(β).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { loadBattles } from "../../src/analysis/load/battles.js";
import { bradleyTerry } from "../../src/analysis/stats/bt.js";
import { positionBias } from "../../src/analysis/measures/position.js";
import { interJudgeAgreement } from "../../src/analysis/measures/fidelity.js";
import { spearman } from "../../src/analysis/stats/agreement.js";

const dir = resolve(process.argv[2] ?? join(import.meta.dirname, "../../../shared/data/judgements/llmfao"));
const ds = loadBattles(join(dir, "crowd-comparisons.csv"));
const golden = parse<{ algorithm: string; item: string; score: string }>(readFileSync(join(dir, "llmfao-golden.csv"), "utf8"), { columns: true });
const gold = (alg: string) => new Map(golden.filter((g) => g.algorithm === alg).map((g) => [g.item, Number(g.score)]));
const arms = [...new Set(ds.comparisons.flatMap((c) => [c.left, c.right]))].sort();
const t0 = performance.now();
const bt = bradleyTerry(ds.comparisons, arms, { rounds: 1000, seed: 0 });
const secs = (performance.now() - t0) / 1000;
const z = bt.arms.reduce((s, a) => s + Math.exp(a.rating), 0);
const gbt = gold("bradley_terry");
let maxAbs = 0, maxRel = 0;
const ours: number[] = [], theirs: number[] = [];
for (const a of bt.arms) {
  const pi = Math.exp(a.rating) / z;
  const g = gbt.get(a.arm)!;
  maxAbs = Math.max(maxAbs, Math.abs(pi - g));
  maxRel = Math.max(maxRel, Math.abs(pi - g) / g);
  ours.push(pi);
  theirs.push(g);
}
console.log(`LLMFAO crowd: ${ds.comparisons.length} comparisons, ${ds.participants.size} workers, ${arms.length} models; BT + 1000 worker-bootstrap rounds in ${secs.toFixed(2)} s (converged: ${bt.converged})`);
console.log(`Bradley–Terry vs Evalica: max |Δπ| = ${maxAbs.toExponential(2)}, max relative ${maxRel.toExponential(2)}, Spearman ${spearman(ours, theirs).toFixed(6)}`);
// Counting: wins + ½ ties per model.
const counting = new Map<string, number>();
for (const c of ds.comparisons) {
  counting.set(c.left, (counting.get(c.left) ?? 0) + c.outcome);
  counting.set(c.right, (counting.get(c.right) ?? 0) + 1 - c.outcome);
}
const gc = gold("counting");
const countDiff = Math.max(...arms.map((a) => Math.abs((counting.get(a) ?? 0) - gc.get(a)!)));
console.log(`counting (wins + ½ ties) vs Evalica: max |Δ| = ${countDiff}`);
const top = [...bt.arms].sort((a, b) => a.rank - b.rank).slice(0, 5);
console.log(`top 5: ${top.map((a) => `${a.arm} [rank CI ${a.rankCi.lo}–${a.rankCi.hi}]`).join("; ")}`);
const pb = positionBias(ds.comparisons, 1000, 0)[0]!;
console.log(`position bias (left chosen among decided): ${pb.firstChosen.toFixed(3)} [${pb.ci.lo.toFixed(3)}, ${pb.ci.hi.toFixed(3)}], ties ${pb.tieRate.toFixed(3)}`);
const ij = interJudgeAgreement(ds.comparisons);
if (ij) console.log(`inter-worker agreement on ${ij.units} items: pairwise ${ij.pairwiseAgreement.toFixed(3)}, Krippendorff α ${ij.krippendorffAlpha.toFixed(3)}`);
if (maxRel > 1e-3 || countDiff > 1e-9) process.exitCode = 1;
