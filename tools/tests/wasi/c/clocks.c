/* Clocks: monotonic time never goes back, a sleep takes at least its
 * time, the wall clock is after the epoch. */
#include <stdio.h>
#include <time.h>

static long long ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
    long long a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
    printf("monotonic: %s\n", b >= a ? "ok" : "went back");
    struct timespec d = {0, 20000000};
    long long before = ns(CLOCK_MONOTONIC);
    nanosleep(&d, NULL);
    long long slept = ns(CLOCK_MONOTONIC) - before;
    printf("sleep: %s\n", slept >= 20000000 ? "ok" : "too short");
    struct timespec r;
    clock_getres(CLOCK_MONOTONIC, &r);
    printf("resolution: %s\n", r.tv_sec == 0 && r.tv_nsec > 0 ? "ok" : "bad");
    printf("realtime: %s\n", ns(CLOCK_REALTIME) >= 0 ? "ok" : "bad");
    return 0;
}
