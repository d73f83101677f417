/** `prompt`: the neutral system prompt followed by the participant's rendered profile. */
import type { PersonalisationStrategy, StrategyInputs } from "./types.js";
import { checkProfileTemplate, DEFAULT_PROFILE_TEMPLATE, renderProfile } from "./profile-template.js";
import { withSystem } from "./system.js";

export function promptStrategy(inputs: StrategyInputs): PersonalisationStrategy {
  const template = inputs.profileTemplate ?? DEFAULT_PROFILE_TEMPLATE;
  checkProfileTemplate(template);
  return {
    kind: "prompt",
    prepare: (profile, conversation) => {
      const profileText = renderProfile(template, profile);
      return { messages: withSystem(`${inputs.systemPrompt}\n\n${profileText}`, conversation), prefixTokens: [], forbiddenTokens: [], profileText };
    },
  };
}
