/* sieve: sieve of Eratosthenes over a 4 MiB byte array.
 * Measures byte loads/stores, strided memory access and simple loops.
 * Each of the n passes uses a slightly different limit and mixes
 * the prime count and prime sum into the checksum. */
#include "bench.h"

#define SIEVE_BYTES (4u << 20)

static u8 composite[SIEVE_BYTES];

static u64 sieve_pass(u32 limit) {
    for (u32 i = 0; i < limit; i++)
        composite[i] = 0;
    u32 count = 0;
    u64 sum = 0;
    for (u32 p = 2; p < limit; p++) {
        if (composite[p])
            continue;
        count++;
        sum += p;
        if ((u64)p * p < limit)
            for (u32 m = p * p; m < limit; m += p)
                composite[m] = 1;
    }
    return sum ^ ((u64)count << 40);
}

EXPORT("run") i64 run(i32 n) {
    u64 acc = 0;
    for (i32 i = 0; i < n; i++) {
        u32 limit = SIEVE_BYTES - ((u32)i & 15) * 4099;
        acc = mix64(acc, sieve_pass(limit));
    }
    return (i64)acc;
}
