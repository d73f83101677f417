/** Reading ground_truth.jsonl (the planted models of a synthetic cohort). */
import { join } from "node:path";
import { stat } from "node:fs/promises";
import { readValidRows } from "../prism/read.js";
import { GROUND_TRUTH_FILE, PlantedModel } from "./planted.js";

/**
 * The planted models by user id. `path` is either the ground-truth file or the cohort folder
 * holding it. Bad rows are a UserError naming file:line: field.
 */
export async function loadGroundTruth(path: string): Promise<Map<string, PlantedModel>> {
  const file = (await stat(path).catch(() => null))?.isDirectory() ? join(path, GROUND_TRUTH_FILE) : path;
  const rows = await readValidRows(file, PlantedModel);
  return new Map(rows.map((r) => [r.user_id, r]));
}
