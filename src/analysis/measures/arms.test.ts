import { describe, expect, it } from "vitest";
import { generateSyntheticExport, DEFAULT_ARMS } from "../testing/synthetic.js";
import { judgementsToComparisons } from "../load/export.js";
import { armGlmm, centredRatings, winRates } from "./arms.js";
import { bradleyTerry } from "../stats/bt.js";
import { holm } from "../stats/multiplicity.js";

describe("arm comparison", () => {
  const e = generateSyntheticExport({ seed: 11, arms: DEFAULT_ARMS, humans: 200, conversationsPerParticipant: 6, turnsPerConversation: 4, positionBias: 0.4, participantSd: 0.8, tieRate: 0.05 });
  const comps = judgementsToComparisons(e.judgements);
  const arms = DEFAULT_ARMS.map((a) => a.name).sort();

  it("GLMM recovers planted arm effects, position bias and the participant SD", () => {
    const bt = bradleyTerry(comps, arms, { anchor: "generic", rounds: 100 });
    const g = armGlmm(comps, arms, "generic", bt);
    expect(g.converged).toBe(true);
    for (const a of g.arms) {
      const planted = DEFAULT_ARMS.find((x) => x.name === a.arm)!.beta;
      expect(Math.abs(a.effect - planted)).toBeLessThan(3 * Math.max(a.se, 0.02));
    }
    expect(Math.abs(g.positionBias.estimate - 0.4)).toBeLessThan(0.15);
    expect(Math.abs(g.participantSd - 0.8)).toBeLessThan(0.25);
    const big = g.contrasts.find((c) => c.a === "generic" && c.b === "pdpo")!;
    expect(big.pHolm).toBeLessThan(0.001);
    expect(big.pHolm).toBeGreaterThanOrEqual(big.p);
  });

  it("win rates and centred ratings order the arms as planted", () => {
    const w = winRates(comps, arms, 100, 1);
    const byArm = Object.fromEntries(w.arms.map((a) => [a.arm, a.winRate]));
    expect(byArm.pdpo!).toBeGreaterThan(byArm.generic!);
    const ab = w.pairs.find((p) => p.a === "pdpo" && p.b === "generic")!;
    const ba = w.pairs.find((p) => p.a === "generic" && p.b === "pdpo")!;
    expect(ab.winRate + ba.winRate).toBeCloseTo(1, 10);
    const ratings = judgementsToComparisons(e.judgements).length > 0 ? e.judgements.flatMap((j) => j.kind === "turn" ? j.ratings.map((r, pos) => ({ participant: j.participant_id, population: j.population, arm: j.arms[pos]!, rating: r!, turn: j.turn, sessionIndex: j.session_index })) : []) : [];
    const cr = centredRatings(ratings, arms, 100, 1);
    const c = Object.fromEntries(cr.map((r) => [r.arm, r.centred]));
    expect(c.pdpo!).toBeGreaterThan(c.prompt!);
    expect(c.prompt!).toBeGreaterThan(c.generic!);
  });

  it("Holm adjusts step-down and stays monotone", () => {
    expect(holm([0.01, 0.04, 0.03, 0.005])).toEqual([0.03, 0.06, 0.06, 0.02]);
  });
});
