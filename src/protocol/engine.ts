/**
 * The engine: a pure reducer over a participant's events.
 *
 *   next(state)         → the task now due (for the participant, or for the driver)
 *   apply(state, event) → the state after the event, or a ProtocolError if the event is not what
 *                         the protocol allows now (wrong turn, wrong arms, a choice out of range…)
 *
 * State is rebuilt by folding the stored events (`rebuild`); `checkInvariants` re-derives what must
 * hold and is run by tests and on rebuild.
 */
import { EventBody, type Judgement, type StudyConfig, type StoredEvent } from "../core/index.js";
import { labelFor, planParticipant } from "./plan.js";
import type { BlindMessage, BlindResponse, ConversationState, JudgeForm, Plan, State, Task, TurnState } from "./types.js";

/** An event the protocol does not allow in the current state. Drivers reject it (HTTP 409). */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  constructor(message: string, readonly expected: Task["kind"] | null = null) {
    super(message);
  }
}

export function initialState(plan: Plan): State {
  return { plan, seq: 0, enrolled: null, consented: false, profile: null, step: 0, conversations: [], attention: [], probes: [], finished: null };
}

const form = (plan: Plan): JudgeForm => ({
  ratings: plan.judgements.ratings, allowTie: plan.judgements.allowTie, reasons: plan.judgements.reasons, freeText: plan.judgements.freeText,
});

/** Does this mode ask for a judgement of the responses at every turn? */
const judgedPerTurn = (plan: Plan): boolean => plan.mode !== "sequential";

function history(conv: ConversationState | undefined, upTo: number): BlindMessage[] {
  const out: BlindMessage[] = [];
  if (!conv) return out;
  for (const t of conv.turns) {
    if (t.turn >= upTo) break;
    out.push({ role: "user", text: t.message });
    const pos = t.continuedWith ?? 0;
    const r = t.responses?.find((x) => x.position === pos);
    if (r) out.push({ role: "assistant", text: r.text });
  }
  return out;
}

const blind = (responses: readonly { label: string; position: number; text: string }[]): BlindResponse[] =>
  responses.map((r) => ({ label: r.label, position: r.position, text: r.text }));

/** Arms at each position for a turn: planned, or (all-arms after turn 0) the arm chosen at turn 0. */
function armsForTurn(state: State, conversation: number, turn: number): string[] {
  const planned = state.plan.conversations[conversation]!.turns[turn]!;
  if (planned.arms.length > 0) return planned.arms;
  const first = state.conversations[conversation]!.turns[0]!;
  const r = first.responses!.find((x) => x.position === first.continuedWith)!;
  return [r.arm];
}

/** Is this turn complete (message, responses and — where asked — a judgement)? */
const turnDone = (plan: Plan, t: TurnState): boolean => t.responses !== null && (!judgedPerTurn(plan) || t.judgement !== null);

/** The task now due. Pure; cheap (O(turns of the current conversation)). */
export function next(state: State): Task {
  const { plan } = state;
  if (state.finished) return { kind: "done", reason: state.finished.reason };
  if (!state.enrolled) throw new ProtocolError("no participant.enrolled event yet: enrol the participant first");
  if (!state.consented) return { kind: "consent" };
  if (!state.profile) return { kind: "profile" };
  const step = plan.steps[state.step];
  if (!step) return { kind: "finish" };
  switch (step.kind) {
    case "attention": {
      const c = plan.attentionChecks[step.check]!;
      return { kind: "attention", check: c.index, question: c.question, options: c.options.slice() };
    }
    case "probe": {
      const p = plan.probes[step.probe]!;
      const conv = state.conversations[p.conversation]!;
      const t = conv.turns[p.turn]!;
      const n = t.responses!.length;
      // Positions reversed: what was at position i is now at n-1-i, under that position's label.
      const responses = t.responses!.map((r) => ({ label: labelFor(n - 1 - r.position), position: n - 1 - r.position, text: r.text }))
        .sort((a, b) => a.position - b.position);
      return { kind: "probe", probe: p.index, history: history(conv, p.turn), message: t.message, responses, form: form(plan) };
    }
    case "conversation": {
      const c = step.conversation;
      const planned = plan.conversations[c]!;
      const conv = state.conversations[c];
      const turns = conv?.turns ?? [];
      const last = turns[turns.length - 1];
      if (!last || turnDone(plan, last)) {
        const turn = turns.length;
        const fb = {
          kind: "feedback" as const, conversation: c, domain: planned.domain, history: history(conv, turn),
          ratingRequired: plan.mode === "sequential", askFeedback: plan.judgements.conversationFeedback,
        };
        if (turn >= plan.turns.max) return fb;
        return { kind: "write", conversation: c, turn, domain: planned.domain, history: history(conv, turn), canEnd: turn >= plan.turns.min };
      }
      if (last.responses === null) {
        const arms = armsForTurn(state, c, last.turn);
        const context = history(conv, last.turn).map((m) => ({ role: m.role, content: m.text }));
        context.push({ role: "user", content: last.message });
        return {
          kind: "generate", conversation: c, turn: last.turn, domain: planned.domain,
          slots: arms.map((arm, position) => ({ arm, position, label: labelFor(position) })), context,
        };
      }
      return {
        kind: "judge", conversation: c, turn: last.turn, domain: planned.domain, history: history(conv, last.turn),
        message: last.message, responses: blind(last.responses), form: form(plan),
      };
    }
  }
}

function checkJudgement(state: State, j: Judgement, n: number, what: string): void {
  if (j.ratings.length !== n) throw new ProtocolError(`${what}: ${j.ratings.length} ratings for ${n} responses`);
  if (state.plan.judgements.ratings && j.ratings.some((r) => r === null)) throw new ProtocolError(`${what}: the study asks for a rating of every response`);
  if (j.choice !== null && (j.choice < 0 || j.choice >= n)) throw new ProtocolError(`${what}: choice ${j.choice} is not a position shown (0–${n - 1})`);
  if (j.tie && (!state.plan.judgements.allowTie || n < 2)) throw new ProtocolError(`${what}: ties are not allowed here`);
  if ((j.choice === null) !== j.tie) throw new ProtocolError(`${what}: either a choice or a tie`);
}

function replaceConv(state: State, conv: ConversationState): ConversationState[] {
  const out = state.conversations.slice();
  out[conv.index] = conv;
  return out;
}

function replaceLastTurn(conv: ConversationState, turn: TurnState): ConversationState {
  const turns = conv.turns.slice();
  turns[turns.length - 1] = turn;
  return { ...conv, turns };
}

/** Folds one event. Throws ProtocolError when the event is not what the protocol allows now. */
export function apply(state: State, event: EventBody): State {
  const seq = state.seq + 1;
  if (event.type === "participant.enrolled") {
    if (state.seq !== 0 || state.enrolled) throw new ProtocolError("participant.enrolled must be the first event");
    return { ...state, seq, enrolled: { kind: event.kind, twinOf: event.twinOf } };
  }
  if (state.finished) throw new ProtocolError(`participant already finished (${state.finished.reason}); no more events`);
  if (event.type === "participant.finished") {
    if (event.reason === "completed" && next(state).kind !== "finish") throw new ProtocolError("cannot finish as completed: steps remain", next(state).kind);
    return { ...state, seq, finished: { reason: event.reason, detail: event.detail } };
  }
  const task = next(state);
  const expect = (kind: Task["kind"], ok: boolean, why: string): void => {
    if (task.kind !== kind || !ok) throw new ProtocolError(`${event.type} does not fit now: expected a '${task.kind}' task${why ? ` (${why})` : ""}`, task.kind);
  };
  switch (event.type) {
    case "consent.given":
      expect("consent", true, "");
      return { ...state, seq, consented: true };
    case "profile.submitted":
      expect("profile", true, "");
      return { ...state, seq, profile: event.profile };
    case "message.written": {
      expect("write", task.kind === "write" && task.conversation === event.conversation && task.turn === event.turn,
        task.kind === "write" ? `conversation ${task.conversation}, turn ${task.turn}` : "");
      const conv: ConversationState = state.conversations[event.conversation] ?? { index: event.conversation, turns: [], ended: false, rating: null, feedback: null };
      const turn: TurnState = { turn: event.turn, message: event.text, responses: null, judgement: null, continuedWith: null };
      return { ...state, seq, conversations: replaceConv(state, { ...conv, turns: [...conv.turns, turn] }) };
    }
    case "responses.shown": {
      if (task.kind !== "generate" || task.conversation !== event.conversation || task.turn !== event.turn) {
        expect("generate", false, task.kind === "generate" ? `conversation ${task.conversation}, turn ${task.turn}` : "");
        throw new Error("unreachable");
      }
      const rs = event.responses.slice().sort((a, b) => a.position - b.position);
      if (rs.length !== task.slots.length) throw new ProtocolError(`responses.shown: ${rs.length} responses for ${task.slots.length} positions`);
      rs.forEach((r, i) => {
        const slot = task.slots[i]!;
        if (r.position !== slot.position || r.arm !== slot.arm || r.label !== slot.label) {
          throw new ProtocolError(`responses.shown: position ${i} must show arm '${slot.arm}' as '${slot.label}', got arm '${r.arm}' as '${r.label}' at ${r.position}`);
        }
      });
      const conv = state.conversations[event.conversation]!;
      const last = conv.turns[conv.turns.length - 1]!;
      // Sequential and single-response turns continue along position 0 without a judgement.
      const continuedWith = judgedPerTurn(state.plan) ? null : 0;
      return { ...state, seq, conversations: replaceConv(state, replaceLastTurn(conv, { ...last, responses: rs, continuedWith })) };
    }
    case "judgement.made": {
      expect("judge", task.kind === "judge" && task.conversation === event.conversation && task.turn === event.turn,
        task.kind === "judge" ? `conversation ${task.conversation}, turn ${task.turn}` : "");
      const conv = state.conversations[event.conversation]!;
      const last = conv.turns[conv.turns.length - 1]!;
      checkJudgement(state, event.judgement, last.responses!.length, "judgement.made");
      const continuedWith = event.judgement.choice ?? Math.min(state.plan.conversations[event.conversation]!.turns[event.turn]!.tieBreak, last.responses!.length - 1);
      return { ...state, seq, conversations: replaceConv(state, replaceLastTurn(conv, { ...last, judgement: event.judgement, continuedWith })) };
    }
    case "conversation.ended": {
      const ok = (task.kind === "feedback" && task.conversation === event.conversation)
        || (task.kind === "write" && task.canEnd && task.conversation === event.conversation);
      if (!ok) {
        throw new ProtocolError(`conversation.ended does not fit now: expected a '${task.kind}' task${task.kind === "write" && !task.canEnd ? ` (at least ${state.plan.turns.min} turns first)` : ""}`, task.kind);
      }
      if (state.plan.mode === "sequential" && event.rating === null) throw new ProtocolError("conversation.ended: this study judges each conversation with a rating at its end");
      const conv = state.conversations[event.conversation]!;
      return { ...state, seq, step: state.step + 1, conversations: replaceConv(state, { ...conv, ended: true, rating: event.rating, feedback: event.feedback }) };
    }
    case "attention.answered": {
      expect("attention", task.kind === "attention" && task.check === event.check, "");
      const check = state.plan.attentionChecks[event.check]!;
      if (!check.options.includes(event.answer)) throw new ProtocolError(`attention.answered: '${event.answer}' is not one of the options`);
      if (event.passed !== (event.answer === check.expected)) throw new ProtocolError("attention.answered: 'passed' does not match the answer");
      return { ...state, seq, step: state.step + 1, attention: [...state.attention, { answer: event.answer, passed: event.passed }] };
    }
    case "probe.answered": {
      expect("probe", task.kind === "probe" && task.probe === event.probe, "");
      if (task.kind === "probe") checkJudgement(state, event.judgement, task.responses.length, "probe.answered");
      return { ...state, seq, step: state.step + 1, probes: [...state.probes, event.judgement] };
    }
  }
}

/** Helper for drivers: is `answer` the expected option of attention check `check`? */
export function attentionPassed(plan: Plan, check: number, answer: string): boolean {
  return plan.attentionChecks[check]?.expected === answer;
}

/** Folds events into a state, checking each one. */
export function fold(plan: Plan, events: readonly EventBody[]): State {
  let s = initialState(plan);
  for (const e of events) s = apply(s, e);
  return s;
}

/** Rebuilds a participant's plan and state from their stored log (the first event names the plan row). */
export function rebuild(config: StudyConfig, participantId: string, events: readonly (StoredEvent | EventBody)[]): State {
  const bodies = events.map((e) => ("body" in e ? e.body : e));
  const first = bodies[0];
  if (!first || first.type !== "participant.enrolled") throw new ProtocolError(`log of ${participantId} does not start with participant.enrolled`);
  const plan = planParticipant(config, { participantId, index: first.planIndex ?? 0, planOf: first.planOf });
  const state = fold(plan, bodies.map((b) => EventBody.parse(b)));
  checkInvariants(state);
  return state;
}

/** Things that must hold in any reachable state; throws with what broke. */
export function checkInvariants(state: State): void {
  const { plan } = state;
  const fail = (m: string): never => { throw new Error(`invariant: ${m}`); };
  if (state.step > plan.steps.length) fail("step beyond the plan");
  // Conversations begun are exactly those of steps reached, in order.
  const begun = state.conversations.filter(Boolean);
  const reached = plan.steps.slice(0, state.step + 1).filter((s) => s.kind === "conversation").map((s) => s.conversation);
  for (const c of begun) if (!reached.includes(c.index)) fail(`conversation ${c.index} begun before its step`);
  for (const conv of begun) {
    const planned = plan.conversations[conv.index]!;
    if (conv.turns.length > plan.turns.max) fail(`conversation ${conv.index} has ${conv.turns.length} turns > max ${plan.turns.max}`);
    if (conv.ended && conv.turns.length < plan.turns.min) fail(`conversation ${conv.index} ended after ${conv.turns.length} < min turns`);
    conv.turns.forEach((t, i) => {
      if (t.turn !== i) fail(`conversation ${conv.index}: turn ${t.turn} at index ${i}`);
      if (i < conv.turns.length - 1 && !turnDone(plan, t)) fail(`conversation ${conv.index}: turn ${i} left incomplete`);
      if (t.responses) {
        const arms = t.responses.map((r) => r.arm);
        if (!arms.every((a) => planned.arms.includes(a))) fail(`conversation ${conv.index} turn ${i}: an arm outside the plan`);
        if (new Set(arms).size !== arms.length) fail(`conversation ${conv.index} turn ${i}: an arm shown twice`);
        t.responses.forEach((r, p) => { if (r.position !== p || r.label !== labelFor(p)) fail(`conversation ${conv.index} turn ${i}: position/label mismatch`); });
      }
      if (t.judgement && t.continuedWith === null) fail(`conversation ${conv.index} turn ${i}: judged but no continuation`);
    });
  }
  if (state.probes.length > plan.probes.length) fail("more probe answers than probes");
  if (state.attention.length > plan.attentionChecks.length) fail("more attention answers than checks");
  const doneSteps = plan.steps.slice(0, state.step);
  if (doneSteps.filter((s) => s.kind === "probe").length !== state.probes.length) fail("probe answers do not match the steps done");
  if (doneSteps.filter((s) => s.kind === "attention").length !== state.attention.length) fail("attention answers do not match the steps done");
  for (const s of doneSteps) if (s.kind === "conversation" && !state.conversations[s.conversation]?.ended) fail(`step for conversation ${s.conversation} passed but it did not end`);
}

/** The participant's own view of a task: strips driver tasks (they never reach a screen). */
export function isParticipantTask(task: Task): task is Exclude<Task, { kind: "generate" } | { kind: "finish" }> {
  return task.kind !== "generate" && task.kind !== "finish";
}
