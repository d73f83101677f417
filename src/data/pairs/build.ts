/**
 * P-DPO preference pairs from PRISM (pdpo.md A7) with prismx's defaults, or the reference code's
 * choices with `referenceQuirks` (A11; decisions in ./README.md). Pure: input rows in, PairRow
 * rows and a UserSplit out; every random choice comes from `Rng.for(seed, "pairs", …)`.
 */
import type { ChatMessage, PairRow, UserSplit } from "../../core/artefacts.js";
import { STATED_PREFERENCE_KEYS } from "../../core/profile.js";
import { Rng } from "../../core/rng.js";
import { EMPTY_STRING } from "../prism/schemas.js";
import type { Dialogue, DialogueTurn, PairUser, PairsInput } from "./input.js";

export interface PairOptions {
  /** Seed of the user / dialogue split (the reference uses 123). */
  seed?: number;
  /** Reproduce the reference code's choices (pdpo.md A11) instead of prismx's defaults. */
  referenceQuirks?: boolean;
  /** Characters: user message + response longer than this is not used (reference 2300). */
  maxTextLength?: number;
  /** Characters of prompt (textual info + history; with quirks also the identifier prefix) (reference 1400). */
  maxPromptLength?: number;
  /** Soft tokens per user; only the length of the reference's placeholder prefix depends on it. */
  nUserTokens?: number;
  /** Put the textual user information into the prompt (all PRISM scripts do). */
  textualInfo?: boolean;
  /** Share of users that are candidate seen users, and of a seen user's dialogues used for training. */
  userTrainFraction?: number;
  dialogueTrainFraction?: number;
}

export type ResolvedPairOptions = Required<PairOptions>;

export function resolvePairOptions(o: PairOptions = {}): ResolvedPairOptions {
  return {
    seed: o.seed ?? 123,
    referenceQuirks: o.referenceQuirks ?? false,
    maxTextLength: o.maxTextLength ?? 2300,
    maxPromptLength: o.maxPromptLength ?? 1400,
    nUserTokens: o.nUserTokens ?? 10,
    textualInfo: o.textualInfo ?? true,
    userTrainFraction: o.userTrainFraction ?? 0.9,
    dialogueTrainFraction: o.dialogueTrainFraction ?? 0.9,
  };
}

/**
 * The user's "top three" stated preferences. prismx: the three highest slider scores (ties by the
 * PRISM key order). Reference: the keys whose *display order* is 1, 2 or 3 (A11.2), in file key order.
 */
export function preferenceList(user: PairUser, quirks: boolean): string[] {
  if (quirks) return user.orderStatedPrefs.filter(([, v]) => v === 1 || v === 2 || v === 3).map(([k]) => k);
  return STATED_PREFERENCE_KEYS.map((key, i) => ({ key, i, v: user.statedPrefs[key] ?? -1 }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.key);
}

/**
 * A7.6: `preference: a, b, c; self_description: …; age: …; …`. The reference prints a missing
 * answer as Python's `None`; prismx leaves the field out.
 */
export function textualInfo(user: PairUser, quirks: boolean): string {
  const fields: [string, string | null][] = [
    ["self_description", user.selfDescription], ["age", user.age], ["gender", user.gender], ["education", user.education],
    ["employment", user.employment], ["marital", user.marital], ["english_proficiency", user.englishProficiency],
  ];
  let s = `preference: ${preferenceList(user, quirks).join(", ")}; `;
  for (const [k, v] of fields) {
    if (v === null && !quirks) continue;
    s += `${k}: ${v ?? "None"}; `;
  }
  return s;
}

/** A7.3: a turn with a user message, a chosen and a rejected response, all within the length cap. */
function turnQualifies(t: DialogueTurn, max: number): boolean {
  if (t.user === null || t.chosen.length === 0 || t.rejected.length === 0) return false;
  const u = t.user.length;
  return u + (t.chosen[0] as string).length <= max && t.rejected.every((r) => u + r.length <= max);
}

export interface PairPlan {
  options: ResolvedPairOptions;
  split: UserSplit;
  usersById: Map<string, PairUser>;
  /** Kept dialogues in input order. */
  dialogues: Dialogue[];
  /** Dialogues without a single qualifying turn. */
  droppedDialogues: string[];
  /** Users left with no dialogue (or, with quirks, `num_completed_conversations` 0). */
  droppedUsers: string[];
}

/** Python's `int(f · n)` for f in (0, 1], exactly, for the fractions used here. */
const share = (n: number, f: number): number => Math.floor((n * Math.round(f * 1000)) / 1000);

/**
 * A7.1–4: filter users and dialogues, then split. Users are shuffled; the first 90 % are candidate
 * seen users, whose dialogues are shuffled and split 90/10 (floor); a candidate with no training
 * dialogue becomes unseen. Seen users are numbered 1..N in that order; unseen users are 0.
 */
export function planPairs(input: PairsInput, opts: PairOptions = {}): PairPlan {
  const o = resolvePairOptions(opts);
  const usersById = new Map(input.users.map((u) => [u.userId, u]));
  const droppedUsers: string[] = [];
  const eligible = new Set<string>();
  for (const u of input.users) {
    if (o.referenceQuirks && u.numCompletedConversations === 0) droppedUsers.push(u.userId);
    else eligible.add(u.userId);
  }
  const byUser = new Map<string, string[]>();
  const kept: Dialogue[] = [];
  const droppedDialogues: string[] = [];
  for (const d of input.dialogues) {
    if (!eligible.has(d.userId)) continue;
    if (!d.turns.some((t) => turnQualifies(t, o.maxTextLength))) {
      droppedDialogues.push(d.conversationId);
      continue;
    }
    kept.push(d);
    const list = byUser.get(d.userId) ?? [];
    list.push(d.conversationId);
    byUser.set(d.userId, list);
  }
  const users = input.users.filter((u) => byUser.has(u.userId)).map((u) => u.userId);
  for (const u of input.users) if (eligible.has(u.userId) && !byUser.has(u.userId)) droppedUsers.push(u.userId);

  const shuffled = Rng.for(o.seed, "pairs", "users").shuffle(users);
  const nCandidates = share(shuffled.length, o.userTrainFraction);
  const split: UserSplit = { seed: o.seed, train_dialog_ids: [], test_dialog_ids: [], seen_user_ids: {}, unseen_user_ids: {} };
  let index = 0;
  shuffled.forEach((userId, i) => {
    const dialogues = byUser.get(userId) as string[];
    if (i < nCandidates) {
      const order = Rng.for(o.seed, "pairs", "dialogues", userId).shuffle(dialogues);
      const nTrain = share(order.length, o.dialogueTrainFraction);
      if (nTrain > 0) {
        split.seen_user_ids[userId] = ++index;
        split.train_dialog_ids.push(...order.slice(0, nTrain));
        split.test_dialog_ids.push(...order.slice(nTrain));
        return;
      }
    }
    split.unseen_user_ids[userId] = 0;
    split.test_dialog_ids.push(...dialogues);
  });
  return { options: o, split, usersById, dialogues: kept, droppedDialogues, droppedUsers };
}

const HEADER = (role: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n`;
const EOT = "<|eot_id|>\n";
const LLAMA_ROLE: Record<ChatMessage["role"], string> = { system: "system", user: "user", assistant: "assistant" };

/**
 * The reference's history cut (A11.7): the Llama-3-rendered history keeps its last `keep`
 * characters, which can split a message or a template marker. Mapped back onto messages: fully
 * cut messages go, the first kept one loses its head — including, when the cut falls inside the
 * header, the rest of the marker as literal text, as the reference's tokenizer would have seen it.
 */
export function referenceTruncate(history: readonly ChatMessage[], keep: number): ChatMessage[] {
  const rendered = history.map((m) => ({ m, header: HEADER(LLAMA_ROLE[m.role]), len: HEADER(LLAMA_ROLE[m.role]).length + m.content.length + EOT.length }));
  const total = rendered.reduce((s, r) => s + r.len, 0);
  let cut = total - Math.max(0, keep);
  if (cut <= 0) return history.slice();
  const out: ChatMessage[] = [];
  for (const r of rendered) {
    if (cut >= r.len) {
      cut -= r.len;
      continue;
    }
    if (cut > 0) {
      const h = r.header.length;
      if (cut < h) out.push({ role: r.m.role, content: r.header.slice(cut) + r.m.content });
      else if (cut < h + r.m.content.length) out.push({ role: r.m.role, content: r.m.content.slice(cut - h) });
      // else: only part of the end-of-turn marker was left — no content to keep.
      cut = 0;
      continue;
    }
    out.push(r.m);
  }
  return out;
}

/**
 * prismx's cut: drop whole messages from the front (a user turn together with its answer, so the
 * prompt still starts with a user message) until `budget` characters of content remain; the
 * current user message always stays.
 */
export function messageBoundaryTruncate(history: readonly ChatMessage[], budget: number): ChatMessage[] {
  let start = 0;
  let total = history.reduce((s, m) => s + m.content.length, 0);
  while (total > budget && start < history.length - 1) {
    total -= (history[start] as ChatMessage).content.length;
    start++;
    while (start < history.length - 1 && history[start]?.role !== "user") {
      total -= (history[start] as ChatMessage).content.length;
      start++;
    }
  }
  return history.slice(start);
}

/** The reference's identifier prefix (A7.5), whose length counts against its prompt cap. */
export function referencePrefix(userIndex: number, nUserTokens: number, info: string | null): string {
  return `USER: ${userIndex} ${"<|end_of_text|>".repeat(nUserTokens)}||${info === null ? "" : `User textual information: ${info}`}`;
}

const systemMessage = (info: string): ChatMessage => ({ role: "system", content: `User textual information: ${info}` });

/** A7.5: the pairs of one dialogue, along the chosen branch. */
export function* dialoguePairs(d: Dialogue, user: PairUser, userIndex: number, split: "train" | "test", seen: boolean, o: ResolvedPairOptions): Generator<PairRow> {
  const q = o.referenceQuirks;
  const info = o.textualInfo ? textualInfo(user, q) : null;
  const history: ChatMessage[] = [];
  for (const t of d.turns) {
    if (t.user !== null) history.push({ role: "user", content: t.user });
    const chosen = t.chosen[0];
    if (t.user !== null && chosen !== undefined && t.rejected.length > 0) {
      const u = t.user.length;
      // The reference tests the chosen with `<` here but with `<=` in its dialogue filter; prismx uses `<=` throughout.
      const chosenFits = q ? u + chosen.length < o.maxTextLength : u + chosen.length <= o.maxTextLength;
      if (chosenFits) {
        let prompt: ChatMessage[];
        if (q) {
          const keep = o.maxPromptLength - referencePrefix(userIndex, o.nUserTokens, info).length;
          prompt = referenceTruncate(history, keep);
        } else {
          prompt = messageBoundaryTruncate(history, o.maxPromptLength - (info === null ? 0 : systemMessage(info).content.length));
        }
        const individual = info === null ? prompt : [systemMessage(info), ...prompt];
        // A11.3: the reference's generic copies lose the textual info; prismx keeps it.
        const generic = q || info === null ? prompt : individual;
        const pending: PairRow[] = [];
        t.rejected.forEach((rejected, j) => {
          if (u + rejected.length > o.maxTextLength) return;
          if (!q && (rejected === chosen || rejected === EMPTY_STRING || chosen === EMPTY_STRING)) return;
          pending.push(row(d, user, userIndex, t.turn, j, split, seen, false, individual, info, chosen, rejected));
          if (split === "train") pending.push(row(d, user, 0, t.turn, j, split, seen, true, generic, q ? null : info, chosen, rejected));
        });
        yield* pending;
      }
    }
    if (chosen !== undefined) history.push({ role: "assistant", content: chosen });
  }
}

function row(d: Dialogue, user: PairUser, userIndex: number, turn: number, j: number, split: "train" | "test", seen: boolean, genericCopy: boolean,
  prompt: ChatMessage[], info: string | null, chosen: string, rejected: string): PairRow {
  return {
    pair_id: `${d.conversationId}-t${turn}-r${j}${genericCopy ? "-g" : ""}`,
    participant_id: user.userId,
    user_index: userIndex,
    conversation_id: d.conversationId,
    turn,
    split,
    seen,
    generic_copy: genericCopy,
    prompt,
    user_info: info,
    chosen,
    rejected,
  };
}

export interface PairCounts {
  users: number;
  seenUsers: number;
  unseenUsers: number;
  trainDialogues: number;
  testDialogues: number;
  droppedDialogues: number;
  droppedUsers: number;
  trainPairs: number;
  genericCopies: number;
  testPairs: number;
}

/** Every pair of a plan, in input dialogue order; each training pair is followed by its generic copy. */
export function* planRows(plan: PairPlan, counts?: PairCounts): Generator<PairRow> {
  const train = new Set(plan.split.train_dialog_ids);
  for (const d of plan.dialogues) {
    const user = plan.usersById.get(d.userId) as PairUser;
    const seenIndex = plan.split.seen_user_ids[d.userId];
    const split = train.has(d.conversationId) ? "train" : "test";
    for (const r of dialoguePairs(d, user, seenIndex ?? 0, split, seenIndex !== undefined, plan.options)) {
      if (counts) {
        if (r.split === "test") counts.testPairs++;
        else if (r.generic_copy) counts.genericCopies++;
        else counts.trainPairs++;
      }
      yield r;
    }
  }
}

export function emptyCounts(plan: PairPlan): PairCounts {
  return {
    users: Object.keys(plan.split.seen_user_ids).length + Object.keys(plan.split.unseen_user_ids).length,
    seenUsers: Object.keys(plan.split.seen_user_ids).length,
    unseenUsers: Object.keys(plan.split.unseen_user_ids).length,
    trainDialogues: plan.split.train_dialog_ids.length,
    testDialogues: plan.split.test_dialog_ids.length,
    droppedDialogues: plan.droppedDialogues.length,
    droppedUsers: plan.droppedUsers.length,
    trainPairs: 0,
    genericCopies: 0,
    testPairs: 0,
  };
}

/** In memory: the split and every pair (for tests and small cohorts; the CLI streams instead). */
export function buildPairs(input: PairsInput, opts: PairOptions = {}): { split: UserSplit; pairs: PairRow[]; counts: PairCounts; plan: PairPlan } {
  const plan = planPairs(input, opts);
  const counts = emptyCounts(plan);
  const pairs = [...planRows(plan, counts)];
  return { split: plan.split, pairs, counts, plan };
}
