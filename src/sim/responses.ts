/**
 * Sources of arm responses for `generate` tasks: the study's arms (free mode), or a human's
 * recorded responses (replay mode: the twin sees exactly what the human saw).
 */
import { deriveSeed, type ChatMessage, type EventBody, type Profile, type StoredEvent } from "../core/index.js";
import { ModelError } from "../llm/types.js";
import type { ArmOutput } from "../protocol/index.js";
import type { CallRecord, ResponseSource } from "./types.js";

/** What the runner needs of an arm (src/arms' `Arm` satisfies it). */
export interface RespondingArm {
  readonly id: string;
  readonly model: { readonly id: string };
  respond(profile: Profile, conversation: readonly ChatMessage[], opts?: { signal?: AbortSignal; seed?: number }): Promise<{
    text: string; promptTokens: number; completionTokens: number; latencyMs: number; finishReason: ArmOutput["finishReason"];
  }>;
}

/** Every arm of a `generate` task answers the same context, in parallel. */
export function armResponses(arms: ReadonlyMap<string, RespondingArm>, onCall: (c: CallRecord) => void): ResponseSource {
  return async (task, ctx) => Promise.all(task.slots.map(async (slot) => {
    const arm = arms.get(slot.arm);
    if (!arm) throw new Error(`no arm '${slot.arm}' built for this study`);
    const t0 = performance.now();
    const participantId = ctx.state.plan.participantId;
    try {
      const r = await arm.respond(ctx.profile, task.context, { seed: deriveSeed(ctx.seed, slot.arm), ...(ctx.signal ? { signal: ctx.signal } : {}) });
      onCall({ participantId, role: `arm:${slot.arm}`, model: arm.model.id, ok: true, errorKind: null, latencyMs: r.latencyMs, promptTokens: r.promptTokens, completionTokens: r.completionTokens });
      return { arm: slot.arm, text: r.text, promptTokens: r.promptTokens, completionTokens: r.completionTokens, latencyMs: r.latencyMs, finishReason: r.finishReason };
    } catch (e) {
      onCall({ participantId, role: `arm:${slot.arm}`, model: arm.model.id, ok: false, errorKind: e instanceof ModelError ? e.kind : "unknown", latencyMs: performance.now() - t0, promptTokens: 0, completionTokens: 0 });
      throw e;
    }
  }));
}

/**
 * Replay: the responses a human was shown at each (conversation, turn), by arm, with their
 * original token counts. Texts are the scrubbed ones the human saw (scrubbing them again is a no-op).
 */
export function recordedResponses(humanLogs: ReadonlyMap<string, readonly (StoredEvent | EventBody)[]>, humanOf: (twinId: string) => string): ResponseSource {
  const index = new Map<string, Map<string, ArmOutput>>();
  for (const [human, log] of humanLogs) {
    for (const e of log) {
      const b = "body" in e ? e.body : e;
      if (b.type !== "responses.shown") continue;
      index.set(`${human}|${b.conversation}|${b.turn}`, new Map(b.responses.map((r) => [r.arm, {
        arm: r.arm, text: r.text, promptTokens: r.promptTokens, completionTokens: r.completionTokens, latencyMs: r.latencyMs, finishReason: r.finishReason,
      }])));
    }
  }
  return (task, ctx) => {
    const human = humanOf(ctx.state.plan.participantId);
    const shown = index.get(`${human}|${task.conversation}|${task.turn}`);
    if (!shown) return Promise.reject(new Error(`replay: ${human} was shown nothing at conversation ${task.conversation}, turn ${task.turn}`));
    return Promise.resolve(task.slots.map((s) => {
      const r = shown.get(s.arm);
      if (!r) throw new Error(`replay: ${human} saw no response of arm '${s.arm}' at conversation ${task.conversation}, turn ${task.turn}`);
      return r;
    }));
  };
}
