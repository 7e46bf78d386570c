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

/**
 * cdktf loads `archiver` (and its stream and glob dependencies) to zip local module assets, which
 * this project has none of: about a fifth of the bundle. A stub that fails loudly replaces it.
 */
const withoutArchiver = {
  name: "without-archiver",
  setup(b) {
    b.onResolve({ filter: /^archiver$/ }, () => ({ path: "archiver", namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
      contents:
        'module.exports = () => { throw new Error("archiver is not bundled: this app has no local module assets"); };',
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
  plugins: [skipTokenStackTraces, withoutArchiver],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log("usage: npm run build");
    console.log("Bundles main.ts into dist/main.js (what cdktf.json and npm run synth run).");
  } else {
    await build(buildOptions);
  }
}
