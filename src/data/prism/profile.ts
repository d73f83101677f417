/** PRISM survey row → prismx Profile (core/profile.ts). */
import { Profile, STATED_PREFERENCE_KEYS, type StatedPreferenceKey } from "../../core/profile.js";
import type { SurveyRow } from "./schemas.js";

function nested(v: { simplified?: string | null | undefined; categorised?: string | null | undefined; self_described?: string | null | undefined } | null | undefined): string | null {
  return v?.simplified ?? v?.categorised ?? v?.self_described ?? null;
}

/**
 * Maps a validated survey row to a Profile. A slider PRISM left empty (null) becomes 0, i.e.
 * "not stated as important"; religion and ethnicity use the simplified category when present.
 */
export function profileFromSurveyRow(row: SurveyRow): Profile {
  const prefs = Object.fromEntries(STATED_PREFERENCE_KEYS.map((k) => [k, row.stated_prefs[k] ?? 0])) as Record<StatedPreferenceKey, number>;
  return Profile.parse({
    participantId: row.user_id,
    selfDescription: row.self_description,
    systemString: row.system_string,
    statedPreferences: prefs,
    statedPreferencesOther: row.stated_prefs.other_text ?? null,
    demographics: {
      age: row.age,
      gender: row.gender,
      education: row.education,
      employmentStatus: row.employment_status,
      maritalStatus: row.marital_status,
      englishProficiency: row.english_proficiency,
      religion: nested(row.religion),
      ethnicity: nested(row.ethnicity),
    },
    location: {
      birthCountry: row.location?.birth_country ?? null,
      resideCountry: row.location?.reside_country ?? null,
      specialRegion: row.location?.special_region ?? null,
    },
    lmFamiliarity: row.lm_familiarity ?? null,
    lmFrequencyUse: row.lm_frequency_use ?? null,
  });
}
