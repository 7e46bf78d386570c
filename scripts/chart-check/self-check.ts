/**
 * Deliberately broken variants of a real chart artifact: the mistakes a hand-built OCI push makes
 * (declaring the config or the chart as a container image's). Each real helm of the check (the CLI
 * and the one Terraform's Helm provider embeds) must refuse to pull each one, else a pull that
 * succeeds proves nothing about the media types. helm v3.22.0 and v3.18.4 both keep only the
 * descriptors whose media type they know and require the Helm config and chart layer types
 * (pkg/registry/client.go, Pull; helm.sh/docs/topics/registries).
 */
import type { PushableArtifact } from "./oci-push";

/** One broken variant: its name (also its repository under `self-check/`) and how it breaks. */
export interface BrokenArtifact {
  readonly name: string;
  readonly what: string;
  break(artifact: PushableArtifact): PushableArtifact;
}

interface Descriptor {
  mediaType: string;
}

interface Manifest {
  config: Descriptor;
  layers: Descriptor[];
}

function withManifest(artifact: PushableArtifact, change: (manifest: Manifest) => void): PushableArtifact {
  const manifest = JSON.parse(artifact.manifest) as Manifest;
  change(manifest);
  return { ...artifact, manifest: JSON.stringify(manifest) };
}

export const BROKEN_ARTIFACTS: readonly BrokenArtifact[] = [
  {
    name: "image-config",
    what: "config declared as a container image config (application/vnd.oci.image.config.v1+json)",
    break: (artifact) =>
      withManifest(artifact, (m) => {
        m.config.mediaType = "application/vnd.oci.image.config.v1+json";
      }),
  },
  {
    name: "image-layer",
    what: "chart declared as a container image layer (application/vnd.oci.image.layer.v1.tar+gzip)",
    break: (artifact) =>
      withManifest(artifact, (m) => {
        for (const layer of m.layers) layer.mediaType = "application/vnd.oci.image.layer.v1.tar+gzip";
      }),
  },
];
