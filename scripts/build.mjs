// Bundles main.ts into dist/main.js: synth then starts in about a third of a second
// (no TypeScript compiler at run time, only the provider files we import).
import { build } from "esbuild";

/**
 * cdktf records a full stack trace each time it creates a token (thousands per synth), only to
 * print it if that token later fails to resolve: a tenth of our synth time. The bundle replaces
 * the recorder with a no-op; CDKTF_TOKEN_STACK_TRACES=1 npm run synth keeps it for debugging.
 */
const skipTokenStackTraces = {
  name: "skip-token-stack-traces",
  setup(b) {
    if (process.env.CDKTF_TOKEN_STACK_TRACES === "1") return;
    b.onLoad({ filter: /cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/ }, () => ({
      contents: "exports.captureStackTrace = () => [];",
      loader: "js",
    }));
  },
};

export const buildOptions = {
  entryPoints: ["main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  logLevel: "warning",
  plugins: [skipTokenStackTraces],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await build(buildOptions);
}
