/**
 * The web UI's static files. `web/dist` is built by Vite (a dev dependency); when it is missing or
 * older than its sources it is built again, into a temp folder renamed into place, so two
 * processes building at once never serve a half-written folder.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
export const WEB_DIST = join(WEB_DIR, "dist");

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function webIsBuilt(): boolean {
  const index = join(WEB_DIST, "index.html");
  if (!existsSync(index)) return false;
  const sources = Math.max(newest(join(WEB_DIR, "src")), statSync(join(WEB_DIR, "index.html")).mtimeMs);
  return statSync(index).mtimeMs >= sources;
}

/** Builds web/dist if needed; returns its path. */
export async function ensureWebBuilt(): Promise<string> {
  if (webIsBuilt()) return WEB_DIST;
  const { build } = await import("vite");
  const tmp = `${WEB_DIST}.tmp-${process.pid}-${Date.now()}`;
  await build({ configFile: join(WEB_DIR, "vite.config.ts"), build: { outDir: tmp, emptyOutDir: true }, logLevel: "error" });
  const old = `${WEB_DIST}.old-${process.pid}-${Date.now()}`;
  if (existsSync(WEB_DIST)) renameSync(WEB_DIST, old);
  renameSync(tmp, WEB_DIST);
  rmSync(old, { recursive: true, force: true });
  return WEB_DIST;
}
