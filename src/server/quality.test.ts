import { describe, expect, it } from "vitest";
import { StoredEvent, type EventInput } from "../core/index.js";
import { QUALITY_THRESHOLDS, qualityCsv, qualityOf } from "./quality.js";

const events = (bodies: EventInput[]): StoredEvent[] =>
  bodies.map((body, seq) => StoredEvent.parse({ studyId: "s", participantId: "p", seq, at: "2026-12-04T00:00:00Z", body }));
const message = (text: string, telemetry: { pastes: number; typingMs: number; tabSwitches: number } | null): EventInput =>
  ({ type: "message.written", conversation: 0, turn: 0, text, telemetry });
const judged = (elapsedMs: number): EventInput =>
  ({ type: "judgement.made", conversation: 0, turn: 0, judgement: { ratings: [50, 60], choice: 1, tie: false }, elapsedMs });

describe("quality telemetry", () => {
  it("flags nothing for a careful participant", () => {
    const q = qualityOf("p", events([message("hello there, how are you", { pastes: 0, typingMs: 5000, tabSwitches: 1 }), judged(9000), { type: "attention.answered", check: 0, answer: "blue", passed: true }]));
    expect(q).toMatchObject({ messages: 1, pastes: 0, typingMs: 5000, tabSwitches: 1, attentionPassed: 1, attentionFailed: 0, medianJudgeMs: 9000, flags: [] });
    expect(q.charsPerSecond).toBeCloseTo(24 / 5, 6);
  });

  it("flags pastes, inhuman typing speed, tab switches, failed attention and hasty judging", () => {
    const long = "x".repeat(400);
    const q = qualityOf("p", events([
      message(long, { pastes: 1, typingMs: 1000, tabSwitches: QUALITY_THRESHOLDS.maxTabSwitches }),
      message("ok", { pastes: 0, typingMs: 500, tabSwitches: 1 }),
      judged(800), judged(1200), judged(20000),
      { type: "attention.answered", check: 0, answer: "red", passed: false },
    ]));
    expect(q.flags.sort()).toEqual(["failed-attention", "fast-judging", "fast-typing", "pasted-messages", "tab-switches"]);
    expect(q).toMatchObject({ pastes: 1, tabSwitches: QUALITY_THRESHOLDS.maxTabSwitches + 1, medianJudgeMs: 1200 });
  });

  it("treats text typed in no time as not typed by hand, and no telemetry as unknown", () => {
    expect(qualityOf("p", events([message("pasted wholesale", { pastes: 0, typingMs: 0, tabSwitches: 0 })])).flags).toContain("fast-typing");
    const none = qualityOf("p", events([message("from a simulator", null)]));
    expect(none).toMatchObject({ charsPerSecond: null, flags: [] });
  });

  it("writes one CSV row per participant, flags joined", () => {
    const q = qualityOf("p,1", events([message("y".repeat(100), { pastes: 2, typingMs: 1000, tabSwitches: 0 })]));
    const [head, row] = qualityCsv([q]).trim().split("\n");
    expect(head).toBe("participantId,messages,pastes,typingMs,charsPerSecond,tabSwitches,attentionPassed,attentionFailed,medianJudgeMs,flags");
    expect(row).toBe('"p,1",1,2,1000,100,0,0,0,,pasted-messages;fast-typing');
  });
});
