/**
 * Keeps a seeded subset of pairs.jsonl so the demo's training fits its time budget on a CPU: the
 * reference pass and the evaluation cost one forward pass per pair, whatever the step count.
 * A training pair and its generic-user copy are kept or dropped together. Pairs of `prefer`
 * (the participants the demo's study will meet) go first, so their user tokens are trained on
 * their own preferences rather than on whoever the shuffle happened to pick.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { PairRow } from "../core/artefacts.js";
import { Rng } from "../core/rng.js";

export function capPairs(file: string, caps: { train: number; test: number }, seed: number, prefer: ReadonlySet<string> = new Set()): { train: number; test: number } {
  const rows = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => PairRow.parse(JSON.parse(l)));
  // A generic copy's id is its original's with "-g" appended.
  const key = (r: PairRow): string => `${r.split}|${r.generic_copy ? r.pair_id.replace(/-g$/, "") : r.pair_id}`;
  const groups = new Map<string, PairRow[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const rng = Rng.for(seed, "demo", "cap-pairs");
  const kept: PairRow[] = [];
  const counts = { train: 0, test: 0 };
  const preferred = (k: string): boolean => groups.get(k)!.some((r) => prefer.has(r.participant_id));
  for (const split of ["train", "test"] as const) {
    const ids = rng.shuffle([...groups.keys()].filter((k) => k.startsWith(`${split}|`)).sort());
    for (const k of [...ids.filter(preferred), ...ids.filter((k) => !preferred(k))]) {
      const g = groups.get(k)!;
      if (counts[split] + g.length > caps[split]) continue;
      kept.push(...g);
      counts[split] += g.length;
    }
  }
  const order = new Map(rows.map((r, i) => [r, i]));
  kept.sort((a, b) => order.get(a)! - order.get(b)!);
  writeFileSync(file, kept.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return counts;
}

/** Participants with at least one kept training pair of their own (their P-DPO tokens learned from them). */
export function trainedParticipants(file: string): Set<string> {
  const out = new Set<string>();
  for (const l of readFileSync(file, "utf8").split("\n")) {
    if (!l.trim()) continue;
    const r = PairRow.parse(JSON.parse(l));
    if (r.split === "train" && !r.generic_copy && r.seen) out.add(r.participant_id);
  }
  return out;
}
