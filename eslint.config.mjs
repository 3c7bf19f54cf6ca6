// ESLint flat config: typescript-eslint's recommended rules plus Pulumi's own plugin, which flags
// Outputs used inside template literals (they would render as "Calling [toString] on an Output").
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  { ignores: ["node_modules/**", "build/**", "plan/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi },
    rules: {
      ...Object.fromEntries(Object.keys(pulumi.rules ?? {}).map((r) => [`@pulumi/${r}`, "error"])),
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Same input, same output on every machine: the locale's collation never orders anything.
      "no-restricted-properties": [
        "error",
        {
          property: "localeCompare",
          message: "orders by the machine's locale; use byCodePoint/byKey from lib/text.ts",
        },
      ],
    },
  },
);
