/**
 * Issue 3's figure: a PRISM-sized synthetic cohort (1,500 participants, ~8,000 conversations,
 * ~68,000 utterances) must validate and yield its pairs in ≤ 20 s and ≤ 1 GB peak memory.
 * Each step runs in its own process (tsx start-up included), timed by wall clock; peak RSS is the
 * child's own `process.resourceUsage().maxRSS`.
 *
 *   node_modules/.bin/tsx bench/data/prism-data.bench.ts [--participants 1500] [--seed 1] [--keep DIR]
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
};
const participants = arg("participants", "1500");
const seed = arg("seed", "1");
const keep = arg("keep", "");
const work = keep || (await mkdtemp(join(tmpdir(), "prismx-bench-data-")));
const cohort = join(work, "cohort");

interface Step { name: string; seconds: number; rssMB: number; output: string }

function step(name: string, args: string[]): Step {
  const t0 = performance.now();
  const r = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "bench", "data", "data-cli.ts"), "data", ...args], {
    cwd: root, encoding: "utf8", env: { ...process.env, PRISMX_BENCH: "1" }, maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${name} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const rss = /BENCH maxRSS_kB=(\d+)/.exec(r.stderr);
  return { name, seconds, rssMB: rss ? Number(rss[1]) / 1024 : NaN, output: r.stdout.trim() };
}

try {
  const exists = await stat(join(cohort, "survey.jsonl")).then(() => true, () => false);
  const steps: Step[] = [];
  if (!exists) steps.push(step("sample (not counted)", ["sample", "--out", cohort, "--participants", participants, "--seed", seed]));
  const validate = step("validate", ["validate", cohort]);
  const pairs = step("pairs", ["pairs", cohort, "--out", join(work, "pairs.jsonl")]);
  const quirks = step("pairs --reference-quirks", ["pairs", cohort, "--out", join(work, "pairs-ref.jsonl"), "--reference-quirks"]);
  steps.push(validate, pairs, quirks);
  console.log(`prismx data benchmark — ${participants} synthetic participants (seed ${seed}), ${work}`);
  for (const s of steps) console.log(`\n$ prismx data ${s.name}\n${s.output.split("\n").map((l) => `  ${l}`).join("\n")}`);
  console.log("\nstep                          wall s   peak RSS MB");
  for (const s of steps) console.log(`${s.name.padEnd(28)} ${s.seconds.toFixed(2).padStart(7)} ${s.rssMB.toFixed(0).padStart(12)}`);
  const total = validate.seconds + pairs.seconds;
  const peak = Math.max(validate.rssMB, pairs.rssMB);
  console.log(`\nvalidate + pairs: ${total.toFixed(2)} s, peak ${peak.toFixed(0)} MB   | target (issue 3): ≤ 20 s, ≤ 1024 MB → ${total <= 20 && peak <= 1024 ? "met" : "NOT met"}`);
  console.log("peer: the reference notebook (pandas, data/prism_dataset.ipynb) publishes no timing or memory figure.");
} finally {
  if (!keep) await rm(work, { recursive: true, force: true });
}
