import { EventEmitter } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { isUserError } from "../../core/errors.js";
import { ArtefactManifest } from "../../core/artefacts.js";
import { renderEvent, runTrain, trainerArgs, trainerPython } from "./train.js";

const dir = mkdtempSync(join(tmpdir(), "prismx-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pairs = join(dir, "pairs.jsonl");
writeFileSync(pairs, "");

/** A stand-in child process that prints the given stdout/stderr and exits with `code`. */
function fakeSpawn(stdout: string[], stderr: string[], code: number) {
  const calls: { cmd: string; args: readonly string[] }[] = [];
  const spawn = (cmd: string, args: readonly string[]) => {
    calls.push({ cmd, args });
    const child = new EventEmitter() as ChildProcess;
    const out = new PassThrough();
    const err = new PassThrough();
    Object.assign(child, { stdout: out, stderr: err });
    setImmediate(() => {
      for (const l of stdout) out.write(`${l}\n`);
      for (const l of stderr) err.write(`${l}\n`);
      out.end();
      err.end();
      setImmediate(() => child.emit("close", code));
    });
    return child;
  };
  return { spawn, calls };
}

describe("prismx train", () => {
  it("builds the trainer command line from the options", () => {
    expect(trainerArgs({ pairs: "p.jsonl", base: "m.gguf", mode: "cluster", out: "o", clusters: 4, maxSteps: 10, noHf: true, resume: true }))
      .toEqual(["-m", "prismx_trainer.train", "--pairs", "p.jsonl", "--base", "m.gguf", "--mode", "cluster", "--out", "o",
        "--clusters", "4", "--max-steps", "10", "--resume", "--no-hf"]);
  });

  it("streams progress lines and returns the final accuracy", async () => {
    const events = [
      { event: "reference", pairs: 10, seconds: 0.5 },
      { event: "progress", step: 1, total: 2, loss: 0.69, lr: 0.001, tokens_per_s: 1234.5, eta_s: 1 },
      { event: "eval", step: 2, accuracy: 0.75, accuracy_seen: 1, accuracy_unseen: 0.5 },
      { event: "done", out: "o", accuracy: 0.75, accuracy_seen: 1, accuracy_unseen: 0.5 },
    ].map((e) => JSON.stringify(e));
    const { spawn, calls } = fakeSpawn(["some library chatter", ...events], [], 0);
    const lines: string[] = [];
    const r = await runTrain({ pairs, base: dir, mode: "individual", out: "o" }, { out: (l) => lines.push(l), err: () => {}, spawn, python: "py" });
    expect(r).toEqual({ out: "o", accuracy: 0.75, accuracySeen: 1, accuracyUnseen: 0.5 });
    expect(calls[0]?.cmd).toBe("py");
    expect(lines).toContain("some library chatter");
    expect(lines.some((l) => l.startsWith("step 1/2  loss 0.69"))).toBe(true);
    expect(lines).toContain("eval @2: pairwise accuracy 0.75 (seen 1, unseen 0.5)");
  });

  it("turns the trainer's input errors (exit 2) into a UserError naming file:line: field", async () => {
    const { spawn } = fakeSpawn([], ["prismx train: pairs.jsonl:3: turn: must be a non-negative integer"], 2);
    const e: unknown = await runTrain({ pairs, base: dir, mode: "pooled", out: "o" }, { out: () => {}, err: () => {}, spawn, python: "py" }).catch((x: unknown) => x);
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).toBe("pairs.jsonl:3: turn: must be a non-negative integer");
  });

  it("reports a crash with the trainer's stderr, and a missing pairs file as a user error", async () => {
    const { spawn } = fakeSpawn([], ["Traceback …", "RuntimeError: boom"], 1);
    await expect(runTrain({ pairs, base: dir, mode: "pooled", out: "o" }, { out: () => {}, err: () => {}, spawn, python: "py" }))
      .rejects.toThrow(/exit 1[\s\S]*boom/);
    await expect(runTrain({ pairs: join(dir, "nope.jsonl"), base: dir, mode: "pooled", out: "o" }, { out: () => {}, err: () => {}, spawn, python: "py" }))
      .rejects.toThrow(/nope\.jsonl: --pairs: pairs file not found/);
  });

  it("renders unknown events as nothing", () => {
    expect(renderEvent({ event: "something-new" })).toBeNull();
  });

  // The real trainer on a tiny random model; needs the trainer's venv (`node scripts/bootstrap.mjs --with-trainer`).
  it.skipIf(!existsSync(trainerPython()))("trains and exports a tiny model end to end", async () => {
    const py = trainerPython();
    const tiny = spawnSync(py, ["-m", "prismx_trainer.tiny", "--out", join(dir, "tiny")], { encoding: "utf8" });
    expect(tiny.status, tiny.stderr).toBe(0);
    const gen = spawnSync(py, ["-c", `from prismx_trainer.synthetic import cohort, write_jsonl; write_jsonl(cohort(dialogs_per_user=3), ${JSON.stringify(join(dir, "syn.jsonl"))})`], { encoding: "utf8" });
    expect(gen.status, gen.stderr).toBe(0);
    const lines: string[] = [];
    const out = join(dir, "artefact");
    const r = await runTrain(
      { pairs: join(dir, "syn.jsonl"), base: join(dir, "tiny", "hf"), mode: "individual", out, userTokens: 2, maxSteps: 2, batchSize: 4, gradAccum: 1, noHf: true },
      { out: (l) => lines.push(l), err: () => {} },
    );
    expect(r.out).toBe(out);
    expect(lines.some((l) => l.startsWith("step 2/2"))).toBe(true);
    const manifest = ArtefactManifest.parse(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")));
    expect(manifest.n_user_tokens).toBe(2);
    expect(existsSync(join(out, manifest.gguf))).toBe(true);
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 180_000);
});
