/**
 * The one schema, for PGlite and PostgreSQL alike. The event log is the source of truth: every
 * participant action is an event row; everything else (progress, exports) is derived from it.
 * Migrations are generated from this file by drizzle-kit (`npm run db:generate`) into
 * src/store/migrations and applied at open.
 */
import { pgTable, text, integer, jsonb, timestamp, primaryKey, index, boolean, doublePrecision, bigserial } from "drizzle-orm/pg-core";

export const studies = pgTable("studies", {
  id: text("id").primaryKey(),
  /** The parsed StudyConfig (defaults explicit). */
  config: jsonb("config").notNull(),
  /** sha256 of the study file: `--resume` refuses to continue a changed study. */
  configHash: text("config_hash").notNull(),
  /** Intake can be paused by an admin. */
  paused: boolean("paused").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
});

export const participants = pgTable(
  "participants",
  {
    studyId: text("study_id").notNull().references(() => studies.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    kind: text("kind").notNull(),
    status: text("status").notNull(),
    twinOf: text("twin_of"),
    /** Next event seq; bumped in the same transaction as the append (optimistic concurrency). */
    nextSeq: integer("next_seq").notNull().default(0),
    /** Worker that holds this participant (simulation workers claim with FOR UPDATE SKIP LOCKED). */
    claimedBy: text("claimed_by"),
    claimedAt: timestamp("claimed_at", { withTimezone: true, mode: "string" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studyId, t.id] }), index("participants_status_idx").on(t.studyId, t.status)],
);

export const events = pgTable(
  "events",
  {
    studyId: text("study_id").notNull(),
    participantId: text("participant_id").notNull(),
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    body: jsonb("body").notNull(),
    at: timestamp("at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studyId, t.participantId, t.seq] }), index("events_type_idx").on(t.studyId, t.type)],
);

/** Every model call an arm or simulator made: model health for the admin page, tokens for cost. */
export const modelCalls = pgTable(
  "model_calls",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    studyId: text("study_id").notNull(),
    participantId: text("participant_id"),
    role: text("role").notNull(),
    model: text("model").notNull(),
    ok: boolean("ok").notNull(),
    errorKind: text("error_kind"),
    latencyMs: doublePrecision("latency_ms").notNull(),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    at: timestamp("at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
  },
  (t) => [index("model_calls_study_idx").on(t.studyId, t.role)],
);
