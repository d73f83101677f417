/**
 * A runner in a child process, for the crash test: `node --import tsx simulate-child.ts STUDY DB`.
 * Prints `judgements N` as it goes so the parent knows when to SIGKILL it.
 */
import { openStore } from "../../store/index.js";
import { simulateStudy } from "../build.js";

const [studyFile, db] = process.argv.slice(2) as [string, string];
const store = await openStore({ dir: db });
let last = -1;
await simulateStudy({
  studyFile, store, concurrency: 2, resume: process.argv.includes("--resume"),
  onProgress: (p) => {
    if (p.judgements !== last) process.stdout.write(`judgements ${(last = p.judgements)}\n`);
  },
});
await store.close();
process.stdout.write("finished\n");
