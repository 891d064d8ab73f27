import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "src/generated/", ".tmp/", "coverage/"] },
  js.configs.recommended,
  // Type-aware: a promise left floating or handed where a callback's result is ignored is a bug the types can see.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // A function past this many paths wants splitting into named steps.
      complexity: ["error", 15],
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // Mocks are asserted on as values (`expect(tx.role.upsert)`), and fakes implement async interfaces without awaiting.
      "@typescript-eslint/unbound-method": "off",
      "@typescript-eslint/require-await": "off",
      // vitest's asymmetric matchers (expect.objectContaining, expect.stringMatching, ...) are typed `any`.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  // Plain JavaScript (bin/, this file) is outside the TypeScript project.
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
);
