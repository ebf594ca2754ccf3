#!/usr/bin/env bash
# Builds Kiot's pinned tools from their Go modules into a cache outside the
# repository and prints the directory that holds them.
#
# Nothing here downloads a binary: setup-envtest's archives are out of reach,
# so kube-apiserver, etcd and kubectl are compiled from the module proxy's
# sources, pinned by hack/tools/go.mod. The cache directory is keyed by a hash
# of this module, so a change of pins builds afresh while every clone on the
# machine shares one build. Progress goes to stderr; stdout is only the path.
#
# Usage: hack/tools/install.sh [tool ...]   (default: all tools)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${KIOT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kiot/tools}
key=$(cd "$here" && cat go.mod go.sum install.sh $(find cmd -name '*.go' | sort) | sha256sum | cut -c1-16)
bin="$cache_root/$key"

k8s_version=$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$here/go.mod")
k8s_minor=$(echo "$k8s_version" | cut -d. -f2)
# Stamp the real release so `kube-apiserver --version` and `kubectl version`
# report v1.x.y rather than v0.0.0-master (the API server also derives its
# emulation version from it).
version_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	version_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
	version_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

declare -A source=(
	[controller-gen]=sigs.k8s.io/controller-tools/cmd/controller-gen
	[kustomize]=sigs.k8s.io/kustomize/kustomize/v5
	[kube-apiserver]=./cmd/kube-apiserver
	[etcd]=./cmd/etcd
	[kubectl]=./cmd/kubectl
)
declare -A why=(
	[controller-gen]="generates CRDs, RBAC and deepcopy code"
	[kustomize]="renders config/ for deployment"
	[kube-apiserver]="the envtest control plane; a cold build takes about 8 minutes on 2 cores"
	[etcd]="the envtest control plane's store"
	[kubectl]="applies manifests in tests and in the local run"
)
order=(controller-gen kustomize etcd kube-apiserver kubectl)

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${order[@]}")

mkdir -p "$bin"
for tool in "${wanted[@]}"; do
	pkg=${source[$tool]:-}
	[ -n "$pkg" ] || { echo "install.sh: unknown tool $tool" >&2; exit 2; }
	[ -x "$bin/$tool" ] && continue
	echo "kiot tools: building $tool ($k8s_version toolchain) — ${why[$tool]} — into $bin" >&2
	start=$(date +%s)
	(cd "$here" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $version_ldflags" -o "$bin/$tool.tmp" "$pkg")
	mv "$bin/$tool.tmp" "$bin/$tool"
	echo "kiot tools: built $tool in $(($(date +%s) - start))s" >&2
done
echo "$bin"
