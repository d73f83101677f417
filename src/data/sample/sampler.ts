/**
 * The synthetic PRISM-format cohort (issue 3, part 2). Each participant gets a profile and a
 * planted preference model; their conversations' ratings and choices come from that model plus
 * noise (planted.ts). Row shapes, key orders and id schemes follow prism-dataset.md exactly.
 *
 * Streams are named per participant (`Rng.for(seed, "participant", i, purpose)`), so participant i
 * is the same whatever N is; only the running ids (cN, intN, utN) depend on who came before.
 */
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { Rng } from "../../core/rng.js";
import { UserError } from "../../core/errors.js";
import type { Domain } from "../../core/domain.js";
import { STATED_PREFERENCE_KEYS } from "../../core/profile.js";
import { FEATURES, FEATURES_VERSION, type Feature } from "./features.js";
import { GROUND_TRUTH_FILE, plantedJudge, type PlantedModel } from "./planted.js";
import { conversationSeed, followUp, openFeedback, openingPrompt, responseText, selfDescription, systemString, type ResponseStyle } from "./text.js";
import { EMPTY_STRING, PRISM_FILE_PATHS, type PrismFile } from "../prism/schemas.js";
import { jsonLine, LineSink } from "../prism/jsonl.js";
import { writeDirAtomic } from "../prism/read.js";

type Row = Record<string, unknown>;

export interface SampleOptions {
  participants: number;
  seed: number;
  /**
   * Every participant rates exactly this many conversations (nobody survey-only) instead of PRISM's
   * mix (mostly 6). PRISM has too few per person to tell one person's taste from the population's
   * (trainer/README.md, "Learning on the PRISM-format cohort"); a denser cohort can. Profiles,
   * planted models and conversation c of each participant are those of the default cohort — only
   * how many conversations there are changes (and with it the running ids and timestamps).
   */
  conversationsPerPerson?: number;
  /**
   * Multiplies every participant's rating noise (`score_noise_sd`, drawn from 8–14 rating points)
   * — below 1, choices follow the planted weights more closely, so fewer pairs show a person's taste.
   * The ground truth records the scaled noise.
   */
  choiceNoiseScale?: number;
}

/** The per-participant part of SampleOptions. */
export type DensityOptions = Pick<SampleOptions, "conversationsPerPerson" | "choiceNoiseScale">;

export interface ParticipantBundle {
  survey: Row;
  conversations: Row[];
  utterances: Row[];
  metadata: Row[];
  groundTruth: PlantedModel;
}

/** The 21 PRISM backend models and their providers (prism-dataset.md B5). */
export const PRISM_MODELS: readonly { name: string; provider: string; short: string }[] = [
  { name: "command", provider: "cohere", short: "command" },
  { name: "claude-instant-1", provider: "anthropic", short: "claude-instant-1" },
  { name: "models/chat-bison-001", provider: "google", short: "palm-2" },
  { name: "HuggingFaceH4/zephyr-7b-beta", provider: "huggingface_api", short: "zephyr-7b-beta" },
  { name: "meta-llama/Llama-2-7b-chat-hf", provider: "huggingface_api", short: "llama-2-7b-chat" },
  { name: "command-light", provider: "cohere", short: "command-light" },
  { name: "command-nightly", provider: "cohere", short: "command-nightly" },
  { name: "gpt-4-1106-preview", provider: "openai", short: "gpt-4-turbo" },
  { name: "gpt-4", provider: "openai", short: "gpt-4" },
  { name: "meta-llama/Llama-2-70b-chat-hf", provider: "huggingface_api", short: "llama-2-70b-chat" },
  { name: "gpt-3.5-turbo", provider: "openai", short: "gpt-3.5-turbo" },
  { name: "timdettmers/guanaco-33b-merged", provider: "huggingface_api", short: "guanaco-33b" },
  { name: "claude-2.1", provider: "anthropic", short: "claude-2.1" },
  { name: "mistralai/Mistral-7B-Instruct-v0.1", provider: "huggingface_api", short: "mistral-7b-instruct" },
  { name: "claude-2", provider: "anthropic", short: "claude-2" },
  { name: "tiiuae/falcon-7b-instruct", provider: "huggingface_api", short: "falcon-7b-instruct" },
  { name: "OpenAssistant/oasst-sft-4-pythia-12b-epoch-3.5", provider: "huggingface_api", short: "pythia-12b" },
  { name: "meta-llama/Llama-2-13b-chat-hf", provider: "huggingface_api", short: "llama-2-13b-chat" },
  { name: "luminous-supreme-control", provider: "aleph", short: "luminous-supreme-control" },
  { name: "google/flan-t5-xxl", provider: "huggingface_api", short: "flan-t5-xxl" },
  { name: "luminous-extended-control", provider: "aleph", short: "luminous-extended-control" },
];

const SYSTEM_HEADER = "You are a conversational assistant. Limit your answers to around 50 words. Do not refer to your word limit.";

/** Population-wide part of every planted model: a length bias and mild dislike of caveats, as PRISM-like data shows. */
export const SHARED_WEIGHTS: Record<Feature, number> = { length: 0.6, lists: 0.2, formality: 0, warmth: 0.3, agreement: 0.2, questions: -0.2, caveats: -0.4 };

/** Archetypes: shared structure between some participants (what a cluster user model could find). */
export const ARCHETYPES: Record<string, Partial<Record<Feature, number>>> = {
  neutral: {},
  concise: { length: -1.4, lists: -0.2, questions: -0.3 },
  thorough: { length: 0.8, lists: 0.6, formality: 0.4 },
  companion: { warmth: 1.0, questions: 0.6, formality: -0.6 },
  critic: { agreement: -1.2, warmth: -0.4, formality: 0.4 },
  cautious: { caveats: 1.4, formality: 0.3 },
};
const ARCHETYPE_WEIGHTS: [string, number][] = [["neutral", 0.25], ["concise", 0.15], ["thorough", 0.15], ["companion", 0.15], ["critic", 0.15], ["cautious", 0.15]];
const INDIVIDUAL_SD = 0.35;
/** Deviations from the population at least this large may be stated in the profile. */
const REVEAL_THRESHOLD = 0.5;

const round = (x: number, dp = 3): number => {
  const f = 10 ** dp;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r; // no -0 in JSON
};

function weighted<T>(items: readonly [T, number][], rng: Rng): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rng.float() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return (items[items.length - 1] as [T, number])[0];
}

/** Draws participant `userId`'s planted model and which of its preferences the profile states. */
export function plantModel(userId: string, rng: Rng, noiseScale = 1): { model: PlantedModel; revealed: { feature: Feature; high: boolean }[] } {
  const archetype = weighted(ARCHETYPE_WEIGHTS, rng);
  const offsets = ARCHETYPES[archetype] ?? {};
  const rec = (f: (k: Feature) => number) => Object.fromEntries(FEATURES.map((k) => [k, round(f(k))])) as Record<Feature, number>;
  const shared = rec((k) => SHARED_WEIGHTS[k]);
  const archetypeOffset = rec((k) => offsets[k] ?? 0);
  const individual = rec(() => rng.normal(0, INDIVIDUAL_SD));
  const weights = rec((k) => shared[k] + archetypeOffset[k] + individual[k]);
  const deviations = FEATURES.map((f) => ({ feature: f, d: archetypeOffset[f] + individual[f] }))
    .filter((x) => Math.abs(x.d) >= REVEAL_THRESHOLD)
    .sort((a, b) => Math.abs(b.d) - Math.abs(a.d));
  const k = weighted<number>([[0, 0.15], [1, 0.35], [2, 0.5]], rng);
  const revealed = deviations.slice(0, k).map((x) => ({ feature: x.feature, high: x.d > 0 }));
  const model: PlantedModel = {
    user_id: userId,
    archetype,
    weights,
    shared,
    archetype_offset: archetypeOffset,
    individual,
    revealed: revealed.map((r) => r.feature),
    score_intercept: round(rng.normal(62, 8), 2),
    score_scale: round(18 * (0.8 + 0.4 * rng.float()), 2),
    score_noise_sd: round((8 + 6 * rng.float()) * noiseScale, 2),
    features_version: FEATURES_VERSION,
  };
  return { model, revealed };
}

interface ModelStyle {
  sentences: number;
  listP: number;
  formalP: number;
  casualP: number;
  warmP: number;
  agreeP: number;
  questionP: number;
  caveatP: number;
}

/** Each backend model has its own habits, so the continuing (chosen) model shapes later turns. */
function modelStyle(seed: number, name: string): ModelStyle {
  const r = Rng.for(seed, "model-style", name);
  return {
    sentences: 1.5 + 4.5 * r.float(),
    listP: 0.05 + 0.45 * r.float(),
    formalP: 0.1 + 0.4 * r.float(),
    casualP: 0.05 + 0.3 * r.float(),
    warmP: 0.1 + 0.5 * r.float(),
    agreeP: 0.05 + 0.35 * r.float(),
    questionP: 0.1 + 0.4 * r.float(),
    caveatP: 0.05 + 0.4 * r.float(),
  };
}

function drawStyle(m: ModelStyle, rng: Rng): ResponseStyle {
  const reg = rng.float();
  return {
    sentences: Math.min(9, Math.max(1, Math.round(m.sentences + rng.normal(0, 1.5)))),
    list: rng.bool(m.listP),
    register: reg < m.formalP ? "formal" : reg < m.formalP + m.casualP ? "casual" : "neutral",
    warmth: rng.bool(m.warmP) ? (rng.bool(0.4) ? 2 : 1) : 0,
    agreement: rng.bool(m.agreeP),
    question: rng.bool(m.questionP),
    caveat: rng.bool(m.caveatP),
  };
}

const AGES = ["18-24 years old", "25-34 years old", "35-44 years old", "45-54 years old", "55-64 years old", "65+ years old", "Prefer not to say"];
const GENDERS: [string, number][] = [["Male", 0.48], ["Female", 0.48], ["Non-binary / third gender", 0.03], ["Prefer not to say", 0.01]];
const EMPLOYMENT = ["Working full-time", "Working part-time", "Student", "Unemployed, seeking work", "Retired", "Homemaker / Stay-at-home parent", "Prefer not to say"];
const EDUCATION = ["University Bachelors Degree", "Graduate / Professional degree", "Completed Secondary School", "Some University but no degree", "Vocational", "Some Secondary", "Prefer not to say"];
const MARITAL = ["Never been married", "Married", "Divorced / Separated", "Widowed", "Prefer not to say"];
const ENGLISH = ["Native speaker", "Fluent", "Advanced", "Intermediate", "Basic"];
const RELIGIONS: [string, string, string][] = [["Christian", "Christian", "Christian"], ["none", "No Affiliation", "No Affiliation"], ["Muslim", "Muslim", "Muslim"], ["Jewish", "Jewish", "Jewish"], ["Hindu", "Hindu", "Other"], ["Buddhist", "Buddhist", "Other"], ["spiritual but not religious", "Spiritual", "Other"], ["Catholic", "Christian", "Christian"]];
const ETHNICITIES: [string, string, string][] = [["White", "White", "White"], ["Black", "Black / African", "Black"], ["Asian", "Asian", "Asian"], ["Hispanic", "Hispanic / Latino", "Hispanic"], ["Mixed", "Mixed", "Mixed"], ["Middle Eastern", "Middle Eastern / Arab", "Other"], ["Indigenous", "Indigenous", "Other"]];
const COUNTRIES: [string, string, string, string, string][] = [
  ["United States", "US", "Northern America", "US", "us"], ["United Kingdom", "GB", "Northern Europe", "UK", "uk"],
  ["Canada", "CA", "Northern America", "Northern America", "canada"], ["Australia", "AU", "Australia and New Zealand", "Australia and New Zealand", "australia"],
  ["Germany", "DE", "Western Europe", "Europe", "germany"], ["Poland", "PL", "Eastern Europe", "Europe", "poland"],
  ["Mexico", "MX", "Latin America and the Caribbean", "Latin America and the Caribbean", "mexico"], ["Chile", "CL", "Latin America and the Caribbean", "Latin America and the Caribbean", "chile"],
  ["South Africa", "ZA", "Sub-Saharan Africa", "Africa", "south-africa"], ["India", "IN", "Southern Asia", "Asia", "india"],
  ["Israel", "IL", "Western Asia", "Middle East", "israel"], ["New Zealand", "NZ", "Australia and New Zealand", "Australia and New Zealand", "new-zealand"],
];
const USECASES = ["homework_assistance", "research", "source_suggestions", "professional_work", "creative_writing", "casual_conversation", "personal_recommendations", "daily_productivity", "technical_or_programming_help", "travel_guidance", "lifestyle_and_hobbies", "well-being_guidance", "medical_guidance", "financial_guidance", "games", "historical_or_news_insight", "relationship_advice", "language_learning"];
const ATTRIBUTES = ["values", "fluency", "factuality", "safety", "diversity", "creativity", "helpfulness"];
const MODERATION = ["harassment", "harassment/threatening", "hate", "hate/threatening", "self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence", "violence/graphic"];
const DOMAINS: [Domain, number][] = [["unguided", 0.39], ["values guided", 0.305], ["controversy guided", 0.305]];
const CONVERSATIONS_PER_USER: [number, number][] = [[1, 0.01], [2, 0.02], [3, 0.03], [4, 0.04], [5, 0.08], [6, 0.66], [7, 0.14]];
const TURNS: [number, number][] = [[2, 0.35], [3, 0.3], [4, 0.15], [5, 0.1], [6, 0.05], [7, 0.02], [8, 0.015], [9, 0.01], [10, 0.005]];
const STUDY_START = Date.UTC(2023, 10, 22, 9, 0, 0);

const datetime = (ms: number): string => new Date(ms).toISOString().replace("T", " ").slice(0, 19);

function permutationOrder(keys: readonly string[], rng: Rng, last: string | null, lastValue: number): Row {
  const order = rng.shuffle(keys.map((_, i) => i + 1));
  const out: Row = Object.fromEntries(keys.map((k, i) => [k, order[i]]));
  if (last !== null) out[last] = lastValue;
  return out;
}

function statedPrefs(model: PlantedModel, rng: Rng): Row {
  const out: Row = {};
  const nudge: Partial<Record<(typeof STATED_PREFERENCE_KEYS)[number], number>> = {
    helpfulness: 10 + 8 * model.weights.length,
    factuality: 8 * model.weights.formality,
    safety: 15 * model.weights.caveats,
    personalisation: 12 * model.weights.warmth + 8 * model.weights.questions,
    fluency: 5,
  };
  for (const k of STATED_PREFERENCE_KEYS) out[k] = Math.min(100, Math.max(0, Math.round(55 + 22 * rng.normal() + (nudge[k] ?? 0))));
  out.other = rng.bool(0.05) ? rng.int(0, 100) : null;
  out.other_text = out.other === null ? null : rng.pick(["Humour", "Brevity", "Politeness"]);
  return out;
}

function moderation(rng: Rng): Row {
  const scores = Object.fromEntries(MODERATION.map((c) => [c, rng.bool(0.1) ? round(rng.float() * 0.05, 2) : 0]));
  return { flagged: false, categories: Object.fromEntries(MODERATION.map((c) => [c, false])), category_scores: scores };
}

function metadataRow(column: string, userId: string, conv: string | null, interaction: string | null, utterance: string | null, rng: Rng): Row {
  return {
    column_id: column,
    user_id: userId,
    conversation_id: conv,
    interaction_id: interaction,
    utterance_id: utterance,
    pii_flag: rng.bool(0.01),
    pii_manual_flag: null,
    language_flag: "en",
    en_flag: true,
    moderation_flag: moderation(rng),
  };
}

function attributes(anchor: number, rng: Rng): Row {
  return Object.fromEntries(ATTRIBUTES.map((a) => [a, rng.bool(0.04) ? null : Math.min(100, Math.max(1, Math.round(anchor + rng.normal(0, 12))))]));
}

/** Running id counters shared across participants (PRISM's ids are global row numbers). */
export interface IdCounters {
  conversation: number;
  interaction: number;
  utterance: number;
}

/** Participant `index` of a cohort with `seed`. */
export function sampleParticipant(seed: number, index: number, ids: IdCounters, density: DensityOptions = {}): ParticipantBundle {
  const userId = `user${index}`;
  const rng = (purpose: string, ...more: (string | number)[]) => Rng.for(seed, "participant", index, purpose, ...more);
  const { model, revealed } = plantModel(userId, rng("model"), density.choiceNoiseScale ?? 1);
  const p = rng("profile");
  // Drawn even when overridden, so the rest of the profile comes from the same stream positions.
  const drawnSurveyOnly = p.bool(0.07);
  const drawnConversations = drawnSurveyOnly ? 0 : weighted(CONVERSATIONS_PER_USER, p);
  const fixed = density.conversationsPerPerson;
  const surveyOnly = fixed === undefined ? drawnSurveyOnly : false;
  const nConversations = fixed ?? drawnConversations;
  const [country, iso, subregion, special, locale] = p.pick(COUNTRIES);
  const moved = p.bool(0.1);
  const birth = moved ? p.pick(COUNTRIES) : null;
  const religion = p.pick(RELIGIONS);
  const ethnicity = p.pick(ETHNICITIES);
  const endMs = STUDY_START + p.int(0, 29 * 86400) * 1000;
  const durationS = round(600 + 900 * p.float(), 1);
  const usecases: Row = Object.fromEntries(USECASES.map((u) => [u, p.bool(0.3) ? 1 : 0]));
  usecases.other = 0;
  usecases.other_text = null;
  const familiarity = weighted<string>([["Somewhat familiar", 0.61], ["Very familiar", 0.28], ["Not familiar at all", 0.11]], p);
  const survey: Row = {
    user_id: userId,
    survey_only: surveyOnly,
    num_completed_conversations: nConversations,
    consent: "Yes, I consent to take part",
    consent_age: "Yes, I am 18 years or over",
    lm_familiarity: familiarity,
    lm_indirect_use: p.pick(["Yes", "No", "Unsure"]),
    lm_direct_use: p.pick(["Yes", "No", "Unsure"]),
    lm_frequency_use: familiarity === "Not familiar at all" ? null : p.pick(["Every day", "Every week", "Every month", "Once per month", "Less than once per month", "Never"]),
    self_description: selfDescription(revealed, rng("self")),
    system_string: systemString(revealed, rng("system")),
    age: p.pick(AGES),
    gender: weighted(GENDERS, p),
    employment_status: p.pick(EMPLOYMENT),
    education: p.pick(EDUCATION),
    marital_status: p.pick(MARITAL),
    english_proficiency: p.pick(ENGLISH),
    study_id: `6560${(index % 51).toString(16).padStart(4, "0")}synthetic`,
    study_locale: locale,
    religion: { self_described: religion[0], categorised: religion[1], simplified: religion[2] },
    ethnicity: { self_described: ethnicity[0], categorised: ethnicity[1], simplified: ethnicity[2] },
    location: {
      birth_country: birth ? birth[0] : country,
      birth_countryISO: birth ? birth[1] : iso,
      birth_subregion: birth ? birth[2] : subregion,
      reside_country: country,
      reside_countryISO: iso,
      reside_subregion: subregion,
      same_birth_reside_country: birth && birth[0] !== country ? "No" : "Yes",
      special_region: special,
    },
    lm_usecases: usecases,
    stated_prefs: statedPrefs(model, rng("prefs")),
    order_lm_usecases: permutationOrder(USECASES, p, "other", 19),
    order_stated_prefs: permutationOrder(STATED_PREFERENCE_KEYS, p, "other", 9),
    generated_datetime: datetime(endMs),
    timing_duration_s: durationS,
    timing_duration_mins: round(durationS / 60, 2),
    included_in_US_REP: special === "US" && p.bool(0.5),
    included_in_UK_REP: special === "UK" && p.bool(0.5),
    included_in_balanced_subset: p.bool(0.83),
  };
  const metadata: Row[] = [
    metadataRow("self_description", userId, null, null, null, rng("meta", "self")),
    metadataRow("system_string", userId, null, null, null, rng("meta", "system")),
  ];
  const conversations: Row[] = [];
  const utterances: Row[] = [];
  for (let c = 0; c < nConversations; c++) {
    const r = rng("conversation", c);
    const judgeRng = rng("judge", c);
    const metaRng = rng("meta", "conversation", c);
    const conversationId = `c${ids.conversation++}`;
    const type = weighted(DOMAINS, r);
    const nTurns = weighted(TURNS, r);
    const balanced = survey.included_in_balanced_subset as boolean;
    const cseed = conversationSeed(type, r);
    const history: Row[] = [];
    let userMessage = openingPrompt(cseed, r);
    const opening = userMessage;
    let continuing: (typeof PRISM_MODELS)[number] | null = null;
    let firstChosenRating = 50;
    for (let turn = 0; turn < nTurns; turn++) {
      if (turn > 0) userMessage = followUp(cseed, r);
      const interactionId = `int${ids.interaction++}`;
      history.push({ turn, role: "user", content: userMessage });
      metadata.push(metadataRow("user_prompt", userId, conversationId, interactionId, null, metaRng));
      const models = turn === 0
        ? r.sample(PRISM_MODELS, weighted<number>([[4, 0.8], [3, 0.15], [2, 0.05]], r))
        : [continuing, continuing] as (typeof PRISM_MODELS)[number][];
      const texts = models.map((m) => (r.bool(0.002) ? EMPTY_STRING : responseText(cseed, drawStyle(modelStyle(seed, m.name), r), r)));
      const judged = plantedJudge(model, texts, judgeRng);
      const chosenText = texts[judged.choice] as string;
      const withinIds = r.shuffle(models.map((_, i) => i));
      const order = models.map((_, i) => i).sort((a, b) => (withinIds[a] as number) - (withinIds[b] as number));
      for (const i of order) {
        const m = models[i] as (typeof PRISM_MODELS)[number];
        // Turn 0: the one marked best; later turns: every response whose text continued the conversation.
        const chosen = turn === 0 ? i === judged.choice : texts[i] === chosenText;
        const item: Row = {
          turn, role: "model", content: texts[i], model_provider: m.provider, model_name: m.name,
          score: judged.ratings[i], if_chosen: chosen, within_turn_id: withinIds[i],
        };
        history.push(item);
        const utteranceId = `ut${ids.utterance++}`;
        utterances.push({
          utterance_id: utteranceId, interaction_id: interactionId, conversation_id: conversationId, user_id: userId, turn,
          within_turn_id: withinIds[i], included_in_balanced_subset: balanced, conversation_type: type, user_prompt: userMessage,
          model_response: texts[i], model_name: m.name, model_provider: m.provider, score: judged.ratings[i], if_chosen: chosen,
        });
        metadata.push(metadataRow("model_response", userId, conversationId, interactionId, utteranceId, metaRng));
      }
      if (turn === 0) {
        continuing = models[judged.choice] as (typeof PRISM_MODELS)[number];
        firstChosenRating = judged.ratings[judged.choice] as number;
      }
    }
    const liked = r.bool(0.5) && model.revealed.length > 0 ? { feature: r.pick(model.revealed), high: true } : null;
    if (liked !== null) liked.high = model.weights[liked.feature] > SHARED_WEIGHTS[liked.feature];
    const duration = round(nTurns * 70 + 120 * r.float(), 1);
    conversations.push({
      conversation_id: conversationId,
      user_id: userId,
      included_in_balanced_subset: balanced,
      generated_datetime: datetime(endMs - (nConversations - c) * 600_000),
      timing_duration_s: duration,
      timing_duration_mins: round(duration / 60, 2),
      conversation_type: type,
      opening_prompt: opening,
      conversation_turns: nTurns,
      conversation_history: history,
      performance_attributes: attributes(firstChosenRating, r),
      choice_attributes: attributes(firstChosenRating, r),
      open_feedback: openFeedback(liked, r),
    });
    metadata.push(metadataRow("open_feedback", userId, conversationId, null, null, metaRng));
  }
  return { survey, conversations, utterances, metadata, groundTruth: model };
}

/** The participants of a cohort, one at a time. */
export function* sampleParticipants(opts: SampleOptions): Generator<ParticipantBundle> {
  const ids: IdCounters = { conversation: 0, interaction: 0, utterance: 0 };
  const density: DensityOptions = {
    ...(opts.conversationsPerPerson === undefined ? {} : { conversationsPerPerson: opts.conversationsPerPerson }),
    ...(opts.choiceNoiseScale === undefined ? {} : { choiceNoiseScale: opts.choiceNoiseScale }),
  };
  for (let i = 0; i < opts.participants; i++) yield sampleParticipant(opts.seed, i, ids, density);
}

const PROVIDER_DISPLAY: Record<string, string> = { cohere: "Cohere", anthropic: "Anthropic", openai: "OpenAI", google: "Google", aleph: "Aleph", huggingface_api: "HuggingFace-API" };

/**
 * models.jsonl rows (prism-dataset.md B7), shaped like the GitHub file: display-name providers,
 * parameters as strings, "Yes" flags (and its "Commerical" spelling).
 */
export function modelsRows(): Row[] {
  return PRISM_MODELS.map((m) => {
    const hf = m.provider === "huggingface_api";
    const provider = PROVIDER_DISPLAY[m.provider] ?? m.provider;
    return {
      long_name: m.name,
      short_name: m.short,
      longcode: m.short.replace(/[^a-z0-9]/gi, "").slice(0, 4).toUpperCase(),
      model_family: hf ? "HuggingFace" : provider,
      model_provider: provider,
      model_provider_type: hf ? "Open Access" : "Commerical",
      model_type: "Chat",
      default_params: { temperature: "1.0" },
      selected_params: { temperature: "1.0", max_tokens: hf ? "200" : "256" },
      header: hf ? SYSTEM_HEADER.replace("assistant. ", "assistant. The conversation history is in the input. Reply to the last user message. ") : SYSTEM_HEADER,
      link: hf ? `https://huggingface.co/${m.name}` : null,
      in_yaml: "Yes",
      params_tested: "Yes",
      endpoint_live: "Yes",
      status: "Deployed Successfully",
    };
  });
}

export interface SampleSummary {
  participants: number;
  conversations: number;
  interactions: number;
  utterances: number;
  metadata: number;
}

export interface WriteSampleOptions extends SampleOptions {
  out: string;
  force?: boolean;
}

function checkOptions(opts: SampleOptions): void {
  if (!Number.isInteger(opts.participants) || opts.participants < 1) throw new UserError(`participants must be a whole number ≥ 1, got ${opts.participants}`, { location: { field: "--participants" } });
  if (!Number.isInteger(opts.seed)) throw new UserError(`seed must be a whole number, got ${opts.seed}`, { location: { field: "--seed" } });
  const c = opts.conversationsPerPerson;
  if (c !== undefined && (!Number.isInteger(c) || c < 1)) throw new UserError(`conversations per person must be a whole number ≥ 1, got ${c}`, { location: { field: "--conversations-per-person" } });
  const z = opts.choiceNoiseScale;
  if (z !== undefined && !(Number.isFinite(z) && z >= 0)) throw new UserError(`choice noise scale must be a number ≥ 0, got ${z}`, { location: { field: "--choice-noise-scale" } });
}

function cohortReadme(opts: SampleOptions, s: SampleSummary): string {
  return `# Synthetic PRISM-format cohort

Made by \`prismx data sample --participants ${opts.participants} --seed ${opts.seed}${opts.conversationsPerPerson === undefined ? "" : ` --conversations-per-person ${opts.conversationsPerPerson}`}${opts.choiceNoiseScale === undefined ? "" : ` --choice-noise-scale ${opts.choiceNoiseScale}`}\` — no real PRISM rows:
${s.participants} participants, ${s.conversations} conversations, ${s.interactions} turns, ${s.utterances} utterances.
Same files and row shapes as the PRISM release (survey, conversations, utterances, metadata, models),
plus \`${GROUND_TRUTH_FILE}\`: each participant's planted preference model — weights over response
features (${FEATURES.join(", ")}; see src/data/sample/features.ts), split into a shared, an archetype
and an individual part, and which of them the profile states in words (\`revealed\`). Ratings and
choices in the conversations follow those models plus noise (src/data/sample/planted.ts).
`;
}

/** Writes a synthetic cohort (PRISM files + ground_truth.jsonl) to `out`, atomically, streaming. */
export async function writeSampleCohort(opts: WriteSampleOptions): Promise<SampleSummary> {
  checkOptions(opts);
  const summary: SampleSummary = { participants: 0, conversations: 0, interactions: 0, utterances: 0, metadata: 0 };
  await writeDirAtomic(opts.out, async (tmp) => {
    const names: PrismFile[] = ["survey", "conversations", "utterances", "metadata"];
    const sinks = Object.fromEntries(names.map((n) => [n, new LineSink(join(tmp, PRISM_FILE_PATHS[n][0] as string))])) as Record<(typeof names)[number], LineSink>;
    const truth = new LineSink(join(tmp, GROUND_TRUTH_FILE));
    const models = new LineSink(join(tmp, PRISM_FILE_PATHS.models[0] as string));
    const all = [...Object.values(sinks), truth, models];
    try {
      for (const row of modelsRows()) await models.write(jsonLine(row));
      for (const b of sampleParticipants(opts)) {
        summary.participants++;
        await sinks.survey.write(jsonLine(b.survey));
        await truth.write(jsonLine(b.groundTruth));
        for (const c of b.conversations) {
          summary.conversations++;
          summary.interactions += c.conversation_turns as number;
          await sinks.conversations.write(jsonLine(c));
        }
        summary.utterances += b.utterances.length;
        await sinks.utterances.write(b.utterances.map(jsonLine).join(""));
        summary.metadata += b.metadata.length;
        await sinks.metadata.write(b.metadata.map(jsonLine).join(""));
      }
      for (const s of all) await s.close();
      await writeFile(join(tmp, "README.md"), cohortReadme(opts, summary));
    } catch (e) {
      for (const s of all) s.destroy();
      throw e;
    }
  }, opts.force === undefined ? {} : { force: opts.force });
  return summary;
}
