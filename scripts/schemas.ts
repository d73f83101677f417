// Writes docs/study.schema.json from the zod StudyConfig (for YAML editors).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { studyJsonSchema } from "../src/core/json-schema.js";

writeFileSync(join(import.meta.dirname, "..", "docs", "study.schema.json"), `${JSON.stringify(studyJsonSchema(), null, 2)}\n`);
