/**
 * A scripted participant for tests and benchmarks of the engine: answers every task from a
 * seeded stream. Pure (no I/O), so it may live in protocol; not used by production drivers.
 */
import { Rng, type EventBody, type Profile } from "../core/index.js";
import { responsesShown } from "./blinding.js";
import { apply, attentionPassed, next } from "./engine.js";
import type { State, Task } from "./types.js";

export const testProfile = (participantId: string): Profile => ({
  participantId, selfDescription: "I like hiking and reading.", systemString: "Be concise.",
  statedPreferences: { values: 50, creativity: 60, fluency: 70, factuality: 80, diversity: 40, safety: 30, personalisation: 20, helpfulness: 90 },
  statedPreferencesOther: null,
  demographics: { age: null, gender: null, education: null, employmentStatus: null, maritalStatus: null, englishProficiency: null, religion: null, ethnicity: null },
  location: { birthCountry: null, resideCountry: null, specialRegion: null },
  lmFamiliarity: null, lmFrequencyUse: null,
});

/** One event that answers `task` (random but valid), or null for `done`. */
export function scriptedAnswer(state: State, task: Task, rng: Rng, opts: { endProbability?: number } = {}): EventBody | null {
  const { plan } = state;
  switch (task.kind) {
    case "consent": return { type: "consent.given" };
    case "profile": return { type: "profile.submitted", profile: testProfile(plan.participantId) };
    case "write":
      if (task.canEnd && rng.bool(opts.endProbability ?? 0.3)) {
        return { type: "conversation.ended", conversation: task.conversation, rating: rng.int(1, 100), feedback: null };
      }
      return { type: "message.written", conversation: task.conversation, turn: task.turn, text: `message ${task.conversation}.${task.turn}`, telemetry: null };
    case "generate":
      return responsesShown(plan.participantId, task, task.slots.map((s) => ({
        arm: s.arm, text: `reply from the model for ${task.conversation}.${task.turn}`, promptTokens: 10, completionTokens: 5, latencyMs: 1, finishReason: "stop" as const,
      })));
    case "judge":
    case "probe": {
      const n = task.responses.length;
      const tie = task.form.allowTie && n > 1 && rng.bool(0.1);
      const judgement = { ratings: task.responses.map(() => rng.int(1, 100)), choice: tie ? null : rng.int(0, n - 1), tie, reasons: "because", freeText: null };
      return task.kind === "judge"
        ? { type: "judgement.made", conversation: task.conversation, turn: task.turn, judgement, elapsedMs: 100 }
        : { type: "probe.answered", probe: task.probe, judgement };
    }
    case "feedback": return { type: "conversation.ended", conversation: task.conversation, rating: rng.int(1, 100), feedback: "fine" };
    case "attention": {
      const answer = rng.bool(0.9) ? plan.attentionChecks[task.check]!.expected : rng.pick(task.options);
      return { type: "attention.answered", check: task.check, answer, passed: attentionPassed(plan, task.check, answer) };
    }
    case "finish": return { type: "participant.finished", reason: "completed", detail: null };
    case "done": return null;
  }
}

/** Runs a participant to the end with scripted answers; returns the final state and the events. */
export function runScripted(state: State, rng: Rng, opts: { endProbability?: number } = {}): { state: State; events: EventBody[] } {
  const events: EventBody[] = [];
  for (;;) {
    const ev = scriptedAnswer(state, next(state), rng, opts);
    if (!ev) return { state, events };
    state = apply(state, ev);
    events.push(ev);
  }
}
