/**
 * `prismx serve STUDY.yaml [--port P] [--host H] [--server-config FILE] [--db DIR] [--private DIR]`:
 * runs a study with real people. The participant UI is at `/`, the admin page at `/admin`.
 *
 * The store is the same as `prismx simulate`'s (DATABASE_URL, else a PGlite folder); the server's
 * key and the Prolific-id ↔ participant map live in a separate private folder that no export
 * reads. The admin token comes from PRISMX_ADMIN_TOKEN or is generated into that folder.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { buildArms, type ArmSet } from "../../arms/index.js";
import { UserError, type Profile, type StudyConfig } from "../../core/index.js";
import { exportStudy } from "../../data/export/write.js";
import { loadProfiles } from "../../data/prism/read.js";
import { loadStudyFile } from "../../sim/build.js";
import { buildApp, type App } from "../../server/app.js";
import { loadServeConfig, type ServeConfig } from "../../server/config.js";
import { FileVault } from "../../server/identities.js";
import { Keyring } from "../../server/keys.js";
import { ensureWebBuilt } from "../../server/web-build.js";
import type { Store } from "../../store/index.js";
import { defaultDbDir, openCommandStore } from "./simulate.js";

export interface ServeOptions {
  studyFile: string;
  port?: number;
  host?: string;
  serverConfig?: string | null;
  db?: string;
  /** Folder for the server key, the identity map and a generated admin token. */
  privateDir?: string;
  /** Serve the API only (no web build). */
  noWeb?: boolean;
  logger?: boolean;
}

export interface RunningServer {
  url: string;
  adminUrl: string;
  adminToken: string;
  adminTokenFile: string | null;
  app: App;
  close(): Promise<void>;
}

/** Names scrubbed from model output: identifiers only (a plain word like "generic" stays readable). */
export function scrubNamesFor(study: StudyConfig, arms: ArmSet | null): string[] {
  const names = new Set<string>();
  const add = (n: string) => {
    for (const part of [n, ...n.split(/[:@/\\]/)]) {
      const base = basename(part).replace(/\.gguf$/i, "");
      for (const x of [part, base]) if (x.length >= 3 && /[A-Z0-9_.:@/-]/.test(x.slice(1))) names.add(x);
    }
  };
  for (const a of study.arms) add(a.id);
  for (const [key, spec] of Object.entries(study.models)) {
    add(key);
    add(spec.model);
  }
  for (const arm of arms?.arms.values() ?? []) add(arm.model.id);
  return [...names];
}

/** `prolific_pid,prism_user_id` lines → PRISM profiles by Prolific id. */
export async function linkedProfiles(mapFile: string, study: StudyConfig, studyDir: string): Promise<Map<string, Profile>> {
  if (!study.participants.profiles) {
    throw new UserError("a profile map needs the study's participants.profiles folder (PRISM format)", { location: { field: "participants.profiles" } });
  }
  const profiles = await loadProfiles(resolve(studyDir, study.participants.profiles));
  const out = new Map<string, Profile>();
  const lines = readFileSync(mapFile, "utf8").split(/\r?\n/);
  lines.forEach((line, i) => {
    if (i === 0 || !line.trim()) return;
    const [pid, user] = line.split(",").map((s) => s.trim());
    const profile = user ? profiles.get(user) : undefined;
    if (!pid || !profile) throw new UserError(`no PRISM profile '${user ?? ""}' for this row`, { location: { file: mapFile, line: i + 1, field: "prism_user_id" }, hint: "the map's columns are prolific_pid,prism_user_id" });
    out.set(pid, profile);
  });
  return out;
}

function adminTokenFrom(env: NodeJS.ProcessEnv, privateDir: string): { token: string; file: string | null } {
  if (env.PRISMX_ADMIN_TOKEN) {
    if (env.PRISMX_ADMIN_TOKEN.length < 16) throw new UserError("PRISMX_ADMIN_TOKEN is too short", { location: { field: "PRISMX_ADMIN_TOKEN" }, hint: "use at least 16 random characters" });
    return { token: env.PRISMX_ADMIN_TOKEN, file: null };
  }
  const file = join(privateDir, "admin-token");
  if (existsSync(file)) return { token: readFileSync(file, "utf8").trim(), file };
  const token = randomBytes(24).toString("base64url");
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return { token, file };
}

export async function serve(o: ServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const studyFile = await loadStudyFile(o.studyFile);
  const study = studyFile.config;
  const serveConfig: ServeConfig = loadServeConfig(o.serverConfig ?? null);
  const privateDir = resolve(o.privateDir ?? join(dirname(resolve(o.db ?? defaultDbDir(env))), "private", study.id));
  mkdirSync(privateDir, { recursive: true, mode: 0o700 });
  const staticDir = o.noWeb ? null : await ensureWebBuilt();

  const store: Store = await openCommandStore(o.db, env);
  let arms: ArmSet | null = null;
  try {
    const existing = await store.studies.get(study.id);
    if (existing && existing.configHash !== studyFile.hash) {
      throw new UserError(`study '${study.id}' in this database was run from a different study file`, { location: { file: o.studyFile, field: "id" }, hint: "serve the original file, or give the changed study a new id" });
    }
    await store.studies.put({ id: study.id, config: study, configHash: studyFile.hash });
    const links = serveConfig.profileMap ? await linkedProfiles(resolve(serveConfig.profileMap), study, studyFile.dir) : new Map<string, Profile>();
    arms = await buildArms(study, studyFile.dir, { env });
    const admin = adminTokenFrom(env, privateDir);
    const app = await buildApp({
      store, study, serve: serveConfig, arms: arms.arms,
      keyring: Keyring.load(join(privateDir, "server-key")),
      vault: new FileVault(join(privateDir, "identities.jsonl")),
      adminToken: admin.token, staticDir, scrubNames: scrubNamesFor(study, arms), linkedProfiles: links,
      exporter: async (studyId, outDir) => { await exportStudy({ store, studyId, outDir }); },
      logger: o.logger ?? false,
    });
    const url = await app.app.listen({ host: o.host ?? "127.0.0.1", port: o.port ?? 8080 });
    const armSet = arms;
    return {
      url, adminUrl: `${url}/admin`, adminToken: admin.token, adminTokenFile: admin.file, app,
      close: async () => {
        await app.app.close();
        await armSet.close();
        await store.close();
      },
    };
  } catch (e) {
    await arms?.close();
    await store.close();
    throw e;
  }
}

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port is a whole number from 0 to 65535");
  return n;
};

export function register(program: Command): void {
  program
    .command("serve")
    .description("run a study with real people: participant web app at /, admin at /admin (Prolific-ready)")
    .argument("<study>", "study YAML file")
    .option("--port <port>", "port to listen on", port, 8080)
    .option("--host <host>", "address to listen on (0.0.0.0 behind a proxy)", "127.0.0.1")
    .option("--server-config <file>", "server YAML: Prolific codes and parameter names, invites, consent, limits")
    .option("--db <dir>", "PGlite folder (default .prismx/db, or $PRISMX_HOME/db); DATABASE_URL wins")
    .option("--private <dir>", "folder for the server key and the Prolific-id map (default beside the db)")
    .action(async (file: string, opts: { port: number; host: string; serverConfig?: string; db?: string; private?: string }) => {
      const s = await serve({ studyFile: file, port: opts.port, host: opts.host, serverConfig: opts.serverConfig ?? null, ...(opts.db ? { db: opts.db } : {}), ...(opts.private ? { privateDir: opts.private } : {}), logger: true });
      console.log(`participants: ${s.url}/  (Prolific link: ${s.url}/?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}})`);
      console.log(`admin:        ${s.adminUrl}  (token ${s.adminTokenFile ? `in ${s.adminTokenFile}` : "from PRISMX_ADMIN_TOKEN"})`);
      const stop = () => { void s.close().then(() => process.exit(0)); };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
