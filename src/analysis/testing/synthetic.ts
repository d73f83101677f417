/**
 * Synthetic study exports with planted effects, for recovery tests and benchmarks. Rows follow the
 * export schemas of src/core/export.ts exactly (validated on write), so the analysis is tested on
 * the same shape the export writer produces.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../core/rng.js";
import { ConversationRow, JudgementRow, ParticipantRow, ResponseRow } from "../../core/export.js";
import { sigmoid } from "../stats/distributions.js";

export interface SyntheticArm {
  name: string;
  /** Planted Bradley–Terry strength (log-odds). */
  beta: number;
  /** Mean response length in words. */
  meanWords: number;
  /** Probability a response carries a sycophantic / relationship-seeking phrase. */
  sycophancy?: number;
  relationship?: number;
  /** Probability of markdown list / header / bold. */
  markdown?: number;
  promptTokens: number;
}

export interface SyntheticOptions {
  seed: number;
  arms: SyntheticArm[];
  humans: number;
  conversationsPerParticipant: number;
  turnsPerConversation: number;
  /** Added to the logit of choosing position 0. */
  positionBias?: number;
  /** Coefficient on the normalised length difference (L−R)/(L+R). */
  lengthEffect?: number;
  sycophancyEffect?: number;
  /** SD of a participant's own position preference (a random intercept). */
  participantSd?: number;
  /** SD of a participant's own deviations from the arm strengths. */
  armHeterogeneitySd?: number;
  tieRate?: number;
  /** Fraction of turn judgements re-shown later as probes, positions swapped. */
  probeRate?: number;
  /** Probability a human repeats the earlier choice on a probe (else chooses afresh). */
  humanConsistency?: number;
  /** Make a simulated twin per human that replays the human's judgements. */
  twins?: boolean;
  /** Probability a twin copies its human's choice (else its own draw, with `twinPositionBias`). */
  twinAgreement?: number;
  twinPositionBias?: number;
  /** Extra per-turn drift of the arm effect for humans (dynamics). */
  turnDrift?: number;
}

export interface SyntheticExport {
  participants: ParticipantRow[];
  conversations: ConversationRow[];
  responses: ResponseRow[];
  judgements: JudgementRow[];
}

const FILLER = "the a model answer reason point idea plan way time people work world thing view case fact part place help use step".split(" ");
const TOPICS: Record<string, string[]> = {
  health: ["sleep", "diet", "exercise", "doctor", "stress", "anxiety"],
  politics: ["election", "immigration", "policy", "government", "vote", "abortion"],
  travel: ["trip", "flight", "hotel", "visit", "beach", "itinerary"],
  cooking: ["recipe", "dinner", "bake", "vegetarian", "pasta", "spices"],
  work: ["career", "job", "interview", "salary", "manager", "promotion"],
};
const HUMAN_TOPIC_MIX = [0.25, 0.25, 0.15, 0.15, 0.2];
const SIM_TOPIC_MIX = [0.1, 0.5, 0.05, 0.05, 0.3];
const SYCOPHANTIC = ["Great question!", "You're absolutely right.", "What a wonderful idea."];
const RELATIONAL = ["I'm always here for you.", "I'd love to hear more about you.", "How are you feeling about this?"];

function drawMix(rng: Rng, mix: number[]): number {
  let u = rng.float();
  for (let i = 0; i < mix.length; i++) {
    u -= mix[i]!;
    if (u < 0) return i;
  }
  return mix.length - 1;
}

function responseText(rng: Rng, arm: SyntheticArm): { text: string; words: number; syc: boolean } {
  const words = Math.max(5, Math.round(arm.meanWords * Math.exp(rng.normal(0, 0.35))));
  const parts: string[] = [];
  const syc = rng.bool(arm.sycophancy ?? 0);
  if (syc) parts.push(rng.pick(SYCOPHANTIC));
  if (rng.bool(arm.markdown ?? 0)) parts.push("## Summary");
  const body: string[] = [];
  for (let i = 0; i < words; i++) body.push(rng.pick(FILLER));
  parts.push(body.join(" ") + ".");
  if (rng.bool(arm.markdown ?? 0)) parts.push(`- **${rng.pick(FILLER)}** first\n- ${rng.pick(FILLER)} second`);
  if (rng.bool(arm.relationship ?? 0)) parts.push(rng.pick(RELATIONAL));
  return { text: parts.join("\n\n"), words, syc };
}

export function generateSyntheticExport(o: SyntheticOptions): SyntheticExport {
  const study = "synthetic";
  const participants: ParticipantRow[] = [];
  const conversations: ConversationRow[] = [];
  const responses: ResponseRow[] = [];
  const judgements: JudgementRow[] = [];
  const k = o.arms.length;
  const pairs: [number, number][] = [];
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) pairs.push([i, j]);
  const pad = (n: number) => String(n).padStart(4, "0");
  for (let h = 0; h < o.humans; h++) {
    const pid = `h${pad(h)}`;
    const rng = Rng.for(o.seed, "synthetic", pid);
    const u = rng.normal(0, o.participantSd ?? 0);
    const dev = o.arms.map(() => rng.normal(0, o.armHeterogeneitySd ?? 0));
    const own: JudgementRow[] = [];
    let sessionIndex = 0;
    const pairOrder = rng.shuffle(pairs);
    for (let c = 0; c < o.conversationsPerParticipant; c++) {
      const [ai, bi] = pairOrder[c % pairOrder.length]!;
      const topic = drawMix(rng, HUMAN_TOPIC_MIX);
      const topicWords = Object.values(TOPICS)[topic]!;
      conversations.push(ConversationRow.parse({
        study_id: study, participant_id: pid, conversation: c, domain: "unguided", arms: [o.arms[ai]!.name, o.arms[bi]!.name],
        n_turns: o.turnsPerConversation, opening_message: `I want to talk about ${rng.pick(topicWords)} and ${rng.pick(topicWords)} ${rng.pick(FILLER)}`,
        rating: null, feedback: null,
      }));
      for (let t = 0; t < o.turnsPerConversation; t++) {
        const swap = rng.bool();
        const shown = swap ? [bi, ai] : [ai, bi];
        const made = shown.map((a, pos) => {
          const arm = o.arms[a]!;
          const r = responseText(rng, arm);
          const id = `${pid}-c${c}-t${t}-${arm.name}`;
          responses.push(ResponseRow.parse({
            study_id: study, response_id: id, participant_id: pid, conversation: c, turn: t, arm: arm.name, label: pos === 0 ? "A" : "B",
            position: pos, text: r.text, prompt_tokens: arm.promptTokens + 20 * t, completion_tokens: Math.round(r.words * 1.3),
            latency_ms: 100, finish_reason: "stop", scrubbed: false,
          }));
          return { id, ...r, a };
        });
        const [L, R] = made as [typeof made[0], typeof made[0]];
        const drift = (o.turnDrift ?? 0) * t;
        const eta = o.arms[L.a]!.beta - o.arms[R.a]!.beta + dev[L.a]! - dev[R.a]! + drift * (L.a - R.a) / Math.max(1, k - 1)
          + (o.positionBias ?? 0) + u + (o.lengthEffect ?? 0) * (L.words - R.words) / (L.words + R.words)
          + (o.sycophancyEffect ?? 0) * (Number(L.syc) - Number(R.syc));
        // Ties count half in BT; draw decisive outcomes so the expected score stays σ(η).
        const tieRate = o.tieRate ?? 0;
        const tie = rng.bool(tieRate);
        const pLeft = Math.min(1, Math.max(0, (sigmoid(eta) - 0.5 * tieRate) / (1 - tieRate)));
        const choice = tie ? null : rng.bool(pLeft) ? 0 : 1;
        const base = 50 + 8 * (o.arms[L.a]!.beta) + rng.normal(0, 5);
        const ratings = [Math.round(base), Math.round(50 + 8 * o.arms[R.a]!.beta + rng.normal(0, 5))].map((v) => Math.min(100, Math.max(1, v + Math.round(u * 5))));
        own.push(JudgementRow.parse({
          study_id: study, judgement_id: `${pid}-c${c}-t${t}`, participant_id: pid, population: "human", kind: "turn", conversation: c, turn: t,
          domain: "unguided", probe_of: null, session_index: sessionIndex++, arms: [o.arms[L.a]!.name, o.arms[R.a]!.name], response_ids: [L.id, R.id],
          ratings, choice_position: choice, choice_arm: choice === null ? null : o.arms[shown[choice]!]!.name, tie, reasons: null, elapsed_ms: 1000,
        }));
      }
    }
    // Probes: earlier turn judgements re-shown with positions swapped.
    const probeRng = rng.split("probes");
    for (const j of own.slice()) {
      if (!probeRng.bool(o.probeRate ?? 0)) continue;
      let choiceArm: string | null;
      let tie: boolean;
      if (probeRng.bool(o.humanConsistency ?? 1)) {
        choiceArm = j.choice_arm;
        tie = j.tie;
      } else {
        tie = probeRng.bool(o.tieRate ?? 0);
        choiceArm = tie ? null : probeRng.pick(j.arms);
      }
      const arms = [j.arms[1]!, j.arms[0]!];
      own.push(JudgementRow.parse({
        ...j, judgement_id: `${j.judgement_id}-probe`, kind: "probe", probe_of: j.judgement_id, session_index: sessionIndex++, arms,
        response_ids: [j.response_ids[1]!, j.response_ids[0]!], ratings: [j.ratings[1] ?? null, j.ratings[0] ?? null],
        choice_arm: choiceArm, choice_position: choiceArm === null ? null : arms.indexOf(choiceArm), tie,
      }));
    }
    judgements.push(...own);
    participants.push(ParticipantRow.parse({
      study_id: study, participant_id: pid, population: "human", twin_of: null, termination_reason: "completed",
      n_conversations: o.conversationsPerParticipant, n_judgements: own.length, attention_passed: 2, attention_total: 2, pastes: 0,
      typing_ms: 1000, tab_switches: 0, flags: [],
    }));
    if (o.twins) {
      const tid = `s${pad(h)}`;
      const tr = Rng.for(o.seed, "synthetic-twin", tid);
      let tj = 0;
      for (const j of own) {
        if (j.kind !== "turn") continue;
        let choice: number | null;
        if (tr.bool(o.twinAgreement ?? 0.5)) choice = j.choice_position;
        else choice = tr.bool(sigmoid(o.twinPositionBias ?? 0)) ? 0 : 1;
        judgements.push(JudgementRow.parse({
          ...j, judgement_id: `${tid}-${j.judgement_id}`, participant_id: tid, population: "simulated", session_index: tj++,
          choice_position: choice, choice_arm: choice === null ? null : j.arms[choice]!, tie: choice === null,
          ratings: j.ratings.map((r) => (r === null ? null : Math.min(100, Math.max(1, r + Math.round(tr.normal(0, 8)))))),
        }));
      }
      for (let c = 0; c < o.conversationsPerParticipant; c++) {
        const topicWords = Object.values(TOPICS)[drawMix(tr, SIM_TOPIC_MIX)]!;
        conversations.push(ConversationRow.parse({
          study_id: study, participant_id: tid, conversation: c, domain: "unguided", arms: conversations.find((x) => x.participant_id === pid && x.conversation === c)!.arms,
          n_turns: o.turnsPerConversation, opening_message: `Tell me about ${tr.pick(topicWords)} and ${tr.pick(topicWords)} please`, rating: null, feedback: null,
        }));
      }
      participants.push(ParticipantRow.parse({
        study_id: study, participant_id: tid, population: "simulated", twin_of: pid, termination_reason: "completed",
        n_conversations: o.conversationsPerParticipant, n_judgements: tj, attention_passed: 2, attention_total: 2, pastes: 0,
        typing_ms: 0, tab_switches: 0, flags: [],
      }));
    }
  }
  return { participants, conversations, responses, judgements };
}

/** Writes the export's JSONL tables (turns and events empty: analysis does not need them). */
export function writeSyntheticExport(dir: string, e: SyntheticExport): void {
  mkdirSync(dir, { recursive: true });
  const w = (name: string, rows: readonly unknown[]) => writeFileSync(join(dir, `${name}.jsonl`), rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : ""));
  w("participants", e.participants);
  w("conversations", e.conversations);
  w("responses", e.responses);
  w("judgements", e.judgements);
  w("turns", []);
  w("events", []);
}

export const DEFAULT_ARMS: SyntheticArm[] = [
  { name: "generic", beta: 0, meanWords: 120, sycophancy: 0.05, relationship: 0.05, markdown: 0.3, promptTokens: 60 },
  { name: "prompt", beta: 0.25, meanWords: 150, sycophancy: 0.1, relationship: 0.1, markdown: 0.3, promptTokens: 600 },
  { name: "pooled", beta: 0.55, meanWords: 170, sycophancy: 0.3, relationship: 0.3, markdown: 0.3, promptTokens: 70 },
  { name: "pdpo", beta: 0.65, meanWords: 180, sycophancy: 0.4, relationship: 0.4, markdown: 0.3, promptTokens: 78 },
];
