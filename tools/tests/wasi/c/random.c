/* Random bytes: not all zero, and two draws differ. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    unsigned char a[32], b[32], zero[32] = {0};
    if (getentropy(a, sizeof a) || getentropy(b, sizeof b)) { printf("getentropy failed\n"); return 1; }
    printf("nonzero: %s\n", memcmp(a, zero, 32) ? "ok" : "bad");
    printf("differ: %s\n", memcmp(a, b, 32) ? "ok" : "bad");
    return 0;
}
