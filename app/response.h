#ifndef RESPONSE_H
#define RESPONSE_H

#include <stddef.h>

#include <json-c/json.h>

#include "limits.h"

/*
 * The Alexa response builder every handler uses.  Text from users or
 * APIs goes in through speech_text()/response_card_text(), which escape
 * it, drop invalid UTF-8 and control characters, and keep each field
 * inside the Alexa limits by cutting at a word boundary.  Only
 * speech_tag() inserts markup, and only markup the skill wrote itself.
 */

struct speech {
	char buf[SPEECH_MAX + 1];
	size_t len;
	int truncated;		/* stop appending once cut */
};

enum card_type { CARD_NONE, CARD_SIMPLE, CARD_PERMISSIONS };

#define CARD_PERMISSIONS_MAX 8

struct response {
	struct speech speech;
	int has_speech;
	struct speech reprompt;
	int has_reprompt;
	enum card_type card;
	char card_title[256];
	char card_text[CARD_TEXT_MAX + 1];
	const char *permissions[CARD_PERMISSIONS_MAX];
	size_t npermissions;
	json_object *directives;		/* array, owned */
	json_object *session_attributes;	/* object, owned */
	int end_session;			/* -1 absent, 0, 1 */
};

void response_init(struct response *r);
void response_free(struct response *r);

void speech_text(struct speech *s, const char *text);
void speech_tag(struct speech *s, const char *tag);
/* Appends template with {key} placeholders replaced by escaped values. */
void speech_template(struct speech *s, const char *tmpl, const char *const *keys,
    const char *const *values, size_t n);

/* Starts speech / reprompt; returns the buffer to append to. */
struct speech *response_speech(struct response *r);
struct speech *response_reprompt(struct response *r);

void response_card_simple(struct response *r, const char *title,
    const char *text);
void response_card_permissions(struct response *r, const char *const *scopes,
    size_t n);
/* Takes ownership of the directive object. */
void response_directive(struct response *r, json_object *directive);
/* Sets a string session attribute (copied). */
void response_attr(struct response *r, const char *key, const char *value);

/*
 * Serializes to JSON (malloc'ed, caller frees).  The result never exceeds
 * RESPONSE_MAX: optional parts are dropped first if it would.
 */
char *response_serialize(struct response *r, size_t *len);

/* Fills tmpl's {key} placeholders into out (plain text, not escaped). */
void text_template(char *out, size_t outlen, const char *tmpl,
    const char *const *keys, const char *const *values, size_t n);

/* Copies src into dst as valid UTF-8 without control characters. */
size_t text_sanitize(char *dst, size_t dstlen, const char *src);

#endif
