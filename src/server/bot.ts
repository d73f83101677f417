/**
 * A scripted browser-less participant over HTTP, for tests, the reliability check and the
 * benchmark: enters by a Prolific-style link, answers whatever view comes back, reads response
 * streams. Every request is timed by endpoint so the benchmark can report latencies.
 */
import type { Answer } from "./answers.js";
import type { ClientView, TaskPayload } from "./views.js";

export interface BotOptions {
  baseUrl: string;
  prolificPid?: string;
  invite?: string;
  /** Pause between actions (a person reading and typing), ms. */
  thinkMs?: () => number;
  /** Called for every request with its endpoint name and milliseconds. */
  onTiming?: (endpoint: string, ms: number, status: number) => void;
  /** Called with each acknowledged answer's resulting seq (what the server confirmed). */
  onAck?: (seq: number) => void;
  /** Stop after this many answers (to leave a participant mid-study). */
  maxAnswers?: number;
  signal?: AbortSignal;
  /** Answer attention checks wrongly. */
  failAttention?: boolean;
}

export interface BotResult {
  token: string;
  final: TaskPayload;
  answers: number;
  /** Every response body the bot received, for leak scans. */
  bodies: string[];
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0) return resolve();
    const onAbort = () => { clearTimeout(t); resolve(); };
    const t = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(); }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

const NUMBER_WORDS: Record<string, string> = { one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9" };

/** The option an attentive reader picks: the one the question quotes (numbers may be spelled out). */
export function readAttention(question: string, options: readonly string[]): string {
  const quoted = [...question.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
  for (const q of quoted) {
    const hit = options.find((o) => o === q || o === NUMBER_WORDS[q.toLowerCase()]);
    if (hit) return hit;
  }
  return options[0]!;
}

export function answerFor(view: ClientView, opts: { failAttention?: boolean } = {}): Answer | null {
  switch (view.kind) {
    case "consent": return { type: "consent" };
    case "profile":
      return {
        type: "profile",
        profile: {
          selfDescription: "I am a test participant who likes walks.", systemString: "Be brief.",
          statedPreferences: { values: 50, creativity: 60, fluency: 70, factuality: 80, diversity: 40, safety: 30, personalisation: 20, helpfulness: 90 },
          statedPreferencesOther: null,
          demographics: { age: "25-34 years old", gender: "Female", education: null, employmentStatus: null, maritalStatus: null, englishProficiency: null, religion: null, ethnicity: null },
          location: { birthCountry: null, resideCountry: null, specialRegion: null },
          lmFamiliarity: null, lmFrequencyUse: null,
        },
      };
    case "write":
      return { type: "message", conversation: view.conversation, turn: view.turn, text: `Hello, this is message ${view.turn} of conversation ${view.conversation}.`, telemetry: { pastes: 0, typingMs: 9000, tabSwitches: 0 } };
    case "judge":
      return { type: "judgement", conversation: view.conversation, turn: view.turn, ratings: view.responses.map((_, i) => 40 + i * 10), choice: 0, tie: false, reasons: "clearer", freeText: null, elapsedMs: 8000 };
    case "probe":
      return { type: "probe", probe: view.probe, ratings: view.responses.map(() => 50), choice: view.responses.length - 1, tie: false, reasons: null, freeText: null };
    case "feedback": return { type: "end-conversation", conversation: view.conversation, rating: 70, feedback: "fine" };
    case "attention": {
      const right = readAttention(view.question, view.options);
      return { type: "attention", check: view.check, answer: opts.failAttention ? view.options.find((o) => o !== right)! : right };
    }
    case "generating":
    case "done":
      return null;
  }
}

export class Bot {
  token = "";
  readonly bodies: string[] = [];
  constructor(private readonly o: BotOptions) {}

  private async call(endpoint: string, path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    const started = performance.now();
    const res = await fetch(`${this.o.baseUrl}${path}`, {
      ...init,
      headers: { "content-type": "application/json", ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(init.headers ?? {}) },
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    });
    const text = await res.text();
    this.o.onTiming?.(endpoint, performance.now() - started, res.status);
    this.bodies.push(text);
    return { status: res.status, text };
  }

  async enter(): Promise<TaskPayload> {
    const params: Record<string, string> = this.o.prolificPid ? { PROLIFIC_PID: this.o.prolificPid, STUDY_ID: "s1", SESSION_ID: `sess-${this.o.prolificPid}` } : {};
    const r = await this.call("enter", "/api/enter", { method: "POST", body: JSON.stringify({ params, invite: this.o.invite ?? null }) });
    if (r.status !== 200) throw new HttpError(r.status, r.text);
    const body = JSON.parse(r.text) as TaskPayload & { token: string };
    this.token = body.token;
    return body;
  }

  async task(): Promise<TaskPayload> {
    const r = await this.call("task", "/api/task");
    if (r.status !== 200) throw new HttpError(r.status, r.text);
    return JSON.parse(r.text) as TaskPayload;
  }

  async answer(seq: number, answer: Answer): Promise<TaskPayload> {
    const r = await this.call("answer", "/api/answer", { method: "POST", body: JSON.stringify({ seq, answer }) });
    if (r.status === 409) return (JSON.parse(r.text) as { current: TaskPayload }).current;
    if (r.status !== 200) throw new HttpError(r.status, r.text);
    return JSON.parse(r.text) as TaskPayload;
  }

  /** Reads the response stream to its end; returns the last text per position. */
  async stream(conversation: number, turn: number): Promise<string[]> {
    const started = performance.now();
    const res = await fetch(`${this.o.baseUrl}/api/stream?conversation=${conversation}&turn=${turn}`, {
      headers: { authorization: `Bearer ${this.token}` }, ...(this.o.signal ? { signal: this.o.signal } : {}),
    });
    const texts: string[] = [];
    if (res.status !== 200 || !res.body) {
      this.bodies.push(await res.text());
      return texts;
    }
    const decoder = new TextDecoder();
    let buf = "";
    let all = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const s = decoder.decode(chunk, { stream: true });
      buf += s;
      all += s;
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split("\n").find((l) => l.startsWith("data: "));
        if (!data) continue;
        const f = JSON.parse(data.slice(6)) as { type: string; position?: number; text?: string };
        if (f.type === "text") texts[f.position!] = f.text!;
      }
    }
    this.bodies.push(all);
    this.o.onTiming?.("stream", performance.now() - started, res.status);
    return texts;
  }

  /** Runs the participant until done (or `maxAnswers`). */
  async run(): Promise<BotResult> {
    let p = await this.enter();
    let answers = 0;
    while (p.view.kind !== "done") {
      if (this.o.signal?.aborted) break;
      if (this.o.maxAnswers !== undefined && answers >= this.o.maxAnswers) break;
      if (p.view.kind === "generating") {
        await this.stream(p.view.conversation, p.view.turn);
        p = await this.task();
        continue;
      }
      await sleep(this.o.thinkMs?.() ?? 0, this.o.signal);
      const a = answerFor(p.view, { failAttention: this.o.failAttention ?? false });
      if (!a) throw new Error(`no answer for ${p.view.kind}`);
      p = await this.answer(p.seq, a);
      answers++;
      this.o.onAck?.(p.seq);
    }
    return { token: this.token, final: p, answers, bodies: this.bodies };
  }
}
