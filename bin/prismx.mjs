#!/usr/bin/env node
// prismx runs its TypeScript sources directly through tsx, so a clone needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
