/**
 * The one place strategies are looked up. Adding a strategy: add its name to
 * PERSONALISATION_STRATEGIES in core/domain.ts, write `src/arms/<name>.ts` exporting a factory,
 * add the case below (the compiler fails until you do), and a snapshot test of its prompt.
 */
import type { Strategy } from "../core/domain.js";
import { noneStrategy } from "./none.js";
import { pooledStrategy } from "./pooled.js";
import { promptStrategy } from "./prompt.js";
import type { PersonalisationStrategy, StrategyInputs } from "./types.js";
import { userTokensStrategy } from "./user-tokens.js";

export function createStrategy(kind: Strategy, inputs: StrategyInputs): PersonalisationStrategy {
  switch (kind) {
    case "none": return noneStrategy(inputs);
    case "prompt": return promptStrategy(inputs);
    case "user-tokens": return userTokensStrategy(inputs);
    case "pooled": return pooledStrategy(inputs);
    default: {
      const unknown: never = kind;
      throw new TypeError(`unknown strategy ${String(unknown)}`);
    }
  }
}
