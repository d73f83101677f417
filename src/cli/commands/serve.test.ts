import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../core/errors.js";
import { parseServeConfig } from "../../server/config.js";
import { testStudy } from "../../server/testing.js";
import { scrubNamesFor, serve } from "./serve.js";

const dir = mkdtempSync(join(tmpdir(), "prismx-serve-cmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STUDY = (title: string) => `id: cmd-test\ntitle: ${title}\nseed: 1\nmodels:\n  remote-lm: { provider: openai, baseURL: "http://127.0.0.1:9/v1", model: org/Secret-Model-7B }\narms:\n  - { id: generic, model: remote-lm, strategy: none }\n  - { id: arm-prompt-2, model: remote-lm, strategy: prompt }\n`;

describe("prismx serve", () => {
  it("scrubs identifiers (arm ids, model keys and names) but not plain words", () => {
    const names = scrubNamesFor(testStudy(STUDY("t")), null);
    expect(names).toEqual(expect.arrayContaining(["arm-prompt-2", "remote-lm", "org/Secret-Model-7B", "Secret-Model-7B"]));
    expect(names).not.toContain("generic");
  });

  it("starts, answers entries, and refuses a changed study file under the same id", async () => {
    const file = join(dir, "study.yaml");
    writeFileSync(file, STUDY("first"));
    const opts = { studyFile: file, port: 0, db: join(dir, "db"), privateDir: join(dir, "private"), noWeb: true };
    const env = { ...process.env, DATABASE_URL: "", PRISMX_ADMIN_TOKEN: "" };
    const s = await serve(opts, env);
    try {
      const res = await fetch(`${s.url}/api/enter`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ params: { PROLIFIC_PID: "abc123" } }) });
      expect(res.status).toBe(200);
      expect(s.adminToken.length).toBeGreaterThanOrEqual(16);
      expect((await fetch(`${s.url}/api/admin/overview`, { headers: { authorization: `Bearer ${s.adminToken}` } })).status).toBe(200);
    } finally {
      await s.close();
    }
    writeFileSync(file, STUDY("changed"));
    await expect(serve(opts, env)).rejects.toThrow(/different study file/);
  });

  it("reports a bad server config with its file and field", () => {
    try {
      parseServeConfig("attention: { endAfterFailures: -1 }\n", "server.yaml");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).message).toContain("server.yaml: attention.endAfterFailures");
    }
  });
});
