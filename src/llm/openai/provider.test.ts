/**
 * End to end over loopback: the OpenAI provider against `prismx models serve` (the embedded tiny
 * model behind fastify), and against a fake endpoint that fails on purpose.
 */
import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedChatModel } from "../embedded/provider.js";
import { startServer, type RunningServer } from "../serve.js";
import { makeTinyArtefact, type TinyArtefact } from "../testing/fixtures.js";
import type { ChatMessage } from "../types.js";
import { OpenAIChatModel } from "./provider.js";

const msgs: ChatMessage[] = [{ role: "system", content: "Be brief." }, { role: "user", content: "hello world" }];
const fast = { baseMs: 1, maxMs: 5, random: () => 0.5 };
let art: TinyArtefact;
let embedded: EmbeddedChatModel;
let server: RunningServer;

beforeAll(async () => {
  art = await makeTinyArtefact();
  embedded = await EmbeddedChatModel.create({ modelPath: art.modelPath, contexts: 2, contextSize: 512 });
  server = await startServer({ model: embedded, name: "tiny", port: 0 });
});
afterAll(async () => {
  await server.close();
  await embedded.close();
});

describe("OpenAI provider ⇄ prismx models serve", () => {
  it("serves on loopback and lists its model", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const r = await fetch(`${server.url}/models`);
    expect(((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(["tiny"]);
  });

  it("chat over HTTP equals the embedded model's own reply, with usage", async () => {
    const client = new OpenAIChatModel({ baseURL: server.url, model: "tiny" });
    const req = { messages: msgs, maxTokens: 10, temperature: 0.9, seed: 5, forbiddenTokens: art.vocab.reservedIds };
    const direct = await embedded.chat(req);
    const viaHttp = await client.chat(req);
    expect(viaHttp.text).toBe(direct.text);
    expect(viaHttp.promptTokens).toBe(direct.promptTokens);
    expect(viaHttp.completionTokens).toBe(direct.completionTokens);
    expect(viaHttp.finishReason).toBe(direct.finishReason);
    expect(viaHttp.firstTokenMs).not.toBeNull();
  });

  it("streams deltas (SSE) that add up to the reply", async () => {
    const client = new OpenAIChatModel({ baseURL: server.url, model: "tiny" });
    const it = client.stream({ messages: msgs, maxTokens: 10, temperature: 0.9, seed: 6 });
    const deltas: string[] = [];
    let step = await it.next();
    while (!step.done) { deltas.push(step.value); step = await it.next(); }
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.join("")).toBe(step.value.text);
    expect(step.value.completionTokens).toBeGreaterThan(0);
  });

  it("passes prefix tokens through to the served model (prismx extension)", async () => {
    const client = new OpenAIChatModel({ baseURL: server.url, model: "tiny" });
    const req = { messages: msgs, maxTokens: 6, temperature: 0.9, seed: 7, prefixTokens: art.manifest.user_token_ids.u1! };
    const viaHttp = await client.chat(req);
    const direct = await embedded.chat(req);
    expect(viaHttp.text).toBe(direct.text);
    expect(viaHttp.promptTokens).toBe(embedded.render(msgs).tokens.length + 2);
  });

  it("passes a JSON schema through as response_format", async () => {
    const client = new OpenAIChatModel({ baseURL: server.url, model: "tiny" });
    const schema = { type: "object", properties: { winner: { enum: ["A", "B"] } }, required: ["winner"] };
    const r = await client.chat({ messages: msgs, maxTokens: 40, temperature: 1, seed: 2, jsonSchema: schema });
    expect(["A", "B"]).toContain((JSON.parse(r.text) as { winner: string }).winner);
  });

  it("a wrong model name is a clear not-found error listing what is served", async () => {
    const client = new OpenAIChatModel({ baseURL: server.url, model: "gpt-nonexistent", maxRetries: 3, retry: fast });
    await expect(client.chat({ messages: msgs })).rejects.toMatchObject({ kind: "not-found", message: expect.stringContaining("it serves: tiny") as unknown });
  });

  it("a wrong path is a clear error about the URL", async () => {
    const client = new OpenAIChatModel({ baseURL: server.url.replace(/\/v1$/, "/nope"), model: "tiny", maxRetries: 0 });
    await expect(client.chat({ messages: msgs })).rejects.toMatchObject({ kind: "not-found", message: expect.stringContaining("no OpenAI-compatible API") as unknown });
  });

  it("a URL nobody listens on is 'unavailable' and says so", async () => {
    const probe = Fastify();
    await probe.listen({ host: "127.0.0.1", port: 0 });
    const port = (probe.server.address() as { port: number }).port;
    await probe.close();
    const client = new OpenAIChatModel({ baseURL: `http://127.0.0.1:${port}/v1`, model: "tiny", maxRetries: 1, retry: fast });
    await expect(client.chat({ messages: msgs })).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("cannot connect") as unknown });
  });
});

describe("OpenAI provider against an endpoint that fails on purpose", () => {
  let fake: FastifyInstance;
  let url: string;
  let script: number[] = [];
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    fake = Fastify();
    fake.post("/v1/chat/completions", async (req, reply) => {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      const status = script.shift() ?? 200;
      if (status === 429) return reply.code(429).header("retry-after-ms", "5").send({ error: { message: "slow down", type: "rate_limit_error" } });
      if (status !== 200) return reply.code(status).send({ error: { message: `boom ${status} key=sk-secret-123`, type: "server_error" } });
      const chunk = (o: object) => `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "fake", ...o })}\n\n`;
      expect((req.body as { stream?: boolean }).stream).toBe(true);
      return reply.header("content-type", "text/event-stream").send(
        chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "o" }, finish_reason: null }] }) +
        chunk({ choices: [{ index: 0, delta: { content: "k" }, finish_reason: "stop" }] }) +
        chunk({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 } }) + "data: [DONE]\n\n",
      );
    });
    await fake.listen({ host: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${(fake.server.address() as { port: number }).port}/v1`;
  });
  afterAll(async () => { await fake.close(); });

  it("retries 429 and 5xx with backoff, then succeeds", async () => {
    script = [429, 500, 503];
    calls = 0;
    const retries: string[] = [];
    const client = new OpenAIChatModel({ baseURL: url, model: "fake", maxRetries: 4, retry: fast, onRetry: (i) => retries.push(i.error.kind) });
    const r = await client.chat({ messages: msgs });
    expect(r.text).toBe("ok");
    expect(r.promptTokens).toBe(7);
    expect(calls).toBe(4);
    expect(retries).toEqual(["rate-limit", "unavailable", "unavailable"]);
  });

  it("gives up after maxRetries and does not retry what cannot succeed", async () => {
    script = [500, 500, 500];
    calls = 0;
    const client = new OpenAIChatModel({ baseURL: url, model: "fake", maxRetries: 2, retry: fast });
    await expect(client.chat({ messages: msgs })).rejects.toMatchObject({ kind: "unavailable", status: 500 });
    expect(calls).toBe(3);
    script = [400];
    calls = 0;
    await expect(client.chat({ messages: msgs })).rejects.toMatchObject({ kind: "bad-request" });
    expect(calls).toBe(1);
  });

  it("an auth failure names the env variable and never prints the key", async () => {
    script = [401];
    const client = new OpenAIChatModel({ baseURL: url, model: "fake", apiKey: "sk-secret-123", apiKeyEnv: "MY_KEY", maxRetries: 3, retry: fast });
    const err = (await client.chat({ messages: msgs }).then(() => new Error("no error"), (e: unknown) => e as Error));
    expect(err).toMatchObject({ kind: "auth" });
    expect(err.message).toContain("$MY_KEY");
    expect(err.message).not.toContain("sk-secret-123");
    script = [500];
    const err2 = await new OpenAIChatModel({ baseURL: url, model: "fake", apiKey: "sk-secret-123", maxRetries: 0 }).chat({ messages: msgs }).then(() => new Error("no error"), (e: unknown) => e as Error);
    expect(err2.message).not.toContain("sk-secret-123");
  });

  it("holds concurrent requests to the endpoint's limit", async () => {
    script = [];
    maxInFlight = 0;
    const client = new OpenAIChatModel({ baseURL: url.replace("127.0.0.1", "localhost"), model: "fake", concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => client.chat({ messages: msgs })));
    expect(maxInFlight).toBe(2);
  });
});

describe("OpenAI provider on the wire (a raw HTTP server that writes exactly what each test says)", () => {
  let raw: Server;
  let url: string;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const sse = (o: object): string => `data: ${JSON.stringify(o)}\n\n`;
  const delta = (content: string, finish: string | null = null): string => sse({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] });

  beforeAll(async () => {
    raw = createServer((req, res) => { req.resume(); req.on("end", () => handler(req, res)); });
    await new Promise<void>((ok) => raw.listen(0, "127.0.0.1", ok));
    url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    raw.closeAllConnections();
    await new Promise((ok) => raw.close(ok));
  });

  it("reads a plain JSON reply from a server that does not stream", async () => {
    handler = (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
      choices: [{ index: 0, message: { role: "assistant", content: "plain" }, finish_reason: "length" }], usage: { prompt_tokens: 3, completion_tokens: 2 },
    }));
    const r = await new OpenAIChatModel({ baseURL: url, model: "m", maxRetries: 0 }).chat({ messages: msgs });
    expect(r).toMatchObject({ text: "plain", finishReason: "length", promptTokens: 3, completionTokens: 2 });
  });

  it("keeps characters whole when the network splits them, and events split anywhere", async () => {
    const body = Buffer.from(delta("naïve 😀 ") + delta("café", "stop") + "data: [DONE]\n\n");
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      // Cut through the middle of every multi-byte character and every event boundary.
      let at = 0;
      const next = (): void => {
        if (at >= body.length) { res.end(); return; }
        res.write(body.subarray(at, at + 3));
        at += 3;
        setImmediate(next);
      };
      next();
    };
    const r = await new OpenAIChatModel({ baseURL: url, model: "m", maxRetries: 0 }).chat({ messages: msgs });
    expect(r.text).toBe("naïve 😀 café");
    expect(r.completionTokens).toBe(2); // no usage reported: one chunk counts as one token
  });

  it("a failure reported inside the stream is an error, not a short reply; retried only before any text", async () => {
    let n = 0;
    handler = (_req, res) => {
      n++;
      res.writeHead(200, { "content-type": "text/event-stream" }).end(delta("par") + sse({ error: { message: "CUDA out of memory" } }));
    };
    await expect(new OpenAIChatModel({ baseURL: url, model: "m", maxRetries: 3, retry: fast }).chat({ messages: msgs }))
      .rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("CUDA out of memory") as unknown });
    expect(n).toBe(1);
    n = 0;
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(++n === 1 ? sse({ error: "overloaded" }) : delta("fine", "stop") + "data: [DONE]\n\n");
    };
    const r = await new OpenAIChatModel({ baseURL: url, model: "m", maxRetries: 3, retry: fast }).chat({ messages: msgs });
    expect(r.text).toBe("fine");
    expect(n).toBe(2);
  });

  it("a server that goes silent is a timeout: retried before any text, not after", async () => {
    let n = 0;
    handler = (_req, res) => {
      // First call: not even headers. Second: headers, then nothing (a queued model). Third: one
      // delta, then nothing more — by then the caller may have shown text, so no retry.
      if (++n === 1) return;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      if (n === 3) res.write(delta("a"));
    };
    const err = await new OpenAIChatModel({ baseURL: url, model: "m", timeoutMs: 150, maxRetries: 3, retry: fast }).chat({ messages: msgs }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "timeout", message: expect.stringContaining("150 ms") as unknown });
    expect(n).toBe(3);
  });

  it("a cancelled call stops at once with kind 'cancelled'", async () => {
    handler = (_req, res) => { res.writeHead(200, { "content-type": "text/event-stream" }); res.write(delta("a")); };
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 50);
    await expect(new OpenAIChatModel({ baseURL: url, model: "m", timeoutMs: 10_000 }).chat({ messages: msgs, signal: ac.signal })).rejects.toMatchObject({ kind: "cancelled" });
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it("idle pooled connections do not keep a finished process alive", async () => {
    handler = (_req, res) => res.writeHead(200, { "content-type": "text/event-stream" }).end(delta("ok", "stop") + "data: [DONE]\n\n");
    const script = `import { OpenAIChatModel } from ${JSON.stringify(new URL("./provider.ts", import.meta.url).href)};
      const r = await new OpenAIChatModel({ baseURL: ${JSON.stringify(url)}, model: "m" }).chat({ messages: [{ role: "user", content: "hi" }] });
      console.log(r.text);`;
    const t0 = performance.now();
    // Asynchronously: this process's server must keep answering while the child runs.
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(stdout.trim()).toBe("ok");
    // Exits on its own well before the pool's 30 s keep-alive would end the connection.
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});
