/**
 * Agreement and rank statistics: Krippendorff's α (nominal), Spearman's ρ, Kendall's τ-b, and the
 * Jensen–Shannon divergence. Hand-written (short, textbook formulas); α is checked against
 * Krippendorff's own worked example as shipped by Evalica.
 */

/**
 * Krippendorff's α for nominal data. `units[u]` holds the values coders gave unit u (missing
 * omitted). Units with fewer than two values are not pairable and are dropped, as in the definition.
 */
export function krippendorffAlphaNominal(units: readonly (readonly string[])[]): number {
  const o = new Map<string, number>(); // coincidence matrix, key "c|k"
  const nc = new Map<string, number>();
  let n = 0;
  for (const vals of units) {
    const m = vals.length;
    if (m < 2) continue;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      if (i === j) continue;
      const key = `${vals[i]}|${vals[j]}`;
      o.set(key, (o.get(key) ?? 0) + 1 / (m - 1));
    }
    for (const v of vals) nc.set(v, (nc.get(v) ?? 0) + 1);
    n += m;
  }
  if (n <= 1) return NaN;
  let observed = 0;
  for (const [key, v] of o) {
    const [c, k] = key.split("|");
    if (c !== k) observed += v;
  }
  let expected = 0;
  const cats = [...nc.keys()];
  for (const c of cats) for (const k of cats) if (c !== k) expected += nc.get(c)! * nc.get(k)!;
  expected /= n - 1;
  if (expected === 0) return 1;
  return 1 - observed / expected;
}

function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

export function spearman(a: readonly number[], b: readonly number[]): number {
  return pearson(ranks(a), ranks(b));
}

export function kendallTauB(a: readonly number[], b: readonly number[]): number {
  let conc = 0, disc = 0, tieA = 0, tieB = 0;
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) {
    const da = Math.sign(a[i]! - a[j]!);
    const db = Math.sign(b[i]! - b[j]!);
    if (da === 0 && db === 0) continue;
    if (da === 0) tieA++;
    else if (db === 0) tieB++;
    else if (da === db) conc++;
    else disc++;
  }
  const denom = Math.sqrt((conc + disc + tieA) * (conc + disc + tieB));
  return denom === 0 ? NaN : (conc - disc) / denom;
}

/** Jensen–Shannon divergence in bits (0 = same mix, 1 = disjoint). */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const sp = p.reduce((s, x) => s + x, 0);
  const sq = q.reduce((s, x) => s + x, 0);
  if (sp === 0 || sq === 0) return NaN;
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    if (a > 0) d += 0.5 * a * Math.log2(a / m);
    if (b > 0) d += 0.5 * b * Math.log2(b / m);
  }
  return d;
}
