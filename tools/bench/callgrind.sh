#!/usr/bin/env bash
# Instruction counts of cmref on each benchmark program at a small n, from
# valgrind's callgrind: unlike wall-clock time, stable from run to run, so
# two versions of cmref can be compared. Needs valgrind and a release build
# of cm-run (cargo build --release --bin cm-run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cm_run="${CM_RUN:-$root/target/release/cm-run}"
[ -x "$cm_run" ] || { echo "callgrind.sh: build cm-run first: cargo build --release --bin cm-run" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is missing (apt-get install -y valgrind)" >&2; exit 1; }
for program_n in "fib 6" "sieve 1" "sha256 1" "matmul 1" "simd 3" "vm 70" "memops 2000"; do
  set -- $program_n
  count=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      "$cm_run" "$root/tools/bench/programs/$1.wasm" --invoke "run($2)" 2>&1 |
      awk '/Collected/ {print $4}')
  printf "%-8s %12s\n" "$1" "$count"
done
