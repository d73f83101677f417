/** The researcher's page: live progress per participant and arm, model health, flags, intake, export. */
import { useCallback, useEffect, useId, useState } from "react";
import { PageTitle } from "./components";

interface Overview {
  study: { id: string; title: string; paused: boolean };
  counts: { participants: number; finished: number; flagged: number };
  participants: { participantId: string; status: string; task: string; stepsDone: number; steps: number; finished: string | null; flags: string[]; updatedAt: string }[];
  arms: { arm: string; strategy: string; responses: number; judged: number; chosen: number; ties: number; meanRating: number | null; winRate: number | null }[];
  health: { role: string; model: string; calls: number; errors: number; meanLatencyMs: number; promptTokens: number; completionTokens: number }[];
}

const KEY = "prismx.admin";

export function Admin() {
  const [token, setToken] = useState<string | null>(sessionStorage.getItem(KEY));
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [files, setFiles] = useState<string[]>([]);

  const call = useCallback(async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(path, { method, headers: { authorization: `Bearer ${token ?? ""}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.status === 401) { sessionStorage.removeItem(KEY); setToken(null); throw new Error("the admin token was refused"); }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as T;
  }, [token]);

  const load = useCallback(async () => {
    try {
      setData(await call<Overview>("GET", "/api/admin/overview"));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [call]);

  useEffect(() => {
    if (!token) return;
    void load();
    const t = setInterval(() => void load(), 5000);
    return () => clearInterval(t);
  }, [token, load]);

  if (!token) return <Login onToken={(t) => { sessionStorage.setItem(KEY, t); setToken(t); }} error={error} />;

  const download = async (name: string) => {
    const res = await fetch(`/api/admin/export/${name}`, { headers: { authorization: `Bearer ${token}` } });
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = `${data?.study.id ?? "study"}-${name}`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="page admin">
      <PageTitle>Study {data?.study.id ?? ""}</PageTitle>
      {error && <div role="alert" className="error">{error}</div>}
      {data && (
        <>
          <p>
            {data.counts.participants} participants, {data.counts.finished} finished, {data.counts.flagged} flagged. Intake is{" "}
            <strong data-testid="intake">{data.study.paused ? "paused" : "open"}</strong>.{" "}
            <button type="button" onClick={() => void call("POST", "/api/admin/intake", { paused: !data.study.paused }).then(load)}>
              {data.study.paused ? "Resume intake" : "Pause intake"}
            </button>
          </p>
          <h2>Arms</h2>
          <table>
            <thead><tr><th>Arm</th><th>Strategy</th><th>Responses</th><th>Judged</th><th>Chosen</th><th>Ties</th><th>Win rate</th><th>Mean rating</th></tr></thead>
            <tbody>{data.arms.map((a) => (
              <tr key={a.arm}><td>{a.arm}</td><td>{a.strategy}</td><td>{a.responses}</td><td>{a.judged}</td><td>{a.chosen}</td><td>{a.ties}</td><td>{a.winRate === null ? "–" : a.winRate.toFixed(2)}</td><td>{a.meanRating === null ? "–" : a.meanRating.toFixed(1)}</td></tr>
            ))}</tbody>
          </table>
          <h2>Model health</h2>
          <table>
            <thead><tr><th>Role</th><th>Model</th><th>Calls</th><th>Errors</th><th>Mean latency (ms)</th><th>Tokens in/out</th></tr></thead>
            <tbody>{data.health.map((h) => (
              <tr key={`${h.role}|${h.model}`} className={h.errors > 0 ? "warn" : ""}><td>{h.role}</td><td>{h.model}</td><td>{h.calls}</td><td>{h.errors}</td><td>{h.meanLatencyMs.toFixed(0)}</td><td>{h.promptTokens}/{h.completionTokens}</td></tr>
            ))}</tbody>
          </table>
          <h2>Participants</h2>
          <table>
            <thead><tr><th>Participant</th><th>Status</th><th>Now</th><th>Steps</th><th>Ended</th><th>Flags</th><th>Last activity</th></tr></thead>
            <tbody>{data.participants.map((p) => (
              <tr key={p.participantId} className={p.flags.length ? "warn" : ""}><td>{p.participantId}</td><td>{p.status}</td><td>{p.task}</td><td>{p.stepsDone}/{p.steps}</td><td>{p.finished ?? ""}</td><td>{p.flags.join(", ")}</td><td>{new Date(p.updatedAt).toLocaleTimeString()}</td></tr>
            ))}</tbody>
          </table>
          <h2>Export</h2>
          <button type="button" onClick={() => void call<{ files: string[] }>("POST", "/api/admin/export", {}).then((r) => setFiles(r.files))}>Make export</button>
          <ul>{files.map((f) => <li key={f}><button type="button" className="link" onClick={() => void download(f)}>{f}</button></li>)}</ul>
        </>
      )}
    </div>
  );
}

function Login(props: { onToken: (t: string) => void; error: string | null }) {
  const [t, setT] = useState("");
  const id = useId();
  return (
    <form className="page" onSubmit={(e) => { e.preventDefault(); if (t.trim()) props.onToken(t.trim()); }}>
      <PageTitle>Study admin</PageTitle>
      {props.error && <div role="alert" className="error">{props.error}</div>}
      <label htmlFor={id}>Admin token</label>
      <input id={id} type="password" value={t} onChange={(e) => setT(e.target.value)} autoComplete="off" />
      <button type="submit">Open</button>
    </form>
  );
}
