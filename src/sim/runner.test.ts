import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JudgementRow } from "../core/index.js";
import { exportStudy } from "../data/export/write.js";
import { openStore, type Store } from "../store/index.js";
import { simulateStudy } from "./build.js";
import { startFakeOpenAI, type FakeServer } from "./testing/fake-openai.js";
import { studyYaml } from "./testing/study.js";

const readJsonl = (file: string): unknown[] => readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as unknown);

describe("simulation runner (fake OpenAI-compatible endpoint on loopback)", () => {
  let server: FakeServer;
  let flaky: FakeServer;
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    server = await startFakeOpenAI({ seed: 1 });
    flaky = await startFakeOpenAI({ seed: 2, failRate: 0.2 });
    dir = mkdtempSync(join(tmpdir(), "prismx-sim-"));
    store = await openStore({ dir: join(dir, "db") });
  });
  afterAll(async () => {
    await store.close();
    await server.close();
    await flaky.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs LLM twins through the protocol and exports every table", async () => {
    const file = join(dir, "twins.yaml");
    writeFileSync(file, studyYaml("twins", server.url));
    const s = await simulateStudy({ studyFile: file, store, concurrency: 4 });
    expect(s.reasons).toEqual({ completed: 4 });
    expect(s.unfinished).toBe(0);
    const out = join(dir, "export-twins");
    const e = await exportStudy({ store, studyId: "twins", outDir: out });
    const judgements = readJsonl(join(out, "judgements.jsonl")).map((r) => JudgementRow.parse(r));
    expect(judgements.length).toBe(e.counts.judgements);
    expect(judgements.length).toBe(await store.events.count("twins", "judgement.made") + await store.events.count("twins", "probe.answered"));
    expect(new Set(judgements.map((j) => j.judgement_id)).size).toBe(judgements.length);
    expect(judgements.filter((j) => j.kind === "probe")).toHaveLength(8);
    // Every participant met every arm.
    for (const pid of new Set(judgements.map((j) => j.participant_id))) {
      expect(new Set(judgements.filter((j) => j.participant_id === pid).flatMap((j) => j.arms))).toEqual(new Set(["generic", "prompted", "terse"]));
    }
    // A probe shows the same responses with positions reversed.
    for (const p of judgements.filter((j) => j.kind === "probe")) {
      const orig = judgements.find((j) => j.judgement_id === p.probe_of)!;
      expect(p.response_ids).toEqual([...orig.response_ids].reverse());
    }
    const codebook = readFileSync(join(out, "codebook.md"), "utf8");
    for (const f of ["choice_position", "probe_of", "termination_reason", "scrubbed", "continued_arm"]) expect(codebook).toContain(`\`${f}\``);
    expect(readFileSync(join(out, "judgements.csv"), "utf8").split("\n")[0]).toContain("judgement_id");
    const participants = readJsonl(join(out, "participants.jsonl")) as { population: string; termination_reason: string }[];
    expect(participants.map((p) => p.population)).toEqual(["simulated", "simulated", "simulated", "simulated"]);
  });

  it("refuses to rerun without --resume, and to resume a changed study file", async () => {
    const file = join(dir, "twins.yaml");
    await expect(simulateStudy({ studyFile: file, store })).rejects.toThrow(/already has a run/);
    writeFileSync(file, `${studyYaml("twins", server.url)}\ntitle: changed\n`);
    await expect(simulateStudy({ studyFile: file, store, resume: true })).rejects.toThrow(/hash changed/);
  });

  it("completes with 20% of model calls failing", async () => {
    const file = join(dir, "flaky.yaml");
    writeFileSync(file, studyYaml("flaky", flaky.url, { count: 3 }));
    const s = await simulateStudy({ studyFile: file, store, concurrency: 3 });
    expect(flaky.stats.failed).toBeGreaterThan(5);
    expect(s.reasons).toEqual({ completed: 3 });
    const health = await store.modelCalls.health("flaky");
    expect(health.reduce((n, h) => n + h.calls, 0)).toBeGreaterThan(0);
  });

  it("runs oracle participants (planted preference models), labelled population oracle, without a simulator model", async () => {
    const file = join(dir, "oracle.yaml");
    writeFileSync(file, studyYaml("oracle", server.url, { count: 6, mode: "all-arms" }));
    const before = server.stats.calls;
    const s = await simulateStudy({ studyFile: file, store, population: "oracle", concurrency: 3 });
    expect(s.reasons).toEqual({ completed: 6 });
    const out = join(dir, "export-oracle");
    await exportStudy({ store, studyId: "oracle", outDir: out });
    const rows = readJsonl(join(out, "judgements.jsonl")).map((r) => JudgementRow.parse(r));
    expect(rows.every((r) => r.population === "oracle")).toBe(true);
    // Only the arms called the model: one call per response shown.
    const responses = readJsonl(join(out, "responses.jsonl")).length;
    expect(server.stats.calls - before).toBe(responses);
  });
});
