/*
 * What redact.c shares with redact_part.c (bodies kept in part): the
 * redactor and the steps of redaction. kh__ prefix; not an interface.
 * Every function here runs with r->lock held.
 */
#ifndef KH_REDACT_INT_H
#define KH_REDACT_INT_H

#include <pthread.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#define MAX_SECRETS 1024
#define MIN_SECRET 6 /* shorter values would mask ordinary text */
#define MAX_NAMES 64

struct kh_redactor {
    pthread_mutex_t lock;
    unsigned char *salt;
    size_t saltlen;
    char *secrets[MAX_SECRETS]; /* credential values seen so far */
    size_t nsecrets;
    char *fields[MAX_NAMES], *credentials[MAX_NAMES]; /* added */
    size_t nfields, ncredentials;
};

/* 1 when c may be part of an e-mail address's local part (and for
 * '\0', which callers stop at themselves). */
int kh__redact_local_char(char c);
/* s with every known secret masked and every e-mail address replaced by
 * its pseudonym; fresh. */
char *kh__redact_scrub(const struct kh_redactor *r, const char *s);
/* The pseudonym of a personal value; fresh. */
char *kh__redact_pseudonym(const struct kh_redactor *r, const char *value);
/* Remembers a credential value, to be masked wherever it appears. */
void kh__redact_remember(struct kh_redactor *r, const char *value);
/* 1 when JSON member name is a personal field of system. */
int kh__redact_is_personal(const struct kh_redactor *r, const char *system,
                           const char *name);
/* A JSON string value of member name (NULL: an array element): the
 * placeholder for a credential (its value remembered), a pseudonym for a
 * personal field, else scrubbed; fresh. */
char *kh__redact_member(struct kh_redactor *r, const char *system,
                        const char *name, const char *value);
/* A query or form text, pair by pair; the pairs appended to list when
 * given; fresh. */
char *kh__redact_pairs(struct kh_redactor *r, const char *system,
                       const char *text, cJSON *list);
/* A body kept in part (form: x-www-form-urlencoded), redacted as far as
 * it can be whole, the rest cut off; fresh. */
char *kh__redact_part(struct kh_redactor *r, const char *system,
                      const char *text, int form);

#endif
