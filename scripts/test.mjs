#!/usr/bin/env node
// The README's test command: lint, type-check, the TypeScript suites, then the trainer's pytest suite.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const steps = [
  ["lint", bin("eslint"), [".", "--max-warnings", "0"]],
  ["typecheck", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]],
];
if (existsSync(join(root, "web", "tsconfig.json"))) steps.push(["typecheck web", bin("tsc"), ["--noEmit", "-p", "web/tsconfig.json"]]);
steps.push(["vitest", bin("vitest"), ["run", ...process.argv.slice(2)]]);
const py = join(root, "trainer", ".venv", "bin", "python");
if (existsSync(join(root, "trainer", "pyproject.toml"))) steps.push(["trainer (pytest)", py, ["-m", "pytest", "-q", join(root, "trainer", "tests")]]);

for (const [name, cmd, args] of steps) {
  console.log(`\n── ${name} ──`);
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root });
  if (r.status !== 0) {
    console.error(`\n${name} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status ?? 1);
  }
}
console.log("\nall test steps passed");
