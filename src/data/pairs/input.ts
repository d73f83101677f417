/**
 * What the pair builder needs from a PRISM folder, in compact form: per user the survey fields of
 * the textual info, per conversation the user message, chosen and rejected texts of each turn
 * (pdpo.md A7 steps 1–2). Scores are not kept: a pair is (chosen, each non-chosen), ties included.
 */
import { UserError } from "../../core/errors.js";
import { STATED_PREFERENCE_KEYS } from "../../core/profile.js";
import { ProblemList, scanRows } from "../prism/jsonl.js";
import { z } from "zod";
import { ConversationRow, SurveyRow, UserItem } from "../prism/schemas.js";
import { locatePrismFiles } from "../prism/validate.js";

export interface PairUser {
  userId: string;
  numCompletedConversations: number;
  selfDescription: string;
  age: string | null;
  gender: string | null;
  education: string | null;
  employment: string | null;
  marital: string | null;
  englishProficiency: string | null;
  statedPrefs: Record<string, number | null | undefined>;
  /** `order_stated_prefs` entries in the file's key order (the reference iterates them in that order). */
  orderStatedPrefs: [string, number | null][];
}

export interface DialogueTurn {
  turn: number;
  user: string | null;
  /** Responses with if_chosen true, in history order (more than one when texts were identical). */
  chosen: string[];
  rejected: string[];
}

export interface Dialogue {
  conversationId: string;
  userId: string;
  turns: DialogueTurn[];
}

export interface PairsInput {
  users: PairUser[];
  dialogues: Dialogue[];
}

const MaybeText = z.string().nullable().optional().transform((v) => v ?? null);

/**
 * The pair builder reads only the fields its recipe uses, so a quirk of the real files in a field
 * it ignores (an attribute slider, a score) cannot block it; `prismx data validate` checks the rest.
 */
export const PairsSurveyRow = SurveyRow.pick({ user_id: true, num_completed_conversations: true, self_description: true, stated_prefs: true, order_stated_prefs: true }).extend({
  age: MaybeText, gender: MaybeText, education: MaybeText, employment_status: MaybeText, marital_status: MaybeText, english_proficiency: MaybeText,
});
export type PairsSurveyRow = z.infer<typeof PairsSurveyRow>;

export const PairsConversationRow = ConversationRow.pick({ conversation_id: true, user_id: true, conversation_turns: true }).extend({
  conversation_history: z.array(z.discriminatedUnion("role", [
    UserItem,
    z.object({ turn: z.number().int().nonnegative(), role: z.literal("model"), content: z.string(), if_chosen: z.boolean() }),
  ])).min(1),
});
export type PairsConversationRow = z.infer<typeof PairsConversationRow>;

export function pairUserFromSurvey(row: SurveyRow | PairsSurveyRow): PairUser {
  return {
    userId: row.user_id,
    numCompletedConversations: row.num_completed_conversations,
    selfDescription: row.self_description,
    age: row.age ?? null,
    gender: row.gender ?? null,
    education: row.education ?? null,
    employment: row.employment_status ?? null,
    marital: row.marital_status ?? null,
    englishProficiency: row.english_proficiency ?? null,
    statedPrefs: Object.fromEntries(STATED_PREFERENCE_KEYS.map((k) => [k, row.stated_prefs[k]])),
    orderStatedPrefs: Object.entries(row.order_stated_prefs),
  };
}

/** One slot per turn (`conversation_turns` of them), filled by walking the history. */
export function dialogueFromConversation(row: ConversationRow | PairsConversationRow): Dialogue {
  const n = Math.max(row.conversation_turns, ...row.conversation_history.map((h) => h.turn + 1));
  const turns: DialogueTurn[] = Array.from({ length: n }, (_, turn) => ({ turn, user: null, chosen: [], rejected: [] }));
  for (const item of row.conversation_history) {
    const slot = turns[item.turn] as DialogueTurn;
    if (item.role === "user") slot.user = item.content;
    else if (item.if_chosen) slot.chosen.push(item.content);
    else slot.rejected.push(item.content);
  }
  return { conversationId: row.conversation_id, userId: row.user_id, turns };
}

/** Reads survey.jsonl and conversations.jsonl of `dir`; any bad row (or unknown user) is a UserError listing them all (capped). */
export async function loadPairsInput(dir: string): Promise<PairsInput> {
  const { files } = await locatePrismFiles(dir);
  const problems = new ProblemList(50);
  const users: PairUser[] = [];
  const known = new Set<string>();
  await scanRows(files.survey as string, "survey.jsonl", PairsSurveyRow, problems, (row) => {
    known.add(row.user_id);
    users.push(pairUserFromSurvey(row));
  });
  const dialogues: Dialogue[] = [];
  await scanRows(files.conversations as string, "conversations.jsonl", PairsConversationRow, problems, (row, line) => {
    if (!known.has(row.user_id)) problems.error("conversations.jsonl", line, "user_id", `${row.user_id} is not in survey.jsonl`);
    else dialogues.push(dialogueFromConversation(row));
  });
  if (problems.errors > 0) {
    throw new UserError(`${problems.errors} problem(s) in the PRISM files; no pairs written`, {
      location: { file: dir },
      details: problems.formatted(),
      hint: "fix the rows named (run `prismx data validate` for the full report)",
    });
  }
  return { users, dialogues };
}
