/** Outward JSON Schemas generated from the zod schemas (one definition, no twins). */
import { z } from "zod";
import { StudyConfig } from "./study.js";

export function studyJsonSchema(): Record<string, unknown> {
  return { title: "prismx study", ...z.toJSONSchema(StudyConfig, { io: "input", unrepresentable: "any" }) };
}
