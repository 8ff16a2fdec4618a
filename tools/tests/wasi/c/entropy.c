/* Prints random numbers and times: with a seed and deterministic clocks,
 * every run prints the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    unsigned char r[8];
    getentropy(r, sizeof r);
    for (int i = 0; i < 8; i++) printf("%02x", r[i]);
    printf(" %u\n", arc4random());
    struct timespec m, w;
    clock_gettime(CLOCK_MONOTONIC, &m);
    clock_gettime(CLOCK_REALTIME, &w);
    printf("monotonic %lld.%09ld realtime %lld.%09ld\n", (long long)m.tv_sec, m.tv_nsec,
           (long long)w.tv_sec, w.tv_nsec);
    return 0;
}
