/**
 * `prismx export`: a study's event log → PRISM-style long tables (JSONL + CSV each) and a
 * codebook, written into a temp folder and renamed into place (nothing half-written is left).
 * Participants are read one at a time and rows streamed to disk, so memory stays flat.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { once } from "node:events";
import { stringify } from "csv-stringify/sync";
import { UserError, EXPORT_TABLES, ConversationRow, JudgementRow, ParticipantRow, ResponseRow } from "../../core/index.js";
import type { Store } from "../../store/index.js";
import { writeDirAtomic } from "../prism/read.js";
import { renderCodebook, CODEBOOK } from "./codebook.js";
import { participantTables, TurnRow, EventRow, type ParticipantTables } from "./rows.js";

type Table = (typeof EXPORT_TABLES)[number];

const SCHEMAS = { participants: ParticipantRow, conversations: ConversationRow, turns: TurnRow, responses: ResponseRow, judgements: JudgementRow, events: EventRow } as const;

class TableWriter {
  private readonly jsonl: WriteStream;
  private readonly csv: WriteStream;
  private readonly columns: string[];
  rows = 0;

  constructor(dir: string, readonly name: Table) {
    this.jsonl = createWriteStream(join(dir, `${name}.jsonl`));
    this.csv = createWriteStream(join(dir, `${name}.csv`));
    this.columns = Object.keys(CODEBOOK[name]!.fields);
    this.csv.write(stringify([this.columns]));
  }

  async write(rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const schema = SCHEMAS[this.name];
    let j = "";
    const cells: unknown[][] = [];
    for (const r of rows) {
      schema.parse(r); // the export contract: analysis parses these with the same schemas
      j += `${JSON.stringify(r)}\n`;
      cells.push(this.columns.map((c) => {
        const v = r[c];
        return v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : v;
      }));
    }
    this.rows += rows.length;
    const a = this.jsonl.write(j);
    const b = this.csv.write(stringify(cells, { cast: { boolean: (v) => (v ? "true" : "false") } }));
    if (!a) await once(this.jsonl, "drain");
    if (!b && this.csv.writableNeedDrain) await once(this.csv, "drain");
  }

  async close(): Promise<void> {
    await Promise.all([new Promise<void>((r, e) => this.jsonl.end((err?: Error | null) => (err ? e(err) : r()))), new Promise<void>((r, e) => this.csv.end((err?: Error | null) => (err ? e(err) : r())))]);
  }
}

export interface ExportOptions {
  store: Store;
  studyId: string;
  outDir: string;
  force?: boolean;
}

export interface ExportSummary {
  outDir: string;
  counts: Record<Table, number>;
}

export async function exportStudy(o: ExportOptions): Promise<ExportSummary> {
  const study = await o.store.studies.get(o.studyId);
  if (!study) {
    const known = (await o.store.studies.list()).map((s) => s.id);
    throw new UserError(`no study '${o.studyId}' in this database`, { location: { field: "STUDY_ID" }, hint: known.length ? `known studies: ${known.join(", ")}` : "run 'prismx simulate' or 'prismx serve' first, or point --db at the right folder" });
  }
  const counts = Object.fromEntries(EXPORT_TABLES.map((t) => [t, 0])) as Record<Table, number>;
  await writeDirAtomic(o.outDir, async (tmp) => {
    const writers = Object.fromEntries(EXPORT_TABLES.map((t) => [t, new TableWriter(tmp, t)])) as Record<Table, TableWriter>;
    try {
      for (const p of await o.store.participants.list(o.studyId)) {
        const log = await o.store.events.list(o.studyId, p.id);
        if (log.length === 0) continue;
        let t: ParticipantTables;
        try {
          t = participantTables(study.config, p.id, p.kind, p.twinOf, log);
        } catch (e) {
          throw new UserError(`the event log of participant '${p.id}' does not fit the study protocol: ${(e as Error).message}`, { location: { field: `participants.${p.id}` }, cause: e });
        }
        await writers.participants.write([t.participant]);
        await writers.conversations.write(t.conversations);
        await writers.turns.write(t.turns);
        await writers.responses.write(t.responses);
        await writers.judgements.write(t.judgements);
        await writers.events.write(t.events);
      }
    } finally {
      for (const w of Object.values(writers)) await w.close();
    }
    for (const t of EXPORT_TABLES) counts[t] = writers[t].rows;
    await writeFile(join(tmp, "codebook.md"), renderCodebook(o.studyId, counts));
  }, { force: o.force ?? false });
  return { outDir: o.outDir, counts };
}
