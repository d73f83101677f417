import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseStudyConfig, Rng, type EventBody, type StudyConfig } from "../core/index.js";
import {
  apply, armPairs, checkInvariants, fold, initialState, isParticipantTask, next, planParticipant, ProtocolError, rebuild, scrubText, williamsDesign,
  type State,
} from "./index.js";
import { runScripted, scriptedAnswer } from "./testing.js";

const study = (protocol: string, arms = 4, extra = ""): StudyConfig => parseStudyConfig(`
id: t
seed: 7
models: { base: { provider: embedded } }
arms:
${Array.from({ length: arms }, (_, i) => `  - { id: arm${i}, model: base, strategy: none }`).join("\n")}
protocol: ${protocol}
${extra}
`);

const pairwise = study("{ mode: pairwise, turns: { min: 2, max: 4 }, probes: 3, attentionChecks: 2 }");

function enrolled(config: StudyConfig, pid: string, index: number): State {
  return apply(initialState(planParticipant(config, { participantId: pid, index })), { type: "participant.enrolled", kind: "simulated", twinOf: null, source: "test", planIndex: index, planOf: null });
}

describe("Williams design", () => {
  it.each([2, 3, 4, 5, 6])("n=%i: each row a permutation, each position each item equally, each ordered pair adjacent equally", (n) => {
    const rows = williamsDesign(n);
    expect(rows.length).toBe(n % 2 === 0 ? n : 2 * n);
    for (const r of rows) expect([...r].sort()).toEqual(Array.from({ length: n }, (_, i) => i));
    for (let p = 0; p < n; p++) {
      const counts = new Array<number>(n).fill(0);
      for (const r of rows) counts[r[p]!]!++;
      expect(new Set(counts).size).toBe(1);
    }
    const adj = new Map<string, number>();
    for (const r of rows) for (let i = 0; i + 1 < n; i++) adj.set(`${r[i]}-${r[i + 1]}`, (adj.get(`${r[i]}-${r[i + 1]}`) ?? 0) + 1);
    expect(adj.size).toBe(n * (n - 1));
    expect(new Set(adj.values()).size).toBe(1);
  });
});

describe("planner", () => {
  it("is reproducible from the seed and differs between participants", () => {
    const a = planParticipant(pairwise, { participantId: "p1", index: 0 });
    expect(planParticipant(pairwise, { participantId: "p1", index: 0 })).toEqual(a);
    expect(planParticipant(pairwise, { participantId: "p2", index: 0 })).not.toEqual(a);
    const reseeded = { ...pairwise, seed: 8 };
    expect(planParticipant(reseeded, { participantId: "p1", index: 0 })).not.toEqual(a);
  });

  it("pairwise: every participant meets every arm and every pair once; domains balanced", () => {
    for (let i = 0; i < 24; i++) {
      const plan = planParticipant(pairwise, { participantId: `p${i}`, index: i });
      expect(plan.conversations).toHaveLength(6);
      const pairs = plan.conversations.map((c) => [...c.arms].sort().join("|"));
      expect(new Set(pairs).size).toBe(6);
      expect(new Set(plan.conversations.flatMap((c) => c.arms))).toEqual(new Set(["arm0", "arm1", "arm2", "arm3"]));
      const domains = new Map<string, number>();
      for (const c of plan.conversations) domains.set(c.domain, (domains.get(c.domain) ?? 0) + 1);
      expect([...domains.values()]).toEqual([2, 2, 2]);
      // Positions within a participant: for each pair, each arm on the left in exactly half the planned turns.
      for (const c of plan.conversations) {
        const left = c.turns.filter((t) => t.arms[0] === c.arms[0]).length;
        expect(left).toBe(2);
        for (const t of c.turns) expect([...t.arms].sort()).toEqual([...c.arms].sort());
      }
    }
  });

  it("pairwise: pair order is counterbalanced across a cohort (Williams: every pair in every slot equally)", () => {
    const rows = 6;
    const slot = new Map<string, number>();
    for (let i = 0; i < rows * 4; i++) {
      const plan = planParticipant(pairwise, { participantId: `p${i}`, index: i });
      plan.conversations.forEach((c, k) => slot.set(`${k}:${c.arms.join("|")}`, (slot.get(`${k}:${c.arms.join("|")}`) ?? 0) + 1));
    }
    expect(slot.size).toBe(36);
    expect(new Set(slot.values())).toEqual(new Set([4]));
  });

  it("repeats every pair equally when a study asks for more conversations", () => {
    const cfg = study("{ mode: pairwise, conversations: 18, turns: { min: 6, max: 8 }, probes: 4 }");
    const plan = planParticipant(cfg, { participantId: "x", index: 3 });
    const counts = new Map<string, number>();
    for (const c of plan.conversations) counts.set([...c.arms].sort().join("|"), (counts.get([...c.arms].sort().join("|")) ?? 0) + 1);
    expect([...counts.values()]).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it("all-arms: every arm at every position equally across the cohort; sequential: one arm per conversation, all met", () => {
    const all = study("{ mode: all-arms, turns: { min: 1, max: 3 } }");
    const pos = new Map<string, number>();
    for (let i = 0; i < 4; i++) {
      const plan = planParticipant(all, { participantId: `p${i}`, index: i });
      for (const c of plan.conversations) c.turns[0]!.arms.forEach((a, p) => pos.set(`${a}@${p}`, (pos.get(`${a}@${p}`) ?? 0) + 1));
    }
    expect(pos.size).toBe(16);
    expect(new Set(pos.values())).toEqual(new Set([3]));
    const seq = study("{ mode: sequential, probes: 0 }");
    const plan = planParticipant(seq, { participantId: "p", index: 0 });
    expect(plan.conversations.map((c) => c.arms[0]).sort()).toEqual(["arm0", "arm1", "arm2", "arm3"]);
  });

  it("probes re-show comparisons before turns.min; attention checks sit between conversations", () => {
    const plan = planParticipant(pairwise, { participantId: "p", index: 0 });
    expect(plan.probes).toHaveLength(3);
    for (const p of plan.probes) expect(p.turn).toBeLessThan(2);
    expect(plan.steps.filter((s) => s.kind === "attention")).toHaveLength(2);
    expect(plan.steps[0]).toEqual({ kind: "conversation", conversation: 0 });
    expect(plan.steps.slice(-3).every((s) => s.kind === "probe")).toBe(true);
  });
});

describe("engine", () => {
  it("runs a participant to completion; tasks shown to participants never name an arm or model", () => {
    let s = enrolled(pairwise, "p1", 0);
    const rng = Rng.for(1, "t");
    const seen: string[] = [];
    for (;;) {
      const task = next(s);
      if (isParticipantTask(task)) seen.push(JSON.stringify(task));
      const ev = scriptedAnswer(s, task, rng);
      if (!ev) break;
      s = apply(s, ev);
    }
    expect(s.finished?.reason).toBe("completed");
    expect(s.probes).toHaveLength(3);
    expect(s.attention).toHaveLength(2);
    for (const text of seen) expect(text).not.toMatch(/arm\d|"arm"|embedded|base/);
  });

  it("conversations continue along the chosen response", () => {
    let s = enrolled(pairwise, "p1", 0);
    const rng = Rng.for(2, "t");
    while (next(s).kind !== "judge") s = apply(s, scriptedAnswer(s, next(s), rng)!);
    const j = next(s);
    if (j.kind !== "judge") throw new Error("no judge");
    s = apply(s, { type: "judgement.made", conversation: 0, turn: 0, judgement: { ratings: [10, 90], choice: 1, tie: false, reasons: null, freeText: null }, elapsedMs: null });
    s = apply(s, { type: "message.written", conversation: 0, turn: 1, text: "and then?", telemetry: null });
    const g = next(s);
    if (g.kind !== "generate") throw new Error("no generate");
    expect(g.context.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(g.context[1]!.content).toBe(j.responses[1]!.text);
  });

  it("rejects events that do not fit: wrong turn, early end, wrong arm, bad choice, events after finish", () => {
    let s = enrolled(pairwise, "p1", 0);
    s = apply(apply(s, { type: "consent.given" }), scriptedAnswer(s, { kind: "profile" }, Rng.for(0))!);
    expect(() => apply(s, { type: "message.written", conversation: 0, turn: 1, text: "x", telemetry: null })).toThrow(ProtocolError);
    expect(() => apply(s, { type: "conversation.ended", conversation: 0, rating: null, feedback: null })).toThrow(ProtocolError);
    s = apply(s, { type: "message.written", conversation: 0, turn: 0, text: "hi", telemetry: null });
    const g = next(s);
    if (g.kind !== "generate") throw new Error("no generate");
    const wrong = scriptedAnswer(s, { ...g, slots: g.slots.map((x, i) => ({ ...x, arm: g.slots[1 - i]!.arm })) }, Rng.for(0))!;
    expect(() => apply(s, wrong)).toThrow(/must show arm/);
    s = apply(s, scriptedAnswer(s, g, Rng.for(0))!);
    expect(() => apply(s, { type: "judgement.made", conversation: 0, turn: 0, judgement: { ratings: [1, 2], choice: 2, tie: false, reasons: null, freeText: null }, elapsedMs: null })).toThrow(/not a position/);
    expect(() => apply(s, { type: "judgement.made", conversation: 0, turn: 0, judgement: { ratings: [1], choice: 0, tie: false, reasons: null, freeText: null }, elapsedMs: null })).toThrow(/ratings/);
    expect(() => apply(s, { type: "participant.finished", reason: "completed", detail: null })).toThrow(/steps remain/);
    s = apply(s, { type: "participant.finished", reason: "withdrew", detail: null });
    expect(next(s)).toEqual({ kind: "done", reason: "withdrew" });
    expect(() => apply(s, { type: "consent.given" })).toThrow(/already finished/);
  });

  it("rebuilds the same state from stored events", () => {
    const s0 = enrolled(pairwise, "p9", 5);
    const { state, events } = runScripted(s0, Rng.for(3, "x"));
    const log: EventBody[] = [{ type: "participant.enrolled", kind: "simulated", twinOf: null, source: "test", planIndex: 5, planOf: null }, ...events];
    expect(rebuild(pairwise, "p9", log)).toEqual(state);
  });

  // Property: any sequence of valid actions (random ends, ties, choices, withdrawals) keeps the
  // invariants, and the state folded from the log equals the state built step by step.
  it.each([
    ["pairwise", pairwise],
    ["all-arms", study("{ mode: all-arms, turns: { min: 1, max: 3 }, probes: 2, attentionChecks: 1 }", 3)],
    ["sequential", study("{ mode: sequential, turns: { min: 1, max: 3 }, probes: 0, attentionChecks: 1 }", 3, "judgements: { allowTie: false }")],
  ])("property: invariants hold on random runs (%s)", (_name, config) => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), fc.option(fc.integer({ min: 0, max: 200 })),
      (index, seed, endP, withdrawAt) => {
        let s = enrolled(config, `p${index}`, index);
        const rng = Rng.for(seed, "prop");
        const log: EventBody[] = [{ type: "participant.enrolled", kind: "simulated", twinOf: null, source: "test", planIndex: index, planOf: null }];
        for (let k = 0; ; k++) {
          checkInvariants(s);
          const task = next(s);
          const ev = k === withdrawAt && task.kind !== "done" ? { type: "participant.finished" as const, reason: "withdrew" as const, detail: null } : scriptedAnswer(s, task, rng, { endProbability: endP });
          if (!ev) break;
          s = apply(s, ev);
          log.push(ev);
        }
        expect(s.finished).not.toBeNull();
        expect(fold(s.plan, log)).toEqual(s);
        for (const c of s.conversations) {
          if (c.ended) expect(c.turns.length).toBeGreaterThanOrEqual(config.protocol.turns.min);
          expect(c.turns.length).toBeLessThanOrEqual(config.protocol.turns.max);
        }
      }), { numRuns: 150 });
  });

  it("property: a random event (fitting or not) is either rejected or keeps the invariants", () => {
    const ev = fc.oneof(
      fc.constant<EventBody>({ type: "consent.given" }),
      fc.record({ c: fc.integer({ min: 0, max: 6 }), t: fc.integer({ min: 0, max: 5 }) }).map(({ c, t }): EventBody => ({ type: "message.written", conversation: c, turn: t, text: "x", telemetry: null })),
      fc.record({ c: fc.integer({ min: 0, max: 6 }), t: fc.integer({ min: 0, max: 5 }), ch: fc.integer({ min: 0, max: 2 }) }).map(({ c, t, ch }): EventBody => ({ type: "judgement.made", conversation: c, turn: t, judgement: { ratings: [50, 50], choice: ch, tie: false, reasons: null, freeText: null }, elapsedMs: null })),
      fc.integer({ min: 0, max: 6 }).map((c): EventBody => ({ type: "conversation.ended", conversation: c, rating: 50, feedback: null })),
      fc.integer({ min: 0, max: 3 }).map((p): EventBody => ({ type: "probe.answered", probe: p, judgement: { ratings: [1, 2], choice: null, tie: true, reasons: null, freeText: null } })),
    );
    fc.assert(fc.property(fc.integer(), fc.array(fc.tuple(fc.boolean(), ev), { maxLength: 120 }), (seed, steps) => {
      let s = enrolled(pairwise, "q", 1);
      const rng = Rng.for(seed);
      for (const [scripted, random] of steps) {
        const e = scripted ? scriptedAnswer(s, next(s), rng) : random;
        if (!e) break;
        try {
          s = apply(s, e);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
        checkInvariants(s);
      }
    }), { numRuns: 200 });
  });
});

describe("blinding", () => {
  it("scrubs self-identification and reports each replacement", () => {
    const r = scrubText("Hello! I'm Gemma 3, a large language model trained by Google DeepMind. ChatGPT is similar.");
    expect(r.text).toBe("Hello! I'm an AI assistant, a large language model trained by my developers. the assistant is similar.");
    expect(r.replacements.map((x) => x.found)).toEqual(["trained by Google DeepMind", "I'm Gemma 3", "ChatGPT"]);
    expect(scrubText("The weather is nice in Meta-physics class.").replacements).toEqual([]);
    expect(scrubText("I am qwen-7b", { extraNames: ["qwen-7b"] }).text).toBe("I am an AI assistant");
  });

  it("armPairs lists every unordered pair", () => {
    expect(armPairs(["a", "b", "c"])).toEqual([["a", "b"], ["a", "c"], ["b", "c"]]);
  });
});
