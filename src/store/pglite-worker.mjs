// The embedded database in its own thread. PGlite runs PostgreSQL compiled to WASM on whatever
// thread holds it; in the caller's thread its work (about a third of a busy simulation's CPU)
// queued behind model calls and engine steps. Here it runs on another core. Plain JavaScript so
// that it loads the same under tsx, vitest and node without a TypeScript loader in the worker.
//
// Messages in:  { id, op: "query", sql, params, rowMode, tx }   tx: id of an open transaction or null
//               { id, op: "begin" }                             opens a transaction; its id is `id`
//               { id, op: "end", tx, commit }                   commits (or rolls back) transaction `tx`
//               { id, op: "close" }
// Messages out: { id, result } or { id, error: { message, name, ...fields } }
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, types } from "@electric-sql/pglite";

// drizzle asks for dates, timestamps and intervals as the server's text (its own mappers parse
// them); the parsers are functions and cannot cross threads, so the worker applies the same ones.
const asText = (v) => v;
const parsers = {
  [types.TIMESTAMP]: asText, [types.TIMESTAMPTZ]: asText, [types.INTERVAL]: asText, [types.DATE]: asText,
  1231: asText, 1115: asText, 1185: asText, 1187: asText, 1182: asText,
};

const db = workerData.dir ? new PGlite(workerData.dir) : new PGlite();
/** Open transactions by id: { handle, commit, rollback, done }. */
const open = new Map();

const errorOf = (e) => {
  const out = { message: e?.message ?? String(e), name: e?.name ?? "Error" };
  for (const k of ["code", "detail", "hint", "severity", "constraint", "table", "column", "schema", "position"]) {
    if (e && e[k] !== undefined) out[k] = e[k];
  }
  return out;
};

const reply = (id, work) => {
  work.then(
    (result) => parentPort.postMessage({ id, result }),
    (e) => parentPort.postMessage({ id, error: errorOf(e) }),
  );
};

const query = async (on, m) => {
  const r = await on.query(m.sql, m.params, { rowMode: m.rowMode, parsers });
  return { rows: r.rows, fields: r.fields, affectedRows: r.affectedRows };
};

parentPort.on("message", (m) => {
  switch (m.op) {
    case "query": {
      const tx = m.tx === null ? null : open.get(m.tx);
      if (m.tx !== null && !tx) return reply(m.id, Promise.reject(new Error(`transaction ${m.tx} is not open`)));
      // Outside a transaction, PGlite itself queues the query behind any open one.
      return reply(m.id, query(tx ? tx.handle : db, m));
    }
    case "begin": {
      // One entry per open transaction: its handle and resolvers (set once PGlite has started it)
      // and `done`, its outcome.
      const tx = {};
      const started = new Promise((resolve) => {
        tx.done = db.transaction((handle) => new Promise((commit, rollback) => {
          Object.assign(tx, { handle, commit, rollback });
          resolve();
        }));
      });
      open.set(m.id, tx);
      // The outcome answers this "begin" only if the transaction never started.
      return reply(m.id, Promise.race([started, tx.done]).then(() => null, (e) => {
        open.delete(m.id);
        throw e;
      }));
    }
    case "end": {
      const tx = open.get(m.tx);
      open.delete(m.tx);
      if (!tx) return reply(m.id, Promise.reject(new Error(`transaction ${m.tx} is not open`)));
      if (m.commit) tx.commit(null);
      else tx.rollback(Object.assign(new Error("rolled back"), { rollback: true }));
      return reply(m.id, tx.done.then(() => null, (e) => {
        if (e?.rollback) return null;
        throw e;
      }));
    }
    case "close":
      return reply(m.id, db.close().then(() => null));
    default:
      return reply(m.id, Promise.reject(new Error(`unknown op ${String(m.op)}`)));
  }
});

db.waitReady.then(
  // initOnly: this thread only creates the data folder (see pglite-thread.ts) and then ends.
  () => (workerData.initOnly ? db.close() : Promise.resolve()).then(() => parentPort.postMessage({ id: 0, result: null })),
  (e) => parentPort.postMessage({ id: 0, error: errorOf(e) }),
);
