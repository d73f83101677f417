/**
 * A study server in its own process, for the kill-and-restart test and the benchmark: the real
 * app and store (PGlite folder or PostgreSQL) with arms over a scripted, fast fake model.
 *
 *   node --import tsx serve-child.ts '{"dir": "...", "url": null, "port": 0, "delayMs": 2, "study": "<yaml>"}'
 *
 * Prints `listening <url>` once it accepts requests.
 */
import { openStore } from "../../store/index.js";
import { buildApp } from "../app.js";
import { ServeConfig } from "../config.js";
import { FileVault } from "../identities.js";
import { Keyring } from "../keys.js";
import { armsOver, scriptedModel, SECRET_NAMES, testStudy } from "../testing.js";
import { join } from "node:path";

interface ChildOptions { dir: string; url: string | null; port: number; delayMs: number; study?: string; limits?: Record<string, number> }

const o = JSON.parse(process.argv[2] ?? "{}") as ChildOptions;
const study = o.study ? testStudy(o.study) : testStudy();
const store = await openStore(o.url ? { url: o.url } : { dir: join(o.dir, "db") });
await store.studies.put({ id: study.id, config: study, configHash: "child" });
const reply = "Thanks for your message. Here is a short and friendly answer with a few words in it.";
const { app } = await buildApp({
  store, study, serve: ServeConfig.parse({ limits: { perParticipantPerMinute: 100_000, entryPerMinute: 100_000, ...(o.limits ?? {}) } }),
  arms: armsOver(study, scriptedModel("fast-fake", () => reply, o.delayMs)),
  keyring: Keyring.load(join(o.dir, "key")), vault: new FileVault(join(o.dir, "identities.jsonl")),
  adminToken: "bench-admin-token-0123456789", staticDir: null, scrubNames: SECRET_NAMES,
});
// Server-side time per endpoint (from request received to response sent), reported on SIGTERM.
const serverMs = new Map<string, number[]>();
app.addHook("onResponse", (req, reply, done) => {
  const key = (req.routeOptions.url ?? "other").replace("/api/", "");
  let l = serverMs.get(key);
  if (!l) serverMs.set(key, (l = []));
  l.push(reply.elapsedTime);
  done();
});
const url = await app.listen({ host: "127.0.0.1", port: o.port });
const cpuStart = process.cpuUsage();
process.stdout.write(`listening ${url}\n`);
const stop = () => {
  const cpu = process.cpuUsage(cpuStart);
  process.stdout.write(`server-cpu ${JSON.stringify({ userMs: cpu.user / 1000, systemMs: cpu.system / 1000 })}\n`);
  process.stdout.write(`server-timings ${JSON.stringify(Object.fromEntries(serverMs))}\n`);
  void app.close().then(() => store.close()).then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
