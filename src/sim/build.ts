/**
 * Builds a simulation from names: the study file, its profiles folder, its models. This is the
 * layer the CLI and the demo call; the runner below it takes only injected objects.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { Domain, parseStudyConfig, Rng, UserError, type Profile, type StudyConfig } from "../core/index.js";
import { buildArms, type ArmSet } from "../arms/index.js";
import { createChatModel } from "../llm/from-spec.js";
import type { ChatModel } from "../llm/types.js";
import { loadProfiles } from "../data/prism/read.js";
import { readValidRows } from "../data/prism/read.js";
import { loadGroundTruth } from "../data/sample/groundTruth.js";
import { plantedJudge } from "../data/sample/planted.js";
import type { Store } from "../store/index.js";
import { OracleParticipant } from "./oracle.js";
import { armResponses, recordedResponses } from "./responses.js";
import { runSimulation, type Progress, type SimulationSummary } from "./runner.js";
import { LlmTwin } from "./twin.js";
import type { CohortMember } from "./types.js";
import { ReplayTwin, replayCohort } from "./replay.js";

export type Population = "simulated" | "oracle";

export interface StudyFile {
  file: string;
  dir: string;
  text: string;
  hash: string;
  config: StudyConfig;
}

export async function loadStudyFile(file: string): Promise<StudyFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read the study file: ${(e as Error).message}`, { location: { file }, hint: "check the path" });
  }
  return { file, dir: dirname(resolve(file)), text, hash: createHash("sha256").update(text).digest("hex"), config: parseStudyConfig(text, file) };
}

const OpeningRow = z.object({ user_id: z.string(), conversation_type: Domain, opening_prompt: z.string() });

/**
 * The cohort: one member per participant requested, cycling through the study's profiles
 * (the PRISM-format folder `participants.profiles`), with their PRISM openings when present.
 */
export async function loadCohort(study: StudyFile, opts: { participants?: number; population: Population }): Promise<CohortMember[]> {
  const rel = study.config.participants.profiles;
  if (!rel) throw new UserError("the study names no profiles folder", { location: { file: study.file, field: "participants.profiles" }, hint: "point it at a PRISM-format folder (e.g. from 'prismx data sample')" });
  const dir = resolve(study.dir, rel);
  const profiles = await loadProfiles(dir);
  if (profiles.size === 0) throw new UserError(`no profiles in ${dir}/survey.jsonl`, { location: { file: study.file, field: "participants.profiles" } });
  const openings = new Map<string, { domain: Domain; text: string }[]>();
  const convFile = join(dir, "conversations.jsonl");
  if (existsSync(convFile)) {
    for (const r of await readValidRows(convFile, OpeningRow, "conversations.jsonl")) {
      const list = openings.get(r.user_id) ?? [];
      list.push({ domain: r.conversation_type, text: r.opening_prompt });
      openings.set(r.user_id, list);
    }
  }
  const n = opts.participants ?? study.config.participants.count;
  const ids = [...profiles.keys()];
  const prefix = opts.population === "oracle" ? "oracle" : "twin";
  return Array.from({ length: n }, (_, i) => {
    // More participants than profiles: the cohort cycles, so several twins share a profile.
    const twinOf = ids[i % ids.length]!;
    return {
      participantId: `${prefix}-${String(i).padStart(4, "0")}`,
      kind: opts.population,
      twinOf,
      profile: profiles.get(twinOf) as Profile,
      pastOpenings: openings.get(twinOf) ?? [],
    } satisfies CohortMember;
  });
}

export interface SimulateOptions {
  studyFile: string;
  store: Store;
  participants?: number;
  mode?: "free" | "replay";
  /** Replay: the human study whose judged items the twins judge again. */
  replayOf?: string | null;
  population?: Population;
  resume?: boolean;
  concurrency?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** Everything `prismx simulate` does, as a function. */
export async function simulateStudy(o: SimulateOptions): Promise<SimulationSummary> {
  const study = await loadStudyFile(o.studyFile);
  const population = o.population ?? "simulated";
  const mode = o.mode ?? "free";
  let simulator: ChatModel | null = null;
  let arms: ArmSet | null = null;
  try {
    if (population === "simulated") {
      const sim = study.config.simulator;
      if (!sim) throw new UserError("the study names no simulator model", { location: { file: study.file, field: "simulator" }, hint: "add `simulator: { model: <a key of models> }`, or run oracle participants" });
      simulator = await createChatModel(study.config.models[sim.model]!, { baseDir: study.dir, id: `simulator:${sim.model}`, ...(o.env ? { env: o.env } : {}) });
    }
    // Both providers constrain output to a JSON schema (llama.cpp grammar; OpenAI response_format),
    // which tiny embedded models need to produce valid judgements at all.
    const useJsonSchema = true;
    const generation = study.config.simulator?.generation ?? {};
    const scrub = { extraNames: Object.values(study.config.models).map((m) => m.model).filter((n) => n !== "default") };

    if (mode === "replay") {
      if (!o.replayOf) throw new UserError("replay needs the human study to replay", { location: { field: "--replay-of" }, hint: "pass --replay-of STUDY_ID" });
      if (!simulator) throw new UserError("replay runs simulated twins; oracles do not replay", { location: { field: "--population" } });
      const human = await o.store.studies.get(o.replayOf);
      if (!human) throw new UserError(`no study '${o.replayOf}' in this database`, { location: { field: "--replay-of" }, hint: "check the id with the admin page or the database folder (--db)" });
      const r = await replayCohort(o.store, human.config, o.replayOf, o.participants);
      // The replay study keeps the human study's protocol and seed (so plans match) under its own id.
      const config: StudyConfig = { ...human.config, id: study.config.id, title: study.config.title, simulator: study.config.simulator, models: { ...human.config.models, ...study.config.models } };
      const twinModel = simulator;
      return await runSimulation({
        config, configHash: createHash("sha256").update(`${study.hash}|replay-of:${o.replayOf}`).digest("hex"), store: o.store,
        cohort: r.cohort,
        makeParticipant: (m, onCall) => new ReplayTwin(r.logs.get(m.twinOf!)!, new LlmTwin({ member: m, model: twinModel, generation, useJsonSchema, onCall })),
        makeResponses: () => recordedResponses(r.logs, (twin) => r.humanOf.get(twin)!),
        planFor: (m) => r.plans.get(m.participantId)!,
        ...(o.resume !== undefined ? { resume: o.resume } : {}), concurrency: o.concurrency ?? 4, scrub,
        ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}),
      });
    }

    const cohort = await loadCohort(study, { ...(o.participants !== undefined ? { participants: o.participants } : {}), population });
    let judgeFor: ((m: CohortMember) => OracleParticipant) | null = null;
    if (population === "oracle") {
      const gtDir = resolve(study.dir, study.config.participants.profiles!);
      if (!existsSync(join(gtDir, "ground_truth.jsonl"))) {
        throw new UserError(`oracle participants need planted preference models, but ${gtDir} has no ground_truth.jsonl`, { location: { file: study.file, field: "participants.profiles" }, hint: "use a synthetic cohort from 'prismx data sample'" });
      }
      const truth = await loadGroundTruth(gtDir);
      judgeFor = (m) => {
        const model = truth.get(m.twinOf!);
        if (!model) throw new UserError(`no planted model for ${m.twinOf} in ground_truth.jsonl`, { location: { file: join(gtDir, "ground_truth.jsonl") } });
        return new OracleParticipant({ member: m, judge: (texts, rng: Rng) => plantedJudge(model, texts, rng) });
      };
    }
    arms = await buildArms(study.config, study.dir, { ...(o.env ? { env: o.env } : {}) });
    const armMap = arms.arms;
    const twinModel = simulator;
    return await runSimulation({
      config: study.config, configHash: study.hash, store: o.store, cohort,
      makeParticipant: (m, onCall) => (judgeFor ? judgeFor(m) : new LlmTwin({ member: m, model: twinModel!, generation, useJsonSchema, onCall })),
      makeResponses: (onCall) => armResponses(armMap, onCall),
      ...(o.resume !== undefined ? { resume: o.resume } : {}), concurrency: o.concurrency ?? defaultConcurrency(study.config), scrub,
      ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}),
    });
  } finally {
    await arms?.close();
    await simulator?.close?.();
  }
}

/** Enough participants in flight to keep every endpoint busy. */
export function defaultConcurrency(config: StudyConfig): number {
  let slots = 0;
  for (const m of Object.values(config.models)) slots += m.provider === "openai" ? m.concurrency : m.contexts;
  return Math.max(2, Math.min(256, slots * 2));
}
