import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JudgementRow, parseStudyConfig, Rng } from "../core/index.js";
import { apply, initialState, next, planParticipant } from "../protocol/index.js";
import { scriptedAnswer } from "../protocol/testing.js";
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

  it("replay: twins judge exactly the items their humans judged (same messages, responses, positions, probes)", async () => {
    // A "human" study: logs written through the engine by a scripted driver, as the web app would.
    const humanCfg = parseStudyConfig(studyYaml("humans", server.url, { count: 2 }));
    await store.studies.put({ id: "humans", config: humanCfg, configHash: "hh" });
    for (const [i, pid] of ["h1", "h2"].entries()) {
      await store.participants.enrol({ studyId: "humans", id: pid, kind: "human" });
      let st = initialState(planParticipant(humanCfg, { participantId: pid, index: i }));
      const enrolled = { type: "participant.enrolled" as const, kind: "human" as const, twinOf: null, source: "web", planIndex: i, planOf: null };
      st = apply(st, enrolled);
      const log = [enrolled];
      const rng = Rng.for(9, pid);
      for (;;) {
        const ev = scriptedAnswer(st, next(st), rng);
        if (!ev) break;
        st = apply(st, ev);
        log.push(ev as never);
      }
      await store.events.append("humans", pid, log, 0);
    }
    const file = join(dir, "replay.yaml");
    writeFileSync(file, studyYaml("replay", server.url));
    const s = await simulateStudy({ studyFile: file, store, mode: "replay", replayOf: "humans" });
    expect(s.reasons).toEqual({ completed: 2 });
    await exportStudy({ store, studyId: "humans", outDir: join(dir, "export-humans") });
    await exportStudy({ store, studyId: "replay", outDir: join(dir, "export-replay") });
    const human = readJsonl(join(dir, "export-humans", "judgements.jsonl")).map((r) => JudgementRow.parse(r));
    const twin = readJsonl(join(dir, "export-replay", "judgements.jsonl")).map((r) => JudgementRow.parse(r));
    const item = (j: JudgementRow, who: string) => `${j.judgement_id.replace(who, "")}|${j.kind}|${j.arms.join(",")}|${j.response_ids.map((r) => r.replace(who, "")).join(",")}`;
    expect(twin.map((j) => item(j, j.participant_id)).sort())
      .toEqual(human.map((j) => item(j, j.participant_id)).sort());
    const humanTurns = readJsonl(join(dir, "export-humans", "turns.jsonl")) as { user_message: string }[];
    const twinTurns = readJsonl(join(dir, "export-replay", "turns.jsonl")) as { user_message: string }[];
    expect(twinTurns.map((t) => t.user_message)).toEqual(humanTurns.map((t) => t.user_message));
    const twins = readJsonl(join(dir, "export-replay", "participants.jsonl")) as { population: string; twin_of: string }[];
    expect(twins.map((t) => [t.population, t.twin_of])).toEqual([["simulated", "h1"], ["simulated", "h2"]]);
  });
});
