/**
 * The caller's side of the embedded database thread (pglite-worker.mjs): the two methods of
 * PGlite that drizzle's PGlite driver uses — `query` and `transaction` — forwarded to a PGlite
 * in a worker thread. Transactions keep PGlite's own semantics: queries inside go to the open
 * transaction; queries outside wait in PGlite until it ends.
 */
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { prismxHome } from "../llm/home.js";

interface Results {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

interface QueryOptions {
  rowMode?: "array" | "object";
}

interface Queryable {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results>;
}

/**
 * An empty, initialised data folder, made once per machine and PGlite version and copied for each
 * new store. PGlite creates a folder by running initdb in two extra WASM instances (~0.8 GB at
 * peak, ~2.5 s); copying the 40 MB result costs ~0.1 s and no more memory than opening a folder.
 */
async function template(): Promise<string> {
  const pkg = join(dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")), "..", "package.json");
  const version = (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  const dir = join(prismxHome(), "cache", `pglite-${version}-empty`);
  if (existsSync(join(dir, "PG_VERSION"))) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  // Made aside and renamed into place, so a crash or a concurrent maker never leaves half a template.
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await PGliteThread.initialise(tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(join(dir, "PG_VERSION"))) throw e; // another process put its template there first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

type WorkerError = { message: string; name: string } & Record<string, unknown>;

export class PGliteThread implements Queryable {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private failed: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (m: { id: number; result?: unknown; error?: WorkerError }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      // A waiting caller holds the process open; an idle database does not.
      if (this.pending.size === 0) worker.unref();
      if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error));
      else p.resolve(m.result);
    });
    const fail = (e: Error): void => {
      this.failed ??= e; // after close(), its own message stands
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on("error", (e) => fail(new Error(`the embedded database thread failed: ${e.message}`, { cause: e })));
    worker.on("exit", (code) => fail(new Error(`the embedded database thread exited (code ${code})`)));
  }

  /** Starts the thread and waits until the database at `dir` (in memory when null) is open. */
  static async open(dir: string | null): Promise<PGliteThread> {
    if (dir && !existsSync(join(dir, "PG_VERSION"))) cpSync(await template(), dir, { recursive: true });
    return PGliteThread.start({ dir, initOnly: false });
  }

  /** Creates a data folder at `dir` in a thread of its own, ended as soon as it is done. */
  static async initialise(dir: string): Promise<void> {
    const init = await PGliteThread.start({ dir, initOnly: true });
    await init.worker.terminate();
  }

  private static async start(workerData: { dir: string | null; initOnly: boolean }): Promise<PGliteThread> {
    const worker = new Worker(new URL("./pglite-worker.mjs", import.meta.url), { workerData });
    const t = new PGliteThread(worker);
    await new Promise<void>((resolve, reject) => t.pending.set(0, { resolve: () => resolve(), reject }));
    return t;
  }

  private call<T>(message: Record<string, unknown>, id = this.nextId++): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  query(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<Results> {
    return this.queryIn(null, sql, params, options);
  }

  /** `tx`: the open transaction to run in, or null for none. */
  private queryIn(tx: number | null, sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<Results> {
    return this.call({ op: "query", sql, params, rowMode: options.rowMode ?? "object", tx });
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const id = this.nextId++;
    await this.call({ op: "begin" }, id);
    const tx: Queryable = { query: (sql, params, options) => this.queryIn(id, sql, params, options) };
    let result: T;
    try {
      result = await fn(tx);
    } catch (e) {
      await this.call({ op: "end", tx: id, commit: false });
      throw e;
    }
    await this.call({ op: "end", tx: id, commit: true });
    return result;
  }

  async close(): Promise<void> {
    if (!this.failed) await this.call({ op: "close" });
    this.failed ??= new Error("the embedded database is closed");
    await this.worker.terminate();
  }
}
