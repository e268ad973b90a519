#!/usr/bin/env bash
# Builds what the e2e suite runs, from the Go module proxy, into a cache: for each wrapper module
# scripts/e2e/go/kubernetes-1.<minor>/, kube-apiserver, kubectl, etcd and kube-controller-manager
# (whose Job controller creates real Job pods); from
# scripts/e2e/go/istio-1.30/, Istio's injection webhook host (istio-injector) and istioctl.
# A build is keyed by its wrapper's files, so a pin change builds anew and anything else is
# found in the cache: the first run takes about 12 minutes on 2 cores, later ones a second.
#
# Environment: MESHTUNE_CACHE_DIR (default ~/.cache/meshtune). Progress and errors go to stderr;
# stdout prints, per component, "<name> <directory holding its binaries>".
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${MESHTUNE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meshtune}"
# The go command must neither fetch another toolchain nor reach past the module proxy.
export GOTOOLCHAIN=local CGO_ENABLED=0

say() { echo "build-binaries: $*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

command -v go >/dev/null 2>&1 || die "the go command is not in PATH; install Go 1.26 (the wrappers in $here/go need it)."

# The version a wrapper pins for `module`, as go.mod's require line says.
pinned() {
  (cd "$1" && go list -m -f '{{.Version}}' "$2")
}

kubernetes_ldflags() {
  local version="$1" minor
  minor="$(echo "$version" | cut -d. -f2)"
  local pkg=k8s.io/component-base/version
  echo "-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
}

# Istio release-branch commits reach the proxy as pseudo-versions: v0.0.0-<time>-<commit>.
istio_ldflags() {
  local branch="$1" version="$2" commit
  commit="${version##*-}"
  local pkg=istio.io/istio/pkg/version
  echo "-s -w -X $pkg.buildVersion=$branch-$commit -X $pkg.buildGitRevision=$commit -X $pkg.buildStatus=Clean"
}

# build NAME WRAPPER LDFLAGS OUTPUT-NAME=PACKAGE...
build() {
  local name="$1" wrapper="$2" ldflags="$3"
  shift 3
  local key out
  key="$( (cd "$wrapper" && find . -type f -print0 | sort -z | xargs -0 sha256sum; go version; echo "$ldflags $*") | sha256sum | cut -c1-16)"
  out="$cache/$name/$key"
  mkdir -p "$cache/$name"
  exec 9>"$cache/$name/.lock"
  flock 9
  if [ ! -f "$out/BUILD-INFO" ]; then
    local started binary package work
    started="$(date +%s)"
    work="$(mktemp -d "$cache/$name/.build-XXXXXX")"
    say "building $name ($*) with $(go version | awk '{ print $3 }'); log: $work/build.log"
    for target in "$@"; do
      binary="${target%%=*}"
      package="${target#*=}"
      if ! (cd "$wrapper" && go build -trimpath -ldflags "$ldflags" -o "$work/$binary" "$package") >>"$work/build.log" 2>&1; then
        tail -n 30 "$work/build.log" >&2
        die "go build of $package in $wrapper failed (last lines above; full log in $work/build.log)."
      fi
    done
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(($(date +%s) - started))s with $(go version)" >"$work/BUILD-INFO"
    echo "ldflags: $ldflags" >>"$work/BUILD-INFO"
    rm -rf "$out"
    mv "$work" "$out"
    say "built $name in $(($(date +%s) - started))s; cached in $out"
  fi
  ln -sfn "$key" "$cache/$name/current"
  exec 9>&-
  echo "$name $out"
}

for wrapper in "$here"/go/kubernetes-1.*/; do
  wrapper="${wrapper%/}"
  version="$(pinned "$wrapper" k8s.io/kubernetes)"
  build "$(basename "$wrapper")" "$wrapper" "$(kubernetes_ldflags "$version")" \
    kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver kubectl=k8s.io/kubernetes/cmd/kubectl etcd=./etcd \
    kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager
done

istio="$here/go/istio-1.30"
build istio-1.30 "$istio" "$(istio_ldflags 1.30 "$(pinned "$istio" istio.io/istio)")" \
  istio-injector=./injector istioctl=istio.io/istio/istioctl/cmd/istioctl
