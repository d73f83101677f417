/**
 * Topics of conversations: embed opening messages, cluster them with seeded k-means(++), label each
 * cluster by its most distinctive words (smoothed log-odds of a word in the cluster vs the rest),
 * and compare the topic mixes of humans and simulators by Jensen–Shannon divergence with a
 * participant-bootstrap interval.
 *
 * The embedder is pluggable (`Embedder`): a GGUF embedding model through node-llama-cpp when one is
 * given, else the stated fallback, TF-IDF + truncated SVD (LSA) computed here — deterministic and
 * offline, but lexical: it groups by shared words, not meaning.
 */
import { Rng } from "../../core/rng.js";
import type { ConversationInfo, Interval } from "../types.js";
import { jensenShannon } from "../stats/agreement.js";
import { percentileInterval } from "../stats/bootstrap.js";

export interface Embedder {
  readonly id: string;
  embed(texts: readonly string[]): Promise<Float64Array[]>;
}

const STOP = new Set("a an the and or but if of to in on at for with about as by from into is are was were be been being am do does did have has had i me my you your we our they them their he she it its this that these those what which who whom how why when where can could would should will shall may might must not no so than too very just also there here some any all more most other such only own same then once please tell want know like think get make need help talk let lets im dont ive id".split(" "));

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}][\p{L}'-]*/gu) ?? []).map((w) => w.replace(/'s$/, "")).filter((w) => w.length > 2 && !STOP.has(w));
}

/** TF-IDF (sublinear tf, smooth idf, L2 rows) → rank-d truncated SVD by seeded subspace iteration. */
export class TfidfSvdEmbedder implements Embedder {
  readonly id: string;
  constructor(private readonly dims = 32, private readonly seed = 0) {
    this.id = `tfidf-svd-${dims}`;
  }

  embed(texts: readonly string[]): Promise<Float64Array[]> {
    const docs = texts.map(tokenize);
    const df = new Map<string, number>();
    for (const d of docs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
    const vocab = [...df.keys()].filter((w) => df.get(w)! >= 2 || docs.length < 20).sort();
    const vIdx = new Map(vocab.map((w, i) => [w, i]));
    const n = docs.length;
    const m = vocab.length;
    const rows: Map<number, number>[] = docs.map((d) => {
      const tf = new Map<number, number>();
      for (const w of d) {
        const j = vIdx.get(w);
        if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1);
      }
      const row = new Map<number, number>();
      let norm = 0;
      for (const [j, c] of [...tf.entries()].sort((a, b) => a[0] - b[0])) {
        const v = (1 + Math.log(c)) * (Math.log((1 + n) / (1 + df.get(vocab[j]!)!)) + 1);
        row.set(j, v);
        norm += v * v;
      }
      norm = Math.sqrt(norm) || 1;
      for (const [j, v] of row) row.set(j, v / norm);
      return row;
    });
    const d = Math.max(1, Math.min(this.dims, m, n));
    // Sparse rows as parallel typed arrays (Map iteration allocates an entry per step).
    const sparse = rows.map((r) => ({ idx: Int32Array.from(r.keys()), val: Float64Array.from(r.values()) }));
    // Subspace iteration on AᵀA (m×m implicit), seeded start: V ← orth(Aᵀ A V).
    const rng = Rng.for(this.seed, "tfidf-svd");
    let V: Float64Array[] = Array.from({ length: d }, () => Float64Array.from({ length: m }, () => rng.normal()));
    const times = (vecs: Float64Array[]): Float64Array[] => vecs.map((v) => {
      const out = new Float64Array(m);
      for (const { idx, val } of sparse) {
        let s = 0;
        for (let t = 0; t < idx.length; t++) s += val[t]! * v[idx[t]!]!;
        for (let t = 0; t < idx.length; t++) out[idx[t]!]! += val[t]! * s;
      }
      return out;
    });
    const orth = (vecs: Float64Array[]): Float64Array[] => {
      const out: Float64Array[] = [];
      for (const v of vecs) {
        const u = Float64Array.from(v);
        for (const q of out) {
          let s = 0;
          for (let j = 0; j < m; j++) s += u[j]! * q[j]!;
          for (let j = 0; j < m; j++) u[j]! -= s * q[j]!;
        }
        let norm = 0;
        for (let j = 0; j < m; j++) norm += u[j]! * u[j]!;
        norm = Math.sqrt(norm);
        if (norm > 1e-12) out.push(u.map((x) => x / norm));
      }
      return out;
    };
    V = orth(V);
    for (let it = 0; it < 30; it++) V = orth(times(V));
    const emb = sparse.map(({ idx, val }) => {
      const e = new Float64Array(V.length);
      V.forEach((v, k) => {
        let s = 0;
        for (let t = 0; t < idx.length; t++) s += val[t]! * v[idx[t]!]!;
        e[k] = s;
      });
      return normalise(e);
    });
    return Promise.resolve(emb);
  }
}

function normalise(e: Float64Array): Float64Array {
  let n = 0;
  for (const x of e) n += x * x;
  n = Math.sqrt(n);
  return n > 0 ? e.map((x) => x / n) : e;
}

/** Seeded k-means++ with Lloyd iterations; returns cluster per point. */
export function kMeans(points: readonly Float64Array[], k: number, seed: number, iters = 100): number[] {
  const n = points.length;
  if (n === 0) return [];
  k = Math.min(k, n);
  const rng = Rng.for(seed, "kmeans");
  const dist = (a: Float64Array, b: Float64Array) => { let s = 0; for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2; return s; };
  const centres: Float64Array[] = [Float64Array.from(points[rng.int(0, n - 1)]!)];
  while (centres.length < k) {
    const d2 = points.map((p) => centres.reduce((m, c) => Math.min(m, dist(p, c)), Infinity));
    const total = d2.reduce((s, x) => s + x, 0);
    if (total === 0) break;
    let u = rng.float() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) { u -= d2[i]!; if (u < 0) { pick = i; break; } }
    centres.push(Float64Array.from(points[pick]!));
  }
  const assign = new Array<number>(n).fill(-1);
  for (let it = 0; it < iters; it++) {
    let changed = false;
    points.forEach((p, i) => {
      let best = 0, bd = Infinity;
      centres.forEach((c, j) => { const d = dist(p, c); if (d < bd) { bd = d; best = j; } });
      if (assign[i] !== best) { assign[i] = best; changed = true; }
    });
    if (!changed) break;
    const sums = centres.map((c) => new Float64Array(c.length));
    const sizes = new Array<number>(centres.length).fill(0);
    points.forEach((p, i) => {
      const s = sums[assign[i]!]!;
      sizes[assign[i]!]!++;
      for (let t = 0; t < s.length; t++) s[t]! += p[t]!;
    });
    centres.forEach((c, j) => {
      if (sizes[j] === 0) return;
      for (let t = 0; t < c.length; t++) c[t] = sums[j]![t]! / sizes[j]!;
    });
  }
  return assign;
}

export interface Topic {
  cluster: number;
  label: string;
  words: string[];
  size: number;
  /** Share of each population's conversations in this topic. */
  share: Record<string, number>;
  example: string;
}

export interface TopicsResult {
  embedder: string;
  k: number;
  topics: Topic[];
  /** JS divergence (bits) of the human vs simulated topic mix, with participant-bootstrap CI. */
  divergence: { a: string; b: string; jsd: number; ci: Interval } | null;
}

/** `opts.reference`: the population simulators are compared with (humans, or oracles standing in for them). */
export async function topics(conversations: readonly ConversationInfo[], embedder: Embedder, opts: { k?: number; seed: number; rounds: number; reference?: string }): Promise<TopicsResult | null> {
  const convs = conversations.filter((c) => c.openingMessage.trim() !== "").slice().sort((a, b) => (a.participant < b.participant ? -1 : a.participant > b.participant ? 1 : a.conversation - b.conversation));
  if (convs.length < 4) return null;
  const k = Math.min(opts.k ?? 8, Math.max(2, Math.floor(convs.length / 5)));
  const emb = await embedder.embed(convs.map((c) => c.openingMessage));
  const assign = kMeans(emb, k, opts.seed);
  const nk = Math.max(...assign) + 1;
  const pops = [...new Set(convs.map((c) => c.population))].sort();
  // Distinctive words: log-odds with an informative Dirichlet prior (Monroe et al. 2008), simplified.
  const counts: Map<string, number>[] = Array.from({ length: nk }, () => new Map<string, number>());
  const all = new Map<string, number>();
  convs.forEach((c, i) => {
    for (const w of new Set(tokenize(c.openingMessage))) {
      counts[assign[i]!]!.set(w, (counts[assign[i]!]!.get(w) ?? 0) + 1);
      all.set(w, (all.get(w) ?? 0) + 1);
    }
  });
  const totalAll = [...all.values()].reduce((s, x) => s + x, 0);
  const topicsOut: Topic[] = [];
  for (let j = 0; j < nk; j++) {
    const members = convs.filter((_, i) => assign[i] === j);
    if (members.length === 0) continue;
    const cj = counts[j]!;
    const nj = [...cj.values()].reduce((s, x) => s + x, 0);
    const scored = [...cj.entries()].map(([w, c]) => {
      const rest = all.get(w)! - c;
      const restTotal = totalAll - nj;
      const a = 0.5;
      const score = Math.log((c + a) / (nj + a)) - Math.log((rest + a) / (restTotal + a));
      return [w, score * Math.sqrt(c)] as const;
    }).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    const words = scored.slice(0, 5).map((s) => s[0]);
    const share: Record<string, number> = {};
    for (const p of pops) {
      const np = convs.filter((c) => c.population === p).length;
      share[p] = members.filter((c) => c.population === p).length / np;
    }
    topicsOut.push({ cluster: j, label: words.slice(0, 3).join(" / "), words, size: members.length, share, example: members[0]!.openingMessage.slice(0, 160) });
  }
  let divergence: TopicsResult["divergence"] = null;
  const ref = opts.reference ?? "human";
  if (pops.includes(ref) && pops.includes("simulated")) {
    const mixOf = (pop: string) => {
      const parts = [...new Set(convs.filter((c) => c.population === pop).map((c) => c.participant))].sort();
      const per = parts.map((p) => {
        const v = new Float64Array(nk);
        convs.forEach((c, i) => { if (c.participant === p) v[assign[i]!]! += 1; });
        return v;
      });
      return per;
    };
    const h = mixOf(ref);
    const s = mixOf("simulated");
    const sum = (rows: Float64Array[], idx: Int32Array | null) => {
      const v = new Array<number>(nk).fill(0);
      const m = idx ? idx.length : rows.length;
      for (let t = 0; t < m; t++) { const r = rows[idx ? idx[t]! : t]!; for (let j = 0; j < nk; j++) v[j]! += r[j]!; }
      return v;
    };
    const rng = Rng.for(opts.seed, "topics-jsd");
    const reps: number[] = [];
    const ih = new Int32Array(h.length);
    const is = new Int32Array(s.length);
    for (let r = 0; r < opts.rounds; r++) {
      for (let i = 0; i < h.length; i++) ih[i] = rng.int(0, h.length - 1);
      for (let i = 0; i < s.length; i++) is[i] = rng.int(0, s.length - 1);
      reps.push(jensenShannon(sum(h, ih), sum(s, is)));
    }
    divergence = { a: ref, b: "simulated", jsd: jensenShannon(sum(h, null), sum(s, null)), ci: percentileInterval(reps) };
  }
  return { embedder: embedder.id, k: nk, topics: topicsOut, divergence };
}
