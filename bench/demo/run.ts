/**
 * Times `prismx demo` stage by stage, with the peak memory of the whole process tree (the Node
 * process and the Python trainer it spawns), against the budget of the demo issue: the full demo
 * in ≤ 30 min and `--quick` in ≤ 5 min, ≤ 8 GB peak, on a 2-core machine. With `--repeat 2` it also
 * checks that the same seed gives a byte-identical results.json.
 *
 *   npx tsx bench/demo/run.ts [--quick] [--repeat N] [--out DIR] [--seed S]
 *
 * Peak memory is sampled from /proc every 200 ms (Linux): the sum of the resident sets of the demo
 * process and all its descendants at each sample, so short spikes between samples can be missed.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    repeat: { type: "string", default: "1" },
    out: { type: "string", default: "out/bench-demo" },
    seed: { type: "string" },
  },
});
const root = resolve(import.meta.dirname, "..", "..");

function children(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
    } catch {
      // the process ended between readdir and read
    }
  }
  return kids;
}

function treeRssBytes(pid: number): number {
  const kids = children();
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
    stack.push(...(kids.get(p) ?? []));
  }
  return total;
}

async function runOnce(out: string): Promise<{ wall: number; peak: number; stages: { stage: string; seconds: number }[]; resultsHash: string }> {
  const args = [join(root, "bin", "prismx.mjs"), "demo", "--out", out, ...(values.quick ? ["--quick"] : []), ...(values.seed ? ["--seed", values.seed] : [])];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  let peak = 0;
  const timer = setInterval(() => {
    if (child.pid) peak = Math.max(peak, treeRssBytes(child.pid));
  }, 200);
  const code = await new Promise<number | null>((res) => child.on("exit", res));
  clearInterval(timer);
  if (code !== 0) throw new Error(`prismx demo exited with ${code}`);
  const wall = (performance.now() - t0) / 1000;
  const timings = JSON.parse(readFileSync(join(out, "timings.json"), "utf8")) as { stages: { stage: string; seconds: number }[] };
  // Runs in different folders differ only in the paths results.json records; those are masked.
  const resultsHash = createHash("sha256").update(readFileSync(join(out, "report", "results.json"), "utf8").replaceAll(out, "<out>")).digest("hex");
  return { wall, peak, stages: timings.stages, resultsHash };
}

const budget = { seconds: values.quick ? 5 * 60 : 30 * 60, bytes: 8 * 1024 ** 3 };
const runs: Awaited<ReturnType<typeof runOnce>>[] = [];
const repeat = Number(values.repeat);
for (let i = 0; i < repeat; i++) runs.push(await runOnce(resolve(root, values.out, repeat > 1 ? `run-${i + 1}` : ".")));

const gb = (b: number): string => `${(b / 1024 ** 3).toFixed(2)} GB`;
console.log(`\nprismx demo${values.quick ? " --quick" : ""} — stage timings (s), ${runs.length} run(s)`);
for (const [i, s] of runs[0]!.stages.entries()) console.log(`  ${s.stage.padEnd(10)} ${runs.map((r) => r.stages[i]!.seconds.toFixed(1).padStart(8)).join(" ")}`);
for (const r of runs) {
  console.log(`wall ${r.wall.toFixed(0)} s (budget ${budget.seconds} s: ${r.wall <= budget.seconds ? "met" : "MISSED"}), peak memory ${gb(r.peak)} (budget ${gb(budget.bytes)}: ${r.peak <= budget.bytes ? "met" : "MISSED"})`);
}
if (runs.length > 1) {
  const same = runs.every((r) => r.resultsHash === runs[0]!.resultsHash);
  console.log(`results.json identical across runs with the same seed: ${same ? "yes" : "NO"} (${runs.map((r) => r.resultsHash.slice(0, 12)).join(", ")})`);
  if (!same) {
    // Name the parts of results.json that differ, so a regression points somewhere.
    const load = (i: number) => JSON.parse(readFileSync(resolve(root, values.out, `run-${i + 1}`, "report", "results.json"), "utf8")) as Record<string, unknown>;
    const [a, b] = [load(0), load(1)];
    for (const k of Object.keys(a)) for (const k2 of Object.keys((a[k] ?? {}) as object)) {
      const [x, y] = [JSON.stringify((a[k] as Record<string, unknown>)[k2]), JSON.stringify(((b[k] ?? {}) as Record<string, unknown>)[k2])];
      if (x !== y) console.log(`  differs: ${k}.${k2}`);
    }
    process.exitCode = 1;
  }
}
