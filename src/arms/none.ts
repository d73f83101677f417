/** `none`: the generic model with the neutral system prompt; the profile is ignored. */
import type { PersonalisationStrategy, StrategyInputs } from "./types.js";
import { withSystem } from "./system.js";

export function noneStrategy(inputs: StrategyInputs): PersonalisationStrategy {
  return {
    kind: "none",
    prepare: (_profile, conversation) => ({ messages: withSystem(inputs.systemPrompt, conversation), prefixTokens: [], forbiddenTokens: [], profileText: null }),
  };
}
