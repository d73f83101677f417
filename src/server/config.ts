/**
 * How one `prismx serve` runs a study with people: entry (Prolific link parameter names, invite
 * codes), consent text, Prolific completion codes and API, attention policy, limits. Read from an
 * optional YAML file (`--server-config`); every field has a default. Secrets (the Prolific API
 * token, the admin token) come from environment variables named here, never from the file.
 */
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod";
import { UserError } from "../core/errors.js";
import { yamlPath } from "../core/study.js";

export const DEFAULT_CONSENT = [
  "## Consent",
  "",
  "In this study you will talk with AI assistants and tell us which answers you prefer.",
  "Your answers are stored under a random participant id; we do not store your name.",
  "You may stop at any time by choosing **Leave the study**.",
  "",
  "Do not share personal information in your messages.",
].join("\n");

export const CompletionCodes = z.strictObject({
  completed: z.string().min(1).nullable().default(null),
  "failed-attention": z.string().min(1).nullable().default(null),
  returned: z.string().min(1).nullable().default(null),
});

export const ServeConfig = z.strictObject({
  prolific: z.strictObject({
    /** Query parameter names of the study link (Prolific's defaults). */
    params: z.strictObject({
      participant: z.string().default("PROLIFIC_PID"),
      study: z.string().default("STUDY_ID"),
      session: z.string().default("SESSION_ID"),
    }).prefault({}),
    completionCodes: CompletionCodes.prefault({}),
    /** Where a finished participant is sent; `{code}` is replaced by the completion code. */
    completionUrl: z.string().default("https://app.prolific.com/submissions/complete?cc={code}"),
    apiUrl: z.url().default("https://api.prolific.com/api/v1"),
    /** Environment variable holding the Prolific API token (never the token itself). */
    apiTokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default("PROLIFIC_API_TOKEN"),
  }).prefault({}),
  /** Invite codes for entry without Prolific (e.g. a lab session). */
  invites: z.array(z.string().min(4).max(128)).default([]),
  /** Consent text (markdown). */
  consent: z.string().min(1).default(DEFAULT_CONSENT),
  attention: z.strictObject({
    /** End the study (reason failed-attention) after this many failed checks; 0 = never. */
    endAfterFailures: z.number().int().nonnegative().default(1),
  }).prefault({}),
  limits: z.strictObject({
    bodyBytes: z.number().int().positive().default(64 * 1024),
    /** Requests per minute per participant session. */
    perParticipantPerMinute: z.number().int().positive().default(300),
    /** Entry requests per minute per client address. */
    entryPerMinute: z.number().int().positive().default(60),
    messageChars: z.number().int().positive().default(4000),
  }).prefault({}),
  /** CSV with columns `prolific_pid,prism_user_id`: re-recruited PRISM participants keep their PRISM profile. */
  profileMap: z.string().nullable().default(null),
});
export type ServeConfig = z.infer<typeof ServeConfig>;

export function parseServeConfig(text: string, file: string): ServeConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UserError(`not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`, { location: { file } });
  const r = ServeConfig.safeParse(doc.toJS() ?? {});
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new UserError(i.message, { location: { file, field: yamlPath(i.path) }, hint: "see src/server/config.ts for the server config fields" });
}

export function loadServeConfig(file: string | null): ServeConfig {
  if (!file) return ServeConfig.parse({});
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read the server config: ${(e as Error).message}`, { location: { file } });
  }
  return parseServeConfig(text, file);
}
