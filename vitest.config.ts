import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["src/test-setup.ts"],
    include: ["src/**/*.test.ts", "web/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: model-bound tests would only fight each other for them.
    maxWorkers: 2,
    pool: "forks",
  },
});
