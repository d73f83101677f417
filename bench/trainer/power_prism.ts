/**
 * Power calculation for "individual P-DPO beats pooled DPO on distinctive users" on the
 * PRISM-format synthetic cohort (trainer/README.md, "Learning on the PRISM-format cohort").
 *
 * Before asking a language model to find each person's taste, ask whether the pairs can carry it
 * at all: on the same held-out pairs, compare logistic regressions on the *true* planted features
 * (src/data/sample/features.ts) — pooled over everyone vs one per person (shrunk towards the pooled
 * fit) — and the ceiling of knowing the true planted weights. If even the per-person regression on
 * the true features gains little over the pooled one, no trainer test on that cohort can show a gain
 * that is more than luck.
 *
 *   npx tsx bench/trainer/power_prism.ts [--participants 16,24] [--conversations 6,12,20] [--seeds 1,2,3,4]
 *     [--split-seeds 123] [--lambda 3] [--train-per-user K] [--choice-noise-scale F] [--no-textual-info]
 *
 * Cohorts and pairs are made by the same code as `prismx data sample` / `prismx data pairs`.
 * "Distinctive" = archetype ≠ neutral (src/demo/pipeline.ts labels the others population-like).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSampleCohort } from "../../src/data/sample/sampler.js";
import { writePairs } from "../../src/data/pairs/write.js";
import { loadGroundTruth } from "../../src/data/sample/groundTruth.js";
import { extractFeatures, FEATURES } from "../../src/data/sample/features.js";
import type { PlantedModel } from "../../src/data/sample/planted.js";
import { cholesky, choleskySolve } from "../../src/analysis/stats/linalg.js";

interface Pair { user: string; split: string; seen: boolean; generic: boolean; x: number[]; chars: number }

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] as string) : dflt;
};
const ints = (s: string): number[] => s.split(",").map(Number);

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * (b[i] as number), 0);
const featureVec = (text: string): number[] => {
  const f = extractFeatures(text);
  return FEATURES.map((k) => f[k]);
};

/**
 * Logistic regression without intercept on x = f(chosen) − f(rejected) (P(chosen) = σ(w·x)),
 * penalised by λ/2·‖w − prior‖²; Newton's method, 7 dimensions.
 */
function fit(xs: readonly number[][], prior: readonly number[], lambda: number): number[] {
  const d = prior.length;
  const w = prior.slice();
  for (let it = 0; it < 50; it++) {
    const g = Float64Array.from(w, (wi, i) => lambda * (wi - (prior[i] as number)));
    const h = new Float64Array(d * d);
    for (let i = 0; i < d; i++) h[i * d + i] = lambda;
    for (const x of xs) {
      const p = 1 / (1 + Math.exp(-dot(w, x)));
      for (let i = 0; i < d; i++) {
        g[i] = g[i]! - (1 - p) * (x[i] as number);
        for (let j = 0; j < d; j++) h[i * d + j] = h[i * d + j]! + p * (1 - p) * (x[i] as number) * (x[j] as number);
      }
    }
    // λ > 0 keeps the Hessian positive definite.
    const step = choleskySolve(cholesky(h, d)!, d, g);
    for (let i = 0; i < d; i++) w[i] = (w[i] as number) - step[i]!;
    if (Math.max(...Array.from(step, Math.abs)) < 1e-8) break;
  }
  return w;
}

/** 1 if the chosen response scores higher, ½ on a tie (identical features), 0 otherwise. */
const correct = (w: readonly number[], x: readonly number[]): number => {
  const s = dot(w, x);
  return s > 1e-12 ? 1 : s < -1e-12 ? 0 : 0.5;
};

async function pairsOf(dir: string, n: number, c: number, seed: number, splitSeed: number, textualInfo: boolean): Promise<{ pairs: Pair[]; truth: Map<string, PlantedModel> }> {
  const cohort = join(dir, `c-${n}-${c}-${seed}`);
  await writeSampleCohort({ out: cohort, participants: n, seed, ...(c > 0 ? { conversationsPerPerson: c } : {}), ...(noise === 1 ? {} : { choiceNoiseScale: noise }), force: true });
  const out = join(dir, `p-${n}-${c}-${seed}-${splitSeed}.jsonl`);
  await writePairs({ dir: cohort, out, seed: splitSeed, textualInfo });
  const pairs = (await readFile(out, "utf8")).trim().split("\n").map((l) => {
    const r = JSON.parse(l) as { participant_id: string; split: string; seen: boolean; generic_copy: boolean; chosen: string; rejected: string; prompt: { content: string }[] };
    const [a, b] = [featureVec(r.chosen), featureVec(r.rejected)];
    const chars = r.prompt.reduce((s, m) => s + m.content.length, 0) + r.chosen.length + r.rejected.length;
    return { user: r.participant_id, split: r.split, seen: r.seen, generic: r.generic_copy, x: a.map((v, i) => v - (b[i] as number)), chars };
  });
  return { pairs, truth: await loadGroundTruth(cohort) };
}

interface Result { nTest: number; pooled: number; individual: number; truePop: number; trueOwn: number; trainRows: number; meanChars: number }

/** `perUser` > 0 keeps only the first that many training pairs of each person (what a short training run gets to see). */
function evaluate(pairs: Pair[], truth: Map<string, PlantedModel>, lambda: number, perUser: number): Result {
  const seenSoFar = new Map<string, number>();
  const train = pairs.filter((p) => {
    if (p.split !== "train" || p.generic) return false;
    const k = (seenSoFar.get(p.user) ?? 0) + 1;
    seenSoFar.set(p.user, k);
    return perUser <= 0 || k <= perUser;
  });
  const wPool = fit(train.map((p) => p.x), FEATURES.map(() => 0), 1);
  const byUser = new Map<string, number[][]>();
  for (const p of train) byUser.set(p.user, [...(byUser.get(p.user) ?? []), p.x]);
  const wUser = new Map([...byUser].map(([u, xs]) => [u, fit(xs, wPool, lambda)]));
  const test = pairs.filter((p) => p.split === "test" && p.seen && truth.get(p.user)?.archetype !== "neutral");
  // The population's true taste: what a perfectly pooled learner could at best find.
  const pop = FEATURES.map((k) => [...truth.values()].reduce((s, m) => s + m.weights[k], 0) / truth.size);
  const acc = (w: (p: Pair) => readonly number[]) => test.reduce((s, p) => s + correct(w(p), p.x), 0) / test.length;
  return {
    nTest: test.length,
    pooled: acc(() => wPool),
    individual: acc((p) => wUser.get(p.user) ?? wPool),
    truePop: acc(() => pop),
    trueOwn: acc((p) => FEATURES.map((k) => (truth.get(p.user) as PlantedModel).weights[k])),
    trainRows: pairs.filter((p) => p.split === "train").length,
    meanChars: pairs.reduce((s, p) => s + p.chars, 0) / pairs.length,
  };
}

const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const f2 = (x: number): string => (x >= 0 ? "+" : "") + x.toFixed(3);

const participants = ints(arg("--participants", "16,24"));
const conversations = ints(arg("--conversations", "0,12,20"));
const seeds = ints(arg("--seeds", "1,2,3,4"));
const splitSeeds = ints(arg("--split-seeds", "123"));
const lambda = Number(arg("--lambda", "3"));
const perUser = Number(arg("--train-per-user", "0"));
const noise = Number(arg("--choice-noise-scale", "1"));
const textualInfo = !process.argv.includes("--no-textual-info");

const dir = await mkdtemp(join(tmpdir(), "prismx-power-"));
try {
  console.log(`distinctive = archetype ≠ neutral; per-person fit shrunk to pooled with λ=${lambda}; conversations 0 = PRISM's default mix; choice noise ×${noise}${perUser > 0 ? `; first ${perUser} training pairs per person` : ""}`);
  console.log("N\tconv\tseeds\ttest pairs\ttrain rows\tchars/pair\tpooled\tindiv−pooled (sd over runs)\ttrue-pop\ttrue-own−true-pop");
  for (const n of participants) {
    for (const c of conversations) {
      const rs: Result[] = [];
      for (const seed of seeds) {
        for (const s of splitSeeds) {
          const { pairs, truth } = await pairsOf(dir, n, c, seed, s, textualInfo);
          rs.push(evaluate(pairs, truth, lambda, perUser));
        }
      }
      const gains = rs.map((r) => r.individual - r.pooled);
      const ceil = rs.map((r) => r.trueOwn - r.truePop);
      console.log([n, c, rs.length, mean(rs.map((r) => r.nTest)).toFixed(0), mean(rs.map((r) => r.trainRows)).toFixed(0), mean(rs.map((r) => r.meanChars)).toFixed(0),
        mean(rs.map((r) => r.pooled)).toFixed(3), `${f2(mean(gains))} (${sd(gains).toFixed(3)}; min ${f2(Math.min(...gains))})`,
        mean(rs.map((r) => r.truePop)).toFixed(3), `${f2(mean(ceil))} (${sd(ceil).toFixed(3)})`].join("\t"));
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
