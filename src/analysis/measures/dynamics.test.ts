import { describe, expect, it } from "vitest";
import { generateSyntheticExport, DEFAULT_ARMS } from "../testing/synthetic.js";
import { judgementsToComparisons } from "../load/export.js";
import { dynamics } from "./dynamics.js";

describe("feedback dynamics", () => {
  it("recovers a planted drift over turns for humans and a flatter, diverging simulator trajectory", () => {
    const e = generateSyntheticExport({ seed: 8, arms: DEFAULT_ARMS, humans: 250, conversationsPerParticipant: 3, turnsPerConversation: 4, turnDrift: 0.5, twins: true, twinAgreement: 0.2, twinPositionBias: 0 });
    const comps = judgementsToComparisons(e.judgements);
    const ratings = e.judgements.filter((j) => j.kind === "turn").flatMap((j) => j.ratings.map((r, pos) => ({ participant: j.participant_id, population: j.population, arm: j.arms[pos]!, rating: r!, turn: j.turn, sessionIndex: j.session_index })));
    const arms = DEFAULT_ARMS.map((a) => a.name).sort();
    const d = dynamics(comps, ratings, arms, "generic");
    const at = (pop: string, step: number) => d.byTurn.find((c) => c.population === pop && c.step === step && c.arm === "pdpo")!;
    expect(at("human", 3).rating! - at("human", 0).rating!).toBeGreaterThan(0.6);
    const simRise = at("simulated", 3).rating! - at("simulated", 0).rating!;
    expect(simRise).toBeLessThan(at("human", 3).rating! - at("human", 0).rating!);
    expect(d.turnDivergence!).toBeGreaterThan(0.1);
    expect(d.bySession.filter((c) => c.population === "human").map((c) => c.step).sort()).toContain(2);
    expect(at("human", 0).centredRating).not.toBeNull();
  });
});
