/**
 * Benchmark: Bradley–Terry with 1,000 participant-bootstrap rounds on 67,000 judgements from 530
 * participants and 4 arms (the PRISM-X study's size), beside the Chatbot Arena bootstrap of the
 * `fschat` package on the same battles (bench/analysis/fschat_peer.py) as the peer.
 *
 *   npx tsx bench/analysis/bt_speed.ts [--python PATH] [--peer-rounds N]
 *
 * Target: ≤ 3 s for prismx. The peer needs a Python with fschat (see fschat_peer.py); without one
 * the prismx figure is still printed and the peer is reported as unavailable.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../src/core/rng.js";
import { bradleyTerry } from "../../src/analysis/stats/bt.js";
import { sigmoid } from "../../src/analysis/stats/distributions.js";
import type { Comparison } from "../../src/analysis/types.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const python = opt("--python", process.env.PRISMX_BENCH_PYTHON ?? "python3");
const peerRounds = Number(opt("--peer-rounds", "1000"));

const ARMS = { generic: 0, prompt: 0.25, pooled: 0.55, pdpo: 0.65 } as Record<string, number>;
const names = Object.keys(ARMS);
const N = 67_000;
const P = 530;
const rng = Rng.for(2026, "bench-bt");
const comps: Comparison[] = [];
for (let i = 0; i < N; i++) {
  const participant = `p${String(i % P).padStart(3, "0")}`;
  const [a, b] = rng.sample(names, 2) as [string, string];
  const tie = rng.bool(0.08);
  const outcome = tie ? 0.5 : rng.bool(sigmoid(ARMS[a]! - ARMS[b]!)) ? 1 : 0;
  comps.push({
    id: `j${i}`, judgement: `j${i}`, participant, population: "human", item: `i${i}`, left: a, right: b, outcome, kind: "turn", probeOf: null,
    conversation: 0, turn: 0, sessionIndex: 0, domain: null, leftResponse: null, rightResponse: null, leftRating: null, rightRating: null,
  });
}
const arms = [...names].sort();

const times: number[] = [];
let result = bradleyTerry(comps, arms, { anchor: "generic", rounds: 1000, seed: 1 });
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  result = bradleyTerry(comps, arms, { anchor: "generic", rounds: 1000, seed: 1 });
  times.push((performance.now() - t0) / 1000);
}
const ours = Math.min(...times);
console.log(`prismx BT + 1000 participant-bootstrap rounds, ${N} judgements, ${P} participants, ${arms.length} arms: ${ours.toFixed(3)} s (best of 3; runs ${times.map((t) => t.toFixed(3)).join(", ")})`);
for (const a of result.arms) console.log(`  ${a.arm.padEnd(8)} elo ${a.elo.toFixed(1)} [${a.eloCi.lo.toFixed(1)}, ${a.eloCi.hi.toFixed(1)}]`);
console.log(`target ≤ 3 s: ${ours <= 3 ? "met" : "NOT met"}`);

const dir = mkdtempSync(join(tmpdir(), "prismx-bench-"));
const csv = join(dir, "battles.csv");
writeFileSync(csv, ["judge,item,left,right,winner", ...comps.map((c) => `${c.participant},${c.item},${c.left},${c.right},${c.outcome === 0.5 ? "tie" : c.outcome === 1 ? "left" : "right"}`)].join("\n") + "\n");
const peer = spawnSync(python, [join(import.meta.dirname, "fschat_peer.py"), csv, String(peerRounds)], { encoding: "utf8", timeout: 3_600_000 });
if (peer.status !== 0) {
  console.log(`peer (fschat elo_analysis bootstrap) unavailable with ${python}: ${(peer.stderr || String(peer.error)).trim().split("\n").pop()}`);
  console.log("  install it: python -m venv /tmp/v && /tmp/v/bin/pip install fschat==0.2.36 pandas scikit-learn plotly tqdm pytz psutil; then --python /tmp/v/bin/python");
} else {
  const out = JSON.parse(peer.stdout.trim().split("\n").pop()!) as { seconds: number; rounds: number; ratings: Record<string, number> };
  const peer1000 = (out.seconds * 1000) / out.rounds;
  console.log(`peer fschat get_bootstrap_result(compute_elo_mle_with_tie), ${out.rounds} rounds (battle resampling): ${out.seconds.toFixed(2)} s${out.rounds !== 1000 ? ` → ${peer1000.toFixed(1)} s per 1000 rounds` : ""}`);
  for (const [k, v] of Object.entries(out.ratings).sort()) console.log(`  ${k.padEnd(8)} elo ${v.toFixed(1)} (fschat median; anchored differently)`);
  console.log(`ratio peer / prismx: ${(peer1000 / ours).toFixed(0)}×`);
}
if (ours > 3) process.exitCode = 1;
