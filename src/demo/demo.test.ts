/**
 * `prismx demo` end to end on the real default model, with a tiny plan so it fits in CI: pull,
 * cohort, pairs, both trainings (Python trainer), the oracle study, the twins' replay, exports and
 * the comparison report. The full and --quick plans are timed by bench/demo/run.ts, not here.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo, type DemoResult } from "./pipeline.js";
import type { DemoPlan } from "./plan.js";
import { fmt } from "../analysis/report/html.js";

const TINY: DemoPlan = {
  cohortParticipants: 12, studyParticipants: 3, twinParticipants: 2, turns: { min: 1, max: 1 }, probes: 1, maxTokens: 32,
  trainSteps: 2, maxPromptTokens: 96, maxResponseTokens: 48, gradAccum: 2, userTokens: 2, trainPairs: 8, testPairs: 4, rounds: 100,
};

describe("prismx demo (tiny plan)", () => {
  const out = mkdtempSync(join(tmpdir(), "prismx-demo-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let r: DemoResult;
  const lines: string[] = [];

  it("runs every stage and writes everything under one folder", async () => {
    r = await runDemo({ out, plan: TINY, seed: 7, log: (l) => lines.push(l), env: { ...process.env, DATABASE_URL: "" } });
    expect(lines.filter((l) => /^\[\d\/8\]/.test(l))).toHaveLength(8);
    expect(readdirSync(out).sort()).toEqual(["artefacts", "cohort", "db", "exports", "groups.csv", "oracle-study.yaml", "pairs.jsonl", "pairs.split.json", "report", "timings.json", "twins-study.yaml"].sort());
    for (const f of ["artefacts/pdpo/manifest.json", "artefacts/pooled/manifest.json", "exports/oracle/judgements.jsonl", "exports/twins/judgements.jsonl", "report/report.html", "report/results.json"]) expect(existsSync(join(out, f)), f).toBe(true);
    const timings = JSON.parse(readFileSync(join(out, "timings.json"), "utf8")) as { stages: { stage: string }[] };
    expect(timings.stages.map((s) => s.stage)).toEqual(["model", "cohort", "pairs", "training", "oracles", "twins", "export", "analysis"]);
  }, 900_000);

  it("labels the oracles as such and pairs every twin with its oracle", () => {
    const parts = (pop: string) => readFileSync(join(out, "exports", pop, "participants.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { participant_id: string; population: string; twin_of: string });
    const oracles = parts("oracle");
    const twins = parts("twins");
    expect(oracles.map((p) => p.population)).toEqual(["oracle", "oracle", "oracle"]);
    // twinParticipants of the oracles get a twin, each a different one.
    expect(twins.map((p) => p.population)).toEqual(["simulated", "simulated"]);
    expect(new Set(twins.map((p) => p.twin_of)).size).toBe(2);
    for (const t of twins) expect(oracles.map((o) => o.participant_id)).toContain(t.twin_of);
    expect(r.results.settings.referencePopulation).toBe("oracle");
    // Twins judged exactly the oracles' items, so agreement is measured on every one of them.
    expect(r.results.fidelity.replay?.pairs).toBeGreaterThan(0);
  });

  it("reports the numbers of results.json, for all four arms and the subgroups", () => {
    const results = JSON.parse(readFileSync(join(out, "report", "results.json"), "utf8")) as DemoResult["results"];
    // results.json keeps 12 significant digits; the ranking and the rounded figures are the same.
    expect(results.headline.arms.map((a) => [a.arm, a.rank, fmt(a.rating, 3)])).toEqual(r.results.headline.arms.map((a) => [a.arm, a.rank, fmt(a.rating, 3)]));
    const html = readFileSync(r.report, "utf8");
    expect(results.headline.arms.map((a) => a.arm).sort()).toEqual(["generic", "pdpo", "pooled", "prompted"]);
    for (const a of results.arms.bradleyTerry.arms) expect(html).toContain(`<td>${a.arm}</td><td>${fmt(a.rating, 3)}</td>`);
    expect(results.arms.subgroups.map((g) => g.grouping)).toEqual(expect.arrayContaining(["own_training_data", "planted_preferences"]));
    expect(r.headline.join("\n")).toContain("oracle self-consistency");
  });
});
