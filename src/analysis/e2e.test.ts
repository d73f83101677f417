/**
 * The real export writer's output, analysed: a simulated study and an oracle study (planted
 * preference models, all-arms judgements) run through the study engine against a fake
 * OpenAI-compatible server on loopback, exported by `exportStudy`, then `prismx analyse --compare`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportStudy } from "../data/export/write.js";
import { openStore, type Store } from "../store/index.js";
import { simulateStudy } from "../sim/build.js";
import { startFakeOpenAI, type FakeServer } from "../sim/testing/fake-openai.js";
import { studyYaml } from "../sim/testing/study.js";
import { runAnalyse } from "../cli/commands/analyse.js";

describe("analysis of real exports (study engine → exportStudy → analyse)", () => {
  let server: FakeServer;
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    server = await startFakeOpenAI({ seed: 3 });
    dir = mkdtempSync(join(tmpdir(), "prismx-analysis-e2e-"));
    store = await openStore({ dir: join(dir, "db") });
  });
  afterAll(async () => {
    await store.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads both exports, ranks the arms, measures test–retest on probes and compares them", async () => {
    writeFileSync(join(dir, "sim.yaml"), studyYaml("simx", server.url, { count: 4 }));
    writeFileSync(join(dir, "oracle.yaml"), studyYaml("oraclex", server.url, { count: 6, mode: "all-arms" }));
    await simulateStudy({ studyFile: join(dir, "sim.yaml"), store, concurrency: 4 });
    await simulateStudy({ studyFile: join(dir, "oracle.yaml"), store, population: "oracle", concurrency: 3 });
    await exportStudy({ store, studyId: "simx", outDir: join(dir, "export-sim") });
    await exportStudy({ store, studyId: "oraclex", outDir: join(dir, "export-oracle") });

    const out = join(dir, "analysis");
    const { results } = await runAnalyse({ input: join(dir, "export-oracle"), compare: join(dir, "export-sim"), out, rounds: 200, embeddingModel: "tfidf" });
    expect(results.input.arms).toEqual(["generic", "prompted", "terse"]);
    expect(results.input.participants).toEqual({ oracle: 6 });
    expect(results.arms.bradleyTerry.nParticipants).toBe(6);
    // all-arms judgements: position bias is judged against 1/3, probes give a test–retest figure
    expect(results.positionBias[0]!.expected).toBeCloseTo(1 / 3, 6);
    expect(results.fidelity.testRetest[0]!.pairs).toBeGreaterThan(0);
    expect(results.tokens.map((t) => t.arm)).toEqual(["generic", "prompted", "terse"]);
    expect(results.tokens.find((t) => t.arm === "prompted")!.meanPromptTokens).toBeGreaterThan(results.tokens.find((t) => t.arm === "generic")!.meanPromptTokens);
    const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { compare: { other: { input: { participants: Record<string, number> } } } };
    expect(json.compare.other.input.participants).toEqual({ simulated: 4 });
  });
});
