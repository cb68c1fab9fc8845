/* Baseline for the decoder benchmark: read a file in 64 KiB chunks and count LF bytes with
 * memchr. This is the floor any SSE parser pays (read the bytes, find the line ends). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: memchr_count FILE\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror(argv[1]); return 1; }
    static char buffer[1 << 16];
    long lines = 0;
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        const char *p = buffer, *end = buffer + n;
        while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) { lines++; p++; }
    }
    printf("%ld\n", lines);
    return 0;
}
