/** Reads JSONL tables row by row, validating each with a zod schema; every bad row is reported. */
import { existsSync, readFileSync } from "node:fs";
import type { z } from "zod";
import { UserError } from "../../core/errors.js";

export function readJsonl<T extends z.ZodType>(file: string, schema: T, opts: { optional?: boolean } = {}): z.infer<T>[] {
  if (!existsSync(file)) {
    if (opts.optional) return [];
    throw new UserError("file not found", { location: { file }, hint: "point at a prismx export directory (prismx export STUDY_ID --out DIR)" });
  }
  const out: z.infer<T>[] = [];
  const problems: string[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      problems.push(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
      return;
    }
    const r = schema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      problems.push(`${file}:${i + 1}: ${issue.path.join(".") || "(row)"}: ${issue.message}`);
      return;
    }
    out.push(r.data);
  });
  if (problems.length) {
    const first = problems[0]!;
    const m = /^(.*):(\d+): (.*?): (.*)$/.exec(first);
    throw new UserError(`${problems.length} bad row(s); first: ${m ? m[4] : first}`, {
      location: m ? { file: m[1]!, line: Number(m[2]), field: m[3]! } : { file },
      hint: "fix or remove the row(s); the export schema is in src/core/export.ts",
      details: problems.slice(0, 20),
    });
  }
  return out;
}
