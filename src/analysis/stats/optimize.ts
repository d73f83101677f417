/**
 * BFGS with central-difference gradients and a backtracking (Armijo) line search, for the few
 * outer parameters of the mixed model. Hand-written: the models have under a dozen parameters and
 * a smooth objective; no npm optimiser is maintained well enough to be worth the dependency.
 */

export interface MinimizeResult {
  x: Float64Array;
  f: number;
  iterations: number;
  converged: boolean;
}

export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  const xp = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    const step = h * Math.max(1, Math.abs(x[i]!));
    xp[i] = x[i]! + step;
    const fp = f(xp);
    xp[i] = x[i]! - step;
    const fm = f(xp);
    xp[i] = x[i]!;
    g[i] = (fp - fm) / (2 * step);
  }
  return g;
}

/** Symmetric Hessian by second central differences of function values. */
export function numericHessian(f: (x: Float64Array) => number, x: Float64Array, h = 1e-3): Float64Array {
  const n = x.length;
  const hess = new Float64Array(n * n);
  const xp = Float64Array.from(x);
  const f0 = f(x);
  const steps = Array.from(x, (v) => h * Math.max(1, Math.abs(v)));
  const at = (i: number, di: number, j: number, dj: number): number => {
    xp.set(x);
    xp[i]! += di;
    xp[j]! += dj;
    return f(xp);
  };
  for (let i = 0; i < n; i++) {
    const hi = steps[i]!;
    hess[i * n + i] = (at(i, hi, i, 0) - 2 * f0 + at(i, -hi, i, 0)) / (hi * hi);
    for (let j = 0; j < i; j++) {
      const hj = steps[j]!;
      const v = (at(i, hi, j, hj) - at(i, hi, j, -hj) - at(i, -hi, j, hj) + at(i, -hi, j, -hj)) / (4 * hi * hj);
      hess[i * n + j] = v;
      hess[j * n + i] = v;
    }
  }
  return hess;
}

export function minimizeBfgs(f: (x: Float64Array) => number, x0: Float64Array, opts: { maxIter?: number; gtol?: number } = {}): MinimizeResult {
  const n = x0.length;
  const maxIter = opts.maxIter ?? 200;
  const gtol = opts.gtol ?? 1e-6;
  let x = Float64Array.from(x0);
  let fx = f(x);
  let g = numericGradient(f, x);
  // Inverse Hessian approximation, starting at identity.
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = 1;
  let it = 0;
  let converged = false;
  for (; it < maxIter; it++) {
    if (Math.max(...Array.from(g, Math.abs)) < gtol) {
      converged = true;
      break;
    }
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s -= H[i * n + j]! * g[j]!;
      d[i] = s;
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += d[i]! * g[i]!;
    if (slope >= 0) {
      // Not a descent direction: reset to steepest descent.
      H.fill(0);
      for (let i = 0; i < n; i++) H[i * n + i] = 1;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = -g.reduce((s, v) => s + v * v, 0);
    }
    let t = 1;
    let xn = x;
    let fn = fx;
    let accepted = false;
    for (let k = 0; k < 40; k++) {
      xn = x.map((v, i) => v + t * d[i]!);
      fn = f(xn);
      if (Number.isFinite(fn) && fn <= fx + 1e-4 * t * slope) {
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) {
      converged = Math.max(...Array.from(g, Math.abs)) < gtol * 100;
      break;
    }
    const gn = numericGradient(f, xn);
    const s = xn.map((v, i) => v - x[i]!);
    const y = gn.map((v, i) => v - g[i]!);
    let sy = 0;
    for (let i = 0; i < n; i++) sy += s[i]! * y[i]!;
    if (sy > 1e-12) {
      const Hy = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Hy[i]! += H[i * n + j]! * y[j]!;
      let yHy = 0;
      for (let i = 0; i < n; i++) yHy += y[i]! * Hy[i]!;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        H[i * n + j] = H[i * n + j]! + ((sy + yHy) * s[i]! * s[j]!) / (sy * sy) - (Hy[i]! * s[j]! + s[i]! * Hy[j]!) / sy;
      }
    }
    const df = fx - fn;
    x = xn;
    fx = fn;
    g = gn;
    if (df >= 0 && df < 1e-12 * Math.max(1, Math.abs(fx))) {
      converged = true;
      it++;
      break;
    }
  }
  return { x, f: fx, iterations: it, converged };
}
