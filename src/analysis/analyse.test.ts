import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSyntheticExport, writeSyntheticExport, DEFAULT_ARMS } from "./testing/synthetic.js";
import { loadExport } from "./load/export.js";
import { analyseDataset } from "./analyse.js";

describe("analyseDataset on a synthetic export with planted effects", async () => {
  const dir = mkdtempSync(join(tmpdir(), "prismx-analyse-"));
  writeSyntheticExport(dir, generateSyntheticExport({
    seed: 21, arms: DEFAULT_ARMS, humans: 160, conversationsPerParticipant: 4, turnsPerConversation: 3,
    positionBias: 0.3, lengthEffect: 1.2, participantSd: 0.4, tieRate: 0.05, probeRate: 0.3, humanConsistency: 0.8,
    twins: true, twinAgreement: 0.35, twinPositionBias: 1.2,
  }));
  const r = await analyseDataset(loadExport(dir), { seed: 2, rounds: 300 });

  it("recovers the arm order and flags generic vs pdpo after Holm", () => {
    const bt = Object.fromEntries(r.arms.bradleyTerry.arms.map((a) => [a.arm, a]));
    expect(bt.generic!.rating).toBe(0);
    expect(bt.pdpo!.ci.lo).toBeGreaterThan(0);
    expect(bt.pdpo!.rank).toBeLessThanOrEqual(2);
    expect(r.headline.significantContrasts).toContain("generic vs pdpo");
    expect(r.arms.glmm!.multiplicity).toMatch(/Holm/);
  });

  it("recovers the planted length effect and shrinks the long arms' win rates once length is controlled", () => {
    const len = r.style.lengthOnly!.covariates.find((c) => c.name === "length")!;
    expect(len.ci.lo).toBeGreaterThan(0);
    expect(Math.abs(len.perUnit - 1.2)).toBeLessThan(0.5);
    const pdpo = r.style.lengthOnly!.arms.find((a) => a.arm === "pdpo")!;
    expect(pdpo.controlledWinRate).toBeLessThan(pdpo.rawWinRate);
  });

  it("recovers position bias per population (humans mild, twins amplified)", () => {
    const pb = Object.fromEntries(r.positionBias.map((p) => [p.population, p]));
    // planted logit 0.3 → about 0.57 for humans (less a little for the random intercept)
    expect(pb.human!.ci.lo).toBeGreaterThan(0.5);
    expect(pb.human!.firstChosen).toBeLessThan(0.65);
    expect(pb.simulated!.firstChosen).toBeGreaterThan(pb.human!.ci.hi);
    expect(Math.abs(r.arms.glmm!.positionBias.estimate - 0.3)).toBeLessThan(0.15);
  });

  it("puts twin agreement below the human test–retest ceiling", () => {
    expect(r.headline.humanSelfConsistency!).toBeGreaterThan(0.8);
    expect(r.headline.twinHumanAgreement!).toBeLessThan(r.fidelity.testRetest[0]!.ci.lo);
    expect(r.fidelity.replay!.perTwin.length).toBe(160);
    expect(r.fidelity.rankCorrelation!.arms).toBe(4);
  });

  it("finds the simulators' different topic mix and the planted behaviour gradient", () => {
    expect(r.topics!.divergence!.ci.lo).toBeGreaterThan(0.02);
    const lv = Object.fromEntries(r.behaviours.levels.map((l) => [l.arm, l]));
    expect(lv.pdpo!.lexicalSycophancyCi.lo).toBeGreaterThan(lv.generic!.lexicalSycophancyCi.hi);
    expect(lv.pdpo!.lexicalRelationship).toBeGreaterThan(lv.generic!.lexicalRelationship);
    expect(r.tokens.find((t) => t.arm === "prompt")!.meanPromptTokens).toBeGreaterThan(r.tokens.find((t) => t.arm === "pdpo")!.meanPromptTokens);
  });

  it("is byte-identical for the same seed", async () => {
    const again = await analyseDataset(loadExport(dir), { seed: 2, rounds: 300 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(r));
  });
});
