#!/usr/bin/env bash
# Builds the Kubernetes tools the offline API-server check needs, from the Go module proxy, into
# .tools/k8s/bin (git-ignored): kube-apiserver and kubectl at the cluster's version, the etcd that
# version pins, helm, the older helm the Terraform Helm provider embeds (as helm-<version>), and
# CNCF distribution's OCI registry (the chart check pushes our mirrored chart artifacts into it and
# pulls them with both helms). Skips whatever is already built at its pinned version. Cold, on two
# cores, about 15 minutes (kube-apiserver is most of it; the provider's helm alone took 163 s with
# empty Go caches, 104 s after helm's); the Go build cache makes later runs fast. Arguments name the
# only tools to build (helm, provider-helm, registry, etcd, kube-apiserver: with kubectl), e.g.
# `bash scripts/k8s-tools.sh helm provider-helm registry`; none: all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

KUBERNETES_VERSION=1.35.4 # the EKS cluster's minor (config: cluster.kubernetesVersion)
ETCD_VERSION=3.6.5        # what Kubernetes 1.35.4 pins
HELM_VERSION=3.22.0
# The Terraform Helm provider pulls and renders our charts at plan and apply with the helm library
# it embeds, not with the helm CLI: terraform-provider-helm v3.1.1 (the version the stacks pin)
# requires helm.sh/helm/v3 v3.18.4 (its go.mod at tag v3.1.1,
# https://github.com/hashicorp/terraform-provider-helm/blob/v3.1.1/go.mod). The one place for both
# numbers: chart-check reads them here, refuses a synth output that pins another provider version,
# and runs bin/helm-<HELM_PROVIDER_HELM>. A provider upgrade changes both lines, from its go.mod.
HELM_PROVIDER=3.1.1
HELM_PROVIDER_HELM=3.18.4
DISTRIBUTION_VERSION=3.1.2 # github.com/distribution/distribution/v3, the registry `registry` binary

root="${K8S_TOOLS_DIR:-$PWD/.tools/k8s}" # K8S_TOOLS_DIR: elsewhere (to time a cold build)
bin="$root/bin"
mkdir -p "$bin"
export GOFLAGS="-mod=mod -buildvcs=false"
log="$root/build.log"

# Runs one build step with its output in the log; on failure, one line that says where to look.
build() {
  local what=$1
  shift
  echo "building $what"
  if ! "$@" >>"$log" 2>&1; then
    echo "k8s-tools: building $what failed (needs Go and the Go module proxy); details in $log" >&2
    exit 1
  fi
}

# True when the tool exists and reports VERSION_WANTED (output read whole: with pipefail, grep -q
# closing the pipe early would fail the check now and then).
has() {
  local tool=$1 output
  shift
  [ -x "$bin/$tool" ] && output=$("$bin/$tool" "$@" 2>/dev/null) && grep -q "$VERSION_WANTED" <<<"$output"
}

TOOLS=(helm provider-helm registry etcd kube-apiserver)
for tool in "$@"; do
  if [[ " ${TOOLS[*]} " != *" $tool "* ]]; then
    echo "k8s-tools: unknown tool $tool; known: ${TOOLS[*]}" >&2
    exit 2
  fi
done
if [ $# -gt 0 ]; then wanted=("$@"); else wanted=("${TOOLS[@]}"); fi
# True when the tool was asked for (or nothing was named).
wants() { [[ " ${wanted[*]} " == *" $1 "* ]]; }

VERSION_WANTED="v$HELM_VERSION"
if wants helm && ! has helm version --template '{{.Version}}'; then
  # go install leaves helm's own version at its default minor; the ldflag records the patch too.
  build "helm v$HELM_VERSION" env GOBIN="$bin" go install \
    -ldflags "-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
fi

VERSION_WANTED="v$HELM_PROVIDER_HELM$"
provider_helm="helm-$HELM_PROVIDER_HELM"
if wants provider-helm && ! has "$provider_helm" version --template '{{.Version}}'; then
  # go install names the binary helm: installed into a folder of its own, then renamed beside helm.
  staging="$root/src/provider-helm"
  rm -rf "$staging"
  build "helm v$HELM_PROVIDER_HELM (the Terraform Helm provider $HELM_PROVIDER's) as $provider_helm" env GOBIN="$staging" \
    go install -ldflags "-X helm.sh/helm/v3/internal/version.version=v$HELM_PROVIDER_HELM" \
    "helm.sh/helm/v3/cmd/helm@v$HELM_PROVIDER_HELM"
  mv "$staging/helm" "$bin/$provider_helm"
  rmdir "$staging"
fi

VERSION_WANTED="v$DISTRIBUTION_VERSION$" # not v…+unknown (built without the ldflag)
if wants registry && ! has registry --version; then
  # Without the ldflag the binary reports "v$DISTRIBUTION_VERSION+unknown" (version/version.go).
  build "registry (distribution) v$DISTRIBUTION_VERSION" env GOBIN="$bin" go install \
    -ldflags "-X github.com/distribution/distribution/v3/version.version=v$DISTRIBUTION_VERSION" \
    "github.com/distribution/distribution/v3/cmd/registry@v$DISTRIBUTION_VERSION"
fi

VERSION_WANTED="etcd Version: $ETCD_VERSION"
if wants etcd && ! has etcd --version; then
  src="$root/src/etcd"
  mkdir -p "$src"
  cat >"$src/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  build "etcd v$ETCD_VERSION" bash -c "cd '$src' && rm -f go.mod go.sum && go mod init local/etcd &&
    go get go.etcd.io/etcd/server/v3@v$ETCD_VERSION && go mod tidy && go build -trimpath -o '$bin/etcd' ."
fi

VERSION_WANTED="v$KUBERNETES_VERSION"
if wants kube-apiserver && { ! has kube-apiserver --version || ! has kubectl version --client; }; then
  src="$root/src/kubernetes"
  mkdir -p "$src"
  # k8s.io/kubernetes replaces its staging modules with local folders; as a dependency they come
  # from the proxy instead, at the matching v0.x version.
  build "the k8s.io/kubernetes v$KUBERNETES_VERSION module" go mod download "k8s.io/kubernetes@v$KUBERNETES_VERSION"
  gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  staging_version="v0.${KUBERNETES_VERSION#1.}"
  {
    echo "module local/kubernetes-tools"
    echo
    echo "go 1.25"
    echo
    echo "require k8s.io/kubernetes v$KUBERNETES_VERSION"
    echo
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/.*#replace \1 => \1 '"$staging_version"'#p' "$gomod"
  } >"$src/go.mod"
  cat >"$src/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  ldflags="-X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION#1.}"
  ldflags="${ldflags%.*}"
  build "kube-apiserver and kubectl v$KUBERNETES_VERSION (the slow part)" bash -c "cd '$src' && go mod tidy -e &&
    go build -trimpath -ldflags '$ldflags' -o '$bin/kube-apiserver' k8s.io/kubernetes/cmd/kube-apiserver &&
    go build -trimpath -ldflags '$ldflags' -o '$bin/kubectl' k8s.io/kubernetes/cmd/kubectl"
fi
echo "kubernetes tools (${wanted[*]}) ready in $bin"
