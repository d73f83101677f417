/**
 * Crash safety: 50 participants mid-study against a server in its own process; the server is
 * killed with SIGKILL; a new server on the same store starts. Every answer the server had
 * acknowledged is in the log (seq never goes back), and every participant resumes and finishes.
 * Bounded: 127.0.0.1 only, 50 participants, a few seconds of load.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Bot } from "./bot.js";

const CHILD = join(import.meta.dirname, "testing", "serve-child.ts");
const PARTICIPANTS = 50;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

function startChild(opts: object): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(opts)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once("exit", (code) => reject(new Error(`server child exited early (${code})`)));
  });
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const backends: [string, string | null][] = [["PGlite", null], ...(process.env.DATABASE_URL ? [["PostgreSQL", process.env.DATABASE_URL] as [string, string]] : [])];

describe.each(backends)("SIGKILL mid-study (%s)", (_name, url) => {
  it(`loses no acknowledged event and every one of ${PARTICIPANTS} participants resumes`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "prismx-kill-"));
    dirs.push(dir);
    const port = await freePort();
    // A study id of its own per run, so a shared PostgreSQL holds no earlier run.
    const study = `id: kill-${Date.now()}\nseed: 3\nmodels:\n  fakemodel-xl: { provider: openai, baseURL: "http://127.0.0.1:9/v1", model: secret-model-name }\narms:\n  - { id: arm-generic-zz, model: fakemodel-xl, strategy: none }\n  - { id: arm-prompted-zz, model: fakemodel-xl, strategy: prompt }\nprotocol: { mode: pairwise, conversations: 1, turns: { min: 2, max: 3 }, probes: 1, attentionChecks: 1 }\n`;
    const opts = { dir, url, port, delayMs: 3, study };
    const first = await startChild(opts);
    children.push(first.child);

    const acked = new Map<string, number>();
    const answers = new Map<string, number>();
    let killed = false;
    let finishedBeforeKill = 0;
    const exited = new Promise<void>((r) => first.child.once("exit", () => r()));
    const runs = Array.from({ length: PARTICIPANTS }, async (_, i) => {
      const pid = `kill${String(i).padStart(4, "0")}`;
      const bot = new Bot({
        baseUrl: first.url, prolificPid: pid, thinkMs: () => 40 + ((i * 7) % 60),
        onAck: (seq) => {
          acked.set(pid, Math.max(acked.get(pid) ?? 0, seq));
          answers.set(pid, (answers.get(pid) ?? 0) + 1);
          // Kill once every participant is under way (two answers each acknowledged).
          if (!killed && answers.size === PARTICIPANTS && [...answers.values()].every((n) => n >= 2)) {
            killed = true;
            first.child.kill("SIGKILL");
          }
        },
      });
      const r = await bot.run().catch(() => null); // connection refused / reset once the server is gone
      if (r?.final.view.kind === "done" && !killed) finishedBeforeKill++;
    });
    await Promise.all(runs);
    await exited;
    expect(killed).toBe(true);
    expect(acked.size).toBe(PARTICIPANTS);
    // They were mid-study: (almost) nobody had finished when the server died.
    expect(finishedBeforeKill).toBeLessThan(PARTICIPANTS / 5);

    const second = await startChild(opts);
    children.push(second.child);
    try {
      const results = await Promise.all(Array.from({ length: PARTICIPANTS }, async (_, i) => {
        const pid = `kill${String(i).padStart(4, "0")}`;
        const bot = new Bot({ baseUrl: second.url, prolificPid: pid });
        const resumed = await bot.enter();
        const done = await new Bot({ baseUrl: second.url, prolificPid: pid }).run();
        return { pid, resumedSeq: resumed.seq, final: done.final.view.kind };
      }));
      for (const r of results) {
        // Every acknowledged answer is there: the log is at least as long as what was confirmed.
        expect(r.resumedSeq, r.pid).toBeGreaterThanOrEqual(acked.get(r.pid)!);
        expect(r.final, r.pid).toBe("done");
      }
    } finally {
      second.child.kill("SIGTERM");
      await new Promise((r) => second.child.once("exit", r));
    }
  }, 180_000);
});
