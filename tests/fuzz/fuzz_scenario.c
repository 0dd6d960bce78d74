/*
 * fuzz.scenario: the scenario loader (kh_scenario_load in
 * engine/src/scenario.c) on arbitrary files, with the repository's
 * fixtures, so that "$fixture" references resolve for real.
 *
 * Each input is written into a fresh mkdtemp() directory under $TMPDIR (or
 * /tmp), named as the loader wants a file of that "name" to be named, and
 * removed again; the loader reads files only, and a fresh directory keeps
 * parallel fuzzing jobs apart.
 *
 * Invariants: a refusal allocates nothing and explains itself in err,
 * each line naming the file; a scenario that loads has a name equal to
 * its "name" member, its document is an object whose "given" holds no
 * unresolved {"$fixture": ...} reference, and it frees cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "fuzz.h"
#include "engine.h"

#define TARGET "fuzz_scenario"
#define FIXTURES KS_SOURCE_DIR "/fixtures"

/* The file name the loader wants for data: the stem of its "name" when
 * it has one (so that the fuzzer gets past the name rule to what follows
 * loading), else a fixed one. */
static void file_name_for(char *out, size_t outsz, const uint8_t *data,
                          size_t size)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    const char *name = kx_json_str(doc, "name");
    char stem[256] = "";

    if (name)
        kh_scenario_stem(stem, sizeof(stem), name);
    snprintf(out, outsz, "%s.json", stem[0] ? stem : "scenario");
    cJSON_Delete(doc);
}

/* Writes data to a new file in a new temporary directory (dir); its path
 * goes into path. */
static int write_temp(char *dir, size_t dirsz, char *path, size_t pathsz,
                      const uint8_t *data, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    char file[300];
    size_t done = 0;
    int fd;

    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(dir, dirsz, "%s/ks-fuzz-scenario-XXXXXX", tmp);
    if (!mkdtemp(dir))
        return -1;
    file_name_for(file, sizeof(file), data, size);
    snprintf(path, pathsz, "%s/%s", dir, file);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        rmdir(dir);
        return -1;
    }
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            unlink(path);
            rmdir(dir);
            return -1;
        }
        done += (size_t)n;
    }
    close(fd);
    return 0;
}

/* 1 when node or anything below it is a one-member {"$fixture": ...}
 * object, which loading must have replaced. */
static int has_fixture_ref(const cJSON *node)
{
    const cJSON *child;

    if (cJSON_IsObject(node) && cJSON_GetArraySize(node) == 1 &&
        cJSON_GetObjectItemCaseSensitive(node, "$fixture"))
        return 1;
    cJSON_ArrayForEach(child, node)
    {
        if (has_fixture_ref(child))
            return 1;
    }
    return 0;
}

static void check_loaded(const struct kh_scenario *sc, const char *path)
{
    const cJSON *name, *given;

    if (!sc || !sc->doc || !cJSON_IsObject(sc->doc))
        fuzz_violation(TARGET, "loaded without a document");
    name = cJSON_GetObjectItemCaseSensitive(sc->doc, "name");
    if (!cJSON_IsString(name) || !sc->name ||
        strcmp(sc->name, name->valuestring) != 0)
        fuzz_violation(TARGET, "loaded with a wrong name");
    if (!sc->path || strcmp(sc->path, path) != 0)
        fuzz_violation(TARGET, "loaded with a wrong path");
    if (sc->tags && !cJSON_IsArray(sc->tags))
        fuzz_violation(TARGET, "tags that are no array");
    given = cJSON_GetObjectItemCaseSensitive(sc->doc, "given");
    if (!cJSON_IsObject(given) || has_fixture_ref(given))
        fuzz_violation(TARGET, "loaded with an unresolved $fixture");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kh_scenario *sc = (struct kh_scenario *)&sc; /* must be reset */
    char dir[3072], path[4096], err[2048];
    int rc;

    if (write_temp(dir, sizeof(dir), path, sizeof(path), data, size) != 0) {
        fprintf(stderr, "%s: cannot write a temporary file: %s\n", TARGET,
                strerror(errno));
        abort();
    }
    memset(err, 'x', sizeof(err));
    rc = kh_scenario_load(&sc, path, FIXTURES, err, sizeof(err));
    if (!memchr(err, '\0', sizeof(err)))
        fuzz_violation(TARGET, "err is not a string");
    if (rc == 0) {
        check_loaded(sc, path);
        if (err[0] != '\0')
            fuzz_violation(TARGET, "loaded, yet with a complaint");
    } else {
        if (rc != -1 || sc != NULL)
            fuzz_violation(TARGET, "a refusal left a scenario");
        if (strncmp(err, path, strlen(path)) != 0)
            fuzz_violation(TARGET, "a refusal that names no file");
    }
    kh_scenario_free(rc == 0 ? sc : NULL);
    unlink(path);
    rmdir(dir);
    return 0;
}
