/*
 * The corpus replay: a main() for a fuzz target built without libFuzzer.
 * Feeds every regular file of each directory named on the command line
 * to LLVMFuzzerTestOneInput (in name order, so runs repeat), then a few
 * generated inputs that seeds rarely cover: the empty input, every single
 * byte, all 256 byte values in one input, and 64 KiB inputs (one letter,
 * deep nesting, pseudo-random bytes, the first seed repeated).
 *
 * Each input is copied into a heap block of exactly its size, so that
 * AddressSanitizer reports a read one byte past the end, as libFuzzer
 * would. Exits 1 when a directory is missing, unreadable or empty: a
 * replay that runs nothing must not pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

#define LONG_INPUT ((size_t)64 << 10)

static size_t runs;

static void run_one(const void *data, size_t size)
{
    /* malloc(0) may return NULL; libFuzzer never passes NULL. */
    uint8_t *copy = malloc(size ? size : 1);

    if (!copy)
        abort();
    if (size)
        memcpy(copy, data, size);
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
    runs++;
}

/* Reads a whole file; NULL with errno set on failure. */
static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0, got;

    if (!f)
        return NULL;
    for (;;) {
        if (len == cap) {
            uint8_t *grown = realloc(buf, cap ? cap * 2 : 4096);

            if (!grown)
                abort();
            buf = grown;
            cap = cap ? cap * 2 : 4096;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        errno = EIO;
        return NULL;
    }
    fclose(f);
    *size = len;
    return buf;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays one directory; the number of files run, or -1. *first receives
 * the content of the first file (the caller frees it) when still NULL. */
static long replay_dir(const char *dir, uint8_t **first, size_t *first_len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    long ran = 0;

    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') /* ".", "..", and hidden files */
            continue;
        if (n == cap) {
            char **grown =
                realloc(names, (cap ? cap * 2 : 32) * sizeof(*names));

            if (!grown)
                abort();
            names = grown;
            cap = cap ? cap * 2 : 32;
        }
        names[n] = fuzz_strndup(e->d_name, strlen(e->d_name));
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        size_t plen = strlen(dir) + strlen(names[i]) + 2, size = 0;
        char *path = malloc(plen);
        struct stat st;
        uint8_t *data;

        if (!path)
            abort();
        snprintf(path, plen, "%s/%s", dir, names[i]);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        data = slurp(path, &size);
        if (!data) {
            fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
            ran = -1;
            free(path);
            break;
        }
        run_one(data, size);
        ran++;
        if (!*first) {
            *first = data;
            *first_len = size;
        } else {
            free(data);
        }
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (ran == 0)
        fprintf(stderr, "replay: %s: no input files\n", dir);
    return ran > 0 ? ran : -1;
}

static void fill(uint8_t *buf, size_t size, uint8_t byte)
{
    memset(buf, byte, size);
}

/* The generated edge cases; first (may be NULL) is a seed to repeat. */
static void replay_generated(const uint8_t *first, size_t first_len)
{
    uint8_t *buf = malloc(LONG_INPUT);
    uint64_t state = 0x6b696e73796e63u; /* fixed: runs repeat */

    if (!buf)
        abort();
    run_one("", 0);
    for (int b = 0; b < 256; b++) {
        uint8_t one = (uint8_t)b;

        run_one(&one, 1);
        buf[b] = (uint8_t)b;
    }
    run_one(buf, 256);
    fill(buf, LONG_INPUT, 'A');
    run_one(buf, LONG_INPUT);
    fill(buf, LONG_INPUT, '(');
    run_one(buf, LONG_INPUT);
    fill(buf, LONG_INPUT, '[');
    run_one(buf, LONG_INPUT);
    for (size_t i = 0; i < LONG_INPUT; i++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        buf[i] = (uint8_t)(state >> 56);
    }
    run_one(buf, LONG_INPUT);
    if (first && first_len) {
        for (size_t i = 0; i < LONG_INPUT; i++)
            buf[i] = first[i % first_len];
        run_one(buf, LONG_INPUT);
    }
    free(buf);
}

int main(int argc, char **argv)
{
    uint8_t *first = NULL;
    size_t first_len = 0, from_corpus = 0;
    int status = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        long ran = replay_dir(argv[i], &first, &first_len);

        if (ran < 0)
            status = 1;
        else
            from_corpus += (size_t)ran;
    }
    replay_generated(first, first_len);
    free(first);
    printf("replay: %zu inputs ran (%zu from the corpus, %zu generated)\n",
           runs, from_corpus, runs - from_corpus);
    return status;
}
