export * from "./errors.js";
export * from "./rng.js";
export * from "./profile.js";
export * from "./domain.js";
export * from "./events.js";
export * from "./study.js";
export * from "./artefacts.js";
export * from "./export.js";
