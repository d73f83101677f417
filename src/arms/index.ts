export * from "./types.js";
export * from "./arm.js";
export * from "./build.js";
export * from "./registry.js";
export * from "./accounting.js";
export * from "./profile-template.js";
export * from "./reserved.js";
export { DEFAULT_SYSTEM_PROMPT } from "./system.js";
