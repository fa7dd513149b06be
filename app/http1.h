#ifndef HTTP1_H
#define HTTP1_H

#include <stddef.h>

#include "limits.h"

/*
 * HTTP/1.1 framing for the profile API calls (app/profile.c): the GET
 * written, the answer read back.  libcurl still connects, does TLS and
 * any proxy tunnel (CURLOPT_CONNECT_ONLY); this is only the bytes on a
 * kept connection, which libcurl's general state machine made cost more
 * than the rest of the request (README "Performance").
 *
 * Pure functions without I/O: unit tests and the fuzzer call them
 * directly.  The answer is outside input: everything is capped, and any
 * framing this parser does not accept is an error, never a guess.  The
 * caps are API_HEAD_MAX, API_HEAD_FIELDS_MAX and API_CHUNK_LINE_MAX.
 */

enum http1_state {
	HTTP1_MORE,		/* incomplete: read more, then call again */
	HTTP1_DONE,		/* complete: r is filled in */
	HTTP1_ERROR,		/* r->error says why */
};

struct http1_resp {
	int status;		/* 200..599 */
	int keep_alive;		/* the connection may carry another request */
	size_t body_len;	/* bytes written to body, then a '\0' */
	const char *error;	/* static text for the log, never data */
};

/*
 * Parses buf[0..len) as the answer to one GET, from its first byte.
 * eof: the server closed the connection after those bytes.  On
 * HTTP1_DONE the body, de-chunked, is in body (room for body_cap bytes
 * plus a '\0'); a longer body is an error.
 *
 * Accepted: "HTTP/1.1" or "HTTP/1.0", a status 200-599 (an interim 1xx
 * answer is an error: a GET without Expect never gets one) with or
 * without a reason phrase, CRLF line ends only, field lines "name: value"
 * with token names and values of visible ASCII, blanks and bytes >= 0x80
 * (obs-text), the body framed by Content-Length (at most 9 digits; equal
 * repeats allowed) or "Transfer-Encoding: chunked" (not both), or, with
 * neither, ended by the close.  204 and 304 have no body.  keep_alive is
 * 0 after "Connection: close", HTTP/1.0, a body ended by the close, eof,
 * or bytes after the answer.
 */
enum http1_state http1_parse(const char *buf, size_t len, int eof,
    char *body, size_t body_cap, struct http1_resp *r);

/*
 * Writes "GET path HTTP/1.1" with Host, Authorization: Bearer token and
 * Accept: application/json into out, '\0'-terminated.  Returns the
 * length, or 0 when it does not fit (out is then wiped) or a value is
 * empty or holds a byte it may not: host only letters, digits and
 * "-.:[]"; path starting with '/'; path and token visible ASCII (no
 * space, control or non-ASCII byte).
 */
size_t http1_get(char *out, size_t cap, const char *host, const char *path,
    const char *token);

#endif
