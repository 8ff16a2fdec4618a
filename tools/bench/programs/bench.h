/* Shared definitions for the freestanding benchmark programs.
 * No libc: only compiler builtins and our own code. */
#ifndef CMREF_BENCH_H
#define CMREF_BENCH_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int i32;
typedef long long i64;

/* The single exported entry point of every program. */
#define EXPORT(name) __attribute__((export_name(name)))
#define NOINLINE __attribute__((noinline))

/* Mix a 64-bit value into a running checksum (splitmix64-style finaliser). */
static inline u64 mix64(u64 acc, u64 v) {
    u64 z = acc ^ (v + 0x9e3779b97f4a7c15ull + (acc << 6) + (acc >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Bit pattern of a double, for exact float checksums. */
static inline u64 f64_bits(double d) {
    union { double d; u64 u; } x;
    x.d = d;
    return x.u;
}

static inline u32 f32_bits(float f) {
    union { float f; u32 u; } x;
    x.f = f;
    return x.u;
}

#endif
