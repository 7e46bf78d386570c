import { Construct } from "constructs";
import { customResource } from "./custom-resource";
import { zoneSpread } from "./zone-spread";

/** Settings of the public entry point. */
export interface PublicGatewayProps {
  /** Name of the Gateway (and its GatewayClass and proxy settings). */
  readonly name: string;
  /** Namespace of the Gateway, its certificate and the Envoy proxies (Envoy Gateway's own). */
  readonly namespace: string;
  /** Controller that implements the GatewayClass. */
  readonly controllerName: string;
  /** Public host name. */
  readonly hostname: string;
  /** ClusterIssuer that signs the certificate. */
  readonly issuer: string;
  /** Namespaces whose HTTPRoutes may attach to the HTTPS listener. */
  readonly routeNamespaces: string[];
  /** Largest request body accepted, e.g. 10Mi (larger ones get 413). */
  readonly maxRequestBody: string;
  /** Envoy proxy replicas, spread across zones; 2 or more keep serving through a node drain. */
  readonly proxyReplicas: number;
  /**
   * Seconds a client connection may stay open with no request in flight before the proxy closes
   * it (ClientTrafficPolicy `timeout.http.idleTimeout`; Envoy's default is an hour).
   */
  readonly idleTimeoutSeconds: number;
  /**
   * Seconds the proxy keeps an idle connection to a backend for reuse (BackendTrafficPolicy
   * `timeout.http.connectionIdleTimeout`; Envoy's default is an hour). Below the backend's own
   * keep-alive timeout, so the proxy never reuses a connection the backend is closing.
   */
  readonly backendIdleTimeoutSeconds: number;
  /**
   * The longest a request through the gateway may last (its routes' request timeout): a draining
   * proxy keeps serving that long after the last request it may still receive.
   */
  readonly requestTimeoutSeconds: number;
}

/**
 * Seconds a stopping proxy may still receive new connections. Envoy Gateway's Service keeps
 * externalTrafficPolicy Local, so the NLB (instance targets) takes the node out only after 2 failed
 * health checks 10 s apart (kubernetes/cloud-provider-aws, buildNLBHealthCheckConfiguration); the
 * rest is room for the NLB and kube-proxy to act. Envoy Gateway's own minimum drain is 10 s.
 */
export const PROXY_DEREGISTRATION_SECONDS = 30;

/**
 * How long a stopping proxy drains (EnvoyProxy `shutdown.drainTimeout`, Envoy Gateway's default 60 s):
 * a request that arrives at the end of the deregistration window still gets its whole request
 * timeout. https://gateway.envoyproxy.io/v1.9/tasks/operations/graceful-shutdown/
 */
export function proxyDrainTimeoutSeconds(requestTimeoutSeconds: number): number {
  return PROXY_DEREGISTRATION_SECONDS + requestTimeoutSeconds;
}

/** Name of the public Gateway (and its GatewayClass and EnvoyProxy). */
export const PUBLIC_GATEWAY_NAME = "public";

/**
 * Labels Envoy Gateway puts on the proxy pods of a Gateway (it selects them the same way):
 * https://gateway.envoyproxy.io/v1.9/tasks/operations/customize-envoyproxy/
 */
export function proxyPodLabels(gateway: { name: string; namespace: string }): Record<string, string> {
  return {
    "app.kubernetes.io/component": "proxy",
    "gateway.envoyproxy.io/owning-gateway-name": gateway.name,
    "gateway.envoyproxy.io/owning-gateway-namespace": gateway.namespace,
  };
}

/**
 * The public Gateway behind an AWS Network Load Balancer: HTTPS with a cert-manager certificate,
 * plain HTTP only to redirect to HTTPS (and to answer ACME challenges), a request body limit and
 * a client idle timeout, idle backend connections closed before the app closes them. Its Envoy
 * proxies spread across zones under a PodDisruptionBudget and drain for the longest request.
 */
export class PublicGateway extends Construct {
  /** Where HTTPRoutes attach. */
  readonly ref: { readonly name: string; readonly namespace: string; readonly httpsListener: string };

  constructor(scope: Construct, id: string, props: PublicGatewayProps) {
    super(scope, id);
    const { name, namespace } = props;
    const tlsSecret = `${name}-tls`;
    this.ref = { name, namespace, httpsListener: "https" };

    customResource(this, "proxy-config", {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "EnvoyProxy",
      metadata: { name, namespace },
      spec: {
        provider: {
          type: "Kubernetes",
          kubernetes: {
            // No terminationGracePeriodSeconds here (the CRD has no such field): Envoy Gateway v1.9
            // sets it to shutdown.drainTimeout + 300 s (npm run review shows it).
            envoyDeployment: {
              replicas: props.proxyReplicas,
              pod: { topologySpreadConstraints: zoneSpread(proxyPodLabels(props)) },
            },
            // A drain evicts one proxy at a time; with one replica it never blocks (nothing to keep).
            envoyPDB: { maxUnavailable: 1 },
            envoyService: {
              annotations: {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
              },
            },
          },
        },
        // The proxy keeps accepting while the NLB deregisters it (minDrainDuration), then lets the
        // last request finish; it exits early once no connection is left after the minimum.
        shutdown: {
          minDrainDuration: `${PROXY_DEREGISTRATION_SECONDS}s`,
          drainTimeout: `${proxyDrainTimeoutSeconds(props.requestTimeoutSeconds)}s`,
        },
      },
    });
    customResource(this, "class", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name },
      spec: {
        controllerName: props.controllerName,
        parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name, namespace },
      },
    });
    customResource(this, "certificate", {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: tlsSecret, namespace },
      spec: {
        secretName: tlsSecret,
        dnsNames: [props.hostname],
        issuerRef: { name: props.issuer, kind: "ClusterIssuer", group: "cert-manager.io" },
      },
    });
    customResource(this, "gateway", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name, namespace },
      spec: {
        gatewayClassName: name,
        listeners: [
          {
            name: "http",
            protocol: "HTTP",
            port: 80,
            hostname: props.hostname,
            allowedRoutes: { namespaces: { from: "Same" } },
          },
          {
            name: "https",
            protocol: "HTTPS",
            port: 443,
            hostname: props.hostname,
            tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: tlsSecret }] },
            allowedRoutes: {
              namespaces: {
                from: "Selector",
                selector: {
                  matchExpressions: [
                    { key: "kubernetes.io/metadata.name", operator: "In", values: props.routeNamespaces },
                  ],
                },
              },
            },
          },
        ],
      },
    });
    customResource(this, "redirect-to-https", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: `${name}-redirect-to-https`, namespace },
      spec: {
        parentRefs: [{ name, sectionName: "http" }],
        hostnames: [props.hostname],
        rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
      },
    });
    // The Gateway's one BackendTrafficPolicy: a second one targeting the same Gateway would not
    // merge with it (Envoy Gateway applies only the oldest), so every backend setting lives here.
    // Its name predates the timeout; renaming would replace it.
    customResource(this, "body-limit", {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "BackendTrafficPolicy",
      metadata: { name: `${name}-body-limit`, namespace },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name }],
        requestBuffer: { limit: props.maxRequestBody },
        timeout: { http: { connectionIdleTimeout: `${props.backendIdleTimeoutSeconds}s` } },
        // No retry: Envoy Gateway sets none unless asked. The app's API is POSTs that start LLM agent
        // runs (not idempotent: a retry pays for the models twice and repeats side effects), and the
        // keep-alive race resets a request already written, which only `reset` would retry. The idle
        // timeout above removes the race instead.
        // https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter
      },
    });
    customResource(this, "client-timeouts", {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "ClientTrafficPolicy",
      metadata: { name: `${name}-client-timeouts`, namespace },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name }],
        timeout: { http: { idleTimeout: `${props.idleTimeoutSeconds}s` } },
      },
    });
  }
}
