/*
 * The one atomic file write (kx/file.h): the serve command's ready file,
 * the scenario reports and the OEE flow's DMT files go through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "kx/file.h"

#define TEMP_ATTEMPTS 100

/* A new file beside path, its name in tmp: O_EXCL, so a name already
 * taken (a leftover, another writer) is never reused; the next attempt
 * tries another one. The descriptor, or -1 with errno. */
static int create_temp(char *tmp, size_t tmpsz, const char *path, mode_t mode)
{
    struct timespec ts;
    int fd = -1;

    for (long attempt = 0; attempt < TEMP_ATTEMPTS && fd < 0; attempt++) {
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(tmp, tmpsz, "%s.tmp.%ld.%ld", path, (long)getpid(),
                 (long)ts.tv_nsec + attempt);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    return fd;
}

/* All of data to fd; 0, or -1 with errno. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsync of path's directory; 0, or -1 with errno. */
static int sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    char *dir = malloc(n + 2);
    int fd, rc = -1;

    if (!dir)
        return -1;
    if (!slash)
        memcpy(dir, ".", 2);
    else if (n == 0)
        memcpy(dir, "/", 2);
    else {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        rc = fsync(fd);
        if (close(fd) != 0)
            rc = -1;
    }
    free(dir);
    return rc;
}

int kx_file_write_atomic(const char *path, const void *data, size_t len,
                         mode_t mode, unsigned flags, char *err, size_t errsz)
{
    size_t tmpsz = strlen(path) + 64; /* ".tmp." and two longs */
    char *tmp = malloc(tmpsz);
    const char *failed = path;
    int fd = -1, saved = 0, rc = -1;

    if (!tmp) {
        saved = errno ? errno : ENOMEM;
        goto out;
    }
    fd = create_temp(tmp, tmpsz, path, mode);
    if (fd < 0) {
        saved = errno;
        failed = tmp;
        goto out; /* nothing was created */
    }
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        goto fail;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        saved = errno;
        goto fail;
    }
    /* the file is in place; a failing directory sync is still said */
    if ((flags & KX_FILE_SYNC_DIR) && sync_dir(path) != 0) {
        saved = errno;
        goto out;
    }
    rc = 0;
    goto out;
fail:
    unlink(tmp);
out:
    if (rc && err && errsz)
        snprintf(err, errsz, "cannot write %s: %s", failed, strerror(saved));
    free(tmp);
    if (rc)
        errno = saved;
    return rc;
}
