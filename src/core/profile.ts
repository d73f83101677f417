/**
 * A participant's profile: the PRISM survey fields prismx uses (prism-dataset.md B3), in
 * prismx's own camelCase names. Nullable where PRISM has nulls or "not shown".
 */
import { z } from "zod";

export const STATED_PREFERENCE_KEYS = [
  "values", "creativity", "fluency", "factuality", "diversity", "safety", "personalisation", "helpfulness",
] as const;
export const StatedPreferenceKey = z.enum(STATED_PREFERENCE_KEYS);
export type StatedPreferenceKey = z.infer<typeof StatedPreferenceKey>;

const Score100 = z.number().min(0).max(100);

export const Demographics = z.strictObject({
  age: z.string().nullable().default(null),
  gender: z.string().nullable().default(null),
  education: z.string().nullable().default(null),
  employmentStatus: z.string().nullable().default(null),
  maritalStatus: z.string().nullable().default(null),
  englishProficiency: z.string().nullable().default(null),
  religion: z.string().nullable().default(null),
  ethnicity: z.string().nullable().default(null),
});
export type Demographics = z.infer<typeof Demographics>;

export const Location = z.strictObject({
  birthCountry: z.string().nullable().default(null),
  resideCountry: z.string().nullable().default(null),
  specialRegion: z.string().nullable().default(null),
});
export type Location = z.infer<typeof Location>;

export const Profile = z.strictObject({
  /** Pseudonymous id (PRISM's `userN`, a prismx id, never a Prolific id). */
  participantId: z.string().min(1),
  selfDescription: z.string(),
  /** The participant's own "system prompt" for an assistant. */
  systemString: z.string(),
  /** 0–100 importance sliders; `other` free text when given. */
  statedPreferences: z.strictObject(Object.fromEntries(STATED_PREFERENCE_KEYS.map((k) => [k, Score100])) as Record<StatedPreferenceKey, typeof Score100>),
  statedPreferencesOther: z.string().nullable().default(null),
  demographics: Demographics,
  location: Location,
  lmFamiliarity: z.string().nullable().default(null),
  lmFrequencyUse: z.string().nullable().default(null),
});
export type Profile = z.infer<typeof Profile>;

/** The k stated preferences with the highest scores (ties broken by the PRISM key order). */
export function topStatedPreferences(profile: Profile, k = 3): StatedPreferenceKey[] {
  return STATED_PREFERENCE_KEYS.map((key, i) => ({ key, i, v: profile.statedPreferences[key] }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, k)
    .map((x) => x.key);
}
