/**
 * One participant's log → the export's long-table rows. The log is folded by the protocol engine
 * first (so a log that breaks the protocol cannot be exported silently), then read off the state
 * and the events. The same for human, simulated and oracle participants.
 */
import { z } from "zod";
import {
  Domain, type ConversationRow, type JudgementRow, type ParticipantKind, type ParticipantRow, type ResponseRow, type StoredEvent, type StudyConfig,
} from "../../core/index.js";
import { rebuild } from "../../protocol/index.js";

/** turns.jsonl: one row per user message and the replies shown to it (not in core: only export writes it). */
export const TurnRow = z.strictObject({
  study_id: z.string(),
  participant_id: z.string(),
  conversation: z.number().int().nonnegative(),
  turn: z.number().int().nonnegative(),
  domain: Domain,
  user_message: z.string(),
  n_responses: z.number().int().nonnegative(),
  continued_position: z.number().int().nonnegative().nullable(),
  continued_arm: z.string().nullable(),
  judged: z.boolean(),
});
export type TurnRow = z.infer<typeof TurnRow>;

export const EventRow = z.strictObject({
  study_id: z.string(),
  participant_id: z.string(),
  seq: z.number().int().nonnegative(),
  at: z.string(),
  type: z.string(),
  body: z.unknown(),
});
export type EventRow = z.infer<typeof EventRow>;

export interface ParticipantTables {
  participant: ParticipantRow;
  conversations: ConversationRow[];
  turns: TurnRow[];
  responses: ResponseRow[];
  judgements: JudgementRow[];
  events: EventRow[];
}

export const judgementId = (participantId: string, conversation: number, turn: number): string => `${participantId}.c${conversation}.t${turn}`;
export const probeId = (participantId: string, probe: number): string => `${participantId}.probe${probe}`;

export function participantTables(config: StudyConfig, participantId: string, kind: ParticipantKind, twinOf: string | null, log: readonly StoredEvent[]): ParticipantTables {
  const studyId = config.id;
  const state = rebuild(config, participantId, log);
  const { plan } = state;
  const events: EventRow[] = log.map((e) => ({ study_id: e.studyId, participant_id: e.participantId, seq: e.seq, at: e.at, type: e.body.type, body: e.body }));

  const conversations: ConversationRow[] = [];
  const turns: TurnRow[] = [];
  const responses: ResponseRow[] = [];
  for (const conv of state.conversations) {
    const domain = plan.conversations[conv.index]!.domain;
    const first = conv.turns[0]?.responses ?? [];
    conversations.push({
      study_id: studyId, participant_id: participantId, conversation: conv.index, domain,
      arms: first.length > 0 ? first.map((r) => r.arm) : plan.conversations[conv.index]!.arms,
      n_turns: conv.turns.length, opening_message: conv.turns[0]?.message ?? "", rating: conv.rating, feedback: conv.feedback,
    });
    for (const t of conv.turns) {
      const cont = t.continuedWith !== null ? t.responses?.find((r) => r.position === t.continuedWith) ?? null : null;
      turns.push({
        study_id: studyId, participant_id: participantId, conversation: conv.index, turn: t.turn, domain, user_message: t.message,
        n_responses: t.responses?.length ?? 0, continued_position: cont?.position ?? null, continued_arm: cont?.arm ?? null, judged: t.judgement !== null,
      });
    }
  }
  // Scrubs and elapsed times are on the events, not the state.
  const scrubbed = new Set<string>();
  const elapsed = new Map<string, number | null>();
  let pastes = 0;
  let typingMs = 0;
  let tabSwitches = 0;
  for (const { body: b } of log) {
    if (b.type === "responses.shown") {
      for (const s of b.scrubs) scrubbed.add(`${b.conversation}.${b.turn}.${s.position}`);
      for (const r of b.responses) {
        responses.push({
          study_id: studyId, response_id: r.responseId, participant_id: participantId, conversation: b.conversation, turn: b.turn, arm: r.arm, label: r.label,
          position: r.position, text: r.text, prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, latency_ms: r.latencyMs,
          finish_reason: r.finishReason, scrubbed: scrubbed.has(`${b.conversation}.${b.turn}.${r.position}`),
        });
      }
    } else if (b.type === "judgement.made") elapsed.set(`${b.conversation}.${b.turn}`, b.elapsedMs);
    else if (b.type === "message.written" && b.telemetry) {
      pastes += b.telemetry.pastes;
      typingMs += b.telemetry.typingMs;
      tabSwitches += b.telemetry.tabSwitches;
    }
  }

  const population = kind;
  const judgements: JudgementRow[] = [];
  let session = 0;
  for (const { body: b } of log) {
    if (b.type === "judgement.made") {
      const t = state.conversations[b.conversation]!.turns[b.turn]!;
      const shown = t.responses!;
      judgements.push({
        study_id: studyId, judgement_id: judgementId(participantId, b.conversation, b.turn), participant_id: participantId, population, kind: "turn",
        conversation: b.conversation, turn: b.turn, domain: plan.conversations[b.conversation]!.domain, probe_of: null, session_index: session++,
        arms: shown.map((r) => r.arm), response_ids: shown.map((r) => r.responseId), ratings: b.judgement.ratings,
        choice_position: b.judgement.choice, choice_arm: b.judgement.choice === null ? null : shown[b.judgement.choice]!.arm, tie: b.judgement.tie,
        reasons: b.judgement.reasons, elapsed_ms: elapsed.get(`${b.conversation}.${b.turn}`) ?? null,
      });
    } else if (b.type === "probe.answered") {
      const p = plan.probes[b.probe]!;
      const shown = state.conversations[p.conversation]!.turns[p.turn]!.responses!;
      // Positions reversed: display position d shows the response originally at n-1-d.
      const display = shown.slice().reverse();
      judgements.push({
        study_id: studyId, judgement_id: probeId(participantId, b.probe), participant_id: participantId, population, kind: "probe",
        conversation: p.conversation, turn: p.turn, domain: plan.conversations[p.conversation]!.domain, probe_of: judgementId(participantId, p.conversation, p.turn),
        session_index: session++, arms: display.map((r) => r.arm), response_ids: display.map((r) => r.responseId), ratings: b.judgement.ratings,
        choice_position: b.judgement.choice, choice_arm: b.judgement.choice === null ? null : display[b.judgement.choice]!.arm, tie: b.judgement.tie,
        reasons: b.judgement.reasons, elapsed_ms: null,
      });
    }
  }

  const attentionPassed = state.attention.filter((a) => a.passed).length;
  const flags: string[] = [];
  if (attentionPassed < state.attention.length) flags.push("failed-attention");
  if (pastes > 0) flags.push("pasted-messages");
  if (state.finished && state.finished.reason !== "completed") flags.push(`ended-${state.finished.reason}`);
  const participant: ParticipantRow = {
    study_id: studyId, participant_id: participantId, population, twin_of: twinOf, termination_reason: state.finished?.reason ?? null,
    n_conversations: state.conversations.filter((c) => c.turns.length > 0).length,
    n_judgements: judgements.length, attention_passed: attentionPassed, attention_total: state.attention.length,
    pastes, typing_ms: typingMs, tab_switches: tabSwitches, flags,
  };
  return { participant, conversations, turns, responses, judgements, events };
}
