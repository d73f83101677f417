/**
 * Test helper run as a child process: opens the store, starts a transaction that writes events,
 * reports "in-transaction" and waits to be SIGKILLed before it can commit.
 */
import { openStore } from "../store.js";

const [url, dir, studyId, participantId] = process.argv.slice(2);
const store = await openStore(url ? { url } : { dir: dir ?? null });
await store.transaction(async (tx) => {
  await tx.events.append(studyId!, participantId!, [{ type: "consent.given" }, { type: "attention.answered", check: 0, answer: "x", passed: true }]);
  process.stdout.write("in-transaction\n");
  await new Promise(() => undefined); // never resolves: the parent kills us here
});
