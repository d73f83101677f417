/** `prismx export STUDY_ID --out DIR [--db DIR] [--force]`: long tables (JSONL + CSV) and a codebook. */
import type { Command } from "commander";
import { exportStudy, type ExportSummary } from "../../data/export/write.js";
import { openCommandStore, type Output } from "./simulate.js";

export interface ExportCommandOptions {
  studyId: string;
  out: string;
  db?: string;
  force?: boolean;
}

export async function exportCommand(o: ExportCommandOptions, io: Output, env: NodeJS.ProcessEnv = process.env): Promise<ExportSummary> {
  const store = await openCommandStore(o.db, env);
  try {
    const s = await exportStudy({ store, studyId: o.studyId, outDir: o.out, force: o.force ?? false });
    io.out(`exported study ${o.studyId} to ${o.out}: ${Object.entries(s.counts).map(([t, n]) => `${t} ${n}`).join(", ")}`);
    return s;
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  program
    .command("export")
    .description("export a study (human or simulated) as PRISM-style long tables with a codebook")
    .argument("<studyId>", "the study's id")
    .requiredOption("--out <dir>", "output folder (created; must be empty unless --force)")
    .option("--db <dir>", "database folder (PGlite); DATABASE_URL selects PostgreSQL instead")
    .option("--force", "replace a non-empty output folder", false)
    .action(async (studyId: string, opts: { out: string; db?: string; force: boolean }) => {
      await exportCommand({ studyId, out: opts.out, force: opts.force, ...(opts.db !== undefined ? { db: opts.db } : {}) }, { out: (l) => console.log(l), err: (l) => console.error(l) });
    });
}
