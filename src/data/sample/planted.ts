/**
 * Planted preference models: each synthetic participant's utility is a weighted sum of response
 * features (features.ts). Weights = shared population part + archetype part + individual part.
 * Ratings follow utility plus Gaussian noise; the chosen response is the best rated (ties at
 * random), as in PRISM. The sampler and the demo's oracle participants use the same functions, so
 * an oracle judges a real model's answers exactly as its synthetic twin judged the cohort's.
 */
import { z } from "zod";
import type { Rng } from "../../core/rng.js";
import { extractFeatures, FEATURES, FEATURES_VERSION, type Feature, type FeatureVector } from "./features.js";

export const FeatureName = z.enum(FEATURES);
const Weights = z.strictObject(Object.fromEntries(FEATURES.map((f) => [f, z.number()])) as Record<Feature, z.ZodNumber>);

/** One row of ground_truth.jsonl. */
export const PlantedModel = z.strictObject({
  user_id: z.string().min(1),
  archetype: z.string(),
  /** Total weight per feature = shared + archetype_offset + individual. */
  weights: Weights,
  shared: Weights,
  archetype_offset: Weights,
  individual: Weights,
  /** Features whose preference the profile states in words (self description, system string); the rest show only in choices. */
  revealed: z.array(FeatureName),
  /** rating = intercept + scale · utility + N(0, noise_sd), rounded and clamped to 1..100. */
  score_intercept: z.number(),
  score_scale: z.number().positive(),
  score_noise_sd: z.number().nonnegative(),
  features_version: z.literal(FEATURES_VERSION),
});
export type PlantedModel = z.infer<typeof PlantedModel>;

export const GROUND_TRUTH_FILE = "ground_truth.jsonl";

/** Utility of `features` under `model`'s weights. */
export function utilityOfFeatures(model: Pick<PlantedModel, "weights">, features: FeatureVector): number {
  let u = 0;
  for (const f of FEATURES) u += model.weights[f] * features[f];
  return u;
}

/** The planted utility of a response text (higher = preferred). Pure. */
export function plantedUtility(model: Pick<PlantedModel, "weights">, responseText: string): number {
  return utilityOfFeatures(model, extractFeatures(responseText));
}

/** Expected rating of a response before noise (not rounded or clamped). */
export function plantedMeanRating(model: PlantedModel, responseText: string): number {
  return model.score_intercept + model.score_scale * plantedUtility(model, responseText);
}

/** Bradley–Terry probability that `a` beats `b` under the planted model (logistic in the rating difference). */
export function plantedPreferenceProbability(model: PlantedModel, a: string, b: string): number {
  const sd = Math.max(model.score_noise_sd, 1e-9);
  // Difference of two N(0, sd) noises has sd·√2; a logistic with scale sd·√2·(√3/π) matches its variance.
  const s = (sd * Math.SQRT2 * Math.sqrt(3)) / Math.PI;
  const d = model.score_scale * (plantedUtility(model, a) - plantedUtility(model, b));
  return 1 / (1 + Math.exp(-d / s));
}

export interface PlantedJudgement {
  /** One 1–100 rating per response, in the order given. */
  ratings: number[];
  /** Index of the chosen (best-rated) response; ties broken at random. */
  choice: number;
  utilities: number[];
}

/** Rates and chooses among `responseTexts` as the participant would: utility + noise, best rated chosen. */
export function plantedJudge(model: PlantedModel, responseTexts: readonly string[], rng: Rng): PlantedJudgement {
  if (responseTexts.length === 0) throw new RangeError("plantedJudge: no responses");
  const utilities = responseTexts.map((t) => plantedUtility(model, t));
  const ratings = utilities.map((u) => {
    const r = Math.round(model.score_intercept + model.score_scale * u + rng.normal(0, model.score_noise_sd));
    return Math.min(100, Math.max(1, r));
  });
  const best = Math.max(...ratings);
  const top = ratings.flatMap((r, i) => (r === best ? [i] : []));
  return { ratings, choice: top.length === 1 ? (top[0] as number) : rng.pick(top), utilities };
}
