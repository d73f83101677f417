/**
 * `user-tokens` (P-DPO): the participant's reserved tokens right after BOS, the artefact's LoRA
 * loaded (by the arm's model), every reserved token forbidden. A participant the artefact has no
 * tokens for (unseen in training) gets the generic user's tokens.
 */
import { UserError } from "../core/errors.js";
import type { PersonalisationStrategy, StrategyInputs } from "./types.js";
import { reservedTokenIds } from "./reserved.js";
import { withSystem } from "./system.js";

export function userTokensStrategy(inputs: StrategyInputs): PersonalisationStrategy {
  const manifest = inputs.manifest;
  if (!manifest) throw new UserError("strategy 'user-tokens' needs a P-DPO artefact", { location: { field: "artefact" }, hint: "set the arm's artefact to a folder from 'prismx train --mode individual'" });
  if (manifest.n_user_tokens === 0 || manifest.generic_token_ids.length === 0) {
    throw new UserError(`the artefact is a '${manifest.mode}' artefact without user tokens; 'user-tokens' needs one trained with --mode individual`, { location: { field: "artefact" } });
  }
  const forbidden = reservedTokenIds(manifest, inputs.vocabularySize);
  return {
    kind: "user-tokens",
    prepare: (profile, conversation) => ({
      messages: withSystem(inputs.systemPrompt, conversation),
      prefixTokens: [...(manifest.user_token_ids[profile.participantId] ?? manifest.generic_token_ids)],
      forbiddenTokens: forbidden,
      profileText: null,
    }),
  };
}
