/**
 * One repository API over two backends: PGlite (embedded Postgres in WASM, a folder on disk — the
 * default — run in its own thread, see pglite-thread.ts) and PostgreSQL (`DATABASE_URL`, for many app servers and simulation workers). The SQL
 * is the same; only the driver differs.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { and, asc, eq, sql, count, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { EventBody, StoredEvent, type EventInput, type ParticipantKind, type ParticipantStatus, type StudyConfig } from "../core/index.js";
import { UserError } from "../core/errors.js";
import { PGliteThread } from "./pglite-thread.js";
import * as schema from "./schema.js";

type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Raw SQL rows; both drivers return `{ rows }`. */
async function queryRows<T>(db: Db, q: SQL): Promise<T[]> {
  const res = (await db.execute(q)) as { rows: T[] };
  return res.rows;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/** Another writer appended to this participant's log first: reload and decide again. */
export class SeqConflictError extends Error {
  override readonly name = "SeqConflictError";
  constructor(readonly participantId: string, readonly expected: number, readonly actual: number) {
    super(`event log of ${participantId} is at seq ${actual}, expected ${expected}`);
  }
}

export interface StudyRecord {
  id: string;
  config: StudyConfig;
  configHash: string;
  paused: boolean;
  createdAt: string;
}

export interface ParticipantRecord {
  studyId: string;
  id: string;
  kind: ParticipantKind;
  status: ParticipantStatus;
  twinOf: string | null;
  nextSeq: number;
  claimedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ModelCallRecord {
  studyId: string;
  participantId: string | null;
  role: string;
  model: string;
  ok: boolean;
  errorKind: string | null;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
}

export interface ModelHealth {
  role: string;
  model: string;
  calls: number;
  errors: number;
  meanLatencyMs: number;
  promptTokens: number;
  completionTokens: number;
}

function toParticipant(r: typeof schema.participants.$inferSelect): ParticipantRecord {
  return {
    studyId: r.studyId, id: r.id, kind: r.kind as ParticipantKind, status: r.status as ParticipantStatus, twinOf: r.twinOf,
    nextSeq: r.nextSeq, claimedBy: r.claimedBy, createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
}

function toEvent(r: typeof schema.events.$inferSelect): StoredEvent {
  return { studyId: r.studyId, participantId: r.participantId, seq: r.seq, at: new Date(r.at).toISOString(), body: EventBody.parse(r.body) };
}

/**
 * Inserts event rows with one JSON parameter (see modelCalls.recordMany): the same rows and
 * bodies as drizzle's multi-row insert, without its per-value query building.
 */
async function insertEvents(db: Db, rows: readonly { studyId: string; participantId: string; seq: number; type: string; body: EventBody }[]): Promise<void> {
  await db.execute(sql`
    INSERT INTO events (study_id, participant_id, seq, type, body)
    SELECT study_id, participant_id, seq, type, body
    FROM jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ study_id: r.studyId, participant_id: r.participantId, seq: r.seq, type: r.type, body: r.body })))}::jsonb)
      AS x(study_id text, participant_id text, seq integer, type text, body jsonb)`);
}

/** Repositories over one connection or one open transaction. */
export class Repositories {
  constructor(protected readonly db: Db) {}

  readonly studies = {
    /** Creates the study, or checks that the stored one has the same config hash. */
    put: async (study: { id: string; config: StudyConfig; configHash: string }): Promise<StudyRecord> => {
      await this.db.insert(schema.studies).values(study).onConflictDoNothing();
      const stored = await this.studies.get(study.id);
      if (!stored) throw new Error(`study ${study.id} vanished after insert`);
      return stored;
    },
    get: async (id: string): Promise<StudyRecord | null> => {
      const [r] = await this.db.select().from(schema.studies).where(eq(schema.studies.id, id));
      return r ? { ...r, config: r.config as StudyConfig } : null;
    },
    list: async (): Promise<StudyRecord[]> =>
      (await this.db.select().from(schema.studies).orderBy(asc(schema.studies.id))).map((r) => ({ ...r, config: r.config as StudyConfig })),
    setPaused: async (id: string, paused: boolean): Promise<void> => {
      await this.db.update(schema.studies).set({ paused }).where(eq(schema.studies.id, id));
    },
  };

  readonly participants = {
    /** Creates the participant (idempotent): returns the existing row when it is already there. */
    enrol: async (p: { studyId: string; id: string; kind: ParticipantKind; twinOf?: string | null }): Promise<ParticipantRecord> => {
      await this.db.insert(schema.participants)
        .values({ studyId: p.studyId, id: p.id, kind: p.kind, status: "enrolled", twinOf: p.twinOf ?? null })
        .onConflictDoNothing();
      const r = await this.participants.get(p.studyId, p.id);
      if (!r) throw new Error(`participant ${p.id} vanished after insert`);
      return r;
    },
    get: async (studyId: string, id: string): Promise<ParticipantRecord | null> => {
      const [r] = await this.db.select().from(schema.participants)
        .where(and(eq(schema.participants.studyId, studyId), eq(schema.participants.id, id)));
      return r ? toParticipant(r) : null;
    },
    list: async (studyId: string): Promise<ParticipantRecord[]> =>
      (await this.db.select().from(schema.participants).where(eq(schema.participants.studyId, studyId)).orderBy(asc(schema.participants.id))).map(toParticipant),
    setStatus: async (studyId: string, id: string, status: ParticipantStatus): Promise<void> => {
      await this.db.update(schema.participants).set({ status, updatedAt: sql`now()` })
        .where(and(eq(schema.participants.studyId, studyId), eq(schema.participants.id, id)));
    },
    /**
     * Claims the next unfinished participant for a worker. `FOR UPDATE SKIP LOCKED` lets many
     * simulation workers on many machines share one PostgreSQL without handing anyone out twice;
     * a claim older than `staleAfterS` (a crashed worker) is taken over.
     */
    claimNext: async (studyId: string, worker: string, staleAfterS = 300): Promise<ParticipantRecord | null> => {
      const rows = await queryRows<{ id: string }>(this.db, sql`
        UPDATE participants SET claimed_by = ${worker}, claimed_at = now(), updated_at = now()
        WHERE study_id = ${studyId} AND id = (
          SELECT id FROM participants
          WHERE study_id = ${studyId} AND status <> 'finished'
            AND (claimed_by IS NULL OR claimed_by = ${worker} OR claimed_at < now() - make_interval(secs => ${staleAfterS}))
          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id`);
      const id = rows[0]?.id;
      return id === undefined ? null : this.participants.get(studyId, id);
    },
    release: async (studyId: string, id: string): Promise<void> => {
      await this.db.update(schema.participants).set({ claimedBy: null, claimedAt: null })
        .where(and(eq(schema.participants.studyId, studyId), eq(schema.participants.id, id)));
    },
    countByStatus: async (studyId: string): Promise<Record<string, number>> => {
      const rows = await this.db.select({ status: schema.participants.status, n: count() }).from(schema.participants)
        .where(eq(schema.participants.studyId, studyId)).groupBy(schema.participants.status);
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
  };

  readonly events = {
    /**
     * Appends events to a participant's log, atomically and in order. With `expectedSeq`, fails
     * with SeqConflictError if someone else appended first (so a retried request cannot double).
     */
    append: async (studyId: string, participantId: string, bodies: readonly EventInput[], expectedSeq?: number): Promise<StoredEvent[]> => {
      const parsed = bodies.map((b) => EventBody.parse(b));
      return this.inTransaction(async (tx) => {
        const locked = await queryRows<{ next_seq: number }>(tx.db, sql`
          SELECT next_seq FROM participants WHERE study_id = ${studyId} AND id = ${participantId} FOR UPDATE`);
        const row = locked[0];
        if (!row) throw new UserError(`no participant '${participantId}' in study '${studyId}'`, { hint: "enrol the participant first" });
        const start = Number(row.next_seq);
        if (expectedSeq !== undefined && expectedSeq !== start) throw new SeqConflictError(participantId, expectedSeq, start);
        if (parsed.length === 0) return [];
        const inserted = await tx.db.insert(schema.events)
          .values(parsed.map((body, i) => ({ studyId, participantId, seq: start + i, type: body.type, body })))
          .returning();
        const last = parsed[parsed.length - 1]!;
        await tx.db.update(schema.participants)
          .set({
            nextSeq: start + parsed.length,
            updatedAt: sql`now()`,
            ...(last.type === "participant.finished" ? { status: "finished", claimedBy: null, claimedAt: null } : start === 0 ? {} : { status: "active" }),
          })
          .where(and(eq(schema.participants.studyId, studyId), eq(schema.participants.id, participantId)));
        return inserted.sort((a, b) => a.seq - b.seq).map(toEvent);
      });
    },
    /**
     * Group commit: appends to many participants' logs in one transaction with a constant number
     * of statements, however many participants and events (PGlite pays ~1 ms per statement, so a
     * busy simulation batches whatever its workers produced in the same few milliseconds). All or
     * nothing; a SeqConflictError names the first participant whose log moved on.
     */
    appendMany: async (studyId: string, items: readonly { participantId: string; bodies: readonly EventBody[]; expectedSeq?: number }[]): Promise<void> => {
      const byId = new Map<string, { bodies: EventBody[]; expectedSeq: number | undefined }>();
      for (const it of items) {
        const parsed = it.bodies.map((b) => EventBody.parse(b));
        const prev = byId.get(it.participantId);
        if (prev) prev.bodies.push(...parsed);
        else byId.set(it.participantId, { bodies: parsed, expectedSeq: it.expectedSeq });
      }
      if (byId.size === 0) return;
      const ids = [...byId.keys()].sort();
      await this.inTransaction(async (tx) => {
        const locked = await queryRows<{ id: string; next_seq: number }>(tx.db, sql`
          SELECT id, next_seq FROM participants WHERE study_id = ${studyId} AND id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})
          ORDER BY id FOR UPDATE`);
        const start = new Map(locked.map((r) => [r.id, Number(r.next_seq)]));
        const rows: { studyId: string; participantId: string; seq: number; type: string; body: EventBody }[] = [];
        const updates: SQL[] = [];
        for (const id of ids) {
          const s = start.get(id);
          if (s === undefined) throw new UserError(`no participant '${id}' in study '${studyId}'`, { hint: "enrol the participant first" });
          const it = byId.get(id)!;
          if (it.expectedSeq !== undefined && it.expectedSeq !== s) throw new SeqConflictError(id, it.expectedSeq, s);
          if (it.bodies.length === 0) continue;
          it.bodies.forEach((body, i) => rows.push({ studyId, participantId: id, seq: s + i, type: body.type, body }));
          const finished = it.bodies[it.bodies.length - 1]!.type === "participant.finished";
          const status = finished ? "finished" : s === 0 ? null : "active";
          updates.push(sql`(${id}::text, ${s + it.bodies.length}::int, ${status}::text, ${finished}::boolean)`);
        }
        if (rows.length > 0) await insertEvents(tx.db, rows);
        if (updates.length > 0) {
          await tx.db.execute(sql`
            UPDATE participants AS p SET next_seq = v.n, status = COALESCE(v.status, p.status), updated_at = now(),
              claimed_by = CASE WHEN v.fin THEN NULL ELSE p.claimed_by END,
              -- Appending is proof of life: a worker busy with a long participant keeps its claim
              -- (claimNext hands out claims older than staleAfterS to other workers).
              claimed_at = CASE WHEN v.fin THEN NULL WHEN p.claimed_by IS NOT NULL THEN now() ELSE p.claimed_at END
            FROM (VALUES ${sql.join(updates, sql`, `)}) AS v(id, n, status, fin)
            WHERE p.study_id = ${studyId} AND p.id = v.id`);
        }
      });
    },
    list: async (studyId: string, participantId: string): Promise<StoredEvent[]> =>
      (await this.db.select().from(schema.events)
        .where(and(eq(schema.events.studyId, studyId), eq(schema.events.participantId, participantId)))
        .orderBy(asc(schema.events.seq))).map(toEvent),
    /** The study's whole log in (participant, seq) order, read in pages so memory stays flat. */
    iterateStudy: (studyId: string, pageSize = 5000): AsyncGenerator<StoredEvent> => this.pages(studyId, pageSize),
    count: async (studyId: string, type?: EventBody["type"]): Promise<number> => {
      const [r] = await this.db.select({ n: count() }).from(schema.events)
        .where(type ? and(eq(schema.events.studyId, studyId), eq(schema.events.type, type)) : eq(schema.events.studyId, studyId));
      return r?.n ?? 0;
    },
  };

  readonly modelCalls = {
    record: async (call: ModelCallRecord): Promise<void> => {
      await this.db.insert(schema.modelCalls).values(call);
    },
    /** Many calls in one statement (the simulation runner buffers them). */
    recordMany: async (calls: readonly ModelCallRecord[]): Promise<void> => {
      if (calls.length === 0) return;
      // One JSON parameter expanded by jsonb_to_recordset: drizzle's multi-row VALUES builder and
      // the driver's per-parameter encoding cost more than the insert itself (tens of thousands
      // of rows a minute in a simulation).
      await this.db.execute(sql`
        INSERT INTO model_calls (study_id, participant_id, role, model, ok, error_kind, latency_ms, prompt_tokens, completion_tokens)
        SELECT study_id, participant_id, role, model, ok, error_kind, latency_ms, prompt_tokens, completion_tokens
        FROM jsonb_to_recordset(${JSON.stringify(calls.map((c) => ({
          study_id: c.studyId, participant_id: c.participantId, role: c.role, model: c.model, ok: c.ok, error_kind: c.errorKind,
          latency_ms: c.latencyMs, prompt_tokens: c.promptTokens, completion_tokens: c.completionTokens,
        })))}::jsonb)
          AS x(study_id text, participant_id text, role text, model text, ok boolean, error_kind text, latency_ms double precision, prompt_tokens integer, completion_tokens integer)`);
    },
    health: async (studyId: string): Promise<ModelHealth[]> => {
      const rows = await queryRows<{ role: string; model: string; calls: string; errors: string; mean_latency: string | null; pt: string | null; ct: string | null }>(this.db, sql`
        SELECT role, model, count(*) AS calls, count(*) FILTER (WHERE NOT ok) AS errors, avg(latency_ms) AS mean_latency,
               sum(prompt_tokens) AS pt, sum(completion_tokens) AS ct
        FROM model_calls WHERE study_id = ${studyId} GROUP BY role, model ORDER BY role, model`);
      return rows.map((r) => ({
        role: r.role, model: r.model, calls: Number(r.calls), errors: Number(r.errors), meanLatencyMs: Number(r.mean_latency ?? 0),
        promptTokens: Number(r.pt ?? 0), completionTokens: Number(r.ct ?? 0),
      }));
    },
  };

  private async *pages(studyId: string, pageSize: number): AsyncGenerator<StoredEvent> {
    let after: { p: string; s: number } | null = null;
    for (;;) {
      const cond: SQL | undefined = after === null
        ? eq(schema.events.studyId, studyId)
        : and(eq(schema.events.studyId, studyId), sql`(${schema.events.participantId}, ${schema.events.seq}) > (${after.p}, ${after.s})`);
      const page: (typeof schema.events.$inferSelect)[] = await this.db.select().from(schema.events).where(cond)
        .orderBy(asc(schema.events.participantId), asc(schema.events.seq)).limit(pageSize);
      for (const r of page) yield toEvent(r);
      const last = page[page.length - 1];
      if (page.length < pageSize || !last) return;
      after = { p: last.participantId, s: last.seq };
    }
  }

  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  async transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.inTransaction(fn);
  }

  protected async inTransaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => fn(new Repositories(tx as unknown as Db)));
  }
}

/** Nested calls inside a transaction reuse it (a savepoint would also work; one level is enough). */
class TxRepositories extends Repositories {
  protected override async inTransaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    return fn(this);
  }
}

export interface Store extends Repositories, AsyncDisposable {
  readonly backend: "pglite" | "postgres";
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** postgres://… — a PostgreSQL server. Takes precedence over `dir`. */
  url?: string | null;
  /** A folder for the embedded PGlite database; omitted → in memory. */
  dir?: string | null;
}

class StoreImpl extends Repositories implements Store {
  constructor(db: Db, readonly backend: "pglite" | "postgres", private readonly onClose: () => Promise<void>) {
    super(db);
  }
  protected override async inTransaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => fn(new TxRepositories(tx as unknown as Db)));
  }
  async close(): Promise<void> {
    await this.onClose();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Opens (and migrates) a store: PostgreSQL when `url` is given, else PGlite in `dir` or in memory. */
export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: 10 });
    try {
      const client = await pool.connect();
      client.release();
    } catch (e) {
      await pool.end();
      throw new UserError(`cannot connect to PostgreSQL: ${(e as Error).message}`, {
        location: { field: "DATABASE_URL" },
        hint: "check the server is running and the URL (postgres://user:pass@host:port/db) is right",
        cause: e,
      });
    }
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    // Several processes may open the store at once; one migrates, the others wait on the lock.
    const lockClient = await pool.connect();
    try {
      await lockClient.query("SELECT pg_advisory_lock(7714001)");
      await migratePg(drizzlePg(lockClient, { schema }), { migrationsFolder });
    } finally {
      await lockClient.query("SELECT pg_advisory_unlock(7714001)").catch(() => undefined);
      lockClient.release();
    }
    return new StoreImpl(db, "postgres", () => pool.end());
  }
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  const client = await PGliteThread.open(opts.dir ?? null);
  const db = drizzlePglite(client as unknown as PGlite, { schema });
  await migratePglite(db, { migrationsFolder });
  return new StoreImpl(db as unknown as Db, "pglite", () => client.close());
}

/** The store a CLI command should use: DATABASE_URL if set, else PGlite under `dir`. */
export function storeOptionsFromEnv(dir: string, env: NodeJS.ProcessEnv = process.env): OpenStoreOptions {
  return env.DATABASE_URL ? { url: env.DATABASE_URL } : { dir };
}
