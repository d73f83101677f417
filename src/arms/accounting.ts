/**
 * Token accounting: every arm reply is recorded with its prompt and completion tokens, and for the
 * `prompt` arm the part of the prompt the profile accounts for. Totals per arm are a pure fold.
 */
export interface TokenRecord {
  armId: string;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens due to the rendered profile (`prompt` arm); 0 for other arms; null if unknown. */
  profileTokens: number | null;
}

export interface ArmTokenTotals {
  armId: string;
  responses: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  profileTokens: number;
  meanPromptTokens: number;
  meanCompletionTokens: number;
}

export function totalTokensByArm(records: Iterable<TokenRecord>): Map<string, ArmTokenTotals> {
  const out = new Map<string, ArmTokenTotals>();
  for (const r of records) {
    const t = out.get(r.armId) ?? { armId: r.armId, responses: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, profileTokens: 0, meanPromptTokens: 0, meanCompletionTokens: 0 };
    t.responses++;
    t.promptTokens += r.promptTokens;
    t.completionTokens += r.completionTokens;
    t.totalTokens += r.promptTokens + r.completionTokens;
    t.profileTokens += r.profileTokens ?? 0;
    t.meanPromptTokens = t.promptTokens / t.responses;
    t.meanCompletionTokens = t.completionTokens / t.responses;
    out.set(r.armId, t);
  }
  return out;
}

/** An in-memory ledger arms write to; the study engine may also persist each record itself. */
export class TokenLedger {
  private readonly records: TokenRecord[] = [];

  record(r: TokenRecord): void {
    this.records.push({ ...r });
  }

  all(): readonly TokenRecord[] {
    return this.records;
  }

  totals(): Map<string, ArmTokenTotals> {
    return totalTokensByArm(this.records);
  }

  totalsFor(armId: string): ArmTokenTotals | undefined {
    return this.totals().get(armId);
  }
}
