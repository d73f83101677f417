import { useEffect, useId, useRef } from "react";
import { renderMarkdown } from "./markdown";
import type { BlindMessage } from "./types";

/** A 1–100 slider, operable by keyboard (arrows, Home/End, PageUp/Down) and named for screen readers. */
export function RatingSlider(props: { label: string; value: number | null; onChange: (v: number) => void; testId?: string }) {
  const id = useId();
  const shown = props.value ?? 50;
  return (
    <div className="slider">
      <label htmlFor={id}>{props.label}</label>
      <div className="slider-row">
        <span aria-hidden="true">1</span>
        <input
          id={id} type="range" min={1} max={100} step={1} value={shown}
          aria-valuetext={props.value === null ? "not rated yet" : `${props.value} of 100`}
          data-testid={props.testId}
          data-touched={props.value !== null}
          onChange={(e) => props.onChange(Number(e.target.value))}
          onKeyDown={(e) => { if (props.value === null && (e.key === "Enter" || e.key === " ")) props.onChange(shown); }}
          onPointerDown={() => { if (props.value === null) props.onChange(shown); }}
        />
        <span aria-hidden="true">100</span>
        <output htmlFor={id} className={props.value === null ? "unset" : ""}>{props.value === null ? "–" : props.value}</output>
      </div>
    </div>
  );
}

/** Sanitised markdown from a model. */
export function ModelText(props: { text: string; testId?: string }) {
  return <div className="model-text" data-testid={props.testId} dangerouslySetInnerHTML={{ __html: renderMarkdown(props.text) }} />;
}

export function History(props: { history: BlindMessage[] }) {
  if (props.history.length === 0) return null;
  return (
    <section aria-label="Conversation so far" className="history">
      {props.history.map((m, i) => (
        <div key={i} className={`bubble ${m.role}`}>
          <span className="who">{m.role === "user" ? "You" : "Assistant"}</span>
          {m.role === "user" ? <p>{m.text}</p> : <ModelText text={m.text} />}
        </div>
      ))}
    </section>
  );
}

/** A page heading that takes focus when the page changes, so screen readers announce it. */
export function PageTitle(props: { children: React.ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => { ref.current?.focus(); }, []);
  return <h1 tabIndex={-1} ref={ref}>{props.children}</h1>;
}

export function Choice(props: { legend: string; name: string; options: { value: string; label: string }[]; value: string | null; onChange: (v: string) => void }) {
  return (
    <fieldset className="choice">
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o.value} className="choice-option">
          <input type="radio" name={props.name} value={o.value} checked={props.value === o.value} onChange={() => props.onChange(o.value)} />
          <span>{o.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
