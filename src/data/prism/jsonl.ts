/**
 * Streaming JSONL over fs streams (node:readline), a capped problem list in the
 * `file:line: field: problem` form, and atomic writers (temp file + rename) so a failure never
 * leaves a half-written output behind.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { UserError } from "../../core/errors.js";

export type Severity = "error" | "warning";

export interface Problem {
  severity: Severity;
  file: string;
  line?: number;
  field?: string;
  problem: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return `${where}: ${p.field ?? "(row)"}: ${p.problem}${p.severity === "warning" ? " (warning)" : ""}`;
}

/** Collects every problem but keeps only the first `cap` of each severity, so a broken 80 MB file cannot exhaust memory. */
export class ProblemList {
  readonly items: Problem[] = [];
  errors = 0;
  warnings = 0;
  private kept = { error: 0, warning: 0 };

  constructor(readonly cap = 200) {}

  add(p: Problem): void {
    if (p.severity === "error") this.errors++;
    else this.warnings++;
    if (this.kept[p.severity] < this.cap) {
      this.kept[p.severity]++;
      this.items.push(p);
    }
  }

  error(file: string, line: number | undefined, field: string | undefined, problem: string): void {
    this.add({ severity: "error", file, ...(line === undefined ? {} : { line }), ...(field === undefined ? {} : { field }), problem });
  }

  warning(file: string, line: number | undefined, field: string | undefined, problem: string): void {
    this.add({ severity: "warning", file, ...(line === undefined ? {} : { line }), ...(field === undefined ? {} : { field }), problem });
  }

  get omitted(): number {
    return this.errors + this.warnings - this.items.length;
  }

  formatted(): string[] {
    return this.items.map(formatProblem);
  }
}

/** `conversation_history[3].score` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(row)" : out;
}

/**
 * Calls `onLine` for every line of `file` (1-based numbers), in order, without holding the file in
 * memory. A UTF-8 BOM on the first line is dropped. A missing file becomes a UserError.
 */
export async function forEachLine(file: string, onLine: (text: string, line: number) => void): Promise<number> {
  const input = createReadStream(file, { encoding: "utf8" });
  const opened = new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve());
    input.once("error", reject);
  });
  try {
    await opened;
  } catch (e) {
    throw new UserError(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { location: { file }, hint: "check the path", cause: e });
  }
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    rl.on("line", (text) => {
      n++;
      try {
        onLine(n === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, n);
      } catch (e) {
        rl.close();
        input.destroy();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    rl.once("close", () => resolve());
    input.once("error", reject);
  });
  return n;
}

/** Parses one JSONL line; returns undefined (and records why) for blank lines or broken JSON. */
export function parseJsonLine(text: string, file: string, line: number, problems: ProblemList): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    problems.error(file, line, undefined, `not valid JSON (${(e as Error).message}); a truncated file or a line break inside a row?`);
    return undefined;
  }
}

/** Validates a parsed row against `schema`; records one problem per zod issue and returns undefined on failure. */
export function checkRow<S extends z.ZodType>(schema: S, raw: unknown, file: string, line: number, problems: ProblemList): z.infer<S> | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    problems.error(file, line, undefined, `expected a JSON object, got ${raw === null ? "null" : Array.isArray(raw) ? "an array" : typeof raw}`);
    return undefined;
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data as z.infer<S>;
  for (const issue of r.error.issues) problems.error(file, line, fieldPath(issue.path), issue.message);
  return undefined;
}

/** Streams `file` through `schema`, calling `onRow` with each valid row. Bad rows land in `problems`. */
export async function scanRows<S extends z.ZodType>(
  file: string, label: string, schema: S, problems: ProblemList,
  onRow: (row: z.infer<S>, line: number) => void,
): Promise<number> {
  return forEachLine(file, (text, line) => {
    const raw = parseJsonLine(text, label, line, problems);
    if (raw === undefined) return;
    const row = checkRow(schema, raw, label, line, problems);
    if (row !== undefined) onRow(row, line);
  });
}

/** Every row of a JSONL file as parsed JSON with its key order intact (for round trips). Broken JSON is a UserError. */
export async function readJsonlRaw(file: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  const problems = new ProblemList(20);
  await forEachLine(file, (text, line) => {
    const raw = parseJsonLine(text, file, line, problems);
    if (raw !== undefined) rows.push(raw);
  });
  if (problems.errors > 0) throw new UserError(`${problems.errors} bad line(s)`, { location: { file }, details: problems.formatted(), hint: "fix or remove the lines named" });
  return rows;
}

/** One row as the sampler and writer serialise it: compact JSON in the row's own key order, LF-terminated. */
export function jsonLine(row: unknown): string {
  return `${JSON.stringify(row)}\n`;
}

/** A unique sibling name for temp output, so the rename stays on one file system. */
export function tempSibling(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomUUID()}`);
}

/** Writes lines to a stream, honouring backpressure. */
export class LineSink {
  private readonly stream;
  private readonly failed: Promise<never>;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { encoding: "utf8" });
    this.failed = new Promise<never>((_, reject) => this.stream.once("error", reject));
    this.failed.catch(() => undefined);
  }

  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await Promise.race([new Promise<void>((r) => this.stream.once("drain", () => r())), this.failed]);
  }

  async close(): Promise<void> {
    await Promise.race([new Promise<void>((resolve, reject) => this.stream.end((e?: Error | null) => (e ? reject(e) : resolve()))), this.failed]);
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** Writes `lines` to `file` atomically: a temp file beside it, renamed into place only when complete. */
export async function writeFileAtomic(file: string, lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  const sink = new LineSink(tmp);
  try {
    for await (const line of lines) await sink.write(line);
    await sink.close();
    await rename(tmp, file);
  } catch (e) {
    sink.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes rows as JSONL atomically, each in its own key order. */
export async function writeJsonlAtomic(file: string, rows: Iterable<unknown> | AsyncIterable<unknown>): Promise<void> {
  async function* lines() {
    for await (const row of rows) yield jsonLine(row);
  }
  await writeFileAtomic(file, lines());
}
