#!/usr/bin/env bash
# `npm run test:e2e`: builds (or finds in the cache) what the suite runs, then runs the suite once
# per pinned Kubernetes release, newest first. MESHTUNE_E2E_KUBERNETES=1.34 runs one release only;
# arguments go to vitest, e.g. `npm run test:e2e -- test/e2e/istio.test.ts -t "native sidecar"`.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/e2e/build-binaries.sh >/dev/null

if [ -n "${MESHTUNE_E2E_KUBERNETES:-}" ]; then
  versions=("$MESHTUNE_E2E_KUBERNETES")
else
  mapfile -t versions < <(find scripts/e2e/go -maxdepth 1 -type d -name 'kubernetes-1.*' -printf '%f\n' | sed 's/^kubernetes-//' | sort -t. -k2,2nr)
fi
for version in "${versions[@]}"; do
  echo "== e2e suite against Kubernetes $version"
  MESHTUNE_E2E_KUBERNETES="$version" npx vitest run --config vitest.e2e.config.ts "$@"
done
