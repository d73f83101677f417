/** The models layer's public surface. */
export * from "./types.js";
export { EmbeddedChatModel, type EmbeddedOptions, type EmbeddedChatResult, type LoraAdapter, type ScoreRequest, type ScoreResult } from "./embedded/provider.js";
export { renderPrompt, chatWrapperFor, type RenderedPrompt } from "./embedded/prompt.js";
export { OpenAIChatModel, type OpenAIOptions, PREFIX_HEADER } from "./openai/provider.js";
export { createChatModel, resolveEmbeddedModel, loadArtefactManifest, artefactFiles, type ResolvedEmbedded, type CreateModelOptions } from "./from-spec.js";
export { CATALOGUE, DEFAULT_MODEL_NAME, defaultModelPath, pulledModelPath, pullModel, type CatalogueModel, type PullResult } from "./pull.js";
export { prismxHome, modelsDir } from "./home.js";
export { buildServer, startServer, type ServeOptions, type RunningServer } from "./serve.js";
export { Limiter } from "./limiter.js";
export { withRetries, backoffMs, DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
export { scoreContinuation } from "./score.js";
