/**
 * The analysis' own normalised view of any pairwise data: a prismx export, a plain battle table or
 * PRISM's choices all become `Comparison`s, so every measure runs on each of them alike.
 */

export interface Comparison {
  id: string;
  participant: string;
  population: string;
  /** What was compared on: a conversation turn, a prompt, an item. */
  item: string;
  /** Arm (or model) at position 0 and at position 1. */
  left: string;
  right: string;
  /** 1: left chosen, 0: right chosen, 0.5: tie. */
  outcome: number;
  kind: "turn" | "probe";
  probeOf: string | null;
  /** For judgements of more than two responses split into pairs: the judgement they came from. */
  judgement: string;
  conversation: number;
  turn: number;
  sessionIndex: number;
  domain: string | null;
  leftResponse: string | null;
  rightResponse: string | null;
  leftRating: number | null;
  rightRating: number | null;
}

export interface ResponseInfo {
  id: string;
  participant: string;
  arm: string;
  text: string;
  promptTokens: number;
  completionTokens: number;
}

export interface ParticipantInfo {
  id: string;
  population: string;
  twinOf: string | null;
}

export interface ConversationInfo {
  participant: string;
  population: string;
  conversation: number;
  domain: string | null;
  openingMessage: string;
  rating: number | null;
}

/** A single rating of a single response, for designs that rate rather than (or as well as) choose. */
export interface RatingObs {
  participant: string;
  population: string;
  arm: string;
  rating: number;
  turn: number;
  sessionIndex: number;
}

export interface Dataset {
  source: "export" | "battles" | "prism";
  /** Human-readable origin (a directory or file path) for the report. */
  origin: string;
  comparisons: Comparison[];
  responses: Map<string, ResponseInfo>;
  participants: Map<string, ParticipantInfo>;
  conversations: ConversationInfo[];
  ratings: RatingObs[];
}

export interface Interval {
  lo: number;
  hi: number;
}
