#!/usr/bin/env node
// First-run installer, so the README's two commands work on a fresh clone: installs the npm
// packages when the lockfile changed, and with --with-trainer the trainer's Python environment.
// Dependency-free on purpose: it runs before node_modules exists.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const withTrainer = process.argv.includes("--with-trainer");

function hashOf(files) {
  const h = createHash("sha256");
  for (const f of files) h.update(existsSync(f) ? readFileSync(f) : "");
  return h.digest("hex");
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`prismx setup: '${cmd} ${args.join(" ")}' failed (exit ${r.status}).`);
    process.exit(r.status ?? 1);
  }
}

function ensure(stampFile, inputs, label, install) {
  const want = hashOf(inputs);
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === want) return;
  console.log(`prismx setup: installing ${label} (first run or changed dependencies)…`);
  install();
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, want);
}

// onnxruntime-node (pulled in by @huggingface/transformers) downloads binaries at install time,
// which this project's machines cannot do; optional native variants are omitted for size (the
// prebuilt ones we need are explicit dependencies), and install scripts are skipped: none is needed,
// and esbuild's would fail on the nested copy drizzle-kit brings.
const npmEnv = { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" };
// A fresh clone gets `npm ci`; an existing tree whose lockfile moved gets an in-place install, so
// a running process is never left without its node_modules.
const npmInstall = (prefix) => {
  const fresh = !existsSync(join(prefix, "node_modules"));
  const args = [fresh ? "ci" : "install", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", prefix];
  run("npm", args, { env: npmEnv });
};
ensure(join(root, "node_modules", ".prismx-stamp"), [join(root, "package-lock.json")], "npm packages", () => npmInstall(root));
if (existsSync(join(root, "web", "package.json"))) {
  ensure(join(root, "web", "node_modules", ".prismx-stamp"), [join(root, "web", "package-lock.json")], "web UI packages", () => npmInstall(join(root, "web")));
}

const req = join(root, "trainer", "requirements.txt");
if (withTrainer && existsSync(req)) {
  const venv = join(root, "trainer", ".venv");
  ensure(join(venv, ".prismx-stamp"), [req, join(root, "trainer", "pyproject.toml")], "the trainer's Python environment", () => {
    if (!existsSync(join(venv, "bin", "python"))) run("python3", ["-m", "venv", venv]);
    const pip = join(venv, "bin", "pip");
    run(pip, ["install", "--quiet", "--disable-pip-version-check", "-r", req]);
    run(pip, ["install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", join(root, "trainer")]);
  });
}
