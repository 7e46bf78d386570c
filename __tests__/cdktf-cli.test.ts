/**
 * The cdktf CLI through the project's script is quiet: cdktf-cli 0.21 reports telemetry to
 * checkpoint-api.hashicorp.com on every command unless CHECKPOINT_DISABLE is set in its environment
 * (the only switch it reads: cdktf.json has none), and where that host cannot be reached it prints a
 * red "[ERROR] getaddrinfo ENOTFOUND" on every run. `npm run cdktf -- <command>` sets it.
 * https://developer.hashicorp.com/terraform/cdktf/cli-reference/cli-configuration#telemetry
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

/** The user's shell: no CHECKPOINT_DISABLE, no npm configuration from the npm that started jest. */
function userShell(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CHECKPOINT_DISABLE;
  for (const name of Object.keys(env)) if (name.toLowerCase().startsWith("npm_config_")) delete env[name];
  // A TF_CLI_CONFIG_FILE naming a missing file makes every terraform call the CLI makes warn: a
  // machine's setting, not the project's (this test machine sets one).
  if (env.TF_CLI_CONFIG_FILE && !fs.existsSync(env.TF_CLI_CONFIG_FILE)) delete env.TF_CLI_CONFIG_FILE;
  return env;
}

describe("npm run cdktf", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-cli-"));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it("synthesizes with no error line (no telemetry call), and shows the synth's summary", () => {
    const outdir = path.join(work, "out");
    const run = spawnSync("npm", ["run", "--silent", "cdktf", "--", "synth", "--output", outdir], {
      cwd: root,
      env: { ...userShell(), ENVIRONMENTS: "dev" },
      encoding: "utf8",
    });
    // The CLI redraws its spinner with terminal escapes before each line it passes on.
    const output = (run.stdout + run.stderr).replace(
      new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g"),
      "",
    );
    expect(output).not.toMatch(/ENOTFOUND|checkpoint|\[ERROR\]/);
    expect(run.status).toBe(0);
    expect(output).toMatch(/^dev: \d+ stacks, \d+ resources/m);
    expect(fs.readdirSync(path.join(outdir, "stacks"))).toContain("dev-network");
  }, 120_000);
});
