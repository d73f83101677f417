/**
 * `prismx models serve`: an OpenAI-compatible HTTP endpoint (fastify) over an embedded model, so
 * other tools — and the OpenAI provider's own end-to-end tests — can talk to it. Routes:
 * GET /v1/models, POST /v1/chat/completions (JSON or SSE streaming). Extension: a request's
 * `prefix_tokens` go right after BOS (P-DPO user tokens); the reply header
 * `x-prismx-prefix-tokens` confirms it. `logit_bias` of -100 or less forbids a token.
 * Loopback only unless a host is given.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ChatMessage } from "../core/artefacts.js";
import { PREFIX_HEADER } from "./openai/provider.js";
import { ModelError, type ChatModel, type ChatRequest, type ChatResult } from "./types.js";

const Body = z.object({
  model: z.string(),
  messages: z.array(z.object({ role: ChatMessage.shape.role, content: z.union([z.string(), z.array(z.object({ type: z.literal("text"), text: z.string() }))]) })).min(1),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().optional(),
  logit_bias: z.record(z.string(), z.number()).optional(),
  prefix_tokens: z.array(z.number().int().nonnegative()).optional(),
  response_format: z.object({ type: z.string(), json_schema: z.object({ schema: z.record(z.string(), z.unknown()).optional() }).passthrough().optional() }).passthrough().optional(),
}).passthrough();

export interface ServeOptions {
  model: ChatModel;
  /** Name clients use in `model`; defaults to the model's id. */
  name?: string;
  /** Other names accepted in `model` (e.g. "default"). */
  aliases?: readonly string[];
  host?: string;
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <key>`. */
  apiKey?: string | null;
  logger?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

function errorBody(message: string, type: string, code: string | null = null) {
  return { error: { message, type, code, param: null } };
}

function statusOf(e: ModelError): number {
  switch (e.kind) {
    case "auth": return 401;
    case "not-found": return 404;
    case "bad-request": case "context-length": case "parse": return 400;
    case "rate-limit": return 429;
    case "timeout": return 504;
    case "cancelled": return 499;
    case "unavailable": return 503;
    case "unknown": return 500;
  }
}

export function buildServer(opts: ServeOptions): FastifyInstance {
  const name = opts.name ?? opts.model.id;
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 8 * 1024 * 1024 });
  const created = Math.floor(Date.now() / 1000);

  app.addHook("onRequest", async (req, reply) => {
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      await reply.code(401).send(errorBody("invalid API key", "invalid_request_error", "invalid_api_key"));
    }
  });

  app.get("/v1/models", () => ({ object: "list", data: [{ id: name, object: "model", created, owned_by: "prismx" }] }));

  app.post("/v1/chat/completions", async (req, reply) => {
    const parsed = Body.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      return reply.code(400).send(errorBody(`${i.path.join(".")}: ${i.message}`, "invalid_request_error"));
    }
    const b = parsed.data;
    if (b.model !== name && !(opts.aliases ?? []).includes(b.model)) return reply.code(404).send(errorBody(`The model '${b.model}' does not exist; this server serves '${name}'`, "invalid_request_error", "model_not_found"));
    const abort = new AbortController();
    reply.raw.on("close", () => { if (!reply.raw.writableFinished) abort.abort(); });
    const forbidden = Object.entries(b.logit_bias ?? {}).filter(([, v]) => v <= -100).map(([k]) => Number(k));
    const chatReq: ChatRequest = {
      messages: b.messages.map((m) => ({ role: m.role, content: typeof m.content === "string" ? m.content : m.content.map((c) => c.text).join("") })),
      ...(b.temperature !== undefined ? { temperature: b.temperature } : {}),
      ...(b.top_p !== undefined ? { topP: b.top_p } : {}),
      ...((b.max_completion_tokens ?? b.max_tokens) !== undefined ? { maxTokens: b.max_completion_tokens ?? b.max_tokens } : {}),
      ...(b.seed !== undefined ? { seed: b.seed } : {}),
      ...(b.stop !== undefined ? { stop: typeof b.stop === "string" ? [b.stop] : b.stop } : {}),
      ...(forbidden.length > 0 ? { forbiddenTokens: forbidden } : {}),
      ...(b.prefix_tokens && b.prefix_tokens.length > 0 ? { prefixTokens: b.prefix_tokens } : {}),
      ...(b.response_format?.type === "json_schema" && b.response_format.json_schema?.schema ? { jsonSchema: b.response_format.json_schema.schema } : {}),
      signal: abort.signal,
    };
    const id = `chatcmpl-${randomUUID()}`;
    if (b.prefix_tokens) void reply.header(PREFIX_HEADER, String(b.prefix_tokens.length));
    if (!b.stream) {
      try {
        const r = await opts.model.chat(chatReq);
        return completion(id, name, created, r);
      } catch (e) {
        return sendError(reply, e);
      }
    }
    const it = opts.model.stream(chatReq);
    // Pull the first delta before committing to a 200, so an early failure is a proper HTTP error.
    let first: IteratorResult<string, ChatResult>;
    try {
      first = await it.next();
    } catch (e) {
      return sendError(reply, e);
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", ...(b.prefix_tokens ? { [PREFIX_HEADER]: String(b.prefix_tokens.length) } : {}) });
    const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const chunk = (delta: Record<string, string>, finish: string | null) => ({ id, object: "chat.completion.chunk", created, model: name, choices: [{ index: 0, delta, finish_reason: finish }] });
    try {
      send(chunk({ role: "assistant", content: "" }, null));
      let step = first;
      while (!step.done) {
        send(chunk({ content: step.value }, null));
        step = await it.next();
      }
      const r = step.value;
      send(chunk({}, r.finishReason === "length" ? "length" : "stop"));
      if (b.stream_options?.include_usage) send({ id, object: "chat.completion.chunk", created, model: name, choices: [], usage: usage(r) });
      res.write("data: [DONE]\n\n");
    } catch (e) {
      if (!abort.signal.aborted) send(errorBody(e instanceof Error ? e.message : String(e), "server_error"));
    } finally {
      res.end();
    }
  });
  return app;
}

function usage(r: ChatResult) {
  return { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens };
}

function completion(id: string, model: string, created: number, r: ChatResult) {
  return {
    id, object: "chat.completion", created, model,
    choices: [{ index: 0, message: { role: "assistant", content: r.text }, finish_reason: r.finishReason === "length" ? "length" : "stop", logprobs: null }],
    usage: usage(r),
  };
}

async function sendError(reply: FastifyReply, e: unknown): Promise<FastifyReply> {
  if (e instanceof ModelError) return reply.code(statusOf(e)).send(errorBody(e.message, e.kind === "rate-limit" ? "rate_limit_error" : "invalid_request_error", e.kind));
  return reply.code(500).send(errorBody(e instanceof Error ? e.message : String(e), "server_error"));
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const app = buildServer(opts);
  const host = opts.host ?? "127.0.0.1";
  await app.listen({ host, port: opts.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port ?? 8080;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { app, url: `http://${shownHost}:${port}/v1`, close: () => app.close() };
}
