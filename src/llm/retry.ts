/**
 * Retries with exponential backoff and full jitter, for the transient ModelError kinds only
 * (rate-limit, unavailable, timeout). A server's Retry-After wins when it gives one.
 */
import { ModelError } from "./types.js";
import { cancelled } from "./limiter.js";

export interface RetryPolicy {
  maxRetries: number;
  baseMs: number;
  maxMs: number;
  /** Random in [0,1) for jitter; injectable so tests are deterministic. */
  random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseMs: 500, maxMs: 20_000 };

export function backoffMs(attempt: number, p: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) return Math.min(retryAfterMs, p.maxMs);
  const cap = Math.min(p.maxMs, p.baseMs * 2 ** attempt);
  return Math.floor((p.random ?? Math.random)() * cap);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const t = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(cancelled()); };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryInfo { attempt: number; error: ModelError; delayMs: number }

export async function withRetries<T>(fn: (attempt: number) => Promise<T>, p: RetryPolicy, opts: { signal?: AbortSignal; onRetry?: (i: RetryInfo) => void; retryAfterMs?: (e: ModelError) => number | undefined } = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!(e instanceof ModelError) || !e.retryable || attempt >= p.maxRetries || opts.signal?.aborted) throw e;
      const delayMs = backoffMs(attempt, p, opts.retryAfterMs?.(e));
      opts.onRetry?.({ attempt, error: e, delayMs });
      await sleep(delayMs, opts.signal);
    }
  }
}
