/**
 * The HTTP server of a human study: participant API (entry, task, answer, response stream,
 * leave), admin API (progress, model health, flags, intake, export) and the built web UI.
 *
 * Security: every participant request carries a session token that names exactly one
 * participant (no route takes a participant id from the browser); admin routes compare a bearer
 * token in constant time; bodies are size-limited and requests rate-limited; responses carry a
 * strict Content-Security-Policy (no inline script) and no referrer, so a Prolific id in the entry
 * URL goes nowhere. Logs carry paths without query strings.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import fastifyStatic from "@fastify/static";
import rateLimit from "@fastify/rate-limit";
import { z } from "zod";
import type { Arm } from "../arms/index.js";
import type { Profile, StoredEvent, StudyConfig } from "../core/index.js";
import { next, ProtocolError, rebuild, type State } from "../protocol/index.js";
import type { Store } from "../store/index.js";
import { AnswerRequest, eventFor } from "./answers.js";
import type { ServeConfig } from "./config.js";
import { IntakePausedError, StaleError, StudyDriver } from "./driver.js";
import { GenerationHub, type StreamFrame } from "./generation.js";
import type { IdentityVault } from "./identities.js";
import { secretEquals, type Keyring } from "./keys.js";
import { qualityCsv, qualityOf, type Quality } from "./quality.js";
import { progressOf, viewOf, type TaskPayload } from "./views.js";

export interface AppDeps {
  store: Store;
  study: StudyConfig;
  serve: ServeConfig;
  arms: ReadonlyMap<string, Arm>;
  keyring: Keyring;
  vault: IdentityVault;
  adminToken: string;
  /** The built web UI (web/dist); null serves the API alone. */
  staticDir: string | null;
  /** Extra names scrubbed from model output: arm ids, model names and files. */
  scrubNames: readonly string[];
  /** PRISM profiles of re-recruited participants, by Prolific id. */
  linkedProfiles?: ReadonlyMap<string, Profile>;
  /** Writes the study's export tables into a new folder; the admin downloads them one by one. */
  exporter?: (studyId: string, outDir: string) => Promise<void>;
  logger?: boolean;
}

export interface App {
  app: FastifyInstance;
  driver: StudyDriver;
  hub: GenerationHub;
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

const PROLIFIC_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EnterRequest = z.strictObject({
  params: z.record(z.string().max(64), z.string().max(256)).refine((r) => Object.keys(r).length <= 20).default({}),
  invite: z.string().max(128).nullable().default(null),
});
const StreamQuery = z.object({ conversation: z.coerce.number().int().nonnegative(), turn: z.coerce.number().int().nonnegative() });
const IntakeRequest = z.strictObject({ paused: z.boolean() });

const bearer = (req: FastifyRequest): string | null => {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7).trim() : null;
};

export async function buildApp(deps: AppDeps): Promise<App> {
  const { store, study, serve } = deps;
  const driver = new StudyDriver(store, study, { endAfterFailures: serve.attention.endAfterFailures });
  const hub = new GenerationHub(driver, store, deps.arms, { scrubNames: deps.scrubNames });
  const app = Fastify({
    bodyLimit: serve.limits.bodyBytes,
    logger: deps.logger
      ? { serializers: { req: (r: FastifyRequest) => ({ method: r.method, path: r.url.split("?")[0] }) } }
      : false,
  });

  app.addHook("onSend", async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    reply.header("cache-control", "no-store");
    return payload;
  });

  await app.register(rateLimit, {
    global: false,
    keyGenerator: (req) => bearer(req) ?? req.ip,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: "too many requests", retryAfterMs: ctx.ttl }),
  });
  const perParticipant = { rateLimit: { max: serve.limits.perParticipantPerMinute, timeWindow: 60_000 } };
  const perClient = { rateLimit: { max: serve.limits.entryPerMinute, timeWindow: 60_000, keyGenerator: (req: FastifyRequest) => req.ip } };

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) app.log.error({ err: { name: err.name, message: err.message } }, "request failed");
    void reply.code(status).send({ error: status === 500 ? "internal error" : err.message });
  });

  const payloadOf = (state: State): TaskPayload => ({ seq: state.seq, progress: progressOf(state), view: viewOf(state, next(state), serve) });

  /** The participant a request is for, from its session token; replies 401 otherwise. */
  async function participantOf(req: FastifyRequest, reply: FastifyReply): Promise<{ pid: string; state: State } | null> {
    const token = bearer(req);
    const pid = token ? deps.keyring.verifySession(study.id, token) : null;
    const state = pid ? await driver.load(pid) : null;
    if (!pid || !state) {
      await reply.code(401).send({ error: "no valid session; open your study link again" });
      return null;
    }
    return { pid, state };
  }

  /** Starts generation when the task is due, so the stream has something to show. */
  function kick(pid: string, state: State): void {
    const task = next(state);
    if (task.kind === "generate") hub.ensure(pid, state, task);
  }

  // ------------------------------------------------------------------ participant API

  app.post("/api/enter", { config: perClient }, async (req, reply) => {
    const body = EnterRequest.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ error: "bad entry request" });
    const { params, invite } = body.data;
    const p = serve.prolific.params;
    const prolificPid = params[p.participant];
    let pid: string;
    let source: string;
    if (prolificPid !== undefined) {
      if (!PROLIFIC_ID.test(prolificPid)) return reply.code(400).send({ error: "the study link is malformed; open it again from Prolific" });
      pid = deps.keyring.participantId(study.id, "prolific", prolificPid);
      source = "prolific";
      await deps.vault.record({
        participantId: pid, source: "prolific", prolificPid, prolificStudyId: params[p.study] ?? null, prolificSessionId: params[p.session] ?? null,
        invite: null, at: new Date().toISOString(),
      });
      const linked = deps.linkedProfiles?.get(prolificPid);
      if (linked) driver.linkProfile(pid, linked);
    } else if (invite !== null && serve.invites.some((c) => secretEquals(invite, c))) {
      pid = deps.keyring.participantId(study.id, "invite", invite);
      source = "invite";
      await deps.vault.record({ participantId: pid, source: "invite", prolificPid: null, prolificStudyId: null, prolificSessionId: null, invite, at: new Date().toISOString() });
    } else {
      return reply.code(403).send({ error: invite !== null ? "this invite code is not valid" : "open the study from its link (Prolific) or enter an invite code" });
    }
    try {
      const state = await driver.enter(pid, source);
      return { token: deps.keyring.sessionToken(study.id, pid), ...payloadOf(state) };
    } catch (e) {
      if (e instanceof IntakePausedError) return reply.code(503).send({ error: "the study is not taking new participants right now; please try again later" });
      throw e;
    }
  });

  app.get("/api/task", { config: perParticipant }, async (req, reply) => {
    const who = await participantOf(req, reply);
    if (!who) return reply;
    kick(who.pid, who.state);
    return payloadOf(who.state);
  });

  app.post("/api/answer", { config: perParticipant }, async (req, reply) => {
    const who = await participantOf(req, reply);
    if (!who) return reply;
    const parsed = AnswerRequest.safeParse(req.body);
    if (!parsed.success) return reply.code(422).send({ error: `invalid answer: ${parsed.error.issues[0]?.message ?? "bad shape"}` });
    try {
      const event = eventFor(who.state, who.pid, parsed.data.answer, serve.limits.messageChars);
      const state = await driver.submit(who.pid, parsed.data.seq, event);
      kick(who.pid, state);
      return payloadOf(state);
    } catch (e) {
      if (e instanceof StaleError) return reply.code(409).send({ error: "this page is out of date", current: payloadOf(e.state) });
      if (e instanceof ProtocolError || e instanceof RangeError || (e instanceof Error && e.name === "ZodError")) {
        return reply.code(422).send({ error: e instanceof ProtocolError ? "this answer does not fit the current step" : e.message, current: payloadOf(who.state) });
      }
      throw e;
    }
  });

  app.post("/api/leave", { config: perParticipant }, async (req, reply) => {
    const who = await participantOf(req, reply);
    if (!who) return reply;
    return payloadOf(await driver.withdraw(who.pid));
  });

  /** Server-sent events over a fetch stream (so the token travels in a header, not the URL). */
  app.get("/api/stream", { config: perParticipant }, async (req, reply) => {
    const who = await participantOf(req, reply);
    if (!who) return reply;
    const q = StreamQuery.safeParse(req.query);
    const task = next(who.state);
    if (!q.success || task.kind !== "generate" || task.conversation !== q.data.conversation || task.turn !== q.data.turn) {
      return reply.code(409).send({ error: "nothing is being generated for this page", current: payloadOf(who.state) });
    }
    const job = hub.ensure(who.pid, who.state, task);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
    let closed = false;
    const send = (f: StreamFrame): void => {
      if (closed) return;
      res.write(`event: ${f.type}\ndata: ${JSON.stringify(f)}\n\n`);
      if (f.type !== "text") finish();
    };
    const heartbeat = setInterval(() => { if (!closed) res.write(": keep-alive\n\n"); }, 15_000);
    let unsubscribe: () => void = () => undefined;
    function finish(): void {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      res.end();
    }
    req.raw.on("close", finish);
    unsubscribe = job.subscribe(send);
    if (closed) unsubscribe();
  });

  // ------------------------------------------------------------------ admin API

  app.addHook("onRequest", async (req, reply) => {
    if (!req.url.startsWith("/api/admin")) return;
    const token = bearer(req);
    if (!token || !secretEquals(token, deps.adminToken)) await reply.code(401).send({ error: "admin token required" });
  });

  async function studyEvents(): Promise<Map<string, StoredEvent[]>> {
    const by = new Map<string, StoredEvent[]>();
    for await (const e of store.events.iterateStudy(study.id)) {
      let list = by.get(e.participantId);
      if (!list) by.set(e.participantId, (list = []));
      list.push(e);
    }
    return by;
  }

  app.get("/api/admin/overview", async () => {
    await hub.flush();
    const [record, participants, health, byParticipant] = await Promise.all([
      store.studies.get(study.id), store.participants.list(study.id), store.modelCalls.health(study.id), studyEvents(),
    ]);
    const arms = new Map(study.arms.map((a) => [a.id, { arm: a.id, strategy: a.strategy, responses: 0, judged: 0, chosen: 0, ties: 0, ratingSum: 0, ratings: 0 }]));
    const rows = participants.map((p) => {
      const events = byParticipant.get(p.id) ?? [];
      let task = "none", done = 0, total = 0, finished: string | null = null;
      try {
        const state = events.length ? rebuild(study, p.id, events) : null;
        if (state) {
          task = next(state).kind;
          done = state.step;
          total = state.plan.steps.length;
          finished = state.finished?.reason ?? null;
          for (const conv of state.conversations) {
            for (const t of conv?.turns ?? []) {
              for (const r of t.responses ?? []) {
                const a = arms.get(r.arm);
                if (!a) continue;
                a.responses++;
                if (t.judgement) {
                  a.judged++;
                  if (t.judgement.tie) a.ties++;
                  else if (t.judgement.choice === r.position) a.chosen++;
                  const rating = t.judgement.ratings[r.position];
                  if (rating !== null && rating !== undefined) { a.ratingSum += rating; a.ratings++; }
                }
              }
            }
          }
        }
      } catch {
        task = "unreadable";
      }
      const quality = qualityOf(p.id, events);
      return { participantId: p.id, kind: p.kind, status: p.status, task, stepsDone: done, steps: total, finished, flags: quality.flags, updatedAt: p.updatedAt };
    });
    return {
      study: { id: study.id, title: study.title, paused: record?.paused ?? false },
      counts: { participants: rows.length, finished: rows.filter((r) => r.status === "finished").length, flagged: rows.filter((r) => r.flags.length > 0).length },
      participants: rows,
      arms: [...arms.values()].map(({ ratingSum, ratings, ...a }) => ({ ...a, meanRating: ratings ? ratingSum / ratings : null, winRate: a.judged ? a.chosen / a.judged : null })),
      health,
    };
  });

  app.post("/api/admin/intake", async (req, reply) => {
    const body = IntakeRequest.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: "send {paused: true|false}" });
    await driver.setIntakePaused(body.data.paused);
    return { paused: body.data.paused };
  });

  async function qualityRows(): Promise<Quality[]> {
    const by = await studyEvents();
    return [...by.entries()].map(([pid, events]) => qualityOf(pid, events));
  }

  app.get("/api/admin/quality", async () => ({ participants: await qualityRows() }));

  const EXPORT_NAME = /^[a-z0-9_-]+\.(csv|jsonl|json|md)$/;
  let exportDir: string | null = null;
  app.post("/api/admin/export", async () => {
    const root = mkdtempSync(join(tmpdir(), "prismx-export-"));
    const dir = join(root, "tables");
    if (deps.exporter) await deps.exporter(study.id, dir);
    else {
      mkdirSync(dir, { recursive: true });
      const lines: string[] = [];
      for await (const e of store.events.iterateStudy(study.id)) lines.push(JSON.stringify(e));
      writeFileSync(join(dir, "events.jsonl"), lines.join("\n") + (lines.length ? "\n" : ""));
    }
    writeFileSync(join(dir, "quality.csv"), qualityCsv(await qualityRows()));
    if (exportDir) rmSync(join(exportDir, ".."), { recursive: true, force: true });
    exportDir = dir;
    return { files: readdirSync(dir).filter((f) => EXPORT_NAME.test(f)).sort() };
  });

  app.get<{ Params: { name: string } }>("/api/admin/export/:name", async (req, reply) => {
    const { name } = req.params;
    if (!exportDir || !EXPORT_NAME.test(name) || !existsSync(join(exportDir, name))) return reply.code(404).send({ error: "make an export first (POST /api/admin/export)" });
    return reply.header("content-disposition", `attachment; filename="${study.id}-${name}"`)
      .type(name.endsWith(".csv") ? "text/csv; charset=utf-8" : "application/octet-stream")
      .send(readFileSync(join(exportDir, name)));
  });

  // ------------------------------------------------------------------ web UI

  if (deps.staticDir && existsSync(deps.staticDir)) {
    await app.register(fastifyStatic, { root: deps.staticDir, index: "index.html", wildcard: false });
    app.setNotFoundHandler((req, reply) => {
      if (req.method === "GET" && !req.url.startsWith("/api/")) return reply.sendFile("index.html");
      return reply.code(404).send({ error: "not found" });
    });
  }

  app.addHook("onClose", async () => {
    hub.abortAll();
    await hub.flush();
    if (exportDir) rmSync(join(exportDir, ".."), { recursive: true, force: true });
  });

  return { app, driver, hub };
}
