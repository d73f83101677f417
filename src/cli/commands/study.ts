/** `prismx study check STUDY.yaml`: validate a study file and summarise what it will run. */
import type { Command } from "commander";
import { parseStudyConfig, type StudyConfig } from "../../core/study.js";
import { readUserFile } from "../io.js";

export interface StudySummary {
  config: StudyConfig;
  lines: string[];
}

export function checkStudy(path: string): StudySummary {
  const config = parseStudyConfig(readUserFile(path, "study file"), path);
  const k = config.arms.length;
  const p = config.protocol;
  const conversations = p.conversations ?? (p.mode === "pairwise" ? (k * (k - 1)) / 2 : p.mode === "all-arms" ? config.domains.length : k);
  const lines = [
    `study '${config.id}'${config.title ? ` — ${config.title}` : ""} (seed ${config.seed})`,
    `arms (${k}): ${config.arms.map((a) => `${a.id} [${a.strategy} on ${a.model}]`).join(", ")}`,
    `models: ${Object.entries(config.models).map(([name, m]) => `${name} = ${m.provider}:${m.model}`).join(", ")}`,
    `protocol: ${p.mode}, ${conversations} conversations per participant, ${p.turns.min}–${p.turns.max} turns each, ${p.probes} probes, ${p.attentionChecks} attention checks`,
    `domains: ${config.domains.join(", ")}`,
    `simulator: ${config.simulator ? config.simulator.model : "none (human study only)"}`,
  ];
  return { config, lines };
}

export function register(program: Command): void {
  const study = program.command("study").description("study files (study-as-code)");
  study
    .command("check")
    .description("validate a study file and summarise what it runs")
    .argument("<study>", "study YAML file")
    .action((path: string) => {
      for (const line of checkStudy(path).lines) console.log(line);
    });
}
