import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../store/index.js";
import { exportStudy } from "../data/export/write.js";
import { buildApp, type App } from "./app.js";
import { Bot } from "./bot.js";
import { ServeConfig } from "./config.js";
import { MemoryVault } from "./identities.js";
import { Keyring } from "./keys.js";
import { armsOver, scriptedModel, SECRET_NAMES, testStudy } from "./testing.js";

const ADMIN = "admin-token-for-tests-0123456789";
const study = testStudy();
let store: Store;
let app: App;
let base: string;
const vault = new MemoryVault();
const LINKED = {
  participantId: "user7", selfDescription: "A PRISM participant from 2023.", systemString: "Be kind.",
  statedPreferences: { values: 10, creativity: 20, fluency: 30, factuality: 40, diversity: 50, safety: 60, personalisation: 70, helpfulness: 80 },
  statedPreferencesOther: null,
  demographics: { age: "45-54 years old", gender: null, education: null, employmentStatus: null, maritalStatus: null, englishProficiency: null, religion: null, ethnicity: null },
  location: { birthCountry: null, resideCountry: null, specialRegion: null }, lmFamiliarity: null, lmFrequencyUse: null,
};

beforeAll(async () => {
  store = await openStore();
  await store.studies.put({ id: study.id, config: study, configHash: "h" });
  // A model that names itself and a model of the study: both must be scrubbed before display.
  const model = scriptedModel("secret-model-name", (req) => `I'm Gemma 3, made by Google. Via fakemodel-xl and arm-generic-zz: ${req.messages.at(-1)!.content.length} chars seen.`, 1);
  app = await buildApp({
    exporter: async (studyId, outDir) => { await exportStudy({ store, studyId, outDir }); },
    linkedProfiles: new Map([["prismUser7", { ...LINKED, participantId: "user7" }]]),
    store, study, serve: ServeConfig.parse({ invites: ["lab-code-1"], prolific: { completionCodes: { completed: "C0MPL", "failed-attention": "FA1L", returned: "RET0" } } }),
    arms: armsOver(study, model), keyring: Keyring.random(), vault, adminToken: ADMIN, staticDir: null, scrubNames: SECRET_NAMES,
  });
  base = await app.app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await app.app.close();
  await store.close();
});

describe("participant API", () => {
  it("takes a Prolific participant through the whole study and redirects with the completion code", async () => {
    const bot = new Bot({ baseUrl: base, prolificPid: "5f0000000000000000000001" });
    const r = await bot.run();
    expect(r.final.view).toEqual({ kind: "done", outcome: "completed", code: "C0MPL", redirectUrl: "https://app.prolific.com/submissions/complete?cc=C0MPL" });
    const pid = [...vault.all()].find((i) => i.prolificPid === "5f0000000000000000000001")!.participantId;
    expect(pid).toMatch(/^p-[0-9a-f]{20}$/);
    const events = await store.events.list(study.id, pid);
    expect(events.at(-1)!.body).toMatchObject({ type: "participant.finished", reason: "completed" });
    // The Prolific id is nowhere in the event log.
    expect(JSON.stringify(events)).not.toContain("5f0000000000000000000001");
    // No arm id or model name in anything the client received.
    const all = r.bodies.join("\n");
    for (const name of [...SECRET_NAMES, "Gemma", "Google"]) expect(all).not.toContain(name);
    expect(all).toContain("an AI assistant");
  });

  it("a re-recruited PRISM participant keeps their linked profile and skips the survey", async () => {
    const bot = new Bot({ baseUrl: base, prolificPid: "prismUser7" });
    const p = await bot.enter();
    const after = await bot.answer(p.seq, { type: "consent" });
    expect(after.view.kind).toBe("write");
    const pid = vault.all().find((i) => i.prolificPid === "prismUser7")!.participantId;
    const profile = (await store.events.list(study.id, pid)).find((e) => e.body.type === "profile.submitted")!.body;
    expect(profile).toMatchObject({ profile: { ...LINKED, participantId: pid } });
  });

  it("resumes a re-entering participant where they were, with the same session", async () => {
    const a = new Bot({ baseUrl: base, prolificPid: "resume01", maxAnswers: 3 });
    const first = await a.run();
    const b = new Bot({ baseUrl: base, prolificPid: "resume01" });
    const again = await b.enter();
    expect(b.token).toBe(first.token);
    expect(again.seq).toBe(first.final.seq);
    expect(again.view.kind).toBe(first.final.view.kind);
  });

  it("ends with the failed-attention code when the check is failed", async () => {
    const r = await new Bot({ baseUrl: base, invite: "lab-code-1", failAttention: true }).run();
    expect(r.final.view).toMatchObject({ kind: "done", outcome: "failed-attention", code: "FA1L" });
  });

  it("lets a participant leave (returned) and then accepts nothing more", async () => {
    const bot = new Bot({ baseUrl: base, prolificPid: "leaver01" });
    const p = await bot.enter();
    const res = await fetch(`${base}/api/leave`, { method: "POST", headers: { authorization: `Bearer ${bot.token}`, "content-type": "application/json" }, body: "{}" });
    expect(((await res.json()) as { view: unknown }).view).toMatchObject({ kind: "done", outcome: "returned", code: "RET0" });
    const late = await fetch(`${base}/api/answer`, { method: "POST", headers: { authorization: `Bearer ${bot.token}`, "content-type": "application/json" }, body: JSON.stringify({ seq: p.seq, answer: { type: "consent" } }) });
    expect(late.status).toBe(409);
  });

  it("is idempotent for a retried answer and rejects an answer out of turn", async () => {
    const bot = new Bot({ baseUrl: base, prolificPid: "retry01" });
    const p = await bot.enter();
    const once = await bot.answer(p.seq, { type: "consent" });
    const twice = await fetch(`${base}/api/answer`, { method: "POST", headers: { authorization: `Bearer ${bot.token}`, "content-type": "application/json" }, body: JSON.stringify({ seq: p.seq, answer: { type: "consent" } }) });
    expect(twice.status).toBe(200);
    expect(((await twice.json()) as { seq: number }).seq).toBe(once.seq);
    const wrong = await fetch(`${base}/api/answer`, { method: "POST", headers: { authorization: `Bearer ${bot.token}`, "content-type": "application/json" }, body: JSON.stringify({ seq: once.seq, answer: { type: "attention", check: 0, answer: "Purple" } }) });
    expect(wrong.status).toBe(422);
  });

  it("refuses bad entries, forged tokens, oversized bodies", async () => {
    expect((await fetch(`${base}/api/enter`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ invite: "nope" }) })).status).toBe(403);
    expect((await fetch(`${base}/api/enter`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ params: { PROLIFIC_PID: "<script>" } }) })).status).toBe(400);
    expect((await fetch(`${base}/api/task`)).status).toBe(401);
    expect((await fetch(`${base}/api/task`, { headers: { authorization: "Bearer p-00000000000000000000.AAAA" } })).status).toBe(401);
    const big = JSON.stringify({ seq: 0, answer: { type: "message", conversation: 0, turn: 0, text: "x".repeat(100_000) } });
    expect((await fetch(`${base}/api/answer`, { method: "POST", headers: { "content-type": "application/json" }, body: big })).status).toBe(413);
  });
});

describe("cross-participant isolation", () => {
  it("a token reads and writes only its own participant", async () => {
    const a = new Bot({ baseUrl: base, prolificPid: "isoA" });
    const b = new Bot({ baseUrl: base, prolificPid: "isoB" });
    const pa = await a.enter();
    await b.enter();
    await a.answer(pa.seq, { type: "consent" });
    // b's token sees b's state (still at consent), never a's.
    const tb = await b.task();
    expect(tb.view.kind).toBe("consent");
    // Tampering with the participant part of a token invalidates it.
    const [, mac] = b.token.split(".");
    const pidA = a.token.split(".")[0]!;
    expect((await fetch(`${base}/api/task`, { headers: { authorization: `Bearer ${pidA}.${mac}` } })).status).toBe(401);
  });
});

describe("admin API", () => {
  it("refuses every admin route without the token", async () => {
    for (const [method, path] of [["GET", "/api/admin/overview"], ["POST", "/api/admin/intake"], ["GET", "/api/admin/quality"], ["POST", "/api/admin/export"], ["GET", "/api/admin/export/quality.csv"]] as const) {
      const res = await fetch(`${base}${path}`, { method, headers: { "content-type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) });
      expect(res.status, path).toBe(401);
      const bad = await fetch(`${base}${path}`, { method, headers: { authorization: "Bearer wrong", "content-type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) });
      expect(bad.status, path).toBe(401);
    }
  });

  it("shows progress per participant and arm, health, flags; pauses intake; exports", async () => {
    const h = { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" };
    const ov = (await (await fetch(`${base}/api/admin/overview`, { headers: h })).json()) as {
      participants: { participantId: string; status: string; flags: string[] }[]; arms: { arm: string; responses: number }[]; health: { calls: number }[];
    };
    expect(ov.participants.length).toBeGreaterThan(3);
    expect(ov.arms.map((a) => a.arm).sort()).toEqual(["arm-generic-zz", "arm-prompted-zz"]);
    expect(ov.arms.every((a) => a.responses > 0)).toBe(true);
    expect(ov.health.reduce((s, x) => s + x.calls, 0)).toBeGreaterThan(0);
    expect(ov.participants.some((p) => p.flags.includes("failed-attention"))).toBe(true);

    expect((await fetch(`${base}/api/admin/intake`, { method: "POST", headers: h, body: JSON.stringify({ paused: true }) })).status).toBe(200);
    const refused = await fetch(`${base}/api/enter`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ params: { PROLIFIC_PID: "latecomer" } }) });
    expect(refused.status).toBe(503);
    // A participant already in the study still resumes while intake is paused.
    expect((await new Bot({ baseUrl: base, prolificPid: "resume01" }).enter()).view.kind).not.toBe("done");
    await fetch(`${base}/api/admin/intake`, { method: "POST", headers: h, body: JSON.stringify({ paused: false }) });

    const ex = (await (await fetch(`${base}/api/admin/export`, { method: "POST", headers: h, body: "{}" })).json()) as { files: string[] };
    expect(ex.files).toEqual(expect.arrayContaining(["quality.csv", "participants.csv", "judgements.jsonl", "events.jsonl", "codebook.md"]));
    const csv = await (await fetch(`${base}/api/admin/export/quality.csv`, { headers: h })).text();
    expect(csv.split("\n")[0]).toContain("flags");
    for (const f of ex.files) {
      const text = await (await fetch(`${base}/api/admin/export/${f}`, { headers: h })).text();
      for (const i of vault.all()) if (i.prolificPid) expect(text, f).not.toContain(i.prolificPid);
    }
  });
});

describe("rate limits", () => {
  it("answers 429 once a participant exceeds the per-minute limit, and limits entries per address", async () => {
    const s = await openStore();
    await s.studies.put({ id: study.id, config: study, configHash: "h" });
    const limited = await buildApp({
      store: s, study, serve: ServeConfig.parse({ invites: ["rate-code"], limits: { perParticipantPerMinute: 5, entryPerMinute: 3 } }),
      arms: armsOver(study, scriptedModel("m", () => "ok")), keyring: Keyring.random(), vault: new MemoryVault(), adminToken: ADMIN, staticDir: null, scrubNames: [],
    });
    const url = await limited.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const bot = new Bot({ baseUrl: url, invite: "rate-code" });
      await bot.enter();
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await fetch(`${url}/api/task`, { headers: { authorization: `Bearer ${bot.token}` } })).status);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      const entries: number[] = [];
      for (let i = 0; i < 3; i++) entries.push((await fetch(`${url}/api/enter`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ invite: "rate-code" }) })).status);
      expect(entries).toEqual([200, 200, 429]);
    } finally {
      await limited.app.close();
      await s.close();
    }
  });
});
