/* simd: 128-bit SIMD kernels written with wasm_simd128.h intrinsics.
 * build-flags: -msimd128
 * Each of the n passes
 *   1. blends a 256x256 RGBA foreground into the background in place
 *      (u8 -> u16 widening, multiply-add, divide by 255, narrowing),
 *   2. sums the blended bytes (pairwise extending adds),
 *   3. swaps the R and B channels of the foreground (byte shuffle),
 *   4. computes an f32x4 dot product and relaxes one vector towards
 *      the other (multiply-add on floats).
 * The alpha of the next pass depends on the byte sum of this one. */
#include "bench.h"
#include <wasm_simd128.h>

#define PIXELS (256 * 256)
#define IMG_BYTES (PIXELS * 4)
#define NF 16384

static u8 fg[IMG_BYTES] __attribute__((aligned(16)));
static u8 bg[IMG_BYTES] __attribute__((aligned(16)));
static float va[NF] __attribute__((aligned(16)));
static float vb[NF] __attribute__((aligned(16)));

/* bg = (fg*alpha + bg*(255-alpha)) / 255, rounded; returns the byte sum. */
static u32 blend(u32 alpha) {
    v128_t a = wasm_u16x8_splat((u16)alpha);
    v128_t ia = wasm_u16x8_splat((u16)(255 - alpha));
    v128_t half = wasm_u16x8_splat(128);
    v128_t sum = wasm_i32x4_splat(0);
    for (u32 i = 0; i < IMG_BYTES; i += 16) {
        v128_t f = wasm_v128_load(fg + i);
        v128_t b = wasm_v128_load(bg + i);
        v128_t lo = wasm_i16x8_add(
            wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(f), a),
                           wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(b), ia)),
            half);
        v128_t hi = wasm_i16x8_add(
            wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(f), a),
                           wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(b), ia)),
            half);
        /* x/255 == (x + (x >> 8)) >> 8 for the range used here. */
        lo = wasm_u16x8_shr(wasm_i16x8_add(lo, wasm_u16x8_shr(lo, 8)), 8);
        hi = wasm_u16x8_shr(wasm_i16x8_add(hi, wasm_u16x8_shr(hi, 8)), 8);
        v128_t out = wasm_u8x16_narrow_i16x8(lo, hi);
        wasm_v128_store(bg + i, out);
        sum = wasm_i32x4_add(
            sum, wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(out)));
    }
    return wasm_u32x4_extract_lane(sum, 0) + wasm_u32x4_extract_lane(sum, 1) +
           wasm_u32x4_extract_lane(sum, 2) + wasm_u32x4_extract_lane(sum, 3);
}

/* RGBA -> BGRA on every pixel of fg. */
static void swap_rb(void) {
    for (u32 i = 0; i < IMG_BYTES; i += 16) {
        v128_t p = wasm_v128_load(fg + i);
        p = wasm_i8x16_shuffle(p, p, 2, 1, 0, 3, 6, 5, 4, 7, 10, 9, 8, 11, 14, 13, 12, 15);
        wasm_v128_store(fg + i, p);
    }
}

/* Returns dot(va, vb), then sets va = va*0.5 + vb*0.25. */
static float dot_relax(void) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    v128_t k1 = wasm_f32x4_splat(0.5f);
    v128_t k2 = wasm_f32x4_splat(0.25f);
    for (u32 i = 0; i < NF; i += 4) {
        v128_t x = wasm_v128_load(va + i);
        v128_t y = wasm_v128_load(vb + i);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(x, y));
        wasm_v128_store(va + i, wasm_f32x4_add(wasm_f32x4_mul(x, k1), wasm_f32x4_mul(y, k2)));
    }
    return ((wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
            wasm_f32x4_extract_lane(acc, 2)) +
           wasm_f32x4_extract_lane(acc, 3);
}

EXPORT("run") i64 run(i32 n) {
    u32 x = 0x9e3779b9u;
    for (u32 i = 0; i < IMG_BYTES; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        fg[i] = (u8)x;
        bg[i] = (u8)(x >> 8);
    }
    for (u32 i = 0; i < NF; i++) {
        va[i] = (float)(i % 251u) / 251.0f;
        vb[i] = (float)((i * 7u) % 127u) / 127.0f;
    }
    u64 acc = 0;
    u32 alpha = 77;
    for (i32 pass = 0; pass < n; pass++) {
        u32 s = blend(alpha);
        swap_rb();
        float d = dot_relax();
        acc = mix64(acc, s);
        acc = mix64(acc, f32_bits(d));
        alpha = ((s >> 3) + (u32)pass * 37u) & 255u;
    }
    return (i64)acc;
}
