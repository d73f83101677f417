/**
 * One-shot scoring for tests and tools (e.g. the trainer's export-fidelity check): the summed
 * log-probability of a reply given chat messages and prefix tokens, through exactly the prompt
 * rendering the arms use. Opens the model (and adapter), scores, closes.
 */
import { EmbeddedChatModel, type LoraAdapter, type ScoreRequest, type ScoreResult } from "./embedded/provider.js";

export async function scoreContinuation(
  model: { modelPath: string; lora?: LoraAdapter | null; chatTemplate?: string | null; forceBos?: boolean; contextSize?: number },
  requests: readonly ScoreRequest[],
): Promise<ScoreResult[]> {
  const m = await EmbeddedChatModel.create({ ...model, contexts: 1, contextSize: model.contextSize ?? 2048 });
  try {
    const out: ScoreResult[] = [];
    for (const r of requests) out.push(await m.score(r));
    return out;
  } finally {
    await m.close();
  }
}
