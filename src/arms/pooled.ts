/**
 * `pooled`: one model for everybody. Either a pooled artefact (DPO on everyone's pairs; its
 * adapter loaded, no prefix), or a P-DPO artefact used with the generic user's tokens for all.
 * Without an artefact the arm's model itself is taken to be the pooled model.
 */
import type { PersonalisationStrategy, StrategyInputs } from "./types.js";
import { reservedTokenIds } from "./reserved.js";
import { withSystem } from "./system.js";

export function pooledStrategy(inputs: StrategyInputs): PersonalisationStrategy {
  const manifest = inputs.manifest;
  const generic = manifest && manifest.generic_token_ids.length > 0 ? [...manifest.generic_token_ids] : [];
  const forbidden = manifest ? reservedTokenIds(manifest, inputs.vocabularySize) : [];
  return {
    kind: "pooled",
    prepare: (_profile, conversation) => ({ messages: withSystem(inputs.systemPrompt, conversation), prefixTokens: generic, forbiddenTokens: forbidden, profileText: null }),
  };
}
