import { stackObjects, type ApiObject } from "../../scripts/k8s-check/api-objects";
import {
  PUBLIC_IMAGE_PROBE,
  imageProblems,
  registriesOf,
  servedBy,
  type EnvironmentRegistry,
} from "../../scripts/k8s-check/image-sources";
import { registryHostOf, synthesizedStacksOf } from "../helpers";

type Json = Record<string, unknown>;

const stacksOf = synthesizedStacksOf;
const DEV = registryHostOf("dev");
const PROD = registryHostOf("prod");

const pod = (stack: string, spec: Json): ApiObject => ({
  source: `${stack} helm some-chart`,
  object: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec },
});

describe("image sources in k8s-check", () => {
  const registries = registriesOf(stacksOf("dev", "prod"));

  it("reads each environment's registry, repository and cache prefixes from its own stacks", () => {
    expect(registries.get("dev")).toEqual({
      host: DEV,
      repositories: expect.arrayContaining(["marketing-agents-dev", "dev-charts/metrics-server"]),
      prefixes: expect.arrayContaining(["dev-docker-hub", "dev-quay", "dev-ghcr", "dev-k8s", "dev-ecr-public"]),
    });
    expect(registries.get("prod")?.host).toBe(PROD);
  });

  it("reads a stack whose concern holds a hyphen (prod-org-guardrails) as its environment's, not as one of its own", () => {
    // The guardrails stack works in the organization's management account, not prod's.
    const management = { allowed_account_ids: ["111122223333"], region: "us-east-1" };
    const guardrails = { id: "prod-org-guardrails", json: { provider: { aws: [management] } } };
    const withGuardrails = registriesOf([...stacksOf("prod"), guardrails]);
    expect([...withGuardrails.keys()]).toEqual(["prod"]);
    expect(withGuardrails.get("prod")?.host).toBe(PROD);
    const object = pod("prod-org-guardrails", { containers: [{ name: "c", image: `${PROD}/prod-quay/a:v1` }] });
    expect(imageProblems(object, withGuardrails)).toEqual([]);
  });

  it("accepts the environment's own repository and anything below its cache prefixes, nothing else", () => {
    const dev = registries.get("dev") as EnvironmentRegistry;
    expect(servedBy(`${DEV}/marketing-agents-dev:sha-0123abc`, dev)).toBe(true);
    expect(servedBy(`${DEV}/dev-quay/jetstack/cert-manager-controller:v1.21.1`, dev)).toBe(true);
    expect(servedBy(`${DEV}/dev-quay@sha256:abc`, dev)).toBe(false);
    expect(servedBy(`${DEV}/marketing-agents-prod:sha-0123abc`, dev)).toBe(false);
    expect(servedBy(`${PROD}/prod-quay/jetstack/cert-manager-controller:v1.21.1`, dev)).toBe(false);
    expect(servedBy("quay.io/jetstack/cert-manager-controller:v1.21.1", dev)).toBe(false);
  });

  it("refuses a container image from a public registry, or from another environment's", () => {
    expect(
      imageProblems(pod("dev-platform", { containers: [{ name: "c", image: "quay.io/jetstack/x:v1" }] }), registries),
    ).toEqual([
      expect.stringMatching(/^spec\.containers\[0\]\.image: quay\.io\/jetstack\/x:v1 is not from dev's ECR /),
    ]);
    expect(
      imageProblems(
        pod("dev-platform", { initContainers: [{ name: "c", image: `${PROD}/prod-quay/x:v1` }] }),
        registries,
      ),
    ).toHaveLength(1);
    expect(imageProblems(PUBLIC_IMAGE_PROBE("dev-app"), registries)).toHaveLength(1);
  });

  it("refuses a public image named anywhere else: an argument, or configuration embedded in a ConfigMap", () => {
    const args = pod("prod-platform", {
      containers: [
        { name: "c", image: `${PROD}/prod-quay/a:v1`, args: ["--base-image=quay.io/thanos/thanos:v0.42.4"] },
      ],
    });
    expect(imageProblems(args, registries)).toEqual([
      "spec.containers[0].args[0]: names the public image quay.io/thanos/thanos:v0.42.4, which would be pulled from outside prod's ECR",
    ]);
    const config: ApiObject = {
      source: "dev-platform helm envoy-gateway",
      object: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "envoy-gateway-config" },
        data: {
          "envoy-gateway.yaml":
            "provider:\n  kubernetes:\n    envoyDeployment:\n      container:\n        image: docker.io/envoyproxy/envoy:distroless-v1.39.0\n",
        },
      },
    };
    expect(imageProblems(config, registries)).toEqual([
      "data.envoy-gateway.yaml: names the public image docker.io/envoyproxy/envoy:distroless-v1.39.0, which would be pulled from outside dev's ECR",
    ]);
  });

  it("finds every image of the app stacks in their environment's ECR", () => {
    const objects = stacksOf("dev", "prod")
      .filter((s) => s.id.endsWith("-app"))
      .flatMap((s) => stackObjects(s.id, s.json));
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.flatMap((o) => imageProblems(o, registries))).toEqual([]);
  });
});
