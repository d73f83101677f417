/** `prismx demo [--quick] [--out DIR] [--seed S]`: the whole loop, offline, on the embedded defaults. */
import { relative } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import cliProgress from "cli-progress";
import { runDemo, type DemoResult } from "../../demo/pipeline.js";
import type { Progress } from "../../sim/runner.js";

export interface DemoCommandOptions {
  out: string;
  quick: boolean;
  seed?: number;
}

/** A progress bar per simulated population on a terminal; plain lines every few seconds otherwise. */
function progressReporter(tty: boolean, err: (l: string) => void): { onProgress: (stage: string, p: Progress) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | null = null;
  let current = "";
  let lastLine = -Infinity;
  const stop = (): void => {
    bar?.stop();
    bar = null;
  };
  return {
    onProgress: (stage, p) => {
      if (!tty) {
        if (p.elapsedMs - lastLine >= 5000 || p.participants.finished === p.participants.total) {
          lastLine = p.elapsedMs;
          err(`      ${stage}: ${p.participants.finished}/${p.participants.total} participants, ${p.judgements} judgements, ${p.modelCalls} model calls`);
        }
        return;
      }
      if (stage !== current) {
        stop();
        current = stage;
        bar = new cliProgress.SingleBar({ format: `      ${stage} [{bar}] {value}/{total} participants | {judgements} judgements | ETA {eta_formatted}`, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(p.participants.total, 0, { judgements: 0 });
      }
      bar?.update(p.participants.finished, { judgements: p.judgements });
      if (p.participants.finished === p.participants.total) stop();
    },
    stop,
  };
}

export async function demoCommand(o: DemoCommandOptions, io: { out: (l: string) => void; err: (l: string) => void; tty: boolean }): Promise<DemoResult> {
  io.out(`prismx demo${o.quick ? " --quick" : ""}: the PRISM-X loop offline, writing to ${o.out}`);
  const progress = progressReporter(io.tty, io.err);
  try {
    const r = await runDemo({ out: o.out, quick: o.quick, ...(o.seed !== undefined ? { seed: o.seed } : {}), log: io.out, onProgress: progress.onProgress });
    io.out("");
    for (const line of r.headline) io.out(line);
    io.out("");
    io.out(`stage timings: ${r.timings.map((t) => `${t.stage.split(" ")[0]} ${t.seconds.toFixed(0)} s`).join(", ")}`);
    io.out(`report: ${relative(process.cwd(), r.report) || r.report}`);
    return r;
  } finally {
    progress.stop();
  }
}

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("must be an integer");
  return n;
};

export function register(program: Command): void {
  program
    .command("demo")
    .description("run the whole loop offline on the embedded defaults: cohort, training, arms, oracle and twin studies, analysis, report")
    .option("--quick", "a few-minute version (smaller cohort, fewer steps and participants)", false)
    .option("--out <dir>", "output folder (everything the demo writes goes here)", "out/demo")
    .option("--seed <n>", "seed for every random choice", int)
    .action(async (opts: { quick: boolean; out: string; seed?: number }) => {
      await demoCommand(opts, { out: (l) => console.log(l), err: (l) => console.error(l), tty: Boolean(process.stderr.isTTY) });
    });
}
