/**
 * Export fidelity through the embedded provider's engine: a tiny model is trained with P-DPO by
 * the Python trainer and exported; node-llama-cpp then loads model.gguf + lora.gguf, puts the
 * participant's reserved tokens right after BOS, forbids every reserved id, and must score the
 * held-out chosen responses as the trainer did (fidelity_probes.json) within its tolerance.
 * Needs the trainer's venv (`node scripts/bootstrap.mjs --with-trainer`); skipped without it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtefactManifest } from "../core/artefacts.js";
import { trainerPython } from "../cli/commands/train.js";

const python = trainerPython();
const haveTrainer = existsSync(python);

interface Probe { participant_id: string; tokens: number[]; score_from: number; logprob: number }

describe.skipIf(!haveTrainer)("P-DPO export fidelity under node-llama-cpp", () => {
  const dir = mkdtempSync(join(tmpdir(), "prismx-fidelity-"));
  const art = join(dir, "artefact");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    const run = (args: string[]) => {
      const r = spawnSync(python, args, { encoding: "utf8", env: { ...process.env, PYTHONPATH: join(process.cwd(), "trainer") } });
      if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr.slice(-3000)}`);
    };
    run(["-m", "prismx_trainer.tiny", "--out", join(dir, "tiny")]);
    run(["-c", `from prismx_trainer.synthetic import cohort, write_jsonl; write_jsonl(cohort(dialogs_per_user=4), ${JSON.stringify(join(dir, "pairs.jsonl"))})`]);
    run(["-m", "prismx_trainer.train", "--pairs", join(dir, "pairs.jsonl"), "--base", join(dir, "tiny", "hf"), "--out", art,
      "--mode", "individual", "--user-tokens", "2", "--max-steps", "6", "--batch-size", "8", "--grad-accum", "1",
      "--lr", "3e-3", "--user-lr", "5e-2", "--warmup-steps", "1", "--lora-dropout", "0", "--no-hf", "--eval-every", "0"]);
  }, 300_000);

  it("scores held-out responses like the trainer, with the user's reserved tokens after BOS", async () => {
    const manifest = ArtefactManifest.parse(JSON.parse(readFileSync(join(art, "manifest.json"), "utf8")));
    const probes = JSON.parse(readFileSync(join(art, "fidelity_probes.json"), "utf8")) as { tolerance: number; items: Probe[] };
    expect(probes.items.length).toBeGreaterThan(0);
    const range = manifest.reserved_token_range;
    if (range === null) throw new Error("an individual-mode artefact has reserved tokens");
    const [first, last] = range;

    const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: join(art, manifest.gguf) });
    const context = await model.createContext({ contextSize: 512, lora: { adapters: [{ filePath: join(art, manifest.lora ?? ""), scale: manifest.lora_scale }] } });
    const sequence = context.getSequence();
    try {
      for (const probe of probes.items) {
        // The probe's reserved ids are the participant's from the manifest (or the generic user's).
        const ids = manifest.user_token_ids[probe.participant_id] ?? manifest.generic_token_ids;
        expect(probe.tokens.slice(1, 1 + ids.length)).toEqual(ids);
        await sequence.clearHistory();
        const out = await sequence.controlledEvaluate(probe.tokens.map((t, i) =>
          i + 1 >= probe.score_from && i + 1 < probe.tokens.length
            ? [t as Token, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }]
            : (t as Token)));
        let total = 0;
        for (let i = probe.score_from; i < probe.tokens.length; i++) {
          const probs = out[i - 1]?.next.probabilities;
          if (!probs) throw new Error(`no probabilities at ${i}`);
          let forbidden = 0;
          for (const [t, p] of probs) if (t >= first && t <= last) forbidden += p;
          total += Math.log(probs.get(probe.tokens[i] as Token) ?? 0) - Math.log(1 - forbidden);
        }
        expect(Math.abs(total - probe.logprob)).toBeLessThan(probes.tolerance);
      }
      // Reserved strings typed as text are not turned into reserved ids.
      const plain = Array.from(model.tokenize(`hello ${manifest.generic_tokens[0] ?? ""}`, false));
      expect(plain.some((t) => Number(t) >= first && Number(t) <= last)).toBe(false);
    } finally {
      await context.dispose();
      await model.dispose();
    }
  }, 120_000);
});
