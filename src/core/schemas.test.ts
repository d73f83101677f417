import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { studyJsonSchema } from "./json-schema.js";

// The JSON Schema for YAML editors is generated from the zod schema; this fails when they drift.
describe("docs/study.schema.json", () => {
  it("matches the StudyConfig schema (regenerate: npm run schemas)", () => {
    const committed = readFileSync(join(import.meta.dirname, "..", "..", "docs", "study.schema.json"), "utf8");
    expect(committed).toBe(`${JSON.stringify(studyJsonSchema(), null, 2)}\n`);
  });
});
