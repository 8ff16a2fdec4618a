/* matmul: double-precision 128x128 matrix multiply, repeated.
 * Measures f64 loads, multiplies and adds in a tight loop nest.
 * After each product C = A*B, A is replaced by C/(C+1) (kept in [0,1)),
 * so every pass depends on the previous one. The checksum mixes exact
 * bit patterns of C, so engines must agree bit for bit (IEEE-754 with
 * round-to-nearest, no fused multiply-add in Wasm 2.0). */
#include "bench.h"

#define N 128

static double A[N * N], B[N * N], C[N * N];

static void multiply(void) {
    for (u32 i = 0; i < N * N; i++)
        C[i] = 0.0;
    for (u32 i = 0; i < N; i++) {
        double *crow = &C[i * N];
        for (u32 k = 0; k < N; k++) {
            double a = A[i * N + k];
            const double *brow = &B[k * N];
            for (u32 j = 0; j < N; j++)
                crow[j] += a * brow[j];
        }
    }
}

EXPORT("run") i64 run(i32 n) {
    for (u32 i = 0; i < N * N; i++) {
        A[i] = (double)((i * 7919u) % 1000u) / 1000.0;
        B[i] = (double)((i * 104729u + 17u) % 997u) / 997.0;
    }
    u64 acc = 0;
    for (i32 pass = 0; pass < n; pass++) {
        multiply();
        double trace = 0.0;
        for (u32 i = 0; i < N; i++)
            trace += C[i * N + i];
        acc = mix64(acc, f64_bits(trace));
        acc = mix64(acc, f64_bits(C[((u32)pass * 2654435761u) % (N * N)]));
        for (u32 i = 0; i < N * N; i++)
            A[i] = C[i] / (C[i] + 1.0);
    }
    double total = 0.0;
    for (u32 i = 0; i < N * N; i++)
        total += C[i];
    return (i64)mix64(acc, f64_bits(total));
}
