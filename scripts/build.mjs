// Bundles main.ts into dist/main.js: synth then starts in about half a second
// (no TypeScript compiler at run time, only the provider files we import).
import { build } from "esbuild";

export const buildOptions = {
  entryPoints: ["main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  logLevel: "warning",
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await build(buildOptions);
}
