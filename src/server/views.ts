/**
 * What the browser is sent: each engine task turned into a view built field by field from a
 * whitelist. Arm ids, model names, plan rows and response ids never appear — only neutral labels,
 * positions and (scrubbed) texts. `generate` becomes a `generating` view (the participant waits
 * and watches the stream); `finish` never reaches a browser (the driver appends it first).
 */
import type { Domain, TerminationReason } from "../core/index.js";
import type { BlindMessage, BlindResponse, JudgeForm, State, Task } from "../protocol/index.js";
import type { ServeConfig } from "./config.js";

export interface Progress {
  /** Steps done of all steps (conversations, checks, probes), for a progress bar. */
  done: number;
  total: number;
}

export type Outcome = "completed" | "failed-attention" | "returned" | "ended";

export type ClientView =
  | { kind: "consent"; text: string }
  | { kind: "profile" }
  | { kind: "write"; conversation: number; turn: number; domain: Domain; history: BlindMessage[]; canEnd: boolean; minTurns: number; maxTurns: number }
  | { kind: "generating"; conversation: number; turn: number; domain: Domain; history: BlindMessage[]; message: string; labels: string[] }
  | { kind: "judge"; conversation: number; turn: number; domain: Domain; history: BlindMessage[]; message: string; responses: BlindResponse[]; form: JudgeForm }
  | { kind: "feedback"; conversation: number; domain: Domain; history: BlindMessage[]; ratingRequired: boolean; askFeedback: boolean }
  | { kind: "attention"; check: number; question: string; options: string[] }
  | { kind: "probe"; probe: number; history: BlindMessage[]; message: string; responses: BlindResponse[]; form: JudgeForm }
  | { kind: "done"; outcome: Outcome; code: string | null; redirectUrl: string | null };

export interface TaskPayload {
  /** The seq the next answer must carry (optimistic concurrency). */
  seq: number;
  progress: Progress;
  view: ClientView;
}

const messages = (h: readonly BlindMessage[]): BlindMessage[] => h.map((m) => ({ role: m.role, text: m.text }));
const responses = (rs: readonly BlindResponse[]): BlindResponse[] => rs.map((r) => ({ label: r.label, position: r.position, text: r.text }));
const formOf = (f: JudgeForm): JudgeForm => ({ ratings: f.ratings, allowTie: f.allowTie, reasons: f.reasons, freeText: f.freeText });

export function outcomeOf(reason: TerminationReason): Outcome {
  if (reason === "completed") return "completed";
  if (reason === "failed-attention") return "failed-attention";
  if (reason === "returned" || reason === "withdrew") return "returned";
  return "ended";
}

export function completionFor(serve: ServeConfig, reason: TerminationReason): { outcome: Outcome; code: string | null; redirectUrl: string | null } {
  const outcome = outcomeOf(reason);
  const code = outcome === "ended" ? null : serve.prolific.completionCodes[outcome];
  return { outcome, code, redirectUrl: code ? serve.prolific.completionUrl.replace("{code}", encodeURIComponent(code)) : null };
}

export function viewOf(state: State, task: Task, serve: ServeConfig): ClientView {
  switch (task.kind) {
    case "consent": return { kind: "consent", text: serve.consent };
    case "profile": return { kind: "profile" };
    case "write":
      return {
        kind: "write", conversation: task.conversation, turn: task.turn, domain: task.domain, history: messages(task.history), canEnd: task.canEnd,
        minTurns: state.plan.turns.min, maxTurns: state.plan.turns.max,
      };
    case "generate": {
      const conv = state.conversations[task.conversation];
      const t = conv?.turns[task.turn];
      const history = task.context.slice(0, -1).map((m): BlindMessage => ({ role: m.role === "assistant" ? "assistant" : "user", text: m.content }));
      return { kind: "generating", conversation: task.conversation, turn: task.turn, domain: task.domain, history, message: t?.message ?? "", labels: task.slots.map((s) => s.label) };
    }
    case "judge":
      return { kind: "judge", conversation: task.conversation, turn: task.turn, domain: task.domain, history: messages(task.history), message: task.message, responses: responses(task.responses), form: formOf(task.form) };
    case "feedback":
      return { kind: "feedback", conversation: task.conversation, domain: task.domain, history: messages(task.history), ratingRequired: task.ratingRequired, askFeedback: task.askFeedback };
    case "attention": return { kind: "attention", check: task.check, question: task.question, options: task.options.slice() };
    case "probe": return { kind: "probe", probe: task.probe, history: messages(task.history), message: task.message, responses: responses(task.responses), form: formOf(task.form) };
    case "finish":
      // The driver appends participant.finished before answering, so this is never shown.
      throw new Error("finish task reached a view");
    case "done": return { kind: "done", ...completionFor(serve, task.reason) };
  }
}

export function progressOf(state: State): Progress {
  return { done: state.step, total: state.plan.steps.length };
}
