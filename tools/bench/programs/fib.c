/* fib: naive doubly-recursive Fibonacci. Measures call/return overhead.
 * run(n) evaluates fib(22..25) n times (argument cycles with the
 * iteration so nothing can be hoisted) and mixes every result. */
#include "bench.h"

static NOINLINE u32 fib(u32 k) {
    if (k < 2)
        return k;
    return fib(k - 1) + fib(k - 2);
}

EXPORT("run") i64 run(i32 n) {
    u64 acc = 0;
    for (i32 i = 0; i < n; i++)
        acc = mix64(acc, fib(22 + ((u32)i & 3)));
    return (i64)acc;
}
