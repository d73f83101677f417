/**
 * `prismx train`: runs the Python P-DPO trainer (trainer/, package prismx_trainer) as a
 * subprocess and streams its progress. The trainer prints one JSON object per line on stdout
 * (events: reference, progress, eval, checkpoint, export, done) and, for a user mistake, one
 * message on stderr with exit code 2; both become prismx's own output and UserError here.
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError, type Command } from "commander";
import { UserError } from "../../core/errors.js";

export const TRAIN_MODES = ["individual", "cluster", "pooled"] as const;
export type TrainMode = (typeof TRAIN_MODES)[number];

export interface TrainOptions {
  pairs: string;
  base: string;
  mode: TrainMode;
  out: string;
  userTokens?: number;
  clusters?: number;
  beta?: number;
  alpha?: number;
  lr?: number;
  epochs?: number;
  maxSteps?: number;
  batchSize?: number;
  gradAccum?: number;
  seed?: number;
  resume?: boolean;
  overwrite?: boolean;
  /** Skip the merged HF folder (the GGUF + LoRA for llama.cpp are always written). */
  noHf?: boolean;
  /** Further flags passed verbatim to `python -m prismx_trainer.train`. */
  extraArgs?: readonly string[];
}

type Spawn = (cmd: string, args: readonly string[], opts: SpawnOptions) => ChildProcess;

export interface TrainDeps {
  out: (line: string) => void;
  err: (line: string) => void;
  spawn?: Spawn;
  /** Python interpreter; default $PRISMX_PYTHON, else trainer/.venv/bin/python. */
  python?: string;
  env?: NodeJS.ProcessEnv;
}

export interface TrainResult {
  out: string;
  accuracy: number | null;
  accuracySeen: number | null;
  accuracyUnseen: number | null;
}

/** One progress line from the trainer, as printed on stdout. */
export interface TrainerEvent {
  event: string;
  [key: string]: unknown;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export function trainerPython(env: NodeJS.ProcessEnv = process.env): string {
  return env.PRISMX_PYTHON ?? join(repoRoot, "trainer", ".venv", "bin", "python");
}

/** The trainer's command line for these options (exported for tests and for the docs). */
export function trainerArgs(o: TrainOptions): string[] {
  const args = ["-m", "prismx_trainer.train", "--pairs", o.pairs, "--base", o.base, "--mode", o.mode, "--out", o.out];
  const num: [string, number | undefined][] = [
    ["--user-tokens", o.userTokens], ["--clusters", o.clusters], ["--beta", o.beta], ["--alpha", o.alpha],
    ["--lr", o.lr], ["--epochs", o.epochs], ["--max-steps", o.maxSteps], ["--batch-size", o.batchSize],
    ["--grad-accum", o.gradAccum], ["--seed", o.seed],
  ];
  for (const [flag, v] of num) if (v !== undefined) args.push(flag, String(v));
  if (o.resume) args.push("--resume");
  if (o.overwrite) args.push("--overwrite");
  if (o.noHf) args.push("--no-hf");
  args.push(...(o.extraArgs ?? []));
  return args;
}

function fmt(v: unknown, digits = 4): string {
  return typeof v === "number" ? Number(v.toPrecision(digits)).toString() : "–";
}

/** Renders a trainer event as a plain progress line (null: nothing to show). */
export function renderEvent(e: TrainerEvent): string | null {
  switch (e.event) {
    case "reference":
      return `reference log-probs cached for ${fmt(e.pairs)} pairs (${e.scored === undefined ? "" : `${fmt(e.scored)} distinct scored, `}${fmt(e.seconds, 3)} s)`;
    case "progress":
      return `step ${String(e.step)}/${String(e.total)}  loss ${fmt(e.loss)}  lr ${fmt(e.lr, 3)}  ${fmt(e.tokens_per_s, 3)} tok/s  eta ${fmt(e.eta_s, 3)} s`;
    case "eval":
      return `eval @${String(e.step)}: pairwise accuracy ${fmt(e.accuracy)} (seen ${fmt(e.accuracy_seen)}, unseen ${fmt(e.accuracy_unseen)})`;
    case "checkpoint":
      return `checkpoint @${String(e.step)}`;
    case "resumed":
      return `resumed at step ${String(e.step)}`;
    case "stopped":
      return `stopped after step ${String(e.step)} (resume with --resume)`;
    case "export":
      return `exporting ${String(e.stage)}${e.reserved_tokens === undefined ? "" : ` (${fmt(e.reserved_tokens, 9)} reserved tokens)`}`;
    case "done":
      return `wrote ${String(e.out)}`;
    default:
      return null;
  }
}

function num(v: unknown): number | null {
  return typeof v === "number" ? v : null;
}

export async function runTrain(opts: TrainOptions, deps: TrainDeps): Promise<TrainResult> {
  if (!TRAIN_MODES.includes(opts.mode)) {
    throw new UserError(`unknown mode '${String(opts.mode)}'`, { location: { field: "--mode" }, hint: `use one of ${TRAIN_MODES.join(", ")}` });
  }
  if (!existsSync(opts.pairs)) {
    throw new UserError("pairs file not found", { location: { file: opts.pairs, field: "--pairs" }, hint: "write it with `prismx data pairs DIR --out FILE`" });
  }
  if (!existsSync(opts.base)) {
    throw new UserError("base model not found", { location: { file: opts.base, field: "--base" }, hint: "pass a HF model folder or a .gguf file (`prismx models pull` fetches the default)" });
  }
  const env = deps.env ?? process.env;
  const python = deps.python ?? trainerPython(env);
  if (deps.spawn === undefined && !existsSync(python)) {
    throw new UserError("the trainer's Python environment is missing", {
      location: { file: python },
      hint: "run `node scripts/bootstrap.mjs --with-trainer` (or set PRISMX_PYTHON)",
    });
  }
  const spawn: Spawn = deps.spawn ?? ((c, a, o) => nodeSpawn(c, [...a], o));
  const child = spawn(python, trainerArgs(opts), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, PYTHONPATH: [join(repoRoot, "trainer"), env.PYTHONPATH].filter(Boolean).join(":"), PYTHONUNBUFFERED: "1" },
  });

  let done: TrainerEvent | null = null;
  const stderr: string[] = [];
  const stdoutDone = new Promise<void>((res) => {
    if (!child.stdout) return res();
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (line) => {
      let ev: TrainerEvent | null = null;
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed !== null && typeof parsed === "object" && "event" in parsed) ev = parsed as TrainerEvent;
      } catch {
        // not an event: a library's own output, passed through
      }
      if (ev === null) return deps.out(line);
      if (ev.event === "done") done = ev;
      const shown = renderEvent(ev);
      if (shown !== null) deps.out(shown);
    });
    rl.on("close", () => res());
  });
  child.stderr?.on("data", (d: Buffer) => {
    for (const l of d.toString("utf8").split("\n")) if (l.trim()) stderr.push(l);
    if (stderr.length > 400) stderr.splice(0, stderr.length - 400);
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.on("error", (e) => rej(new UserError(`cannot start the trainer: ${e.message}`, { location: { file: python }, cause: e })));
    child.on("close", (c) => res(c));
  });
  await stdoutDone;

  if (code === 2) {
    // The trainer's user errors are one message: "prismx train: <where>: <problem>\n  fix: …".
    const msg = stderr.filter((l) => !/warn/i.test(l)).join("\n").replace(/^prismx train: /, "");
    throw new UserError(msg || "the trainer rejected its input");
  }
  if (code !== 0 || done === null) {
    throw new Error(`the trainer failed (exit ${String(code)}):\n${stderr.slice(-40).join("\n")}`);
  }
  const d: TrainerEvent = done;
  return { out: String(d.out), accuracy: num(d.accuracy), accuracySeen: num(d.accuracy_seen), accuracyUnseen: num(d.accuracy_unseen) };
}

function parseNumber(name: string, opts: { integer?: boolean; min?: number } = {}) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
      throw new InvalidArgumentError(`${name} must be a ${opts.integer ? "whole " : ""}number${opts.min === undefined ? "" : ` ≥ ${opts.min}`}`);
    }
    return n;
  };
}

export function register(program: Command): void {
  program
    .command("train")
    .description("P-DPO (individual or cluster user model) or pooled DPO on pairs.jsonl; writes GGUF + LoRA + HF artefacts and manifest.json")
    .requiredOption("--pairs <file>", "pairs.jsonl from `prismx data pairs`")
    .requiredOption("--base <model>", "base model: HF folder or .gguf file")
    .requiredOption("--out <dir>", "artefact folder to create")
    .option("--mode <mode>", `${TRAIN_MODES.join(" | ")}`, "individual")
    .option("--user-tokens <n>", "soft tokens per user (T)", parseNumber("--user-tokens", { integer: true, min: 1 }))
    .option("--clusters <k>", "clusters for --mode cluster", parseNumber("--clusters", { integer: true, min: 1 }))
    .option("--beta <b>", "DPO β", parseNumber("--beta", { min: 0 }))
    .option("--alpha <a>", "weight of known-user terms vs generic copies", parseNumber("--alpha", { min: 0 }))
    .option("--lr <lr>", "learning rate", parseNumber("--lr", { min: 0 }))
    .option("--epochs <n>", "epochs", parseNumber("--epochs", { integer: true, min: 1 }))
    .option("--max-steps <n>", "optimizer steps (overrides --epochs)", parseNumber("--max-steps", { integer: true, min: 1 }))
    .option("--batch-size <n>", "pairs per micro-batch", parseNumber("--batch-size", { integer: true, min: 1 }))
    .option("--grad-accum <n>", "gradient accumulation steps", parseNumber("--grad-accum", { integer: true, min: 1 }))
    .option("--seed <s>", "random seed", parseNumber("--seed", { integer: true, min: 0 }))
    .option("--resume", "continue a stopped run from OUT.partial")
    .option("--overwrite", "replace an existing --out")
    .option("--no-hf", "skip the merged HF folder")
    .action(async (o: Omit<TrainOptions, "noHf"> & { hf: boolean }) => {
      const { hf, ...rest } = o;
      await runTrain({ ...rest, noHf: !hf }, { out: (l) => console.log(l), err: (l) => console.error(l) });
    });
}
