/** `prismx data validate | sample | pairs`: PRISM-format files, the synthetic cohort, P-DPO pairs. */
import { InvalidArgumentError, type Command } from "commander";
import { isUserError } from "../../core/errors.js";
import { validatePrismDir, type ValidationReport } from "../../data/prism/validate.js";
import { writeSampleCohort, type SampleSummary } from "../../data/sample/sampler.js";
import { writePairs } from "../../data/pairs/write.js";
import type { PairCounts } from "../../data/pairs/build.js";

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleOutput: Output = { out: (l) => console.log(l), err: (l) => console.error(l) };

export interface ValidateCommandOptions {
  dir: string;
  maxProblems?: number;
}

/** Validates a PRISM folder and prints a summary and the problems. `ok` false means exit non-zero. */
export async function dataValidate(opts: ValidateCommandOptions, io: Output = consoleOutput): Promise<ValidationReport> {
  const report = await validatePrismDir(opts.dir, opts.maxProblems === undefined ? {} : { maxProblems: opts.maxProblems });
  const s = report.summary;
  const types = Object.entries(s.conversationsByType).map(([t, n]) => `${t} ${n}`).join(", ");
  io.out(`${opts.dir}: ${s.filesRead.join(", ")}`);
  io.out(`  participants   ${s.participants} (${s.surveyOnly} survey-only)`);
  io.out(`  conversations  ${s.conversations}${types ? ` (${types})` : ""}`);
  io.out(`  turns          ${s.turns}`);
  io.out(`  utterances     ${s.utterances}`);
  io.out(`  models         ${s.models} in conversations${s.modelsFileRows === null ? "" : `, ${s.modelsFileRows} in models.jsonl`}`);
  if (s.metadataRows !== null) io.out(`  metadata rows  ${s.metadataRows} (${Object.entries(s.metadataByColumn).map(([c, n]) => `${c} ${n}`).join(", ")})`);
  const p = report.problems;
  for (const line of p.formatted()) io.err(line);
  if (p.omitted > 0) io.err(`… and ${p.omitted} more problem(s) not listed`);
  io.out(report.ok ? `valid (${p.warnings} warning(s))` : `INVALID: ${p.errors} error(s), ${p.warnings} warning(s)`);
  return report;
}

export interface SampleCommandOptions {
  out: string;
  participants: number;
  seed: number;
  conversationsPerPerson?: number;
  choiceNoiseScale?: number;
  force?: boolean;
}

export async function dataSample(opts: SampleCommandOptions, io: Output = consoleOutput): Promise<SampleSummary> {
  const s = await writeSampleCohort(opts);
  const density = (opts.conversationsPerPerson === undefined ? "" : `, ${opts.conversationsPerPerson} conversations per person`)
    + (opts.choiceNoiseScale === undefined ? "" : `, choice noise ×${opts.choiceNoiseScale}`);
  io.out(`wrote ${opts.out}: ${s.participants} participants, ${s.conversations} conversations, ${s.interactions} turns, ${s.utterances} utterances, ${s.metadata} metadata rows, ground_truth.jsonl (seed ${opts.seed}${density})`);
  return s;
}

export interface PairsCommandOptions {
  dir: string;
  out: string;
  split?: string;
  seed: number;
  referenceQuirks?: boolean;
  textualInfo?: boolean;
}

export async function dataPairs(opts: PairsCommandOptions, io: Output = consoleOutput): Promise<PairCounts & { out: string; splitOut: string }> {
  const r = await writePairs({
    dir: opts.dir, out: opts.out, seed: opts.seed,
    referenceQuirks: opts.referenceQuirks ?? false,
    textualInfo: opts.textualInfo ?? true,
    ...(opts.split === undefined ? {} : { splitOut: opts.split }),
  });
  io.out(`wrote ${r.out}: ${r.trainPairs} train pairs (+${r.genericCopies} generic-user copies), ${r.testPairs} test pairs${opts.referenceQuirks ? " [reference quirks]" : ""}`);
  io.out(`wrote ${r.splitOut}: ${r.seenUsers} seen users, ${r.unseenUsers} unseen; ${r.trainDialogues} train / ${r.testDialogues} test dialogues; dropped ${r.droppedDialogues} dialogue(s), ${r.droppedUsers} user(s) (seed ${opts.seed})`);
  return r;
}

function integer(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return n;
  };
}

function nonNegative(name: string) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x) || x < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0`);
    return x;
  };
}

/** UserErrors from here may carry a list of bad rows; print them all, since main prints only the message. */
async function run(io: Output, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (!isUserError(e) || e.details.length === 0) throw e;
    io.err(`prismx: ${e.message}`);
    for (const d of e.details) io.err(`  ${d}`);
    process.exitCode = 1;
  }
}

export function register(program: Command): void {
  const data = program.command("data").description("PRISM-format data: validate, synthetic cohort, P-DPO preference pairs");
  data
    .command("validate")
    .description("check PRISM-format files (survey, conversations, utterances, metadata, models)")
    .argument("<dir>", "folder with the PRISM jsonl files")
    .option("--max-problems <n>", "problems listed per severity", integer("--max-problems", 1), 200)
    .action((dir: string, o: { maxProblems: number }) => run(consoleOutput, async () => {
      const report = await dataValidate({ dir, maxProblems: o.maxProblems });
      if (!report.ok) process.exitCode = 1;
    }));
  data
    .command("sample")
    .description("write a synthetic PRISM-format cohort with planted preference models (ground_truth.jsonl)")
    .requiredOption("--out <dir>", "folder to create")
    .option("--participants <n>", "number of participants", integer("--participants", 1), 1500)
    .option("--seed <s>", "random seed", integer("--seed", 0), 1)
    .option("--conversations-per-person <n>", "every participant rates exactly n conversations (default: PRISM's mix, mostly 6, some survey-only)", integer("--conversations-per-person", 1))
    .option("--choice-noise-scale <f>", "multiply each participant's rating noise (below 1: choices follow the planted weights more closely)", nonNegative("--choice-noise-scale"))
    .option("--force", "replace a non-empty --out folder")
    .action((o: { out: string; participants: number; seed: number; conversationsPerPerson?: number; choiceNoiseScale?: number; force?: boolean }) => run(consoleOutput, async () => {
      await dataSample({
        out: o.out, participants: o.participants, seed: o.seed, force: o.force ?? false,
        ...(o.conversationsPerPerson === undefined ? {} : { conversationsPerPerson: o.conversationsPerPerson }),
        ...(o.choiceNoiseScale === undefined ? {} : { choiceNoiseScale: o.choiceNoiseScale }),
      });
    }));
  data
    .command("pairs")
    .description("P-DPO preference pairs (pairs.jsonl) and the seen/unseen user split")
    .argument("<dir>", "folder with the PRISM jsonl files")
    .requiredOption("--out <file>", "pairs.jsonl to write")
    .option("--split <file>", "where to write the user split (default: <out>.split.json beside --out)")
    .option("--seed <s>", "split seed", integer("--seed", 0), 123)
    .option("--reference-quirks", "reproduce the reference code's choices (see src/data/pairs/README.md)")
    .option("--no-textual-info", "leave the textual user information out of the prompts")
    .action((dir: string, o: { out: string; split?: string; seed: number; referenceQuirks?: boolean; textualInfo: boolean }) => run(consoleOutput, async () => {
      await dataPairs({ dir, out: o.out, seed: o.seed, referenceQuirks: o.referenceQuirks ?? false, textualInfo: o.textualInfo, ...(o.split === undefined ? {} : { split: o.split }) });
    }));
}
