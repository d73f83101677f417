/**
 * What the pair builder needs from a PRISM folder, in compact form: per user the survey fields of
 * the textual info, per conversation the user message, chosen and rejected texts of each turn
 * (pdpo.md A7 steps 1–2). Scores are not kept: a pair is (chosen, each non-chosen), ties included.
 */
import { UserError } from "../../core/errors.js";
import { STATED_PREFERENCE_KEYS } from "../../core/profile.js";
import { ProblemList, scanRows } from "../prism/jsonl.js";
import { ConversationRow, SurveyRow } from "../prism/schemas.js";
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

export function pairUserFromSurvey(row: SurveyRow): PairUser {
  return {
    userId: row.user_id,
    numCompletedConversations: row.num_completed_conversations,
    selfDescription: row.self_description,
    age: row.age,
    gender: row.gender,
    education: row.education,
    employment: row.employment_status,
    marital: row.marital_status,
    englishProficiency: row.english_proficiency,
    statedPrefs: Object.fromEntries(STATED_PREFERENCE_KEYS.map((k) => [k, row.stated_prefs[k]])),
    orderStatedPrefs: Object.entries(row.order_stated_prefs),
  };
}

/** One slot per turn (`conversation_turns` of them), filled by walking the history. */
export function dialogueFromConversation(row: ConversationRow): Dialogue {
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
  await scanRows(files.survey as string, "survey.jsonl", SurveyRow, problems, (row) => {
    known.add(row.user_id);
    users.push(pairUserFromSurvey(row));
  });
  const dialogues: Dialogue[] = [];
  await scanRows(files.conversations as string, "conversations.jsonl", ConversationRow, problems, (row, line) => {
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
