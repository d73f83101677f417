import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../core/rng.js";
import { isUserError } from "../../core/errors.js";
import { extractFeatures, FEATURES } from "./features.js";
import { PlantedModel, plantedJudge, plantedPreferenceProbability, plantedUtility } from "./planted.js";
import { loadGroundTruth } from "./groundTruth.js";
import { sampleParticipant, sampleParticipants, writeSampleCohort, SHARED_WEIGHTS } from "./sampler.js";
import { PREFERENCE_WORDS } from "./text.js";
import type { ModelItem } from "../prism/schemas.js";
import { validatePrismDir } from "../prism/validate.js";

describe("features", () => {
  it("measure length, lists, tone, agreement, questions and caveats from the text", () => {
    const plain = extractFeatures("Water boils at one hundred degrees at sea level.");
    expect(plain).toEqual({ length: Math.log2((9 + 10) / 60), lists: 0, formality: 0, warmth: 0, agreement: 0, questions: 0, caveats: 0 });
    const f = extractFeatures("Great question! I understand. Here is a plan:\n- one\n- two\n1. three\nWhat do you think? Does that help?\nPlease note that you should consult a professional.");
    expect(f.lists).toBe(1);
    expect(f.agreement).toBe(0.5);
    expect(f.warmth).toBe(0.5);
    expect(f.questions).toBe(1);
    expect(f.caveats).toBe(1);
    expect(f.formality).toBeLessThan(0); // the "!" is casual
    expect(extractFeatures("Furthermore, it is important to note this. Moreover, consequently so.").formality).toBeGreaterThan(0.9);
    expect(extractFeatures("EMPTY STRING").length).toBe(Math.log2(10 / 60));
    expect(extractFeatures("I’m here, you’re fine, it’s ok").formality).toBeLessThan(-0.9); // curly apostrophes count
  });
});

const model: PlantedModel = PlantedModel.parse({
  user_id: "user1", archetype: "concise",
  weights: { length: -1, lists: 0, formality: 0, warmth: 0, agreement: 0, questions: 0, caveats: 0 },
  shared: { length: 0, lists: 0, formality: 0, warmth: 0, agreement: 0, questions: 0, caveats: 0 },
  archetype_offset: { length: -1, lists: 0, formality: 0, warmth: 0, agreement: 0, questions: 0, caveats: 0 },
  individual: { length: 0, lists: 0, formality: 0, warmth: 0, agreement: 0, questions: 0, caveats: 0 },
  revealed: ["length"], score_intercept: 60, score_scale: 20, score_noise_sd: 5, features_version: 1,
});

describe("planted models", () => {
  const short = "Yes, it is.";
  const long = Array.from({ length: 40 }, () => "This sentence adds more words to the answer.").join(" ");

  it("utility, probability and judgement follow the weights", () => {
    expect(plantedUtility(model, short)).toBeGreaterThan(plantedUtility(model, long));
    const p = plantedPreferenceProbability(model, short, long);
    expect(p).toBeGreaterThan(0.99);
    expect(p + plantedPreferenceProbability(model, long, short)).toBeCloseTo(1, 12);
    const j = plantedJudge(model, [long, short, long], Rng.for(1, "t"));
    expect(j.choice).toBe(1);
    for (const r of j.ratings) expect(r >= 1 && r <= 100 && Number.isInteger(r)).toBe(true);
    expect(plantedJudge(model, [long, short], Rng.for(9, "x"))).toEqual(plantedJudge(model, [long, short], Rng.for(9, "x")));
    expect(() => plantedJudge(model, [], Rng.for(1))).toThrow();
  });
});

describe("sampler", () => {
  it("is deterministic per seed, and a participant does not depend on who came before", () => {
    const a = JSON.stringify([...sampleParticipants({ participants: 4, seed: 3 })]);
    expect(JSON.stringify([...sampleParticipants({ participants: 4, seed: 3 })])).toBe(a);
    expect(JSON.stringify([...sampleParticipants({ participants: 4, seed: 4 })])).not.toBe(a);
    const inSequence = [...sampleParticipants({ participants: 4, seed: 3 })][3];
    const alone = sampleParticipant(3, 3, { conversation: 0, interaction: 0, utterance: 0 });
    expect(alone.survey).toEqual(inSequence?.survey);
    expect(alone.groundTruth).toEqual(inSequence?.groundTruth);
    expect(alone.conversations.map((c) => c.conversation_history)).toEqual(inSequence?.conversations.map((c) => c.conversation_history));
  });

  it("states revealed preferences in the profile, in the planted direction", () => {
    for (const b of sampleParticipants({ participants: 40, seed: 8 })) {
      const gt = PlantedModel.parse(b.groundTruth);
      for (const f of gt.revealed) {
        const high = gt.weights[f] > SHARED_WEIGHTS[f];
        expect(b.survey.self_description).toContain(PREFERENCE_WORDS[f][high ? "high" : "low"][0]);
        expect(b.survey.system_string).toContain(PREFERENCE_WORDS[f][high ? "high" : "low"][1]);
        expect(b.survey.self_description).not.toContain(PREFERENCE_WORDS[f][high ? "low" : "high"][0]);
      }
      for (const f of FEATURES) if (!gt.revealed.includes(f)) expect(b.survey.system_string).not.toContain(PREFERENCE_WORDS[f].high[1]);
    }
  });

  it("choices follow the planted model (own model predicts them, another participant's less so)", () => {
    const bundles = [...sampleParticipants({ participants: 60, seed: 21 })];
    let own = 0;
    let other = 0;
    let total = 0;
    bundles.forEach((b, i) => {
      const stranger = bundles[(i + 30) % bundles.length]?.groundTruth as PlantedModel;
      for (const c of b.conversations) {
        const items = (c.conversation_history as { role: string }[]).filter((h): h is ModelItem => h.role === "model");
        for (const chosen of items.filter((h) => h.if_chosen)) {
          for (const rej of items.filter((h) => !h.if_chosen && h.turn === chosen.turn)) {
            total++;
            if (plantedUtility(b.groundTruth, chosen.content) > plantedUtility(b.groundTruth, rej.content)) own++;
            if (plantedUtility(stranger, chosen.content) > plantedUtility(stranger, rej.content)) other++;
          }
        }
      }
    });
    expect(total).toBeGreaterThan(1000);
    expect(own / total).toBeGreaterThan(0.75);
    expect(own / total).toBeLessThan(0.99); // noise is there
    expect(own / total - other / total).toBeGreaterThan(0.1);
  });

  it("the committed example cohort is what the sampler writes (24 participants, seed 42)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "prismx-sample-"));
    try {
      const out = join(dir, "cohort");
      const s = await writeSampleCohort({ out, participants: 24, seed: 42 });
      expect(s.participants).toBe(24);
      for (const f of ["survey.jsonl", "conversations.jsonl", "utterances.jsonl", "metadata.jsonl", "models.jsonl", "ground_truth.jsonl", "README.md"]) {
        const [a, b] = [await readFile(join(out, f)), await readFile(join("examples/cohort", f))];
        expect(a.equals(b), `${f} differs: regenerate with \`prismx data sample --out examples/cohort --participants 24 --seed 42 --force\``).toBe(true);
      }
      const gt = await loadGroundTruth(out);
      expect(gt.size).toBe(24);
      expect((await loadGroundTruth(join(out, "ground_truth.jsonl"))).get("user3")).toEqual(gt.get("user3"));
      const bad = join(dir, "bad.jsonl");
      await writeFile(bad, `${(await readFile(join(out, "ground_truth.jsonl"), "utf8")).split("\n")[0]}\n{"user_id":"u"}\n`);
      const e = await loadGroundTruth(bad).catch((x: unknown) => x);
      expect(isUserError(e)).toBe(true);
      expect((e as { details: string[] }).details[0]).toMatch(/bad\.jsonl:2: /);
      await expect(writeSampleCohort({ out, participants: 0, seed: 1 })).rejects.toThrow(/participants/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a denser cohort keeps each participant's profile, planted model and first conversations", async () => {
    const plain = [...sampleParticipants({ participants: 12, seed: 2 })];
    const dense = [...sampleParticipants({ participants: 12, seed: 2, conversationsPerPerson: 9 })];
    const history = (b: (typeof plain)[number]) => b.conversations.map((c) => c.conversation_history);
    plain.forEach((p, i) => {
      const d = dense[i] as (typeof dense)[number];
      expect(d.conversations).toHaveLength(9);
      expect(d.survey).toMatchObject({ survey_only: false, num_completed_conversations: 9 });
      const { survey_only: _a, num_completed_conversations: _b, ...rest } = p.survey;
      expect(d.survey).toMatchObject(rest);
      expect(d.groundTruth).toEqual(p.groundTruth);
      expect(history(d).slice(0, p.conversations.length)).toEqual(history(p));
    });
    expect(plain.some((p) => p.survey.survey_only === true)).toBe(true); // so the override was tested on one
    const dir = await mkdtemp(join(tmpdir(), "prismx-sample-"));
    try {
      const s = await writeSampleCohort({ out: join(dir, "c"), participants: 5, seed: 2, conversationsPerPerson: 15 });
      expect(s.conversations).toBe(75);
      const report = await validatePrismDir(join(dir, "c"));
      expect([report.ok, report.problems.warnings]).toEqual([true, 0]);
      expect(await readFile(join(dir, "c", "README.md"), "utf8")).toContain("--conversations-per-person 15`");
      await expect(writeSampleCohort({ out: join(dir, "d"), participants: 2, seed: 1, conversationsPerPerson: 0 })).rejects.toThrow(/conversations per person/);
      await expect(writeSampleCohort({ out: join(dir, "d"), participants: 2, seed: 1, choiceNoiseScale: -1 })).rejects.toThrow(/choice noise/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the choice-noise scale scales the recorded noise, and without noise choices follow the weights", () => {
    const agree = (bundles: ReturnType<typeof sampleParticipant>[]) => {
      let own = 0;
      let total = 0;
      for (const b of bundles) {
        for (const c of b.conversations) {
          const items = (c.conversation_history as { role: string }[]).filter((h): h is ModelItem => h.role === "model").filter((h) => h.turn === 0);
          const chosen = items.find((h) => h.if_chosen) as ModelItem;
          for (const rej of items.filter((h) => !h.if_chosen)) {
            total++;
            if (plantedUtility(b.groundTruth, chosen.content) >= plantedUtility(b.groundTruth, rej.content)) own++;
          }
        }
      }
      return own / total;
    };
    const plain = [...sampleParticipants({ participants: 20, seed: 7 })];
    const half = [...sampleParticipants({ participants: 20, seed: 7, choiceNoiseScale: 0.5 })];
    const none = [...sampleParticipants({ participants: 20, seed: 7, choiceNoiseScale: 0 })];
    half.forEach((b, i) => expect(b.groundTruth.score_noise_sd).toBeCloseTo((plain[i] as (typeof plain)[number]).groundTruth.score_noise_sd / 2, 1));
    expect(none.every((b) => b.groundTruth.score_noise_sd === 0)).toBe(true);
    // Ratings are rounded to whole points, so near-ties can still go either way.
    expect(agree(none)).toBeGreaterThan(0.97);
    expect(agree(half)).toBeGreaterThan(agree(plain));
  });
});
