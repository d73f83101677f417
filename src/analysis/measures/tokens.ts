/** Tokens per arm and per response, and tokens per win (the cost of a win in inference tokens). */
import type { Comparison, ResponseInfo } from "../types.js";

export interface ArmTokens {
  arm: string;
  responses: number;
  meanPromptTokens: number;
  meanCompletionTokens: number;
  meanTotalTokens: number;
  totalTokens: number;
  /** Wins (ties ½) in the judgements where this arm's responses were compared. */
  wins: number;
  /** Total tokens of the arm's judged responses per win; lower is cheaper. */
  tokensPerWin: number;
  /** Optional money cost per win when prices are given (per million tokens). */
  costPerWin: number | null;
}

export interface TokenPrices {
  promptPerMillion: number;
  completionPerMillion: number;
}

export function tokensPerArm(comps: readonly Comparison[], responses: ReadonlyMap<string, ResponseInfo>, arms: readonly string[], prices?: TokenPrices): ArmTokens[] {
  const out: ArmTokens[] = [];
  for (const arm of arms) {
    const rs = [...responses.values()].filter((r) => r.arm === arm);
    // No token counts at all (e.g. PRISM files, plain battle tables): nothing to report.
    if (rs.length === 0 || rs.every((r) => r.promptTokens === 0 && r.completionTokens === 0)) continue;
    const sumP = rs.reduce((s, r) => s + r.promptTokens, 0);
    const sumC = rs.reduce((s, r) => s + r.completionTokens, 0);
    // Cost per win counts each judged response once (probes re-show responses already paid for).
    const judged = new Set<string>();
    let wins = 0;
    for (const c of comps) {
      if (c.kind !== "turn") continue;
      if (c.left === arm && c.leftResponse) { judged.add(c.leftResponse); wins += c.outcome; }
      else if (c.right === arm && c.rightResponse) { judged.add(c.rightResponse); wins += 1 - c.outcome; }
    }
    let jp = 0, jc = 0;
    for (const id of judged) {
      const r = responses.get(id);
      if (r) { jp += r.promptTokens; jc += r.completionTokens; }
    }
    out.push({
      arm, responses: rs.length, meanPromptTokens: sumP / rs.length, meanCompletionTokens: sumC / rs.length, meanTotalTokens: (sumP + sumC) / rs.length,
      totalTokens: sumP + sumC, wins, tokensPerWin: wins > 0 ? (jp + jc) / wins : NaN,
      costPerWin: prices && wins > 0 ? (jp * prices.promptPerMillion + jc * prices.completionPerMillion) / 1e6 / wins : null,
    });
  }
  return out;
}
