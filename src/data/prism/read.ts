/**
 * Reading whole PRISM files (typed, or raw for round trips) and writing a PRISM folder atomically.
 * Raw rows keep their key order, and the writer serialises each with JSON.stringify exactly as the
 * sampler does, so read → write → read reproduces a sampled cohort byte for byte.
 */
import { mkdir, rename, rm, readdir, stat } from "node:fs/promises";
import type { z } from "zod";
import { UserError } from "../../core/errors.js";
import type { Profile } from "../../core/profile.js";
import { ProblemList, readJsonlRaw, scanRows, tempSibling, writeJsonlAtomic } from "./jsonl.js";
import { profileFromSurveyRow } from "./profile.js";
import { PRISM_FILE_PATHS, SurveyRow, type PrismFile } from "./schemas.js";
import { locatePrismFiles } from "./validate.js";
import { join, dirname } from "node:path";

/** All rows of `file` that fit `schema`; any bad row makes it a UserError listing every problem (capped). */
export async function readValidRows<S extends z.ZodType>(file: string, schema: S, label = file): Promise<z.infer<S>[]> {
  const problems = new ProblemList(50);
  const rows: z.infer<S>[] = [];
  await scanRows(file, label, schema, problems, (row) => void rows.push(row));
  if (problems.errors > 0) {
    throw new UserError(`${problems.errors} problem(s) in ${label}`, {
      location: { file: label },
      details: problems.formatted(),
      hint: "run `prismx data validate` on the folder for the full report",
    });
  }
  return rows;
}

/** Profiles of every participant in `dir`'s survey.jsonl, by user id, in file order. */
export async function loadProfiles(dir: string): Promise<Map<string, Profile>> {
  const { files } = await locatePrismFiles(dir, ["survey"]);
  const rows = await readValidRows(files.survey as string, SurveyRow, "survey.jsonl");
  return new Map(rows.map((r) => [r.user_id, profileFromSurveyRow(r)]));
}

export type RawPrismFiles = Partial<Record<PrismFile, unknown[]>>;

/** Every PRISM file in `dir` as raw rows (key order kept). */
export async function readPrismRaw(dir: string): Promise<RawPrismFiles> {
  const { files } = await locatePrismFiles(dir);
  const out: RawPrismFiles = {};
  for (const [name, path] of Object.entries(files) as [PrismFile, string][]) out[name] = await readJsonlRaw(path);
  return out;
}

async function isNonEmptyDir(p: string): Promise<boolean> {
  try {
    if (!(await stat(p)).isDirectory()) return true;
    return (await readdir(p)).length > 0;
  } catch {
    return false;
  }
}

/**
 * Creates `outDir` atomically: everything is written into a temp sibling folder which is renamed
 * into place only once `fill` has finished. A non-empty `outDir` is refused unless `force`.
 */
export async function writeDirAtomic(outDir: string, fill: (tmpDir: string) => Promise<void>, opts: { force?: boolean } = {}): Promise<void> {
  if (await isNonEmptyDir(outDir)) {
    if (!opts.force) throw new UserError("already exists and is not empty", { location: { file: outDir }, hint: "choose another --out folder, delete it, or pass --force" });
  }
  await mkdir(dirname(outDir), { recursive: true });
  const tmp = tempSibling(outDir);
  await mkdir(tmp);
  try {
    await fill(tmp);
    // Without --force only an empty folder (or nothing) can be here: removing it lets rename succeed.
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Writes raw PRISM rows to `outDir` (each file at its usual name), atomically. */
export async function writePrismDir(outDir: string, files: RawPrismFiles, opts: { force?: boolean } = {}): Promise<void> {
  await writeDirAtomic(outDir, async (tmp) => {
    for (const [name, rows] of Object.entries(files) as [PrismFile, unknown[]][]) {
      await writeJsonlAtomic(join(tmp, PRISM_FILE_PATHS[name][0] as string), rows);
    }
  }, opts);
}
