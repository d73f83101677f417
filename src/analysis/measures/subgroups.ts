/**
 * Arm comparisons within subgroups of participants: for each grouping (a column of the groups
 * table) and each of its values, every arm's head-to-head win rate against the anchor and a
 * Bradley–Terry fit, both with participant-bootstrap intervals. Twins (and twins of oracles)
 * inherit the attributes of the participant they simulate.
 */
import type { Comparison, Interval, ParticipantInfo } from "../types.js";
import { bradleyTerry, type BtResult } from "../stats/bt.js";
import { winRates } from "./arms.js";

/** participant id → { grouping → value } */
export type ParticipantGroups = ReadonlyMap<string, Readonly<Record<string, string>>>;

export interface SubgroupArm {
  arm: string;
  /** Share of this arm's direct comparisons with the anchor that it won (ties half). */
  winRateVsAnchor: number | null;
  ci: Interval | null;
  n: number;
}

export interface Subgroup {
  grouping: string;
  group: string;
  participants: number;
  comparisons: number;
  vsAnchor: SubgroupArm[];
  bradleyTerry: BtResult | null;
}

/** The attributes of `id`, following twin-of links (a twin of an oracle of a profile…). */
export function attributesOf(id: string, groups: ParticipantGroups, participants: ReadonlyMap<string, ParticipantInfo>): Readonly<Record<string, string>> | undefined {
  const seen = new Set<string>();
  let cur: string | null = id;
  while (cur !== null && !seen.has(cur)) {
    const own = groups.get(cur);
    if (own) return own;
    seen.add(cur);
    cur = participants.get(cur)?.twinOf ?? null;
  }
  return undefined;
}

export function subgroupComparisons(comps: readonly Comparison[], arms: readonly string[], anchor: string, groups: ParticipantGroups, participants: ReadonlyMap<string, ParticipantInfo>, rounds: number, seed: number): Subgroup[] {
  const attrs = new Map<string, Readonly<Record<string, string>> | undefined>();
  for (const c of comps) if (!attrs.has(c.participant)) attrs.set(c.participant, attributesOf(c.participant, groups, participants));
  const groupings = [...new Set([...groups.values()].flatMap((a) => Object.keys(a)))].sort();
  const out: Subgroup[] = [];
  for (const grouping of groupings) {
    const values = [...new Set([...attrs.values()].flatMap((a) => (a?.[grouping] !== undefined ? [a[grouping]] : [])))].sort();
    for (const group of values) {
      const rows = comps.filter((c) => attrs.get(c.participant)?.[grouping] === group);
      const wr = winRates(rows, arms, rounds, seed);
      const seenArms = new Set(rows.flatMap((c) => [c.left, c.right]));
      out.push({
        grouping,
        group,
        participants: new Set(rows.map((c) => c.participant)).size,
        comparisons: rows.length,
        vsAnchor: arms.filter((a) => a !== anchor).map((arm) => {
          const cell = wr.pairs.find((p) => p.a === arm && p.b === anchor);
          return { arm, winRateVsAnchor: cell?.winRate ?? null, ci: cell?.ci ?? null, n: cell?.n ?? 0 };
        }),
        // A fit needs every arm compared within the group.
        bradleyTerry: arms.every((a) => seenArms.has(a)) ? bradleyTerry(rows, arms, { anchor, rounds, seed }) : null,
      });
    }
  }
  return out;
}
