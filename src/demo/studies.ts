/** The two study files the demo writes: oracle participants (standing in for humans) and their twins. */
import { stringify } from "yaml";
import type { DemoPlan } from "./plan.js";

export const ORACLE_STUDY_ID = "demo-oracle";
export const TWINS_STUDY_ID = "demo-twins";

export function demoStudy(plan: DemoPlan, opts: { id: string; seed: number; cohort: string; pdpo: string; pooled: string }): string {
  const study = {
    id: opts.id,
    title: opts.id === ORACLE_STUDY_ID
      ? "prismx demo — oracle participants (planted preferences, standing in for humans)"
      : "prismx demo — LLM-simulated twins of the oracle participants",
    seed: opts.seed,
    models: {
      base: { provider: "embedded", model: "default", contexts: 2 },
      simulator: { provider: "embedded", model: "default", contexts: 2 },
    },
    arms: [
      { id: "generic", model: "base", strategy: "none" },
      { id: "prompted", model: "base", strategy: "prompt" },
      { id: "pdpo", model: "base", strategy: "user-tokens", artefact: opts.pdpo },
      { id: "pooled", model: "base", strategy: "pooled", artefact: opts.pooled },
    ],
    domains: ["unguided", "values guided", "controversy guided"],
    protocol: { mode: "pairwise", turns: plan.turns, probes: plan.probes, attentionChecks: 1 },
    judgements: { ratings: true, allowTie: true, reasons: true },
    generation: { temperature: 0.7, topP: 0.95, maxTokens: plan.maxTokens },
    simulator: { model: "simulator", generation: { temperature: 0.6, maxTokens: 160 } },
    participants: { count: plan.studyParticipants, profiles: opts.cohort },
  };
  return `# Written by 'prismx demo'.\n${stringify(study, { lineWidth: 0 })}`;
}
