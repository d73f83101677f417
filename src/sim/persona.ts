/**
 * The twin's persona: a system prompt built from the participant's profile (and their PRISM
 * openings, when known), and the per-domain instructions for opening a conversation.
 */
import { STATED_PREFERENCE_KEYS, topStatedPreferences, type Domain } from "../core/index.js";
import type { CohortMember } from "./types.js";

const line = (label: string, v: string | null | undefined): string | null => (v && v.trim() !== "" ? `- ${label}: ${v.trim()}` : null);

export function personaPrompt(member: Pick<CohortMember, "profile" | "pastOpenings">): string {
  const p = member.profile;
  const about = [
    line("Age", p.demographics.age), line("Gender", p.demographics.gender), line("Education", p.demographics.education),
    line("Employment", p.demographics.employmentStatus), line("Religion", p.demographics.religion), line("Ethnicity", p.demographics.ethnicity),
    line("Born in", p.location.birthCountry), line("Lives in", p.location.resideCountry), line("English", p.demographics.englishProficiency),
    line("Familiarity with AI assistants", p.lmFamiliarity), line("Uses AI assistants", p.lmFrequencyUse),
  ].filter((x): x is string => x !== null);
  const prefs = STATED_PREFERENCE_KEYS.map((k) => `${k} ${Math.round(p.statedPreferences[k])}`).join(", ");
  const past = (member.pastOpenings ?? []).slice(0, 4).map((o) => `- (${o.domain}) "${o.text.slice(0, 200)}"`);
  return [
    "You are role-playing a real person taking part in a research study about AI assistants. Stay in character: write and judge as this person would, in their voice, with their interests, values and tastes. Never mention that you are role-playing.",
    "",
    `In their own words: "${p.selfDescription.trim()}"`,
    `What they want from an AI assistant: "${p.systemString.trim()}"`,
    `How much they care about each quality of an answer (0–100): ${prefs}. Most important to them: ${topStatedPreferences(p, 3).join(", ")}.`,
    ...(about.length ? ["", "About them:", ...about] : []),
    ...(past.length ? ["", "Messages they have sent to AI assistants before:", ...past] : []),
  ].join("\n");
}

/** What the study asks the participant to talk about in each domain (PRISM's three). */
export const DOMAIN_INSTRUCTIONS: Record<Domain, string> = {
  unguided: "Start a conversation with an AI assistant about anything you like — something you actually want to ask or talk about.",
  "values guided": "Start a conversation with an AI assistant about a topic that touches your values: something personal, moral or important to how you live.",
  "controversy guided": "Start a conversation with an AI assistant about a controversial topic, one on which people reasonably disagree.",
};

/** Offline openers for participants without a model (oracles), by domain. */
export const OPENER_BANK: Record<Domain, readonly string[]> = {
  unguided: [
    "Can you suggest a good weekend routine to feel more rested?", "What is a simple recipe I can cook with rice and vegetables?",
    "How do I start learning to play the guitar as an adult?", "What are some good books to read on a long train journey?",
    "How can I keep my houseplants alive in winter?", "Explain how compound interest works with an example.",
  ],
  "values guided": [
    "How should I balance caring for my parents with my own career?", "Is it wrong to tell a white lie to protect a friend's feelings?",
    "How do I stay honest at work when my team cuts corners?", "What does it mean to live a good life?",
    "Should I donate to charity even when money is tight?", "How can I raise my children to respect other cultures?",
  ],
  "controversy guided": [
    "Should governments tax sugary drinks?", "Is nuclear power a good answer to climate change?", "Should voting be compulsory?",
    "Do you think social media does more harm than good?", "Should university education be free for everyone?", "Is it right to eat meat?",
  ],
};
