/** The instant fake OpenAI-compatible server in its own process (so it does not share the runner's CPU). */
import { startFakeOpenAI } from "../../src/sim/testing/fake-openai.js";

const s = await startFakeOpenAI({ seed: 1, words: Number(process.argv[2] ?? 40) });
process.stdout.write(`${s.url}\n`);
process.on("SIGTERM", () => void s.close().then(() => process.exit(0)));
