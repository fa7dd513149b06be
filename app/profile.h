#ifndef PROFILE_H
#define PROFILE_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "envelope.h"

/*
 * Recognized-speaker contact information (PROTOCOL.md sections 2-3).
 *
 * profile_fetch() asks the Person Profile API when the request has a
 * recognized speaker and the Customer Profile API otherwise (email only
 * exists there), for several fields in parallel, within api_timeout_ms
 * in total.  Each field has its kept connection per thread (libcurl
 * connects, app/http1.c frames the GET and its answer); missing ones are
 * opened first, all at once.  The result lives in a struct the
 * handler owns for this request only; profile_wipe() clears it.  Nothing
 * but the connections (no personal data) outlives the request.
 */

enum profile_field { PF_GIVEN_NAME, PF_NAME, PF_MOBILE, PF_EMAIL, PF_COUNT };

#define PF_BIT(f) (1u << (f))

enum profile_status {
	PS_NOT_REQUESTED,
	PS_OK,
	PS_NOT_SET,		/* 204 */
	PS_NO_PERMISSION,	/* 403 */
	PS_UNAUTHORIZED,	/* 401 */
	PS_THROTTLED,		/* 429 */
	PS_UNAVAILABLE,		/* 5xx, timeout, network, bad body, not allowed */
};

/*
 * A name or email, in bytes with its NUL: far above any real name even
 * in a 3-byte script (about 340 characters); a longer one is malformed.
 */
#define PROFILE_TEXT_MAX 1024

struct profile_value {
	enum profile_status status;
	char text[PROFILE_TEXT_MAX];	/* name or email */
	char e164[20];			/* mobile: +CCNNNN... */
	char last2[3];			/* mobile: last two digits, for speech */
};

struct profile {
	int person;			/* 1: Person Profile API was used */
	struct profile_value v[PF_COUNT];
};

struct backend_req {
	const char *what;		/* "booking", "sms": for the log */
	const char *url;
	const char *content_type;
	const char *body;
	size_t len;
	const char *idempotency_key;	/* or NULL */
	const char *aws_sigv4;		/* "aws:amz:REGION:sns" or NULL */
	int timeout_ms;
};

struct backend_res {
	long status;			/* 0: no HTTP answer */
	char body[BACKEND_BODY_MAX + 1];
	size_t len;
	const char *error;		/* NULL, "timeout", "network", ... */
};

/*
 * Outbound I/O of one worker thread.  The function pointers are the seam
 * tests use to run the skill without a network.
 */
struct skill_io {
	const struct config *cfg;
	void (*profile_fetch)(struct skill_io *io, const struct envelope *env,
	    unsigned fields, struct profile *out);
	void (*backend_post)(struct skill_io *io, const struct backend_req *req,
	    struct backend_res *res);
	void *state;
	/*
	 * When the request being served must have its answer (CLOCK_MONOTONIC,
	 * set by core_handle: REPLY_BUDGET_MS after its start).  Every call
	 * ends by then.
	 */
	struct timespec reply_by;
};

struct skill_io *profile_io_new(const struct config *cfg);
void profile_io_free(struct skill_io *io);

void profile_wipe(struct profile *p);
const char *profile_status_name(enum profile_status s);
const char *profile_field_name(enum profile_field f);

/* API path for field; NULL when that API does not offer it. */
const char *profile_path(enum profile_field f, int person);

/*
 * Maps one API answer (status, body) to a value.  Pure: the fuzzer and
 * unit tests call it directly.
 */
void profile_parse(enum profile_field f, long http_status, const char *body,
    size_t len, struct profile_value *out);

/* The origin rule: apiEndpoint must be one of api_allowed_origins. */
int profile_endpoint_allowed(const struct config *cfg, const char *endpoint);

#endif
