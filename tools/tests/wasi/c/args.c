/* Prints its arguments after argv[0], and whether argv[0] is the file. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    size_t n = strlen(argv[0]);
    printf("argc=%d argv0=%s\n", argc, n > 5 && !strcmp(argv[0] + n - 5, ".wasm") ? "file" : argv[0]);
    for (int i = 1; i < argc; i++) printf("[%s]\n", argv[i]);
    return 0;
}
