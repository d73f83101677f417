// Mirrors of the server's wire types (src/server/views.ts, answers.ts); the UI imports nothing from the server.
export type Domain = "unguided" | "values guided" | "controversy guided";
export interface BlindMessage { role: "user" | "assistant"; text: string }
export interface BlindResponse { label: string; position: number; text: string }
export interface JudgeForm { ratings: boolean; allowTie: boolean; reasons: boolean; freeText: boolean }
export type Outcome = "completed" | "failed-attention" | "returned" | "ended";

export type ClientView =
  | { kind: "consent"; text: string }
  | { kind: "profile" }
  | { kind: "write"; conversation: number; turn: number; domain: Domain; history: BlindMessage[]; canEnd: boolean; minTurns: number; maxTurns: number }
  | { kind: "generating"; conversation: number; turn: number; domain: Domain; history: BlindMessage[]; message: string; labels: string[] }
  | { kind: "judge"; conversation: number; turn: number; domain: Domain; history: BlindMessage[]; message: string; responses: BlindResponse[]; form: JudgeForm }
  | { kind: "feedback"; conversation: number; domain: Domain; history: BlindMessage[]; ratingRequired: boolean; askFeedback: boolean }
  | { kind: "attention"; check: number; question: string; options: string[] }
  | { kind: "probe"; probe: number; history: BlindMessage[]; message: string; responses: BlindResponse[]; form: JudgeForm }
  | { kind: "done"; outcome: Outcome; code: string | null; redirectUrl: string | null };

export interface TaskPayload { seq: number; progress: { done: number; total: number }; view: ClientView }

export interface Telemetry { pastes: number; typingMs: number; tabSwitches: number }
export interface ProfileAnswer {
  selfDescription: string;
  systemString: string;
  statedPreferences: Record<"values" | "creativity" | "fluency" | "factuality" | "diversity" | "safety" | "personalisation" | "helpfulness", number>;
  statedPreferencesOther: string | null;
  demographics: Record<"age" | "gender" | "education" | "employmentStatus" | "maritalStatus" | "englishProficiency" | "religion" | "ethnicity", string | null>;
  location: Record<"birthCountry" | "resideCountry" | "specialRegion", string | null>;
  lmFamiliarity: string | null;
  lmFrequencyUse: string | null;
}
interface JudgementFields { ratings: (number | null)[]; choice: number | null; tie: boolean; reasons: string | null; freeText: string | null }
export type Answer =
  | { type: "consent" }
  | { type: "profile"; profile: ProfileAnswer }
  | { type: "message"; conversation: number; turn: number; text: string; telemetry: Telemetry }
  | ({ type: "judgement"; conversation: number; turn: number; elapsedMs: number } & JudgementFields)
  | { type: "end-conversation"; conversation: number; rating: number | null; feedback: string | null }
  | { type: "attention"; check: number; answer: string }
  | ({ type: "probe"; probe: number } & JudgementFields);
