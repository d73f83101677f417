/**
 * Settling a Prolific study from the event log: approve whom the study completed, reject those
 * who failed the attention checks (with Prolific's required message), leave the rest for review;
 * and the Prolific ids of a finished cohort, for a participant group to re-recruit them. The
 * Prolific ids come from the identity vault, never from the store or an export.
 */
import type { TerminationReason } from "../../core/index.js";
import type { Store } from "../../store/index.js";
import type { IdentityVault } from "../identities.js";
import type { ProlificClient, Submission } from "./client.js";

export const FAILED_ATTENTION_MESSAGE =
  "Thank you for taking part. Unfortunately your submission did not pass the attention checks included in this study, which we state in the study description, so we cannot approve it.";

export interface Settlement {
  approved: string[];
  rejected: string[];
  review: string[];
}

async function reasonOf(store: Store, studyId: string, participantId: string): Promise<TerminationReason | null> {
  const events = await store.events.list(studyId, participantId);
  const last = events.at(-1)?.body;
  return last?.type === "participant.finished" ? last.reason : null;
}

export async function settleSubmissions(client: ProlificClient, prolificStudyId: string, o: { store: Store; studyId: string; vault: IdentityVault }): Promise<Settlement> {
  const byProlific = new Map(o.vault.all().filter((i) => i.prolificPid).map((i) => [i.prolificPid!, i.participantId]));
  const out: Settlement = { approved: [], rejected: [], review: [] };
  const submissions: Submission[] = await client.listSubmissions(prolificStudyId);
  for (const s of submissions) {
    if (s.status !== "AWAITING REVIEW") continue;
    const pid = byProlific.get(s.participant_id);
    const reason = pid ? await reasonOf(o.store, o.studyId, pid) : null;
    if (reason === "completed") {
      await client.approveSubmission(s.id);
      out.approved.push(s.id);
    } else if (reason === "failed-attention") {
      await client.rejectSubmission(s.id, FAILED_ATTENTION_MESSAGE, "FAILED_CHECK");
      out.rejected.push(s.id);
    } else {
      out.review.push(s.id);
    }
  }
  return out;
}

/** Prolific ids of participants who completed the study: a cohort to re-recruit. */
export async function completedCohort(o: { store: Store; studyId: string; vault: IdentityVault }): Promise<string[]> {
  const out: string[] = [];
  for (const i of o.vault.all()) {
    if (i.prolificPid && (await reasonOf(o.store, o.studyId, i.participantId)) === "completed") out.push(i.prolificPid);
  }
  return out.sort();
}
