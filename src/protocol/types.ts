/**
 * The protocol engine's public types. The engine is a reducer: `apply(state, event) → state` and
 * `next(state) → task`. A web request (human) and a simulator tick both feed the same events in,
 * so the two drivers cannot drift apart.
 *
 * Tasks a participant sees carry neutral labels only — never an arm id or a model name. The one
 * task that names arms is `generate`, which is for the driver (server or runner), never for the
 * participant's screen.
 */
import type { ChatMessage, Domain, Judgement, Judgements, Profile, ProtocolMode, Response, TerminationReason, ParticipantKind } from "../core/index.js";

// ---------------------------------------------------------------- plan

/** One planned turn: the arm at each screen position (index = position). */
export interface PlannedTurn {
  /**
   * Arms by position. In `all-arms` mode only turn 0 is planned here (every arm); later turns
   * carry `[]` and continue with the arm chosen at turn 0.
   */
  arms: string[];
  /** Position the conversation continues along when the participant calls a tie. */
  tieBreak: number;
}

export interface PlannedConversation {
  index: number;
  domain: Domain;
  /** The arms taking part, in design order (pairwise: the pair; sequential: the one arm). */
  arms: string[];
  /** `turns.max` entries; a participant may end after `turns.min`. */
  turns: PlannedTurn[];
}

/** An earlier comparison shown again at the end with positions reversed (test–retest). */
export interface PlannedProbe {
  index: number;
  conversation: number;
  turn: number;
}

export interface PlannedAttentionCheck {
  index: number;
  question: string;
  options: string[];
  /** The option a reader picks; never shown. */
  expected: string;
}

export type Step =
  | { kind: "conversation"; conversation: number }
  | { kind: "attention"; check: number }
  | { kind: "probe"; probe: number };

/** Everything decided in advance for one participant, from the study seed. */
export interface Plan {
  studyId: string;
  participantId: string;
  /** Row of the counterbalancing design (enrolment order). */
  index: number;
  /** Whose random streams this plan was drawn from (a replay twin uses its human's). */
  planOf: string;
  mode: ProtocolMode;
  turns: { min: number; max: number };
  judgements: Judgements;
  conversations: PlannedConversation[];
  probes: PlannedProbe[];
  attentionChecks: PlannedAttentionCheck[];
  /** The order in which conversations, attention checks and probes happen. */
  steps: Step[];
}

// ---------------------------------------------------------------- state

export interface TurnState {
  turn: number;
  message: string;
  /** Responses as shown (already scrubbed), by position; null until generated. */
  responses: Response[] | null;
  judgement: Judgement | null;
  /** Position the conversation continued along (the choice, or the tie-break); null until judged. */
  continuedWith: number | null;
}

export interface ConversationState {
  index: number;
  turns: TurnState[];
  ended: boolean;
  rating: number | null;
  feedback: string | null;
}

export interface AttentionAnswer {
  answer: string;
  passed: boolean;
}

export interface State {
  plan: Plan;
  /** Number of events folded so far (= the next event's seq). */
  seq: number;
  enrolled: { kind: ParticipantKind; twinOf: string | null } | null;
  consented: boolean;
  profile: Profile | null;
  /** Index into `plan.steps` of the step in progress (= steps.length when all are done). */
  step: number;
  /** Conversations begun so far, by index. */
  conversations: ConversationState[];
  attention: AttentionAnswer[];
  probes: Judgement[];
  finished: { reason: TerminationReason; detail: string | null } | null;
}

// ---------------------------------------------------------------- tasks

/** A response as the participant sees it: a neutral label and a screen position, no arm. */
export interface BlindResponse {
  label: string;
  position: number;
  text: string;
}

/** The conversation so far as the participant sees it: their messages and the continued replies. */
export interface BlindMessage {
  role: "user" | "assistant";
  text: string;
}

/** What the judge form asks for (from the study's `judgements`). */
export interface JudgeForm {
  ratings: boolean;
  allowTie: boolean;
  reasons: boolean;
  freeText: boolean;
}

export type Task =
  | { kind: "consent" }
  | { kind: "profile" }
  | {
    kind: "write";
    conversation: number;
    turn: number;
    domain: Domain;
    /** Messages so far (empty for the opening message). */
    history: BlindMessage[];
    /** The participant may end the conversation instead (send `conversation.ended`). */
    canEnd: boolean;
  }
  | {
    /** Driver task: get one response from each arm for the same context, then send `responses.shown`. */
    kind: "generate";
    conversation: number;
    turn: number;
    domain: Domain;
    /** Arm at each position, with the neutral label the participant will see. */
    slots: { arm: string; position: number; label: string }[];
    /** The conversation so far, ending with the user's new message; arms add their own system prompt. */
    context: ChatMessage[];
  }
  | {
    kind: "judge";
    conversation: number;
    turn: number;
    domain: Domain;
    history: BlindMessage[];
    message: string;
    responses: BlindResponse[];
    form: JudgeForm;
  }
  | { kind: "feedback"; conversation: number; domain: Domain; history: BlindMessage[]; ratingRequired: boolean; askFeedback: boolean }
  | { kind: "attention"; check: number; question: string; options: string[] }
  | {
    kind: "probe";
    probe: number;
    history: BlindMessage[];
    message: string;
    /** The earlier responses with positions reversed. */
    responses: BlindResponse[];
    form: JudgeForm;
  }
  /** Driver task: every step is done; send `participant.finished` with reason `completed`. */
  | { kind: "finish" }
  | { kind: "done"; reason: TerminationReason };

export type TaskKind = Task["kind"];
/** Tasks that go to the participant (human screen or simulated twin). */
export type ParticipantTask = Exclude<Task, { kind: "generate" } | { kind: "finish" }>;
