/**
 * Bootstrap creates the bucket its own state belongs in. Its synthesized backend is that bucket
 * (so a fresh checkout never re-creates it); the first apply therefore runs in two phases:
 *
 *   1. no bucket yet: apply with a local backend (a `backend_override.tf.json` next to the
 *      synthesized JSON) whose state file is `terraform-state/<env>-bootstrap.tfstate`;
 *   2. remove the override and `terraform init -migrate-state -force-copy`: the state moves into
 *      the bucket; once it is there, the local file is deleted.
 *
 * If phase 2 was interrupted, the local file is still there and the next run migrates it first.
 * docs/runbook.md ("Recovery") covers the cases this cannot repair on its own.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DeployError } from "./deploy-error";

/** Terraform merges this file over cdk.tf.json; its backend block replaces the S3 one. */
export const BACKEND_OVERRIDE_FILE = "backend_override.tf.json";

/** What bootstrap's run has to do about its state. */
export type BootstrapPhase =
  /** No bucket: apply with local state, then migrate it into the new bucket. */
  | "create-then-migrate"
  /** Bucket and a local phase-1 state, none in the bucket: migrate first, then run as usual. */
  | "migrate-then-run"
  /** State already in the bucket: a normal run. */
  | "remote";

/** Where phase 1 keeps bootstrap's state (outside the synth output, git-ignored). */
export function localBootstrapState(root: string, environment: string): string {
  return path.join(root, "terraform-state", `${environment}-bootstrap.tfstate`);
}

/** Decides the phase from what exists; refuses the two states it cannot resolve safely. */
export function bootstrapPhase(
  facts: { stateBucketExists: boolean; bootstrapStateInBucket: boolean },
  localState: string,
  environment: string,
): BootstrapPhase {
  const local = fs.existsSync(localState);
  if (!facts.stateBucketExists) return "create-then-migrate";
  if (local && facts.bootstrapStateInBucket) {
    throw new DeployError(
      `environment "${environment}": bootstrap state exists both in the bucket and in ${localState}: keep the newer one (docs/runbook.md, "Recovery") and delete the other before deploying bootstrap`,
    );
  }
  if (local) return "migrate-then-run";
  if (!facts.bootstrapStateInBucket) {
    throw new DeployError(
      `environment "${environment}": the state bucket exists but bootstrap's state is neither in it nor in ${localState}: import the bucket and key (docs/runbook.md, "Recovery") before deploying bootstrap`,
    );
  }
  return "remote";
}

/** Points the stack at the local phase-1 state file. */
export function useLocalBackend(stackDirectory: string, localState: string): void {
  fs.mkdirSync(path.dirname(localState), { recursive: true });
  const override = { terraform: { backend: { local: { path: localState } } } };
  fs.writeFileSync(path.join(stackDirectory, BACKEND_OVERRIDE_FILE), `${JSON.stringify(override, null, 2)}\n`);
}

/** Back to the synthesized S3 backend. */
export function useSynthesizedBackend(stackDirectory: string): void {
  fs.rmSync(path.join(stackDirectory, BACKEND_OVERRIDE_FILE), { force: true });
}

/** Deletes the local state (and Terraform's backup of it) once the bucket holds it. */
export function removeLocalState(localState: string): void {
  fs.rmSync(localState, { force: true });
  fs.rmSync(`${localState}.backup`, { force: true });
}
