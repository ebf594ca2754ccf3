#!/usr/bin/env bash
# Regenerates the CRDs, RBAC, the Argo CD snippet, the kind reference pages
# (docs/), the release artifacts (dist/) and deepcopy code and fails if that changed any
# file: generated code is regenerated, never edited by hand, and what is
# committed must be what the markers produce. The files are left regenerated,
# so the fix is to review the change and commit it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

generated=(config/crd/bases config/rbac config/argocd/argocd-cm.yaml docs dist)
mapfile -t deepcopy < <(find api -name 'zz_generated.deepcopy.go')
snapshot=$(mktemp -d)
trap 'rm -rf "$snapshot"' EXIT
for path in "${generated[@]}" "${deepcopy[@]}"; do
	[ -e "$path" ] && mkdir -p "$snapshot/$(dirname "$path")" && cp -r "$path" "$snapshot/$path"
done

make --no-print-directory generate manifests >/dev/null
# dist/ is rendered again for the version and image it was released with
# (the Makefile reads them from dist/chart), from config/ as it is now.
make --no-print-directory release >/dev/null

stale=0
for path in "${generated[@]}" $(find api -name 'zz_generated.deepcopy.go'); do
	if ! diff -ru "$snapshot/$path" "$path" >/dev/null 2>&1; then
		echo "stale generated file(s): $path" >&2
		diff -ru "$snapshot/$path" "$path" >&2 || true
		stale=1
	fi
done
if [ "$stale" -ne 0 ]; then
	echo "Generated files were stale and have been regenerated: review and commit them." >&2
	exit 1
fi
echo "Generated files are up to date."
