/**
 * The embedded database thread on its own: errors keep PostgreSQL's fields, transactions commit
 * or roll back as in PGlite, and new data folders come from one template per machine.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGliteThread } from "./pglite-thread.js";

let home: string;
const saved = process.env.PRISMX_HOME;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "prismx-pglite-thread-"));
  process.env.PRISMX_HOME = join(home, "prismx-home");
});
afterAll(() => {
  if (saved === undefined) delete process.env.PRISMX_HOME;
  else process.env.PRISMX_HOME = saved;
  rmSync(home, { recursive: true, force: true });
});

describe("PGliteThread", () => {
  it("makes the template once, copies it for each new folder, and keeps folders apart", async () => {
    const a = await PGliteThread.open(join(home, "a"));
    const templates = readdirSync(join(home, "prismx-home", "cache"));
    expect(templates).toEqual([expect.stringMatching(/^pglite-\d+\.\d+\.\d+-empty$/)]);
    await a.query("CREATE TABLE t (x int)");
    await a.query("INSERT INTO t VALUES (1)");
    await a.close();

    const b = await PGliteThread.open(join(home, "b"));
    expect(readdirSync(join(home, "prismx-home", "cache"))).toEqual(templates); // no leftover temp folder
    await expect(b.query("SELECT * FROM t")).rejects.toMatchObject({ code: "42P01" }); // b is not a
    await b.close();

    const again = await PGliteThread.open(join(home, "a"));
    expect((await again.query("SELECT x FROM t")).rows).toEqual([{ x: 1 }]);
    await again.close();
    expect(existsSync(join(home, "prismx-home", "cache", templates[0]!, "PG_VERSION"))).toBe(true);
  });

  it("keeps PostgreSQL's error fields, and the thread stays usable after an error", async () => {
    const db = await PGliteThread.open(null);
    await db.query("CREATE TABLE u (k text PRIMARY KEY)");
    await db.query("INSERT INTO u VALUES ($1)", ["x"]);
    await expect(db.query("INSERT INTO u VALUES ($1)", ["x"])).rejects.toMatchObject({ code: "23505", constraint: "u_pkey" });
    expect((await db.query("SELECT count(*)::int AS n FROM u")).rows).toEqual([{ n: 1 }]);
    expect((await db.query("SELECT k FROM u", [], { rowMode: "array" })).rows).toEqual([["x"]]);
    await db.close();
    await expect(db.query("SELECT 1")).rejects.toThrow(/closed/);
  });

  it("commits a transaction that returns, rolls back one that throws; others wait for it", async () => {
    const db = await PGliteThread.open(null);
    await db.query("CREATE TABLE v (x int)");
    let outsideSaw: unknown;
    const r = await db.transaction(async (tx) => {
      await tx.query("INSERT INTO v VALUES (1)");
      // A query outside the transaction queues behind it rather than seeing half of it.
      const outside = db.query("SELECT count(*)::int AS n FROM v").then((x) => { outsideSaw = x.rows; });
      await tx.query("INSERT INTO v VALUES (2)");
      return { outside }; // not awaited inside: it cannot run until this transaction ends
    }).then(async ({ outside }) => { await outside; return "done"; });
    expect(r).toBe("done");
    expect(outsideSaw).toEqual([{ n: 2 }]);
    await expect(db.transaction(async (tx) => {
      await tx.query("INSERT INTO v VALUES (3)");
      throw new Error("changed my mind");
    })).rejects.toThrow("changed my mind");
    expect((await db.query("SELECT x FROM v ORDER BY x")).rows).toEqual([{ x: 1 }, { x: 2 }]);
    await db.close();
  });
});
