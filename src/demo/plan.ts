/**
 * What the demo runs, at two sizes. The full demo must finish in ≤ 30 min and `--quick` in ≤ 5
 * on a 2-core machine, so every knob that costs CPU is set here, in one place.
 */
export interface DemoPlan {
  /** Synthetic PRISM-format cohort the arms are trained on. */
  cohortParticipants: number;
  /** Oracle participants in the simulated study (cheap: they call no model to judge). */
  studyParticipants: number;
  /** How many of them get an LLM twin replaying their judgements (each twin judgement is a model call). */
  twinParticipants: number;
  turns: { min: number; max: number };
  probes: number;
  maxTokens: number;
  /** Training steps for each of the two trained arms. */
  trainSteps: number;
  /** Truncation of prompts and responses in training (tokens): forward-pass cost grows with both. */
  maxPromptTokens: number;
  maxResponseTokens: number;
  /** Pairs per optimizer step (micro-batches of one pair). */
  gradAccum: number;
  userTokens: number;
  /** Pairs kept for training (incl. generic copies) and for held-out evaluation. */
  trainPairs: number;
  testPairs: number;
  /** Bootstrap rounds in the analysis. */
  rounds: number;
}

export const FULL: DemoPlan = {
  cohortParticipants: 48,
  studyParticipants: 24,
  twinParticipants: 8,
  turns: { min: 1, max: 2 },
  probes: 2,
  maxTokens: 80,
  trainSteps: 24,
  maxPromptTokens: 192,
  maxResponseTokens: 96,
  gradAccum: 4,
  userTokens: 4,
  trainPairs: 240,
  testPairs: 60,
  rounds: 1000,
};

export const QUICK: DemoPlan = {
  cohortParticipants: 24,
  studyParticipants: 4,
  twinParticipants: 4,
  turns: { min: 1, max: 1 },
  probes: 1,
  maxTokens: 48,
  trainSteps: 2,
  maxPromptTokens: 128,
  maxResponseTokens: 64,
  gradAccum: 2,
  userTokens: 2,
  trainPairs: 16,
  testPairs: 8,
  rounds: 300,
};
