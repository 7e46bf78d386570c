/**
 * Rotating the app's database login without an outage: the data stack writes a new password for
 * the login the pods do not use, and the app stack applies the rest in order, each step after the
 * one before (Terraform's depends_on, which it follows on every apply):
 * create-app-user sets that login's password -> a new ExternalSecret holds it (Terraform waits
 * until it is Ready) -> the Deployment rolls onto it (Terraform waits for the rollout) ->
 * retire-app-logins disables the other login. npm run db-check runs the two Jobs on PostgreSQL.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { CONCERNS } from "../../config";
import { planDiff } from "../../scripts/review/plan-diff";
import type { Json, SynthOutput } from "../../scripts/review/synth-output";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { loadedWith } from "../helpers";

/** staging at a rotation generation, synthesized. */
function synthAt(generation: number): SynthOutput {
  const config = loadedWith("staging", (c) => {
    c.database.appLoginGeneration = generation;
  });
  const app = Testing.app();
  const stacks = createEnvironmentStacks(app, config);
  app.synth();
  return new Map(
    CONCERNS.map((concern) => {
      const id = `staging-${concern}`;
      const json = JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", id, "cdk.tf.json"), "utf8")) as Json;
      return [
        id,
        { id, environment: "staging", dependencies: stacks[concern].dependencies.map((d) => d.node.id), json },
      ];
    }),
  );
}

const resources = (output: SynthOutput, concern: string, type: string) =>
  Object.entries(
    (((output.get(`staging-${concern}`)?.json.resource as Json) ?? {})[type] ?? {}) as Record<string, Json>,
  );

/** The one resource of `type` whose Terraform name starts with `prefix`, as `type.name` and body. */
function find(output: SynthOutput, concern: string, type: string, prefix: string): [string, Json] {
  const found = resources(output, concern, type).filter(([name]) => name.startsWith(prefix));
  expect(found).toHaveLength(1);
  return [`${type}.${found[0][0]}`, found[0][1]];
}

/** Every address `address` waits for, directly or through others (depends_on). */
function waitsFor(output: SynthOutput, address: string, seen = new Set<string>()): Set<string> {
  const [type, name] = address.split(".");
  const body = Object.fromEntries(resources(output, "app", type))[name] ?? {};
  for (const dependency of (body.depends_on ?? []) as string[]) {
    if (seen.has(dependency)) continue;
    seen.add(dependency);
    waitsFor(output, dependency, seen);
  }
  return seen;
}

describe("rotating the app's database login", () => {
  const at0 = synthAt(0);
  const at1 = synthAt(1);
  const steps = (output: SynthOutput) => ({
    credentials: find(output, "app", "kubernetes_manifest", "database-app-user_credentials_"),
    setLogin: find(output, "app", "kubernetes_job_v1", "database-app-user_job_"),
    secret: find(output, "app", "kubernetes_manifest", "secrets_external-secret_"),
    deployment: find(output, "app", "kubernetes_deployment_v1", "workload_deployment_"),
    retire: find(output, "app", "kubernetes_job_v1", "database-app-user_retire-job_"),
  });

  it("the data stack names the other login at each generation, with a new password", () => {
    const login = (output: SynthOutput) => {
      const [, version] = find(output, "data", "aws_secretsmanager_secret_version", "database-app-login_");
      return /"username" = "([a-z_]+)"/.exec(version.secret_string as string)?.[1];
    };
    expect([login(at0), login(at1)]).toEqual(["marketing_agents_app_a", "marketing_agents_app_b"]);
    // random_password's keepers: a new value is a new password (the review shows the keeper move).
    const changes = planDiff(at0, at1).filter((c) => c.stack === "staging-data");
    const password = changes.find((c) => /^random_password\.database-app-login_password_/.test(c.address));
    expect(password?.changes).toEqual([{ path: "keepers.rotation", before: "0", after: "1" }]);
  });

  it("applies the steps in order: set the login, hand it to the Secret, roll the pods, retire the other", () => {
    const s = steps(at1);
    const order = [s.credentials, s.setLogin, s.secret, s.deployment, s.retire].map(([address]) => address);
    for (let i = 1; i < order.length; i++) {
      const before = waitsFor(at1, order[i]);
      // Each step waits for every step before it, and for none after it.
      expect(order.slice(0, i).filter((a) => !before.has(a))).toEqual([]);
      expect(order.slice(i + 1).filter((a) => before.has(a))).toEqual([]);
    }
  });

  it("hands the pods the login at the version the data stack wrote, in a new Secret Terraform waits for", () => {
    const [, secret] = steps(at1).secret;
    const manifest = secret.manifest as {
      metadata: { name: string };
      spec: { target: { name: string }; data: { secretKey: string; remoteRef: Json }[] };
    };
    expect(manifest.metadata.name).toBe("marketing-agents-secrets-1");
    expect(manifest.spec.target.name).toBe("marketing-agents-secrets-1");
    for (const ref of manifest.spec.data.filter((d) => d.secretKey.startsWith("db_")))
      expect(ref.remoteRef.version).toMatch(/^uuid\/\$\{data\.terraform_remote_state\.\S+version_id\}$/);
    expect(secret.wait).toEqual({ condition: [{ type: "Ready", status: "True" }] });
    // The Secret the running pods use goes only after the Deployment has left it.
    expect(secret.lifecycle).toEqual({ create_before_destroy: true });
  });

  it("rolls the Deployment onto the new Secret and waits for the rollout before anything is retired", () => {
    const [, deployment] = steps(at1).deployment;
    const spec = deployment.spec as { template: { spec: { container: { env_from: Json[] }[] } } };
    expect(spec.template.spec.container[0].env_from).toContainEqual({
      secret_ref: { name: "marketing-agents-secrets-1" },
    });
    expect(deployment.wait_for_rollout).toBe(true);
  });

  it("a rotation changes the Secret's name, so the review shows the pods moving to a new one", () => {
    const change = planDiff(at0, at1).find((c) => c.address === steps(at1).secret[0]);
    expect(change?.changes).toContainEqual({
      path: "manifest.metadata.name",
      before: "marketing-agents-secrets-0",
      after: "marketing-agents-secrets-1",
    });
  });
});
