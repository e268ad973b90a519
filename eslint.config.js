import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The pure core: request → classify → plan → patch → response, with no I/O. Types may still be
// imported from anywhere (a type import is erased at build time).
const PURE_CORE = [
  "src/policy/**",
  "src/patch/**",
  "src/admission/**",
  "src/parse/**",
  "src/engine.ts",
];
const IO_MODULES = [
  "node:fs",
  "fs",
  "node:http",
  "http",
  "node:net",
  "net",
  "pino",
  "express",
  "prom-client",
];
const IO_LAYERS = ["**/server/**", "**/cli/**", "**/certs/**", "**/config/load.js"];

export default tseslint.config(
  {
    ignores: ["dist/", "dist-bench/", "node_modules/", "coverage/", "certs/", "helm/", "webhook/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      complexity: ["warn", 15],
      "max-depth": ["error", 4],
    },
  },
  {
    files: PURE_CORE,
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: IO_MODULES.map((name) => ({
            name,
            message: "the policy core does no I/O: do it at the edge (server, cli, certs)",
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: IO_LAYERS,
              message:
                "the policy core may not depend on the I/O edge (server, cli, certs, config loading)",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.stringContaining) are typed any, and tests
    // read JSON answers whose shape they then assert.
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
);
