/**
 * The review groups stacks by environment: a concern may hold a hyphen (`prod-org-guardrails`),
 * so the environment is never read from the id's last hyphen.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environments, loadSynthOutput } from "../../scripts/review/synth-output";

const STACKS = ["dev-app", "prod-bootstrap", "prod-github", "prod-network", "prod-org-guardrails"];

function writeSynthOutput(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-output-test-"));
  const manifest: Record<string, { synthesizedStackPath: string; dependencies: string[] }> = {};
  for (const id of STACKS) {
    fs.mkdirSync(path.join(dir, "stacks", id), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", id, "cdk.tf.json"), "{}");
    manifest[id] = { synthesizedStackPath: `stacks/${id}/cdk.tf.json`, dependencies: [] };
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ stacks: manifest }));
  return dir;
}

describe("the review's synth output", () => {
  const dir = writeSynthOutput();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("puts prod-org-guardrails and prod-github in prod, not in environments of their own", () => {
    const output = loadSynthOutput(dir);
    expect(output.get("prod-org-guardrails")?.environment).toBe("prod");
    expect(output.get("prod-github")?.environment).toBe("prod");
    expect([...environments(output, ["dev", "prod"]).keys()]).toEqual(["dev", "prod"]);
  });
});
