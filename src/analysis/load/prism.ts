/**
 * PRISM files → Dataset: in each conversation turn the chosen model's response beats every other
 * response shown in that turn (PRISM shows four models in the opening turn, then the chosen one
 * against another); each response's 1–100 rating becomes a rating observation. Reads through the
 * PRISM reader of src/data/prism (schema-validated).
 */
import { ConversationRow, type ModelItem } from "../../data/prism/schemas.js";
import { readValidRows } from "../../data/prism/read.js";
import { locatePrismFiles } from "../../data/prism/validate.js";
import type { Comparison, Dataset, ParticipantInfo, RatingObs, ResponseInfo } from "../types.js";

export async function loadPrism(dir: string): Promise<Dataset> {
  const { files } = await locatePrismFiles(dir, ["conversations"]);
  const rows = await readValidRows(files.conversations as string, ConversationRow, "conversations.jsonl");
  const comparisons: Comparison[] = [];
  const responses = new Map<string, ResponseInfo>();
  const participants = new Map<string, ParticipantInfo>();
  const ratings: RatingObs[] = [];
  const session = new Map<string, number>();
  rows.forEach((conv, ci) => {
    participants.set(conv.user_id, { id: conv.user_id, population: "human", twinOf: null });
    const byTurn = new Map<number, ModelItem[]>();
    for (const h of conv.conversation_history) if (h.role === "model") byTurn.set(h.turn, [...(byTurn.get(h.turn) ?? []), h]);
    for (const [turn, items] of [...byTurn.entries()].sort((a, b) => a[0] - b[0])) {
      const sorted = items.slice().sort((a, b) => a.within_turn_id - b.within_turn_id);
      const sIdx = session.get(conv.user_id) ?? 0;
      session.set(conv.user_id, sIdx + 1);
      const judgement = `${conv.conversation_id}/${turn}`;
      sorted.forEach((m) => {
        const id = `${judgement}/${m.within_turn_id}`;
        responses.set(id, { id, participant: conv.user_id, arm: m.model_name, text: m.content, promptTokens: 0, completionTokens: 0 });
        if (typeof m.score === "number") ratings.push({ participant: conv.user_id, population: "human", arm: m.model_name, rating: m.score, turn, sessionIndex: sIdx });
      });
      const chosen = sorted.filter((m) => m.if_chosen);
      if (chosen.length !== 1) continue;
      for (let a = 0; a < sorted.length; a++) for (let b = a + 1; b < sorted.length; b++) {
        const L = sorted[a]!;
        const R = sorted[b]!;
        if (!L.if_chosen && !R.if_chosen) continue;
        if (L.model_name === R.model_name) continue;
        comparisons.push({
          id: sorted.length === 2 ? judgement : `${judgement}#${a}-${b}`, judgement, participant: conv.user_id, population: "human",
          item: judgement, left: L.model_name, right: R.model_name, outcome: L.if_chosen ? 1 : 0, kind: "turn", probeOf: null,
          conversation: ci, turn, sessionIndex: sIdx, domain: conv.conversation_type,
          leftResponse: `${judgement}/${L.within_turn_id}`, rightResponse: `${judgement}/${R.within_turn_id}`,
          leftRating: typeof L.score === "number" ? L.score : null, rightRating: typeof R.score === "number" ? R.score : null,
          ...(sorted.length > 2 ? { whole: { arms: sorted.map((m) => m.model_name), responses: sorted.map((m) => `${judgement}/${m.within_turn_id}`), choicePosition: sorted.findIndex((m) => m.if_chosen) } } : {}),
        });
      }
    }
  });
  return {
    source: "prism", origin: dir, comparisons, responses, participants, ratings,
    conversations: rows.map((c, i) => ({ participant: c.user_id, population: "human", conversation: i, domain: c.conversation_type, openingMessage: c.opening_prompt, rating: null })),
  };
}
