// Scores token sequences with llama.cpp (node-llama-cpp, the embedded provider's engine) so the
// trainer's tests can check an exported GGUF against the trainer's own log-probabilities.
// stdin: {"model": PATH, "lora": PATH|null, "forbid_from": id|null, "items": [{"tokens": [ids], "score_from": k}],
//         "tokenize": [text, ...]}
// stdout: {"items": [{"logprobs": [log p(tokens[i] | tokens[<i]) for i >= score_from]}],
//          "tokenized": [[ids], ...], "n_vocab": N}
import { getLlama } from "node-llama-cpp";

const input = JSON.parse(await new Promise((resolve) => {
  let s = "";
  process.stdin.on("data", (d) => (s += d));
  process.stdin.on("end", () => resolve(s));
}));
const llama = await getLlama({ gpu: false, logLevel: "error" });
const model = await llama.loadModel({ modelPath: input.model });
const context = await model.createContext({
  contextSize: 512,
  ...(input.lora ? { lora: { adapters: [{ filePath: input.lora, scale: input.lora_scale ?? 1 }] } } : {}),
});
const items = [];
const sequence = context.getSequence();
// Arms forbid the reserved ids at generation time, so scores renormalise over the ids below
// `forbid_from` (when given), exactly as a logit bias of -inf on them would.
const forbidFrom = input.forbid_from ?? null;
for (const item of input.items ?? []) {
  await sequence.clearHistory();
  const evalInput = item.tokens.map((t, i) =>
    i + 1 >= item.score_from && i + 1 < item.tokens.length
      ? [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }]
      : t,
  );
  const out = await sequence.controlledEvaluate(evalInput);
  const logprobs = [];
  for (let i = item.score_from; i < item.tokens.length; i++) {
    const probs = out[i - 1]?.next?.probabilities;
    let allowed = 1;
    if (forbidFrom !== null && probs) for (const [t, p] of probs) if (t >= forbidFrom) allowed -= p;
    logprobs.push(Math.log(probs?.get(item.tokens[i]) ?? 0) - Math.log(allowed));
  }
  items.push({ logprobs });
}
const tokenized = (input.tokenize ?? []).map((text) => Array.from(model.tokenize(text, true)));
process.stdout.write(JSON.stringify({ items, tokenized, n_vocab: model.tokens.length ?? null }) + "\n");
await context.dispose();
await model.dispose();
