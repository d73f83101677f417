/**
 * `prismx data …` without the rest of the CLI, so the benchmark measures only the data commands
 * (peak memory of a child process that loads nothing else). With PRISMX_BENCH=1 it reports its
 * own peak resident set size on stderr when done.
 */
import { Command } from "commander";
import { register } from "../../src/cli/commands/data.js";

const program = new Command("prismx-data").exitOverride();
register(program);
await program.parseAsync(process.argv);
if (process.env.PRISMX_BENCH === "1") console.error(`BENCH maxRSS_kB=${process.resourceUsage().maxRSS}`);
