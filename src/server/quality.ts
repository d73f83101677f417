/**
 * Quality telemetry of human participants, from their events: pastes, time spent typing, tab
 * switches (sent with each message), attention-check results and judging speed. Flags mark what a
 * researcher should look at before approving a submission; they do not exclude anyone by
 * themselves. Computed from the event log alone, so the export and the admin page agree.
 */
import type { StoredEvent } from "../core/index.js";

export interface Quality {
  participantId: string;
  messages: number;
  pastes: number;
  typingMs: number;
  /** Characters typed per second of typing, over all messages (null without telemetry). */
  charsPerSecond: number | null;
  tabSwitches: number;
  attentionPassed: number;
  attentionFailed: number;
  /** Median time to judge a turn, in ms (null if none). */
  medianJudgeMs: number | null;
  flags: string[];
}

export const QUALITY_THRESHOLDS = {
  /** Faster than this over a whole study is not typing by hand. */
  maxCharsPerSecond: 15,
  maxTabSwitches: 5,
  /** Judging two or more responses in under this is too quick to have read them. */
  minMedianJudgeMs: 3000,
};

export function qualityOf(participantId: string, events: readonly StoredEvent[]): Quality {
  let messages = 0, pastes = 0, typingMs = 0, chars = 0, tabSwitches = 0, passed = 0, failed = 0;
  const judgeMs: number[] = [];
  for (const { body } of events) {
    if (body.type === "message.written") {
      messages++;
      if (body.telemetry) {
        pastes += body.telemetry.pastes;
        typingMs += body.telemetry.typingMs;
        tabSwitches += body.telemetry.tabSwitches;
        chars += body.text.length;
      }
    } else if (body.type === "attention.answered") {
      if (body.passed) passed++;
      else failed++;
    } else if (body.type === "judgement.made" && body.elapsedMs !== null) {
      judgeMs.push(body.elapsedMs);
    }
  }
  judgeMs.sort((a, b) => a - b);
  const medianJudgeMs = judgeMs.length ? judgeMs[Math.floor((judgeMs.length - 1) / 2)]! : null;
  const charsPerSecond = typingMs > 0 ? chars / (typingMs / 1000) : chars > 0 ? Infinity : null;
  const flags: string[] = [];
  if (pastes > 0) flags.push("pasted-messages");
  if (charsPerSecond !== null && charsPerSecond > QUALITY_THRESHOLDS.maxCharsPerSecond) flags.push("fast-typing");
  if (tabSwitches > QUALITY_THRESHOLDS.maxTabSwitches) flags.push("tab-switches");
  if (failed > 0) flags.push("failed-attention");
  if (medianJudgeMs !== null && medianJudgeMs < QUALITY_THRESHOLDS.minMedianJudgeMs) flags.push("fast-judging");
  return {
    participantId, messages, pastes, typingMs, charsPerSecond: charsPerSecond === Infinity ? null : charsPerSecond, tabSwitches,
    attentionPassed: passed, attentionFailed: failed, medianJudgeMs, flags,
  };
}

const CSV_COLUMNS: (keyof Quality)[] = ["participantId", "messages", "pastes", "typingMs", "charsPerSecond", "tabSwitches", "attentionPassed", "attentionFailed", "medianJudgeMs", "flags"];

function cell(v: unknown): string {
  const s = v === null || v === undefined ? "" : Array.isArray(v) ? v.join(";") : typeof v === "object" ? JSON.stringify(v) : String(v as string | number | boolean);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The quality table as CSV (one row per participant). */
export function qualityCsv(rows: readonly Quality[]): string {
  return [CSV_COLUMNS.join(","), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}
