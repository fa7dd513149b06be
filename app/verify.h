#ifndef VERIFY_H
#define VERIFY_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "envelope.h"

/*
 * Request verification (PROTOCOL.md section 5).  Every function returns
 * NULL when the check passes, or a short static reason ("cert_url",
 * "cert_san", "signature", ...) that is logged as "verify: <reason>".
 * Everything fails closed.
 */

struct verifier;

/* Fetches a cert chain: fills buf (at most CERT_CHAIN_MAX bytes). */
typedef const char *(*cert_fetch_fn)(void *ctx, const char *url, char *buf,
    size_t *len);

struct verifier *verifier_new(const struct config *cfg, cert_fetch_fn fetch,
    void *fetch_ctx, char *err, size_t errlen);
void verifier_free(struct verifier *v);

/* Headers and raw body: cert URL rules, chain, SAN, validity, signature. */
const char *verify_signature(struct verifier *v, const char *cert_url,
    const char *sig256, const char *sig1, const char *body, size_t len,
    time_t now);

/* request.timestamp against now, with the event tolerance for events. */
const char *verify_timestamp(const struct config *cfg,
    const struct envelope *env, time_t now);

/* Frees what the calling thread keeps for fast signature checks. */
void verify_thread_done(void);

/* The cert URL rules alone (unit tests, fuzzing). */
const char *verify_cert_url(const char *url);

/*
 * The same, and on success the URL's one spelling in canon:
 * "https://s3.amazonaws.com" and the path with dot-segments removed
 * (host case, ":443" and "/x/../" variants name one file, so one cache
 * entry and one download).
 */
const char *verify_cert_url_canon(const char *url, char *canon,
    size_t canonlen);

/*
 * The verifier core without a cache or network: PEM chain bytes, trust
 * store file, signature, body -> verdict.  For the fuzzer and unit tests.
 */
const char *verify_chain_and_signature(const char *trust_file,
    const char *pem, size_t pem_len, const char *sig256, const char *sig1,
    const char *body, size_t len, time_t now);

/* libcurl download used in production (ctx = the config). */
const char *verify_fetch_curl(void *ctx, const char *url, char *buf,
    size_t *len);

#endif
