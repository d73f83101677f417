import { describe, expect, it } from "vitest";
import { parseStudyConfig } from "../core/study.js";
import { openStore, SeqConflictError } from "./store.js";

const config = parseStudyConfig(`
id: am
seed: 1
models: { base: { provider: embedded } }
arms:
  - { id: a, model: base, strategy: none }
  - { id: b, model: base, strategy: prompt }
`);

describe("events.appendMany (group commit)", () => {
  it("appends to many logs at once, gap-free, all or nothing", async () => {
    await using store = await openStore();
    await store.studies.put({ id: "am", config, configHash: "h" });
    for (const id of ["p1", "p2", "p3"]) await store.participants.enrol({ studyId: "am", id, kind: "simulated" });
    await store.events.appendMany("am", [
      { participantId: "p1", bodies: [{ type: "consent.given" }, { type: "consent.given" }], expectedSeq: 0 },
      { participantId: "p2", bodies: [{ type: "consent.given" }], expectedSeq: 0 },
    ]);
    await store.events.appendMany("am", [
      { participantId: "p2", bodies: [{ type: "participant.finished", reason: "completed", detail: null }], expectedSeq: 1 },
      { participantId: "p1", bodies: [{ type: "consent.given" }], expectedSeq: 2 },
    ]);
    expect((await store.events.list("am", "p1")).map((e) => e.seq)).toEqual([0, 1, 2]);
    expect((await store.participants.get("am", "p2"))?.status).toBe("finished");
    expect((await store.participants.get("am", "p1"))?.status).toBe("active");
    // One participant out of step: nothing of the batch lands.
    await expect(store.events.appendMany("am", [
      { participantId: "p3", bodies: [{ type: "consent.given" }], expectedSeq: 0 },
      { participantId: "p1", bodies: [{ type: "consent.given" }], expectedSeq: 1 },
    ])).rejects.toBeInstanceOf(SeqConflictError);
    expect(await store.events.count("am")).toBe(5);
    await store.modelCalls.recordMany([{ studyId: "am", participantId: "p1", role: "arm:a", model: "m", ok: true, errorKind: null, latencyMs: 1, promptTokens: 2, completionTokens: 3 }]);
    expect((await store.modelCalls.health("am"))[0]?.calls).toBe(1);
  });
});
