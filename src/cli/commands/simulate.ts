/**
 * `prismx simulate STUDY.yaml [--participants N] [--mode free|replay] [--resume] [--replay-of ID]
 * [--population simulated|oracle] [--db DIR]`: runs simulated participants through the study
 * protocol, storing every event as it happens.
 */
import { join } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import cliProgress from "cli-progress";
import { prismxHome } from "../../llm/home.js";
import { openStore, storeOptionsFromEnv, type Store } from "../../store/index.js";
import { simulateStudy, type Population } from "../../sim/build.js";
import type { Progress, SimulationSummary } from "../../sim/runner.js";

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** `$PRISMX_HOME/db` when PRISMX_HOME is set, else `.prismx/db` in the working directory. */
export function defaultDbDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PRISMX_HOME ? join(prismxHome(env), "db") : join(".prismx", "db");
}

/** The store a command should open: DATABASE_URL (PostgreSQL) wins over --db (PGlite folder). */
export function openCommandStore(db: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  return openStore(storeOptionsFromEnv(db ?? defaultDbDir(env), env));
}

export interface SimulateCommandOptions {
  studyFile: string;
  participants?: number;
  mode?: "free" | "replay";
  resume?: boolean;
  replayOf?: string | null;
  population?: Population;
  concurrency?: number;
  db?: string;
  /** `bar` on a terminal, `lines` in CI/logs, `none` in tests. */
  progress?: "bar" | "lines" | "none";
}

function line(p: Progress): string {
  const s = p.elapsedMs / 1000;
  return `${p.participants.finished}/${p.participants.total} participants, ${p.judgements} judgements, ${p.modelCalls} model calls (${p.modelFailures} failed), ${s.toFixed(0)} s`;
}

/** Progress reporting: cli-progress on a TTY, a plain line every ~5 s otherwise. */
function reporter(kind: "bar" | "lines" | "none", io: Output): { onProgress?: (p: Progress) => void; stop: () => void } {
  if (kind === "none") return { stop: () => undefined };
  if (kind === "bar") {
    const bar = new cliProgress.SingleBar({ format: "simulate [{bar}] {value}/{total} participants | {judgements} judgements | {calls} calls ({failed} failed) | ETA {eta_formatted}", hideCursor: true }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      onProgress: (p) => {
        if (!started) {
          bar.start(p.participants.total, p.participants.finished, { judgements: 0, calls: 0, failed: 0 });
          started = true;
        }
        bar.update(p.participants.finished, { judgements: p.judgements, calls: p.modelCalls, failed: p.modelFailures });
      },
      stop: () => { if (started) bar.stop(); },
    };
  }
  let last = -Infinity;
  return {
    onProgress: (p) => {
      if (p.elapsedMs - last < 5000) return;
      last = p.elapsedMs;
      io.err(`simulate: ${line(p)}`);
    },
    stop: () => undefined,
  };
}

export async function simulateCommand(o: SimulateCommandOptions, io: Output, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<SimulationSummary> {
  const store = await openCommandStore(o.db, env);
  const rep = reporter(o.progress ?? "lines", io);
  try {
    const summary = await simulateStudy({
      studyFile: o.studyFile, store,
      ...(o.participants !== undefined ? { participants: o.participants } : {}),
      mode: o.mode ?? "free", replayOf: o.replayOf ?? null, population: o.population ?? "simulated",
      resume: o.resume ?? false, ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      ...(rep.onProgress ? { onProgress: rep.onProgress } : {}), ...(signal ? { signal } : {}), env,
    });
    rep.stop();
    io.err(`simulate: ${line(summary)}`);
    const reasons = Object.entries(summary.reasons).map(([r, n]) => `${r} ${n}`).join(", ");
    io.out(`study ${summary.studyId}: ${line(summary)}${reasons ? `; ended: ${reasons}` : ""}${summary.unfinished ? `; ${summary.unfinished} unfinished (run again with --resume)` : ""}`);
    return summary;
  } finally {
    rep.stop();
    await store.close();
  }
}

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
};

export function register(program: Command): void {
  program
    .command("simulate")
    .description("run simulated participants (LLM twins or oracles) through a study")
    .argument("<study>", "study file (YAML)")
    .option("--participants <n>", "number of simulated participants (default: the study's participants.count)", positiveInt)
    .addOption(new Option("--mode <mode>", "free: twins run the whole protocol; replay: twins judge exactly what a human judged").choices(["free", "replay"]).default("free"))
    .option("--replay-of <studyId>", "replay: the human study to replay")
    .addOption(new Option("--population <kind>", "simulated (LLM twins) or oracle (planted preference models; synthetic cohorts)").choices(["simulated", "oracle"]).default("simulated"))
    .option("--resume", "continue an interrupted run (refused if the study file changed)", false)
    .option("--concurrency <n>", "participants in flight at once", positiveInt)
    .option("--db <dir>", "database folder (PGlite); DATABASE_URL selects PostgreSQL instead")
    .action(async (studyFile: string, opts: { participants?: number; mode: "free" | "replay"; replayOf?: string; population: Population; resume: boolean; concurrency?: number; db?: string }) => {
      const ac = new AbortController();
      const onSigint = (): void => ac.abort();
      process.once("SIGINT", onSigint);
      try {
        const s = await simulateCommand({
          studyFile, mode: opts.mode, resume: opts.resume, replayOf: opts.replayOf ?? null, population: opts.population,
          ...(opts.participants !== undefined ? { participants: opts.participants } : {}),
          ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
          ...(opts.db !== undefined ? { db: opts.db } : {}),
          progress: process.stderr.isTTY && !process.env.CI ? "bar" : "lines",
        }, { out: (l) => console.log(l), err: (l) => console.error(l) }, process.env, ac.signal);
        if (s.unfinished > 0) process.exitCode = 1;
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
