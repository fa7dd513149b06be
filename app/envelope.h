#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stddef.h>
#include <time.h>

#include "jtree.h"

/*
 * The Alexa request envelope (PROTOCOL.md section 1), parsed and checked
 * against a table of fields.  Every string pointer below points into
 * doc and lives as long as the envelope; slots is a doc node index
 * (JNONE when absent).
 */

enum req_kind {
	RK_LAUNCH = 1 << 0,
	RK_INTENT = 1 << 1,
	RK_ENDED = 1 << 2,
	RK_RESUMED = 1 << 3,
	RK_CONN_RESPONSE = 1 << 4,
	RK_EVENT = 1 << 5,
	RK_OTHER = 1 << 6,
};

struct envelope {
	struct jdoc doc;
	enum req_kind kind;
	const char *type;
	const char *request_id;
	const char *timestamp;
	time_t time;
	const char *locale;		/* NULL for events */
	const char *application_id;
	const char *user_id;
	const char *person_id;		/* NULL: speaker not recognized */
	const char *api_endpoint;
	const char *api_token;
	int has_session;
	int session_new;
	const char *intent_name;
	const char *dialog_state;
	int slots;
	char why[96];			/* room for a failure reason */
};

/* Parses and validates; on failure returns -1 and a static reason. */
int envelope_parse(struct envelope *env, const char *body, size_t len,
    const char **why);
void envelope_free(struct envelope *env);

/* A slot's value, or NULL when the slot is missing or has no value. */
const char *envelope_slot(const struct envelope *env, const char *name);

/* Parses "2026-11-30T12:00:00Z" (fractional seconds allowed). */
int envelope_parse_time(const char *s, time_t *out);

#endif
