#!/usr/bin/env bash
# Runs cmref's fuzz targets with cargo-fuzz for a while each and prints
# executions per second and findings.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]      (default: 60 s, every target)
#
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz).
# Targets build without a sanitizer (`--sanitizer none`, FUZZING.md says
# why: throughput); set FUZZ_SANITIZER=address to get AddressSanitizer back.
# Inputs that crash land in fuzz/artifacts/TARGET/; once understood and
# fixed, copy them to fuzz/regressions/TARGET/ so `cargo test` in fuzz/
# replays them forever.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz_dir="$root/fuzz"
seconds="${1:-60}"
sanitizer="${FUZZ_SANITIZER:-none}"
shift || true
command -v cargo-fuzz >/dev/null || { echo "fuzz.sh: cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 1; }
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir "$fuzz_dir")
fi
# Number of files in a directory (0 if it does not exist yet).
count_files() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }

printf "%-20s %10s %12s %10s %s\n" target seconds executions "execs/s" findings
for target in "${targets[@]}"; do
  log="$(mktemp)"
  mkdir -p "$fuzz_dir/corpus/$target"
  before=$(count_files "$fuzz_dir/artifacts/$target")
  status=0
  cargo +nightly fuzz run --sanitizer "$sanitizer" --fuzz-dir "$fuzz_dir" "$target" "$fuzz_dir/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1 || true)
  took=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1 || true)
  after=$(count_files "$fuzz_dir/artifacts/$target")
  printf "%-20s %10s %12s %10s %s\n" "$target" "$seconds" "${execs:-?}" "${took:-?}" "$((after - before)) new (exit $status)"
  if [ "$status" -ne 0 ]; then
    grep -E "panicked|ERROR|SUMMARY" "$log" | head -5 | sed 's/^/    /'
  fi
  rm -f "$log"
done
