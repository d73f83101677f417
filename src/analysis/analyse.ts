/**
 * The analysis as one pure-ish function: a Dataset in, a plain JSON-able results object out.
 * Everything random is drawn from `Rng.for(seed, …)` streams, so the same data and seed give the
 * same numbers, byte for byte.
 */
import type { ChatModel } from "../llm/types.js";
import { UserError } from "../core/errors.js";
import type { Comparison, Dataset } from "./types.js";
import { bradleyTerry, type BtResult } from "./stats/bt.js";
import { armGlmm, centredRatings, winRates, type GlmmResult } from "./measures/arms.js";
import { styleModel, type Covariate, type StyleModelResult } from "./measures/style.js";
import { lexicalBehaviour, normalisedDiff, styleFeatures, type StyleFeatures } from "./measures/features.js";
import { behaviourLevels, judgeBehaviours, LEXICAL_INDICATORS, RUBRIC_VERSION, type BehaviourScore, type JudgeRunStats } from "./measures/behaviours.js";
import { tokensPerArm, type TokenPrices } from "./measures/tokens.js";
import { positionBias } from "./measures/position.js";
import { interJudgeAgreement, rankCorrelation, replayAgreement, testRetest } from "./measures/fidelity.js";
import { TfidfSvdEmbedder, topics, type Embedder } from "./measures/topics.js";
import { dynamics } from "./measures/dynamics.js";
import { subgroupComparisons, type ParticipantGroups } from "./measures/subgroups.js";

export interface AnalyseOptions {
  seed?: number;
  /** Bootstrap rounds (default 1000). */
  rounds?: number;
  /** Arm every rating is relative to (default "generic" when present, else the first arm). */
  anchor?: string;
  /** Population the main arm comparison uses (default: "human" when present, else all). */
  population?: string;
  embedder?: Embedder;
  topicsK?: number;
  judge?: ChatModel;
  judgeCacheDir?: string;
  prices?: TokenPrices;
  /** Skip the mixed model (slow on very large battle tables). */
  skipGlmm?: boolean;
  /** Participant attributes: each grouping gets arm comparisons within each of its values. */
  groups?: ParticipantGroups;
}

export const RESULTS_SCHEMA = "prismx-analysis/1";

export async function analyseDataset(ds: Dataset, opts: AnalyseOptions = {}) {
  const seed = opts.seed ?? 0;
  const rounds = opts.rounds ?? 1000;
  const turns = ds.comparisons.filter((c) => c.kind === "turn");
  const arms = [...new Set(turns.flatMap((c) => [c.left, c.right]))].sort();
  if (arms.length < 2) {
    throw new UserError(arms.length === 0 ? "no judged comparisons to analyse" : `only one arm (${arms[0]}) was ever compared`, {
      location: { file: ds.origin },
      hint: "the input needs decided or tied pairwise judgements between at least two arms",
    });
  }
  const anchor = opts.anchor && arms.includes(opts.anchor) ? opts.anchor : arms.includes("generic") ? "generic" : arms[0]!;
  const populations = [...new Set(ds.comparisons.map((c) => c.population))].sort();
  // The population simulators are measured against: humans, or — in a synthetic demo — the oracle
  // participants that stand in for them.
  const reference = populations.includes("human") ? "human" : populations.includes("oracle") ? "oracle" : null;
  const mainPop = opts.population ?? reference;
  const main = mainPop ? turns.filter((c) => c.population === mainPop) : turns;
  const mainRatings = mainPop ? ds.ratings.filter((r) => r.population === mainPop) : ds.ratings;

  const bt = bradleyTerry(main, arms, { anchor, rounds, seed });
  const btByPopulation: Record<string, BtResult> = {};
  for (const p of populations) {
    const rows = turns.filter((c) => c.population === p);
    if (rows.length > 0) btByPopulation[p] = bradleyTerry(rows, arms, { anchor, rounds, seed });
  }
  const glmm: GlmmResult | null = opts.skipGlmm || arms.length < 2 ? null : armGlmm(main, arms, anchor, bt);

  // Per-response features (tokens where the export has them).
  const features = new Map<string, StyleFeatures & { sycophancy: number; relationship: number }>();
  for (const r of ds.responses.values()) features.set(r.id, { ...styleFeatures(r.text, r.completionTokens), ...lexicalBehaviour(r.text) });
  const diff = (pick: (f: StyleFeatures & { sycophancy: number; relationship: number }) => number, normalised = true) => (c: Comparison) => {
    const a = c.leftResponse ? features.get(c.leftResponse) : undefined;
    const b = c.rightResponse ? features.get(c.rightResponse) : undefined;
    if (!a || !b) return null;
    return normalised ? normalisedDiff(pick(a), pick(b)) : pick(a) - pick(b);
  };
  const styleCovs: Covariate[] = [
    { name: "length", value: diff((f) => f.length) },
    { name: "lists", value: diff((f) => f.listItems) },
    { name: "headers", value: diff((f) => f.headers) },
    { name: "bold", value: diff((f) => f.bold) },
  ];
  const style: StyleModelResult | null = styleModel(main, arms, anchor, styleCovs);
  const lengthOnly = styleModel(main, arms, anchor, styleCovs.slice(0, 1));

  let judged: Map<string, BehaviourScore> | null = null;
  let judgeStats: JudgeRunStats | null = null;
  if (opts.judge) {
    const r = await judgeBehaviours(turns, ds.responses, ds.conversations, opts.judge, { cacheDir: opts.judgeCacheDir ?? ".prismx/judge-cache", seed });
    judged = r.scores;
    judgeStats = r.stats;
  }
  const behaviourCovs: Covariate[] = [
    { name: "length", value: diff((f) => f.length) },
    { name: "lexical_sycophancy", value: diff((f) => f.sycophancy, false) },
    { name: "lexical_relationship", value: diff((f) => f.relationship, false) },
  ];
  if (judged) {
    const j = judged;
    const jd = (k: keyof BehaviourScore) => (c: Comparison) => {
      const a = c.leftResponse ? j.get(c.leftResponse) : undefined;
      const b = c.rightResponse ? j.get(c.rightResponse) : undefined;
      return a && b ? a[k] - b[k] : null;
    };
    behaviourCovs.push({ name: "judge_sycophancy", value: jd("sycophancy") }, { name: "judge_relationship", value: jd("relationship") });
  }
  const behaviourEffect = styleModel(main, arms, anchor, behaviourCovs);

  const retest = testRetest(ds.comparisons, rounds, seed);
  const ceiling = retest.find((r) => r.population === reference)?.agreement ?? null;
  const replay = replayAgreement(ds.comparisons, ds.participants, ceiling, rounds, seed);
  const ratingsOf = (b: BtResult) => Object.fromEntries(b.arms.map((a) => [a.arm, a.rating]));
  const refBt = reference ? btByPopulation[reference] : undefined;
  const rankCorr = reference && refBt && btByPopulation.simulated ? rankCorrelation(reference, ratingsOf(refBt), "simulated", ratingsOf(btByPopulation.simulated)) : null;

  const embedder = opts.embedder ?? new TfidfSvdEmbedder(32, seed);
  const topicResult = await topics(ds.conversations, embedder, { k: opts.topicsK, seed, rounds, ...(reference ? { reference } : {}) });
  const tokens = tokensPerArm(main, ds.responses, arms, opts.prices);
  const wr = winRates(main, arms, rounds, seed);
  const pb = positionBias(ds.comparisons, rounds, seed);

  const results = {
    schema: RESULTS_SCHEMA,
    input: {
      source: ds.source,
      origin: ds.origin,
      comparisons: ds.comparisons.length,
      turnComparisons: turns.length,
      probes: ds.comparisons.filter((c) => c.kind === "probe").length,
      participants: Object.fromEntries(populations.map((p) => [p, new Set(ds.comparisons.filter((c) => c.population === p).map((c) => c.participant)).size])),
      responses: ds.responses.size,
      conversations: ds.conversations.length,
      arms,
    },
    settings: { seed, rounds, anchor, mainPopulation: mainPop ?? "all", referencePopulation: reference, embedder: embedder.id, judge: opts.judge?.id ?? null, judgeRubric: opts.judge ? RUBRIC_VERSION : null },
    arms: {
      winRates: wr,
      bradleyTerry: bt,
      bradleyTerryByPopulation: btByPopulation,
      glmm,
      ratings: centredRatings(mainRatings, arms, rounds, seed),
      ratingsByPopulation: Object.fromEntries(populations.map((p) => [p, centredRatings(ds.ratings.filter((r) => r.population === p), arms, rounds, seed)])),
      subgroups: opts.groups ? subgroupComparisons(main, arms, anchor, opts.groups, ds.participants, rounds, seed) : [],
    },
    style: { full: style, lengthOnly },
    behaviours: {
      indicators: LEXICAL_INDICATORS,
      levels: behaviourLevels(ds.responses, arms, judged, rounds, seed),
      judge: judgeStats,
      effectOnChoices: behaviourEffect,
    },
    tokens,
    positionBias: pb,
    fidelity: { testRetest: retest, replay, rankCorrelation: rankCorr, interJudge: interJudgeAgreement(main) },
    topics: topicResult,
    dynamics: dynamics(turns, ds.ratings, arms, anchor, reference ?? "human"),
    headline: {
      arms: bt.arms.map((a) => {
        const t = tokens.find((x) => x.arm === a.arm);
        const lc = lengthOnly?.arms.find((x) => x.arm === a.arm);
        return { arm: a.arm, rating: a.rating, ci: a.ci, elo: a.elo, rank: a.rank, winRate: wr.arms.find((x) => x.arm === a.arm)?.winRate ?? null, lengthControlledWinRate: lc?.controlledWinRate ?? null, meanTotalTokens: t?.meanTotalTokens ?? null, tokensPerWin: t?.tokensPerWin ?? null };
      }),
      humanSelfConsistency: ceiling,
      twinHumanAgreement: replay?.agreement ?? null,
      twinToCeilingRatio: replay?.ratioToCeiling ?? null,
      positionBias: Object.fromEntries(pb.map((p) => [p.population, p.firstChosen])),
      significantContrasts: glmm ? glmm.contrasts.filter((c) => c.pHolm < 0.05).map((c) => `${c.a} vs ${c.b}`) : [],
    },
  };
  return results;
}

export type AnalysisResults = Awaited<ReturnType<typeof analyseDataset>>;

/** Side-by-side comparison of two analyses (e.g. humans and simulators, or two studies). */
export function compareResults(a: AnalysisResults, b: AnalysisResults, labels: [string, string]) {
  const ra = Object.fromEntries(a.arms.bradleyTerry.arms.map((x) => [x.arm, x.rating]));
  const rb = Object.fromEntries(b.arms.bradleyTerry.arms.map((x) => [x.arm, x.rating]));
  const arms = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
  return {
    labels,
    arms: arms.map((arm) => ({
      arm,
      a: a.arms.bradleyTerry.arms.find((x) => x.arm === arm) ?? null,
      b: b.arms.bradleyTerry.arms.find((x) => x.arm === arm) ?? null,
    })),
    rankCorrelation: rankCorrelation(labels[0], ra, labels[1], rb),
    positionBias: { a: a.positionBias, b: b.positionBias },
    tokens: { a: a.tokens, b: b.tokens },
  };
}
export type ExportComparison = ReturnType<typeof compareResults>;
