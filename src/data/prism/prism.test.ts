import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isUserError } from "../../core/errors.js";
import { Profile, topStatedPreferences } from "../../core/profile.js";
import { validatePrismDir } from "./validate.js";
import { readPrismRaw, writePrismDir, readValidRows } from "./read.js";
import { profileFromSurveyRow } from "./profile.js";
import { SurveyRow } from "./schemas.js";
import { sampleParticipants, modelsRows } from "../sample/sampler.js";
import { writePairs } from "../pairs/write.js";

const EXAMPLE = "examples/cohort";
const FILES = ["survey.jsonl", "conversations.jsonl", "utterances.jsonl", "metadata.jsonl", "models.jsonl"] as const;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "prismx-prism-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

type Lines = Record<string, string[]>;

/** A small consistent cohort as JSONL lines per file, in memory. */
function smallCohort(participants = 4, seed = 11): Lines {
  const out: Lines = { "survey.jsonl": [], "conversations.jsonl": [], "utterances.jsonl": [], "metadata.jsonl": [], "models.jsonl": modelsRows().map((r) => JSON.stringify(r)) };
  for (const b of sampleParticipants({ participants, seed })) {
    out["survey.jsonl"]?.push(JSON.stringify(b.survey));
    for (const c of b.conversations) out["conversations.jsonl"]?.push(JSON.stringify(c));
    for (const u of b.utterances) out["utterances.jsonl"]?.push(JSON.stringify(u));
    for (const m of b.metadata) out["metadata.jsonl"]?.push(JSON.stringify(m));
  }
  return out;
}

let n = 0;
async function writeCohort(lines: Lines, raw: Record<string, string> = {}): Promise<string> {
  const dir = join(work, `c${n++}`);
  await mkdir(dir);
  for (const [f, ls] of Object.entries(lines)) await writeFile(join(dir, f), raw[f] ?? `${ls.join("\n")}\n`);
  return dir;
}

const clone = (l: Lines): Lines => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v.slice()]));
const edit = (l: Lines, file: string, i: number, f: (row: Record<string, unknown>) => void): Lines => {
  const c = clone(l);
  const rows = c[file] as string[];
  const row = JSON.parse(rows[i] as string) as Record<string, unknown>;
  f(row);
  rows[i] = JSON.stringify(row);
  return c;
};

describe("validate", () => {
  const base = smallCohort();

  it("accepts the example cohort and a sampled one, with counts", async () => {
    const r = await validatePrismDir(EXAMPLE);
    expect(r.problems.formatted()).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.summary.participants).toBe(24);
    expect(r.summary.models).toBe(21);
    expect(r.summary.modelsFileRows).toBe(21);
    expect(Object.values(r.summary.conversationsByType).reduce((a, b) => a + b, 0)).toBe(r.summary.conversations);
    const s = await validatePrismDir(await writeCohort(base));
    expect(s.ok).toBe(true);
    expect(s.problems.warnings).toBe(0);
  });

  it("tolerates extra keys and any key order", async () => {
    const c = clone(base);
    for (const f of FILES) {
      c[f] = (c[f] as string[]).map((l) => {
        const row = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify({ extra_key: [1, 2], ...Object.fromEntries(Object.entries(row).reverse()) });
      });
    }
    const r = await validatePrismDir(await writeCohort(c));
    expect(r.problems.formatted()).toEqual([]);
  });

  it("cross-file checks name file, line and field", async () => {
    const cases: [Lines, string][] = [
      [edit(base, "utterances.jsonl", 2, (r) => { r.score = (r.score as number) === 1 ? 2 : 1; }), "utterances.jsonl:3: score: "],
      [edit(base, "utterances.jsonl", 0, (r) => { r.model_response = "changed"; }), "utterances.jsonl:1: model_response: differs from"],
      [edit(base, "conversations.jsonl", 1, (r) => { r.user_id = "user999"; }), "conversations.jsonl:2: user_id: user999 is not in survey.jsonl"],
      [edit(base, "conversations.jsonl", 0, (r) => {
        for (const h of r.conversation_history as { turn: number; role: string; if_chosen?: boolean }[]) if (h.turn === 1 && h.role === "model") h.if_chosen = false;
      }), "conversations.jsonl:1: conversation_history: turn 1 has no response with if_chosen true"],
      [edit(base, "conversations.jsonl", 0, (r) => { r.conversation_turns = (r.conversation_turns as number) + 1; }), "conversations.jsonl:1: conversation_history: turn"],
      [edit(base, "metadata.jsonl", 3, (r) => { r.user_id = "nobody"; }), "metadata.jsonl:4: user_id: nobody is not in survey.jsonl"],
    ];
    for (const [lines, expected] of cases) {
      const r = await validatePrismDir(await writeCohort(lines));
      expect(r.ok).toBe(false);
      expect(r.problems.formatted().join("\n")).toContain(expected);
    }
    const u = clone(base);
    u["utterances.jsonl"]?.splice(4, 1);
    const r = await validatePrismDir(await writeCohort(u));
    expect(r.problems.formatted().join("\n")).toMatch(/conversations\.jsonl:\d+: conversation_history: c\d+: 1 model response\(s\) have no row in utterances\.jsonl/);
  });

  it("a missing required file is a UserError naming it", async () => {
    const dir = join(work, "empty");
    await mkdir(dir);
    const e = await validatePrismDir(dir).catch((x: unknown) => x);
    expect(isUserError(e)).toBe(true);
    expect(String((e as Error).message)).toContain("survey.jsonl");
  });

  it("caps the list but counts every problem", async () => {
    const c = clone(base);
    c["metadata.jsonl"] = (c["metadata.jsonl"] as string[]).map(() => "{}");
    const r = await validatePrismDir(await writeCohort(c), { maxProblems: 5 });
    expect(r.problems.items.length).toBe(5);
    expect(r.problems.errors).toBeGreaterThan(100);
  });
});

describe("fuzzed rows", () => {
  const base = smallCohort(3, 5);
  const WRONG: Record<string, [string, unknown][]> = {
    "survey.jsonl": [["user_id", 42], ["survey_only", "yes"], ["num_completed_conversations", -1], ["self_description", null], ["stated_prefs", []], ["order_stated_prefs", "1,2,3"]],
    "conversations.jsonl": [["conversation_type", "free chat"], ["conversation_turns", "3"], ["conversation_history", {}], ["opening_prompt", 5], ["conversation_id", null]],
    "utterances.jsonl": [["score", "high"], ["if_chosen", null], ["turn", -1], ["conversation_type", "debate"], ["model_response", 0]],
    "metadata.jsonl": [["column_id", "bogus"], ["user_id", 7], ["conversation_id", 3]],
  };
  const REQUIRED: Record<string, string[]> = {
    "survey.jsonl": ["user_id", "survey_only", "num_completed_conversations", "self_description", "system_string", "stated_prefs", "age"],
    "conversations.jsonl": ["conversation_id", "user_id", "conversation_type", "conversation_history", "conversation_turns", "opening_prompt"],
    "utterances.jsonl": ["utterance_id", "interaction_id", "score", "if_chosen", "model_response", "within_turn_id"],
    "metadata.jsonl": ["column_id", "user_id", "conversation_id", "utterance_id"],
  };
  const fileArb = fc.constantFrom(...Object.keys(WRONG));

  const mutation = fileArb.chain((file) => {
    const rows = (base[file] as string[]).length;
    return fc.oneof(
      fc.record({ kind: fc.constant("delete" as const), file: fc.constant(file), row: fc.nat(rows - 1), key: fc.constantFrom(...(REQUIRED[file] as string[])) }),
      fc.record({ kind: fc.constant("wrong" as const), file: fc.constant(file), row: fc.nat(rows - 1), kv: fc.constantFrom(...(WRONG[file] as [string, unknown][])) }),
      fc.record({ kind: fc.constant("cut" as const), file: fc.constant(file), row: fc.nat(rows - 1), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant("junk" as const), file: fc.constant(file), row: fc.nat(rows - 1), junk: fc.constantFrom("[1,2]", "null", "\"text\"", "42", "{\"a\":", "}{") }),
      fc.record({ kind: fc.constant("role" as const), file: fc.constant("conversations.jsonl"), row: fc.nat((base["conversations.jsonl"] as string[]).length - 1), role: fc.constantFrom("assistant", "system", 3) }),
      fc.record({ kind: fc.constant("truncate" as const), file: fc.constant(file), at: fc.double({ min: 0.05, max: 0.95, noNaN: true }) }),
    );
  });

  it("give errors with file and line, never a crash, never a partial pairs file", async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const lines = clone(base);
        const rows = lines[m.file] as string[];
        const raw: Record<string, string> = {};
        let expectLine: number | null = null;
        if (m.kind === "delete" || m.kind === "wrong" || m.kind === "role") {
          const row = JSON.parse(rows[m.row] as string) as Record<string, unknown>;
          if (m.kind === "delete") delete row[m.key];
          else if (m.kind === "wrong") row[m.kv[0]] = m.kv[1];
          else (row.conversation_history as Record<string, unknown>[])[1] = { ...(row.conversation_history as Record<string, unknown>[])[1], role: m.role };
          rows[m.row] = JSON.stringify(row);
          expectLine = m.row + 1;
        } else if (m.kind === "cut") {
          const l = rows[m.row] as string;
          rows[m.row] = l.slice(0, Math.max(1, Math.floor(m.at * (l.length - 1))));
          expectLine = m.row + 1;
        } else if (m.kind === "junk") {
          rows.splice(m.row, 0, m.junk);
          expectLine = m.row + 1;
        } else {
          const text = `${rows.join("\n")}\n`;
          const cut = Math.floor(m.at * text.length);
          raw[m.file] = text.slice(0, cut);
          const before = text.slice(0, cut);
          // A cut inside a row leaves a broken last line; a cut on a line boundary only loses rows.
          if (!before.endsWith("\n")) expectLine = before.split("\n").length;
        }
        const dir = await writeCohort(lines, raw);
        const report = await validatePrismDir(dir);
        for (const p of report.problems.items) expect(p.file).toMatch(/\.jsonl$/);
        if (expectLine !== null) {
          expect(report.ok).toBe(false);
          expect(report.problems.items.some((p) => p.severity === "error" && p.file === m.file && p.line === expectLine)).toBe(true);
        }
        // The pair builder either succeeds or refuses with a UserError — and then writes nothing.
        const outDir = join(dir, "out");
        const res = await writePairs({ dir, out: join(outDir, "pairs.jsonl") }).then(() => null, (e: unknown) => e);
        if (res !== null) {
          expect(isUserError(res)).toBe(true);
          expect(await readdir(outDir).catch(() => [])).toEqual([]);
        }
        await rm(dir, { recursive: true, force: true });
      }),
      { numRuns: 60, seed: 20261203 },
    );
  });
});

describe("round trip", () => {
  it("read → write → read is byte-for-byte on the example cohort", async () => {
    const raw = await readPrismRaw(EXAMPLE);
    const out = join(work, "roundtrip");
    await writePrismDir(out, raw);
    for (const f of FILES) {
      const [a, b] = [await readFile(join(out, f)), await readFile(join(EXAMPLE, f))];
      expect(a.length, f).toBe(b.length);
      expect(a.equals(b), f).toBe(true);
    }
    expect(await readPrismRaw(out)).toEqual(raw);
    // the writer refuses to clobber a non-empty folder
    const e = await writePrismDir(out, raw).catch((x: unknown) => x);
    expect(isUserError(e)).toBe(true);
  });
});

describe("profiles", () => {
  it("every survey row maps to a valid Profile", async () => {
    const rows = await readValidRows(join(EXAMPLE, "survey.jsonl"), SurveyRow);
    for (const row of rows) {
      const p = Profile.parse(profileFromSurveyRow(row));
      expect(p.participantId).toBe(row.user_id);
      expect(p.statedPreferences.safety).toBe(row.stated_prefs.safety);
      expect(p.demographics.religion).toBe(row.religion?.simplified);
      expect(topStatedPreferences(p)).toHaveLength(3);
    }
  });
});
