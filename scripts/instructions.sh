#!/usr/bin/env bash
# Prints instructions per malloc+free pair, counted by valgrind's callgrind: a figure
# that repeats exactly from run to run, unlike a time on a shared machine.
#   scripts/instructions.sh [--ops N] BINARY [WORKLOAD:TARGET ...]
# BINARY is a release build of arenastress; the default pairs are pair-100 and
# simple-100-s64 on the model and on glibc. Each pair is run with `bench --single`
# twice, with N ops and with none; the difference over N leaves out the fixed cost of
# starting the process. N must be a whole number of rounds of every simple workload
# (a multiple of 1600 does for all). The threaded malloc workloads count too (for
# example larson-1t:model larson-1t:glibc): every thread's instructions, the harness's
# and, for larson, each new round's thread start included.
set -euo pipefail

ops=1000000
if [ "${1:-}" = --ops ]; then
  ops=$2
  shift 2
fi
[ $# -ge 1 ] || { echo "usage: scripts/instructions.sh [--ops N] BINARY [WORKLOAD:TARGET ...]" >&2; exit 2; }
binary=$1
shift
[ -x "$binary" ] || { echo "instructions: no executable at $binary" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "instructions: valgrind is not installed (make deps)" >&2; exit 2; }
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(pair-100:model pair-100:glibc simple-100-s64:model simple-100-s64:glibc)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# valgrind cannot read this toolchain's Swift debug info: it counts a copy without it.
cp "$binary" "$tmp/arenastress"
strip -g "$tmp/arenastress"

# count WORKLOAD TARGET OPS: total instructions of one untimed run
count() {
  local out="$tmp/callgrind.out"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$tmp/arenastress" bench --single "$1" --target "$2" --ops "$3" >"$tmp/stdout" 2>"$tmp/stderr" || {
    tail -5 "$tmp/stderr" >&2
    exit 1
  }
  local total
  total=$(grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}')
  [ -n "$total" ] || { echo "instructions: callgrind gave no total" >&2; exit 1; }
  echo "$total"
}

printf '%-18s %-6s %12s  %s\n' workload target ops "instructions per malloc+free pair"
for run in "${runs[@]}"; do
  workload=${run%%:*}
  target=${run#*:}
  full=$(count "$workload" "$target" "$ops")
  empty=$(count "$workload" "$target" 0)
  awk -v w="$workload" -v t="$target" -v n="$ops" -v full="$full" -v empty="$empty" \
    'BEGIN { printf "%-18s %-6s %12d  %.1f\n", w, t, n, (full - empty) / n }'
done
