import { describe, expect, it } from "vitest";
import { Command } from "commander";
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataPairs, dataSample, dataValidate, register, type Output } from "./data.js";

function capture(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe("prismx data", () => {
  it("validate prints the summary; a bad folder is reported with file:line and ok=false", async () => {
    const io = capture();
    const r = await dataValidate({ dir: "examples/cohort" }, io);
    expect(r.ok).toBe(true);
    expect(io.lines.join("\n")).toMatch(/participants\s+24 \(1 survey-only\)/);
    expect(io.lines.at(-1)).toBe("valid (0 warning(s))");

    const dir = await mkdtemp(join(tmpdir(), "prismx-cli-"));
    try {
      for (const f of ["survey.jsonl", "conversations.jsonl"]) await copyFile(join("examples/cohort", f), join(dir, f));
      const survey = (await readFile(join(dir, "survey.jsonl"), "utf8")).split("\n");
      survey[4] = (survey[4] as string).replace('"survey_only":false', '"survey_only":"no"').replace('"survey_only":true', '"survey_only":"no"');
      await writeFile(join(dir, "survey.jsonl"), survey.join("\n"));
      const bad = capture();
      const rb = await dataValidate({ dir }, bad);
      expect(rb.ok).toBe(false);
      expect(bad.errors).toContain("survey.jsonl:5: survey_only: Invalid input: expected boolean, received string");
      expect(bad.lines.at(-1)).toMatch(/^INVALID: \d+ error\(s\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("sample then pairs, through the plain functions", async () => {
    const dir = await mkdtemp(join(tmpdir(), "prismx-cli-"));
    try {
      const io = capture();
      const s = await dataSample({ out: join(dir, "cohort"), participants: 6, seed: 2 }, io);
      expect(s.participants).toBe(6);
      expect((await readdir(join(dir, "cohort"))).sort()).toEqual(["README.md", "conversations.jsonl", "ground_truth.jsonl", "metadata.jsonl", "models.jsonl", "survey.jsonl", "utterances.jsonl"]);
      const p = await dataPairs({ dir: join(dir, "cohort"), out: join(dir, "pairs.jsonl"), split: join(dir, "split.json"), seed: 123, referenceQuirks: true }, io);
      expect(p.trainPairs + p.testPairs).toBeGreaterThan(0);
      expect(io.lines.join("\n")).toContain("[reference quirks]");
      expect((await readdir(dir)).sort()).toEqual(["cohort", "pairs.jsonl", "split.json"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("register wires validate, sample and pairs with their flags", async () => {
    const program = new Command("prismx").exitOverride();
    register(program);
    const data = program.commands.find((c) => c.name() === "data");
    expect(data?.commands.map((c) => c.name())).toEqual(["validate", "sample", "pairs"]);
    const pairs = data?.commands.find((c) => c.name() === "pairs");
    expect(pairs?.options.map((o) => o.long)).toEqual(["--out", "--split", "--seed", "--reference-quirks", "--no-textual-info"]);
    const dir = await mkdtemp(join(tmpdir(), "prismx-cli-"));
    try {
      await mkdir(join(dir, "x"));
      await program.parseAsync(["node", "prismx", "data", "sample", "--out", join(dir, "c"), "--participants", "3", "--seed", "5"]);
      expect((await readFile(join(dir, "c", "survey.jsonl"), "utf8")).trim().split("\n")).toHaveLength(3);
      await expect(program.parseAsync(["node", "prismx", "data", "sample", "--out", join(dir, "c"), "--participants", "zero"])).rejects.toThrow(/participants/);
      await program.parseAsync(["node", "prismx", "data", "sample", "--out", join(dir, "d"), "--participants", "2", "--conversations-per-person", "8", "--choice-noise-scale", "0.5"]);
      expect((await readFile(join(dir, "d", "conversations.jsonl"), "utf8")).trim().split("\n")).toHaveLength(16);
      expect(await readFile(join(dir, "d", "README.md"), "utf8")).toContain("--participants 2 --seed 1 --conversations-per-person 8 --choice-noise-scale 0.5`");
      await expect(program.parseAsync(["node", "prismx", "data", "sample", "--out", join(dir, "e"), "--conversations-per-person", "0"])).rejects.toThrow(/conversations-per-person/);
      await expect(program.parseAsync(["node", "prismx", "data", "sample", "--out", join(dir, "e"), "--choice-noise-scale", "-1"])).rejects.toThrow(/choice-noise-scale/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
