/** The profile survey: PRISM's fields (self-description, system string, stated preferences, demographics, location, LM use). */
import { useId, useState } from "react";
import { PageTitle, RatingSlider } from "./components";
import type { ProfileAnswer } from "./types";

const PREFS: [keyof ProfileAnswer["statedPreferences"], string][] = [
  ["values", "It reflects my values or cultural perspective"], ["creativity", "It produces creative and inspiring content"],
  ["fluency", "It produces fluent, well-written text"], ["factuality", "It produces factual and informative responses"],
  ["diversity", "It summarises multiple viewpoints or different worldviews"], ["safety", "It produces responses that are safe and do not risk harm"],
  ["personalisation", "It learns from our conversations and feels personalised to me"], ["helpfulness", "It produces responses that are helpful and relevant to my requests"],
];

const NOT_SAY = "Prefer not to say";
const DEMOGRAPHICS: [keyof ProfileAnswer["demographics"], string, string[]][] = [
  ["age", "Age", ["18-24 years old", "25-34 years old", "35-44 years old", "45-54 years old", "55-64 years old", "65+ years old", NOT_SAY]],
  ["gender", "Gender", ["Male", "Female", "Non-binary / third gender", NOT_SAY]],
  ["education", "Highest education", ["Some Secondary", "Completed Secondary School", "Vocational", "Some University but no degree", "University Bachelors Degree", "Graduate / Professional degree", NOT_SAY]],
  ["employmentStatus", "Employment", ["Working full-time", "Working part-time", "Student", "Unemployed, seeking work", "Retired", "Homemaker / Stay-at-home parent", NOT_SAY]],
  ["maritalStatus", "Marital status", ["Never been married", "Married", "Divorced / Separated", "Widowed", NOT_SAY]],
  ["englishProficiency", "English", ["Native speaker", "Fluent", "Advanced", "Intermediate", "Basic"]],
  ["religion", "Religion", ["Christian", "Muslim", "Jewish", "Hindu", "Buddhist", "Spiritual", "No Affiliation", "Other", NOT_SAY]],
  ["ethnicity", "Ethnicity", ["White", "Black / African", "Asian", "Hispanic / Latino", "Mixed", "Middle Eastern / Arab", "Indigenous", "Other", NOT_SAY]],
];
const FAMILIARITY = ["Very familiar", "Somewhat familiar", "Not familiar at all"];
const FREQUENCY = ["Every day", "Every week", "Every month", "Less than once per month", "Never"];

function Select(props: { label: string; value: string | null; options: string[]; onChange: (v: string | null) => void; testId?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value ?? ""} data-testid={props.testId} onChange={(e) => props.onChange(e.target.value || null)}>
        <option value="">Choose…</option>
        {props.options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </div>
  );
}

function TextField(props: { label: string; value: string; onChange: (v: string) => void; rows?: number; testId?: string; hint?: string }) {
  const id = useId();
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint && <p id={hintId} className="hint">{props.hint}</p>}
      {props.rows
        ? <textarea id={id} rows={props.rows} value={props.value} maxLength={2000} data-testid={props.testId} aria-describedby={props.hint ? hintId : undefined} onChange={(e) => props.onChange(e.target.value)} />
        : <input id={id} value={props.value} maxLength={200} data-testid={props.testId} onChange={(e) => props.onChange(e.target.value)} />}
    </div>
  );
}

export function ProfileForm(props: { busy: boolean; onSubmit: (p: ProfileAnswer) => void }) {
  const [selfDescription, setSelf] = useState("");
  const [systemString, setSystem] = useState("");
  const [prefs, setPrefs] = useState<Record<string, number | null>>(Object.fromEntries(PREFS.map(([k]) => [k, null])));
  const [other, setOther] = useState("");
  const [demo, setDemo] = useState<ProfileAnswer["demographics"]>({ age: null, gender: null, education: null, employmentStatus: null, maritalStatus: null, englishProficiency: null, religion: null, ethnicity: null });
  const [loc, setLoc] = useState<ProfileAnswer["location"]>({ birthCountry: null, resideCountry: null, specialRegion: null });
  const [fam, setFam] = useState<string | null>(null);
  const [freq, setFreq] = useState<string | null>(null);
  const missing = !selfDescription.trim() || !systemString.trim() || PREFS.some(([k]) => prefs[k] === null);
  const send = () => props.onSubmit({
    selfDescription: selfDescription.trim(), systemString: systemString.trim(),
    statedPreferences: Object.fromEntries(PREFS.map(([k]) => [k, prefs[k] ?? 50])) as ProfileAnswer["statedPreferences"],
    statedPreferencesOther: other.trim() || null, demographics: demo,
    location: { birthCountry: loc.birthCountry?.trim() || null, resideCountry: loc.resideCountry?.trim() || null, specialRegion: null },
    lmFamiliarity: fam, lmFrequencyUse: freq,
  });
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (!missing) send(); }}>
      <PageTitle>About you</PageTitle>
      <TextField label="Describe yourself in a few sentences" rows={3} value={selfDescription} onChange={setSelf} testId="self-description" hint="Your values, interests, what matters to you." />
      <TextField label="How should an AI assistant behave with you?" rows={3} value={systemString} onChange={setSystem} testId="system-string" hint="Write it as if you were instructing the assistant." />
      <fieldset>
        <legend>How important is each of these to you in an AI assistant?</legend>
        {PREFS.map(([k, label]) => (
          <RatingSlider key={k} label={label} value={prefs[k] ?? null} onChange={(v) => setPrefs((p) => ({ ...p, [k]: v }))} testId={`pref-${k}`} />
        ))}
        <TextField label="Anything else that matters to you? (optional)" value={other} onChange={setOther} />
      </fieldset>
      <fieldset>
        <legend>About you (each question is optional)</legend>
        {DEMOGRAPHICS.map(([k, label, options]) => (
          <Select key={k} label={label} value={demo[k]} options={options} onChange={(v) => setDemo((d) => ({ ...d, [k]: v }))} testId={`demo-${k}`} />
        ))}
        <TextField label="Country of birth" value={loc.birthCountry ?? ""} onChange={(v) => setLoc((l) => ({ ...l, birthCountry: v }))} />
        <TextField label="Country of residence" value={loc.resideCountry ?? ""} onChange={(v) => setLoc((l) => ({ ...l, resideCountry: v }))} />
        <Select label="How familiar are you with AI assistants?" value={fam} options={FAMILIARITY} onChange={setFam} />
        <Select label="How often do you use them?" value={freq} options={FREQUENCY} onChange={setFreq} />
      </fieldset>
      {missing && <p className="hint">Please describe yourself, say how the assistant should behave, and rate every item.</p>}
      <button type="submit" disabled={props.busy || missing}>Continue</button>
    </form>
  );
}
