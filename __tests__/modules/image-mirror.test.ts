import { ImageMirror } from "../../modules/image-mirror";

describe("image mirror", () => {
  const mirror = new ImageMirror({ registryHost: "111111111111.dkr.ecr.us-east-1.amazonaws.com", prefixStart: "dev" });
  const host = "111111111111.dkr.ecr.us-east-1.amazonaws.com";

  it("rewrites an upstream reference below its upstream's cache prefix, tag kept", () => {
    expect(mirror.image("quay.io/jetstack/cert-manager-controller:v1.21.1")).toBe(
      `${host}/dev-quay/jetstack/cert-manager-controller:v1.21.1`,
    );
    expect(mirror.image("registry.k8s.io/kubectl")).toBe(`${host}/dev-k8s/kubectl`);
    expect(mirror.image("public.ecr.aws/docker/library/busybox:1.37.0")).toBe(
      `${host}/dev-ecr-public/docker/library/busybox:1.37.0`,
    );
  });

  it("gives Docker Hub's official images their library/ namespace, whichever of its hosts is named", () => {
    expect(mirror.image("docker.io/busybox:1.37.0")).toBe(`${host}/dev-docker-hub/library/busybox:1.37.0`);
    expect(mirror.image("registry-1.docker.io/grafana/grafana")).toBe(`${host}/dev-docker-hub/grafana/grafana`);
  });

  it("splits a reference the way charts take it, and names the registry that replaces a host", () => {
    expect(mirror.split("ghcr.io/stakater/reloader")).toEqual({
      registry: host,
      repository: "dev-ghcr/stakater/reloader",
    });
    expect(mirror.registryFor("quay.io")).toBe(`${host}/dev-quay`);
  });

  it("fails on a registry no rule caches, or a bare name: such an image could not be pulled", () => {
    expect(() => mirror.image("gcr.io/distroless/static")).toThrow(
      /gcr\.io\/distroless\/static: no pull-through cache rule/,
    );
    expect(() => mirror.image("busybox")).toThrow(/no pull-through cache rule/);
  });
});
