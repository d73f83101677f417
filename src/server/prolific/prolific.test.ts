import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { openStore, type Store } from "../../store/index.js";
import { buildApp, type App } from "../app.js";
import { Bot } from "../bot.js";
import { ServeConfig } from "../config.js";
import { MemoryVault } from "../identities.js";
import { Keyring } from "../keys.js";
import { armsOver, scriptedModel, SECRET_NAMES, testStudy } from "../testing.js";
import { completionCodes, ProlificClient, ProlificError, studyLink } from "./client.js";
import { startFakeProlific, type FakeProlific } from "./fake.js";
import { completedCohort, settleSubmissions } from "./settle.js";

const TOKEN = "prolific-secret-token-XYZ123";
const serve = ServeConfig.parse({ prolific: { completionCodes: { completed: "CDONE1", "failed-attention": "CFAIL1", returned: "CRET1" } } });
let fake: FakeProlific;
let client: ProlificClient;

beforeAll(async () => {
  fake = await startFakeProlific(TOKEN);
  client = new ProlificClient({ baseUrl: `${fake.url}/api/v1`, token: TOKEN });
});
afterAll(async () => { await fake.close(); });

describe("Prolific API client against the local fake", () => {
  it("creates a draft study with the three completion codes and publishes it", async () => {
    const s = await client.createDraftStudy({
      name: "Chat study", description: "Talk to assistants", external_study_url: studyLink("https://study.example.org", serve.prolific.params),
      estimated_completion_time: 20, reward: 300, total_available_places: 50, completion_codes: completionCodes(serve.prolific.completionCodes),
    });
    expect(s.status).toBe("UNPUBLISHED");
    const stored = fake.studies.get(s.id)!;
    expect((stored.completion_codes as { code: string; code_type: string }[]).map((c) => [c.code, c.code_type])).toEqual([["CDONE1", "COMPLETED"], ["CFAIL1", "FAILED_ATTENTION_CHECK"], ["CRET1", "OTHER"]]);
    expect(stored.external_study_url).toBe("https://study.example.org/?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}");
    expect((await client.publishStudy(s.id)).status).toBe("ACTIVE");
    await expect(client.publishStudy(s.id)).rejects.toBeInstanceOf(ProlificError);
  });

  it("never shows the key: not in errors, not when printed, not in request bodies", async () => {
    const bad = new ProlificClient({ baseUrl: `${fake.url}/api/v1`, token: "wrong-token-ABC" });
    const err = await bad.getStudy("x").catch((e: unknown) => e as ProlificError);
    expect(err).toBeInstanceOf(ProlificError);
    expect((err as ProlificError).status).toBe(401);
    expect((err as ProlificError).message).not.toContain("wrong-token-ABC");
    expect(inspect(client)).not.toContain(TOKEN);
    expect(JSON.stringify(client)).not.toContain(TOKEN);
    for (const r of fake.requests) expect(r.body).not.toContain(TOKEN);
  });

  it("pays bonuses and keeps a participant group for re-recruiting", async () => {
    const p = await client.payBonuses("study1", [{ prolificPid: "aaa111", amount: 1.5 }, { prolificPid: "bbb222", amount: 0.25 }]);
    expect(fake.bonuses.get(p.id)).toMatchObject({ paid: true, csv_bonuses: "aaa111,1.50\nbbb222,0.25" });
    const g = await client.createParticipantGroup("ws1", "cohort 1", ["aaa111"]);
    await client.addToParticipantGroup(g.id, ["bbb222"]);
    expect((await client.participantGroupMembers(g.id)).sort()).toEqual(["aaa111", "bbb222"]);
  });

  it("settles submissions from the event log: approves completed, rejects failed attention, re-recruits the cohort", async () => {
    const study = testStudy();
    const store: Store = await openStore();
    await store.studies.put({ id: study.id, config: study, configHash: "h" });
    const vault = new MemoryVault();
    const app: App = await buildApp({
      store, study, serve, arms: armsOver(study, scriptedModel("m", () => "fine answer here")), keyring: Keyring.random(), vault,
      adminToken: "x".repeat(20), staticDir: null, scrubNames: SECRET_NAMES,
    });
    const base = await app.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const good = await new Bot({ baseUrl: base, prolificPid: "goodP1" }).run();
      const bad = await new Bot({ baseUrl: base, prolificPid: "badP2", failAttention: true }).run();
      expect(good.final.view).toMatchObject({ code: "CDONE1" });
      expect(bad.final.view).toMatchObject({ code: "CFAIL1" });
      const prolificStudy = await client.createDraftStudy({ name: "n", description: "d", external_study_url: "u", estimated_completion_time: 1, reward: 1, total_available_places: 2, completion_codes: [] });
      for (const [sid, pp] of [["sub-good", "goodP1"], ["sub-bad", "badP2"], ["sub-unknown", "stranger"]] as const) {
        fake.submissions.set(sid, { id: sid, study_id: prolificStudy.id, participant_id: pp, status: "AWAITING REVIEW", study_code: null });
      }
      const s = await settleSubmissions(client, prolificStudy.id, { store, studyId: study.id, vault });
      expect(s).toEqual({ approved: ["sub-good"], rejected: ["sub-bad"], review: ["sub-unknown"] });
      expect(fake.submissions.get("sub-good")!.status).toBe("APPROVED");
      expect(fake.submissions.get("sub-bad")!.status).toBe("REJECTED");
      expect(await completedCohort({ store, studyId: study.id, vault })).toEqual(["goodP1"]);
    } finally {
      await app.app.close();
      await store.close();
    }
  });
});
