/**
 * Everything a participant does, and everything shown to them, as events. The store appends
 * them in order per participant; the protocol engine rebuilds state by folding them. A human in
 * the web app and a simulated twin produce the very same events.
 */
import { z } from "zod";
import { Judgement, Response, TerminationReason, ParticipantKind, Id } from "./domain.js";
import { Profile } from "./profile.js";

const Index = z.number().int().nonnegative();

/** Typing telemetry from the web app (quality checks); simulators send none. */
export const Telemetry = z.strictObject({
  pastes: z.number().int().nonnegative(),
  typingMs: z.number().nonnegative(),
  tabSwitches: z.number().int().nonnegative(),
});
export type Telemetry = z.infer<typeof Telemetry>;

/** A replacement made when scrubbing self-identification from a response before display. */
export const Scrub = z.strictObject({
  position: Index,
  found: z.string(),
  replacedWith: z.string(),
});

export const EventBody = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("participant.enrolled"), kind: ParticipantKind, twinOf: Id.nullable().default(null), source: z.string().default("cli"),
    /** Row of the counterbalancing design (enrolment order); the protocol planner needs it to rebuild the plan. */
    planIndex: Index.nullable().default(null),
    /** Whose schedule this participant follows (a replay twin follows its human's); null = their own. */
    planOf: Id.nullable().default(null),
  }),
  z.strictObject({ type: z.literal("consent.given") }),
  z.strictObject({ type: z.literal("profile.submitted"), profile: Profile }),
  z.strictObject({ type: z.literal("message.written"), conversation: Index, turn: Index, text: z.string().min(1), telemetry: Telemetry.nullable().default(null) }),
  z.strictObject({ type: z.literal("responses.shown"), conversation: Index, turn: Index, responses: z.array(Response).min(1), scrubs: z.array(Scrub).default([]) }),
  z.strictObject({ type: z.literal("judgement.made"), conversation: Index, turn: Index, judgement: Judgement, elapsedMs: z.number().nonnegative().nullable().default(null) }),
  z.strictObject({ type: z.literal("conversation.ended"), conversation: Index, rating: z.number().int().min(1).max(100).nullable().default(null), feedback: z.string().nullable().default(null) }),
  z.strictObject({ type: z.literal("probe.answered"), probe: Index, judgement: Judgement }),
  z.strictObject({ type: z.literal("attention.answered"), check: Index, answer: z.string(), passed: z.boolean() }),
  z.strictObject({ type: z.literal("participant.finished"), reason: TerminationReason, detail: z.string().nullable().default(null) }),
]);
export type EventBody = z.infer<typeof EventBody>;
export type EventType = EventBody["type"];

/** An event as stored: its body plus where it sits in the participant's log. */
export const StoredEvent = z.strictObject({
  studyId: Id,
  participantId: Id,
  /** 0-based, gap-free per participant: the n-th thing that happened. */
  seq: Index,
  at: z.string(),
  body: EventBody,
});
export type StoredEvent = z.infer<typeof StoredEvent>;

/** An event as written by a driver: fields with defaults may be left out. */
export type EventInput = z.input<typeof EventBody>;
