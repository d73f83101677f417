/**
 * An instant OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks of the runner
 * (never for the demo or integration tests, which use the real embedded model). Streams SSE like
 * vLLM; answers a `response_format` JSON schema with a random conforming value; can fail a share
 * of calls on purpose (HTTP 503) to test that a study survives a flaky endpoint.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Rng } from "../../core/index.js";

export interface FakeServerOptions {
  /** Share of calls answered with HTTP 503 (0–1), decided by a seeded stream. */
  failRate?: number;
  seed?: number;
  /** Words per plain-text reply. */
  words?: number;
  port?: number;
}

export interface FakeServer {
  url: string;
  stats: { calls: number; failed: number };
  close(): Promise<void>;
}

const WORDS = "sure here is a clear and friendly answer with some practical detail that you may find useful today".split(" ");

function fromSchema(schema: Record<string, unknown>, rng: Rng): unknown {
  if (Array.isArray(schema.enum)) return rng.pick(schema.enum as unknown[]);
  switch (schema.type) {
    case "object": {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, rng)]));
    }
    case "integer":
    case "number": return rng.int(typeof schema.minimum === "number" ? schema.minimum : 0, typeof schema.maximum === "number" ? schema.maximum : 100);
    case "boolean": return rng.bool(0.6);
    case "array": return [fromSchema((schema.items ?? {}) as Record<string, unknown>, rng)];
    default: return "it reads well and answers my question";
  }
}

export async function startFakeOpenAI(opts: FakeServerOptions = {}): Promise<FakeServer> {
  const stats = { calls: 0, failed: 0 };
  const failRng = Rng.for(opts.seed ?? 1, "fail");
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    if (req.url?.endsWith("/models")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "fake", object: "model" }] }));
      return;
    }
    if (!req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    stats.calls++;
    if (opts.failRate && failRng.bool(opts.failRate)) {
      stats.failed++;
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "failing on purpose", type: "server_error" } }));
      return;
    }
    const r = JSON.parse(body) as { model: string; stream?: boolean; seed?: number; max_tokens?: number; messages: { content: string }[]; response_format?: { json_schema?: { schema?: Record<string, unknown> } } };
    const rng = Rng.for(r.seed ?? stats.calls, "reply");
    const schema = r.response_format?.json_schema?.schema;
    const n = Math.min(opts.words ?? 24, r.max_tokens ?? 1000);
    const text = schema ? JSON.stringify(fromSchema(schema, rng)) : Array.from({ length: rng.int(Math.ceil(n / 2), n) }, () => rng.pick(WORDS)).join(" ");
    const promptTokens = r.messages.reduce((a, m) => a + Math.ceil(m.content.length / 4), 0);
    const completionTokens = Math.ceil(text.length / 4);
    const base = { id: `c${stats.calls}`, object: "chat.completion.chunk", created: 0, model: r.model };
    if (r.stream) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: text }, finish_reason: null }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } })}\n\n`);
      res.end("data: [DONE]\n\n");
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
        ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      }));
    }
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => { body += c; });
    req.on("end", () => handle(req, res, body));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    stats,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
