import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadBattles } from "../load/battles.js";
import { bradleyTerry } from "./bt.js";
import { generateSyntheticExport, DEFAULT_ARMS } from "../testing/synthetic.js";
import { judgementsToComparisons } from "../load/export.js";

const fixture = new URL("../../../bench/analysis/fixtures/", import.meta.url);

describe("Bradley–Terry", () => {
  it("equals the statsmodels reference fit to 1e-6 (ties as two half-weighted rows)", () => {
    const expected = JSON.parse(readFileSync(new URL("bt-reference-expected.json", fixture), "utf8")) as { coef: Record<string, number>; se: Record<string, number>; anchor: string };
    const data = loadBattles(new URL("bt-reference-battles.csv", fixture).pathname);
    expect(data.comparisons.filter((c) => c.outcome === 0.5).length).toBeGreaterThan(100);
    const arms = Object.keys(expected.coef).sort();
    const bt = bradleyTerry(data.comparisons, arms, { anchor: expected.anchor, rounds: 10 });
    for (const a of bt.arms) {
      expect(Math.abs(a.rating - expected.coef[a.arm]!)).toBeLessThan(1e-6);
      expect(Math.abs(a.se - expected.se[a.arm]!)).toBeLessThan(1e-6);
    }
  });

  it("recovers planted arm effects, and the participant-bootstrap interval covers them", () => {
    const e = generateSyntheticExport({ seed: 3, arms: DEFAULT_ARMS, humans: 150, conversationsPerParticipant: 6, turnsPerConversation: 4, tieRate: 0.1, participantSd: 0.3 });
    const comps = judgementsToComparisons(e.judgements);
    const arms = DEFAULT_ARMS.map((a) => a.name).sort();
    const bt = bradleyTerry(comps, arms, { anchor: "generic", rounds: 300, seed: 1 });
    for (const a of bt.arms) {
      const planted = DEFAULT_ARMS.find((x) => x.name === a.arm)!.beta;
      expect(a.ci.lo).toBeLessThanOrEqual(planted);
      expect(a.ci.hi).toBeGreaterThanOrEqual(planted);
      expect(Math.abs(a.rating - planted)).toBeLessThan(0.2);
    }
    expect(bt.arms.find((a) => a.arm === "pdpo")!.rank).toBe(1);
    expect(bt.nParticipants).toBe(150);
  });

  it("is deterministic for a seed and differs for another", () => {
    const e = generateSyntheticExport({ seed: 4, arms: DEFAULT_ARMS, humans: 30, conversationsPerParticipant: 6, turnsPerConversation: 2 });
    const comps = judgementsToComparisons(e.judgements);
    const arms = DEFAULT_ARMS.map((a) => a.name).sort();
    const a = bradleyTerry(comps, arms, { seed: 7, rounds: 50 });
    const b = bradleyTerry(comps, arms, { seed: 7, rounds: 50 });
    const c = bradleyTerry(comps, arms, { seed: 8, rounds: 50 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });
});
