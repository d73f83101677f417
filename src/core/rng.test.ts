import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Rng, deriveSeed } from "./rng.js";

describe("Rng", () => {
  it("reproduces a stream from its seed and path", () => {
    const a = Rng.for(42, "plan", "user1");
    const b = Rng.for(42, "plan", "user1");
    expect(Array.from({ length: 20 }, () => a.int(0, 1000))).toEqual(Array.from({ length: 20 }, () => b.int(0, 1000)));
  });

  it("gives independent streams to different participants, whatever order they run in", () => {
    const order1 = ["u1", "u2", "u3"].map((p) => Rng.for(7, "plan", p).shuffle([1, 2, 3, 4, 5, 6]));
    const order2 = ["u3", "u1", "u2"].map((p) => Rng.for(7, "plan", p).shuffle([1, 2, 3, 4, 5, 6]));
    expect(order1[0]).toEqual(order2[1]);
    expect(order1[2]).toEqual(order2[0]);
    expect(deriveSeed(7, "plan", "u1")).not.toBe(deriveSeed(7, "plan", "u2"));
    // "1" and 1 are different names.
    expect(deriveSeed(7, 1)).not.toBe(deriveSeed(7, "1"));
  });

  it("keeps draws in range and floats in [0, 1)", () => {
    fc.assert(fc.property(fc.integer(), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 100 }), (seed, lo, width) => {
      const r = Rng.for(seed, "t");
      for (let i = 0; i < 20; i++) {
        const v = r.int(lo, lo + width);
        if (v < lo || v > lo + width || !Number.isInteger(v)) return false;
        const f = r.float();
        if (f < 0 || f >= 1) return false;
      }
      return true;
    }));
  });

  it("shuffles into a permutation and samples distinct items", () => {
    fc.assert(fc.property(fc.integer(), fc.array(fc.integer(), { maxLength: 30 }), (seed, xs) => {
      const r = Rng.for(seed);
      const s = r.shuffle(xs);
      const k = r.sample(xs.map((_, i) => i), 5);
      return JSON.stringify([...s].sort((p, q) => p - q)) === JSON.stringify([...xs].sort((p, q) => p - q)) && new Set(k).size === k.length;
    }));
  });

  it("draws roughly uniform and standard-normal values", () => {
    const r = Rng.for(1, "moments");
    const n = 20000;
    let sum = 0, sumsq = 0, u = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      sum += x; sumsq += x * x; u += r.float();
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(sumsq / n - 1)).toBeLessThan(0.05);
    expect(Math.abs(u / n - 0.5)).toBeLessThan(0.01);
  });
});
