/**
 * A plain pairwise battle table (CSV or JSONL) → Dataset. Accepts the Chatbot Arena shape
 * (model_a, model_b, winner model_a|model_b|tie|tie (bothbad)) and crowd-comparison shapes
 * (left, right, winner left|right|tie; judge/worker/annotator; prompt/item/question id).
 */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { UserError } from "../../core/errors.js";
import type { Comparison, Dataset, ParticipantInfo } from "../types.js";

const ALIASES = {
  judge: ["judge", "judge_id", "participant", "participant_id", "worker", "worker_id", "annotator", "annotator_id", "user", "user_id", "judge_name"],
  item: ["item", "item_id", "prompt_id", "question_id", "prompt", "question", "id"],
  left: ["left", "left_model", "model_a", "model_left"],
  right: ["right", "right_model", "model_b", "model_right"],
  winner: ["winner", "choice", "label"],
  population: ["population"],
} as const;

function pickColumn(header: readonly string[], names: readonly string[]): string | undefined {
  const lower = new Map(header.map((h) => [h.trim().toLowerCase(), h]));
  for (const n of names) if (lower.has(n)) return lower.get(n);
  return undefined;
}

function outcomeOf(w: string): number | null {
  switch (w.trim().toLowerCase()) {
    case "left": case "model_a": case "a": case "1": return 1;
    case "right": case "model_b": case "b": case "2": return 0;
    case "tie": case "tie (bothbad)": case "both_bad": case "both_good": case "equal": case "0": return 0.5;
    default: return null;
  }
}

export function loadBattles(file: string): Dataset {
  if (!existsSync(file)) throw new UserError("file not found", { location: { file }, hint: "pass a CSV or JSONL battle table" });
  const text = readFileSync(file, "utf8");
  let records: Record<string, unknown>[];
  const isJsonl = /\.jsonl?$/i.test(file) || text.trimStart().startsWith("{");
  if (isJsonl) {
    records = [];
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        throw new UserError("not valid JSON", { location: { file, line: i + 1 }, hint: "one JSON object per line" });
      }
    });
  } else {
    try {
      records = parse(text, { columns: true, skip_empty_lines: true, bom: true });
    } catch (e) {
      throw new UserError(`not a readable CSV (${(e as Error).message})`, { location: { file }, hint: "a header row then one battle per row" });
    }
  }
  if (records.length === 0) throw new UserError("no battles", { location: { file }, hint: "the table needs at least one row" });
  const header = Object.keys(records[0]!);
  const col = Object.fromEntries(Object.entries(ALIASES).map(([k, names]) => [k, pickColumn(header, names)])) as Record<keyof typeof ALIASES, string | undefined>;
  for (const need of ["left", "right", "winner"] as const) {
    if (!col[need]) throw new UserError(`no ${need} column`, { location: { file, line: 1, field: need }, hint: `name one column ${ALIASES[need].join(" or ")}` });
  }
  const comparisons: Comparison[] = [];
  const participants = new Map<string, ParticipantInfo>();
  const lineOffset = isJsonl ? 1 : 2;
  records.forEach((r, i) => {
    const get = (k: keyof typeof ALIASES) => (col[k] ? r[col[k]] : undefined);
    const str = (v: unknown) => (v === undefined || v === null ? "" : typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v));
    const left = str(get("left"));
    const right = str(get("right"));
    const outcome = outcomeOf(str(get("winner")));
    if (!left || !right) throw new UserError("empty model name", { location: { file, line: i + lineOffset, field: !left ? col.left! : col.right! }, hint: "every battle names both models" });
    if (outcome === null) throw new UserError(`winner '${str(get("winner"))}' not understood`, { location: { file, line: i + lineOffset, field: col.winner! }, hint: "use left|right|tie (or model_a|model_b|tie)" });
    const judge = col.judge ? str(get("judge")) || `row${i}` : `row${i}`;
    const population = col.population ? str(get("population")) || "human" : "human";
    if (!participants.has(judge)) participants.set(judge, { id: judge, population, twinOf: null });
    const item = col.item ? str(get("item")) : `row${i}`;
    comparisons.push({
      id: `row${i}`, participant: judge, population, item, left, right, outcome, kind: "turn", probeOf: null, judgement: `row${i}`,
      conversation: 0, turn: 0, sessionIndex: 0, domain: null, leftResponse: null, rightResponse: null, leftRating: null, rightRating: null,
    });
  });
  return { source: "battles", origin: file, comparisons, responses: new Map(), participants, conversations: [], ratings: [] };
}
