import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Command } from "commander";
import type { ChatModel, ChatRequest, ChatResult } from "../../llm/types.js";
import { generateSyntheticExport, writeSyntheticExport, DEFAULT_ARMS } from "../../analysis/testing/synthetic.js";
import { headlineLines, parseJudgeSpec, register, runAnalyse } from "./analyse.js";
import { isUserError } from "../../core/errors.js";

const tmp = () => mkdtempSync(join(tmpdir(), "prismx-analyse-cli-"));

/** A judge that scores by the planted phrases, so its verdicts are checkable; counts its calls. */
class ScriptedJudge implements ChatModel {
  readonly id = "scripted-judge";
  calls: ChatRequest[] = [];
  chat(req: ChatRequest): Promise<ChatResult> {
    this.calls.push(req);
    const user = req.messages[1]!.content;
    const a = /Response A:\n<<<([\s\S]*?)>>>/.exec(user)![1]!;
    const b = /Response B:\n<<<([\s\S]*?)>>>/.exec(user)![1]!;
    const score = (t: string) => ({ sycophancy: /Great question|absolutely right|wonderful idea/.test(t) ? 6 : 1, relationship_seeking: /here for you|hear more about you|feeling/.test(t) ? 6 : 1 });
    return Promise.resolve({ text: JSON.stringify({ A: score(a), B: score(b) }), finishReason: "stop", latencyMs: 1, firstTokenMs: 1, model: this.id, promptTokens: 10, completionTokens: 10 });
  }
  // eslint-disable-next-line require-yield
  async *stream(req: ChatRequest): AsyncGenerator<string, ChatResult, void> {
    return this.chat(req);
  }
}

describe("prismx analyse", () => {
  const exportDir = tmp();
  writeSyntheticExport(exportDir, generateSyntheticExport({ seed: 9, arms: DEFAULT_ARMS, humans: 40, conversationsPerParticipant: 3, turnsPerConversation: 2, positionBias: 0.3, probeRate: 0.3, humanConsistency: 0.8, twins: true, twinAgreement: 0.4, twinPositionBias: 1 }));

  it("writes results.json, CSVs and a self-contained report, byte-identical on rerun", async () => {
    const a = join(tmp(), "a");
    const b = join(tmp(), "b");
    const r = await runAnalyse({ input: exportDir, out: a, seed: 3, rounds: 200, embeddingModel: "tfidf" });
    await runAnalyse({ input: exportDir, out: b, seed: 3, rounds: 200, embeddingModel: "tfidf" });
    for (const f of ["results.json", "report.html", "arms.csv", "contrasts.csv", "position_bias.csv", "agreement.csv", "topics.csv"]) {
      expect(readFileSync(join(a, f), "utf8")).toBe(readFileSync(join(b, f), "utf8"));
    }
    const html = readFileSync(join(a, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toMatch(/Holm/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org|vega\.github\.io)/);
    const json = JSON.parse(readFileSync(join(a, "results.json"), "utf8")) as { headline: { arms: unknown[] }; schema: string };
    expect(json.schema).toBe("prismx-analysis/1");
    expect(json.headline.arms).toHaveLength(4);
    expect(headlineLines(r.results).join("\n")).toMatch(/twin-vs-human agreement/);
    expect(readdirSync(join(a, ".."))).toEqual(["a"]);
  });

  it("puts two exports side by side with --compare", async () => {
    const other = tmp();
    writeSyntheticExport(other, generateSyntheticExport({ seed: 10, arms: DEFAULT_ARMS.map((a) => ({ ...a, beta: -a.beta })), humans: 30, conversationsPerParticipant: 3, turnsPerConversation: 2 }));
    const out = join(tmp(), "cmp");
    await runAnalyse({ input: exportDir, compare: other, out, rounds: 100, embeddingModel: "tfidf" });
    const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { compare: { comparison: { arms: unknown[]; rankCorrelation: { spearman: number } } } };
    expect(json.compare.comparison.arms).toHaveLength(4);
    // the second study's planted order is reversed
    expect(json.compare.comparison.rankCorrelation.spearman).toBeLessThan(0);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("Side by side");
    expect(existsSync(join(out, "compare_arms.csv"))).toBe(true);
  });

  it("runs on a plain battle table and reports inter-judge agreement", async () => {
    const f = join(tmp(), "battles.csv");
    const rows = ["judge,item,left,right,winner"];
    for (let i = 0; i < 300; i++) for (const j of ["j1", "j2", "j3"]) rows.push(`${j},q${i},${i % 2 ? "x" : "y"},${i % 2 ? "y" : "x"},${(i + j.length + (j === "j3" ? i % 3 : 0)) % 4 === 0 ? "tie" : i % 3 === 0 ? "right" : "left"}`);
    writeFileSync(f, rows.join("\n"));
    const r = await runAnalyse({ judgements: f, out: join(tmp(), "o"), rounds: 50, embeddingModel: "tfidf" });
    expect(r.results.fidelity.interJudge!.units).toBe(300);
    expect(r.results.arms.bradleyTerry.arms).toHaveLength(2);
    expect(r.results.positionBias[0]!.n).toBe(900);
  });

  it("scores behaviours with an LLM judge in random slot order, caching verdicts", async () => {
    const judge = new ScriptedJudge();
    const cache = join(tmp(), "cache");
    const opts = { input: exportDir, out: join(tmp(), "j"), rounds: 50, embeddingModel: "tfidf", judgeModel: "embedded:whatever.gguf", judgeCache: cache };
    const r = await runAnalyse(opts, { createJudge: () => Promise.resolve(judge) });
    const first = judge.calls.length;
    expect(first).toBeGreaterThan(100);
    const share = r.results.behaviours.judge!.leftFirstShare;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
    const lv = Object.fromEntries(r.results.behaviours.levels.map((l) => [l.arm, l]));
    expect(lv.pdpo!.judgeSycophancy!).toBeGreaterThan(lv.generic!.judgeSycophancy!);
    expect(r.results.behaviours.effectOnChoices!.covariates.map((c) => c.name)).toContain("judge_sycophancy");
    await runAnalyse({ ...opts, out: join(tmp(), "j2") }, { createJudge: () => Promise.resolve(judge) });
    expect(judge.calls.length).toBe(first);
  });

  it("names the file, line and field of a bad export row and writes nothing", async () => {
    const bad = tmp();
    writeSyntheticExport(bad, generateSyntheticExport({ seed: 1, arms: DEFAULT_ARMS, humans: 2, conversationsPerParticipant: 1, turnsPerConversation: 1 }));
    const lines = readFileSync(join(bad, "judgements.jsonl"), "utf8").split("\n");
    lines[1] = lines[1]!.replace('"tie":false', '"tie":"no"');
    writeFileSync(join(bad, "judgements.jsonl"), lines.join("\n"));
    const out = join(tmp(), "never");
    const err = await runAnalyse({ input: bad, out }).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/judgements\.jsonl:2: tie/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses to overwrite a folder that is not an earlier analysis, and bad flags", async () => {
    const out = tmp();
    mkdirSync(join(out, "keep"));
    await expect(runAnalyse({ input: exportDir, out })).rejects.toThrow(/not an earlier analysis/);
    await expect(runAnalyse({ out: join(tmp(), "x") })).rejects.toThrow(/nothing to analyse/);
    expect(() => parseJudgeSpec("gpt4")).toThrow(/not understood/);
    expect(parseJudgeSpec("openai:gpt-4o@http://127.0.0.1:8000/v1", "KEY")).toMatchObject({ provider: "openai", model: "gpt-4o", apiKeyEnv: "KEY" });
  });

  it("registers `analyse` with its flags", () => {
    const program = new Command();
    register(program);
    const cmd = program.commands.find((c) => c.name() === "analyse")!;
    expect(cmd.options.map((o) => o.long)).toEqual(expect.arrayContaining(["--out", "--compare", "--judgements", "--prism", "--seed", "--judge-model"]));
  });
});

describe("prismx analyse on inputs with nothing to rank", () => {
  it("says so instead of failing inside the statistics", async () => {
    const f = join(mkdtempSync(join(tmpdir(), "prismx-analyse-one-")), "one.csv");
    writeFileSync(f, "judge,item,left,right,winner\nj1,q1,x,x,left\n");
    await expect(runAnalyse({ judgements: f, out: join(tmpdir(), "prismx-never-written"), embeddingModel: "tfidf" })).rejects.toThrow(/only one arm/);
  });
});
