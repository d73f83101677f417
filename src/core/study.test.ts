import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { stringify } from "yaml";
import { parseStudyConfig, serialiseStudyConfig, yamlPath, type StudyConfig } from "./study.js";
import { UserError } from "./errors.js";

const idArb = fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/);

const modelArb = fc.oneof(
  fc.record({ provider: fc.constant("embedded" as const), model: fc.constantFrom("default", "/models/x.gguf"), contextSize: fc.integer({ min: 256, max: 8192 }), contexts: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    provider: fc.constant("openai" as const), baseURL: fc.constantFrom("http://127.0.0.1:8000/v1", "https://api.example.org/v1"),
    model: fc.constantFrom("llama-3-8b", "gpt-4o-mini"), apiKeyEnv: fc.constantFrom(null, "OPENAI_API_KEY"),
    concurrency: fc.integer({ min: 1, max: 64 }), timeoutMs: fc.integer({ min: 1000, max: 120000 }), maxRetries: fc.integer({ min: 0, max: 6 }),
  }),
);

/** Random valid study configs, built so that cross-references (arm → model) hold. */
const studyArb: fc.Arbitrary<unknown> = fc
  .record({
    id: idArb,
    title: fc.string({ maxLength: 30 }),
    seed: fc.integer(),
    modelNames: fc.uniqueArray(idArb, { minLength: 1, maxLength: 3 }),
    models: fc.array(modelArb, { minLength: 3, maxLength: 3 }),
    armIds: fc.uniqueArray(idArb, { minLength: 2, maxLength: 5 }),
    strategies: fc.array(fc.constantFrom("none", "prompt", "user-tokens", "pooled"), { minLength: 5, maxLength: 5 }),
    mode: fc.constantFrom("pairwise", "all-arms", "sequential"),
    turns: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 })),
    probes: fc.nat(5),
    domains: fc.subarray(["unguided", "values guided", "controversy guided"], { minLength: 1 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    withSimulator: fc.boolean(),
  })
  .map((r) => ({
    id: r.id,
    title: r.title,
    seed: r.seed,
    models: Object.fromEntries(r.modelNames.map((n, i) => [n, r.models[i]])),
    arms: r.armIds.map((id, i) => ({
      id, model: r.modelNames[i % r.modelNames.length], strategy: r.strategies[i],
      ...(r.strategies[i] === "user-tokens" || r.strategies[i] === "pooled" ? { artefact: `artefacts/${id}` } : {}),
    })),
    domains: r.domains,
    protocol: { mode: r.mode, turns: { min: r.turns[0], max: r.turns[0] + r.turns[1] }, probes: r.probes },
    generation: { temperature: r.temperature },
    ...(r.withSimulator ? { simulator: { model: r.modelNames[0] } } : {}),
  }));

describe("StudyConfig", () => {
  it("accepts the example studies", () => {
    for (const f of ["demo-study.yaml"]) {
      const path = join(import.meta.dirname, "..", "..", "examples", f);
      const c = parseStudyConfig(readFileSync(path, "utf8"), path);
      expect(c.arms.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("round-trips parse → serialise → parse", () => {
    fc.assert(fc.property(studyArb, (raw) => {
      const first = parseStudyConfig(stringify(raw), "gen.yaml");
      const second = parseStudyConfig(serialiseStudyConfig(first), "gen.yaml");
      expect(second).toEqual(first);
    }), { numRuns: 200 });
  });

  it("names the YAML path and line of a mistake", () => {
    const text = "id: s\nseed: 1\nmodels:\n  base: { provider: embedded }\narms:\n  - { id: a, model: base, strategy: none }\n  - { id: b, model: base, strategy: prompted }\n";
    try {
      parseStudyConfig(text, "bad.yaml");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).message).toMatch(/^bad\.yaml:7: arms\[1\]\.strategy: /);
    }
    expect(() => parseStudyConfig("id: [unclosed\n", "broken.yaml")).toThrow(/broken\.yaml:\d+: not valid YAML/);
    expect(() => parseStudyConfig(text.replace("model: base, strategy: none", "model: nope, strategy: none").replace("prompted", "prompt"), "x.yaml")).toThrow(/arms\[0\]\.model: unknown model 'nope'/);
  });

  // Random invalid configs: mutate one place of a valid config; the error must name that place.
  type Mutation = { path: (string | number)[]; kind: "wrong-type" | "unknown-key" | "remove" };
  function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
    if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => leafPaths(v, [...path, i]))];
    if (value !== null && typeof value === "object") return [path, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))];
    return [path];
  }
  function getIn(obj: unknown, path: (string | number)[]): unknown {
    return path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], obj);
  }
  function apply(raw: unknown, m: Mutation): unknown {
    const copy = structuredClone(raw) as Record<string, unknown>;
    const parent = getIn(copy, m.path.slice(0, -1)) as Record<string | number, unknown>;
    const key = m.path[m.path.length - 1]!;
    if (m.kind === "unknown-key") (getIn(copy, m.path) as Record<string, unknown>).colour = "blue";
    else if (m.kind === "remove") delete parent[key];
    else {
      const v = parent[key];
      parent[key] = typeof v === "number" ? "not-a-number" : typeof v === "boolean" ? "maybe" : typeof v === "string" ? ["a", "list"] : 12345;
    }
    return copy;
  }
  const required = new Set(["id", "seed", "models", "arms", "strategy", "model", "provider", "baseURL"]);
  // An embedded model's `model` defaults to "default"; every other listed key is required.
  const isRequired = (p: (string | number)[]): boolean => required.has(String(p[p.length - 1])) && !(p[0] === "models" && (p.length === 2 || p[2] === "model"));

  it("reports random invalid configs with the offending path, never a crash", () => {
    const arb = studyArb.chain((raw) => {
      const all = leafPaths(raw).filter((p) => p.length > 0);
      const objects = all.filter((p) => { const v = getIn(raw, p); return v !== null && typeof v === "object" && !Array.isArray(v) && !(p.length === 1 && p[0] === "models"); });
      const leaves = all.filter((p) => { const v = getIn(raw, p); return v === null || typeof v !== "object"; })
        // A record key's own value is free-form only through its name; title accepts any string.
        .filter((p) => !(p[0] === "title"));
      const removable = all.filter(isRequired);
      const muts: fc.Arbitrary<Mutation>[] = [fc.constantFrom(...leaves).map((path) => ({ path, kind: "wrong-type" as const }))];
      if (objects.length) muts.push(fc.constantFrom(...objects).map((path) => ({ path, kind: "unknown-key" as const })));
      if (removable.length) muts.push(fc.constantFrom(...removable).map((path) => ({ path, kind: "remove" as const })));
      return fc.tuple(fc.constant(raw), fc.oneof(...muts));
    });
    fc.assert(fc.property(arb, ([raw, m]) => {
      const text = stringify(apply(raw, m));
      let err: unknown;
      try {
        parseStudyConfig(text, "fuzz.yaml");
      } catch (e) {
        err = e;
      }
      expect(err, `mutation ${m.kind} at ${yamlPath(m.path)} was accepted`).toBeInstanceOf(UserError);
      const all = [(err as UserError).message, ...(err as UserError).details].join("\n");
      const expected = m.kind === "unknown-key" ? "colour" : yamlPath(m.path);
      expect(all).toContain(expected);
    }), { numRuns: 300 });
  });

  it("fills defaults explicitly", () => {
    const c: StudyConfig = parseStudyConfig("id: s\nseed: 3\nmodels: { m: { provider: embedded } }\narms: [{ id: a, model: m, strategy: none }, { id: b, model: m, strategy: prompt }]\n");
    expect(c.protocol.mode).toBe("pairwise");
    expect(c.domains).toEqual(["unguided", "values guided", "controversy guided"]);
    expect(c.models.m).toMatchObject({ provider: "embedded", model: "default" });
  });
});
