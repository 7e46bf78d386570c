import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { customResource } from "./custom-resource";

/** The keys the app reads from the API-keys secret (a JSON object); each becomes an env variable. */
export const APP_API_KEYS = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "TAVILY_API_KEY"] as const;

/** Template variable of an API key: OPENAI_API_KEY -> openai_api_key. */
const variableOf = (key: string) => key.toLowerCase();

/** Where the app's secret values come from. */
export interface AppExternalSecretProps {
  /** Namespace of the app. */
  readonly namespace: string;
  /** Name of the Kubernetes Secret to produce. */
  readonly targetSecret: string;
  /** ClusterSecretStore to read from. */
  readonly store: string;
  /** The app's database login secret (ARN or name) holding `username` and `password`. */
  readonly databaseSecret: string;
  /**
   * The login secret's version to read (Secrets Manager's VersionId), pinned: a value the data
   * stack writes reaches the pods only through a new version here, applied after `after`.
   */
  readonly databaseSecretVersionId: string;
  /** What must be done before the Secret may hold that login (the Job that sets its password). */
  readonly after: ITerraformDependable[];
  /** Host name of PostgreSQL. */
  readonly databaseHost: string;
  /** Port of PostgreSQL. */
  readonly databasePort: number;
  /** Database name. */
  readonly databaseName: string;
  /** Secret holding `REDIS_URL`. */
  readonly redisSecret: string;
  /** Secret holding the three API keys. */
  readonly apiKeysSecret: string;
  /** How often values are re-read (picks up a new login or Redis token). @default "1h" */
  readonly refreshInterval?: string;
}

/**
 * An ExternalSecret producing the app's Secret from Secrets Manager: DATABASE_URL is assembled
 * from the app's login (URL-escaped, TLS required), the rest is copied. Terraform only ever sees
 * secret names, never values.
 *
 * A login rotation reaches the pods in order, never before the database has the password: the
 * login is read at a pinned version, and each rotation is a new ExternalSecret (name it after the
 * rotation) created after `after`; Terraform waits until it is Ready (its Secret written), so the
 * Deployment that then moves to it starts pods with the new login only. The old one is deleted
 * last (create before destroy), once the Deployment has left it.
 */
export class AppExternalSecret extends Construct {
  /** The ExternalSecret, Ready: depend on it to start pods with its Secret. */
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: AppExternalSecretProps) {
    super(scope, id);
    const ref = (secretKey: string, key: string, property: string, version?: string) => ({
      secretKey,
      remoteRef: { key, property, ...(version ? { version } : {}) },
    });
    const loginVersion = `uuid/${props.databaseSecretVersionId}`;
    const databaseUrl =
      `postgresql://{{ .db_username | urlquery }}:{{ .db_password | urlquery }}@${props.databaseHost}:${props.databasePort}` +
      `/${props.databaseName}?sslmode=require`;
    const externalSecret = customResource(
      this,
      "external-secret",
      {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: props.targetSecret, namespace: props.namespace },
        spec: {
          refreshInterval: props.refreshInterval ?? "1h",
          secretStoreRef: { kind: "ClusterSecretStore", name: props.store },
          target: {
            name: props.targetSecret,
            creationPolicy: "Owner",
            template: {
              engineVersion: "v2",
              data: {
                DATABASE_URL: databaseUrl,
                REDIS_URL: "{{ .redis_url }}",
                ...Object.fromEntries(APP_API_KEYS.map((key) => [key, `{{ .${variableOf(key)} }}`])),
              },
            },
          },
          data: [
            ref("db_username", props.databaseSecret, "username", loginVersion),
            ref("db_password", props.databaseSecret, "password", loginVersion),
            ref("redis_url", props.redisSecret, "REDIS_URL"),
            ...APP_API_KEYS.map((key) => ref(variableOf(key), props.apiKeysSecret, key)),
          ],
        },
      },
      {
        wait: { condition: [{ type: "Ready", status: "True" }] },
        timeouts: { create: "5m", update: "5m" },
        lifecycle: { createBeforeDestroy: true },
        dependsOn: props.after,
      },
    );
    this.ready = externalSecret;
  }
}
