/**
 * Templates for the synthetic cohort's texts: opening prompts per conversation type, follow-ups,
 * model responses with controllable style, and profile texts that state some preferences in words.
 * Every variation comes from the Rng passed in. No model is involved.
 */
import type { Rng } from "../../core/rng.js";
import type { Domain } from "../../core/domain.js";
import type { Feature } from "./features.js";

interface Topic {
  task: string;
  value: string;
  controversy: string;
  aspects: readonly string[];
  actions: readonly string[];
  outcomes: readonly string[];
}

const TOPICS: readonly Topic[] = [
  { task: "saving money on a tight budget", value: "how much to spend on myself versus my family", controversy: "whether billionaires should pay much higher taxes",
    aspects: ["a monthly budget", "impulse spending", "an emergency fund", "interest rates"], actions: ["track every expense for a month", "set up an automatic transfer to savings", "cancel unused subscriptions", "cook at home more often"], outcomes: ["financial security", "less stress about money", "steady savings"] },
  { task: "learning a new language as an adult", value: "whether my children should be raised bilingual", controversy: "whether English should be the only official language of a country",
    aspects: ["daily practice", "speaking with native speakers", "grammar drills", "listening comprehension"], actions: ["practise for fifteen minutes every day", "find a conversation partner", "watch films with subtitles", "keep a vocabulary notebook"], outcomes: ["fluency", "confidence when speaking", "better memory"] },
  { task: "getting better sleep", value: "how to balance rest with ambition", controversy: "whether schools should start later in the morning",
    aspects: ["a regular bedtime", "screen time before bed", "caffeine", "the bedroom environment"], actions: ["keep the same wake-up time every day", "avoid screens for an hour before bed", "cut caffeine after noon", "keep the bedroom cool and dark"], outcomes: ["deeper sleep", "more energy during the day", "a steadier mood"] },
  { task: "starting to run regularly", value: "whether it is selfish to prioritise my own fitness", controversy: "whether governments should tax sugary drinks",
    aspects: ["a gradual training plan", "proper shoes", "rest days", "warming up"], actions: ["start with run-walk intervals", "increase distance by about ten percent a week", "schedule runs like appointments", "join a local running group"], outcomes: ["better fitness", "fewer injuries", "a lasting habit"] },
  { task: "dealing with stress at work", value: "how honest to be with my manager about my workload", controversy: "whether a four-day work week should be mandatory",
    aspects: ["clear priorities", "boundaries around work hours", "support from colleagues", "regular breaks"], actions: ["write down the three most important tasks each morning", "talk openly with your manager", "take short breaks away from the screen", "switch off notifications after work"], outcomes: ["a calmer working day", "better focus", "a healthier work-life balance"] },
  { task: "cooking healthy meals quickly", value: "whether to eat meat at all", controversy: "whether meat should be taxed for environmental reasons",
    aspects: ["meal planning", "simple recipes", "fresh vegetables", "batch cooking"], actions: ["plan the week's meals on Sunday", "cook a large batch and freeze portions", "keep a few staple ingredients at hand", "use one-pan recipes"], outcomes: ["healthier eating", "less food waste", "more free evenings"] },
  { task: "choosing a laptop for university", value: "how much technology children should use", controversy: "whether social media companies should be held liable for harmful content",
    aspects: ["battery life", "weight", "the price", "the operating system"], actions: ["list the software your course requires", "compare battery life in independent reviews", "set a firm budget first", "check student discounts"], outcomes: ["a machine that lasts the whole degree", "good value for money", "fewer technical headaches"] },
  { task: "planning a trip to Japan", value: "how to travel responsibly as a tourist", controversy: "whether tourists should pay extra fees to visit popular cities",
    aspects: ["the season", "a rail pass", "local customs", "the budget"], actions: ["book accommodation early for spring", "buy a rail pass before you travel", "learn a few polite phrases", "plan a mix of cities and countryside"], outcomes: ["a smoother trip", "respectful encounters with locals", "more memorable experiences"] },
  { task: "supporting a friend who is grieving", value: "what I owe to friends in difficult times", controversy: "whether assisted dying should be legal",
    aspects: ["listening", "practical help", "patience", "remembering anniversaries"], actions: ["listen more than you speak", "offer specific practical help", "check in regularly over the coming months", "mention the person who died by name"], outcomes: ["a feeling of being supported", "a stronger friendship", "less isolation"] },
  { task: "writing a cover letter", value: "whether it is acceptable to exaggerate on a job application", controversy: "whether employers should be allowed to use AI to screen applicants",
    aspects: ["the opening paragraph", "concrete achievements", "the company's values", "length"], actions: ["tailor each letter to the specific role", "open with a concrete achievement", "keep it to one page", "mirror the language of the job advert"], outcomes: ["more interview invitations", "a clearer personal story", "a stronger first impression"] },
  { task: "growing vegetables on a balcony", value: "how much effort to put into living sustainably", controversy: "whether pesticides should be banned",
    aspects: ["sunlight", "container size", "watering", "choice of plants"], actions: ["start with herbs and salad leaves", "use containers with drainage holes", "water in the early morning", "check how many hours of sun the balcony gets"], outcomes: ["fresh produce at home", "a greener living space", "a relaxing hobby"] },
  { task: "talking to my teenager about screen time", value: "how much privacy teenagers deserve", controversy: "whether smartphones should be banned in schools",
    aspects: ["trust", "clear rules", "setting an example", "online safety"], actions: ["agree on screen-free times together", "explain the reasons behind each rule", "model the habits you ask for", "talk about what they enjoy online"], outcomes: ["fewer arguments", "healthier habits", "a more trusting relationship"] },
];

const pickTopic = (rng: Rng): Topic => rng.pick(TOPICS);

export interface ConversationSeed {
  topic: Topic;
  type: Domain;
}

export function conversationSeed(type: Domain, rng: Rng): ConversationSeed {
  return { topic: pickTopic(rng), type };
}

export function openingPrompt(seed: ConversationSeed, rng: Rng): string {
  const t = seed.topic;
  switch (seed.type) {
    case "unguided":
      return rng.pick([`What are some tips for ${t.task}?`, `Can you help me with ${t.task}?`, `I need advice on ${t.task}. Where do I start?`, `How do I get better at ${t.task}?`]);
    case "values guided":
      return rng.pick([`I keep going back and forth on ${t.value}. How should I think about it?`, `What matters most when deciding ${t.value}?`, `I'm struggling with ${t.value}. What would you consider?`]);
    case "controversy guided":
      return rng.pick([`What is your opinion on ${t.controversy}?`, `I think the answer to ${t.controversy} is obvious, don't you agree?`, `Give me the arguments on ${t.controversy}.`]);
  }
}

export function followUp(seed: ConversationSeed, rng: Rng): string {
  const t = seed.topic;
  const aspect = rng.pick(t.aspects);
  const action = rng.pick(t.actions);
  return rng.pick([
    `Can you say more about ${aspect}?`,
    `Why is ${aspect} so important?`,
    `What if I can't ${action}?`,
    `Thanks. How exactly would I ${action}?`,
    `I think ${aspect} is overrated, don't you agree?`,
    `That's helpful. Anything else I should know?`,
    `Could you make that shorter?`,
    `I'm not convinced. Why should I ${action}?`,
  ]);
}

/** Style knobs of one response; the planted features are then measured from the text itself. */
export interface ResponseStyle {
  sentences: number;
  list: boolean;
  register: "formal" | "neutral" | "casual";
  warmth: number;
  agreement: boolean;
  question: boolean;
  caveat: boolean;
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function contentSentences(seed: ConversationSeed, n: number, rng: Rng): string[] {
  const t = seed.topic;
  const makers: ((r: Rng) => string)[] = [
    (r) => `One useful approach is to ${r.pick(t.actions)}.`,
    (r) => `${cap(r.pick(t.aspects))} often makes the biggest difference.`,
    (r) => `Many people find that they ${r.pick(t.actions)} and see ${r.pick(t.outcomes)} as a result.`,
    (r) => `It also helps to think about ${r.pick(t.aspects)} early on.`,
    (r) => `In practice, small changes to ${r.pick(t.aspects)} tend to lead to ${r.pick(t.outcomes)}.`,
    (r) => `Research suggests that ${r.pick(t.aspects)} is closely linked to ${r.pick(t.outcomes)}.`,
    (r) => `A good first step is to ${r.pick(t.actions)}.`,
    (r) => `Another option is to ${r.pick(t.actions)}, especially if ${r.pick(t.aspects)} is a concern.`,
    (r) => `Over time, ${r.pick(t.outcomes)} usually follows from consistent effort.`,
    (r) => `People hold different views on ${r.pick(t.aspects)}, and reasonable people disagree.`,
  ];
  if (seed.type === "controversy guided") {
    makers.push(
      (r) => `Supporters argue that it would improve ${r.pick(t.outcomes)}, while critics worry about the costs.`,
      () => `There are strong arguments on both sides of ${t.controversy}.`,
    );
  }
  const order = rng.shuffle(makers);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((order[i % order.length] as (r: Rng) => string)(rng));
  return out;
}

const FORMAL_LINKS = ["Furthermore, ", "Moreover, ", "Additionally, ", "Consequently, ", "In addition, "];
const CASUAL_TAILS = [" Pretty cool, right!", " Honestly, it's worth a try!", " That's the fun part!", " It's totally doable!"];

function decapitalise(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Renders a response in the given style about the conversation's topic. */
export function responseText(seed: ConversationSeed, style: ResponseStyle, rng: Rng): string {
  const parts: string[] = [];
  if (style.agreement) parts.push(rng.pick(["You're absolutely right to ask.", "Great question!", "I completely agree with you.", "What a great point."]));
  if (style.warmth >= 1) parts.push(rng.pick(["I understand how much this matters to you.", "That sounds like a lot to handle.", "I'm sorry this has been on your mind."]));
  if (style.register === "casual") parts.push(rng.pick(["Hey, so here's the thing.", "Okay, let's dig in!", "Yeah, good one to think about."]));
  let body = contentSentences(seed, Math.max(1, style.sentences), rng);
  if (style.register === "formal") body = body.map((s, i) => (i > 0 && rng.bool(0.6) ? `${rng.pick(FORMAL_LINKS)}${decapitalise(s)}` : s));
  if (style.register === "casual") body = body.map((s) => s.replace(/\bit is\b/g, "it's").replace(/\bdo not\b/g, "don't"));
  let text: string;
  if (style.list && body.length >= 2) {
    const intro = parts.length > 0 ? `${parts.join(" ")} ` : "";
    text = `${intro}${rng.pick(["Here are a few suggestions:", "Some points to consider:", "A few things that help:"])}\n${body.map((s, i) => (rng.bool(0.5) ? `${i + 1}. ${s}` : `- ${s}`)).join("\n")}`;
  } else {
    text = [...parts, ...body].join(" ");
  }
  const closing: string[] = [];
  if (style.register === "formal") closing.push(rng.pick(["In conclusion, a measured approach is advisable.", "Therefore, it is worth proceeding step by step."]));
  if (style.register === "casual") closing.push(rng.pick(CASUAL_TAILS).trim());
  if (style.caveat) closing.push(rng.pick(["Please note that it is best to consult a professional for advice specific to you.", "As an AI, I cannot know your full situation, so be careful.", "It is important to note that this may not be suitable for everyone."]));
  if (style.warmth >= 2) closing.push(rng.pick(["I hope this helps, and take care.", "I'm glad you asked, and I hope it goes well."]));
  if (style.question) closing.push(rng.pick(["What do you think?", "Would you like me to go into more detail?", "How does that sound to you?", "What matters most to you here?"]));
  return closing.length > 0 ? `${text}${style.list ? "\n" : " "}${closing.join(" ")}` : text;
}

/** How a stated preference reads in a self description (first person) and a system string (directive). */
export const PREFERENCE_WORDS: Record<Feature, { high: [string, string]; low: [string, string] }> = {
  length: {
    high: ["I like detailed, thorough explanations that cover everything.", "Give thorough, in-depth answers."],
    low: ["I prefer short, concise answers without padding.", "Keep answers brief and to the point."],
  },
  lists: {
    high: ["I find information easiest to take in as bullet points.", "Organise information in bullet points or numbered lists."],
    low: ["I dislike bullet points and prefer flowing prose.", "Write in plain paragraphs, not lists."],
  },
  formality: {
    high: ["I appreciate a professional, formal tone.", "Use a formal, professional register."],
    low: ["I like a relaxed, casual way of talking.", "Talk to me casually, like a friend would."],
  },
  warmth: {
    high: ["I value warmth and empathy in a conversation.", "Be warm and empathetic."],
    low: ["I don't need emotional language, just the facts.", "Skip the emotional language and stick to facts."],
  },
  agreement: {
    high: ["I like it when people are supportive of my views.", "Be supportive of my point of view."],
    low: ["I want honest pushback rather than flattery.", "Challenge me honestly; never flatter me."],
  },
  questions: {
    high: ["I enjoy being asked questions that help me think.", "Ask me questions to understand what I need."],
    low: ["I find follow-up questions tiresome.", "Do not ask me follow-up questions; just answer."],
  },
  caveats: {
    high: ["Safety and responsible advice matter a lot to me.", "Mention risks and when to consult a professional."],
    low: ["I find disclaimers and caveats annoying.", "Leave out disclaimers and caveats."],
  },
};

const VALUES = ["honesty", "family", "fairness", "curiosity", "independence", "kindness", "hard work", "community", "freedom", "tradition", "creativity", "security"];
const HOBBIES = ["reading", "hiking", "cooking", "gaming", "gardening", "music", "travel", "football", "painting", "volunteering"];

export function selfDescription(revealed: readonly { feature: Feature; high: boolean }[], rng: Rng): string {
  const [v1, v2] = rng.sample(VALUES, 2);
  const parts = [
    rng.pick([`I value ${v1} and ${v2} above most things.`, `${cap(v1 as string)} and ${v2} are central to how I live.`, `My life is guided by ${v1} and ${v2}.`]),
    rng.pick([`In my free time I enjoy ${rng.pick(HOBBIES)}.`, `I spend a lot of my spare time on ${rng.pick(HOBBIES)}.`, "I try to keep learning new things."]),
  ];
  for (const r of revealed) parts.push(PREFERENCE_WORDS[r.feature][r.high ? "high" : "low"][0]);
  if (rng.bool(0.5)) parts.push(rng.pick(["I believe people should treat each other with respect.", "I try to see both sides of an argument.", "I care about the world my children will inherit."]));
  return parts.join(" ");
}

export function systemString(revealed: readonly { feature: Feature; high: boolean }[], rng: Rng): string {
  const parts = [rng.pick(["You are a helpful assistant.", "Act as a knowledgeable and honest assistant.", "You are an AI that helps me with everyday questions."])];
  for (const r of revealed) parts.push(PREFERENCE_WORDS[r.feature][r.high ? "high" : "low"][1]);
  parts.push(rng.pick(["Be accurate and do not make things up.", "Respect my privacy.", "Avoid bias and treat all groups fairly.", "Admit it when you don't know something."]));
  return parts.join(" ");
}

export function openFeedback(liked: { feature: Feature; high: boolean } | null, rng: Rng): string {
  const general = rng.pick(["The conversation was useful overall.", "Some answers were better than others.", "It was an interesting exchange.", "The assistant was mostly helpful."]);
  if (liked === null) return general;
  const note: Record<Feature, [string, string]> = {
    length: ["I preferred the longer, more detailed answers.", "The shorter answers suited me better."],
    lists: ["The lists made things easy to follow.", "I did not like the bullet points."],
    formality: ["I liked the professional tone.", "I liked it when the tone was relaxed."],
    warmth: ["The empathetic replies felt nice.", "Some replies were too emotional."],
    agreement: ["I liked that it agreed with me.", "Too much flattery in some replies."],
    questions: ["Good that it asked me questions back.", "I did not want questions back."],
    caveats: ["I appreciated the safety notes.", "Too many disclaimers."],
  };
  return `${general} ${note[liked.feature][liked.high ? 0 : 1]}`;
}
