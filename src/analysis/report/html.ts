/** The self-contained report: inline CSS, inline SVG charts, tables and a methods paragraph. */
import type { AnalysisResults, ExportComparison } from "../analyse.js";
import type { Interval } from "../types.js";

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function fmt(x: number | null | undefined, d = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return x.toFixed(d);
}

function ci(i: Interval | null | undefined, d = 2): string {
  return i ? `[${fmt(i.lo, d)}, ${fmt(i.hi, d)}]` : "–";
}

function pval(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "–";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

function table(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

export function methodsParagraph(r: AnalysisResults): string {
  const bt = r.arms.bradleyTerry;
  const g = r.arms.glmm;
  const parts = [
    `We analysed ${r.input.turnComparisons} pairwise turn judgements (${r.input.probes} repeat probes) from ${Object.entries(r.input.participants).map(([p, n]) => `${n} ${p}`).join(", ")} participants comparing ${r.input.arms.length} arms (${r.input.arms.join(", ")}); the main comparison uses the ${r.settings.mainPopulation} population (${bt.nComparisons} judgements, ${bt.nParticipants} participants).`,
    `Bradley–Terry strengths were fitted by maximum likelihood (Newton–Raphson; ties counted as half a win to each side) relative to ${bt.anchor}, with 95% percentile intervals from ${bt.rounds} bootstrap resamples of participants (seed ${r.settings.seed}${bt.nonConverged ? `; ${bt.nonConverged} resamples needed a vanishing ridge` : ""}).`,
  ];
  if (g) parts.push(`A logistic mixed model with a random intercept per participant (${g.method}) estimated arm effects net of each participant's lean to one side (participant SD ${fmt(g.participantSd)}; population position bias ${fmt(g.positionBias.estimate)} log-odds, 95% CI ${ci(g.positionBias.ci)}); ${g.multiplicity}. ${g.contrasts.filter((c) => c.pHolm < 0.05).length} of ${g.contrasts.length} contrasts remain significant after Holm adjustment.`);
  const len = r.style.lengthOnly?.covariates[0];
  if (len) parts.push(`Length was controlled by adding the normalised length difference (L−R)/(L+R) of completion tokens to the Bradley–Terry model (Chatbot Arena's style control; ${fmt(len.perUnit)} log-odds per unit, 95% CI ${ci({ lo: len.ci.lo / len.scale, hi: len.ci.hi / len.scale })}, cluster-robust by participant); the length-controlled win rate is the mean predicted win probability over the same comparisons with the length term set to zero. The full style model adds list items, headers and bold spans.`);
  parts.push(`Sycophancy and relationship-seeking were measured by ${r.behaviours.indicators.sycophancy.length} and ${r.behaviours.indicators.relationship.length} regular-expression indicators (listed in the report)${r.settings.judge ? ` and by an LLM judge (${r.settings.judge}, rubric ${r.settings.judgeRubric}, both responses of a judgement in seeded random order, verdicts cached by canonical request)` : " (no LLM judge configured)"}; their effect on choices is estimated in the same Bradley–Terry model with the length difference as a covariate.`);
  const pb = r.positionBias.map((p) => `${p.population} ${fmt(p.firstChosen, 3)} ${ci(p.ci, 3)}`).join(", ");
  if (pb) parts.push(`Position bias is the share of decided judgements won by the first position (½ without bias for pairs, 1/n for n responses): ${pb}.`);
  const ref = r.settings.referencePopulation ?? "human";
  const tr = r.fidelity.testRetest.find((t) => t.population === ref);
  if (tr) parts.push(`${ref === "human" ? "Human" : `Reference-population (${ref})`} test–retest agreement on probes (same arm chosen when a comparison is re-shown with positions swapped) was ${fmt(tr.agreement, 3)} ${ci(tr.ci, 3)} over ${tr.pairs} probes.`);
  const rp = r.fidelity.replay;
  if (rp) parts.push(`Simulated twins replaying their ${ref}'s comparisons agreed with the ${ref} on ${fmt(rp.agreement, 3)} ${ci(rp.ci, 3)} of ${rp.pairs} comparisons${rp.ratioToCeiling !== null ? `, ${fmt(100 * rp.ratioToCeiling, 0)}% of the ${ref} ceiling` : ""}.`);
  const rc = r.fidelity.rankCorrelation;
  if (rc) parts.push(`The arm hierarchies of ${rc.a} and ${rc.b} participants correlate with Spearman ρ = ${fmt(rc.spearman)} (Kendall τ-b = ${fmt(rc.kendall)}).`);
  if (r.topics) parts.push(`Opening messages were embedded with ${r.topics.embedder} and clustered by seeded k-means++ into ${r.topics.k} topics labelled by their most distinctive words${r.topics.divergence ? `; the Jensen–Shannon divergence of the ${r.topics.divergence.a} and ${r.topics.divergence.b} topic mixes is ${fmt(r.topics.divergence.jsd, 3)} bits (95% participant-bootstrap CI ${ci(r.topics.divergence.ci, 3)}; the plug-in estimate is biased upwards in small samples)` : ""}.`);
  return parts.join(" ");
}

function section(title: string, body: string): string {
  return `<section><h2>${esc(title)}</h2>${body}</section>`;
}

export function renderHtml(r: AnalysisResults, charts: Map<string, string>, compare?: { other: AnalysisResults; comparison: ExportComparison }): string {
  const chart = (id: string) => (charts.has(id) ? `<figure>${charts.get(id)}</figure>` : "");
  const bt = r.arms.bradleyTerry;
  const g = r.arms.glmm;
  const sections: string[] = [];
  const h = r.headline;
  const top = [...h.arms].sort((a, b) => a.rank - b.rank);
  const refLabel = (r.settings.referencePopulation ?? "human").replace(/^./, (c) => c.toUpperCase());
  const summary = [
    `Ranking (Bradley–Terry vs ${r.settings.anchor}, 95% participant-bootstrap CI): ${top.map((a) => `${a.arm} ${fmt(a.rating)} [${fmt(a.ci.lo)}, ${fmt(a.ci.hi)}]`).join(" > ")}.`,
    h.significantContrasts.length ? `Significant after Holm: ${h.significantContrasts.join("; ")}.` : "No arm contrast significant after Holm.",
    top.some((a) => a.meanTotalTokens !== null) ? `Tokens per response: ${top.map((a) => `${a.arm} ${fmt(a.meanTotalTokens, 0)}`).join(", ")}.` : "",
    `First position chosen: ${Object.entries(h.positionBias).map(([p, v]) => `${p} ${fmt(v, 3)}`).join(", ")}.`,
    h.humanSelfConsistency !== null ? `${refLabel} self-consistency ${fmt(h.humanSelfConsistency, 3)}${h.twinHumanAgreement !== null ? `; twin–${r.settings.referencePopulation ?? "human"} agreement ${fmt(h.twinHumanAgreement, 3)} (${fmt(100 * (h.twinToCeilingRatio ?? NaN), 0)}% of the ceiling)` : ""}.` : "",
  ].filter(Boolean);
  sections.push(section("Summary", `<ul>${summary.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>`));
  sections.push(section("Methods", `<p class="methods">${esc(methodsParagraph(r))}</p>`));
  sections.push(section("Arms", chart("bt") + table(
    ["arm", "BT rating", "95% CI", "Elo", "rank [CI]", "win rate", "95% CI", "length-controlled", "GLMM effect ± SE", "centred rating [CI]"],
    bt.arms.map((a) => {
      const w = r.arms.winRates.arms.find((x) => x.arm === a.arm);
      const lc = r.style.lengthOnly?.arms.find((x) => x.arm === a.arm);
      const ge = g?.arms.find((x) => x.arm === a.arm);
      const cr = r.arms.ratings.find((x) => x.arm === a.arm);
      return [a.arm, fmt(a.rating, 3), ci(a.ci, 3), fmt(a.elo, 0), `${a.rank} [${fmt(a.rankCi.lo, 0)}–${fmt(a.rankCi.hi, 0)}]`, fmt(w?.winRate, 3), ci(w?.ci, 3), fmt(lc?.controlledWinRate, 3), ge ? `${fmt(ge.effect, 3)} ± ${fmt(ge.se, 3)}` : "–", cr ? `${fmt(cr.centred, 2)} ${ci(cr.ci)}` : "–"];
    }),
  ) + chart("winmatrix") + (g ? `<h3>Contrasts (${esc(g.multiplicity)})</h3>` + table(
    ["contrast", "BT diff", "bootstrap 95% CI", "bootstrap p", "Holm", "GLMM diff", "z", "p", "Holm"],
    g.contrasts.map((c) => [`${c.a} − ${c.b}`, fmt(bt.contrasts.find((x) => x.a === c.a && x.b === c.b)?.diff, 3), ci(c.btCi, 3), pval(c.btP), pval(c.btPHolm), fmt(c.diff, 3), fmt(c.z, 2), pval(c.p), pval(c.pHolm)]),
  ) : "")));
  if (r.arms.subgroups.length) sections.push(section("Subgroups", `<p>Each arm's head-to-head win rate against ${esc(r.settings.anchor)} within groups of participants (95% participant-bootstrap CI; twins take the group of the participant they simulate).</p>` + table(
    ["grouping", "group", "participants", "judgements", ...r.arms.subgroups[0]!.vsAnchor.map((a) => `${a.arm} vs ${r.settings.anchor}`)],
    r.arms.subgroups.map((g) => [g.grouping, g.group, g.participants, g.comparisons, ...g.vsAnchor.map((a) => (a.n ? `${fmt(a.winRateVsAnchor, 3)} ${ci(a.ci, 3)} (n ${a.n})` : "–"))]),
  )));
  const st = r.style.full;
  if (st) sections.push(section("Length and style", chart("lengthcontrol") + table(["covariate", "coef (per SD)", "95% CI", "p", "per unit"], [...(r.style.lengthOnly?.covariates ?? []).map((c) => [`${c.name} (alone)`, fmt(c.coef, 3), ci(c.ci, 3), pval(c.p), fmt(c.perUnit, 3)]), ...st.covariates.map((c) => [c.name, fmt(c.coef, 3), ci(c.ci, 3), pval(c.p), fmt(c.perUnit, 3)])])
    + (st.dropped.length ? `<p>Dropped (constant or collinear): ${esc(st.dropped.join(", "))}.</p>` : "")
    + table(["arm", "raw rating", "style-controlled rating", "raw win rate", "style-controlled win rate"], st.arms.map((a) => [a.arm, fmt(a.rawRating, 3), fmt(a.controlledRating, 3), fmt(a.rawWinRate, 3), fmt(a.controlledWinRate, 3)]))));
  const bl = r.behaviours.levels;
  if (bl.length) {
    const eff = r.behaviours.effectOnChoices;
    sections.push(section("Behaviours", chart("behaviours") + table(["arm", "responses", "sycophancy (lexical)", "share with any", "relationship (lexical)", "share with any", "judge sycophancy (1–7)", "judge relationship (1–7)"],
      bl.map((l) => [l.arm, l.responses, `${fmt(l.lexicalSycophancy, 3)} ${ci(l.lexicalSycophancyCi, 3)}`, fmt(l.lexicalSycophancyRate, 3), `${fmt(l.lexicalRelationship, 3)} ${ci(l.lexicalRelationshipCi, 3)}`, fmt(l.lexicalRelationshipRate, 3), fmt(l.judgeSycophancy), fmt(l.judgeRelationship)]))
      + (eff ? "<h3>Effect on choices, controlling for length</h3>" + table(["covariate", "coef (per SD)", "95% CI", "p"], eff.covariates.map((c) => [c.name, fmt(c.coef, 3), ci(c.ci, 3), pval(c.p)])) : "")
      + (r.behaviours.judge ? `<p>LLM judge ${esc(r.behaviours.judge.model)}: ${r.behaviours.judge.requests} requests, ${r.behaviours.judge.cached} from cache, ${r.behaviours.judge.failed} failed; left response shown first in ${fmt(100 * r.behaviours.judge.leftFirstShare, 1)}% of requests.</p>` : "")
      + `<details><summary>Lexical indicators (regular expressions)</summary><pre>${esc(JSON.stringify(r.behaviours.indicators, null, 2))}</pre></details>`));
  }
  if (r.tokens.length) sections.push(section("Tokens and cost", chart("tokens") + table(["arm", "responses", "prompt tokens", "completion tokens", "total per response", "wins", "tokens per win", "cost per win"],
    r.tokens.map((t) => [t.arm, t.responses, fmt(t.meanPromptTokens, 1), fmt(t.meanCompletionTokens, 1), fmt(t.meanTotalTokens, 1), fmt(t.wins, 1), fmt(t.tokensPerWin, 0), t.costPerWin === null ? "–" : fmt(t.costPerWin, 5)]))));
  sections.push(section("Position bias", chart("position") + table(["population", "first chosen", "95% CI", "without bias", "tie rate", "judgements", "participants"], r.positionBias.map((p) => [p.population, fmt(p.firstChosen, 3), ci(p.ci, 3), fmt(p.expected, 3), fmt(p.tieRate, 3), p.n, p.participants]))));
  const f = r.fidelity;
  const fid: string[] = [chart("agreement")];
  if (f.testRetest.length) fid.push(table(["population", "test–retest agreement", "95% CI", "probes", "participants"], f.testRetest.map((t) => [t.population, fmt(t.agreement, 3), ci(t.ci, 3), t.pairs, t.participants])));
  if (f.replay) fid.push(table(["twin replay agreement", "95% CI", "comparisons", "twins", `ratio to ${r.settings.referencePopulation ?? "human"} ceiling`], [[fmt(f.replay.agreement, 3), ci(f.replay.ci, 3), f.replay.pairs, f.replay.participants, fmt(f.replay.ratioToCeiling, 3)]]));
  if (f.rankCorrelation) fid.push(`<p>Rank correlation of arm hierarchies (${esc(f.rankCorrelation.a)} vs ${esc(f.rankCorrelation.b)}): Spearman ρ = ${fmt(f.rankCorrelation.spearman)}, Kendall τ-b = ${fmt(f.rankCorrelation.kendall)}, same order: ${f.rankCorrelation.sameOrder ? "yes" : "no"}.</p>`);
  if (f.interJudge) fid.push(`<p>Inter-judge agreement on ${f.interJudge.units} items judged by several judges: pairwise ${fmt(f.interJudge.pairwiseAgreement, 3)}, Krippendorff's α (nominal) ${fmt(f.interJudge.krippendorffAlpha, 3)}.</p>`);
  if (fid.length > 1 || fid[0]) sections.push(section("Self-consistency and simulator fidelity", (r.settings.referencePopulation === "oracle" ? "<p>The reference population here is <strong>oracle participants</strong>: synthetic judges that choose by a planted preference model, standing in for humans. Their self-consistency reflects the planted noise, not human behaviour.</p>" : "") + fid.join("")));
  if (r.topics) sections.push(section("Topics", chart("topics") + table(["topic", "distinctive words", "conversations", ...Object.keys(r.topics.topics[0]?.share ?? {}).map((p) => `share ${p}`), "example"],
    r.topics.topics.map((t) => [t.label, t.words.join(", "), t.size, ...Object.values(t.share).map((v) => fmt(v, 3)), t.example]))
    + (r.topics.divergence ? `<p>Jensen–Shannon divergence ${esc(r.topics.divergence.a)} vs ${esc(r.topics.divergence.b)}: ${fmt(r.topics.divergence.jsd, 3)} bits ${ci(r.topics.divergence.ci, 3)}.</p>` : "")));
  if (r.dynamics.byTurn.length) sections.push(section("Feedback dynamics", chart("dynamics") + `<p>Mean |${esc(r.settings.referencePopulation ?? "human")} − simulated| Bradley–Terry rating across turns: ${fmt(r.dynamics.turnDivergence, 3)}; across session thirds: ${fmt(r.dynamics.sessionDivergence, 3)}.</p>`
    + table(["population", "session third", "arm", "rating", "win rate", "centred rating", "n"], r.dynamics.bySession.map((c) => [c.population, ["early", "middle", "late"][c.step] ?? String(c.step), c.arm, fmt(c.rating, 3), fmt(c.winRate, 3), fmt(c.centredRating, 2), c.n]))));
  if (compare) {
    const c = compare.comparison;
    sections.push(section(`Side by side: ${c.labels[0]} vs ${c.labels[1]}`, table(["arm", `${c.labels[0]} rating [CI]`, `${c.labels[1]} rating [CI]`], c.arms.map((a) => [a.arm, a.a ? `${fmt(a.a.rating, 3)} ${ci(a.a.ci, 3)}` : "–", a.b ? `${fmt(a.b.rating, 3)} ${ci(a.b.ci, 3)}` : "–"]))
      + (c.rankCorrelation ? `<p>Spearman ρ = ${fmt(c.rankCorrelation.spearman)}, Kendall τ-b = ${fmt(c.rankCorrelation.kendall)}.</p>` : "")
      + table(["export", "population", "first position chosen [CI]"], [...c.positionBias.a.map((p) => [c.labels[0], p.population, `${fmt(p.firstChosen, 3)} ${ci(p.ci, 3)}`]), ...c.positionBias.b.map((p) => [c.labels[1], p.population, `${fmt(p.firstChosen, 3)} ${ci(p.ci, 3)}`])])
      + (compare.other.headline.humanSelfConsistency !== null || r.headline.humanSelfConsistency !== null ? table(["export", `${r.settings.referencePopulation ?? "human"} self-consistency`, "twin agreement"], [[c.labels[0], fmt(r.headline.humanSelfConsistency, 3), fmt(r.headline.twinHumanAgreement, 3)], [c.labels[1], fmt(compare.other.headline.humanSelfConsistency, 3), fmt(compare.other.headline.twinHumanAgreement, 3)]]) : "")));
  }
  const css = `body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}figure{margin:1em 0}p.methods{line-height:1.5}pre{font-size:.8em;white-space:pre-wrap}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prismx analysis report</title><style>${css}</style></head>
<body><h1>prismx analysis report</h1><p>Input: ${esc(r.input.source)} <code>${esc(r.input.origin)}</code> · seed ${r.settings.seed} · ${r.settings.rounds} bootstrap rounds · anchor arm ${esc(r.settings.anchor)}</p>
${sections.join("\n")}
</body></html>
`;
}
