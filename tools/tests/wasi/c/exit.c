/* Exits with the status given: `exit N`, or returns it from main with
 * `return N`; prints to stdout and stderr first (flushed by exit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int code = argc > 2 ? atoi(argv[2]) : 0;
    printf("out before %s\n", argc > 1 ? argv[1] : "nothing");
    fprintf(stderr, "err before\n");
    if (argc > 1 && !strcmp(argv[1], "exit")) exit(code);
    return code;
}
