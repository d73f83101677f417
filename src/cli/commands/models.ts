/** `prismx models pull | check | serve | list`: the embedded models. */
import { InvalidArgumentError, type Command } from "commander";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { UserError } from "../../core/errors.js";
import { EmbeddedChatModel } from "../../llm/embedded/provider.js";
import { resolveEmbeddedModel } from "../../llm/from-spec.js";
import { CATALOGUE, DEFAULT_MODEL_NAME, pullModel, pulledModelPath, type PullResult } from "../../llm/pull.js";
import { startServer, type RunningServer } from "../../llm/serve.js";

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleOutput: Output = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function modelsPull(opts: { model?: string; env?: NodeJS.ProcessEnv }, io: Output = consoleOutput): Promise<PullResult> {
  const r = await pullModel({ name: opts.model ?? DEFAULT_MODEL_NAME, log: (l) => io.err(l), ...(opts.env ? { env: opts.env } : {}) });
  io.out(`${r.downloaded ? "pulled" : "already present"}: ${r.model.name} → ${r.path} (sha256 ${r.sha256.slice(0, 12)}…)`);
  if (!r.model.instruct) io.err(`note: ${r.model.name} is a base model, not instruction-tuned; it will not hold a conversation`);
  return r;
}

export function modelsList(opts: { env?: NodeJS.ProcessEnv } = {}, io: Output = consoleOutput): void {
  for (const m of CATALOGUE) {
    const path = pulledModelPath(m.name, opts.env);
    io.out(`${m.name === DEFAULT_MODEL_NAME ? "*" : " "} ${m.name.padEnd(24)} ${existsSync(path) ? "pulled " : "missing"}  ${m.description}`);
  }
}

export interface CheckOptions {
  model?: string;
  prompt?: string;
  maxTokens?: number;
  env?: NodeJS.ProcessEnv;
}

export interface CheckResult {
  text: string;
  completionTokens: number;
  tokensPerSecond: number;
  firstTokenMs: number | null;
}

/** Generates one reply from an embedded model and reports its speed. */
export async function modelsCheck(opts: CheckOptions, io: Output = consoleOutput): Promise<CheckResult> {
  const files = resolveEmbeddedModel(opts.model ?? "default", process.cwd(), opts.env ?? process.env);
  const model = await EmbeddedChatModel.create({ modelPath: files.modelPath, lora: files.lora, chatTemplate: files.chatTemplate, forceBos: files.forceBos ?? false, contexts: 1, contextSize: 2048 });
  try {
    const prompt = opts.prompt ?? "In two sentences, why do people enjoy hiking?";
    io.out(`model: ${files.modelPath}`);
    io.out(`user: ${prompt}`);
    const r = await model.chat({ messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: prompt }], maxTokens: opts.maxTokens ?? 128, temperature: 0.7, seed: 1 });
    const genMs = r.latencyMs - (r.firstTokenMs ?? 0);
    // Decode speed: tokens after the first over the time after the first (prompt processing excluded).
    const tokensPerSecond = r.completionTokens > 1 && genMs > 0 ? ((r.completionTokens - 1) * 1000) / genMs : 0;
    io.out(`assistant: ${r.text.trim()}`);
    io.out(`${r.completionTokens} tokens (${r.finishReason}); ${tokensPerSecond.toFixed(1)} tokens/s; first token after ${r.firstTokenMs?.toFixed(0) ?? "-"} ms; prompt ${r.promptTokens} tokens`);
    if (r.completionTokens === 0) throw new UserError("the model generated nothing", { hint: "the GGUF may be damaged; run 'prismx models pull' again" });
    return { text: r.text, completionTokens: r.completionTokens, tokensPerSecond, firstTokenMs: r.firstTokenMs };
  } finally {
    await model.close();
  }
}

export interface ServeCommandOptions {
  model?: string;
  port?: number;
  host?: string;
  contexts?: number;
  contextSize?: number;
  /** Name clients put in `model`; defaults to the model argument. */
  name?: string;
  /** Env variable holding a key clients must send. */
  apiKeyEnv?: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts the OpenAI-compatible endpoint; resolves once listening. Close the returned server to stop. */
export async function modelsServe(opts: ServeCommandOptions, io: Output = consoleOutput): Promise<RunningServer & { model: EmbeddedChatModel }> {
  const env = opts.env ?? process.env;
  const requested = opts.model ?? "default";
  const name = opts.name ?? (requested === "default" ? DEFAULT_MODEL_NAME : basename(requested).replace(/\.gguf$/i, ""));
  const files = resolveEmbeddedModel(opts.model ?? "default", process.cwd(), env);
  let apiKey: string | null = null;
  if (opts.apiKeyEnv) {
    apiKey = env[opts.apiKeyEnv] ?? null;
    if (!apiKey) throw new UserError(`the environment variable ${opts.apiKeyEnv} is not set`, { hint: `export ${opts.apiKeyEnv}=<key clients must send>` });
  }
  const model = await EmbeddedChatModel.create({ modelPath: files.modelPath, lora: files.lora, chatTemplate: files.chatTemplate, forceBos: files.forceBos ?? false, contexts: opts.contexts ?? 2, contextSize: opts.contextSize ?? 4096, id: name });
  try {
    const server = await startServer({ model, name, aliases: ["default"], host: opts.host ?? "127.0.0.1", port: opts.port ?? 8080, apiKey });
    io.out(`serving ${name} (${files.modelPath}) at ${server.url} — OpenAI-compatible: GET /v1/models, POST /v1/chat/completions`);
    return { ...server, model, close: async () => { await server.close(); await model.close(); } };
  } catch (e) {
    await model.close();
    const code = (e as { code?: string }).code;
    if (code === "EADDRINUSE") throw new UserError(`port ${opts.port ?? 8080} is already in use`, { hint: "pick another with --port" });
    throw e;
  }
}

function intArg(name: string, min = 0) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

export function register(program: Command): void {
  const models = program.command("models").description("the embedded models: pull the default, check it, serve it over an OpenAI-compatible API");
  models.command("pull")
    .description(`download a model into the prismx home (default: ${DEFAULT_MODEL_NAME})`)
    .option("--model <name>", `one of: ${CATALOGUE.map((c) => c.name).join(", ")}`)
    .action(async (o: { model?: string }) => { await modelsPull(o); });
  models.command("list").description("models prismx can pull, and which are present").action(() => modelsList());
  models.command("check")
    .description("generate a reply and print tokens/s")
    .option("--model <name|path>", "a catalogue name, a .gguf file or an artefact folder", "default")
    .option("--prompt <text>", "the user message")
    .option("--max-tokens <n>", "tokens to generate", intArg("--max-tokens", 1), 128)
    .action(async (o: { model: string; prompt?: string; maxTokens: number }) => { await modelsCheck(o); });
  models.command("serve")
    .description("an OpenAI-compatible HTTP endpoint over an embedded model (loopback by default)")
    .option("--model <name|path>", "a catalogue name, a .gguf file or an artefact folder", "default")
    .option("--port <port>", "port", intArg("--port"), 8080)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--contexts <n>", "parallel contexts (one CPU thread each)", intArg("--contexts", 1), 2)
    .option("--context-size <n>", "tokens per context", intArg("--context-size", 64), 4096)
    .option("--name <name>", "model name clients use")
    .option("--api-key-env <VAR>", "require clients to send the key held in this environment variable")
    .action(async (o: ServeCommandOptions) => {
      const s = await modelsServe(o);
      await new Promise<void>((resolve) => {
        const stop = () => { void s.close().then(resolve); };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
