/* Paths that leave the preopened /data are refused: each line names a
 * path and the errno opening it gives. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *name(int e) {
    switch (e) {
    case 0: return "ok";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case ELOOP: return "ELOOP";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case ENOTDIR: return "ENOTDIR";
    default: return strerror(e);
    }
}

static void try(const char *p) {
    errno = 0;
    int fd = open(p, O_RDONLY);
    printf("%s: %s\n", p, name(fd >= 0 ? 0 : errno));
    if (fd >= 0) close(fd);
}

int main(void) {
    try("/data/inside.txt");
    try("/data/../secret.txt");
    try("/data/sub/../../secret.txt");
    try("/data/sub/../inside.txt");
    try("/data/link-in/inside.txt");
    try("/data/link-out-relative");
    try("/data/link-out-absolute");
    try("/data/link-dir-out/secret.txt");
    try("/data/link-loop");
    try("/secret.txt");
    try("/etc/passwd");
    errno = 0;
    int r = symlink("/etc/passwd", "/data/new-absolute-link");
    printf("symlink to an absolute path: %s\n", name(r ? errno : 0));
    return 0;
}
