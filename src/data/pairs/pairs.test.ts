import { describe, expect, it } from "vitest";
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PairRow, UserSplit } from "../../core/artefacts.js";
import { isUserError } from "../../core/errors.js";
import { buildPairs, dialoguePairs, planPairs, preferenceList, referenceTruncate, resolvePairOptions, textualInfo } from "./build.js";
import type { Dialogue, PairUser, PairsInput } from "./input.js";
import { loadPairsInput } from "./input.js";
import { writePairs } from "./write.js";

const user: PairUser = {
  userId: "user7",
  numCompletedConversations: 1,
  selfDescription: "I like tea.",
  age: "25-34 years old",
  gender: null,
  education: "Vocational",
  employment: "Student",
  marital: "Married",
  englishProficiency: "Fluent",
  statedPrefs: { values: 10, creativity: 90, fluency: 50, factuality: 80, diversity: 20, safety: 70, personalisation: 30, helpfulness: 60 },
  orderStatedPrefs: [["values", 3], ["creativity", 5], ["fluency", 1], ["factuality", 8], ["diversity", 2], ["safety", 4], ["personalisation", 6], ["helpfulness", 7], ["other", 9]],
};

const dialogue: Dialogue = {
  conversationId: "c1",
  userId: "user7",
  turns: [
    { turn: 0, user: "Hi there", chosen: ["Answer A"], rejected: ["Answer B", "EMPTY STRING"] },
    { turn: 1, user: "More?", chosen: ["Sure."], rejected: ["No."] },
    { turn: 2, user: "Thanks", chosen: ["Welcome"], rejected: ["Bye"] },
    { turn: 3, user: "Ok", chosen: ["Good"], rejected: [] },
  ],
};

const DEFAULT_INFO = "preference: creativity, factuality, safety; self_description: I like tea.; age: 25-34 years old; education: Vocational; employment: Student; marital: Married; english_proficiency: Fluent; ";
const QUIRK_INFO = "preference: values, fluency, diversity; self_description: I like tea.; age: 25-34 years old; gender: None; education: Vocational; employment: Student; marital: Married; english_proficiency: Fluent; ";

describe("textual info", () => {
  it("takes the three highest sliders by default and the first three displayed with quirks", () => {
    expect(preferenceList(user, false)).toEqual(["creativity", "factuality", "safety"]);
    expect(preferenceList(user, true)).toEqual(["values", "fluency", "diversity"]);
    expect(textualInfo(user, false)).toBe(DEFAULT_INFO);
    expect(textualInfo(user, true)).toBe(QUIRK_INFO);
  });
});

describe("pairs of one dialogue (hand-worked)", () => {
  it("prismx defaults: structured prompts, generic copies keep the info, EMPTY STRING skipped", () => {
    const rows = [...dialoguePairs(dialogue, user, 4, "train", true, resolvePairOptions())];
    expect(rows.map((r) => r.pair_id)).toEqual(["c1-t0-r0", "c1-t0-r0-g", "c1-t1-r0", "c1-t1-r0-g", "c1-t2-r0", "c1-t2-r0-g"]);
    const sys = { role: "system", content: `User textual information: ${DEFAULT_INFO}` };
    expect(rows[0]).toEqual({
      pair_id: "c1-t0-r0", participant_id: "user7", user_index: 4, conversation_id: "c1", turn: 0, split: "train", seen: true,
      generic_copy: false, prompt: [sys, { role: "user", content: "Hi there" }], user_info: DEFAULT_INFO, chosen: "Answer A", rejected: "Answer B",
    });
    expect(rows[1]).toMatchObject({ user_index: 0, generic_copy: true, prompt: [sys, { role: "user", content: "Hi there" }], user_info: DEFAULT_INFO });
    expect(rows[2]?.prompt).toEqual([sys, { role: "user", content: "Hi there" }, { role: "assistant", content: "Answer A" }, { role: "user", content: "More?" }]);
    expect(rows[2]).toMatchObject({ chosen: "Sure.", rejected: "No." });
    for (const r of rows) PairRow.parse(r);
  });

  it("--reference-quirks: EMPTY STRING kept, generic copies without info", () => {
    const rows = [...dialoguePairs(dialogue, user, 4, "train", true, resolvePairOptions({ referenceQuirks: true }))];
    expect(rows.map((r) => r.pair_id)).toEqual(["c1-t0-r0", "c1-t0-r0-g", "c1-t0-r1", "c1-t0-r1-g", "c1-t1-r0", "c1-t1-r0-g", "c1-t2-r0", "c1-t2-r0-g"]);
    expect(rows[0]?.prompt[0]).toEqual({ role: "system", content: `User textual information: ${QUIRK_INFO}` });
    expect(rows[1]).toMatchObject({ user_index: 0, generic_copy: true, user_info: null, prompt: [{ role: "user", content: "Hi there" }] });
    expect(rows[2]).toMatchObject({ rejected: "EMPTY STRING" });
  });

  it("test split: no generic copies; unseen users carry index 0", () => {
    const rows = [...dialoguePairs(dialogue, user, 0, "test", false, resolvePairOptions())];
    expect(rows.map((r) => [r.pair_id, r.user_index, r.generic_copy, r.seen])).toEqual([["c1-t0-r0", 0, false, false], ["c1-t1-r0", 0, false, false], ["c1-t2-r0", 0, false, false]]);
  });

  it("default truncation drops whole user/assistant messages from the front", () => {
    const rows = [...dialoguePairs(dialogue, user, 1, "test", true, resolvePairOptions({ textualInfo: false, maxPromptLength: 20 }))];
    // t2 history: Hi there(8) Answer A(8) More?(5) Sure.(5) Thanks(6) = 32 > 20 → drop the first exchange → 16.
    expect(rows.find((r) => r.turn === 2)?.prompt).toEqual([{ role: "user", content: "More?" }, { role: "assistant", content: "Sure." }, { role: "user", content: "Thanks" }]);
    // The current message stays even when it alone is over budget.
    const tiny = [...dialoguePairs(dialogue, user, 1, "test", true, resolvePairOptions({ textualInfo: false, maxPromptLength: 1 }))];
    expect(tiny.find((r) => r.turn === 2)?.prompt).toEqual([{ role: "user", content: "Thanks" }]);
  });

  it("quirks truncation cuts the rendered history by characters, splitting a marker or a message", () => {
    // Rendered lengths at t2: user 42+8+11=61, assistant 47+8+11=66, user 58, assistant 63, user 59 = 307.
    // Prefix "USER: 1 " + 10×"<|end_of_text|>" + "||" = 160 characters.
    const at = (keep: number) => [...dialoguePairs(dialogue, user, 1, "test", true, resolvePairOptions({ referenceQuirks: true, textualInfo: false, maxPromptLength: 160 + keep }))].find((r) => r.turn === 2)?.prompt;
    expect(at(240)?.[0]).toEqual({ role: "assistant", content: "t_header_id|>assistant<|end_header_id|>\n\nAnswer A" }); // cut 67: 6 into the header
    expect(at(196)?.[0]).toEqual({ role: "assistant", content: "wer A" }); // cut 111: 3 into the content
    expect(at(183)).toEqual([{ role: "user", content: "More?" }, { role: "assistant", content: "Sure." }, { role: "user", content: "Thanks" }]); // cut inside <|eot_id|>
    expect(referenceTruncate([{ role: "user", content: "abc" }], 1000)).toEqual([{ role: "user", content: "abc" }]);
  });

  it("length cap: ≤ 2300 by default, the reference's strict < for the chosen with quirks", () => {
    const d: Dialogue = { conversationId: "c9", userId: "user7", turns: [{ turn: 0, user: "x".repeat(1000), chosen: ["y".repeat(1300)], rejected: ["z".repeat(1301), "w"] }] };
    const def = [...dialoguePairs(d, user, 1, "test", true, resolvePairOptions())];
    expect(def.map((r) => r.rejected)).toEqual(["w"]); // the 1301-character rejected is over the cap
    expect([...dialoguePairs(d, user, 1, "test", true, resolvePairOptions({ referenceQuirks: true }))]).toEqual([]);
  });
});

function syntheticInput(nUsers: number): PairsInput {
  const users: PairUser[] = [];
  const dialogues: Dialogue[] = [];
  let c = 0;
  for (let i = 0; i < nUsers; i++) {
    users.push({ ...user, userId: `user${i}`, numCompletedConversations: i === 0 ? 0 : 1 + (i % 6) });
    for (let k = 0; k < 1 + (i % 6); k++) {
      dialogues.push({ conversationId: `c${c++}`, userId: `user${i}`, turns: [{ turn: 0, user: "q", chosen: ["a"], rejected: ["b"] }] });
    }
  }
  // A dialogue with no qualifying turn (no rejected) and a user who has only that one.
  users.push({ ...user, userId: "userX" });
  dialogues.push({ conversationId: "cX", userId: "userX", turns: [{ turn: 0, user: "q", chosen: ["a"], rejected: [] }] });
  return { users, dialogues };
}

describe("user split", () => {
  const input = syntheticInput(40);

  it("is reproducible from the seed and follows the 90/10 recipe", () => {
    const a = planPairs(input, { seed: 5 });
    const b = planPairs(input, { seed: 5 });
    const c = planPairs(input, { seed: 6 });
    expect(a.split).toEqual(b.split);
    expect(a.split).not.toEqual(c.split);
    UserSplit.parse(a.split);
    expect(a.droppedDialogues).toEqual(["cX"]);
    expect(a.droppedUsers).toEqual(["userX"]);
    const seen = a.split.seen_user_ids;
    expect(Object.values(seen).sort((x, y) => x - y)).toEqual(Array.from({ length: Object.keys(seen).length }, (_, i) => i + 1));
    expect(Object.keys(seen).length + Object.keys(a.split.unseen_user_ids).length).toBe(40);
    const owner = new Map(input.dialogues.map((d) => [d.conversationId, d.userId]));
    const all = [...a.split.train_dialog_ids, ...a.split.test_dialog_ids].sort();
    expect(all).toEqual(input.dialogues.map((d) => d.conversationId).filter((id) => id !== "cX").sort());
    for (const id of a.split.train_dialog_ids) expect(seen[owner.get(id) as string]).toBeDefined();
    for (const [u, idx] of Object.entries(seen)) {
      const n = input.dialogues.filter((d) => d.userId === u).length;
      expect(idx).toBeGreaterThan(0);
      expect(a.split.train_dialog_ids.filter((id) => owner.get(id) === u).length).toBe(Math.floor((9 * n) / 10));
    }
    // users with a single dialogue can never be seen (floor(0.9) = 0)
    for (let i = 0; i < 40; i += 6) expect(seen[`user${i}`]).toBeUndefined();
  });

  it("quirks drop users whose survey says they completed no conversation", () => {
    expect(planPairs(input, { seed: 5 }).split.seen_user_ids.user0 ?? planPairs(input, { seed: 5 }).split.unseen_user_ids.user0).toBeDefined();
    const q = planPairs(input, { seed: 5, referenceQuirks: true });
    expect(q.droppedUsers).toContain("user0");
    expect({ ...q.split.seen_user_ids, ...q.split.unseen_user_ids }.user0).toBeUndefined();
  });

  it("builds pairs that match the split: train pairs doubled, test pairs single", () => {
    const { pairs, counts, split } = buildPairs(input, { seed: 5 });
    expect(counts.trainPairs).toBe(split.train_dialog_ids.length);
    expect(counts.genericCopies).toBe(split.train_dialog_ids.length);
    expect(counts.testPairs).toBe(split.test_dialog_ids.length);
    expect(pairs.length).toBe(2 * split.train_dialog_ids.length + split.test_dialog_ids.length);
    for (const p of pairs) {
      if (!p.generic_copy) expect(p.user_index).toBe(split.seen_user_ids[p.participant_id] ?? 0);
      else expect(p.user_index).toBe(0);
    }
  });
});

describe("writePairs on the example cohort", () => {
  it("writes pairs and split atomically; rows fit the trainer's contract", async () => {
    const dir = await mkdtemp(join(tmpdir(), "prismx-pairs-"));
    try {
      const out = join(dir, "pairs.jsonl");
      const r = await writePairs({ dir: "examples/cohort", out, seed: 123 });
      const rows = (await readFile(out, "utf8")).trim().split("\n").map((l) => PairRow.parse(JSON.parse(l)));
      expect(rows.length).toBe(r.trainPairs + r.genericCopies + r.testPairs);
      const split = UserSplit.parse(JSON.parse(await readFile(join(dir, "pairs.split.json"), "utf8")));
      expect(Object.keys(split.seen_user_ids).length).toBe(r.seenUsers);
      expect((await readdir(dir)).sort()).toEqual(["pairs.jsonl", "pairs.split.json"]);
      // same seed, same bytes
      await writePairs({ dir: "examples/cohort", out: join(dir, "again.jsonl"), seed: 123 });
      expect(await readFile(join(dir, "again.jsonl"), "utf8")).toBe(await readFile(out, "utf8"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad input with file:line and leaves no output behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "prismx-pairs-bad-"));
    try {
      const src = join(dir, "prism");
      await mkdir(src);
      await writeFile(join(src, "survey.jsonl"), await readFile("examples/cohort/survey.jsonl"));
      const conv = (await readFile("examples/cohort/conversations.jsonl", "utf8")).split("\n");
      conv[2] = (conv[2] as string).slice(0, 100);
      await writeFile(join(src, "conversations.jsonl"), conv.join("\n"));
      const out = join(dir, "out", "pairs.jsonl");
      const err = await writePairs({ dir: src, out }).catch((e: unknown) => e);
      expect(isUserError(err)).toBe(true);
      expect((err as { details: string[] }).details.join("\n")).toMatch(/^conversations\.jsonl:3: \(row\): not valid JSON/m);
      expect(await readdir(dir)).toEqual(["prism"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads only the fields the recipe needs: an odd score or attribute does not block pairs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "prismx-pairs-lenient-"));
    try {
      await writeFile(join(dir, "survey.jsonl"), await readFile("examples/cohort/survey.jsonl"));
      const conv = (await readFile("examples/cohort/conversations.jsonl", "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      (conv[0]?.conversation_history as Record<string, unknown>[])[1] = { ...(conv[0]?.conversation_history as Record<string, unknown>[])[1], score: 0 };
      (conv[1] as Record<string, unknown>).choice_attributes = { values: 0 };
      await writeFile(join(dir, "conversations.jsonl"), `${conv.map((c) => JSON.stringify(c)).join("\n")}\n`);
      const input = await loadPairsInput(dir);
      expect(input.dialogues.length).toBe(conv.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("loads the cohort into dialogues with one slot per turn", async () => {
    const input = await loadPairsInput("examples/cohort");
    expect(input.users.length).toBe(24);
    for (const d of input.dialogues) for (const [i, t] of d.turns.entries()) expect(t.turn).toBe(i);
  });
});
