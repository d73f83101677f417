import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStudyConfig } from "../core/study.js";
import { openStore, SeqConflictError, type Store, type OpenStoreOptions } from "./store.js";

const config = parseStudyConfig(`
id: store-test
seed: 1
models: { base: { provider: embedded } }
arms:
  - { id: a, model: base, strategy: none }
  - { id: b, model: base, strategy: prompt }
`);

// The same suite on every backend: PGlite always; PostgreSQL when DATABASE_URL is set (CI sets it).
const backends: [string, () => OpenStoreOptions][] = [["pglite", () => ({ dir: mkdtempSync(join(tmpdir(), "prismx-store-")) })]];
if (process.env.DATABASE_URL) backends.push(["postgres", () => ({ url: process.env.DATABASE_URL! })]);

describe.each(backends)("store on %s", (backend, makeOptions) => {
  let store: Store;
  let opts: OpenStoreOptions;
  // Unique ids per run so a shared PostgreSQL database needs no cleanup between runs.
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const studyId = `s-${run}`;

  beforeAll(async () => {
    opts = makeOptions();
    store = await openStore(opts);
    await store.studies.put({ id: studyId, config, configHash: "h1" });
  });
  afterAll(async () => {
    await store.close();
    if (opts.dir) rmSync(opts.dir, { recursive: true, force: true });
  });

  it("reports its backend", () => {
    expect(store.backend).toBe(backend);
  });

  it("stores a study and keeps the first config hash", async () => {
    const again = await store.studies.put({ id: studyId, config, configHash: "h2" });
    expect(again.configHash).toBe("h1");
    expect(again.config.arms.map((a) => a.id)).toEqual(["a", "b"]);
    await store.studies.setPaused(studyId, true);
    expect((await store.studies.get(studyId))?.paused).toBe(true);
  });

  it("enrols idempotently", async () => {
    const p1 = await store.participants.enrol({ studyId, id: "p1", kind: "simulated" });
    const p1b = await store.participants.enrol({ studyId, id: "p1", kind: "human" });
    expect(p1b).toEqual(p1);
    expect(p1.status).toBe("enrolled");
  });

  it("appends gap-free, in order, and refuses a stale expected seq", async () => {
    await store.participants.enrol({ studyId, id: "p2", kind: "simulated" });
    const first = await store.events.append(studyId, "p2", [{ type: "participant.enrolled", kind: "simulated" }, { type: "consent.given" }], 0);
    expect(first.map((e) => e.seq)).toEqual([0, 1]);
    await expect(store.events.append(studyId, "p2", [{ type: "consent.given" }], 0)).rejects.toBeInstanceOf(SeqConflictError);
    await store.events.append(studyId, "p2", [{ type: "participant.finished", reason: "completed" }], 2);
    const log = await store.events.list(studyId, "p2");
    expect(log.map((e) => [e.seq, e.body.type])).toEqual([[0, "participant.enrolled"], [1, "consent.given"], [2, "participant.finished"]]);
    expect((await store.participants.get(studyId, "p2"))?.status).toBe("finished");
  });

  it("rejects an invalid event body before writing anything", async () => {
    await store.participants.enrol({ studyId, id: "p3", kind: "simulated" });
    await expect(store.events.append(studyId, "p3", [{ type: "consent.given" }, { type: "message.written", conversation: 0, turn: 0, text: "" } as never])).rejects.toThrow();
    expect(await store.events.list(studyId, "p3")).toEqual([]);
  });

  it("rolls back every write of a failed transaction", async () => {
    await store.participants.enrol({ studyId, id: "p4", kind: "simulated" });
    await expect(store.transaction(async (tx) => {
      await tx.events.append(studyId, "p4", [{ type: "consent.given" }]);
      await tx.participants.enrol({ studyId, id: "p4-ghost", kind: "simulated" });
      throw new Error("boom midway");
    })).rejects.toThrow("boom midway");
    expect(await store.events.list(studyId, "p4")).toEqual([]);
    expect(await store.participants.get(studyId, "p4-ghost")).toBeNull();
    expect((await store.participants.get(studyId, "p4"))?.nextSeq).toBe(0);
  });

  it("keeps concurrent appends gap-free with no duplicates", async () => {
    await store.participants.enrol({ studyId, id: "p5", kind: "simulated" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.events.append(studyId, "p5", [{ type: "attention.answered", check: i, answer: String(i), passed: true }])));
    const log = await store.events.list(studyId, "p5");
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(new Set(log.map((e) => (e.body.type === "attention.answered" ? e.body.check : -1))).size).toBe(20);
  });

  it("hands each participant to one worker at a time", async () => {
    const sid = `claims-${run}`;
    await store.studies.put({ id: sid, config, configHash: "h" });
    for (const id of ["c1", "c2", "c3"]) await store.participants.enrol({ studyId: sid, id, kind: "simulated" });
    const claims = await Promise.all(["w1", "w2", "w3", "w4"].map((w) => store.participants.claimNext(sid, w)));
    const ids = claims.filter((c) => c !== null).map((c) => c.id).sort();
    expect(ids).toEqual(["c1", "c2", "c3"]);
    expect(claims.filter((c) => c === null)).toHaveLength(1);
  });

  it("pages through a study's whole log in order", async () => {
    const sid = `pages-${run}`;
    await store.studies.put({ id: sid, config, configHash: "h" });
    for (const id of ["x", "y"]) {
      await store.participants.enrol({ studyId: sid, id, kind: "simulated" });
      await store.events.append(sid, id, Array.from({ length: 7 }, (_, i) => ({ type: "attention.answered" as const, check: i, answer: "a", passed: true })));
    }
    const seen: string[] = [];
    for await (const e of store.events.iterateStudy(sid, 3)) seen.push(`${e.participantId}${e.seq}`);
    expect(seen).toEqual([...Array.from({ length: 7 }, (_, i) => `x${i}`), ...Array.from({ length: 7 }, (_, i) => `y${i}`)]);
    expect(await store.events.count(sid)).toBe(14);
    expect(await store.events.count(sid, "consent.given")).toBe(0);
  });

  it("records model calls and summarises model health", async () => {
    await store.modelCalls.record({ studyId, participantId: "p1", role: "arm:a", model: "m", ok: true, errorKind: null, latencyMs: 100, promptTokens: 10, completionTokens: 5 });
    await store.modelCalls.record({ studyId, participantId: "p1", role: "arm:a", model: "m", ok: false, errorKind: "timeout", latencyMs: 300, promptTokens: 0, completionTokens: 0 });
    expect(await store.modelCalls.health(studyId)).toEqual([{ role: "arm:a", model: "m", calls: 2, errors: 1, meanLatencyMs: 200, promptTokens: 10, completionTokens: 5 }]);
  });

  it("leaves nothing behind when the process is killed mid-transaction", async () => {
    await store.participants.enrol({ studyId, id: "p6", kind: "simulated" });
    let childOpts = opts;
    if (backend === "pglite") {
      // PGlite is single-process: close ours so the child can open the same folder.
      await store.close();
    }
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "testing", "kill-mid-transaction.ts"), childOpts.url ?? "", childOpts.dir ?? "", studyId, "p6"], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => { if (d.toString().includes("in-transaction")) resolve(); });
      child.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    if (backend === "pglite") store = await openStore(opts);
    expect(await store.events.list(studyId, "p6")).toEqual([]);
    expect((await store.participants.get(studyId, "p6"))?.nextSeq).toBe(0);
    // The store is still usable afterwards.
    await store.events.append(studyId, "p6", [{ type: "consent.given" }], 0);
    expect(await store.events.list(studyId, "p6")).toHaveLength(1);
    childOpts = opts;
  });
});
