/**
 * The planner: for one participant, from the study seed, decides which arms meet in which
 * conversation, in which order, on which domain, at which screen positions, where attention
 * checks go and which comparisons come back as probes.
 *
 * Order is counterbalanced across participants with a Williams design (each item preceded by
 * every other equally often), indexed by the participant's enrolment order; everything else is
 * drawn from `Rng.for(seed, "plan", participant)`, so adding a participant reshuffles no one else.
 */
import { Rng, type StudyConfig } from "../core/index.js";
import type { Plan, PlannedAttentionCheck, PlannedConversation, PlannedProbe, Step } from "./types.js";

/**
 * Williams design for `n` treatments: rows of a Latin square balanced for first-order carry-over
 * (n rows when n is even, 2n when odd). Hand-written: a few lines, no maintained npm package does it.
 */
export function williamsDesign(n: number): number[][] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`williamsDesign: n must be a positive integer, got ${n}`);
  const first: number[] = [0];
  for (let lo = 1, hi = n - 1, i = 1; i < n; i++) first.push(i % 2 === 1 ? lo++ : hi--);
  const rows = Array.from({ length: n }, (_, r) => first.map((x) => (x + r) % n));
  return n % 2 === 0 ? rows : [...rows, ...rows.map((row) => row.slice().reverse())];
}

/** All unordered pairs of arm ids, in arm order. */
export function armPairs(arms: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < arms.length; i++) for (let j = i + 1; j < arms.length; j++) out.push([arms[i]!, arms[j]!]);
  return out;
}

/** Neutral label for a screen position: A, B, C, … */
export function labelFor(position: number): string {
  return position < 26 ? String.fromCharCode(65 + position) : `R${position + 1}`;
}

/** Conversations per participant when the study does not say: every pair (or every arm) once. */
export function defaultConversations(config: StudyConfig): number {
  const n = config.arms.length;
  switch (config.protocol.mode) {
    case "pairwise": return (n * (n - 1)) / 2;
    case "all-arms": return config.domains.length;
    case "sequential": return n;
  }
}

const ATTENTION_BANK: readonly { question: string; expected: string; options: readonly string[] }[] = [
  { question: "To show that you are reading carefully, please choose 'Purple' below.", expected: "Purple", options: ["Red", "Purple", "Green", "Blue"] },
  { question: "This is an attention check. Please select the option 'Strongly disagree'.", expected: "Strongly disagree", options: ["Strongly agree", "Agree", "Disagree", "Strongly disagree"] },
  { question: "Please pick the number that is written as 'seven' to continue.", expected: "7", options: ["3", "5", "7", "9"] },
  { question: "Attention check: which of these is a fruit? Choose 'Apple'.", expected: "Apple", options: ["Chair", "Apple", "River", "Pencil"] },
];

export interface PlanFor {
  participantId: string;
  /** Enrolment order: the row of the counterbalancing design. */
  index: number;
  /** Draw random streams as for this participant (a replay twin passes its human's id). */
  planOf?: string | null;
}

/** The participant's whole schedule. Pure and deterministic in (config, participant, index). */
export function planParticipant(config: StudyConfig, who: PlanFor): Plan {
  if (!Number.isInteger(who.index) || who.index < 0) throw new RangeError(`planParticipant: index must be a non-negative integer, got ${who.index}`);
  const planOf = who.planOf ?? who.participantId;
  const rng = Rng.for(config.seed, "plan", planOf);
  // Study-level shuffle of arm order: which arm is "treatment 0" of the design is itself random,
  // but the same for everyone, so the design's balance holds across the cohort.
  const design = Rng.for(config.seed, "design");
  const arms = design.shuffle(config.arms.map((a) => a.id));
  const { mode } = config.protocol;
  const nConv = config.protocol.conversations ?? defaultConversations(config);
  const { min, max } = config.protocol.turns;
  const domains = config.domains;

  const conversations: PlannedConversation[] = [];
  const domainOf = (c: number): (typeof domains)[number] => domains[(c + who.index) % domains.length]!;

  if (mode === "pairwise") {
    const pairs = design.shuffle(armPairs(arms));
    const rows = williamsDesign(pairs.length);
    const order: [string, string][] = [];
    for (let rep = 0; order.length < nConv; rep++) {
      for (const k of rows[(who.index + rep) % rows.length]!) if (order.length < nConv) order.push(pairs[k]!);
    }
    // Left/right: for each pair, over all its planned turns, each arm is on the left equally often
    // (the odd one out by coin flip), in random order.
    const flips = new Map<string, boolean[]>();
    for (const [a, b] of order) {
      const key = `${a}\u0000${b}`;
      if (flips.has(key)) continue;
      const slots = order.filter(([x, y]) => x === a && y === b).length * max;
      const half = Math.floor(slots / 2);
      const f = Array.from({ length: slots }, (_, i) => i < half || (i === slots - 1 && slots % 2 === 1 && rng.bool()));
      flips.set(key, rng.shuffle(f));
    }
    order.forEach(([a, b], c) => {
      const f = flips.get(`${a}\u0000${b}`)!;
      conversations.push({
        index: c, domain: domainOf(c), arms: [a, b],
        turns: Array.from({ length: max }, () => ({ arms: f.pop() ? [b, a] : [a, b], tieBreak: rng.int(0, 1) })),
      });
    });
  } else if (mode === "all-arms") {
    const rows = williamsDesign(arms.length);
    for (let c = 0; c < nConv; c++) {
      const row = rows[(who.index * nConv + c) % rows.length]!;
      const shown = row.map((k) => arms[k]!);
      conversations.push({
        index: c, domain: domainOf(c), arms: shown,
        turns: Array.from({ length: max }, (_, t) => ({ arms: t === 0 ? shown : [], tieBreak: rng.int(0, arms.length - 1) })),
      });
    }
  } else {
    const rows = williamsDesign(arms.length);
    const order: string[] = [];
    for (let rep = 0; order.length < nConv; rep++) {
      for (const k of rows[(who.index + rep) % rows.length]!) if (order.length < nConv) order.push(arms[k]!);
    }
    order.forEach((arm, c) => {
      conversations.push({ index: c, domain: domainOf(c), arms: [arm], turns: Array.from({ length: max }, () => ({ arms: [arm], tieBreak: 0 })) });
    });
  }

  // Probes: comparisons that surely happen (a turn before `min`, where several responses are shown).
  const eligible: { conversation: number; turn: number }[] = [];
  if (mode !== "sequential") {
    for (const conv of conversations) {
      const lastTurn = mode === "all-arms" ? 0 : min - 1;
      for (let t = 0; t <= lastTurn; t++) eligible.push({ conversation: conv.index, turn: t });
    }
  }
  const probes: PlannedProbe[] = rng.sample(eligible, config.protocol.probes)
    .sort((x, y) => x.conversation - y.conversation || x.turn - y.turn)
    .map((p, i) => ({ index: i, ...p }));

  const nChecks = config.protocol.attentionChecks;
  const attentionChecks: PlannedAttentionCheck[] = Array.from({ length: nChecks }, (_, i) => {
    const item = ATTENTION_BANK[(rng.int(0, ATTENTION_BANK.length - 1) + i) % ATTENTION_BANK.length]!;
    return { index: i, question: item.question, options: rng.shuffle(item.options), expected: item.expected };
  });
  // Each check goes after a random conversation (never before the first), spread out.
  const after = Array.from({ length: nChecks }, (_, i) =>
    nConv >= nChecks ? -1 : i % nConv);
  if (nConv >= nChecks) rng.sample(Array.from({ length: nConv }, (_, c) => c), nChecks).sort((a, b) => a - b).forEach((c, i) => { after[i] = c; });

  const steps: Step[] = [];
  for (let c = 0; c < nConv; c++) {
    steps.push({ kind: "conversation", conversation: c });
    after.forEach((a, i) => { if (a === c) steps.push({ kind: "attention", check: i }); });
  }
  for (const p of probes) steps.push({ kind: "probe", probe: p.index });

  return {
    studyId: config.id, participantId: who.participantId, index: who.index, planOf, mode,
    turns: { min, max }, judgements: config.judgements, conversations, probes, attentionChecks, steps,
  };
}
