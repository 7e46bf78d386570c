// npm run check:modules / check:helm: runs one of the team's shared checks (<shared>/tools/<tool>)
// over cdktf.out. The shared folder is found as .ci/run finds it: next to this repository, else
// next to the repository it was cloned from (a clone made elsewhere, `git clone . /tmp/x`).
// Missing, it says so in one line and exits 2, instead of node's "Cannot find module" stack trace.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The git origin of `repo` when it is a folder on this machine (a local clone's), else null. */
function localOrigin(repo) {
  const run = spawnSync("git", ["remote", "get-url", "origin"], { cwd: repo, encoding: "utf8" });
  const origin = run.status === 0 ? run.stdout.trim() : "";
  if (!origin) return null;
  const folder = path.resolve(repo, origin);
  return fs.existsSync(folder) && fs.statSync(folder).isDirectory() ? folder : null;
}

/** Where the shared folder was looked for, in .ci/run's order. */
function sharedCandidates(repo) {
  const origin = localOrigin(repo);
  return [path.resolve(repo, "..", "shared"), ...(origin ? [path.resolve(origin, "..", "shared")] : [])];
}

function main([tool, ...args]) {
  if (!tool) {
    console.error("usage: node scripts/shared-tool.mjs <tool.mjs> [arguments]");
    return 2;
  }
  const candidates = sharedCandidates(root);
  const script = candidates.map((shared) => path.join(shared, "tools", tool)).find((file) => fs.existsSync(file));
  if (!script) {
    console.error(
      `${tool}: not found in the team's shared folder, looked for at ${candidates.map((c) => path.join(c, "tools")).join(" and ")} (next to this repository, then next to its git origin); run it from a clone next to the shared folder`,
    );
    return 2;
  }
  const run = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: "inherit" });
  return run.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
