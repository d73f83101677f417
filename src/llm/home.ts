/**
 * Where prismx keeps downloaded models and caches: `$PRISMX_HOME`, else `~/.prismx`.
 */
import { homedir } from "node:os";
import { join } from "node:path";

export function prismxHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PRISMX_HOME;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : join(homedir(), ".prismx");
}

export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(prismxHome(env), "models");
}
