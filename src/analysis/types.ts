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
  /**
   * The whole judgement this pair came from, when it showed more than two responses (all-arms
   * designs, PRISM's opening turn); absent for plain two-response judgements.
   */
  whole?: JudgementView;
}

export interface JudgementView {
  /** Arms at each position. */
  arms: readonly string[];
  responses: readonly (string | null)[];
  /** Chosen position, null for a tie. */
  choicePosition: number | null;
}

/** The judgement a comparison belongs to, as shown (every position, the choice). */
export function judgementOf(c: Comparison): JudgementView {
  return c.whole ?? { arms: [c.left, c.right], responses: [c.leftResponse, c.rightResponse], choicePosition: c.outcome === 0.5 ? null : c.outcome === 1 ? 0 : 1 };
}

/** One comparison per judgement (the first), for measures defined on whole judgements. */
export function onePerJudgement(comps: readonly Comparison[]): Comparison[] {
  const seen = new Set<string>();
  return comps.filter((c) => (seen.has(c.judgement) ? false : (seen.add(c.judgement), true)));
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
