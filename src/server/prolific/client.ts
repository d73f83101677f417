/**
 * A small client for the Prolific API (v1): create a draft study with the three completion
 * codes, publish it, list submissions, approve or reject them, pay bonuses, and keep participant
 * groups to re-recruit a past cohort. Hand-written over fetch: Prolific publishes no maintained
 * JS SDK. The API token is sent only in the Authorization header and is never part of an error
 * message, a log line or anything returned.
 */
import type { ServeConfig } from "../config.js";

export class ProlificError extends Error {
  override readonly name = "ProlificError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface CompletionCode {
  code: string;
  code_type: "COMPLETED" | "FAILED_ATTENTION_CHECK" | "OTHER";
  actions: { action: "AUTOMATICALLY_APPROVE" | "MANUALLY_REVIEW" | "REQUEST_RETURN" | "ADD_TO_PARTICIPANT_GROUP"; participant_group?: string }[];
}

export interface DraftStudy {
  name: string;
  internal_name?: string;
  description: string;
  /** The study link; Prolific fills the {{%PROLIFIC_PID%}} placeholders. */
  external_study_url: string;
  estimated_completion_time: number;
  /** In the workspace currency's minor unit (pence/cents). */
  reward: number;
  total_available_places: number;
  completion_codes: CompletionCode[];
  prolific_id_option?: "url_parameters" | "question" | "not_required";
  device_compatibility?: ("desktop" | "tablet" | "mobile")[];
  filters?: unknown[];
  project?: string;
}

export interface Study { id: string; name: string; status: string; [k: string]: unknown }
export interface Submission { id: string; participant_id: string; status: string; study_code?: string | null; started_at?: string; completed_at?: string | null; [k: string]: unknown }
export interface ParticipantGroup { id: string; name: string; [k: string]: unknown }
export interface BonusPayment { id: string; amount?: number; total_amount?: number; [k: string]: unknown }

/** The draft's completion codes from the server config: completed, failed attention check, returned. */
export function completionCodes(codes: ServeConfig["prolific"]["completionCodes"]): CompletionCode[] {
  const out: CompletionCode[] = [];
  if (codes.completed) out.push({ code: codes.completed, code_type: "COMPLETED", actions: [{ action: "MANUALLY_REVIEW" }] });
  if (codes["failed-attention"]) out.push({ code: codes["failed-attention"], code_type: "FAILED_ATTENTION_CHECK", actions: [{ action: "MANUALLY_REVIEW" }] });
  if (codes.returned) out.push({ code: codes.returned, code_type: "OTHER", actions: [{ action: "REQUEST_RETURN" }] });
  return out;
}

/** The study link to give Prolific: the server's URL with Prolific's placeholders in the configured parameter names. */
export function studyLink(serverUrl: string, params: ServeConfig["prolific"]["params"]): string {
  return `${serverUrl.replace(/\/$/, "")}/?${params.participant}={{%PROLIFIC_PID%}}&${params.study}={{%STUDY_ID%}}&${params.session}={{%SESSION_ID%}}`;
}

export interface ProlificClientOptions {
  /** e.g. https://api.prolific.com/api/v1 */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
}

export class ProlificClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  readonly #token: string;

  constructor(o: ProlificClientOptions) {
    if (!o.token) throw new Error("a Prolific API token is required");
    this.base = o.baseUrl.replace(/\/$/, "");
    this.#token = o.token;
    this.doFetch = o.fetch ?? fetch;
  }

  /** Never print the token, even by accident (console.log(client), JSON.stringify(client)). */
  toJSON(): Record<string, string> {
    return { baseUrl: this.base };
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `ProlificClient(${this.base})`;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Token ${this.#token}`, accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new ProlificError(0, `cannot reach the Prolific API at ${this.base}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      // The API's own message, cut short and with the token removed should it ever echo it.
      let detail = text.slice(0, 300);
      try {
        const j = JSON.parse(text) as { error?: { detail?: unknown }; detail?: unknown };
        detail = JSON.stringify(j.error?.detail ?? j.detail ?? j).slice(0, 300);
      } catch { /* keep the text */ }
      throw new ProlificError(res.status, `Prolific API ${method} ${path} failed (${res.status}): ${detail.split(this.#token).join("[redacted]")}`);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  createDraftStudy(study: DraftStudy): Promise<Study> {
    return this.request("POST", "/studies/", { prolific_id_option: "url_parameters", ...study });
  }

  publishStudy(studyId: string): Promise<Study> {
    return this.request("POST", `/studies/${encodeURIComponent(studyId)}/transition/`, { action: "PUBLISH" });
  }

  getStudy(studyId: string): Promise<Study> {
    return this.request("GET", `/studies/${encodeURIComponent(studyId)}/`);
  }

  async listSubmissions(studyId: string): Promise<Submission[]> {
    const out: Submission[] = [];
    let path: string | null = `/studies/${encodeURIComponent(studyId)}/submissions/`;
    while (path) {
      const page: { results: Submission[]; _links?: { next?: { href: string | null } } } = await this.request("GET", path);
      out.push(...page.results);
      const next = page._links?.next?.href ?? null;
      path = next ? next.replace(this.base, "") : null;
    }
    return out;
  }

  approveSubmission(submissionId: string): Promise<Submission> {
    return this.request("POST", `/submissions/${encodeURIComponent(submissionId)}/transition/`, { action: "APPROVE" });
  }

  rejectSubmission(submissionId: string, message: string, category: "FAILED_CHECK" | "LOW_EFFORT" | "NO_DATA" | "OTHER" = "FAILED_CHECK"): Promise<Submission> {
    if (message.length < 100) throw new ProlificError(400, "Prolific asks for a rejection message of at least 100 characters");
    return this.request("POST", `/submissions/${encodeURIComponent(submissionId)}/transition/`, { action: "REJECT", message, rejection_category: category });
  }

  /** Sets up bonuses (amounts in the study currency, e.g. 1.50) and pays them. */
  async payBonuses(studyId: string, bonuses: readonly { prolificPid: string; amount: number }[]): Promise<BonusPayment> {
    for (const b of bonuses) if (!/^[A-Za-z0-9]+$/.test(b.prolificPid) || !(b.amount > 0)) throw new ProlificError(400, "each bonus needs a Prolific id and a positive amount");
    const csv = bonuses.map((b) => `${b.prolificPid},${b.amount.toFixed(2)}`).join("\n");
    const setup = await this.request<BonusPayment>("POST", "/submissions/bonus-payments/", { study_id: studyId, csv_bonuses: csv });
    await this.request("POST", `/bulk-bonus-payments/${encodeURIComponent(setup.id)}/pay/`, {});
    return setup;
  }

  createParticipantGroup(workspaceId: string, name: string, prolificPids: readonly string[] = []): Promise<ParticipantGroup> {
    return this.request("POST", "/participant-groups/", { workspace_id: workspaceId, name, participant_ids: [...prolificPids] });
  }

  addToParticipantGroup(groupId: string, prolificPids: readonly string[]): Promise<unknown> {
    return this.request("POST", `/participant-groups/${encodeURIComponent(groupId)}/participants/`, { participant_ids: [...prolificPids] });
  }

  async participantGroupMembers(groupId: string): Promise<string[]> {
    const r = await this.request<{ results: { participant_id: string }[] }>("GET", `/participant-groups/${encodeURIComponent(groupId)}/participants/`);
    return r.results.map((x) => x.participant_id);
  }
}
