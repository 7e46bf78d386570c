import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".stryker-tmp*/",
      "reports/",
      "cdktf.out/",
      "deploy-out/",
      "dist/",
      ".gen/",
      ".venv/",
      ".tools/",
      "coverage/",
      "bench-out/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        URL: "readonly",
        module: "writable",
        require: "readonly",
        __dirname: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Provider imports must be deep (lib/<resource>): the barrel loads all 2,200 resources.
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@cdktf/provider-aws", message: "Import from @cdktf/provider-aws/lib/<resource>." },
            { name: "@cdktf/provider-kubernetes", message: "Import from @cdktf/provider-kubernetes/lib/<resource>." },
            { name: "@cdktf/provider-helm", message: "Import from @cdktf/provider-helm/lib/<resource>." },
            { name: "@cdktf/provider-random", message: "Import from @cdktf/provider-random/lib/<resource>." },
          ],
        },
      ],
    },
  },
);
