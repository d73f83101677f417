/** `prismx data pairs`: PRISM folder → pairs.jsonl + split JSON, both written atomically. */
import { rename, rm, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { jsonLine, LineSink, tempSibling } from "../prism/jsonl.js";
import { loadPairsInput } from "./input.js";
import { emptyCounts, planPairs, planRows, type PairCounts, type PairOptions } from "./build.js";
import { mkdir } from "node:fs/promises";

export interface WritePairsOptions extends PairOptions {
  dir: string;
  out: string;
  /** Where the UserSplit goes; default: beside `out`, `<name>.split.json`. */
  splitOut?: string;
}

export function defaultSplitPath(out: string): string {
  return join(dirname(out), `${basename(out).replace(/\.jsonl?$/i, "")}.split.json`);
}

export async function writePairs(opts: WritePairsOptions): Promise<PairCounts & { out: string; splitOut: string }> {
  const input = await loadPairsInput(opts.dir);
  const plan = planPairs(input, opts);
  const counts = emptyCounts(plan);
  const splitOut = opts.splitOut ?? defaultSplitPath(opts.out);
  await mkdir(dirname(opts.out), { recursive: true });
  await mkdir(dirname(splitOut), { recursive: true });
  const tmpPairs = tempSibling(opts.out);
  const tmpSplit = tempSibling(splitOut);
  const sink = new LineSink(tmpPairs);
  try {
    // Batched writes: one await per dialogue's worth of rows, not per row.
    let buf = "";
    for (const r of planRows(plan, counts)) {
      buf += jsonLine(r);
      if (buf.length > 1 << 20) {
        await sink.write(buf);
        buf = "";
      }
    }
    await sink.write(buf);
    await sink.close();
    await writeFile(tmpSplit, `${JSON.stringify(plan.split, null, 2)}\n`);
    await rename(tmpSplit, splitOut);
    await rename(tmpPairs, opts.out);
  } catch (e) {
    sink.destroy();
    await rm(tmpPairs, { force: true });
    await rm(tmpSplit, { force: true });
    throw e;
  }
  return { ...counts, out: opts.out, splitOut };
}
