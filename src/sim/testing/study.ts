/** A small study file on a fake OpenAI-compatible endpoint, for runner tests. */
import { resolve } from "node:path";

export const cohortDir = resolve(import.meta.dirname, "..", "..", "..", "examples", "cohort");

export function studyYaml(id: string, url: string, opts: { count?: number; mode?: string } = {}): string {
  return `
id: ${id}
seed: 5
models:
  fake: { provider: openai, baseURL: "${url}", model: fake, concurrency: 16, maxRetries: 4 }
arms:
  - { id: generic, model: fake, strategy: none }
  - { id: prompted, model: fake, strategy: prompt }
  - { id: terse, model: fake, strategy: none, systemPrompt: "Answer tersely." }
protocol: { mode: ${opts.mode ?? "pairwise"}, turns: { min: 2, max: 3 }, probes: 2, attentionChecks: 1 }
generation: { maxTokens: 60 }
simulator: { model: fake }
participants: { count: ${opts.count ?? 4}, profiles: "${cohortDir}" }
`;
}

