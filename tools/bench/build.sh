#!/usr/bin/env bash
# Rebuild every tools/bench/programs/*.c into programs/*.wasm.
#
# Needs Debian's clang, lld (wasm-ld) and wabt:
#   apt-get install -y clang lld wabt
# Override the tools with CLANG=..., WASM_LD=..., WABT_DIR=... if needed.
#
# The modules use WebAssembly 2.0 only: -mcpu=mvp plus the 2.0 features
# spelled out. A program opts into SIMD (or other extra flags) with a line
# "build-flags: <flags>" in its source. After linking, every module is
# checked: no imports, exports "run", validates with wabt's default (2.0)
# feature set, SIMD ops present only where -msimd128 was asked for.
# Output is deterministic for a given toolchain (no debug info, no paths).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src_dir="$here/programs"

die() { echo "build.sh: error: $*" >&2; exit 1; }

# Print the full path of the first of the given commands found on PATH.
find_tool() {
    local t
    for t in "$@"; do
        if command -v "$t" >/dev/null 2>&1; then
            command -v "$t"
            return 0
        fi
    done
    return 1
}

# Debian also ships versioned names (clang-16, wasm-ld-16, ...).
versions=(21 20 19 18 17 16 15 14)

if [ -n "${CLANG:-}" ]; then
    want="$CLANG"
    CLANG="$(command -v "$want")" || die "CLANG=$want not found"
else
    CLANG="$(find_tool clang "${versions[@]/#/clang-}")" ||
        die "clang not found (apt-get install -y clang lld wabt, or set CLANG=)"
fi
clang_major="$("$CLANG" -dumpversion | cut -d. -f1)"

# Prefer the wasm-ld of the same LLVM release as clang.
if [ -n "${WASM_LD:-}" ]; then
    want="$WASM_LD"
    WASM_LD="$(command -v "$want")" || die "WASM_LD=$want not found"
else
    WASM_LD="$(find_tool "wasm-ld-$clang_major" wasm-ld "${versions[@]/#/wasm-ld-}")" ||
        die "wasm-ld not found (apt-get install -y lld, or set WASM_LD=)"
fi

wabt_tool() {
    local p
    if [ -n "${WABT_DIR:-}" ]; then p="$WABT_DIR/$1"; else p="$(command -v "$1" || true)"; fi
    if [ -z "$p" ] || [ ! -x "$p" ]; then
        die "$1 not found (apt-get install -y wabt, or set WABT_DIR=)"
    fi
    echo "$p"
}
WASM_VALIDATE="$(wabt_tool wasm-validate)"
WASM_OBJDUMP="$(wabt_tool wasm-objdump)"

echo "clang:   $CLANG ($("$CLANG" --version | head -n1))"
echo "wasm-ld: $WASM_LD ($("$WASM_LD" --version | head -n1))"

# WebAssembly 2.0 features used by every program (SIMD only on request).
FEATURES=(-mcpu=mvp -mmutable-globals -msign-ext -mnontrapping-fptoint
          -mbulk-memory -mmultivalue)
CFLAGS=(--target=wasm32 -O2 -std=c11 -ffreestanding
        -Wall -Wextra -Werror -fno-ident "-ffile-prefix-map=$here=.")
# Linked by wasm-ld directly: no entry point, no libc, exports only what
# export_name asks for (plus the memory). --stack-first puts the 64 KiB
# stack below the data so an overflow traps instead of corrupting it. The
# initial memory is what stack + static data need (wasm-ld's default).
LDFLAGS=(--no-entry --stack-first -z stack-size=65536 --strip-debug)

SIMD_OPS='v128\.|i8x16\.|i16x8\.|i32x4\.|i64x2\.|f32x4\.|f64x2\.'

shopt -s nullglob
sources=("$src_dir"/*.c)
[ ${#sources[@]} -gt 0 ] || die "no programs in $src_dir"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for src in "${sources[@]}"; do
    name="$(basename "$src" .c)"
    out="$src_dir/$name.wasm"
    # Extra per-program flags from a "build-flags:" line in the source.
    extra_line="$(sed -n 's/.*build-flags:[[:space:]]*//p' "$src" | head -n1)"
    read -r -a extra <<<"$extra_line"
    (cd "$src_dir" && "$CLANG" "${CFLAGS[@]}" "${FEATURES[@]}" ${extra[@]+"${extra[@]}"} \
        -c -o "$tmp/$name.o" "$name.c") || die "$name: compile failed"
    "$WASM_LD" "${LDFLAGS[@]}" -o "$tmp/$name.wasm" "$tmp/$name.o" || die "$name: link failed"

    headers="$("$WASM_OBJDUMP" -h "$tmp/$name.wasm")"
    if grep -q 'Import' <<<"$headers"; then
        "$WASM_OBJDUMP" -j Import -x "$tmp/$name.wasm" >&2
        die "$name: module has imports"
    fi
    "$WASM_OBJDUMP" -j Export -x "$tmp/$name.wasm" | grep -qF -e '-> "run"' ||
        die "$name: no export \"run\""
    simd_count="$("$WASM_OBJDUMP" -d "$tmp/$name.wasm" | grep -cE "$SIMD_OPS" || true)"
    if [[ " ${extra[*]:-} " == *" -msimd128 "* ]]; then
        "$WASM_VALIDATE" "$tmp/$name.wasm" || die "$name: does not validate as Wasm 2.0"
        [ "$simd_count" -gt 0 ] || die "$name: built with -msimd128 but has no SIMD ops"
    else
        "$WASM_VALIDATE" --disable-simd "$tmp/$name.wasm" ||
            die "$name: does not validate as Wasm 2.0 without SIMD"
    fi
    chmod 644 "$tmp/$name.wasm"
    mv "$tmp/$name.wasm" "$out"
    printf '  %-10s %8d bytes  simd-ops=%d\n' "$name.wasm" "$(wc -c <"$out")" "$simd_count"
done
