import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeSampleCohort, PRISM_MODELS } from "../../data/sample/sampler.js";
import { loadPrism } from "./prism.js";
import { analyseDataset } from "../analyse.js";

describe("PRISM files", () => {
  it("ranks PRISM's models from its choices and ratings", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "prismx-prism-")), "cohort");
    await writeSampleCohort({ participants: 40, seed: 5, out: dir });
    const ds = await loadPrism(dir);
    expect(ds.comparisons.length).toBeGreaterThan(100);
    // each opening turn's chosen response beats each of the others shown with it
    expect(ds.comparisons.every((c) => c.outcome === 0 || c.outcome === 1)).toBe(true);
    expect(ds.ratings.length).toBeGreaterThan(ds.comparisons.length / 2);
    const r = await analyseDataset(ds, { rounds: 100, skipGlmm: true });
    const models = r.arms.bradleyTerry.arms.map((a) => a.arm);
    expect(models.length).toBeGreaterThan(10);
    expect(models.every((m) => PRISM_MODELS.some((p) => p.name === m))).toBe(true);
    expect(r.arms.ratings.length).toBe(models.length);
    // choices and centred ratings of the same sample should broadly agree on the order
    const bt = Object.fromEntries(r.arms.bradleyTerry.arms.map((a) => [a.arm, a.rating]));
    const cr = Object.fromEntries(r.arms.ratings.map((a) => [a.arm, a.centred]));
    const xs = models.map((m) => bt[m]!);
    const ys = models.map((m) => cr[m]!);
    const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
    const my = ys.reduce((s, y) => s + y, 0) / ys.length;
    const cov = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0);
    expect(cov).toBeGreaterThan(0);
  });
});
