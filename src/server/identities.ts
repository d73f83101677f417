/**
 * The link between a pseudonymous participant id and the credential they entered with (Prolific
 * ids, invite code). Kept apart from the study store on purpose: exports and logs read the store,
 * never this file, so a Prolific id cannot leak through them. The admin's Prolific actions
 * (approve, bonus, re-recruit) read it through `IdentityVault.get`.
 *
 * Append-only JSON lines, fsynced before the participant is told their session exists.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

export const Identity = z.strictObject({
  participantId: z.string(),
  source: z.enum(["prolific", "invite"]),
  prolificPid: z.string().nullable(),
  prolificStudyId: z.string().nullable(),
  prolificSessionId: z.string().nullable(),
  invite: z.string().nullable(),
  at: z.string(),
});
export type Identity = z.infer<typeof Identity>;

export interface IdentityVault {
  get(participantId: string): Identity | null;
  record(identity: Identity): void;
  all(): Identity[];
}

export class MemoryVault implements IdentityVault {
  protected readonly byId = new Map<string, Identity>();
  get(participantId: string): Identity | null {
    return this.byId.get(participantId) ?? null;
  }
  record(identity: Identity): void {
    if (!this.byId.has(identity.participantId)) this.byId.set(identity.participantId, identity);
  }
  all(): Identity[] {
    return [...this.byId.values()];
  }
}

export class FileVault extends MemoryVault {
  constructor(private readonly file: string) {
    super();
    if (existsSync(file)) {
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        // A torn last line (killed mid-write) is skipped: its participant had not been answered yet.
        try {
          super.record(Identity.parse(JSON.parse(line)));
        } catch {
          continue;
        }
      }
    } else {
      mkdirSync(dirname(file), { recursive: true });
    }
  }

  override record(identity: Identity): void {
    if (this.get(identity.participantId)) return;
    const fd = openSync(this.file, "a", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(identity)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    super.record(identity);
  }
}
