/**
 * The link between a pseudonymous participant id and the credential they entered with (Prolific
 * ids, invite code). Kept apart from the study store on purpose: exports and logs read the store,
 * never this file, so a Prolific id cannot leak through them. The admin's Prolific actions
 * (approve, bonus, re-recruit) read it through `IdentityVault.get`.
 *
 * Append-only JSON lines, fsynced before the participant is told their session exists.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
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
  /** Resolves once the identity is durable. */
  record(identity: Identity): Promise<void>;
  all(): Identity[];
}

export class MemoryVault implements IdentityVault {
  protected readonly byId = new Map<string, Identity>();
  get(participantId: string): Identity | null {
    return this.byId.get(participantId) ?? null;
  }
  record(identity: Identity): Promise<void> {
    this.remember(identity);
    return Promise.resolve();
  }
  protected remember(identity: Identity): void {
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
          this.remember(Identity.parse(JSON.parse(line)));
        } catch {
          continue;
        }
      }
    } else {
      mkdirSync(dirname(file), { recursive: true });
    }
  }

  private queued: string[] = [];
  private batch: Promise<void> | null = null;
  private running: Promise<void> = Promise.resolve();

  /**
   * Appends and fsyncs off the event loop, with group commit: records arriving while a write is
   * in flight share the next write and fsync, so a burst of entries costs a few fsyncs, not one each.
   */
  override record(identity: Identity): Promise<void> {
    if (this.get(identity.participantId)) return this.running;
    this.remember(identity);
    this.queued.push(`${JSON.stringify(identity)}\n`);
    this.batch ??= this.running.then(async () => {
      const lines = this.queued;
      this.queued = [];
      this.batch = null;
      const fh = await open(this.file, "a", 0o600);
      try {
        await fh.write(lines.join(""));
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
    this.running = this.batch.catch(() => undefined);
    return this.batch;
  }
}
