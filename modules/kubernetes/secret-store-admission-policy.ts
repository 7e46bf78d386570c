import type { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import { customResource } from "./custom-resource";

const ADMISSION_API = "admissionregistration.k8s.io/v1";

/** Settings of the admission policies that pin the secret stores. */
export interface SecretStoreAdmissionPolicyProps {
  /** The ClusterSecretStore on the environment's Secrets Manager. */
  readonly clusterStore: string;
  /** The only namespaces that store may serve. */
  readonly clusterStoreNamespaces: string[];
  /** The database-admin SecretStore: its namespace and name (also its ExternalSecret's name). */
  readonly adminStore: { readonly namespace: string; readonly name: string };
}

/** A CEL string literal (names are DNS labels; quotes escaped all the same). */
const cel = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const celList = (values: string[]) => `[${values.map(cel).join(", ")}]`;

/**
 * ValidatingAdmissionPolicies (https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/)
 * that make the two secret stores the only ways to Secrets Manager, whoever asks the API server:
 * - A store with the AWS provider and no role reads with external-secrets' own Pod Identity role,
 *   which holds the app's secrets; so only the ClusterSecretStore may, and it must keep its
 *   `conditions` to the app's namespaces and assume no role.
 * - The database-admin SecretStore is the only store that may use AWS in a namespace: the admin
 *   role's trust accepts only the session tag it sends, and no other store may send one.
 * - In the database-admin namespace, the only ExternalSecret is the Job's, and no PushSecret.
 * Chosen over a second external-secrets identity: a SecretStore can name a service account only
 * for IRSA's web identity (the cluster has no OIDC provider), and a second controller would double
 * what runs with AWS credentials.
 */
export class SecretStoreAdmissionPolicy extends Construct {
  /** The policies and bindings. */
  readonly objects: Manifest[];

  constructor(scope: Construct, id: string, props: SecretStoreAdmissionPolicyProps) {
    super(scope, id);
    if (props.clusterStoreNamespaces.length === 0) throw new Error("name the ClusterSecretStore's namespaces");
    const { adminStore } = props;
    const usesAws = "has(object.spec.provider) && has(object.spec.provider.aws)";
    const storesPolicy = "external-secrets-aws-stores";
    const namespacePolicy = "database-admin-namespace";
    this.objects = [
      customResource(this, "stores-policy", {
        apiVersion: ADMISSION_API,
        kind: "ValidatingAdmissionPolicy",
        metadata: { name: storesPolicy },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ["external-secrets.io"],
                apiVersions: ["*"],
                operations: ["CREATE", "UPDATE"],
                resources: ["secretstores", "clustersecretstores"],
              },
            ],
          },
          validations: [
            {
              expression: [
                `!(${usesAws})`,
                `(object.kind == 'ClusterSecretStore' && object.metadata.name == ${cel(props.clusterStore)})`,
                `(object.kind == 'SecretStore' && object.metadata.namespace == ${cel(adminStore.namespace)} && object.metadata.name == ${cel(adminStore.name)})`,
              ].join(" || "),
              message: `only the ClusterSecretStore ${props.clusterStore} and the SecretStore ${adminStore.namespace}/${adminStore.name} may use AWS: any other store would read with external-secrets' own role`,
            },
            {
              expression: [
                `object.kind != 'ClusterSecretStore' || !(${usesAws})`,
                `(!has(object.spec.provider.aws.role) && has(object.spec.conditions) && size(object.spec.conditions) > 0 &&` +
                  ` object.spec.conditions.all(c, !has(c.namespaceSelector) && !has(c.namespaceRegexes) &&` +
                  ` has(c.namespaces) && size(c.namespaces) > 0 && c.namespaces.all(n, n in ${celList(props.clusterStoreNamespaces)})))`,
              ].join(" || "),
              message: `the ClusterSecretStore serves only the namespaces ${props.clusterStoreNamespaces.join(", ")} (spec.conditions[].namespaces) and assumes no role`,
            },
          ],
        },
      }),
      customResource(this, "stores-binding", {
        apiVersion: ADMISSION_API,
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name: storesPolicy },
        spec: { policyName: storesPolicy, validationActions: ["Deny"] },
      }),
      customResource(this, "namespace-policy", {
        apiVersion: ADMISSION_API,
        kind: "ValidatingAdmissionPolicy",
        metadata: { name: namespacePolicy },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": adminStore.namespace } },
            resourceRules: [
              {
                apiGroups: ["external-secrets.io"],
                apiVersions: ["*"],
                operations: ["CREATE", "UPDATE"],
                resources: ["externalsecrets", "pushsecrets"],
              },
            ],
          },
          validations: [
            {
              expression: `object.kind == 'ExternalSecret' && object.metadata.name == ${cel(adminStore.name)}`,
              message: `namespace ${adminStore.namespace} holds one ExternalSecret, ${adminStore.name} (the create-app-user Job's), and no PushSecret`,
            },
          ],
        },
      }),
      customResource(this, "namespace-binding", {
        apiVersion: ADMISSION_API,
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name: namespacePolicy },
        spec: { policyName: namespacePolicy, validationActions: ["Deny"] },
      }),
    ];
  }
}
