/**
 * Validates a PRISM folder in one streaming pass per file: each row against its schema, then the
 * cross-file checks of issue 3 (users exist, utterances agree with conversation histories, turn
 * numbering, a chosen response in every turn, metadata ids resolve). Texts are remembered only as
 * hashes, so memory stays far below the files' size.
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../core/errors.js";
import { ProblemList, scanRows } from "./jsonl.js";
import { PRISM_FILE_PATHS, ROW_SCHEMAS, type PrismFile, type ConversationRow, METADATA_COLUMNS } from "./schemas.js";

export interface PrismPaths {
  dir: string;
  /** Absolute or dir-relative path of each file found; required files always present. */
  files: Partial<Record<PrismFile, string>>;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Finds the PRISM files in `dir`; survey and conversations are required. */
export async function locatePrismFiles(dir: string, required: readonly PrismFile[] = ["survey", "conversations"]): Promise<PrismPaths> {
  const files: Partial<Record<PrismFile, string>> = {};
  for (const [name, candidates] of Object.entries(PRISM_FILE_PATHS) as [PrismFile, readonly string[]][]) {
    for (const c of candidates) {
      const p = join(dir, c);
      if (await exists(p)) {
        files[name] = p;
        break;
      }
    }
  }
  const missing = required.filter((r) => files[r] === undefined);
  if (missing.length > 0) {
    throw new UserError(`no ${missing.map((m) => PRISM_FILE_PATHS[m][0]).join(", ")} in this folder`, {
      location: { file: dir },
      hint: "point at a folder holding the PRISM jsonl files (e.g. prism-alignment/data) or make one with `prismx data sample --out DIR`",
    });
  }
  return { dir, files };
}

export interface ValidationSummary {
  participants: number;
  surveyOnly: number;
  conversations: number;
  conversationsByType: Record<string, number>;
  turns: number;
  utterances: number;
  /** Distinct model names seen in the conversation histories. */
  models: number;
  modelsFileRows: number | null;
  metadataRows: number | null;
  metadataByColumn: Record<string, number>;
  filesRead: string[];
}

export interface ValidationReport {
  summary: ValidationSummary;
  problems: ProblemList;
  ok: boolean;
}

/** 32-bit FNV-1a: texts are compared by (length, hash), not kept. */
function textHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h ^ s.length) >>> 0;
}

interface ResponseRecord {
  hash: number;
  score: number;
  chosen: boolean;
  model: string;
  matched: boolean;
}

interface ConversationRecord {
  line: number;
  userId: string;
  type: string;
  /** Hash of each turn's user message. */
  userHashes: number[];
  responses: Map<string, ResponseRecord>;
}

/** Structural checks inside one conversation row; returns the record kept for the cross-file checks. */
function checkConversation(row: ConversationRow, line: number, file: string, problems: ProblemList): ConversationRecord {
  const rec: ConversationRecord = { line, userId: row.user_id, type: row.conversation_type, userHashes: [], responses: new Map() };
  const perTurn = new Map<number, { user: number; models: number; chosen: number }>();
  let lastTurn = 0;
  row.conversation_history.forEach((item, i) => {
    const field = `conversation_history[${i}]`;
    if (item.turn < lastTurn) problems.error(file, line, `${field}.turn`, `turn ${item.turn} after turn ${lastTurn}; history must be in turn order`);
    lastTurn = Math.max(lastTurn, item.turn);
    const t = perTurn.get(item.turn) ?? { user: 0, models: 0, chosen: 0 };
    perTurn.set(item.turn, t);
    if (item.role === "user") {
      t.user++;
      if (t.user > 1) problems.error(file, line, field, `a second user message in turn ${item.turn}`);
      if (t.models > 0) problems.error(file, line, field, `user message of turn ${item.turn} after its model responses`);
      rec.userHashes[item.turn] = textHash(item.content);
    } else {
      t.models++;
      if (item.if_chosen) t.chosen++;
      const key = `${item.turn}:${item.within_turn_id}`;
      if (rec.responses.has(key)) problems.error(file, line, `${field}.within_turn_id`, `within_turn_id ${item.within_turn_id} used twice in turn ${item.turn}`);
      rec.responses.set(key, { hash: textHash(item.content), score: item.score, chosen: item.if_chosen, model: item.model_name, matched: false });
    }
  });
  for (let turn = 0; turn < row.conversation_turns; turn++) {
    const t = perTurn.get(turn);
    if (t === undefined) {
      problems.error(file, line, "conversation_history", `turn ${turn} is missing (conversation_turns is ${row.conversation_turns}; turns are 0-based)`);
      continue;
    }
    if (t.user === 0) problems.error(file, line, "conversation_history", `turn ${turn} has no user message`);
    if (t.models === 0) problems.error(file, line, "conversation_history", `turn ${turn} has no model response`);
    else if (t.chosen === 0) problems.error(file, line, "conversation_history", `turn ${turn} has no response with if_chosen true`);
  }
  if (lastTurn >= row.conversation_turns) {
    problems.error(file, line, "conversation_turns", `is ${row.conversation_turns} but the history reaches turn ${lastTurn} (should be max turn + 1)`);
  }
  const first = row.conversation_history[0];
  if (first?.role === "user" && first.turn === 0 && first.content !== row.opening_prompt) {
    problems.warning(file, line, "opening_prompt", "differs from the turn-0 user message");
  }
  return rec;
}

export interface ValidateOptions {
  /** Problems kept per severity (all are counted). */
  maxProblems?: number;
}

/** Validates the PRISM files in `dir`. Throws a UserError only when required files are missing. */
export async function validatePrismDir(dir: string, opts: ValidateOptions = {}): Promise<ValidationReport> {
  const { files } = await locatePrismFiles(dir);
  const problems = new ProblemList(opts.maxProblems ?? 200);
  const label = (name: PrismFile) => PRISM_FILE_PATHS[name].find((c) => files[name]?.endsWith(c)) ?? name;
  const summary: ValidationSummary = {
    participants: 0, surveyOnly: 0, conversations: 0, conversationsByType: {}, turns: 0, utterances: 0, models: 0,
    modelsFileRows: null, metadataRows: null, metadataByColumn: {}, filesRead: [],
  };

  // survey
  const users = new Map<string, { line: number; completed: number; surveyOnly: boolean; conversations: number }>();
  const surveyFile = label("survey");
  summary.filesRead.push(surveyFile);
  await scanRows(files.survey as string, surveyFile, ROW_SCHEMAS.survey, problems, (row, line) => {
    if (users.has(row.user_id)) {
      problems.error(surveyFile, line, "user_id", `${row.user_id} already on line ${users.get(row.user_id)?.line}`);
      return;
    }
    users.set(row.user_id, { line, completed: row.num_completed_conversations, surveyOnly: row.survey_only, conversations: 0 });
    summary.participants++;
    if (row.survey_only) summary.surveyOnly++;
  });

  // conversations
  const conversations = new Map<string, ConversationRecord>();
  const modelNames = new Set<string>();
  const convFile = label("conversations");
  summary.filesRead.push(convFile);
  await scanRows(files.conversations as string, convFile, ROW_SCHEMAS.conversations, problems, (row, line) => {
    if (conversations.has(row.conversation_id)) {
      problems.error(convFile, line, "conversation_id", `${row.conversation_id} already on line ${conversations.get(row.conversation_id)?.line}`);
      return;
    }
    const user = users.get(row.user_id);
    if (user === undefined) problems.error(convFile, line, "user_id", `${row.user_id} is not in ${surveyFile}`);
    else user.conversations++;
    const rec = checkConversation(row, line, convFile, problems);
    conversations.set(row.conversation_id, rec);
    for (const item of row.conversation_history) if (item.role === "model") modelNames.add(item.model_name);
    summary.conversations++;
    summary.conversationsByType[row.conversation_type] = (summary.conversationsByType[row.conversation_type] ?? 0) + 1;
    summary.turns += row.conversation_turns;
  });
  summary.models = modelNames.size;
  for (const [id, u] of users) {
    if (u.conversations !== u.completed) {
      problems.warning(surveyFile, u.line, "num_completed_conversations", `${id} says ${u.completed} but ${convFile} has ${u.conversations}`);
    }
    if (u.surveyOnly && u.conversations > 0) problems.warning(surveyFile, u.line, "survey_only", `${id} is survey-only but has ${u.conversations} conversation(s)`);
  }

  // utterances
  const utteranceIds = new Set<string>();
  const interactionIds = new Set<string>();
  if (files.utterances !== undefined) {
    const uttFile = label("utterances");
    summary.filesRead.push(uttFile);
    const interactionOf = new Map<string, string>();
    const keyOfInteraction = new Map<string, string>();
    await scanRows(files.utterances, uttFile, ROW_SCHEMAS.utterances, problems, (row, line) => {
      summary.utterances++;
      if (utteranceIds.has(row.utterance_id)) problems.error(uttFile, line, "utterance_id", `${row.utterance_id} used twice`);
      utteranceIds.add(row.utterance_id);
      const turnKey = `${row.conversation_id}:${row.turn}`;
      const known = interactionOf.get(turnKey);
      if (known === undefined) {
        const other = keyOfInteraction.get(row.interaction_id);
        if (other !== undefined) problems.error(uttFile, line, "interaction_id", `${row.interaction_id} also names ${other.replace(":", " turn ")}`);
        interactionOf.set(turnKey, row.interaction_id);
        keyOfInteraction.set(row.interaction_id, turnKey);
        interactionIds.add(row.interaction_id);
      } else if (known !== row.interaction_id) {
        problems.error(uttFile, line, "interaction_id", `${row.interaction_id}, but ${row.conversation_id} turn ${row.turn} is ${known} elsewhere`);
      }
      const conv = conversations.get(row.conversation_id);
      if (conv === undefined) {
        problems.error(uttFile, line, "conversation_id", `${row.conversation_id} is not in ${convFile}`);
        return;
      }
      if (conv.userId !== row.user_id) problems.error(uttFile, line, "user_id", `${row.user_id}, but ${row.conversation_id} belongs to ${conv.userId}`);
      if (conv.type !== row.conversation_type) problems.error(uttFile, line, "conversation_type", `"${row.conversation_type}", but ${row.conversation_id} is "${conv.type}"`);
      const resp = conv.responses.get(`${row.turn}:${row.within_turn_id}`);
      if (resp === undefined) {
        problems.error(uttFile, line, "within_turn_id", `${row.conversation_id} turn ${row.turn} has no response ${row.within_turn_id} in its history`);
        return;
      }
      if (resp.matched) problems.error(uttFile, line, "within_turn_id", `a second row for ${row.conversation_id} turn ${row.turn} response ${row.within_turn_id}`);
      resp.matched = true;
      if (resp.hash !== textHash(row.model_response)) problems.error(uttFile, line, "model_response", `differs from ${row.conversation_id}'s history`);
      if (resp.score !== row.score) problems.error(uttFile, line, "score", `${row.score}, but the history says ${resp.score}`);
      if (resp.chosen !== row.if_chosen) problems.error(uttFile, line, "if_chosen", `${row.if_chosen}, but the history says ${resp.chosen}`);
      if (resp.model !== row.model_name) problems.error(uttFile, line, "model_name", `"${row.model_name}", but the history says "${resp.model}"`);
      if (conv.userHashes[row.turn] !== textHash(row.user_prompt)) problems.error(uttFile, line, "user_prompt", `differs from the user message of ${row.conversation_id} turn ${row.turn}`);
    });
    for (const [id, conv] of conversations) {
      let missing = 0;
      for (const r of conv.responses.values()) if (!r.matched) missing++;
      if (missing > 0) problems.error(convFile, conv.line, "conversation_history", `${id}: ${missing} model response(s) have no row in ${uttFile}`);
    }
  } else {
    problems.warning("utterances.jsonl", undefined, undefined, "not present; utterance checks skipped");
  }

  // metadata
  if (files.metadata !== undefined) {
    const metaFile = label("metadata");
    summary.filesRead.push(metaFile);
    summary.metadataRows = 0;
    for (const c of METADATA_COLUMNS) summary.metadataByColumn[c] = 0;
    await scanRows(files.metadata, metaFile, ROW_SCHEMAS.metadata, problems, (row, line) => {
      (summary.metadataRows as number)++;
      summary.metadataByColumn[row.column_id] = (summary.metadataByColumn[row.column_id] ?? 0) + 1;
      if (!users.has(row.user_id)) problems.error(metaFile, line, "user_id", `${row.user_id} is not in ${surveyFile}`);
      if (row.conversation_id !== null && !conversations.has(row.conversation_id)) problems.error(metaFile, line, "conversation_id", `${row.conversation_id} is not in ${convFile}`);
      if (files.utterances !== undefined) {
        if (row.utterance_id !== null && !utteranceIds.has(row.utterance_id)) problems.error(metaFile, line, "utterance_id", `${row.utterance_id} is not in utterances`);
        if (row.interaction_id !== null && !interactionIds.has(row.interaction_id)) problems.error(metaFile, line, "interaction_id", `${row.interaction_id} is not in utterances`);
      }
      if (row.column_id === "model_response" && row.utterance_id === null) problems.error(metaFile, line, "utterance_id", "null, but a model_response row needs one");
    });
  }

  // models
  if (files.models !== undefined) {
    const modelsFile = label("models");
    summary.filesRead.push(modelsFile);
    summary.modelsFileRows = 0;
    const listed = new Set<string>();
    await scanRows(files.models, modelsFile, ROW_SCHEMAS.models, problems, (row) => {
      (summary.modelsFileRows as number)++;
      listed.add(row.long_name);
    });
    for (const m of modelNames) if (!listed.has(m)) problems.warning(modelsFile, undefined, "long_name", `model "${m}" from the conversations is not listed`);
  }

  return { summary, problems, ok: problems.errors === 0 };
}
