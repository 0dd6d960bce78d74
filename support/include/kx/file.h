/*
 * Writing a file atomically: whoever reads path sees the old contents or
 * the new ones, never half of them, whatever happens while it is written.
 */
#ifndef KX_FILE_H
#define KX_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* kx_file_write_atomic's flags. */
#define KX_FILE_SYNC_DIR                                                       \
    1u /* fsync path's directory after the rename, so                          \
        * the new name survives a crash too */

/*
 * Writes the len bytes of data to path: into a new temporary file beside
 * it (path.tmp.PID.N, created with O_EXCL and mode, the umask applying),
 * written whole, fsync'd, closed and renamed over path; with
 * KX_FILE_SYNC_DIR, the directory is fsync'd after. Returns 0, or -1 with
 * errno from the step that failed (EIO when a write failed without saying
 * why), path as it was and the temporary file removed (but for a failed
 * directory sync: the new file is in place then); err (errsz bytes,
 * may be NULL) then holds "cannot write FILE: reason", FILE the one the
 * step failed on. Never aborts (no allocation outlives the call; ENOMEM
 * is reported like any other failure).
 */
int kx_file_write_atomic(const char *path, const void *data, size_t len,
                         mode_t mode, unsigned flags, char *err, size_t errsz);

#endif
