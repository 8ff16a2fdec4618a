/* Prints the environment in order, then one variable by name. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(void) {
    for (char **e = environ; *e; e++) printf("%s\n", *e);
    const char *v = getenv("GREETING");
    printf("GREETING=%s\n", v ? v : "(unset)");
    return 0;
}
