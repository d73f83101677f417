/**
 * Secrets of one server: a random key (kept in a 0600 file beside the study data, never logged)
 * from which participant ids and session tokens are derived with HMAC-SHA256.
 *
 * - A participant id is a keyed hash of the entry credential (Prolific id or invite code), so the
 *   same person re-entering by the same link gets the same pseudonymous id, and the id reveals
 *   nothing about the Prolific id without the key.
 * - A session token is `<participant id>.<MAC>`: stateless to check, valid across restarts and
 *   across app servers that share the key, and it names exactly one participant — a request can
 *   only ever read or write its own participant.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const b64url = (b: Buffer): string => b.toString("base64url");

export class Keyring {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): Keyring {
    if (key.length < 32) throw new Error("server key must be at least 32 bytes");
    return new Keyring(key);
  }

  static random(): Keyring {
    return new Keyring(randomBytes(32));
  }

  /** Reads the key file, or creates it (0600, written to a temp file then renamed). */
  static load(file: string): Keyring {
    if (existsSync(file)) return Keyring.fromKey(Buffer.from(readFileSync(file, "utf8").trim(), "base64url"));
    mkdirSync(dirname(file), { recursive: true });
    const key = randomBytes(32);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${b64url(key)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    return new Keyring(key);
  }

  private mac(...parts: string[]): Buffer {
    const h = createHmac("sha256", this.key);
    for (const p of parts) h.update(`${p.length}:${p}|`);
    return h.digest();
  }

  /** The pseudonymous participant id for an entry credential. */
  participantId(studyId: string, source: "prolific" | "invite", credential: string): string {
    return `p-${this.mac("participant", studyId, source, credential).toString("hex").slice(0, 20)}`;
  }

  sessionToken(studyId: string, participantId: string): string {
    return `${participantId}.${b64url(this.mac("session", studyId, participantId))}`;
  }

  /** The participant a token belongs to, or null when it is forged or for another study. */
  verifySession(studyId: string, token: string): string | null {
    const dot = token.lastIndexOf(".");
    if (dot <= 0 || token.length > 200) return null;
    const pid = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), "base64url");
    const want = this.mac("session", studyId, pid);
    return given.length === want.length && timingSafeEqual(given, want) ? pid : null;
  }
}

/** Constant-time comparison of a presented secret with the expected one. */
export function secretEquals(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
