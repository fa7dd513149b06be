#ifndef CORE_H
#define CORE_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "limits.h"

/*
 * The request core: bytes and headers in, status and bytes out.  It
 * does no I/O of its own; the cert download, the profile API and the
 * backends are reached through the function pointers in struct skill_io
 * and struct verifier, so tests and fuzzers can call it directly.
 */

struct verifier;
struct skill_io;

struct core {
	const struct config *cfg;
	struct verifier *verifier;	/* NULL when verify_signature = no */
	struct skill_io *io;		/* per thread */
};

struct core_in {
	const char *body;
	size_t body_len;
	const char *cert_url;		/* SignatureCertChainUrl, or NULL */
	const char *sig256;		/* Signature-256, or NULL */
	const char *sig1;		/* Signature (legacy SHA-1), or NULL */
	time_t now;
};

struct core_out {
	int status;
	char *body;			/* malloc'ed */
	size_t body_len;
	char type[64];
	char request_id[LOG_ID_MAX + 1];
	char outcome[256];		/* never personal data */
};

void core_handle(struct core *c, const struct core_in *in,
    struct core_out *out);
void core_out_free(struct core_out *out);

/* Fills out with a 4xx/5xx JSON error body naming reason. */
void core_error(struct core_out *out, int status, const char *reason);

#endif
