#!/usr/bin/env bash
# Prepares what the e2e suite runs, offline: Debian's etcd, and kube-apiserver and a kubectl of the
# same version, built from Debian's kubernetes source package. Only the first run builds (about 4
# minutes on 2 cores); later runs find the binaries in the cache and return at once. Prints the
# directory holding the binaries as the last line of stdout; progress and errors go to stderr.
#
# Environment: MESHTUNE_CACHE_DIR (default ~/.cache/meshtune), MESHTUNE_KEEP_BUILD=1 keeps the
# source tree after a successful build (it is always kept after a failed one).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
patch_file="$here/reflect2-v1.0.2.patch"
cache="${MESHTUNE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meshtune}"
# patch and dpkg-dev unpack the source package; make and rsync drive Kubernetes' own build.
packages=(etcd-server golang-go rsync make patch dpkg-dev)

say() { echo "build-kube-apiserver: $*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_update_once() {
  [ -n "$apt_updated" ] && return 0
  say "apt-get update"
  as_root apt-get update -qq || die "apt-get update failed; the Debian mirror must be reachable for the first run."
  apt_updated=1
}

ensure_packages() {
  local missing=() package
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  apt_update_once
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    die "could not install ${missing[*]} with apt-get; install them by hand and run this script again."
}

source_version() {
  apt-cache showsrc --only-source kubernetes 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -V | tail -n 1
}

# Adds deb-src entries mirroring the configured deb entries, once, so `apt-get source` works.
ensure_deb_src() {
  [ -n "$(source_version)" ] && return 0
  local list=/etc/apt/sources.list.d/meshtune-deb-src
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -e 's/^Types:.*$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | as_root tee "$list.sources" >/dev/null
  elif [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
    sed -n -e 's/^deb /deb-src /p' /etc/apt/sources.list | as_root tee "$list.list" >/dev/null
  else
    die "found no Debian apt source to derive a deb-src line from; add a deb-src line for Debian to /etc/apt/sources.list."
  fi
  say "added deb-src entries in $list.*"
  apt_updated=""
  apt_update_once
  [ -n "$(source_version)" ] ||
    die "Debian's kubernetes source package is not available from the configured apt sources (apt-cache showsrc kubernetes finds nothing)."
}

go_minor() {
  go version | sed -n -e 's/.*go1\.\([0-9]*\).*/\1/p'
}

# Unpacks the source package once per version and brings the vendored reflect2 to v1.0.2.
prepare_source() {
  local work="$1" version="$2"
  if [ ! -f "$work/.prepared" ]; then
    rm -rf "$work"
    mkdir -p "$work"
    say "apt-get source kubernetes=$version (into $work)"
    (cd "$work" && apt-get source -qq -o APT::Sandbox::User=root "kubernetes=$version" >&2) ||
      die "apt-get source kubernetes=$version failed; see the output above."
    local src
    src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)"
    [ -n "$src" ] || die "apt-get source left no kubernetes-* directory in $work."
    # Kubernetes 1.20 vendors reflect2 v1.0.1, whose mapiterinit linkname predates Go 1.18; built
    # with a newer Go, the apiserver dies at run time with "fatal error: fault" in mapiterinit.
    patch -d "$src" -p1 -E --forward --quiet <"$patch_file" ||
      die "the reflect2 v1.0.2 patch did not apply to $src; the source package no longer vendors reflect2 v1.0.1, so update $patch_file."
    echo "$src" >"$work/.prepared"
  fi
  cat "$work/.prepared"
}

build() {
  local src="$1" log="$2"
  local minor
  minor="$(go_minor)"
  [ -n "$minor" ] && [ "$minor" -ge 15 ] || die "Kubernetes 1.20 needs Go >= 1.15, found: $(go version)."
  say "building kube-apiserver and kubectl with $(go version | awk '{ print $3 }'); this first build takes about 4 minutes on 2 cores; log: $log"
  # Kubernetes' make sets its own GOPATH and builds in module mode from vendor/; a GOFLAGS or
  # GO111MODULE from the caller's environment would override that.
  if ! env -u GOFLAGS -u GO111MODULE -u GOBIN make -C "$src" WHAT="cmd/kube-apiserver cmd/kubectl" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "make WHAT=\"cmd/kube-apiserver cmd/kubectl\" failed in $src (last lines above, full log in $log)."
  fi
}

# Each binary can report its version: it exists, is complete, and starts.
runs() {
  case "$(basename "$1")" in
    kubectl) "$1" version --client >/dev/null 2>&1 ;;
    *) "$1" --version >/dev/null 2>&1 ;;
  esac
}

main() {
  ensure_packages
  ensure_deb_src
  local version patch_sum key out
  version="$(source_version)"
  patch_sum="$(sha256sum "$patch_file" | cut -c1-12)"
  key="${version}_reflect2-${patch_sum}"
  out="$cache/kubernetes/$key"

  # Two suites starting at once would otherwise build into the same tree.
  mkdir -p "$cache/kubernetes"
  exec 9>"$cache/kubernetes/.lock"
  flock 9

  if runs "$out/kube-apiserver" && runs "$out/kubectl"; then
    ln -sfn "$key" "$cache/kubernetes/current"
    echo "$out"
    return 0
  fi

  local work="$cache/build/$key" src started binary
  started="$(date +%s)"
  src="$(prepare_source "$work" "$version")"
  build "$src" "$work/build.log"
  for binary in kube-apiserver kubectl; do
    runs "$src/_output/bin/$binary" || die "make finished but $src/_output/bin/$binary is missing or does not run; see $work/build.log."
  done

  rm -rf "$out"
  mkdir -p "$out"
  install -m 0755 "$src/_output/bin/kube-apiserver" "$src/_output/bin/kubectl" "$out/"
  {
    echo "source: Debian source package kubernetes $version"
    echo "version: $("$out/kube-apiserver" --version)"
    echo "go: $(go version)"
    echo "patch: $(basename "$patch_file") sha256 $patch_sum..."
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(($(date +%s) - started))s"
  } >"$out/BUILD-INFO"
  ln -sfn "$key" "$cache/kubernetes/current"
  [ "${MESHTUNE_KEEP_BUILD:-}" = "1" ] || rm -rf "$work"
  say "built $("$out/kube-apiserver" --version) in $(($(date +%s) - started))s; cached in $out"
  echo "$out"
}

main "$@"
