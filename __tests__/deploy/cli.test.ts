/**
 * The deploy command as users run it (`npm run deploy -- ...`) on a machine without AWS
 * credentials: it must stop with one line, before terraform and without touching state.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { withoutAwsCredentials } from "./deploy-helpers";

const root = path.resolve(__dirname, "..", "..");

/** Runs the command with every AWS credential source switched off (no call can reach AWS). */
function deployCommand(...args: string[]) {
  const env = withoutAwsCredentials();
  return spawnSync("npm", ["run", "--silent", "deploy", "--", ...args], { cwd: root, env, encoding: "utf8" });
}

const USAGE =
  "usage: npm run deploy -- <env> [stack...] [--plan [--record-plans <dir>]] [--reviewed-plans <dir>] [--image-tag <tag>]";
const stderrLines = (stderr: string) => stderr.split("\n").filter(Boolean);

describe("npm run deploy", () => {
  it("stops at the first preflight without credentials: one line, exit 1, no state written", () => {
    const stateDir = path.join(root, "terraform-state");
    const before = fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : [];
    const run = deployCommand("dev", "--plan");
    expect(run.status).toBe(1);
    expect(stderrLines(run.stderr)).toEqual([
      'deploy: preflight: environment "dev": no usable AWS credentials (CredentialsProviderError): sign in to account 111111111111 (aws sso login, or set AWS_PROFILE) and run again',
    ]);
    expect(run.stdout).toContain("  wave 4: dev-data, dev-platform  (together)");
    expect(fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : []).toEqual(before);
    expect(fs.existsSync(path.join(root, "deploy-out", "dev", "logs"))).toBe(false);
  }, 60_000);

  it.each([
    [["qa"], 'deploy: environment "qa" does not exist; allowed: dev, staging, prod'],
    [
      ["dev", "database"],
      'deploy: environment "dev", stack "database" does not exist; allowed: bootstrap, network, cluster, data, platform, app',
    ],
    [
      ["prod", "app", "--image-tag", "latest"],
      'deploy: environment "prod", --image-tag "latest": must be an immutable tag (a version or git sha), not "latest"',
    ],
    [["dev", "--force"], `deploy: unknown option --force; ${USAGE}`],
    [[], `deploy: no environment given; ${USAGE}`],
    [["dev", "--record-plans", "plans"], `deploy: --record-plans needs --plan; ${USAGE}`],
  ])(
    "refuses %j with one line and exit 2",
    (args, message) => {
      const run = deployCommand(...args);
      expect(run.status).toBe(2);
      expect(stderrLines(run.stderr)).toEqual([message]);
    },
    60_000,
  );
});
