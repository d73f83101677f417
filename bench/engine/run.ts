/**
 * Benchmark: a PRISM-X-sized simulated study (examples/prismx-x-study.yaml: 530 participants, 4
 * arms, 18 conversations of 6–8 turns, ≥ 60,000 judgements) against an instant fake
 * OpenAI-compatible server on loopback. Target (issue 5): ≤ 2 minutes, ≤ 1 GB peak memory.
 * Prints model calls per second and the engine's own time per call.
 *
 *   npx tsx bench/engine/run.ts [--participants N] [--population simulated|oracle] [--store pglite|postgres] [--memory-db] [--concurrency N]
 *
 * `--store postgres` uses DATABASE_URL, or starts the throwaway server of scripts/pg-test-server.sh.
 * Participants in flight default to what `prismx simulate` uses (one per model slot, 128 here).
 * The first PGlite store on a machine builds the empty-database template (src/store/pglite-thread.ts);
 * run twice to see the steady figure.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseStudyConfig, serialiseStudyConfig } from "../../src/core/index.js";
import { openStore } from "../../src/store/index.js";
import { simulateStudy } from "../../src/sim/build.js";

const { values } = parseArgs({ options: {
  participants: { type: "string", default: "530" }, population: { type: "string", default: "simulated" },
  "memory-db": { type: "boolean", default: false }, concurrency: { type: "string" },
  store: { type: "string", default: "pglite" }, "max-seconds": { type: "string", default: "600" },
} });
const root = resolve(import.meta.dirname, "..", "..");
const n = Number(values.participants);

const server = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fake-server.ts")], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise<string>((ok) => server.stdout.setEncoding("utf8").once("data", (d: string) => ok(d.trim())));

const dir = mkdtempSync(join(tmpdir(), "prismx-bench-engine-"));
try {
  // The PRISM-X study, with every model on the fake server; trained arms become prompt-only arms
  // (the fake server cannot serve user tokens, and what is measured is the engine, not the arms).
  const base = parseStudyConfig(readFileSync(join(root, "examples", "prismx-x-study.yaml"), "utf8"), "examples/prismx-x-study.yaml");
  const fake = { provider: "openai" as const, baseURL: url, model: "fake", apiKeyEnv: null, concurrency: 64, timeoutMs: 30_000, maxRetries: 4 };
  const config = {
    ...base,
    // A fresh id per run: a PostgreSQL database outlives the benchmark.
    id: `prismx-x-bench-${Date.now().toString(36)}`,
    models: { base: fake, simulator: fake },
    arms: base.arms.map((a, i) => ({ ...a, strategy: i % 2 === 0 ? "none" as const : "prompt" as const, artefact: null, systemPrompt: `You are assistant number ${i}.` })),
    participants: { count: n, profiles: join(root, "examples", "cohort") },
  };
  const file = join(dir, "prismx-x-bench.yaml");
  writeFileSync(file, serialiseStudyConfig(config));

  const pgUrl = values.store === "postgres" ? process.env.DATABASE_URL || execFileSync("bash", [join(root, "scripts", "pg-test-server.sh")], { encoding: "utf8" }).trim() : null;
  const store = await openStore(pgUrl ? { url: pgUrl } : { dir: values["memory-db"] ? null : join(dir, "db") });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let lastLine = 0;
  // maxRSS alone says how high, not when: sample often enough to place the peak in the run.
  let peak = { rss: 0, atS: 0 };
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak.rss) peak = { rss, atS: (performance.now() - t0) / 1000 };
  }, 100);
  const ac = new AbortController();
  const stopAt = setTimeout(() => ac.abort(), Number(values["max-seconds"]) * 1000);
  const s = await simulateStudy({
    studyFile: file, store, population: values.population as "simulated" | "oracle", ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}), signal: ac.signal,
    onProgress: (p) => {
      if (p.elapsedMs - lastLine < 10_000) return;
      lastLine = p.elapsedMs;
      const m = process.memoryUsage();
      const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
      console.error(`  ${(p.elapsedMs / 1000).toFixed(0)} s: ${p.participants.finished}/${p.participants.total} participants, ${p.judgements} judgements, ${p.modelCalls} calls; RSS ${mib(m.rss)} MiB (JS heap ${mib(m.heapUsed)}/${mib(m.heapTotal)}, external ${mib(m.external)})`);
    },
  });
  clearTimeout(stopAt);
  clearInterval(sampler);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  await store.close();
  const ok = s.unfinished === 0 && s.judgements >= 60_000 && wallS <= 120 && peakMiB <= 1024;
  console.log(`prismx engine benchmark — PRISM-X-sized study, ${n} ${values.population} participants, fake OpenAI server on loopback, store ${pgUrl ? "PostgreSQL" : values["memory-db"] ? "PGlite (in memory)" : "PGlite (on disk)"}`);
  console.log(`  participants        ${s.participants.finished}/${s.participants.total} (${Object.entries(s.reasons).map(([r, c]) => `${r} ${c}`).join(", ")})`);
  console.log(`  judgements          ${s.judgements} (target ≥ 60,000 at 530 participants)`);
  console.log(`  events stored       ${s.events} in ${s.storeBatches} group commits (${(s.storeMs / 1000).toFixed(1)} s in the store)`);
  console.log(`  wall time           ${wallS.toFixed(1)} s (target ≤ 120 s)`);
  console.log(`  peak memory (RSS)   ${peakMiB.toFixed(0)} MiB (target ≤ 1024 MiB; highest 100 ms sample ${(peak.rss / 2 ** 20).toFixed(0)} MiB at ${peak.atS.toFixed(0)} s, the store's thread included)`);
  console.log(`  model calls         ${s.modelCalls} (${s.modelFailures} failed), ${(s.modelCalls / wallS).toFixed(0)} calls/s`);
  console.log(`  process CPU         ${cpuS.toFixed(1)} s (${(s.modelCalls / cpuS).toFixed(0)} calls per CPU-second, the PGlite thread included; the machine is shared, so wall time includes waiting for a core)`);
  console.log(`  engine time         ${(s.engineMs / 1000).toFixed(2)} s in plan/rebuild/next/apply/scrub = ${((s.engineMs * 1000) / Math.max(1, s.modelCalls)).toFixed(1)} µs per model call`);
  console.log(`  peer                tau2-bench runs simulations one thread per task and reports no engine overhead; PRISM-X released ~67k judgements`);
  console.log(ok ? "  PASS" : "  MISS (see targets above)");
} finally {
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
