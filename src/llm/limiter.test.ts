import { describe, expect, it } from "vitest";
import { Limiter } from "./limiter.js";
import { backoffMs, withRetries } from "./retry.js";
import { ModelError } from "./types.js";

describe("Limiter", () => {
  it("never runs more than its capacity, in FIFO order", async () => {
    const l = new Limiter(2);
    let active = 0, peak = 0;
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => l.run(async () => {
      active++; peak = Math.max(peak, active); order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      active--;
    })));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(l.inFlight).toBe(0);
  });

  it("a waiter can be cancelled and then holds no slot", async () => {
    const l = new Limiter(1);
    const release = await l.acquire();
    const ac = new AbortController();
    const waiting = l.acquire(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ kind: "cancelled" });
    expect(l.queued).toBe(0);
    release();
    expect(l.inFlight).toBe(0);
  });
});

describe("retries", () => {
  const p = { maxRetries: 3, baseMs: 100, maxMs: 1000, random: () => 0.999 };
  it("backs off exponentially up to the cap, and obeys Retry-After", () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffMs(a, p))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffMs(0, p, 250)).toBe(250);
  });

  it("retries only transient kinds", async () => {
    let n = 0;
    await expect(withRetries(() => { n++; return Promise.reject(new ModelError("auth", "no")); }, { ...p, baseMs: 1 })).rejects.toMatchObject({ kind: "auth" });
    expect(n).toBe(1);
    n = 0;
    const r = await withRetries(() => (++n < 3 ? Promise.reject(new ModelError("timeout", "slow")) : Promise.resolve("ok")), { ...p, baseMs: 1 });
    expect(r).toBe("ok");
    expect(n).toBe(3);
  });
});
