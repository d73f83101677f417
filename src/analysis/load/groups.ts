/**
 * Participant attributes for subgroup analysis (`prismx analyse --groups FILE`): a CSV or JSONL
 * table with a participant column and any number of grouping columns (a demographic, a recruitment
 * wave, whether the participant's data trained an arm…). Each grouping column splits the
 * participants; every value gets its own arm comparison.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { UserError } from "../../core/errors.js";
import type { ParticipantGroups } from "../measures/subgroups.js";

const ID_COLUMNS = ["participant", "participant_id", "user_id", "judge", "judge_id"];

export function loadGroups(file: string): ParticipantGroups {
  if (!existsSync(file)) throw new UserError("file not found", { location: { file, field: "--groups" }, hint: "pass a CSV or JSONL table: a participant column plus grouping columns" });
  const text = readFileSync(file, "utf8");
  const isJsonl = /\.jsonl?$/i.test(file) || text.trimStart().startsWith("{");
  const rows: { line: number; record: Record<string, unknown> }[] = [];
  if (isJsonl) {
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw new UserError("not valid JSON", { location: { file, line: i + 1 }, hint: "one JSON object per line" });
      }
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new UserError("not a JSON object", { location: { file, line: i + 1 }, hint: "one object per participant" });
      rows.push({ line: i + 1, record: v as Record<string, unknown> });
    });
  } else {
    let records: Record<string, unknown>[];
    try {
      records = parse(text, { columns: true, skip_empty_lines: true, bom: true });
    } catch (e) {
      throw new UserError(`not a readable CSV (${(e as Error).message})`, { location: { file }, hint: "a header row then one participant per row" });
    }
    records.forEach((record, i) => rows.push({ line: i + 2, record }));
  }
  if (rows.length === 0) throw new UserError("no rows", { location: { file }, hint: "one row per participant" });
  const header = Object.keys(rows[0]!.record);
  const idCol = header.find((h) => ID_COLUMNS.includes(h.trim().toLowerCase()));
  if (!idCol) throw new UserError("no participant column", { location: { file, line: 1 }, hint: `name one column ${ID_COLUMNS.join(" or ")}` });
  const groupings = header.filter((h) => h !== idCol);
  if (groupings.length === 0) throw new UserError("no grouping column", { location: { file, line: 1 }, hint: "add at least one column beside the participant id" });
  const out = new Map<string, Record<string, string>>();
  for (const { line, record } of rows) {
    const id = record[idCol];
    if (typeof id !== "string" && typeof id !== "number") throw new UserError("missing participant id", { location: { file, line, field: idCol } });
    if (out.has(String(id))) throw new UserError(`participant '${String(id)}' appears twice`, { location: { file, line, field: idCol }, hint: "one row per participant" });
    const attrs: Record<string, string> = {};
    for (const g of groupings) {
      const v = record[g];
      if (v === undefined || v === null || v === "") continue; // not in this grouping
      if (typeof v === "object") throw new UserError("a grouping value must be a string, number or boolean", { location: { file, line, field: g } });
      attrs[g] = String(v as string | number | boolean);
    }
    out.set(String(id), attrs);
  }
  return out;
}
