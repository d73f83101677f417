import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { fitRandomInterceptLogistic } from "./glmm.js";

const fixture = new URL("../../../bench/analysis/fixtures/", import.meta.url);

describe("random-intercept logistic GLMM (Laplace)", () => {
  it("agrees with an exact-likelihood fit (60-point Gauss–Hermite, scipy) to Laplace accuracy", () => {
    const rows: Record<string, string>[] = parse(readFileSync(new URL("glmm-reference-data.csv", fixture), "utf8"), { columns: true });
    const expected = JSON.parse(readFileSync(new URL("glmm-reference-expected.json", fixture), "utf8")) as { beta: number[]; sigma: number; loglik: number };
    const n = rows.length;
    const p = 4;
    const x = new Float64Array(n * p);
    const y = new Float64Array(n);
    const cluster = new Int32Array(n);
    rows.forEach((r, i) => {
      for (let k = 0; k < p; k++) x[i * p + k] = Number(r[`x${k}`]);
      y[i] = Number(r.y);
      cluster[i] = Number(r.participant);
    });
    const fit = fitRandomInterceptLogistic({ x, n, p, y, cluster, nClusters: Math.max(...cluster) + 1 });
    expect(fit.converged).toBe(true);
    for (let k = 0; k < p; k++) expect(Math.abs(fit.beta[k]! - expected.beta[k]!)).toBeLessThan(0.01);
    expect(Math.abs(fit.sigma - expected.sigma)).toBeLessThan(0.02);
    expect(Math.abs(fit.logLik - expected.loglik)).toBeLessThan(1);
    for (let k = 0; k < p; k++) expect(fit.se[k]!).toBeGreaterThan(0.03);
  });
});
