/**
 * A simulated study on the real default embedded model (SmolLM2-135M, llama.cpp in-process):
 * twins write, arms answer, twins judge under a JSON-schema grammar, and the study exports.
 * The setup pulls the model into the prismx home if missing; only if that is impossible is this
 * skipped, saying why (as in src/llm/default-model.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JudgementRow } from "../core/index.js";
import { exportCommand } from "../cli/commands/export.js";
import { simulateCommand } from "../cli/commands/simulate.js";
import { pullModel } from "../llm/pull.js";
import { cohortDir } from "./testing/study.js";

let pullError: string | null = null;
try {
  await pullModel({ log: () => {} });
} catch (e) {
  pullError = (e as Error).message;
  console.warn(`SKIPPING the embedded simulation test: could not pull the default model: ${pullError}`);
}

describe.skipIf(pullError !== null)("a simulated study on the default embedded model", () => {
  it("runs twins end to end through the CLI functions and exports", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prismx-embedded-sim-"));
    try {
      const file = join(dir, "study.yaml");
      writeFileSync(file, `
id: embedded-demo
seed: 11
models:
  base: { provider: embedded, model: default, contexts: 2, contextSize: 2048 }
arms:
  - { id: generic, model: base, strategy: none }
  - { id: prompted, model: base, strategy: prompt }
protocol: { mode: pairwise, turns: { min: 1, max: 1 }, probes: 1, attentionChecks: 1 }
generation: { maxTokens: 40 }
simulator: { model: base, generation: { maxTokens: 60 } }
participants: { count: 1, profiles: "${cohortDir}" }
`);
      const io = { out: () => {}, err: () => {} };
      const s = await simulateCommand({ studyFile: file, db: join(dir, "db"), progress: "none" }, io, { ...process.env, DATABASE_URL: "" });
      expect(s.reasons).toEqual({ completed: 1 });
      const e = await exportCommand({ studyId: "embedded-demo", out: join(dir, "out"), db: join(dir, "db") }, io, { ...process.env, DATABASE_URL: "" });
      expect(e.counts.judgements).toBe(2); // one turn + one probe
      const rows = readFileSync(join(dir, "out", "judgements.jsonl"), "utf8").trim().split("\n").map((l) => JudgementRow.parse(JSON.parse(l)));
      expect(rows.map((r) => r.kind)).toEqual(["turn", "probe"]);
      for (const r of rows) for (const x of r.ratings) expect(x).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
