/**
 * Vega-Lite specs for the report, compiled to Vega and rendered to SVG in Node (renderer "none":
 * no canvas, text measured by Vega's estimator), so charts are deterministic strings.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import type { AnalysisResults } from "../analyse.js";

type Row = Record<string, string | number | null>;

const base = (title: string, values: Row[]): Pick<TopLevelSpec, "$schema"> & Record<string, unknown> => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title,
  data: { values },
  config: { font: "Helvetica, Arial, sans-serif", view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 } },
});

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function intervalChart(title: string, rows: Row[], xTitle: string, opts: { colour?: string; rule?: number } = {}): TopLevelSpec {
  const colour = opts.colour ? { color: { field: opts.colour, type: "nominal" as const } } : {};
  const yOffset = opts.colour ? { yOffset: { field: opts.colour, type: "nominal" as const } } : {};
  const layers: unknown[] = [
    { mark: { type: "rule", strokeWidth: 2 }, encoding: { y: { field: "label", type: "nominal", sort: null, title: null }, ...yOffset, x: { field: "lo", type: "quantitative", title: xTitle, scale: { zero: false } }, x2: { field: "hi" }, ...colour } },
    { mark: { type: "point", filled: true, size: 60 }, encoding: { y: { field: "label", type: "nominal", sort: null }, ...yOffset, x: { field: "value", type: "quantitative" }, ...colour } },
  ];
  if (opts.rule !== undefined) layers.push({ data: { values: [{ r: opts.rule }] }, mark: { type: "rule", strokeDash: [4, 4], color: "#888" }, encoding: { x: { field: "r", type: "quantitative" } } });
  return { ...base(title, rows), width: 420, layer: layers } as unknown as TopLevelSpec;
}

export function chartSpecs(r: AnalysisResults): { id: string; spec: TopLevelSpec }[] {
  const specs: { id: string; spec: TopLevelSpec }[] = [];
  const pops = Object.entries(r.arms.bradleyTerryByPopulation);
  const btRows: Row[] = pops.length > 1
    ? pops.flatMap(([pop, bt]) => bt.arms.map((a) => ({ label: a.arm, population: pop, value: a.rating, lo: a.ci.lo, hi: a.ci.hi })))
    : r.arms.bradleyTerry.arms.map((a) => ({ label: a.arm, value: a.rating, lo: a.ci.lo, hi: a.ci.hi }));
  specs.push({ id: "bt", spec: intervalChart(`Bradley–Terry rating vs ${r.settings.anchor} (log-odds, 95% participant-bootstrap CI)`, btRows, "rating (log-odds)", { colour: pops.length > 1 ? "population" : undefined, rule: 0 }) });

  specs.push({
    id: "winmatrix",
    spec: {
      ...base("Pairwise win rate of row arm over column arm (ties ½)", r.arms.winRates.pairs.map((p) => ({ a: p.a, b: p.b, winRate: p.winRate, n: p.n }))),
      width: 60 * r.input.arms.length, height: 40 * r.input.arms.length,
      encoding: { y: { field: "a", type: "nominal", title: "arm" }, x: { field: "b", type: "nominal", title: "opponent" } },
      layer: [
        { mark: "rect", encoding: { color: { field: "winRate", type: "quantitative", scale: { domain: [0, 1], scheme: "redblue" }, title: "win rate" } } },
        { mark: { type: "text", fontSize: 11 }, encoding: { text: { field: "winRate", type: "quantitative", format: ".2f" } } },
      ],
    } as unknown as TopLevelSpec,
  });

  const lc = r.style.lengthOnly;
  if (lc) {
    specs.push({
      id: "lengthcontrol",
      spec: {
        ...base("Win rate: raw vs length-controlled", lc.arms.flatMap((a) => [{ arm: a.arm, kind: "raw", value: a.rawWinRate }, { arm: a.arm, kind: "length-controlled", value: a.controlledWinRate }])),
        width: 360, mark: "bar",
        encoding: { y: { field: "arm", type: "nominal", title: null }, yOffset: { field: "kind", type: "nominal" }, x: { field: "value", type: "quantitative", title: "win rate", scale: { domain: [0, 1] } }, color: { field: "kind", type: "nominal", title: null } },
      } as unknown as TopLevelSpec,
    });
  }
  if (r.tokens.length) {
    specs.push({
      id: "tokens",
      spec: {
        ...base("Mean tokens per response", r.tokens.flatMap((t) => [{ arm: t.arm, kind: "prompt", value: t.meanPromptTokens }, { arm: t.arm, kind: "completion", value: t.meanCompletionTokens }])),
        width: 360, mark: "bar",
        encoding: { y: { field: "arm", type: "nominal", title: null }, x: { field: "value", type: "quantitative", title: "tokens", stack: "zero" }, color: { field: "kind", type: "nominal", title: null } },
      } as unknown as TopLevelSpec,
    });
  }
  if (r.behaviours.levels.length) {
    specs.push({ id: "behaviours", spec: intervalChart("Lexical indicators per response (95% CI)", r.behaviours.levels.flatMap((l) => [
      { label: l.arm, indicator: "sycophancy", value: l.lexicalSycophancy, lo: l.lexicalSycophancyCi.lo, hi: l.lexicalSycophancyCi.hi },
      { label: l.arm, indicator: "relationship-seeking", value: l.lexicalRelationship, lo: l.lexicalRelationshipCi.lo, hi: l.lexicalRelationshipCi.hi },
    ]), "indicator matches per response", { colour: "indicator" }) });
  }
  specs.push({ id: "position", spec: intervalChart("Share of judgements won by the first (left) position, 95% CI", r.positionBias.map((p) => ({ label: p.population, value: p.firstChosen, lo: p.ci.lo, hi: p.ci.hi })), "first position chosen", { rule: 0.5 }) });
  const ref = r.settings.referencePopulation ?? "human";
  const agreeRows: Row[] = [
    ...r.fidelity.testRetest.map((t) => ({ label: `${t.population} test–retest`, value: t.agreement, lo: t.ci.lo, hi: t.ci.hi })),
    ...(r.fidelity.replay ? [{ label: `twin vs its ${ref}`, value: r.fidelity.replay.agreement, lo: r.fidelity.replay.ci.lo, hi: r.fidelity.replay.ci.hi }] : []),
  ];
  if (agreeRows.length) specs.push({ id: "agreement", spec: intervalChart(`Agreement: ${ref} self-consistency (ceiling) vs twin replay`, agreeRows, "agreement", { rule: 0.5 }) });
  if (r.topics) {
    const pops2 = Object.keys(r.topics.topics[0]?.share ?? {});
    specs.push({
      id: "topics",
      spec: {
        ...base(`Topic mix of opening messages (${r.topics.embedder}, k = ${r.topics.k})`, r.topics.topics.flatMap((t) => pops2.map((p) => ({ topic: t.label, population: p, share: t.share[p] ?? 0 })))),
        width: 360, mark: "bar",
        encoding: { y: { field: "population", type: "nominal", title: null }, x: { field: "share", type: "quantitative", stack: "normalize", title: "share of conversations" }, color: { field: "topic", type: "nominal", legend: { orient: "bottom", columns: 2, labelLimit: 260 } } },
      } as unknown as TopLevelSpec,
    });
  }
  const dyn = r.dynamics.byTurn.filter((c) => c.rating !== null);
  if (dyn.length) {
    specs.push({
      id: "dynamics",
      spec: {
        ...base("Bradley–Terry rating by turn", dyn.map((c) => ({ population: c.population, turn: c.step, arm: c.arm, rating: c.rating }))),
        width: 260, height: 180, mark: { type: "line", point: true },
        encoding: { column: { field: "population", type: "nominal", title: null }, x: { field: "turn", type: "ordinal" }, y: { field: "rating", type: "quantitative", title: `rating vs ${r.settings.anchor}` }, color: { field: "arm", type: "nominal" } },
      } as unknown as TopLevelSpec,
    });
  }
  return specs;
}
