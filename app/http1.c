#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http1.h"

/* A chunk size: 8 hex digits at most (a body is capped far lower). */
#define CHUNK_DIGITS_MAX	8

enum { LINE_MORE, LINE_OK, LINE_BAD };

static enum http1_state
fail(struct http1_resp *r, const char *why)
{
	r->error = why;
	return HTTP1_ERROR;
}

/*
 * Finds the CRLF that ends the line starting at pos; it must end before
 * lim.  A CR or LF anywhere else is an error (no bare LF line ends).
 */
static int
line_end(const unsigned char *p, size_t len, size_t pos, size_t lim,
    size_t *end, const char **why)
{
	for (size_t i = pos; i < len; i++) {
		if (i + 2 > lim) {
			*why = "line too long";
			return LINE_BAD;
		}
		if (p[i] == '\n') {
			*why = "bare LF";
			return LINE_BAD;
		}
		if (p[i] != '\r')
			continue;
		if (i + 1 == len)
			return LINE_MORE;
		if (p[i + 1] != '\n') {
			*why = "bare CR";
			return LINE_BAD;
		}
		*end = i;
		return LINE_OK;
	}
	if (len >= lim) {
		*why = "line too long";
		return LINE_BAD;
	}
	return LINE_MORE;
}

static int
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Field-value and reason-phrase bytes: HTAB, SP, visible, obs-text. */
static int
is_vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
all_vchar(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_vchar(s[i]))
			return 0;
	return 1;
}

static int
token_is(const unsigned char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp((const char *)s, word, n) == 0;
}

/* What the header fields say about the body and the connection. */
struct head {
	int minor;		/* HTTP/1.minor */
	int has_length;
	size_t length;
	int chunked;
	int close;
	size_t fields;
};

static const char *
status_line(const unsigned char *s, size_t n, struct http1_resp *r,
    struct head *h)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    (s[7] != '0' && s[7] != '1') || s[8] != ' ')
		return "bad status line";
	h->minor = s[7] - '0';
	for (int i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return "bad status code";
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (n > 12 && (s[12] != ' ' || !all_vchar(s + 13, n - 13)))
		return "bad status line";
	if (r->status >= 100 && r->status < 200)
		return "interim 1xx answer";
	if (r->status < 200 || r->status > 599)
		return "bad status code";
	return NULL;
}

static const char *
content_length(const unsigned char *v, size_t n, struct head *h)
{
	size_t value = 0;

	/* Nine digits at most: far above any cap, far below overflow. */
	if (n == 0 || n > 9)
		return "bad Content-Length";
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return "bad Content-Length";
		value = value * 10 + (size_t)(v[i] - '0');
	}
	/* Repeats are allowed only with the same value (RFC 9112 6.3). */
	if (h->has_length && h->length != value)
		return "conflicting Content-Length";
	h->has_length = 1;
	h->length = value;
	return NULL;
}

static void
connection(const unsigned char *v, size_t n, struct head *h)
{
	size_t i = 0;

	while (i < n) {
		size_t start, end;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < n && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (token_is(v + start, end - start, "close"))
			h->close = 1;
	}
}

/* One "name: value" line; framing fields go into h when h is not NULL. */
static const char *
field_line(const unsigned char *s, size_t n, struct head *h)
{
	size_t name = 0, vs, ve;

	while (name < n && is_tchar(s[name]))
		name++;
	if (name == 0 || name == n || s[name] != ':')
		return "bad field name";
	vs = name + 1;
	while (vs < n && (s[vs] == ' ' || s[vs] == '\t'))
		vs++;
	ve = n;
	while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
		ve--;
	if (!all_vchar(s + vs, ve - vs))
		return "bad field value";
	if (h == NULL)
		return NULL;
	if (token_is(s, name, "content-length"))
		return content_length(s + vs, ve - vs, h);
	if (token_is(s, name, "transfer-encoding")) {
		/* Only plain chunked, once: anything else cannot be framed. */
		if (h->chunked || !token_is(s + vs, ve - vs, "chunked"))
			return "unsupported Transfer-Encoding";
		h->chunked = 1;
	} else if (token_is(s, name, "connection"))
		connection(s + vs, ve - vs, h);
	return NULL;
}

/*
 * Field lines from pos up to and including the blank line, within lim;
 * *next is the byte after it.  Used for the header and the trailer.
 */
static int
field_block(const unsigned char *p, size_t len, size_t pos, size_t lim,
    struct head *h, size_t *count, size_t *next, const char **why)
{
	for (;;) {
		size_t end;
		int st = line_end(p, len, pos, lim, &end, why);

		if (st != LINE_OK)
			return st;
		if (end == pos) {
			*next = end + 2;
			return LINE_OK;
		}
		if (p[pos] == ' ' || p[pos] == '\t') {
			*why = "folded field line";
			return LINE_BAD;
		}
		if (++*count > API_HEAD_FIELDS_MAX) {
			*why = "too many field lines";
			return LINE_BAD;
		}
		if ((*why = field_line(p + pos, end - pos, h)) != NULL)
			return LINE_BAD;
		pos = end + 2;
	}
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "1a;ext=x": the size, then optional blanks and an extension. */
static const char *
chunk_size(const unsigned char *s, size_t n, size_t *size)
{
	size_t i = 0;

	*size = 0;
	for (; i < n && hex_value(s[i]) >= 0; i++) {
		if (i == CHUNK_DIGITS_MAX)
			return "chunk size too long";
		*size = *size * 16 + (size_t)hex_value(s[i]);
	}
	if (i == 0)
		return "bad chunk size";
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && (s[i] != ';' || !all_vchar(s + i, n - i)))
		return "bad chunk size";
	return NULL;
}

/* Decodes the chunked body from pos; *end is the byte after the trailer. */
static int
chunks(const unsigned char *p, size_t len, size_t pos, char *body,
    size_t cap, size_t *out, size_t *end, const char **why)
{
	size_t fields = 0;

	*out = 0;
	for (;;) {
		size_t eol, size;
		int st = line_end(p, len, pos, pos + API_CHUNK_LINE_MAX, &eol, why);

		if (st != LINE_OK)
			return st;
		if ((*why = chunk_size(p + pos, eol - pos, &size)) != NULL)
			return LINE_BAD;
		pos = eol + 2;
		if (size == 0)
			return field_block(p, len, pos, pos + API_HEAD_MAX,
			    NULL, &fields, end, why);
		if (size > cap - *out) {
			*why = "body too large";
			return LINE_BAD;
		}
		if (len - pos < size + 2)
			return LINE_MORE;
		if (p[pos + size] != '\r' || p[pos + size + 1] != '\n') {
			*why = "chunk without CRLF";
			return LINE_BAD;
		}
		memcpy(body + *out, p + pos, size);
		*out += size;
		pos += size + 2;
	}
}

enum http1_state
http1_parse(const char *buf, size_t len, int eof, char *body,
    size_t body_cap, struct http1_resp *r)
{
	const unsigned char *p = (const unsigned char *)buf;
	struct head h;
	size_t eol, pos, end = 0, blen = 0;
	const char *why = NULL;
	int st;

	memset(r, 0, sizeof(*r));
	memset(&h, 0, sizeof(h));
	if (len == 0 && eof)
		return fail(r, "closed before the answer");
	st = line_end(p, len, 0, API_HEAD_MAX, &eol, &why);
	if (st == LINE_OK && (why = status_line(p, eol, r, &h)) != NULL)
		st = LINE_BAD;
	if (st == LINE_OK)
		st = field_block(p, len, eol + 2, API_HEAD_MAX, &h, &h.fields,
		    &pos, &why);
	if (st == LINE_BAD)
		return fail(r, why);
	if (st == LINE_MORE)
		return eof ? fail(r, "closed in the header") : HTTP1_MORE;
	if (h.has_length && h.chunked)
		return fail(r, "both Content-Length and Transfer-Encoding");
	r->keep_alive = h.minor == 1 && !h.close;
	if (r->status == 204 || r->status == 304) {
		end = pos;
	} else if (h.chunked) {
		st = chunks(p, len, pos, body, body_cap, &blen, &end, &why);
		if (st == LINE_BAD)
			return fail(r, why);
		if (st == LINE_MORE)
			return eof ? fail(r, "closed in the body") : HTTP1_MORE;
	} else if (h.has_length) {
		if (h.length > body_cap)
			return fail(r, "body too large");
		if (len - pos < h.length)
			return eof ? fail(r, "closed in the body") : HTTP1_MORE;
		blen = h.length;
		memcpy(body, p + pos, blen);
		end = pos + blen;
	} else {
		/* Neither: the body ends when the server closes. */
		if (len - pos > body_cap)
			return fail(r, "body too large");
		if (!eof)
			return HTTP1_MORE;
		blen = len - pos;
		memcpy(body, p + pos, blen);
		end = len;
		r->keep_alive = 0;
	}
	/* Bytes nobody asked for: the connection is not trusted again. */
	if (end < len || eof)
		r->keep_alive = 0;
	body[blen] = '\0';
	r->body_len = blen;
	return HTTP1_DONE;
}

/* Visible ASCII only: no space, control, DEL or non-ASCII byte. */
static int
visible(const char *s)
{
	if (*s == '\0')
		return 0;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f)
			return 0;
	return 1;
}

/* host or host:port, a name or an IPv4 or bracketed IPv6 address. */
static int
host_ok(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= 'A' && *c <= 'Z') || strchr("-.:[]", *c) != NULL))
			return 0;
	return *s != '\0';
}

size_t
http1_get(char *out, size_t cap, const char *host, const char *path,
    const char *token)
{
	int n;

	if (cap == 0)
		return 0;
	if (!host_ok(host) || path[0] != '/' || !visible(path) ||
	    !visible(token)) {
		out[0] = '\0';
		return 0;
	}
	n = snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Authorization: Bearer %s\r\nAccept: application/json\r\n\r\n",
	    path, host, token);
	if (n < 0 || (size_t)n >= cap) {
		/* A cut request may hold part of the token. */
		explicit_bzero(out, cap);
		return 0;
	}
	return (size_t)n;
}
