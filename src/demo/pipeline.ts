/**
 * `prismx demo`: the whole PRISM-X loop, offline, on the embedded defaults —
 * default model → synthetic cohort with planted preferences → P-DPO pairs → individual P-DPO and
 * pooled DPO training → four arms → a blinded pairwise study with oracle participants (judging by
 * their planted preferences, standing in for humans) → LLM twins replaying the same items →
 * exports → analysis and comparison report.
 *
 * Everything goes under one output folder. `results.json` depends only on the seed; stage timings
 * go to `timings.json` beside it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pullModel } from "../llm/pull.js";
import { writeSampleCohort } from "../data/sample/sampler.js";
import { writePairs } from "../data/pairs/write.js";
import { runTrain } from "../cli/commands/train.js";
import { openStore, type Store } from "../store/index.js";
import { simulateStudy } from "../sim/build.js";
import type { Progress } from "../sim/runner.js";
import { exportStudy } from "../data/export/write.js";
import { runAnalyse, headlineLines } from "../cli/commands/analyse.js";
import type { AnalysisResults } from "../analysis/analyse.js";
import { FULL, QUICK, type DemoPlan } from "./plan.js";
import { capPairs, trainedParticipants } from "./cap-pairs.js";
import { loadGroundTruth } from "../data/sample/groundTruth.js";
import { loadProfiles } from "../data/prism/read.js";
import { demoStudy, ORACLE_STUDY_ID, TWINS_STUDY_ID } from "./studies.js";

export interface DemoOptions {
  out: string;
  quick?: boolean;
  seed?: number;
  /** Override the plan (tests use a tiny one). */
  plan?: Partial<DemoPlan>;
  log?: (line: string) => void;
  /** Progress of the simulated study (a bar on a terminal). */
  onProgress?: (stage: string, p: Progress) => void;
  env?: NodeJS.ProcessEnv;
}

export interface StageTiming {
  stage: string;
  seconds: number;
}

export interface DemoResult {
  out: string;
  report: string;
  results: AnalysisResults;
  headline: string[];
  timings: StageTiming[];
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const plan: DemoPlan = { ...(o.quick ? QUICK : FULL), ...o.plan };
  const seed = o.seed ?? 20261203;
  const log = o.log ?? (() => undefined);
  const env = o.env ?? process.env;
  const out = resolve(o.out);
  const timings: StageTiming[] = [];
  const stages = 8;
  let n = 0;
  /** `short` names the stage in timings.json and the closing line. */
  const stage = async <T>(short: string, name: string, fn: () => Promise<T>): Promise<T> => {
    n += 1;
    log(`[${n}/${stages}] ${name}…`);
    const t0 = performance.now();
    const r = await fn();
    const s = (performance.now() - t0) / 1000;
    timings.push({ stage: short, seconds: Math.round(s * 10) / 10 });
    log(`      done in ${s.toFixed(1)} s`);
    return r;
  };

  // A demo run starts clean: earlier databases and artefacts would make it resume, not rerun.
  for (const sub of ["db", "artefacts", "exports", "report"]) rmSync(join(out, sub), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const paths = {
    cohort: join(out, "cohort"),
    pairs: join(out, "pairs.jsonl"),
    pdpo: join(out, "artefacts", "pdpo"),
    pooled: join(out, "artefacts", "pooled"),
    oracleStudy: join(out, "oracle-study.yaml"),
    twinsStudy: join(out, "twins-study.yaml"),
    oracleExport: join(out, "exports", "oracle"),
    twinsExport: join(out, "exports", "twins"),
    report: join(out, "report"),
    refCache: join(out, "artefacts", "reference-logps.json"),
    groups: join(out, "groups.csv"),
  };

  const model = await stage("model", "default model (pull or verify)", () => pullModel({ env, log: (l) => log(`      ${l}`) }));

  await stage("cohort", `synthetic cohort (${plan.cohortParticipants} participants with planted preferences)`, async () => {
    const s = await writeSampleCohort({ out: paths.cohort, participants: plan.cohortParticipants, seed, force: true });
    log(`      ${s.participants} participants, ${s.conversations} conversations, ${s.utterances} rated responses → ${paths.cohort}`);
  });

  // The study meets the cohort's first profiles (in survey order); their pairs are trained first.
  const studyUsers = new Set([...(await loadProfiles(paths.cohort)).keys()].slice(0, plan.studyParticipants));
  await stage("pairs", "P-DPO preference pairs", async () => {
    // Without textual user information: the P-DPO arm's personalisation must come from its
    // learned tokens, while the prompt arm carries the profile as text (PRISM-X's contrast).
    const c = await writePairs({ dir: paths.cohort, out: paths.pairs, seed, textualInfo: false });
    const kept = capPairs(paths.pairs, { train: plan.trainPairs, test: plan.testPairs }, seed, studyUsers);
    log(`      ${c.seenUsers} seen and ${c.unseenUsers} unseen users; ${c.trainPairs} + ${c.genericCopies} generic-copy training pairs, ${c.testPairs} held-out; kept ${kept.train} / ${kept.test} for this demo's budget`);
  });

  await stage("training", `training: individual P-DPO and pooled DPO (${plan.trainSteps} steps each)`, async () => {
    for (const [mode, dir] of [["individual", paths.pdpo], ["pooled", paths.pooled]] as const) {
      const r = await runTrain(
        { pairs: paths.pairs, base: model.path, mode, out: dir, maxSteps: plan.trainSteps, userTokens: plan.userTokens, seed, overwrite: true, noHf: true,
          extraArgs: ["--ref-cache", paths.refCache, "--max-prompt-tokens", String(plan.maxPromptTokens), "--max-response-tokens", String(plan.maxResponseTokens), "--warmup-steps", String(Math.max(1, Math.floor(plan.trainSteps / 10))), "--grad-accum", String(plan.gradAccum), "--lr", "2e-4"] },
        { out: (l) => log(`      ${mode}: ${l}`), err: (l) => log(`      ${mode}: ${l}`), env },
      );
      log(`      ${mode}: held-out pairwise accuracy ${r.accuracy?.toFixed(3) ?? "–"} (seen ${r.accuracySeen?.toFixed(3) ?? "–"}, unseen ${r.accuracyUnseen?.toFixed(3) ?? "–"})`);
    }
  });

  writeFileSync(paths.groups, await groupsTable(paths.cohort, studyUsers, trainedParticipants(paths.pairs)));

  const common = { seed, cohort: paths.cohort, pdpo: paths.pdpo, pooled: paths.pooled };
  writeFileSync(paths.oracleStudy, demoStudy(plan, { id: ORACLE_STUDY_ID, ...common }));
  writeFileSync(paths.twinsStudy, demoStudy(plan, { id: TWINS_STUDY_ID, ...common }));

  const store: Store = await openStore({ dir: join(out, "db") });
  try {
    await stage("oracles", `study with ${plan.studyParticipants} oracle participants (4 arms, pairwise, blinded)`, async () => {
      const s = await simulateStudy({
        studyFile: paths.oracleStudy, store, population: "oracle", participants: plan.studyParticipants, env,
        ...(o.onProgress ? { onProgress: (p: Progress) => o.onProgress!("oracles", p) } : {}),
      });
      log(`      ${s.judgements} judgements, ${s.modelCalls} model calls (${s.modelFailures} failed)`);
    });
    await stage("twins", `LLM twins of ${plan.twinParticipants} oracles replay their judgements`, async () => {
      const s = await simulateStudy({
        studyFile: paths.twinsStudy, store, population: "simulated", mode: "replay", replayOf: ORACLE_STUDY_ID, participants: plan.twinParticipants, env,
        ...(o.onProgress ? { onProgress: (p: Progress) => o.onProgress!("twins", p) } : {}),
      });
      log(`      ${s.judgements} judgements, ${s.modelCalls} model calls (${s.modelFailures} failed)`);
    });
    await stage("export", "export both studies", async () => {
      await exportStudy({ store, studyId: ORACLE_STUDY_ID, outDir: paths.oracleExport, force: true });
      await exportStudy({ store, studyId: TWINS_STUDY_ID, outDir: paths.twinsExport, force: true });
    });
  } finally {
    await store.close();
  }

  const analysed = await stage("analysis", "analysis and comparison report", () =>
    runAnalyse({ input: paths.oracleExport, compare: paths.twinsExport, out: paths.report, seed, rounds: plan.rounds, embeddingModel: "minilm", groups: paths.groups }, { log: (l) => log(`      ${l}`) }),
  );
  writeFileSync(join(out, "timings.json"), `${JSON.stringify({ plan: o.quick ? "quick" : "full", stages: timings }, null, 2)}\n`);
  const report = join(paths.report, "report.html");
  if (!existsSync(report)) throw new Error(`the analysis wrote no report at ${report}`);
  return { out, report, results: analysed.results, headline: headlineLines(analysed.results), timings };
}

/**
 * The subgroups the demo's claim is about: whether a participant's own pairs trained their P-DPO
 * tokens, and whether their planted preferences depart from the population's (an archetype other
 * than neutral) — the participants personalisation should help.
 */
async function groupsTable(cohort: string, users: ReadonlySet<string>, trained: ReadonlySet<string>): Promise<string> {
  const truth = await loadGroundTruth(cohort);
  const rows = ["participant,own_training_data,planted_preferences"];
  for (const u of [...users].sort()) {
    const archetype = truth.get(u)?.archetype ?? "neutral";
    rows.push(`${u},${trained.has(u) ? "yes" : "no"},${archetype === "neutral" ? "population-like" : "distinctive"}`);
  }
  return `${rows.join("\n")}\n`;
}
