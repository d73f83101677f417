import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jensenShannon, kendallTauB, krippendorffAlphaNominal, spearman } from "./agreement.js";

describe("agreement statistics", () => {
  it("Krippendorff's α matches his 2011 worked example (nominal α = 0.743)", () => {
    // The example as shipped by Evalica (rows = coders, columns = units, blank = missing); kept
    // inline so the test does not depend on shared/ data.
    const rows = [
      "1,2,3,3,2,1,4,1,2,,,",
      "1,2,3,3,2,2,4,1,2,5,,3",
      ",3,3,3,2,3,4,2,2,5,1,",
      "1,2,3,3,2,4,4,1,2,5,1,",
    ].map((r) => r.split(","));
    const units = rows[0]!.map((_, u) => rows.map((r) => r[u]!).filter((v) => v !== ""));
    expect(krippendorffAlphaNominal(units)).toBeCloseTo(0.743, 3);
  });

  it("the shared copy of the example (when present) agrees with the inline one", () => {
    let text: string;
    try {
      text = readFileSync(new URL("../../../../shared/data/judgements/llmfao/krippendorff-codings.csv", import.meta.url), "utf8");
    } catch {
      return;
    }
    const rows = text.trim().split("\n").map((r) => r.split(","));
    const units = rows[0]!.map((_, u) => rows.map((r) => r[u]!).filter((v) => v !== ""));
    expect(krippendorffAlphaNominal(units)).toBeCloseTo(0.743, 3);
  });

  it("rank correlations and JS divergence", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(2 / 3, 12);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannon([0.5, 0.5], [0.5, 0.5])).toBe(0);
  });
});
