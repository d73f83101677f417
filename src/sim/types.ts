/**
 * The simulated side of the one protocol: a `SimParticipant` answers the participant tasks the
 * engine hands out (exactly the tasks a human sees in the web app) with events; the driver
 * handles the `generate` and `finish` tasks. Nothing here writes events directly.
 */
import type { ChatMessage, Domain, EventBody, ParticipantKind, Profile } from "../core/index.js";
import type { ArmOutput, ParticipantTask, State } from "../protocol/index.js";

/** One member of the simulated cohort: who they stand for and how they answer. */
export interface CohortMember {
  participantId: string;
  kind: Exclude<ParticipantKind, "human">;
  /** The participant (PRISM user or human study participant) this one stands for. */
  twinOf: string | null;
  profile: Profile;
  /** Their PRISM opening prompts, when known (persona and topic material). */
  pastOpenings?: readonly { domain: Domain; text: string }[];
}

export interface ActContext {
  state: State;
  /** Stable per participant and step: a resumed run makes the same random choices. */
  seed: number;
  signal?: AbortSignal;
}

export interface SimParticipant {
  /** The event that answers `task`. Throws SimulatorError when it cannot produce a valid one. */
  act(task: Exclude<ParticipantTask, { kind: "done" }>, ctx: ActContext): Promise<EventBody>;
}

/** Gets each arm's response for a `generate` task (arms, or a human's recorded responses in replay). */
export type ResponseSource = (
  task: Extract<import("../protocol/index.js").Task, { kind: "generate" }>,
  ctx: { state: State; profile: Profile; seed: number; signal?: AbortSignal },
) => Promise<ArmOutput[]>;

/** The simulator could not produce a valid answer (after repair and retries). */
export class SimulatorError extends Error {
  override readonly name = "SimulatorError";
}

/** A model call the runner records for model health and token accounting. */
export interface CallRecord {
  participantId: string;
  role: string;
  model: string;
  ok: boolean;
  errorKind: string | null;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
}

export type { ChatMessage };
