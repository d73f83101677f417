/**
 * Small I/O helpers the commands share: reading user files with errors that name them, and
 * writing outputs atomically (temp file or folder, then rename) so a failure leaves nothing
 * half-written.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, basename, join } from "node:path";
import { UserError } from "../core/errors.js";

export function readUserFile(path: string, what = "file"): string {
  if (!existsSync(path)) throw new UserError(`${what} not found`, { location: { file: path }, hint: "check the path" });
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`cannot read ${what}: ${(e as Error).message}`, { location: { file: path }, cause: e });
  }
}

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Writes a file via a temp file in the same folder and a rename. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Builds a whole output folder in a temp sibling and swaps it in only when `build` succeeds.
 * An existing folder at `dir` is replaced.
 */
export async function writeDirAtomic<T>(dir: string, build: (tmpDir: string) => Promise<T>): Promise<T> {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.${Date.now()}.tmp`);
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await build(tmp);
    const old = existsSync(dir) ? `${tmp}.old` : null;
    if (old) renameSync(dir, old);
    renameSync(tmp, dir);
    if (old) rmSync(old, { recursive: true, force: true });
    return result;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Where prismx keeps models, databases and caches: $PRISMX_HOME, else ~/.prismx. */
export function prismxHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PRISMX_HOME ?? join(env.HOME ?? ".", ".prismx");
}
