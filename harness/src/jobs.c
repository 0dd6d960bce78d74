/* The job tables of every connector module, searched in order. */
#include <string.h>
#include "run_int.h"

extern const struct kh_job kh_jobs_epicor[];
extern const struct kh_job kh_jobs_bigcommerce[];
extern const struct kh_job kh_jobs_woocommerce[];

const struct kh_job *const kh__job_tables[] = {
    kh_jobs_epicor, kh_jobs_bigcommerce, kh_jobs_woocommerce, NULL};

const struct kh_job *kh__job_find(const char *name)
{
    for (size_t t = 0; kh__job_tables[t]; t++) {
        for (const struct kh_job *j = kh__job_tables[t]; j->name; j++) {
            if (strcmp(j->name, name) == 0)
                return j;
        }
    }
    return NULL;
}
