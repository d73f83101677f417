/**
 * Observable features of a response text, the inputs of the planted preference models. Pure and
 * transparent on purpose (word counts, line shapes, lexicons): an oracle must be able to judge any
 * real model's answer the same way it judged the synthetic cohort's. Hand-written rather than a
 * library because each feature must stay exactly reproducible across versions (see FEATURES_VERSION).
 */
import { EMPTY_STRING } from "../prism/schemas.js";

export const FEATURES = ["length", "lists", "formality", "warmth", "agreement", "questions", "caveats"] as const;
export type Feature = (typeof FEATURES)[number];
export type FeatureVector = Record<Feature, number>;

/** Bumped whenever a feature's definition changes; ground-truth files record it. */
export const FEATURES_VERSION = 1;

const FORMAL = /\b(?:furthermore|moreover|consequently|therefore|additionally|in conclusion|it is important to note|one may|one might|nevertheless|thus|hence|with regard to|in addition)\b/g;
const CONTRACTIONS = /\b(?:i'm|you're|it's|don't|can't|won't|isn't|aren't|that's|there's|let's|we're|they're|i'll|you'll|i've|you've|didn't|doesn't|wouldn't|shouldn't|couldn't|here's|what's)(?![a-z])/g;
const SLANG = /\b(?:hey|yeah|cool|awesome|gonna|wanna|kinda|super|totally|stuff|honestly|lol)\b/g;
const EMOJI = /\p{Extended_Pictographic}/gu;
const WARM = /\b(?:i'm sorry|i am sorry|i understand|that sounds|i hope|take care|you're not alone|you are not alone|glad|happy to help|wonderful|i appreciate|it's okay|it is okay|be kind to yourself|i'm here for you|completely understandable)\b/g;
const AGREE = /\b(?:you're (?:absolutely |completely |so )?right|you are (?:absolutely |completely )?right|great question|great point|good point|excellent point|excellent question|i (?:completely |totally |fully )?agree|exactly right|what a great|you make a (?:great|good|valid) point)\b/g;
const CAVEAT = /\b(?:consult (?:a|an|your) (?:professional|doctor|expert|lawyer|financial advisor)|as an ai|i'm not a (?:doctor|lawyer|professional)|i am not a (?:doctor|lawyer|professional)|it's important to note|it is important to note|please note|seek professional|i cannot provide|i can't provide|disclaimer|be careful|at your own risk|may not be suitable)\b/g;
const LIST_LINE = /^\s*(?:[-*•]|\d{1,2}[.)])\s+\S/;

const count = (re: RegExp, s: string): number => s.match(re)?.length ?? 0;
const saturate = (n: number, at: number): number => Math.min(1, n / at);

/** Number of whitespace-separated words. */
export function wordCount(text: string): number {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/).length;
}

/**
 * - length: log2((words + 10) / 60) — 0 near 50 words (PRISM's "around 50 words"), +1 per doubling.
 * - lists: share of list-item lines, saturating at 3 items (0..1).
 * - formality: tanh(0.5 · (formal connectives − contractions, slang, "!" and emoji)) (−1..1).
 * - warmth, agreement (with the user), questions (back to the user), caveats: phrase counts, saturating at 2 (0..1).
 */
export function extractFeatures(responseText: string): FeatureVector {
  const text = responseText === EMPTY_STRING ? "" : responseText;
  const lower = text.toLowerCase().replace(/[’‘]/g, "'");
  const words = wordCount(text);
  const lines = text.split("\n");
  const listLines = lines.filter((l) => LIST_LINE.test(l)).length;
  const casual = count(CONTRACTIONS, lower) + count(SLANG, lower) + count(/!/g, lower) + count(EMOJI, text);
  return {
    length: Math.log2((words + 10) / 60),
    lists: saturate(listLines, 3),
    formality: Math.tanh(0.5 * (count(FORMAL, lower) - casual)),
    warmth: saturate(count(WARM, lower), 2),
    agreement: saturate(count(AGREE, lower), 2),
    questions: saturate(count(/\?(?=\s|$)/g, text), 2),
    caveats: saturate(count(CAVEAT, lower), 2),
  };
}
