import { Construct } from "constructs";
import { customResource } from "./custom-resource";

/** Settings of the app's route. */
export interface AppRouteProps {
  /** Namespace of the app (and the route). */
  readonly namespace: string;
  /** Route name. */
  readonly name: string;
  /** Public host name. */
  readonly hostname: string;
  /** The Gateway and its HTTPS listener. */
  readonly gateway: { readonly name: string; readonly namespace: string; readonly httpsListener: string };
  /** Service and port the route sends traffic to. */
  readonly backend: { readonly name: string; readonly port: number };
  /**
   * Seconds the gateway waits for the whole response (`rules[].timeouts.request`). Unset, Envoy
   * Gateway answers 504 after 15 s: https://gateway.envoyproxy.io/v1.9/tasks/traffic/http-timeouts/
   */
  readonly requestTimeoutSeconds: number;
}

/** The HTTPRoute that sends HTTPS traffic for the app's host to its Service (the seed's Ingress rule). */
export class AppRoute extends Construct {
  constructor(scope: Construct, id: string, props: AppRouteProps) {
    super(scope, id);
    customResource(this, "route", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        parentRefs: [
          { name: props.gateway.name, namespace: props.gateway.namespace, sectionName: props.gateway.httpsListener },
        ],
        hostnames: [props.hostname],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/" } }],
            backendRefs: [{ name: props.backend.name, port: props.backend.port }],
            // Gateway API's standard route timeout (a GEP-2257 duration).
            timeouts: { request: `${props.requestTimeoutSeconds}s` },
          },
        ],
      },
    });
  }
}
