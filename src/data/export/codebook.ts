/** codebook.md: every table and field of an export, in words. */

type Fields = Record<string, string>;

export const CODEBOOK: Record<string, { what: string; fields: Fields }> = {
  participants: {
    what: "One row per participant (human, simulated twin or oracle).",
    fields: {
      study_id: "Study id (the `id` of the study file).",
      participant_id: "Pseudonymous participant id (never a Prolific id).",
      population: "`human`, `simulated` (an LLM twin of a participant) or `oracle` (judges by a planted preference model; demo only).",
      twin_of: "For twins and oracles: the participant (PRISM user or human study participant) they stand for; null for humans.",
      termination_reason: "Why the run ended: completed, withdrew, returned, timed-out, failed-attention, model-error, simulator-error, infrastructure-error; null while still running.",
      n_conversations: "Conversations begun.",
      n_judgements: "Judgements made (turn judgements and probes).",
      attention_passed: "Attention checks answered correctly.",
      attention_total: "Attention checks answered.",
      pastes: "Paste events while typing messages (web app telemetry; 0 for simulators).",
      typing_ms: "Total time spent typing messages, ms (web app telemetry).",
      tab_switches: "Times the participant left the tab while writing (web app telemetry).",
      flags: "Quality flags: `failed-attention`, `pasted-messages`, `ended-<reason>`. JSON array in CSV.",
    },
  },
  conversations: {
    what: "One row per conversation.",
    fields: {
      study_id: "Study id.", participant_id: "Participant id.", conversation: "0-based conversation index within the participant's session.",
      domain: "PRISM conversation domain: `unguided`, `values guided`, `controversy guided`.",
      arms: "Arms taking part, in screen-position order of the first turn. JSON array in CSV.",
      n_turns: "User messages in the conversation.", opening_message: "The participant's first message.",
      rating: "End-of-conversation rating 1–100 (null if not asked or not given).", feedback: "End-of-conversation free-text feedback.",
    },
  },
  turns: {
    what: "One row per user message and the responses shown to it.",
    fields: {
      study_id: "Study id.", participant_id: "Participant id.", conversation: "Conversation index.", turn: "0-based turn index within the conversation.",
      domain: "Conversation domain.", user_message: "The participant's message.", n_responses: "Responses shown (2 pairwise; all arms at turn 0 of all-arms; 1 otherwise).",
      continued_position: "Screen position of the response the conversation continued along (the choice, or the planned tie-break on a tie).",
      continued_arm: "Arm of that response.", judged: "Whether the turn was judged.",
    },
  },
  responses: {
    what: "One row per response shown. Texts are as displayed: scrubbed of model or company self-identification.",
    fields: {
      study_id: "Study id.", response_id: "`<participant>.c<conversation>.t<turn>.p<position>`.", participant_id: "Participant id.",
      conversation: "Conversation index.", turn: "Turn index.", arm: "Arm id (never shown to participants).", label: "Neutral label shown (A, B, …).",
      position: "0-based screen position (0 = left/first).", text: "Response text as shown.", prompt_tokens: "Tokens the model read (incl. system prompt and profile).",
      completion_tokens: "Tokens generated.", latency_ms: "Generation time, ms.", finish_reason: "`stop`, `length`, `cancelled` or `error`.",
      scrubbed: "Whether self-identification was removed from the text before display (details in the `responses.shown` event).",
    },
  },
  judgements: {
    what: "One row per judged comparison: a turn's judgement, or a probe re-showing an earlier comparison at the end with positions reversed (test–retest).",
    fields: {
      study_id: "Study id.", judgement_id: "`<participant>.c<conversation>.t<turn>` for turns, `<participant>.probe<k>` for probes.", participant_id: "Participant id.",
      population: "human, simulated or oracle.", kind: "`turn` or `probe`.", conversation: "Conversation judged (for a probe: of the comparison repeated).",
      turn: "Turn judged.", domain: "Conversation domain.", probe_of: "For a probe: the judgement_id it repeats; null for turns.",
      session_index: "Order of this judgement within the participant's session, 0-based.",
      arms: "Arm at each screen position (index = position). JSON array in CSV.", response_ids: "Response at each position. JSON array in CSV.",
      ratings: "Rating 1–100 per position (null where not asked). JSON array in CSV.", choice_position: "Position chosen; null for a tie.",
      choice_arm: "Arm chosen; null for a tie.", tie: "Whether the participant called a tie.", reasons: "Stated reasons (free text).",
      elapsed_ms: "Time from display to judgement, ms (web app); null for simulators and probes.",
    },
  },
  events: {
    what: "The raw event log, one row per event, in order per participant: the source every other table is derived from.",
    fields: {
      study_id: "Study id.", participant_id: "Participant id.", seq: "0-based, gap-free position in the participant's log.", at: "Time stored (ISO 8601, UTC).",
      type: "Event type (participant.enrolled, consent.given, profile.submitted, message.written, responses.shown, judgement.made, conversation.ended, probe.answered, attention.answered, participant.finished).",
      body: "The event as stored (JSON; a JSON string in CSV).",
    },
  },
};

export function renderCodebook(studyId: string, counts: Record<string, number>): string {
  const out = [
    `# Codebook — study \`${studyId}\``, "",
    "Each table is written twice: `<table>.jsonl` (one JSON object per line; the analysis reads these) and `<table>.csv` (arrays and objects as JSON strings).",
    "Humans, simulated twins and oracles export the same tables; `population` tells them apart. Positions are 0-based screen slots (0 = left).", "",
  ];
  for (const [table, spec] of Object.entries(CODEBOOK)) {
    out.push(`## ${table} (${counts[table] ?? 0} rows)`, "", spec.what, "", "| field | meaning |", "|---|---|");
    for (const [f, m] of Object.entries(spec.fields)) out.push(`| \`${f}\` | ${m.replace(/\|/g, "\\|")} |`);
    out.push("");
  }
  return out.join("\n");
}
