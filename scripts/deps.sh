#!/usr/bin/env bash
# Installs the Debian packages the build and its tools need, only those missing:
# quiet and without apt when all is there. Swift itself comes with the machine.
set -euo pipefail

# The packages come as arguments (the Makefile's DEBIAN_PACKAGES).
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(libnuma-dev valgrind)

command -v swift >/dev/null || {
  echo "deps: no swift on PATH; this project needs Swift 6.1 or later" >&2
  exit 1
}

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "deps: installing ${missing[*]}"
# apt's chatter is shown only when it fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${sudo[@]}" apt-get update -qq &&
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "deps: could not install ${missing[*]}" >&2
  exit 1
fi
