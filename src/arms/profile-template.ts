/**
 * Renders a participant's profile into text for the `prompt` strategy through a template with
 * {placeholders}. Unknown placeholders are a config error, caught when the arm is built.
 */
import { topStatedPreferences, type Profile } from "../core/profile.js";
import { UserError } from "../core/errors.js";

export const DEFAULT_PROFILE_TEMPLATE = [
  "About the person you are talking to (use it to tailor your answers):",
  "- In their own words: {selfDescription}",
  "- What they want from an assistant: {systemString}",
  "- What matters most to them in an answer: {topPreferences}",
  "- Demographics: {demographics}",
].join("\n");

const LABELS: Record<string, string> = {
  age: "age", gender: "gender", education: "education", employmentStatus: "employment", maritalStatus: "marital status",
  englishProficiency: "English", religion: "religion", ethnicity: "ethnicity",
};

function demographics(p: Profile): string {
  const parts = Object.entries(p.demographics).filter(([, v]) => v !== null && v !== "").map(([k, v]) => `${LABELS[k] ?? k}: ${v}`);
  const place = p.location.resideCountry ?? p.location.birthCountry;
  if (place) parts.push(`lives in: ${place}`);
  return parts.join("; ") || "not given";
}

const FIELDS: Record<string, (p: Profile) => string> = {
  participantId: (p) => p.participantId,
  selfDescription: (p) => p.selfDescription.trim() || "not given",
  systemString: (p) => p.systemString.trim() || "not given",
  topPreferences: (p) => topStatedPreferences(p, 3).join(", "),
  statedPreferences: (p) => Object.entries(p.statedPreferences).map(([k, v]) => `${k} ${v}/100`).join(", "),
  statedPreferencesOther: (p) => p.statedPreferencesOther ?? "none",
  demographics,
  location: (p) => [p.location.resideCountry, p.location.birthCountry].filter(Boolean).join(" / ") || "not given",
  lmFamiliarity: (p) => p.lmFamiliarity ?? "not given",
  lmFrequencyUse: (p) => p.lmFrequencyUse ?? "not given",
};

export const PROFILE_PLACEHOLDERS = Object.keys(FIELDS);

export function checkProfileTemplate(template: string, field = "profileTemplate"): void {
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    if (!(m[1]! in FIELDS)) throw new UserError(`unknown placeholder {${m[1]}} in the profile template`, { location: { field }, hint: `use any of ${PROFILE_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}` });
  }
}

export function renderProfile(template: string, profile: Profile): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => FIELDS[key]?.(profile) ?? whole);
}
