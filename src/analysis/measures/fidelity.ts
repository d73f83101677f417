/**
 * Self-consistency and simulator fidelity: human test–retest agreement on probes (the ceiling),
 * replay agreement of each simulated twin with its human on the same comparisons, rank correlation
 * of the arm hierarchies, and inter-judge agreement for battle tables with several judges per item.
 */
import { Rng } from "../../core/rng.js";
import { judgementOf, onePerJudgement, type Comparison, type Interval, type ParticipantInfo } from "../types.js";
import { clusterBootstrap, percentileInterval } from "../stats/bootstrap.js";
import { kendallTauB, krippendorffAlphaNominal, spearman } from "../stats/agreement.js";

/** The verdict of a judgement as the chosen arm's name or "tie" (position-free). */
export function verdict(c: Comparison): string {
  const j = judgementOf(c);
  return j.choicePosition === null ? "tie" : j.arms[j.choicePosition]!;
}

export interface AgreementRate {
  population: string;
  agreement: number;
  ci: Interval;
  pairs: number;
  participants: number;
}

function rateWithCi(matches: { participant: string; agree: number }[], population: string, rounds: number, rng: Rng): AgreementRate {
  const parts = [...new Set(matches.map((m) => m.participant))].sort();
  const pIdx = new Map(parts.map((p, i) => [p, i]));
  const a = new Float64Array(parts.length);
  const n = new Float64Array(parts.length);
  for (const m of matches) {
    const i = pIdx.get(m.participant)!;
    a[i]! += m.agree;
    n[i]! += 1;
  }
  const stat = (idx: Int32Array | null): number[] => {
    let s = 0, t = 0;
    const k = idx ? idx.length : parts.length;
    for (let j = 0; j < k; j++) {
      const i = idx ? idx[j]! : j;
      s += a[i]!;
      t += n[i]!;
    }
    return [t > 0 ? s / t : NaN];
  };
  const reps = clusterBootstrap(parts.length, rounds, rng, stat);
  return { population, agreement: stat(null)[0]!, ci: percentileInterval(reps.map((r) => r[0]!)), pairs: matches.length, participants: parts.length };
}

/** Test–retest: a probe agrees when it names the same arm (or tie) as the judgement it repeats. */
export function testRetest(comps: readonly Comparison[], rounds: number, seed: number): AgreementRate[] {
  const byJudgement = new Map<string, Comparison>();
  for (const c of onePerJudgement(comps)) if (c.kind === "turn") byJudgement.set(c.judgement, c);
  const probes = onePerJudgement(comps).filter((c) => c.kind === "probe" && c.probeOf !== null);
  const pops = [...new Set(probes.map((c) => c.population))].sort();
  return pops.map((pop) => {
    const matches: { participant: string; agree: number }[] = [];
    for (const p of probes) {
      if (p.population !== pop) continue;
      const orig = byJudgement.get(p.probeOf!);
      if (!orig) continue;
      matches.push({ participant: p.participant, agree: verdict(orig) === verdict(p) ? 1 : 0 });
    }
    return rateWithCi(matches, pop, rounds, Rng.for(seed, "test-retest", pop));
  }).filter((r) => r.pairs > 0);
}

export interface ReplayAgreement extends AgreementRate {
  /** Twin agreement divided by the human test–retest ceiling. */
  ratioToCeiling: number | null;
  perTwin: { twin: string; human: string; agreement: number; pairs: number }[];
}

/**
 * Replay agreement: a simulated participant whose `twin_of` names a human judged the same
 * comparisons (the same response ids, in any positions); each shared comparison agrees when both
 * name the same arm (or both tie). Falls back to the same (conversation, turn, arm set).
 */
export function replayAgreement(comps: readonly Comparison[], participants: ReadonlyMap<string, ParticipantInfo>, ceiling: number | null, rounds: number, seed: number): ReplayAgreement | null {
  const humanTurns = new Map<string, Comparison>();
  const keyOf = (c: Comparison, owner: string): string[] => {
    const j = judgementOf(c);
    const keys: string[] = [];
    if (j.responses.every((r) => r !== null)) keys.push(`r:${owner}:${[...j.responses].sort().join("|")}`);
    keys.push(`t:${owner}:${c.conversation}:${c.turn}:${[...j.arms].sort().join("|")}`);
    return keys;
  };
  const judgements = onePerJudgement(comps);
  // Originals are humans, or oracles standing in for them; an oracle's twinOf names the profile it
  // was built from, not a participant whose judgements it replays.
  const isTwin = (id: string): boolean => participants.get(id)?.population === "simulated" && participants.get(id)?.twinOf != null;
  for (const c of judgements) if (c.kind === "turn" && !isTwin(c.participant)) for (const k of keyOf(c, c.participant)) if (!humanTurns.has(k)) humanTurns.set(k, c);
  const matches: { participant: string; agree: number; human: string }[] = [];
  for (const c of judgements) {
    if (c.kind !== "turn") continue;
    if (!isTwin(c.participant)) continue;
    const human = participants.get(c.participant)!.twinOf!;
    const orig = keyOf(c, human).map((k) => humanTurns.get(k)).find((x) => x !== undefined);
    if (!orig) continue;
    matches.push({ participant: c.participant, agree: verdict(orig) === verdict(c) ? 1 : 0, human });
  }
  if (matches.length === 0) return null;
  const rate = rateWithCi(matches, "simulated", rounds, Rng.for(seed, "replay"));
  const perTwinMap = new Map<string, { human: string; a: number; n: number }>();
  for (const m of matches) {
    const e = perTwinMap.get(m.participant) ?? { human: m.human, a: 0, n: 0 };
    e.a += m.agree;
    e.n += 1;
    perTwinMap.set(m.participant, e);
  }
  const perTwin = [...perTwinMap.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([twin, e]) => ({ twin, human: e.human, agreement: e.a / e.n, pairs: e.n }));
  return { ...rate, ratioToCeiling: ceiling && ceiling > 0 ? rate.agreement / ceiling : null, perTwin };
}

export interface RankCorrelation {
  a: string;
  b: string;
  spearman: number;
  kendall: number;
  sameOrder: boolean;
  arms: number;
}

export function rankCorrelation(a: string, ra: Record<string, number>, b: string, rb: Record<string, number>): RankCorrelation | null {
  const arms = Object.keys(ra).filter((k) => k in rb).sort();
  if (arms.length < 2) return null;
  const x = arms.map((k) => ra[k]!);
  const y = arms.map((k) => rb[k]!);
  const order = (v: number[]) => arms.map((k, i) => [k, v[i]!] as const).sort((p, q) => q[1] - p[1]).map((p) => p[0]).join(">");
  return { a, b, spearman: spearman(x, y), kendall: kendallTauB(x, y), sameOrder: order(x) === order(y), arms: arms.length };
}

export interface InterJudge {
  /** Items judged by ≥ 2 judges on the same model pair. */
  units: number;
  /** Mean share of agreeing judge pairs within a unit. */
  pairwiseAgreement: number;
  krippendorffAlpha: number;
}

/** Agreement between judges who judged the same item and model pair (verdicts position-free). */
export function interJudgeAgreement(comps: readonly Comparison[]): InterJudge | null {
  const units = new Map<string, string[]>();
  for (const c of onePerJudgement(comps)) {
    if (c.kind !== "turn") continue;
    const key = `${c.item}|${[...judgementOf(c).arms].sort().join("|")}`;
    const list = units.get(key) ?? [];
    list.push(verdict(c));
    units.set(key, list);
  }
  const multi = [...units.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]).filter((v) => v.length >= 2);
  if (multi.length === 0) return null;
  let agree = 0;
  for (const vals of multi) {
    let same = 0, pairs = 0;
    for (let i = 0; i < vals.length; i++) for (let j = i + 1; j < vals.length; j++) {
      pairs++;
      if (vals[i] === vals[j]) same++;
    }
    agree += same / pairs;
  }
  return { units: multi.length, pairwiseAgreement: agree / multi.length, krippendorffAlpha: krippendorffAlphaNominal(multi) };
}
