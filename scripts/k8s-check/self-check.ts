/**
 * Objects a working check must reject, one per kind of validation the API server does: strict
 * field validation of a built-in type, a CEL rule of a CRD (Gateway API), and a bound of a CRD's
 * OpenAPI schema. The check runs them first; any of them accepted fails the run.
 */
import type { ApiObject } from "./api-objects";

const gateway = (listener: Record<string, unknown>) => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "Gateway",
  metadata: { name: "self-check", namespace: "default" },
  spec: { gatewayClassName: "self-check", listeners: [{ name: "web", ...listener }] },
});

export const BROKEN_OBJECTS: ApiObject[] = [
  {
    source: "unknown field on a Deployment (strict field validation)",
    object: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "self-check", namespace: "default" },
      spec: {
        selector: { matchLabels: { app: "self-check" } },
        template: {
          metadata: { labels: { app: "self-check" } },
          spec: { containers: [{ name: "app", image: "app:1.0.0", imagePullPolicyy: "Always" }] },
        },
      },
    },
  },
  {
    source: "TLS on an HTTP listener of a Gateway (a CEL rule of the Gateway API CRD)",
    object: gateway({ protocol: "HTTP", port: 80, tls: { mode: "Terminate", certificateRefs: [{ name: "cert" }] } }),
  },
  {
    source: "a Gateway listener on port 70000 (the CRD schema's maximum is 65535)",
    object: gateway({ protocol: "HTTP", port: 70000 }),
  },
];
