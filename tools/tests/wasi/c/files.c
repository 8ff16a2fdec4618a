/* Files and directories under the preopened /data. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { printf("opendir %s: %s\n", dir, strerror(errno)); return; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%s:", dir);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

int main(void) {
    char buf[64];
    FILE *f = fopen("/data/input.txt", "r");
    if (!f) { printf("fopen input: %s\n", strerror(errno)); return 1; }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    printf("input: %s", buf);

    if (mkdir("/data/d", 0755)) printf("mkdir: %s\n", strerror(errno));
    f = fopen("/data/d/f.txt", "w");
    fputs("hello\n", f);
    fclose(f);
    f = fopen("/data/d/f.txt", "a");
    fputs("world\n", f);
    fclose(f);
    struct stat st;
    stat("/data/d/f.txt", &st);
    printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    int fd = open("/data/d/f.txt", O_RDWR);
    lseek(fd, 6, SEEK_SET);
    n = read(fd, buf, sizeof buf - 1);
    buf[n] = 0;
    printf("at 6: %s", buf);
    ftruncate(fd, 5);
    fstat(fd, &st);
    printf("truncated to %lld\n", (long long)st.st_size);
    close(fd);
    list("/data");
    list("/data/d");
    if (rename("/data/d/f.txt", "/data/g.txt")) printf("rename: %s\n", strerror(errno));
    if (rmdir("/data/d")) printf("rmdir: %s\n", strerror(errno));
    if (open("/data/missing", O_RDONLY) < 0) printf("missing: %s\n", strerror(errno));
    if (mkdir("/data/g.txt", 0755)) printf("mkdir existing: %s\n", strerror(errno));
    if (unlink("/data/g.txt")) printf("unlink: %s\n", strerror(errno));
    list("/data");
    return 0;
}
