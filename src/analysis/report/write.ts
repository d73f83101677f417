/**
 * Writes results.json (sorted keys, numbers to 12 significant digits, no timestamps), CSV tables
 * and the self-contained report.html into a temporary sibling directory, then renames it into
 * place: either the whole output appears or none of it.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { stringify } from "csv-stringify/sync";
import type { AnalysisResults, ExportComparison } from "../analyse.js";
import { chartSpecs, renderSvg } from "./charts.js";
import { renderHtml } from "./html.js";

function tidy(v: unknown): unknown {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return null;
    return Number.isInteger(v) ? v : Number(v.toPrecision(12));
  }
  if (v instanceof Float64Array || v instanceof Int32Array) return Array.from(v, (x) => tidy(x));
  if (Array.isArray(v)) return v.map(tidy);
  if (v instanceof Map) return tidy(Object.fromEntries(v));
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = tidy(o[k]);
    return out;
  }
  return v;
}

/** Deterministic JSON text of any results object. */
export function stableJson(v: unknown): string {
  return JSON.stringify(tidy(v), null, 2) + "\n";
}

function csv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "";
  const t = rows.map((r) => tidy(r) as Record<string, unknown>);
  const cols = Object.keys(t[0]!);
  return stringify(t.map((r) => cols.map((c) => { const v = r[c]; return v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : v; })), { header: true, columns: cols });
}

export function csvTables(r: AnalysisResults): Record<string, string> {
  const bt = r.arms.bradleyTerry;
  const tables: Record<string, Record<string, unknown>[]> = {
    arms: bt.arms.map((a) => {
      const w = r.arms.winRates.arms.find((x) => x.arm === a.arm);
      const g = r.arms.glmm?.arms.find((x) => x.arm === a.arm);
      const lc = r.style.lengthOnly?.arms.find((x) => x.arm === a.arm);
      const t = r.tokens.find((x) => x.arm === a.arm);
      return { arm: a.arm, bt_rating: a.rating, bt_ci_lo: a.ci.lo, bt_ci_hi: a.ci.hi, bt_se_model: a.se, elo: a.elo, rank: a.rank, win_rate: w?.winRate ?? null, win_rate_ci_lo: w?.ci.lo ?? null, win_rate_ci_hi: w?.ci.hi ?? null, length_controlled_win_rate: lc?.controlledWinRate ?? null, glmm_effect: g?.effect ?? null, glmm_se: g?.se ?? null, mean_prompt_tokens: t?.meanPromptTokens ?? null, mean_completion_tokens: t?.meanCompletionTokens ?? null, tokens_per_win: t?.tokensPerWin ?? null };
    }),
    bt_by_population: Object.entries(r.arms.bradleyTerryByPopulation).flatMap(([pop, b]) => b.arms.map((a) => ({ population: pop, arm: a.arm, rating: a.rating, ci_lo: a.ci.lo, ci_hi: a.ci.hi, rank: a.rank }))),
    contrasts: (r.arms.glmm?.contrasts ?? []).map((c) => ({ a: c.a, b: c.b, glmm_diff: c.diff, glmm_se: c.se, z: c.z, p: c.p, p_holm: c.pHolm, bt_ci_lo: c.btCi.lo, bt_ci_hi: c.btCi.hi, bt_p: c.btP, bt_p_holm: c.btPHolm })),
    win_rates: r.arms.winRates.pairs.map((p) => ({ arm: p.a, opponent: p.b, win_rate: p.winRate, n: p.n, ci_lo: p.ci.lo, ci_hi: p.ci.hi })),
    ratings: r.arms.ratings.map((x) => ({ arm: x.arm, mean: x.mean, centred: x.centred, ci_lo: x.ci.lo, ci_hi: x.ci.hi, n: x.n })),
    style: (r.style.full?.covariates ?? []).map((c) => ({ covariate: c.name, coef_per_sd: c.coef, se: c.se, ci_lo: c.ci.lo, ci_hi: c.ci.hi, p: c.p, per_unit: c.perUnit })),
    behaviours: r.behaviours.levels.map((l) => ({ arm: l.arm, responses: l.responses, lexical_sycophancy: l.lexicalSycophancy, lexical_relationship: l.lexicalRelationship, judge_sycophancy: l.judgeSycophancy, judge_relationship: l.judgeRelationship, judged: l.judged })),
    tokens: r.tokens.map((t) => ({ ...t })),
    position_bias: r.positionBias.map((p) => ({ population: p.population, first_chosen: p.firstChosen, expected: p.expected, ci_lo: p.ci.lo, ci_hi: p.ci.hi, tie_rate: p.tieRate, n: p.n, participants: p.participants })),
    agreement: [
      ...r.fidelity.testRetest.map((t) => ({ measure: "test-retest", population: t.population, agreement: t.agreement, ci_lo: t.ci.lo, ci_hi: t.ci.hi, pairs: t.pairs })),
      ...(r.fidelity.replay ? [{ measure: "twin-replay", population: "simulated", agreement: r.fidelity.replay.agreement, ci_lo: r.fidelity.replay.ci.lo, ci_hi: r.fidelity.replay.ci.hi, pairs: r.fidelity.replay.pairs }] : []),
    ],
    twin_agreement: r.fidelity.replay?.perTwin.map((t) => ({ ...t })) ?? [],
    topics: (r.topics?.topics ?? []).map((t) => ({ cluster: t.cluster, label: t.label, words: t.words.join(" "), size: t.size, ...Object.fromEntries(Object.entries(t.share).map(([p, v]) => [`share_${p}`, v])) })),
    dynamics: [...r.dynamics.byTurn.map((c) => ({ axis: "turn", ...c })), ...r.dynamics.bySession.map((c) => ({ axis: "session_third", ...c }))],
  };
  const out: Record<string, string> = {};
  for (const [name, rows] of Object.entries(tables)) if (rows.length) out[`${name}.csv`] = csv(rows);
  return out;
}

/**
 * Vega numbers gradients and clip paths from process-wide counters, so the same chart rendered
 * twice gets different ids; renumber them per chart by first appearance (and prefix the chart id,
 * keeping ids unique when several SVGs share one page).
 */
export function scopeSvgIds(svg: string, chartId: string): string {
  const seen = new Map<string, string>();
  return svg.replace(/\b(gradient_|clip|pattern_)(\d+)\b/g, (m: string, kind: string) => {
    let v = seen.get(m);
    if (!v) {
      v = `${chartId}-${kind}${seen.size}`;
      seen.set(m, v);
    }
    return v;
  });
}

export async function renderReport(r: AnalysisResults, compare?: { other: AnalysisResults; comparison: ExportComparison }): Promise<string> {
  const charts = new Map<string, string>();
  for (const { id, spec } of chartSpecs(r)) charts.set(id, scopeSvgIds(await renderSvg(spec), id));
  return renderHtml(r, charts, compare);
}

export interface WrittenReport {
  dir: string;
  files: string[];
}

export async function writeReport(outDir: string, r: AnalysisResults, compare?: { other: AnalysisResults; comparison: ExportComparison; label: string }): Promise<WrittenReport> {
  const target = resolve(outDir);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    const files: Record<string, string> = { "results.json": stableJson(compare ? { ...r, compare: { label: compare.label, comparison: compare.comparison, other: compare.other } } : r), ...csvTables(r) };
    if (compare) for (const [name, text] of Object.entries(csvTables(compare.other))) files[`compare_${name}`] = text;
    files["report.html"] = await renderReport(r, compare);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp, name), text);
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
    return { dir: target, files: Object.keys(files).sort() };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
