/**
 * What the app's login Jobs of a synthesized app stack run (create-app-user, and
 * retire-app-logins), read from its cdk.tf.json: the script files of their ConfigMap, the psql
 * command line, the literal environment each sets and the keys its Secret adds. db-check runs
 * exactly this, so the check cannot drift from what ships.
 */
type Json = Record<string, unknown>;

/** The Job's psql run, as synthesized. */
export interface AppUserJob {
  /** Files the Job mounts, by path inside the container (`/sql/create-app-user.sql`). */
  readonly files: Readonly<Record<string, string>>;
  /** The container's command (`psql ...`). */
  readonly command: readonly string[];
  /** Literal environment variables (`PGDATABASE`, `APP_SCHEMA`, `PGSSLMODE`...). */
  readonly env: Readonly<Record<string, string>>;
  /** Variables its Secret adds (`PGUSER`, `PGPASSWORD`, `APP_USER`, `APP_PASSWORD`). */
  readonly secretKeys: readonly string[];
}

/** Refusal with one line naming what is missing. */
export class JobShapeError extends Error {}

const JOB_LABEL = "create-app-user";
const RETIRE_LABEL = "retire-app-logins";

function resources(stack: Json, type: string): Json[] {
  const byType = (stack.resource ?? ({} as Json)) as Record<string, Record<string, Json>>;
  return Object.values(byType[type] ?? ({} as Json));
}

/** A nested block: an object in cdktf's JSON, or a one-item list. */
const first = (value: unknown): Json | undefined => (Array.isArray(value) ? value[0] : value) as Json | undefined;

/** The Jobs whose pods are labelled `app: <label>`. */
function jobsLabelled(stack: Json, label: string): Json[] {
  return resources(stack, "kubernetes_job_v1").filter((job) => {
    const template = first((first(job.spec as Json) ?? ({} as Json)).template as Json) ?? ({} as Json);
    const labels = ((first(template.metadata as Json) ?? ({} as Json)) as Json).labels as Json | undefined;
    return labels?.app === label;
  });
}

/** The one Job labelled `label`. */
function jobOf(stack: Json, label = JOB_LABEL): Json {
  const jobs = jobsLabelled(stack, label);
  if (jobs.length !== 1) throw new JobShapeError(`expected one ${label} Job, found ${jobs.length}`);
  return jobs[0];
}

/** The ConfigMap the Job mounts: by name, or by the Terraform reference to its name. */
function configMapData(stack: Json, name: string): Record<string, string> {
  const byType = (stack.resource ?? ({} as Json)) as Record<string, Record<string, Json>>;
  const reference = /^\$\{kubernetes_config_map_v1\.([^.]+)\.metadata(?:\[0\])?\.name\}$/.exec(name)?.[1];
  const map = reference
    ? byType.kubernetes_config_map_v1?.[reference]
    : resources(stack, "kubernetes_config_map_v1").find(
        (c) => (first(c.metadata as Json) ?? ({} as Json)).name === name,
      );
  if (!map) throw new JobShapeError(`the ${JOB_LABEL} Job mounts ConfigMap ${name}, which the stack does not declare`);
  return map.data as Record<string, string>;
}

/** `secretKey`s of the ExternalSecret that makes the named Secret. */
function externalSecretKeys(stack: Json, secretName: string): string[] {
  const manifest = resources(stack, "kubernetes_manifest")
    .map((m) => m.manifest as Json)
    .find((m) => m.kind === "ExternalSecret" && ((m.spec as Json).target as Json).name === secretName);
  if (!manifest) throw new JobShapeError(`no ExternalSecret makes the Job's Secret ${secretName}`);
  return ((manifest.spec as Json).data as { secretKey: string }[]).map((d) => d.secretKey);
}

/** Reads the create-app-user Job of an app stack's synthesized JSON. */
export function appUserJob(stack: Json): AppUserJob {
  return readJob(stack, jobOf(stack));
}

/** Reads the retire-app-logins Job of an app stack's synthesized JSON; undefined when it has none. */
export function retireLoginsJob(stack: Json): AppUserJob | undefined {
  return jobsLabelled(stack, RETIRE_LABEL).length === 0 ? undefined : readJob(stack, jobOf(stack, RETIRE_LABEL));
}

function readJob(stack: Json, job: Json): AppUserJob {
  const spec = first(job.spec as Json) as Json;
  const pod = first((first(spec.template as Json) as Json).spec as Json) as Json;
  const containers = pod.container as Json[];
  if (containers.length !== 1) throw new JobShapeError(`the ${JOB_LABEL} Job has ${containers.length} containers`);
  const [container] = containers;
  const volumes = new Map(((pod.volume ?? []) as Json[]).map((v) => [v.name as string, v]));
  const files: Record<string, string> = {};
  for (const mount of (container.volume_mount ?? []) as Json[]) {
    const configMap = first(volumes.get(mount.name as string)?.config_map as Json);
    if (!configMap) continue;
    for (const [key, text] of Object.entries(configMapData(stack, configMap.name as string)))
      files[`${String(mount.mount_path)}/${key}`] = text;
  }
  const env = Object.fromEntries(
    ((container.env ?? []) as Json[]).filter((e) => typeof e.value === "string").map((e) => [e.name, e.value]),
  ) as Record<string, string>;
  const secretKeys = ((container.env_from ?? []) as Json[]).flatMap((from) => {
    const ref = first(from.secret_ref as Json);
    return ref ? externalSecretKeys(stack, ref.name as string) : [];
  });
  return { files, command: container.command as string[], env, secretKeys };
}

/**
 * The command line to run here: the Job's own, with its psql replaced by the local one and each
 * mounted file's path by where that file was written.
 */
export function localCommand(job: AppUserJob, psql: string, fileAt: (mountedPath: string) => string): string[] {
  const [program, ...args] = job.command;
  if (program !== "psql") throw new JobShapeError(`the ${JOB_LABEL} Job runs ${program}, not psql`);
  const mounted = Object.keys(job.files);
  return [
    psql,
    ...args.map((arg) => mounted.reduce((a, file) => (a.includes(file) ? a.replace(file, fileAt(file)) : a), arg)),
  ];
}

/** Major of a `postgres --version` line ("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"). */
export function serverMajor(versionLine: string): string | undefined {
  return /\(PostgreSQL\)\s+(\d+)(?:\.\d+)?/.exec(versionLine)?.[1];
}

/** One line when the server found is not the major config asks for; undefined when it is. */
export function majorMismatch(configured: string, versionLine: string, binDir: string): string | undefined {
  const found = serverMajor(versionLine);
  if (found === configured) return undefined;
  return `config asks for PostgreSQL ${configured}, but ${binDir}/postgres is ${found ?? `unrecognised ("${versionLine.trim()}")`}: install postgresql-${configured}, or point DB_CHECK_PG_BIN at its bin folder`;
}
