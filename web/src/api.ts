/**
 * The participant's connection to the server. The session token lives in localStorage so a closed
 * tab resumes; every call retries through network loss (answers carry the seq they answer, so a
 * retried answer is never counted twice).
 */
import type { Answer, TaskPayload } from "./types";

const TOKEN_KEY = "prismx.session";

export const session = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (t: string): void => localStorage.setItem(TOKEN_KEY, t),
  clear: (): void => localStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly current: TaskPayload | null) {
    super(message);
  }
}

type OnlineListener = (online: boolean) => void;
const listeners = new Set<OnlineListener>();
export const onConnectivity = (l: OnlineListener): (() => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};
const setOnline = (v: boolean): void => listeners.forEach((l) => l(v));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** JSON request; retries forever on network failure or 5xx/429 with backoff (capped at 5 s). */
export async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      const token = session.get();
      res = await fetch(path, {
        method,
        headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      setOnline(false);
      await sleep(Math.min(5000, 300 * 2 ** attempt));
      continue;
    }
    setOnline(true);
    if (res.status >= 500 && res.status !== 503 || res.status === 429) {
      await sleep(Math.min(5000, 300 * 2 ** attempt));
      continue;
    }
    const data = (await res.json().catch(() => ({}))) as { error?: string; current?: TaskPayload };
    if (!res.ok) throw new ApiError(res.status, data.error ?? `HTTP ${res.status}`, data.current ?? null);
    return data as T;
  }
}

export const enter = (params: Record<string, string>, invite: string | null): Promise<TaskPayload & { token: string }> =>
  call("POST", "/api/enter", { params, invite });
export const currentTask = (): Promise<TaskPayload> => call("GET", "/api/task");
export const leave = (): Promise<TaskPayload> => call("POST", "/api/leave", {});

/** Sends an answer; an out-of-date page gets the current task back instead of an error. */
export async function answer(seq: number, a: Answer): Promise<TaskPayload> {
  try {
    return await call<TaskPayload>("POST", "/api/answer", { seq, answer: a });
  } catch (e) {
    if (e instanceof ApiError && e.status === 409 && e.current) return e.current;
    throw e;
  }
}

export type Frame = { type: "text"; position: number; text: string } | { type: "done" } | { type: "error"; message: string };

/** Reads the response stream (server-sent events over fetch); resolves when it ends. */
export async function stream(conversation: number, turn: number, onFrame: (f: Frame) => void, signal: AbortSignal): Promise<void> {
  const token = session.get();
  const res = await fetch(`/api/stream?conversation=${conversation}&turn=${turn}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, "stream unavailable", null);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const line = block.split("\n").find((l) => l.startsWith("data: "));
      if (line) onFrame(JSON.parse(line.slice(6)) as Frame);
    }
  }
}
