/**
 * Errors a user can cause (a bad config, a bad data row, an unreachable model). The CLI prints
 * `message` alone — no stack — and exits non-zero, so the message must say where and how to fix.
 */
export interface ErrorLocation {
  /** File the problem is in, as the user named it. */
  file?: string;
  /** 1-based line in that file. */
  line?: number;
  /** Field path, e.g. `arms[2].strategy` or `conversation_history[3].score`. */
  field?: string;
}

export class UserError extends Error {
  override readonly name = "UserError";
  readonly location: ErrorLocation;
  readonly hint: string | undefined;
  /** Further problems of the same kind (e.g. every bad row of a file), already formatted. */
  readonly details: readonly string[];

  constructor(problem: string, opts: { location?: ErrorLocation; hint?: string; details?: readonly string[]; cause?: unknown } = {}) {
    super(formatMessage(problem, opts.location ?? {}, opts.hint), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.location = opts.location ?? {};
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }
}

export function formatLocation(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  if (loc.field !== undefined) parts.push(loc.field);
  return parts.join(": ");
}

function formatMessage(problem: string, loc: ErrorLocation, hint: string | undefined): string {
  const where = formatLocation(loc);
  return `${where ? `${where}: ` : ""}${problem}${hint ? `\n  fix: ${hint}` : ""}`;
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
