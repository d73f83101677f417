import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JudgementRow } from "../core/index.js";
import { exportStudy } from "../data/export/write.js";
import { openStore, type Store } from "../store/index.js";
import { simulateStudy } from "./build.js";
import { studyYaml } from "./testing/study.js";
import { startFakeOpenAI, type FakeServer } from "./testing/fake-openai.js";

const child = join(import.meta.dirname, "testing", "simulate-child.ts");

async function judgementsOf(store: Store, studyId: string, out: string): Promise<JudgementRow[]> {
  await exportStudy({ store, studyId, outDir: out });
  return readFileSync(join(out, "judgements.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JudgementRow.parse(JSON.parse(l)));
}

describe("crash and resume", () => {
  let server: FakeServer;
  let dir: string;
  beforeAll(async () => {
    server = await startFakeOpenAI({ seed: 3 });
    dir = mkdtempSync(join(tmpdir(), "prismx-resume-"));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("SIGKILL midway, then --resume: the same judgements as an uninterrupted run, none lost or doubled", async () => {
    const file = join(dir, "study.yaml");
    writeFileSync(file, studyYaml("crash", server.url, { count: 4 }));

    // The uninterrupted reference, in-process.
    const refDb = join(dir, "ref-db");
    const ref = await openStore({ dir: refDb });
    await simulateStudy({ studyFile: file, store: ref, concurrency: 2 });
    const expected = await judgementsOf(ref, "crash", join(dir, "ref-out"));
    await ref.close();

    // The crashing run: killed with SIGKILL once a third of the judgements are in.
    const db = join(dir, "db");
    const proc = spawn(process.execPath, ["--import", "tsx", child, file, db], { stdio: ["ignore", "pipe", "inherit"] });
    let seen = 0;
    const killedAt = await new Promise<number>((resolve, reject) => {
      proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        for (const m of chunk.matchAll(/judgements (\d+)/g)) seen = Number(m[1]);
        if (seen >= expected.length / 3 && proc.exitCode === null && !proc.killed) proc.kill("SIGKILL");
      });
      proc.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve(seen) : reject(new Error(`child ended on its own (${code}) after ${seen} judgements`))));
    });
    expect(killedAt).toBeLessThan(expected.length);

    const store = await openStore({ dir: db });
    const before = await store.events.count("crash", "judgement.made");
    expect(before).toBeGreaterThan(0);
    const s = await simulateStudy({ studyFile: file, store, concurrency: 2, resume: true });
    expect(s.unfinished).toBe(0);
    const got = await judgementsOf(store, "crash", join(dir, "out"));
    await store.close();
    expect(got.length).toBe(expected.length);
    expect(new Set(got.map((j) => j.judgement_id)).size).toBe(got.length);
    // Seeded all the way down: the resumed study is the uninterrupted one, choice for choice.
    const key = (j: JudgementRow) => `${j.judgement_id}|${j.arms.join(",")}|${j.choice_position}|${j.ratings.join(",")}`;
    expect(got.map(key).sort()).toEqual(expected.map(key).sort());
  }, 180_000);
});
