/**
 * Benchmark: N concurrent participants (default 300) for S seconds (default 60) against the study
 * server in its own process (PGlite by default, PostgreSQL when DATABASE_URL is set), with a fast
 * fake model. Each simulated person runs the HTTP participant flow (enter, task, answer, stream)
 * with a think time between actions, and starts over as a new participant when done.
 *
 * Prints requests/s and p50/p99 per endpoint beside the target (issue 6: p99 of the
 * non-generation endpoints ≤ 100 ms), and checks that no acknowledged event was lost.
 *
 * The think time (default 3 s ±50% between actions) stands for a fast person: people read two
 * responses, move sliders and type between requests. Arrivals are spread over the first think
 * time, as a study link's participants do not all click in the same millisecond.
 *
 *   npx tsx bench/server/participants.ts [--participants 300] [--seconds 60] [--think-ms 3000]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Bot } from "../../src/server/bot.js";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg("participants", 300);
const SECONDS = arg("seconds", 60);
const THINK = arg("think-ms", 3000);
const TARGET_P99 = 100;

let childOut = "";
function startChild(opts: object): Promise<{ child: ChildProcess; url: string }> {
  const script = resolve(import.meta.dirname, "../../src/server/testing/serve-child.ts");
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), "--import", "tsx", script, JSON.stringify(opts)], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", (d: Buffer) => {
      childOut += d.toString();
      const m = /listening (\S+)/.exec(childOut);
      if (m) res({ child, url: m[1]! });
    });
    child.once("exit", (c) => rej(new Error(`server exited (${c})`)));
  });
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const dir = mkdtempSync(join(tmpdir(), "prismx-bench-server-"));
const studyId = `bench-${Date.now()}`;
const study = `id: ${studyId}\nseed: 5\nmodels:\n  fakemodel-xl: { provider: openai, baseURL: "http://127.0.0.1:9/v1", model: secret-model-name }\narms:\n  - { id: arm-generic-zz, model: fakemodel-xl, strategy: none }\n  - { id: arm-prompted-zz, model: fakemodel-xl, strategy: prompt }\nprotocol: { mode: pairwise, conversations: 1, turns: { min: 2, max: 3 }, probes: 1, attentionChecks: 1 }\n`;
const { child, url } = await startChild({ dir, url: process.env.DATABASE_URL || null, port: 0, delayMs: 2, study });
const backend = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";

const timings = new Map<string, number[]>();
let errors = 0;
const acked = new Map<string, number>();
const started = performance.now();
const deadline = started + SECONDS * 1000;
const ac = new AbortController();
setTimeout(() => ac.abort(), SECONDS * 1000 + 100).unref();

let seqCounter = 0;
await Promise.all(Array.from({ length: N }, async (_, worker) => {
  await new Promise((r) => setTimeout(r, (worker / N) * THINK));
  while (performance.now() < deadline) {
    const pid = `bench${worker}x${seqCounter++}`;
    const bot = new Bot({
      baseUrl: url, prolificPid: pid, signal: ac.signal,
      thinkMs: () => THINK * (0.5 + Math.random()),
      onTiming: (endpoint, ms, status) => {
        if (status >= 500 || status === 429) errors++;
        let l = timings.get(endpoint);
        if (!l) timings.set(endpoint, (l = []));
        l.push(ms);
      },
      onAck: (seq) => acked.set(pid, Math.max(acked.get(pid) ?? 0, seq)),
    });
    try {
      await bot.run();
    } catch (e) {
      if (!ac.signal.aborted) {
        errors++;
        console.error(`participant ${pid}: ${(e as Error).message}`);
      }
    }
  }
}));
const elapsed = (performance.now() - started) / 1000;

// Zero lost events: every acknowledged seq is in the store (re-entering reports the log length).
let lost = 0;
const check = [...acked.entries()];
for (let i = 0; i < check.length; i += 50) {
  await Promise.all(check.slice(i, i + 50).map(async ([pid, seq]) => {
    const p = await new Bot({ baseUrl: url, prolificPid: pid }).enter();
    if (p.seq < seq) lost++;
  }));
}
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
rmSync(dir, { recursive: true, force: true });

const serverLine = /server-timings (.*)/.exec(childOut)?.[1];
const serverMs = serverLine ? (JSON.parse(serverLine) as Record<string, number[]>) : {};
const all = [...timings.values()].flat();
const nonGen = ["enter", "task", "answer"].flatMap((e) => timings.get(e) ?? []);
console.log(`prismx serve benchmark — ${N} concurrent participants, ${SECONDS} s, think time ${THINK}±50% ms, fast fake model, ${backend}`);
console.log(`requests: ${all.length} in ${elapsed.toFixed(1)} s = ${(all.length / elapsed).toFixed(0)} requests/s; participants started ${acked.size}; errors ${errors}`);
console.log("endpoint   count   client p50/p99 ms   server p50/p99 ms (time inside the server)");
for (const [e, l] of [...timings.entries()].sort()) {
  const sv = serverMs[e] ?? [];
  console.log(`${e.padEnd(9)} ${String(l.length).padStart(6)} ${pct(l, 50).toFixed(1).padStart(9)} / ${pct(l, 99).toFixed(1).padEnd(9)} ${pct(sv, 50).toFixed(1).padStart(9)} / ${pct(sv, 99).toFixed(1)}`);
}
const cpuLine = /server-cpu (.*)/.exec(childOut)?.[1];
if (cpuLine) {
  const c = JSON.parse(cpuLine) as { userMs: number; systemMs: number };
  const cpuMs = c.userMs + c.systemMs;
  console.log(`server process CPU: ${(cpuMs / 1000).toFixed(1)} s for ${all.length} requests = ${(cpuMs / all.length).toFixed(2)} ms CPU per request (${(cpuMs / 10 / elapsed).toFixed(0)}% of one core)`);
}
const serverNonGen = ["enter", "task", "answer"].flatMap((e) => serverMs[e] ?? []);
console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} (other work on the machine counts against every figure)`);
const p99 = pct(nonGen, 99);
console.log(`non-generation (enter, task, answer): client p50 ${pct(nonGen, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; server p50 ${pct(serverNonGen, 50).toFixed(1)} ms, p99 ${pct(serverNonGen, 99).toFixed(1)} ms   | target p99 ≤ ${TARGET_P99} ms: ${p99 <= TARGET_P99 ? "met" : "NOT met"}`);
console.log(`acknowledged answers checked: ${check.length} participants, lost events: ${lost}   | target 0: ${lost === 0 ? "met" : "NOT met"}`);
process.exitCode = lost === 0 && errors === 0 ? 0 : 1;
