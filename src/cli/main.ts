/**
 * The `prismx` command. Registration only wires flags; each command's work is a plain function
 * in src/cli/commands, tested on its own.
 */
import { Command, CommanderError } from "commander";
import { isUserError } from "../core/errors.js";
import { register as registerStudy } from "./commands/study.js";
import { register as registerDemo } from "./commands/demo.js";
import { register as registerData } from "./commands/data.js";
import { register as registerServe } from "./commands/serve.js";
import { register as registerAnalyse } from "./commands/analyse.js";
import { register as registerExport } from "./commands/export.js";
import { register as registerSimulate } from "./commands/simulate.js";
import { register as registerTrain } from "./commands/train.js";
import { register as registerModels } from "./commands/models.js";

export function buildProgram(): Command {
  const program = new Command("prismx")
    .description("Personalisation experiments on conversational language models: arms, blinded studies with humans and simulated twins, analysis.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerStudy(program);
  registerData(program);
  registerModels(program);
  registerTrain(program);
  registerSimulate(program);
  registerServe(program);
  registerExport(program);
  registerAnalyse(program);
  return program;
}

/** Runs the CLI; user mistakes print their message (no stack) and exit 1, bugs exit 2. */
export async function main(argv: readonly string[]): Promise<void> {
  // `prismx … | head` closes the pipe early: the work (files being written) still finishes, and
  // what no one reads anymore is dropped rather than crashing the command halfway.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  }
  try {
    await buildProgram().parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (isUserError(e)) {
      console.error(`prismx: ${e.message}`);
      process.exitCode = 1;
      return;
    }
    console.error("prismx: internal error (please report it with the command you ran):");
    console.error(e);
    process.exitCode = 2;
  }
}
