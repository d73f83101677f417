/** `prismx demo`: the whole loop, offline, on the embedded defaults. Grows as the stages land. */
import { join } from "node:path";
import type { Command } from "commander";
import { checkStudy } from "./study.js";

export const repoRoot = join(import.meta.dirname, "..", "..", "..");

export function register(program: Command): void {
  program
    .command("demo")
    .description("run the whole loop offline on the embedded defaults")
    .action(() => {
      for (const line of checkStudy(join(repoRoot, "examples", "demo-study.yaml")).lines) console.log(line);
    });
}
