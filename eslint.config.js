// Lint: typescript-eslint's recommended type-aware rules, plus the layer rule of DESIGN.md
// (core and protocol import nothing with I/O), enforced here so it cannot erode silently.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const ioModules = [
  "node:fs", "node:fs/promises", "fs", "fs/promises", "node:net", "node:http", "node:https",
  "node:child_process", "child_process", "pg", "@electric-sql/pglite", "node-llama-cpp", "openai",
  "fastify", "drizzle-orm", "drizzle-orm/*",
];
const ioLayers = ["**/store/**", "**/llm/**", "**/server/**", "**/sim/**", "**/cli/**", "**/data/**", "**/analysis/**", "**/arms/**"];

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "web/dist/**", "trainer/**", "**/*.d.ts", "out/**", ".prismx/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js", "*.mjs", "bin/*.mjs", "scripts/*.mjs"] }, tsconfigRootDir: import.meta.dirname },
      globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ["src/core/**/*.ts", "src/protocol/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: ioModules.filter((m) => !m.includes("*")), patterns: [...ioModules.filter((m) => m.includes("*")), ...ioLayers] }],
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
