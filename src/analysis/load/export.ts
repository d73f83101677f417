/** A prismx study export directory → the analysis' Dataset. */
import { join } from "node:path";
import { existsSync, statSync } from "node:fs";
import { ConversationRow, JudgementRow, ParticipantRow, ResponseRow } from "../../core/export.js";
import { UserError } from "../../core/errors.js";
import type { Comparison, Dataset, ParticipantInfo, RatingObs, ResponseInfo } from "../types.js";
import { readJsonl } from "./jsonl.js";

/**
 * Judgement rows → pairwise comparisons. Two responses: one comparison. More than two: the chosen
 * response beats each other one (ties: every pair half), left = the lower position.
 */
export function judgementsToComparisons(rows: readonly JudgementRow[]): Comparison[] {
  const out: Comparison[] = [];
  for (const j of rows) {
    if (!j.tie && j.choice_position === null) continue;
    const n = j.arms.length;
    if (n < 2) continue;
    const base = {
      participant: j.participant_id, population: j.population, item: `${j.participant_id}/${j.conversation}/${j.turn}`,
      kind: j.kind, probeOf: j.probe_of, judgement: j.judgement_id, conversation: j.conversation, turn: j.turn,
      sessionIndex: j.session_index, domain: j.domain,
    };
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) {
      let outcome: number;
      if (j.tie) outcome = 0.5;
      else if (j.choice_position === a) outcome = 1;
      else if (j.choice_position === b) outcome = 0;
      else continue; // neither shown response of this pair was chosen: no information on the pair
      out.push({
        ...base, id: n === 2 ? j.judgement_id : `${j.judgement_id}#${a}-${b}`, left: j.arms[a]!, right: j.arms[b]!, outcome,
        leftResponse: j.response_ids[a] ?? null, rightResponse: j.response_ids[b] ?? null,
        leftRating: j.ratings[a] ?? null, rightRating: j.ratings[b] ?? null,
        ...(n > 2 ? { whole: { arms: j.arms, responses: j.response_ids, choicePosition: j.tie ? null : j.choice_position } } : {}),
      });
    }
  }
  return out;
}

export function loadExport(dir: string): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError("export directory not found", { location: { file: dir }, hint: "run `prismx export STUDY_ID --out DIR` first, or pass --judgements FILE for a plain battle table" });
  }
  const participantsRows = readJsonl(join(dir, "participants.jsonl"), ParticipantRow, { optional: true });
  const conversationRows = readJsonl(join(dir, "conversations.jsonl"), ConversationRow, { optional: true });
  const responseRows = readJsonl(join(dir, "responses.jsonl"), ResponseRow, { optional: true });
  const judgementRows = readJsonl(join(dir, "judgements.jsonl"), JudgementRow);
  const participants = new Map<string, ParticipantInfo>();
  for (const p of participantsRows) participants.set(p.participant_id, { id: p.participant_id, population: p.population, twinOf: p.twin_of });
  for (const j of judgementRows) if (!participants.has(j.participant_id)) participants.set(j.participant_id, { id: j.participant_id, population: j.population, twinOf: null });
  const responses = new Map<string, ResponseInfo>();
  for (const r of responseRows) responses.set(r.response_id, { id: r.response_id, participant: r.participant_id, arm: r.arm, text: r.text, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens });
  const population = (pid: string) => participants.get(pid)?.population ?? "unknown";
  const ratings: RatingObs[] = [];
  for (const j of judgementRows) {
    if (j.kind !== "turn") continue;
    j.ratings.forEach((r, pos) => {
      if (r !== null && j.arms[pos] !== undefined) ratings.push({ participant: j.participant_id, population: j.population, arm: j.arms[pos], rating: r, turn: j.turn, sessionIndex: j.session_index });
    });
  }
  return {
    source: "export",
    origin: dir,
    comparisons: judgementsToComparisons(judgementRows),
    responses,
    participants,
    conversations: conversationRows.map((c) => ({ participant: c.participant_id, population: population(c.participant_id), conversation: c.conversation, domain: c.domain, openingMessage: c.opening_message, rating: c.rating })),
    ratings,
  };
}

/**
 * Two exports as one dataset — e.g. a human (or oracle) study and the simulated twins that
 * replayed it — so that twin-vs-human agreement and the two populations' arm hierarchies can be
 * computed on matched items. Participant ids must not collide.
 */
export function mergeDatasets(a: Dataset, b: Dataset): Dataset {
  for (const id of b.participants.keys()) {
    if (a.participants.has(id)) throw new UserError(`participant '${id}' appears in both exports`, { location: { file: b.origin }, hint: "compare exports of different studies (e.g. humans and their simulated twins)" });
  }
  const responses = new Map(a.responses);
  for (const [id, r] of b.responses) if (!responses.has(id)) responses.set(id, r);
  return {
    source: a.source,
    origin: `${a.origin} + ${b.origin}`,
    comparisons: [...a.comparisons, ...b.comparisons],
    responses,
    participants: new Map([...a.participants, ...b.participants]),
    conversations: [...a.conversations, ...b.conversations],
    ratings: [...a.ratings, ...b.ratings],
  };
}
