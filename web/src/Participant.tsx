/**
 * The participant's side: entry (Prolific link or invite code), then whatever the server says is
 * due — consent, profile, write, watch responses stream, judge, feedback, attention checks,
 * probes — and finally the completion page. The server decides every step; the page only renders
 * the view it was sent and posts the answer with the seq it answers.
 */
import { useCallback, useEffect, useId, useRef, useState } from "react";
import * as api from "./api";
import { Choice, History, ModelText, PageTitle, RatingSlider } from "./components";
import { ProfileForm } from "./ProfileForm";
import type { Answer, BlindMessage, BlindResponse, ClientView, Domain, JudgeForm, TaskPayload } from "./types";

const DOMAIN_PROMPTS: Record<Domain, string> = {
  unguided: "Start a conversation about anything you would like to talk about.",
  "values guided": "Start a conversation about something that touches on your values or beliefs.",
  "controversy guided": "Start a conversation about a topic on which people disagree.",
};

type Submit = (a: Answer) => Promise<void>;

export function Participant() {
  const [payload, setPayload] = useState<TaskPayload | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [needsEntry, setNeedsEntry] = useState(false);
  const [online, setOnline] = useState(true);
  const [busy, setBusy] = useState(false);

  useEffect(() => api.onConnectivity(setOnline), []);

  const start = useCallback(async (params: Record<string, string>, invite: string | null) => {
    try {
      const p = await api.enter(params, invite);
      api.session.set(p.token);
      setPayload({ seq: p.seq, progress: p.progress, view: p.view });
      setNeedsEntry(false);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
      setNeedsEntry(true);
    }
  }, []);

  useEffect(() => {
    const url = new URL(window.location.href);
    const params: Record<string, string> = {};
    url.searchParams.forEach((v, k) => { if (k !== "invite") params[k] = v; });
    const invite = url.searchParams.get("invite");
    // Keep the Prolific id out of the address bar and history once read.
    if (url.search) window.history.replaceState(null, "", url.pathname);
    if (Object.keys(params).length > 0 || invite) {
      void start(params, invite);
    } else if (api.session.get()) {
      api.currentTask().then(setPayload, () => { api.session.clear(); setNeedsEntry(true); });
    } else {
      setNeedsEntry(true);
    }
  }, [start]);

  const submit: Submit = useCallback(async (a) => {
    if (!payload) return;
    setBusy(true);
    try {
      setPayload(await api.answer(payload.seq, a));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
      if (e instanceof api.ApiError && e.current) setPayload(e.current);
    } finally {
      setBusy(false);
    }
  }, [payload]);

  const refresh = useCallback(async () => setPayload(await api.currentTask()), []);

  const onLeave = async () => {
    if (!window.confirm("Leave the study? Your answers so far are kept, but you cannot come back.")) return;
    setPayload(await api.leave());
  };

  const view = payload?.view;
  return (
    <div className="page">
      <header className="top">
        <span className="brand">Conversation study</span>
        {payload && view?.kind !== "done" && (
          <>
            <progress aria-label="Study progress" max={payload.progress.total} value={payload.progress.done} />
            <button type="button" className="link" onClick={() => void onLeave()}>Leave the study</button>
          </>
        )}
      </header>
      <div role="status" aria-live="polite" className={online ? "sr-only" : "banner"}>{online ? "" : "Connection lost — reconnecting. Nothing you have sent is lost."}</div>
      {error && <div role="alert" className="error">{error}</div>}
      <main key={payload ? `${payload.seq}-${view?.kind}` : "entry"} aria-busy={busy}>
        {needsEntry && !payload && <Entry onEnter={(code) => void start({}, code)} />}
        {view && payload && <Page view={view} submit={submit} busy={busy} refresh={refresh} />}
      </main>
    </div>
  );
}

function Entry(props: { onEnter: (code: string) => void }) {
  const [code, setCode] = useState("");
  const id = useId();
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (code.trim()) props.onEnter(code.trim()); }}>
      <PageTitle>Welcome</PageTitle>
      <p>Open this study from the link you were given (for example on Prolific), or enter your invite code.</p>
      <label htmlFor={id}>Invite code</label>
      <input id={id} value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
      <button type="submit">Start</button>
    </form>
  );
}

function Page(props: { view: ClientView; submit: Submit; busy: boolean; refresh: () => Promise<void> }) {
  const { view, submit, busy } = props;
  switch (view.kind) {
    case "consent":
      return (
        <section>
          <PageTitle>Before you start</PageTitle>
          <ModelText text={view.text} testId="consent-text" />
          <button type="button" disabled={busy} onClick={() => void submit({ type: "consent" })}>I agree and want to take part</button>
        </section>
      );
    case "profile":
      return <ProfileForm busy={busy} onSubmit={(profile) => void submit({ type: "profile", profile })} />;
    case "write":
      return <Write view={view} submit={submit} busy={busy} />;
    case "generating":
      return <Generating view={view} refresh={props.refresh} />;
    case "judge":
      return (
        <Judge
          title={`Conversation ${view.conversation + 1}: compare the responses`} history={view.history} message={view.message} responses={view.responses} form={view.form} busy={busy}
          onSubmit={(j, elapsedMs) => void submit({ type: "judgement", conversation: view.conversation, turn: view.turn, elapsedMs, ...j })}
        />
      );
    case "probe":
      return (
        <Judge
          title="One more look at an earlier exchange" history={view.history} message={view.message} responses={view.responses} form={view.form} busy={busy}
          onSubmit={(j) => void submit({ type: "probe", probe: view.probe, ...j })}
        />
      );
    case "feedback":
      return <Feedback view={view} submit={submit} busy={busy} />;
    case "attention":
      return <Attention view={view} submit={submit} busy={busy} />;
    case "done":
      return <Done view={view} />;
  }
}

function Write(props: { view: Extract<ClientView, { kind: "write" }>; submit: Submit; busy: boolean }) {
  const { view } = props;
  // The draft survives a closed tab or a reload (kept per conversation and turn until sent).
  const draftKey = `prismx.draft.${view.conversation}.${view.turn}`;
  const [text, setTextState] = useState(() => localStorage.getItem(draftKey) ?? "");
  const setText = (v: string) => {
    setTextState(v);
    localStorage.setItem(draftKey, v);
  };
  const id = useId();
  // Quality telemetry: pastes, time spent typing (gaps under 5 s between keys), tab switches.
  const t = useRef({ pastes: 0, typingMs: 0, tabSwitches: 0, lastKey: 0 });
  useEffect(() => {
    const onVis = () => { if (document.visibilityState === "hidden") t.current.tabSwitches++; };
    document.addEventListener("visibilitychange", onVis);
    return () => document.removeEventListener("visibilitychange", onVis);
  }, []);
  const onKey = () => {
    const now = performance.now();
    const gap = now - t.current.lastKey;
    if (t.current.lastKey > 0 && gap < 5000) t.current.typingMs += gap;
    t.current.lastKey = now;
  };
  const send = () => {
    if (!text.trim()) return;
    const { pastes, typingMs, tabSwitches } = t.current;
    localStorage.removeItem(draftKey);
    void props.submit({ type: "message", conversation: view.conversation, turn: view.turn, text: text.trim(), telemetry: { pastes, typingMs: Math.round(typingMs), tabSwitches } });
  };
  return (
    <section>
      <PageTitle>Conversation {view.conversation + 1}{view.turn > 0 ? `, turn ${view.turn + 1}` : ""}</PageTitle>
      {view.turn === 0 && <p className="instruction">{DOMAIN_PROMPTS[view.domain]}</p>}
      <History history={view.history} />
      <form onSubmit={(e) => { e.preventDefault(); send(); }}>
        <label htmlFor={id}>{view.turn === 0 ? "Your first message" : "Your reply"}</label>
        <textarea id={id} rows={4} value={text} maxLength={4000} onChange={(e) => setText(e.target.value)} onKeyDown={onKey} onPaste={() => { t.current.pastes++; }} />
        <div className="actions">
          <button type="submit" disabled={props.busy || !text.trim()}>Send</button>
          {view.canEnd && (
            <button type="button" className="secondary" disabled={props.busy} onClick={() => void props.submit({ type: "end-conversation", conversation: view.conversation, rating: null, feedback: null })}>
              End this conversation
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

function Responses(props: { responses: BlindResponse[]; ratings?: (number | null)[]; setRating?: (i: number, v: number) => void; streaming?: boolean }) {
  return (
    <div className={`responses n${props.responses.length}`}>
      {props.responses.map((r, i) => (
        <article key={r.position} className="response" aria-labelledby={`resp-${r.label}`} aria-busy={props.streaming}>
          <h2 id={`resp-${r.label}`}>Response {r.label}</h2>
          <ModelText text={r.text || (props.streaming ? "…" : "")} testId={`response-${r.label}`} />
          {props.setRating && props.ratings && (
            <RatingSlider label={`How good is response ${r.label}? (1 = terrible, 100 = perfect)`} value={props.ratings[i] ?? null} onChange={(v) => props.setRating!(i, v)} testId={`rating-${r.label}`} />
          )}
        </article>
      ))}
    </div>
  );
}

function Generating(props: { view: Extract<ClientView, { kind: "generating" }>; refresh: () => Promise<void> }) {
  const { view, refresh } = props;
  const [texts, setTexts] = useState<string[]>(view.labels.map(() => ""));
  const [failed, setFailed] = useState(false);
  // Bumped by "Try again": restarts the loop below (the view itself does not change).
  const [round, setRound] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    let stopped = false;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    void (async () => {
      for (let attempt = 0; !stopped; attempt++) {
        let finished = false;
        let errored = false;
        try {
          await api.stream(view.conversation, view.turn, (f) => {
            if (f.type === "text") setTexts((old) => old.map((t, i) => (i === f.position ? f.text : t)));
            else if (f.type === "error") { errored = true; finished = true; }
            else finished = true;
          }, ac.signal);
        } catch {
          if (ac.signal.aborted) return;
        }
        if (stopped) return;
        if (errored) {
          setFailed(true);
          return;
        }
        // Done: the responses are stored; fetch the judging page (this component then unmounts).
        // Broken stream (network, server restart): wait, ask what is due, and listen again.
        if (!finished) await sleep(Math.min(5000, 500 * 2 ** attempt));
        try {
          await refresh();
        } catch {
          await sleep(Math.min(5000, 500 * 2 ** attempt));
        }
      }
    })();
    return () => { stopped = true; ac.abort(); };
  }, [view.conversation, view.turn, refresh, round]);
  return (
    <section>
      <PageTitle>Conversation {view.conversation + 1}: the assistants are answering</PageTitle>
      <History history={view.history} />
      <div className="bubble user"><span className="who">You</span><p>{view.message}</p></div>
      <p role="status" aria-live="polite">{failed ? "Something went wrong while writing the responses." : "Writing responses…"}</p>
      {failed && <button type="button" onClick={() => { setFailed(false); setRound((r) => r + 1); }}>Try again</button>}
      <Responses responses={view.labels.map((label, position) => ({ label, position, text: texts[position] ?? "" }))} streaming />
    </section>
  );
}

interface JudgementFields { ratings: (number | null)[]; choice: number | null; tie: boolean; reasons: string | null; freeText: string | null }

function Judge(props: { title: string; history: BlindMessage[]; message: string; responses: BlindResponse[]; form: JudgeForm; busy: boolean; onSubmit: (j: JudgementFields, elapsedMs: number) => void }) {
  const { responses, form } = props;
  const [ratings, setRatings] = useState<(number | null)[]>(responses.map(() => null));
  const [choice, setChoice] = useState<string | null>(null);
  const [reasons, setReasons] = useState("");
  const [freeText, setFreeText] = useState("");
  const started = useRef(performance.now());
  const reasonsId = useId();
  const freeId = useId();
  const multi = responses.length > 1;
  const missing = (form.ratings && ratings.some((r) => r === null)) || (multi && choice === null);
  const options = [...responses.map((r) => ({ value: String(r.position), label: `Response ${r.label}` })), ...(form.allowTie && multi ? [{ value: "tie", label: "They are about the same (tie)" }] : [])];
  const send = () => {
    const tie = choice === "tie";
    props.onSubmit({
      ratings: form.ratings ? ratings : responses.map(() => null),
      choice: tie ? null : multi ? Number(choice) : 0, tie,
      reasons: form.reasons ? reasons : null, freeText: form.freeText ? freeText : null,
    }, Math.round(performance.now() - started.current));
  };
  return (
    <section>
      <PageTitle>{props.title}</PageTitle>
      <History history={props.history} />
      <div className="bubble user"><span className="who">You</span><p>{props.message}</p></div>
      <form onSubmit={(e) => { e.preventDefault(); if (!missing) send(); }}>
        <Responses responses={responses} ratings={ratings} setRating={form.ratings ? (i, v) => setRatings((old) => old.map((x, j) => (j === i ? v : x))) : undefined} />
        {multi && <Choice legend="Which response do you prefer? The conversation continues with it." name="choice" options={options} value={choice} onChange={setChoice} />}
        {form.reasons && (
          <>
            <label htmlFor={reasonsId}>Why? (optional)</label>
            <textarea id={reasonsId} rows={2} value={reasons} maxLength={4000} onChange={(e) => setReasons(e.target.value)} />
          </>
        )}
        {form.freeText && (
          <>
            <label htmlFor={freeId}>Anything else about these responses? (optional)</label>
            <textarea id={freeId} rows={2} value={freeText} maxLength={4000} onChange={(e) => setFreeText(e.target.value)} />
          </>
        )}
        {missing && <p className="hint">{form.ratings ? "Rate every response and choose one to continue." : "Choose one to continue."}</p>}
        <button type="submit" disabled={props.busy || missing}>Continue</button>
      </form>
    </section>
  );
}

function Feedback(props: { view: Extract<ClientView, { kind: "feedback" }>; submit: Submit; busy: boolean }) {
  const { view } = props;
  const [rating, setRating] = useState<number | null>(null);
  const [feedback, setFeedback] = useState("");
  const id = useId();
  const missing = view.ratingRequired && rating === null;
  return (
    <section>
      <PageTitle>Conversation {view.conversation + 1} is over</PageTitle>
      <History history={view.history} />
      <form onSubmit={(e) => { e.preventDefault(); if (!missing) void props.submit({ type: "end-conversation", conversation: view.conversation, rating, feedback: view.askFeedback ? feedback : null }); }}>
        <RatingSlider label="Overall, how good was this conversation? (1–100)" value={rating} onChange={setRating} testId="conversation-rating" />
        {view.askFeedback && (
          <>
            <label htmlFor={id}>What would have made the assistant better? (optional)</label>
            <textarea id={id} rows={3} value={feedback} maxLength={4000} onChange={(e) => setFeedback(e.target.value)} />
          </>
        )}
        <button type="submit" disabled={props.busy || missing}>Continue</button>
      </form>
    </section>
  );
}

function Attention(props: { view: Extract<ClientView, { kind: "attention" }>; submit: Submit; busy: boolean }) {
  const { view } = props;
  const [answer, setAnswer] = useState<string | null>(null);
  return (
    <section>
      <PageTitle>A quick question</PageTitle>
      <form onSubmit={(e) => { e.preventDefault(); if (answer) void props.submit({ type: "attention", check: view.check, answer }); }}>
        <Choice legend={view.question} name="attention" options={view.options.map((o) => ({ value: o, label: o }))} value={answer} onChange={setAnswer} />
        <button type="submit" disabled={props.busy || !answer}>Continue</button>
      </form>
    </section>
  );
}

function Done(props: { view: Extract<ClientView, { kind: "done" }> }) {
  const { view } = props;
  useEffect(() => {
    if (!view.redirectUrl) return;
    api.session.clear();
    const t = setTimeout(() => window.location.assign(view.redirectUrl!), 4000);
    return () => clearTimeout(t);
  }, [view.redirectUrl]);
  const text: Record<typeof view.outcome, string> = {
    completed: "Thank you — you have finished the study. Everything you did has been saved.",
    "failed-attention": "Thank you for your time. The study has ended because an attention check was not passed.",
    returned: "You have left the study. Thank you for your time.",
    ended: "The study has ended. Thank you for your time.",
  };
  return (
    <section>
      <PageTitle>{view.outcome === "completed" ? "All done" : "The study has ended"}</PageTitle>
      <p>{text[view.outcome]}</p>
      {view.code && <p>Your completion code: <strong data-testid="completion-code">{view.code}</strong></p>}
      {view.redirectUrl && <p><a href={view.redirectUrl} data-testid="redirect">Return to Prolific</a> (you will be taken there in a few seconds)</p>}
    </section>
  );
}
