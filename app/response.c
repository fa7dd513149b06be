#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "response.h"

#define SPEAK_OPEN "<speak>"
#define SPEAK_CLOSE "</speak>"

/*
 * Length of the UTF-8 sequence at s (at most n bytes), or 0 when it is
 * not valid (overlong forms, surrogates and code points past U+10FFFF
 * included).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

/*
 * Walks text as sanitized units: a valid UTF-8 sequence, or a single
 * space for a control character.  Invalid bytes yield length 0 and are
 * skipped by the callers.
 */
static size_t
next_unit(const char *p, size_t left, const char **out, size_t *outlen)
{
	unsigned char c = (unsigned char)*p;
	size_t n;

	if (c < 0x20 || c == 0x7f) {
		*out = " ";
		*outlen = 1;
		return 1;
	}
	if ((n = utf8_seq((const unsigned char *)p, left)) == 0) {
		*out = "";
		*outlen = 0;
		return 1;
	}
	*out = p;
	*outlen = n;
	return n;
}

size_t
text_sanitize(char *dst, size_t dstlen, const char *src)
{
	size_t len = 0, left = strlen(src);

	if (dstlen == 0)
		return 0;
	while (left > 0) {
		const char *u;
		size_t ul, used = next_unit(src, left, &u, &ul);

		if (len + ul >= dstlen)
			break;
		memcpy(dst + len, u, ul);
		len += ul;
		src += used;
		left -= used;
	}
	dst[len] = '\0';
	return len;
}

/* Room left before the closing tag must still fit. */
static size_t
speech_room(const struct speech *s)
{
	return SPEECH_MAX - strlen(SPEAK_CLOSE) - s->len;
}

static void
speech_start(struct speech *s)
{
	memcpy(s->buf, SPEAK_OPEN, strlen(SPEAK_OPEN) + 1);
	s->len = strlen(SPEAK_OPEN);
	s->truncated = 0;
}

static const char *
xml_escape(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&apos;";
	}
	return NULL;
}

/*
 * Appends escaped text.  When it does not fit, the speech is cut back to
 * the last space written by this call or an earlier one, so a word is
 * never split, and everything after is dropped.
 */
void
speech_text(struct speech *s, const char *text)
{
	size_t left = strlen(text);

	while (!s->truncated && left > 0) {
		const char *u, *esc;
		size_t ul, used = next_unit(text, left, &u, &ul);

		if (ul == 1 && (esc = xml_escape(*u)) != NULL) {
			u = esc;
			ul = strlen(esc);
		}
		if (ul > speech_room(s)) {
			char *sp = NULL;

			for (size_t i = s->len; i > strlen(SPEAK_OPEN); i--)
				if (s->buf[i - 1] == ' ' || s->buf[i - 1] == '>') {
					sp = s->buf + i - 1;
					break;
				}
			if (sp != NULL && *sp == ' ')
				s->len = (size_t)(sp - s->buf);
			else if (sp != NULL)
				s->len = (size_t)(sp - s->buf) + 1;
			s->buf[s->len] = '\0';
			s->truncated = 1;
			return;
		}
		memcpy(s->buf + s->len, u, ul);
		s->len += ul;
		s->buf[s->len] = '\0';
		text += used;
		left -= used;
	}
}

void
speech_tag(struct speech *s, const char *tag)
{
	size_t n = strlen(tag);

	if (s->truncated)
		return;
	if (n > speech_room(s)) {
		s->truncated = 1;
		return;
	}
	memcpy(s->buf + s->len, tag, n + 1);
	s->len += n;
}

void
text_template(char *out, size_t outlen, const char *tmpl,
    const char *const *keys, const char *const *values, size_t n)
{
	size_t len = 0;

	if (outlen == 0)
		return;
	while (*tmpl != '\0' && len + 1 < outlen) {
		const char *close;
		size_t i, kl;

		if (*tmpl != '{' || (close = strchr(tmpl, '}')) == NULL) {
			out[len++] = *tmpl++;
			continue;
		}
		kl = (size_t)(close - tmpl - 1);
		for (i = 0; i < n; i++)
			if (strlen(keys[i]) == kl &&
			    strncmp(keys[i], tmpl + 1, kl) == 0)
				break;
		if (i < n && values[i] != NULL) {
			size_t vl = strlen(values[i]);

			if (vl > outlen - 1 - len)
				vl = outlen - 1 - len;
			memcpy(out + len, values[i], vl);
			len += vl;
		}
		tmpl = close + 1;
	}
	out[len] = '\0';
}

/*
 * The buffer holds twice what speech can: when the filled text is cut,
 * speech_text() still sees more than fits and cuts at a word boundary.
 */
void
speech_template(struct speech *s, const char *tmpl, const char *const *keys,
    const char *const *values, size_t n)
{
	char text[2 * SPEECH_MAX + 1];

	text_template(text, sizeof(text), tmpl, keys, values, n);
	speech_text(s, text);
	explicit_bzero(text, strlen(text));
}

/* s, started on first use (*started tells). */
static struct speech *
speech_once(struct speech *s, int *started)
{
	if (!*started) {
		speech_start(s);
		*started = 1;
	}
	return s;
}

struct speech *
response_speech(struct response *r)
{
	return speech_once(&r->speech, &r->has_speech);
}

struct speech *
response_reprompt(struct response *r)
{
	return speech_once(&r->reprompt, &r->has_reprompt);
}

/*
 * Every field but the text buffers: speech_start and response_card_simple
 * write those before they are read, and zeroing them would be 24 KiB of
 * stores on every request.
 */
void
response_init(struct response *r)
{
	r->speech.len = r->reprompt.len = 0;
	r->speech.truncated = r->reprompt.truncated = 0;
	r->speech.buf[0] = r->reprompt.buf[0] = '\0';
	r->has_speech = r->has_reprompt = 0;
	r->card = CARD_NONE;
	r->card_title[0] = r->card_text[0] = '\0';
	r->npermissions = 0;
	r->directives = NULL;
	r->session_attributes = NULL;
	r->end_session = -1;
}

/*
 * Speech and cards may hold a name: what was written to them is wiped.
 * That is len + 1 bytes of a speech buffer unless it was cut (the cut
 * words stay past len: then all of it), and all of a card (cut_words
 * and text_sanitize may leave bytes past the end; cards are rare).
 */
static void
speech_wipe(struct speech *s)
{
	explicit_bzero(s->buf, s->truncated ? sizeof(s->buf) : s->len + 1);
}

void
response_free(struct response *r)
{
	speech_wipe(&r->speech);
	speech_wipe(&r->reprompt);
	if (r->card != CARD_NONE) {
		explicit_bzero(r->card_title, sizeof(r->card_title));
		explicit_bzero(r->card_text, sizeof(r->card_text));
	}
	r->speech.len = r->reprompt.len = 0;
	json_wipe_strings(r->session_attributes);
	json_object_put(r->directives);
	json_object_put(r->session_attributes);
	r->directives = NULL;
	r->session_attributes = NULL;
}

/* Cuts plain text to max bytes at a word boundary (text is sanitized). */
static void
cut_words(char *text, size_t max)
{
	size_t len = strlen(text), i;

	if (len <= max)
		return;
	for (i = max; i > 0 && text[i] != ' '; i--)
		;
	if (i == 0) {
		/* One long word: cut at a character boundary. */
		for (i = max; i > 0 && ((unsigned char)text[i] & 0xc0) == 0x80;
		    i--)
			;
	}
	text[i] = '\0';
}

void
response_card_simple(struct response *r, const char *title, const char *text)
{
	r->card = CARD_SIMPLE;
	text_sanitize(r->card_title, sizeof(r->card_title), title);
	text_sanitize(r->card_text, sizeof(r->card_text), text);
	cut_words(r->card_text, CARD_TEXT_MAX);
}

void
response_card_permissions(struct response *r, const char *const *scopes,
    size_t n)
{
	r->card = CARD_PERMISSIONS;
	r->npermissions = 0;
	for (size_t i = 0; i < n && i < CARD_PERMISSIONS_MAX; i++)
		r->permissions[r->npermissions++] = scopes[i];
}

void
response_directive(struct response *r, json_object *directive)
{
	if (r->directives == NULL)
		r->directives = json_object_new_array();
	json_object_array_add(r->directives, directive);
}

void
response_attr(struct response *r, const char *key, const char *value)
{
	char clean[1024];

	if (r->session_attributes == NULL)
		r->session_attributes = json_object_new_object();
	text_sanitize(clean, sizeof(clean), value);
	json_object_object_add(r->session_attributes, key,
	    json_object_new_string(clean));
}

/*
 * The response is written straight into one buffer.  A write that would
 * pass RESPONSE_MAX sets err instead, and the caller retries with fewer
 * parts; every later write is then a no-op.
 */
struct jout {
	char *buf;		/* RESPONSE_MAX + 1 bytes */
	size_t len;
	int err;		/* 0, ENOSPC or ENOMEM */
};

static void
jout_put(struct jout *o, const char *s, size_t n)
{
	if (o->err != 0)
		return;
	if (n > RESPONSE_MAX - o->len) {
		o->err = ENOSPC;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
jout_str(struct jout *o, const char *s)
{
	jout_put(o, s, strlen(s));
}

/* The short escape json-c writes for c, or 0. */
static char
json_short_escape(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	}
	return 0;
}

/*
 * String contents escaped as json-c 0.16 does with NOSLASHESCAPE: '/',
 * DEL and UTF-8 go out as they are, other controls as \u00xx.
 */
static void
jout_escaped(struct jout *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, done = 0;

	for (i = 0; i < n && o->err == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		char e;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jout_put(o, s + done, i - done);
		if ((e = json_short_escape(c)) != 0)
			jout_put(o, (char[]){ '\\', e }, 2);
		else
			jout_put(o, (char[]){ '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 0xf] }, 6);
		done = i + 1;
	}
	jout_put(o, s + done, n - done);
}

static void
jout_string(struct jout *o, const char *s)
{
	jout_put(o, "\"", 1);
	jout_escaped(o, s, strlen(s));
	jout_put(o, "\"", 1);
}

/* Directives and session attributes are rare: json-c writes those. */
static void
jout_json_c(struct jout *o, json_object *obj)
{
	const char *s;
	size_t n;

	if (o->err != 0)
		return;
	s = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s == NULL)
		o->err = ENOMEM;
	else
		jout_put(o, s, n);
}

/* Key of the next member of an object holding *n members so far. */
static void
jout_key(struct jout *o, int *n, const char *key)
{
	if ((*n)++ > 0)
		jout_put(o, ",", 1);
	jout_put(o, "\"", 1);
	jout_str(o, key);
	jout_put(o, "\":", 2);
}

/* The speech buffer already starts with SPEAK_OPEN. */
static void
jout_ssml(struct jout *o, const struct speech *s)
{
	jout_str(o, "{\"type\":\"SSML\",\"ssml\":\"");
	jout_escaped(o, s->buf, s->len);
	jout_str(o, SPEAK_CLOSE "\"}");
}

static void
jout_card(struct jout *o, const struct response *r)
{
	if (r->card == CARD_SIMPLE) {
		jout_str(o, "{\"type\":\"Simple\",\"title\":");
		jout_string(o, r->card_title);
		jout_str(o, ",\"content\":");
		jout_string(o, r->card_text);
		jout_put(o, "}", 1);
		return;
	}
	jout_str(o, "{\"type\":\"AskForPermissionsConsent\",\"permissions\":[");
	for (size_t i = 0; i < r->npermissions; i++) {
		if (i > 0)
			jout_put(o, ",", 1);
		jout_string(o, r->permissions[i]);
	}
	jout_put(o, "]}", 2);
}

static void
jout_response(struct jout *o, const struct response *r, int with_card,
    int with_reprompt)
{
	int n = 0;

	jout_put(o, "{", 1);
	if (r->has_speech) {
		jout_key(o, &n, "outputSpeech");
		jout_ssml(o, &r->speech);
	}
	if (with_card && r->card != CARD_NONE) {
		jout_key(o, &n, "card");
		jout_card(o, r);
	}
	if (with_reprompt && r->has_reprompt) {
		jout_key(o, &n, "reprompt");
		jout_str(o, "{\"outputSpeech\":");
		jout_ssml(o, &r->reprompt);
		jout_put(o, "}", 1);
	}
	if (r->directives != NULL) {
		jout_key(o, &n, "directives");
		jout_json_c(o, r->directives);
	}
	if (r->end_session >= 0) {
		jout_key(o, &n, "shouldEndSession");
		jout_str(o, r->end_session ? "true" : "false");
	}
	jout_put(o, "}", 1);
}

static void
jout_root(struct jout *o, const struct response *r, int with_card,
    int with_reprompt, int with_attrs)
{
	o->len = 0;
	o->err = 0;
	jout_str(o, "{\"version\":\"1.0\",\"sessionAttributes\":");
	if (with_attrs && r->session_attributes != NULL)
		jout_json_c(o, r->session_attributes);
	else
		jout_put(o, "{}", 2);
	jout_str(o, ",\"response\":");
	jout_response(o, r, with_card, with_reprompt);
	jout_put(o, "}", 1);
}

char *
response_serialize(struct response *r, size_t *len)
{
	/* Attempts in order: everything, then without optional parts. */
	static const int tries[][3] = {
		{ 1, 1, 1 }, { 0, 1, 1 }, { 0, 0, 1 }, { 0, 0, 0 },
	};
	/* Directives are not capped: even the last try can be too big. */
	static const char minimal[] = "{\"version\":\"1.0\",\"response\":{}}";
	struct jout o;
	size_t high = 0;	/* bytes written by any try */

	if ((o.buf = malloc(RESPONSE_MAX + 1)) == NULL)
		return NULL;
	for (size_t t = 0; t < sizeof(tries) / sizeof(tries[0]); t++) {
		jout_root(&o, r, tries[t][0], tries[t][1], tries[t][2]);
		high = o.len > high ? o.len : high;
		if (o.err != ENOSPC)
			break;
	}
	if (o.err == ENOMEM) {
		explicit_bzero(o.buf, high);
		free(o.buf);
		return NULL;
	}
	if (o.err == ENOSPC) {
		memcpy(o.buf, minimal, sizeof(minimal));
		o.len = sizeof(minimal) - 1;
	}
	/* What a longer try left past the end (core_out_free wipes len). */
	if (high > o.len)
		explicit_bzero(o.buf + o.len, high - o.len);
	o.buf[o.len] = '\0';
	*len = o.len;
	return o.buf;
}
