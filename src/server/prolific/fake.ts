/**
 * A local fake of the parts of the Prolific API prismx uses, for tests: studies (draft, publish),
 * submissions (seeded by the test, approve/reject), bonus payments, participant groups, and the
 * participant-facing completion page the study redirects to. Checks the `Token` header like the
 * real API and records every request (so a test can check no key leaks into bodies).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";

export interface FakeProlific {
  app: FastifyInstance;
  url: string;
  studies: Map<string, Record<string, unknown>>;
  submissions: Map<string, { id: string; study_id: string; participant_id: string; status: string; study_code: string | null }>;
  bonuses: Map<string, { study_id: string; csv_bonuses: string; paid: boolean }>;
  groups: Map<string, { name: string; workspace_id: string; members: Set<string> }>;
  /** Completion codes participants arrived with on the completion page. */
  completions: string[];
  requests: { method: string; url: string; body: string }[];
  close(): Promise<void>;
}

const id = () => randomBytes(12).toString("hex");

export async function startFakeProlific(token: string): Promise<FakeProlific> {
  const app = Fastify();
  const f: Omit<FakeProlific, "app" | "url" | "close"> = { studies: new Map(), submissions: new Map(), bonuses: new Map(), groups: new Map(), completions: [], requests: [] };

  app.addHook("onRequest", async (req, reply) => {
    if (!req.url.startsWith("/api/")) return;
    if (req.headers.authorization !== `Token ${token}`) await reply.code(401).send({ error: { detail: "Invalid token." } });
  });
  app.addHook("preHandler", (req, _reply, done) => {
    f.requests.push({ method: req.method, url: req.url, body: req.body === undefined ? "" : JSON.stringify(req.body) });
    done();
  });

  app.get<{ Querystring: { cc?: string } }>("/submissions/complete", async (req, reply) => {
    f.completions.push(req.query.cc ?? "");
    return reply.type("text/html").send(`<!doctype html><title>Prolific</title><h1>Submission received</h1><p>Code ${(req.query.cc ?? "").replace(/[^A-Za-z0-9]/g, "")}</p>`);
  });

  app.post<{ Body: Record<string, unknown> }>("/api/v1/studies/", async (req, reply) => {
    const b = req.body;
    for (const k of ["name", "description", "external_study_url", "estimated_completion_time", "reward", "total_available_places", "completion_codes"]) {
      if (b[k] === undefined) return reply.code(400).send({ error: { detail: { [k]: ["This field is required."] } } });
    }
    const s = { ...b, id: id(), status: "UNPUBLISHED" };
    f.studies.set(s.id, s);
    return reply.code(201).send(s);
  });
  app.get<{ Params: { id: string } }>("/api/v1/studies/:id/", (req, reply) => f.studies.get(req.params.id) ?? reply.code(404).send({ error: { detail: "Not found." } }));
  app.post<{ Params: { id: string }; Body: { action: string } }>("/api/v1/studies/:id/transition/", async (req, reply) => {
    const s = f.studies.get(req.params.id);
    if (!s) return reply.code(404).send({ error: { detail: "Not found." } });
    if (req.body.action !== "PUBLISH" || s.status !== "UNPUBLISHED") return reply.code(400).send({ error: { detail: `cannot ${req.body.action} a ${String(s.status)} study` } });
    s.status = "ACTIVE";
    return s;
  });
  app.get<{ Params: { id: string } }>("/api/v1/studies/:id/submissions/", (req) => ({
    results: [...f.submissions.values()].filter((s) => s.study_id === req.params.id), _links: { next: { href: null } },
  }));
  app.post<{ Params: { id: string }; Body: { action: string; message?: string; rejection_category?: string } }>("/api/v1/submissions/:id/transition/", async (req, reply) => {
    const s = f.submissions.get(req.params.id);
    if (!s) return reply.code(404).send({ error: { detail: "Not found." } });
    if (s.status !== "AWAITING REVIEW") return reply.code(400).send({ error: { detail: `submission is ${s.status}` } });
    if (req.body.action === "APPROVE") s.status = "APPROVED";
    else if (req.body.action === "REJECT") {
      if (!req.body.message || req.body.message.length < 100 || !req.body.rejection_category) return reply.code(400).send({ error: { detail: "rejections need a message of 100+ characters and a category" } });
      s.status = "REJECTED";
    } else return reply.code(400).send({ error: { detail: "unknown action" } });
    return s;
  });
  app.post<{ Body: { study_id: string; csv_bonuses: string } }>("/api/v1/submissions/bonus-payments/", async (req, reply) => {
    const rows = req.body.csv_bonuses.split("\n").filter(Boolean).map((l) => l.split(","));
    if (rows.some((r) => r.length !== 2 || !(Number(r[1]) > 0))) return reply.code(400).send({ error: { detail: "bad csv_bonuses" } });
    const b = { study_id: req.body.study_id, csv_bonuses: req.body.csv_bonuses, paid: false };
    const bid = id();
    f.bonuses.set(bid, b);
    const amount = rows.reduce((s, r) => s + Number(r[1]), 0);
    return reply.code(201).send({ id: bid, amount, fees: amount * 0.33, total_amount: amount * 1.33 });
  });
  app.post<{ Params: { id: string } }>("/api/v1/bulk-bonus-payments/:id/pay/", async (req, reply) => {
    const b = f.bonuses.get(req.params.id);
    if (!b) return reply.code(404).send({ error: { detail: "Not found." } });
    if (b.paid) return reply.code(400).send({ error: { detail: "already paid" } });
    b.paid = true;
    return reply.code(202).send({});
  });
  app.post<{ Body: { workspace_id: string; name: string; participant_ids?: string[] } }>("/api/v1/participant-groups/", async (req, reply) => {
    const gid = id();
    f.groups.set(gid, { name: req.body.name, workspace_id: req.body.workspace_id, members: new Set(req.body.participant_ids ?? []) });
    return reply.code(201).send({ id: gid, name: req.body.name });
  });
  app.post<{ Params: { id: string }; Body: { participant_ids: string[] } }>("/api/v1/participant-groups/:id/participants/", async (req, reply) => {
    const g = f.groups.get(req.params.id);
    if (!g) return reply.code(404).send({ error: { detail: "Not found." } });
    for (const p of req.body.participant_ids) g.members.add(p);
    return { results: [...g.members].map((participant_id) => ({ participant_id })) };
  });
  app.get<{ Params: { id: string } }>("/api/v1/participant-groups/:id/participants/", async (req, reply) => {
    const g = f.groups.get(req.params.id);
    if (!g) return reply.code(404).send({ error: { detail: "Not found." } });
    return { results: [...g.members].map((participant_id) => ({ participant_id })) };
  });

  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { ...f, app, url, close: () => app.close() };
}
