/* memops: bulk memory operations on a 1 MiB buffer.
 * Measures memory.copy (overlapping moves) and memory.fill, which the
 * compiler emits for __builtin_memmove/__builtin_memset with bulk memory.
 * Each of the n passes does 8 pseudo-random moves/fills of up to 32 KiB
 * and samples the destination; a final hash covers the whole buffer. */
#include "bench.h"

#define BUF_BYTES (1u << 20)

static u8 buf[BUF_BYTES] __attribute__((aligned(8)));

static u64 rng_state;

static u32 next_rand(void) {
    u64 x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (u32)(x >> 16);
}

static u64 load_u64(const u8 *p) {
    u64 v;
    __builtin_memcpy(&v, p, 8);
    return v;
}

EXPORT("run") i64 run(i32 n) {
    for (u32 i = 0; i < BUF_BYTES; i++)
        buf[i] = (u8)(i * 31u ^ (i >> 9));
    rng_state = 0x2545f4914f6cdd1dull;
    u64 acc = 0;
    for (i32 pass = 0; pass < n; pass++) {
        for (u32 op = 0; op < 8; op++) {
            u32 r = next_rand();
            u32 len = (r & 0x7fffu) + 16u;
            u32 dst = next_rand() % (BUF_BYTES - len);
            if ((op & 3u) == 3u) {
                __builtin_memset(buf + dst, (int)(r >> 24), len);
            } else {
                u32 src = next_rand() % (BUF_BYTES - len);
                __builtin_memmove(buf + dst, buf + src, len);
            }
            acc = mix64(acc, load_u64(buf + dst + (len >> 1)));
        }
    }
    /* FNV-1a over 64-bit words of the final buffer. */
    u64 h = 0xcbf29ce484222325ull;
    for (u32 i = 0; i < BUF_BYTES; i += 8)
        h = (h ^ load_u64(buf + i)) * 0x100000001b3ull;
    return (i64)mix64(acc, h);
}
