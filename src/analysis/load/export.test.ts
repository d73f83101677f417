import { describe, expect, it } from "vitest";
import { JudgementRow } from "../../core/export.js";
import { judgementsToComparisons } from "./export.js";
import { positionBias } from "../measures/position.js";
import { testRetest, verdict } from "../measures/fidelity.js";

const row = (over: Partial<JudgementRow>): JudgementRow => JudgementRow.parse({
  study_id: "s", judgement_id: "j", participant_id: "p1", population: "human", kind: "turn", conversation: 0, turn: 0, domain: "unguided",
  probe_of: null, session_index: 0, arms: ["a", "b", "c"], response_ids: ["ra", "rb", "rc"], ratings: [null, null, null],
  choice_position: 1, choice_arm: "b", tie: false, reasons: null, elapsed_ms: null, ...over,
});

describe("judgements of more than two responses (all-arms designs)", () => {
  it("become chosen-beats-each-other pairs, and whole-judgement measures see the judgement once", () => {
    const rows = [
      row({ judgement_id: "j1" }),
      row({ judgement_id: "j2", session_index: 1, choice_position: 0, choice_arm: "a" }),
      row({ judgement_id: "j3", session_index: 2, tie: true, choice_position: null, choice_arm: null }),
      row({ judgement_id: "j1p", session_index: 3, kind: "probe", probe_of: "j1", arms: ["c", "b", "a"], response_ids: ["rc", "rb", "ra"], choice_position: 1, choice_arm: "b" }),
      row({ judgement_id: "j2p", session_index: 4, kind: "probe", probe_of: "j2", arms: ["c", "b", "a"], response_ids: ["rc", "rb", "ra"], choice_position: 0, choice_arm: "c" }),
    ];
    const comps = judgementsToComparisons(rows);
    const j1 = comps.filter((c) => c.judgement === "j1");
    expect(j1.map((c) => [c.left, c.right, c.outcome])).toEqual([["a", "b", 0], ["b", "c", 1]]);
    expect(comps.filter((c) => c.judgement === "j3")).toHaveLength(3);
    expect(verdict(j1[0]!)).toBe("b");
    const pb = positionBias(comps, 50, 0)[0]!;
    expect(pb.n).toBe(3);
    expect(pb.firstChosen).toBe(0.5); // j2 chose position 0, j1 position 1; j3 tied
    expect(pb.expected).toBeCloseTo(1 / 3, 12);
    const tr = testRetest(comps, 50, 0)[0]!;
    expect(tr.pairs).toBe(2);
    expect(tr.agreement).toBe(0.5);
  });
});
