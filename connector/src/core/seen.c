/* The bounded set of recently seen strings (seen.h). */
#include <string.h>
#include "seen.h"

ks_rc ks__seen_init(struct ks__seen *s, size_t max)
{
    memset(s, 0, sizeof(*s));
    s->max = max ? max : 1024;
    s->v = ks__calloc(s->max, sizeof(*s->v));
    return s->v ? KS_OK : KS_ENOMEM;
}

void ks__seen_dispose(struct ks__seen *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->v && i < s->max; i++)
        ks__free(s->v[i]);
    ks__free(s->v);
    memset(s, 0, sizeof(*s));
}

int ks__seen_has(const struct ks__seen *s, const char *key)
{
    for (size_t i = 0; i < s->len; i++) {
        if (s->v[i] && strcmp(s->v[i], key) == 0)
            return 1;
    }
    return 0;
}

ks_rc ks__seen_add(struct ks__seen *s, const char *key)
{
    char *copy = ks__strdup(key);

    if (!copy)
        return KS_ENOMEM;
    ks__free(s->v[s->next]);
    s->v[s->next] = copy;
    s->next = (s->next + 1) % s->max;
    if (s->len < s->max)
        s->len++;
    return KS_OK;
}

void ks__seen_remove(struct ks__seen *s, const char *key)
{
    for (size_t i = 0; i < s->len; i++) {
        if (s->v[i] && strcmp(s->v[i], key) == 0) {
            ks__free(s->v[i]);
            s->v[i] = NULL;
        }
    }
}
