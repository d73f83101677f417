/**
 * `prismx data …` without the rest of the CLI, so the benchmark measures only the data commands
 * (peak memory of a child process that loads nothing else).
 */
import { Command } from "commander";
import { register } from "../../src/cli/commands/data.js";

const program = new Command("prismx-data").exitOverride();
register(program);
await program.parseAsync(process.argv);
