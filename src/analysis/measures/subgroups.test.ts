import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../../core/rng.js";
import type { Comparison, ParticipantInfo } from "../types.js";
import { loadGroups } from "../load/groups.js";
import { attributesOf, subgroupComparisons } from "./subgroups.js";

/** Participants p0..p(n-1); the even ones prefer `tuned` over `generic` with prob 0.8, the odd ones 0.2. */
function data(n: number, perParticipant: number, seed: number): Comparison[] {
  const rng = Rng.for(seed, "subgroups-test");
  const out: Comparison[] = [];
  for (let p = 0; p < n; p++) {
    for (let j = 0; j < perParticipant; j++) {
      const tunedLeft = rng.float() < 0.5;
      const tunedWins = rng.float() < (p % 2 === 0 ? 0.8 : 0.2);
      const [left, right] = tunedLeft ? ["tuned", "generic"] : ["generic", "tuned"];
      out.push({
        id: `p${p}-${j}`, participant: `oracle-${p}`, population: "oracle", item: `i${j}`, left, right, outcome: tunedWins === tunedLeft ? 1 : 0,
        kind: "turn", probeOf: null, judgement: `p${p}-${j}`, conversation: 0, turn: j, sessionIndex: j, domain: null,
        leftResponse: null, rightResponse: null, leftRating: null, rightRating: null,
      });
    }
  }
  return out;
}

describe("subgroup comparisons", () => {
  const comps = data(40, 12, 3);
  // The groups table names profiles; oracles are twins of profiles, and inherit their attributes.
  const participants = new Map<string, ParticipantInfo>(Array.from({ length: 40 }, (_, p) => [`oracle-${p}`, { id: `oracle-${p}`, population: "oracle", twinOf: `user${p}` }]));
  const groups = new Map(Array.from({ length: 40 }, (_, p) => [`user${p}`, { likes_tuned: p % 2 === 0 ? "yes" : "no" }]));

  it("recovers opposite preferences in two planted groups, with intervals that exclude one half", () => {
    const sg = subgroupComparisons(comps, ["generic", "tuned"], "generic", groups, participants, 400, 1);
    expect(sg.map((g) => [g.grouping, g.group, g.participants, g.comparisons])).toEqual([["likes_tuned", "no", 20, 240], ["likes_tuned", "yes", 20, 240]]);
    const [no, yes] = sg.map((g) => g.vsAnchor[0]!);
    expect(yes!.arm).toBe("tuned");
    expect(Math.abs(yes!.winRateVsAnchor! - 0.8)).toBeLessThan(0.08);
    expect(Math.abs(no!.winRateVsAnchor! - 0.2)).toBeLessThan(0.08);
    expect(yes!.ci!.lo).toBeGreaterThan(0.5);
    expect(no!.ci!.hi).toBeLessThan(0.5);
    expect(sg[1]!.bradleyTerry!.arms.find((a) => a.arm === "tuned")!.rating).toBeGreaterThan(0);
  });

  it("follows twin-of links, and leaves out participants with no attributes", () => {
    const withTwin = new Map(participants).set("twin-oracle-3", { id: "twin-oracle-3", population: "simulated", twinOf: "oracle-3" });
    expect(attributesOf("twin-oracle-3", groups, withTwin)).toEqual({ likes_tuned: "no" });
    expect(attributesOf("stranger", groups, withTwin)).toBeUndefined();
    const sg = subgroupComparisons(comps, ["generic", "tuned"], "generic", new Map([["user0", { likes_tuned: "yes" }]]), participants, 50, 1);
    expect(sg).toHaveLength(1);
    expect(sg[0]!.participants).toBe(1);
  });

  it("reads CSV and JSONL tables, and names the file and line of a mistake", () => {
    const dir = mkdtempSync(join(tmpdir(), "prismx-groups-"));
    writeFileSync(join(dir, "g.csv"), "participant,wave,country\nuser1,1,UK\nuser2,2,\n");
    expect([...loadGroups(join(dir, "g.csv"))]).toEqual([["user1", { wave: "1", country: "UK" }], ["user2", { wave: "2" }]]);
    writeFileSync(join(dir, "g.jsonl"), '{"participant_id":"a","seen":true}\n{"participant_id":"b","seen":false}\n');
    expect(loadGroups(join(dir, "g.jsonl")).get("b")).toEqual({ seen: "false" });
    writeFileSync(join(dir, "bad.jsonl"), '{"participant_id":"a","seen":true}\n{"participant_id":\n');
    expect(() => loadGroups(join(dir, "bad.jsonl"))).toThrow(/not valid JSON/);
    try {
      loadGroups(join(dir, "bad.jsonl"));
    } catch (e) {
      expect((e as { location?: { line?: number } }).location?.line).toBe(2);
    }
    writeFileSync(join(dir, "dup.csv"), "participant,wave\nu,1\nu,2\n");
    expect(() => loadGroups(join(dir, "dup.csv"))).toThrow(/appears twice/);
    writeFileSync(join(dir, "noid.csv"), "who,wave\nu,1\n");
    expect(() => loadGroups(join(dir, "noid.csv"))).toThrow(/no participant column/);
    expect(() => loadGroups(join(dir, "missing.csv"))).toThrow(/file not found/);
  });
});
