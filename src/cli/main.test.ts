import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "bin", "prismx.mjs");
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("prismx CLI", () => {
  it("summarises a valid study", () => {
    const r = run("study", "check", join(import.meta.dirname, "..", "..", "examples", "demo-study.yaml"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("arms (4): generic [none on base]");
  });

  it("prints a user mistake with file, line and field, no stack trace, and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "prismx-cli-"));
    const file = join(dir, "study.yaml");
    writeFileSync(file, "id: s\nseed: one\nmodels: { m: { provider: embedded } }\narms: [{ id: a, model: m, strategy: none }, { id: b, model: m, strategy: none }]\n");
    const r = run("study", "check", file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:2: seed:`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("finishes its work when the reader of its output goes away (`prismx … | head`)", () => {
    const dir = mkdtempSync(join(tmpdir(), "prismx-cli-"));
    // `true` reads nothing and exits at once, long before prismx has started: every write meets a closed pipe.
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${bin}" data sample --out "${join(dir, "c")}" --participants 3 --seed 1 | true; exit \${PIPESTATUS[0]}`], { encoding: "utf8" });
    expect(r.stderr).not.toContain("EPIPE");
    expect(r.status).toBe(0);
    expect(readdirSync(join(dir, "c"))).toContain("ground_truth.jsonl");
  });

  it("exits non-zero on an unknown command", () => {
    expect(run("no-such-command").status).not.toBe(0);
  });
});
