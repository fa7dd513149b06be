#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/http1.h"
#include "unit.h"

/*
 * app/http1.c against the contract in app/http1.h.  Every answer is
 * copied into a buffer of exactly its length and the body buffer is
 * body_cap + 1 bytes followed by a guard, so a read past len or a write
 * past the '\0' shows (ASan in make sanitize, the guard everywhere).
 */

/* A string literal and its length, NULs included. */
#define S(lit)		(lit), (sizeof(lit) - 1)

#define CAP		4096	/* body_cap when the test is not about it */
#define GUARD		16

static struct http1_resp r;
static char got[CAP + 1];	/* the body of the last HTTP1_DONE */

/* The input for a failure message, escaped and cut short (two at a time). */
static const char *
show(const char *s, size_t n)
{
	static char outs[2][256];
	static int which;
	char *out = outs[which ^= 1];
	size_t o = 0, i;

	for (i = 0; i < n && o < 200; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n') {
			out[o++] = '\\';
			out[o++] = c == '\r' ? 'r' : 'n';
		} else if (c < 0x20 || c >= 0x7f || c == '\\') {
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		} else
			out[o++] = (char)c;
	}
	if (i < n)
		snprintf(out + o, sizeof(outs[0]) - o, "...(%zu)", n);
	else
		out[o] = '\0';
	return out;
}

/*
 * http1_parse on s[0..n) and the checks that hold for any input: DONE
 * fills r with a status in range and a terminated body within body_cap,
 * ERROR says why.  The body is copied to got.
 */
static enum http1_state
parse(int line, const char *s, size_t n, int eof, size_t cap)
{
	char *buf = malloc(n > 0 ? n : 1);
	char *body = malloc(cap + 1 + GUARD);
	enum http1_state st;
	size_t i;

	ck_assert(buf != NULL && body != NULL && cap <= CAP);
	if (n > 0)
		memcpy(buf, s, n);
	memset(body, '#', cap + 1 + GUARD);
	r.status = -1;
	r.keep_alive = -1;
	r.body_len = (size_t)-1;
	r.error = NULL;
	st = http1_parse(buf, n, eof, body, cap, &r);
	for (i = cap + 1; i < cap + 1 + GUARD; i++)
		ck_assert_msg(body[i] == '#', "line %d: wrote past body_cap + 1:"
		    " %s", line, show(s, n));
	if (st == HTTP1_DONE) {
		ck_assert_msg(r.body_len <= cap, "line %d: body_len %zu > cap "
		    "%zu: %s", line, r.body_len, cap, show(s, n));
		ck_assert_msg(body[r.body_len] == '\0', "line %d: body not "
		    "terminated: %s", line, show(s, n));
		ck_assert_msg(r.status >= 200 && r.status <= 599, "line %d: "
		    "status %d: %s", line, r.status, show(s, n));
		memcpy(got, body, r.body_len + 1);
	} else if (st == HTTP1_ERROR) {
		ck_assert_msg(r.error != NULL, "line %d: ERROR without error: "
		    "%s", line, show(s, n));
	} else {
		ck_assert_msg(st == HTTP1_MORE, "line %d: state %d: %s", line,
		    (int)st, show(s, n));
	}
	free(buf);
	free(body);
	return st;
}

static const char *
state_name(enum http1_state st)
{
	return st == HTTP1_MORE ? "MORE" : st == HTTP1_DONE ? "DONE" :
	    st == HTTP1_ERROR ? "ERROR" : "?";
}

/* s[0..n) is a complete answer; ka -1: keep_alive not checked. */
static void
done_(int line, const char *s, size_t n, int eof, size_t cap, int status,
    int ka, const char *body, size_t body_len)
{
	enum http1_state st = parse(line, s, n, eof, cap);

	ck_assert_msg(st == HTTP1_DONE, "line %d: %s (%s), want DONE: %s", line,
	    state_name(st), st == HTTP1_ERROR ? r.error : "", show(s, n));
	ck_assert_msg(r.status == status, "line %d: status %d, want %d: %s",
	    line, r.status, status, show(s, n));
	if (ka >= 0)
		ck_assert_msg(!!r.keep_alive == ka, "line %d: keep_alive %d, "
		    "want %d: %s", line, r.keep_alive, ka, show(s, n));
	ck_assert_msg(r.body_len == body_len && memcmp(got, body, body_len) == 0,
	    "line %d: body \"%s\" (%zu), want %zu bytes: %s", line,
	    show(got, r.body_len), r.body_len, body_len, show(s, n));
}

static void
state_(int line, enum http1_state want, const char *s, size_t n, int eof,
    size_t cap)
{
	enum http1_state st = parse(line, s, n, eof, cap);

	ck_assert_msg(st == want, "line %d: %s, want %s (eof %d, cap %zu): %s",
	    line, state_name(st), state_name(want), eof, cap, show(s, n));
}

/* Not an answer yet (MORE), or already refused (ERROR): never DONE. */
static void
not_done_(int line, const char *s, size_t n, int eof, size_t cap)
{
	enum http1_state st = parse(line, s, n, eof, cap);

	ck_assert_msg(st != HTTP1_DONE, "line %d: DONE (status %d), want MORE "
	    "or ERROR: %s", line, r.status, show(s, n));
}

/*
 * s[0..n) is one complete answer framed by its head (Content-Length,
 * chunked, 204/304): every shorter prefix is MORE, and ERROR when the
 * server closed there; all of it is DONE, with or without the close.
 */
static void
prefixes_(int line, const char *s, size_t n, int status, int ka,
    const char *body, size_t body_len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		enum http1_state st = parse(line, s, i, 0, CAP);

		ck_assert_msg(st == HTTP1_MORE, "line %d: prefix %zu of %zu: %s,"
		    " want MORE: %s", line, i, n, state_name(st), show(s, i));
		st = parse(line, s, i, 1, CAP);
		ck_assert_msg(st == HTTP1_ERROR, "line %d: prefix %zu of %zu "
		    "with eof: %s, want ERROR: %s", line, i, n, state_name(st),
		    show(s, i));
	}
	done_(line, s, n, 0, CAP, status, ka, body, body_len);
	done_(line, s, n, 1, CAP, status, -1, body, body_len);
}

#define DONE(...)	done_(__LINE__, __VA_ARGS__)
#define MORE(...)	state_(__LINE__, HTTP1_MORE, __VA_ARGS__, 0, CAP)
#define FAIL(...)	state_(__LINE__, HTTP1_ERROR, __VA_ARGS__)
#define NOT_DONE(...)	not_done_(__LINE__, __VA_ARGS__)
#define PREFIXES(...)	prefixes_(__LINE__, __VA_ARGS__)

/* FAIL with and without eof for each string of a NULL-ended list. */
static void
fail_all_(int line, const char *const *list)
{
	for (; *list != NULL; list++) {
		state_(line, HTTP1_ERROR, *list, strlen(*list), 0, CAP);
		state_(line, HTTP1_ERROR, *list, strlen(*list), 1, CAP);
	}
}

#define FAIL_ALL(list)	fail_all_(__LINE__, list)

START_TEST(content_length)
{
	static const char a[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 14\r\n"
	    "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
	    "\r\n"
	    "\"Zo\xc3\xab\\u0020\r\n\"";

	PREFIXES(S(a), 200, 1, S("\"Zo\xc3\xab\\u0020\r\n\""));
	/* Field names are case-insensitive; OWS around a value is not in it. */
	DONE(S("HTTP/1.1 200 OK\r\ncontent-length:2\r\n\r\nhi"), 0, CAP, 200, 1,
	    S("hi"));
	DONE(S("HTTP/1.1 200 OK\r\nCONTENT-LENGTH: \t 2 \t\r\n\r\nhi"), 0, CAP,
	    200, 1, S("hi"));
	/* The body is bytes: NULs and CRLFs in it are data. */
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\0\r\n\0"), 0, CAP,
	    200, 1, S("\0\r\n\0"));
	/* A complete answer, then the close: the connection is not kept. */
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"), 1, CAP, 200, 0,
	    S("hi"));
	/* Leading zeros are digits (1*DIGIT). */
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\nhi"), 0, CAP, 200,
	    1, S("hi"));
}
END_TEST

START_TEST(statuses)
{
	static const int codes[] = { 200, 201, 202, 299, 301, 302, 400, 401,
		403, 404, 429, 500, 502, 503, 599 };
	char a[128];
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int n = snprintf(a, sizeof(a), "HTTP/1.1 %d Whatever It Says\r\n"
		    "Content-Length: 3\r\n\r\nerr", codes[i]);

		DONE(a, (size_t)n, 0, CAP, codes[i], 1, S("err"));
	}
	/* The reason phrase may be empty, but its SP is there. */
	DONE(S("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"), 0, CAP, 200, 1,
	    S(""));
	DONE(S("HTTP/1.1 404 \r\nContent-Length: 2\r\n\r\n{}"), 0, CAP, 404, 1,
	    S("{}"));
	/* A head with no field lines at all. */
	DONE(S("HTTP/1.1 204 No Content\r\n\r\n"), 0, CAP, 204, 1, S(""));
}
END_TEST

START_TEST(chunked)
{
	static const char a[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "Content-Type: application/json\r\n"
	    "\r\n"
	    "4\r\nWiki\r\n"
	    "5;a=b\r\npedia\r\n"
	    "E\r\n in\r\n\r\nchunks.\r\n"
	    "1A;ext=1;b=c\r\nabcdefghijklmnopqrstuvwxyz\r\n"
	    "c\r\n0123456789ab\r\n"
	    "0\r\n"
	    "X-Trailer: yes\r\n"
	    "Server-Timing: db;dur=53\r\n"
	    "\r\n";

	PREFIXES(S(a), 200, 1, S("Wikipedia in\r\n\r\nchunks."
	    "abcdefghijklmnopqrstuvwxyz0123456789ab"));
	/* Just the last chunk; its extension; no trailers. */
	PREFIXES(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0;a=b\r\n\r\n"), 200, 1, S(""));
	/* Leading zeros, up to 8 hex digits; a last chunk of several zeros. */
	DONE(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "00000005\r\nhello\r\n0002\r\n!!\r\n000\r\n\r\n"), 0, CAP, 200, 1,
	    S("hello!!"));
	/* Field names case-insensitive. */
	DONE(S("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
	    "2\r\nhi\r\n0\r\n\r\n"), 0, CAP, 200, 1, S("hi"));
	DONE(S("HTTP/1.1 200 OK\r\nTRANSFER-ENCODING:chunked \r\n\r\n"
	    "2\r\nhi\r\n0\r\n\r\n"), 0, CAP, 200, 1, S("hi"));
	/* Chunk data is bytes. */
	DONE(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\n\0\r\n\r\n0\r\n\r\n"), 0, CAP, 200, 1, S("\0\r\n"));
}
END_TEST

START_TEST(no_body)
{
	/* 204 and 304 end at the blank line, whatever the head says. */
	PREFIXES(S("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
	    204, 1, S(""));
	PREFIXES(S("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n"
	    "Content-Length: 100\r\n\r\n"), 304, 1, S(""));
	/* No framing at all: still not read until the close. */
	PREFIXES(S("HTTP/1.1 204 No Content\r\nX-Request-Id: 1\r\n\r\n"), 204, 1,
	    S(""));
	DONE(S("HTTP/1.0 204 No Content\r\n\r\n"), 0, CAP, 204, 0, S(""));
	/* So what follows is not its body. */
	DONE(S("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"), 0,
	    CAP, 204, 0, S(""));
	/* An empty body by Content-Length, also with body_cap 0. */
	PREFIXES(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 200, 1,
	    S(""));
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0, 0, 200, 1,
	    S(""));
	DONE(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n\r\n"), 0, 0, 200, 1, S(""));
}
END_TEST

START_TEST(connection)
{
	static const char *const closing[] = {
		"Connection: close",
		"connection: CLOSE",
		"Connection: Close",
		"Connection:close",
		"Connection: keep-alive, close",
		"Connection: keep-alive,close",
		"Connection: te, close, upgrade",
		"Connection: keep-alive\r\nConnection: close",
		NULL
	};
	static const char *const keeping[] = {
		"Connection: keep-alive",
		"Connection: Keep-Alive",
		"Keep-Alive: timeout=5, max=100",
		"X-Connection: close",
		"X-Note: close",
		"Connection: closed",
		"Connection: x-close, close-later",
		NULL
	};
	const char *const *c;
	char a[256];
	int n;

	for (c = closing; *c != NULL; c++) {
		n = snprintf(a, sizeof(a), "HTTP/1.1 200 OK\r\n%s\r\n"
		    "Content-Length: 2\r\n\r\nhi", *c);
		DONE(a, (size_t)n, 0, CAP, 200, 0, S("hi"));
		n = snprintf(a, sizeof(a), "HTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: chunked\r\n%s\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
		    *c);
		DONE(a, (size_t)n, 0, CAP, 200, 0, S("hi"));
		n = snprintf(a, sizeof(a), "HTTP/1.1 204 No Content\r\n%s\r\n\r\n",
		    *c);
		DONE(a, (size_t)n, 0, CAP, 204, 0, S(""));
	}
	for (c = keeping; *c != NULL; c++) {
		n = snprintf(a, sizeof(a), "HTTP/1.1 200 OK\r\n%s\r\n"
		    "Content-Length: 2\r\n\r\nhi", *c);
		DONE(a, (size_t)n, 0, CAP, 200, 1, S("hi"));
	}
}
END_TEST

START_TEST(http10)
{
	static const char a[] = "HTTP/1.0 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "until the close";
	size_t head = sizeof(a) - 1 - strlen("until the close");
	size_t i;

	/* HTTP/1.0 never keeps the connection, even when it says so. */
	DONE(S("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"), 0, CAP, 200, 0,
	    S("hi"));
	DONE(S("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	    "Content-Length: 2\r\n\r\nhi"), 0, CAP, 200, 0, S("hi"));
	/*
	 * No Content-Length: the body is everything until the close.  Before
	 * the blank line a close is an error; after it, any prefix is the
	 * whole body.
	 */
	for (i = 0; i <= sizeof(a) - 1; i++) {
		MORE(a, i);
		if (i < head)
			FAIL(a, i, 1, CAP);
		else
			DONE(a, i, 1, CAP, 200, 0, a + head, i - head);
	}
}
END_TEST

START_TEST(until_close)
{
	static const char a[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "\r\n"
	    "{\"a\":1}\r\n";
	size_t head = sizeof(a) - 1 - strlen("{\"a\":1}\r\n");
	size_t i;

	/* HTTP/1.1 with neither Content-Length nor chunked. */
	for (i = 0; i <= sizeof(a) - 1; i++) {
		MORE(a, i);
		if (i < head)
			FAIL(a, i, 1, CAP);
		else
			DONE(a, i, 1, CAP, 200, 0, a + head, i - head);
	}
	DONE(S("HTTP/1.1 200 OK\r\n\r\n"), 1, CAP, 200, 0, S(""));
	DONE(S("HTTP/1.1 404 Not Found\r\n\r\nno"), 1, CAP, 404, 0, S("no"));
}
END_TEST

START_TEST(trailing_bytes)
{
	/* Whatever comes after the answer: it is done, but not reusable. */
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiX"), 0, CAP, 200, 0,
	    S("hi"));
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nho"), 0, CAP, 200, 0,
	    S("hi"));
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi\r\n"), 0, CAP,
	    200, 0, S("hi"));
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi\0"), 1, CAP, 200,
	    0, S("hi"));
	DONE(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\nhi\r\n0\r\n\r\nX"), 0, CAP, 200, 0, S("hi"));
	DONE(S("HTTP/1.1 304 Not Modified\r\n\r\n\r\n"), 0, CAP, 304, 0, S(""));
}
END_TEST

START_TEST(early_eof)
{
	MORE("", 0);
	FAIL("", 0, 1, CAP);
	FAIL(S("H"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\n"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n0\r\n"), 1, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n0\r\nX-T: 1\r\n"), 1, CAP);
	FAIL(S("HTTP/1.1 204 No Content\r\n"), 1, CAP);
}
END_TEST

START_TEST(status_line)
{
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/0.9 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.10 200 OK\r\nContent-Length: 0\r\n\r\n",
		"http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTPS/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"ICY 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 099 x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 000 x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 600 x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 999 x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 -20 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 +20 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1\t200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200\tOK\r\nContent-Length: 0\r\n\r\n",
		" HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		/* Interim answers: a GET without Expect never gets one. */
		"HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n"
		    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
		"HTTP/1.1 199 x\r\nContent-Length: 0\r\n\r\n",
		/* Line ends: CRLF only. */
		"HTTP/1.1 200 OK\nX-A: b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\rX-A: b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
		NULL
	};

	FAIL_ALL(bad);
	/* NUL in the status line. */
	FAIL(S("HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n"), 0, CAP);
	/*
	 * A head with bare LF line ends only: with the close it is an error;
	 * without, it may still wait for a CRLF, but it never completes.
	 */
	FAIL(S("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), 1, CAP);
	NOT_DONE(S("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), 0, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 0\n\n"), 1, CAP);
	NOT_DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 0\n\n"), 0, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n"), 1, CAP);
	NOT_DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n"), 0, CAP);
}
END_TEST

START_TEST(fields)
{
	static const char *const bad[] = {
		/* Whitespace between name and colon (RFC 9112 5.1). */
		"HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A\t: b\r\nContent-Length: 0\r\n\r\n",
		/* obs-fold, and a first field line starting with whitespace. */
		"HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: b\r\n\tc\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n c\r\n\r\n",
		"HTTP/1.1 200 OK\r\n X-A: b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\tX-A: b\r\nContent-Length: 0\r\n\r\n",
		/* Names: tokens, not empty, then a colon. */
		"HTTP/1.1 200 OK\r\n: b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX A: b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX@A: b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX(A): b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX\"A\": b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX\x01: b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX\xc3\xa9: b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 0\r\n\r\n",
		/* Values: visible, no controls. */
		"HTTP/1.1 200 OK\r\nX-A: b\x01c\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: b\x1b[0m\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: b\x7f\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: b\rc\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: b\nc\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\x0b\r\n\r\n",
		NULL
	};

	FAIL_ALL(bad);
	FAIL(S("HTTP/1.1 200 OK\r\nX-A: b\0c\r\nContent-Length: 0\r\n\r\n"), 0,
	    CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nX\0A: b\r\nContent-Length: 0\r\n\r\n"), 0,
	    CAP);
	/* What is allowed: tchars in names, SP/HTAB inside a value, empty. */
	DONE(S("HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09az: v\r\n"
	    "X-Empty:\r\nX-Empty-Too: \r\nX-In: a b\tc\r\n"
	    "X-Quoted: \"a, b\"; q=0.5 (c) <d> [e] {f} \\ / ? = @\r\n"
	    "Content-Length: 2\r\n\r\nhi"), 0, CAP, 200, 1, S("hi"));
}
END_TEST

START_TEST(framing)
{
	static const char *const bad[] = {
		/* Both. */
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Content-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Content-Length: 22\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		/* Transfer codings other than chunked alone. */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
		    "5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
		    "5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nhello",
		/* chunked at most once (RFC 9112 6.1). */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
		    "5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedx\r\n\r\n"
		    "5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: x-chunked\r\n\r\n"
		    "5\r\nhello\r\n0\r\n\r\n",
		/* Content-Length: 1*DIGIT, within size_t and body_cap. */
		"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: -0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5.0\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 5 0\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 1e1\r\n\r\nhellohello",
		"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n"
		    "hello",
		"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n"
		    "hello",
		"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551621\r\n\r\n"
		    "hello",
		"HTTP/1.1 200 OK\r\nContent-Length: "
		    "99999999999999999999999999999999999999\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: "
		    "000000000000000000000000000000000000000000000000000000000000005x"
		    "\r\n\r\nhello",
		/* Two different lengths. */
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
		    "hello!",
		"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Length: 5\r\n\r\n"
		    "hello!",
		"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n"
		    "hello",
		NULL
	};
	static const char *const same[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"
		    "hello",
		"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 5,5\r\n\r\nhello",
		NULL
	};
	const char *const *s;

	FAIL_ALL(bad);
	/*
	 * The same length twice: RFC 9112 6.3 item 5 and RFC 9110 8.6 let a
	 * recipient either reject it or use the one length.  Either is fine;
	 * taking another framing is not.
	 */
	for (s = same; *s != NULL; s++) {
		enum http1_state st = parse(__LINE__, *s, strlen(*s), 0, CAP);

		if (st == HTTP1_DONE)
			DONE(*s, strlen(*s), 0, CAP, 200, 1, S("hello"));
		else
			FAIL(*s, strlen(*s), 0, CAP);
	}
}
END_TEST

START_TEST(body_cap)
{
	/* Exactly body_cap bytes: DONE, the '\0' in the extra byte. */
	DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), 0, 5, 200, 1,
	    S("hello"));
	DONE(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"), 0, 5, 200, 1, S("hello"));
	DONE(S("HTTP/1.1 200 OK\r\n\r\nhello"), 1, 5, 200, 0, S("hello"));
	DONE(S("HTTP/1.0 200 OK\r\n\r\nhello"), 1, 5, 200, 0, S("hello"));
	/* One more. */
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), 0, 4);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), 1, 4);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"), 0, 0);
	NOT_DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), 0, 4);
	NOT_DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell"), 0, 4);
	FAIL(S("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nhello"), 1,
	    CAP);
	NOT_DONE(S("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nhello"), 0,
	    CAP);
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"), 0, 4);
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"), 1, 4);
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n0\r\n\r\n"), 0, 4);
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "FFFFFFFF\r\nhello\r\n0\r\n\r\n"), 1, CAP);
	NOT_DONE(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "FFFFFFFF\r\nhello"), 0, CAP);
	FAIL(S("HTTP/1.1 200 OK\r\n\r\nhello"), 1, 4);
	NOT_DONE(S("HTTP/1.1 200 OK\r\n\r\nhello"), 0, 4);
	FAIL(S("HTTP/1.0 200 OK\r\n\r\nhello"), 1, 4);
	NOT_DONE(S("HTTP/1.0 200 OK\r\n\r\nhello"), 0, 4);
	FAIL(S("HTTP/1.1 200 OK\r\n\r\nx"), 1, 0);
}
END_TEST

/* "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Pad: aaa...\r\n\r\nhello"
 * with a head (up to and with the blank line) of head bytes. */
static size_t
padded(char *out, size_t head)
{
	static const char start[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "X-Pad: ";
	size_t pad = head - (sizeof(start) - 1) - 4;

	memcpy(out, start, sizeof(start) - 1);
	memset(out + sizeof(start) - 1, 'a', pad);
	memcpy(out + head - 4, "\r\n\r\nhello", 9);
	return head + 5;
}

START_TEST(head_max)
{
	char *a = malloc(3 * API_HEAD_MAX);
	size_t n, i;

	ck_assert(a != NULL);
	/* API_HEAD_MAX counts the status line, the fields, the blank line. */
	n = padded(a, API_HEAD_MAX);
	DONE(a, n, 0, CAP, 200, 1, S("hello"));
	n = padded(a, API_HEAD_MAX + 1);
	FAIL(a, n, 0, CAP);
	FAIL(a, n, 1, CAP);
	/* No blank line yet, and already too long for one. */
	padded(a, 2 * API_HEAD_MAX);
	FAIL(a, API_HEAD_MAX + 1, 0, CAP);
	FAIL(a, API_HEAD_MAX + 100, 0, CAP);
	FAIL(a, 2 * API_HEAD_MAX - 4, 0, CAP);
	/* Many shorter lines, fewer than API_HEAD_FIELDS_MAX. */
	n = (size_t)snprintf(a, 32, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < 9; i++) {
		n += (size_t)snprintf(a + n, 32, "X-Pad-%zu: ", i);
		memset(a + n, 'b', 1000);
		n += 1000;
		memcpy(a + n, "\r\n", 2);
		n += 2;
	}
	ck_assert(n > API_HEAD_MAX);
	FAIL(a, n, 0, CAP);
	free(a);
}
END_TEST

/* A 200 with Content-Length: 0 and count field lines in all. */
static size_t
many_fields(char *out, size_t cap, int count)
{
	size_t n = (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 0\r\n");
	int i;

	for (i = 1; i < count; i++)
		n += (size_t)snprintf(out + n, cap - n, "X-F%d: v\r\n", i);
	n += (size_t)snprintf(out + n, cap - n, "\r\n");
	return n;
}

START_TEST(fields_max)
{
	char a[API_HEAD_MAX];
	size_t n;

	n = many_fields(a, sizeof(a), API_HEAD_FIELDS_MAX);
	ck_assert(n < sizeof(a) - 1);
	DONE(a, n, 0, CAP, 200, 1, S(""));
	n = many_fields(a, sizeof(a), API_HEAD_FIELDS_MAX + 1);
	ck_assert(n < sizeof(a) - 1);
	FAIL(a, n, 0, CAP);
	FAIL(a, n, 1, CAP);
}
END_TEST

START_TEST(chunk_errors)
{
	static const char *const bad[] = {
		/* Not hex, or nothing. */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "zz\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5g\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    ";a=b\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "-5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "+5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "0x5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    " 5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n\r\n",
		/* Line ends: CRLF after the size and after the data. */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\rhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhelloX\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "4\r\nhello\r\n0\r\n\r\n",
		/* More than 8 hex digits, with or without leading zeros. */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "123456789\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "FFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "10000000000000005\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "000000005\r\nhello\r\n0\r\n\r\n",
		NULL
	};

	FAIL_ALL(bad);
	/* Nine digits: refused, or at least never a body. */
	NOT_DONE(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "123456789"), 0, CAP);
	/* A NUL where the CRLF after the data goes. */
	FAIL(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\0\n0\r\n\r\n"), 0, CAP);
}
END_TEST

/* The request profile.c sends, as the tests expect it on the wire. */
#define HOST	"api.amazonalexa.com"
#define PATH	"/v2/persons/~current/profile/givenName"
#define TOKEN	"abc.def"
static const char want_get[] = "GET " PATH " HTTP/1.1\r\n"
    "Host: " HOST "\r\n"
    "Authorization: Bearer " TOKEN "\r\n"
    "Accept: application/json\r\n"
    "\r\n";

START_TEST(get)
{
	char out[512];
	size_t n = sizeof(want_get) - 1, i;

	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(http1_get(out, sizeof(out), HOST, PATH, TOKEN), n);
	ck_assert_msg(memcmp(out, want_get, n) == 0, "wrote \"%s\"",
	    show(out, n));
	ck_assert_int_eq(out[n], '\0');
	/* A JWT-like token68 and a query string go through as they are. */
	memset(out, '#', sizeof(out));
	n = http1_get(out, sizeof(out), "api.eu.amazonalexa.com:443",
	    "/v2/accounts/~current/settings/Profile.email?x=1&y=%20",
	    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ-_~+/=.Zm9v==");
	ck_assert_str_eq(out, "GET /v2/accounts/~current/settings/"
	    "Profile.email?x=1&y=%20 HTTP/1.1\r\n"
	    "Host: api.eu.amazonalexa.com:443\r\n"
	    "Authorization: Bearer "
	    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ-_~+/=.Zm9v==\r\n"
	    "Accept: application/json\r\n\r\n");
	ck_assert_uint_eq(n, strlen(out));
	/* Room for the request and its '\0', nothing written past cap. */
	for (i = 0; i <= sizeof(want_get) + 1; i++) {
		size_t want = i >= sizeof(want_get) ? sizeof(want_get) - 1 : 0;
		size_t j;

		memset(out, '#', sizeof(out));
		ck_assert_msg(http1_get(out, i, HOST, PATH, TOKEN) == want,
		    "cap %zu: want %zu", i, want);
		for (j = i; j < sizeof(out); j++)
			ck_assert_msg(out[j] == '#', "cap %zu: wrote out[%zu]",
			    i, j);
		if (want > 0)
			ck_assert_msg(memcmp(out, want_get, sizeof(want_get)) ==
			    0, "cap %zu: wrote \"%s\"", i, show(out, want));
	}
}
END_TEST

START_TEST(get_refuses)
{
	static const char *const bytes[] = { "\r", "\n", "\r\n", " ", "\t",
		"\x01", "\x1f", "\x7f", "\x80", "\xc3\xa9", "\xff" };
	char out[512], s[64];
	size_t i;

	for (i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		snprintf(s, sizeof(s), "api.amazon%salexa.com", bytes[i]);
		ck_assert_msg(http1_get(out, sizeof(out), s, PATH, TOKEN) == 0,
		    "host \"%s\"", show(s, strlen(s)));
		snprintf(s, sizeof(s), "/v2/persons/%s~current", bytes[i]);
		ck_assert_msg(http1_get(out, sizeof(out), HOST, s, TOKEN) == 0,
		    "path \"%s\"", show(s, strlen(s)));
		snprintf(s, sizeof(s), "abc%s.def", bytes[i]);
		ck_assert_msg(http1_get(out, sizeof(out), HOST, PATH, s) == 0,
		    "token \"%s\"", show(s, strlen(s)));
		/* At either end too. */
		snprintf(s, sizeof(s), "abc.def%s", bytes[i]);
		ck_assert_msg(http1_get(out, sizeof(out), HOST, PATH, s) == 0,
		    "token \"%s\"", show(s, strlen(s)));
		snprintf(s, sizeof(s), "%sapi.amazonalexa.com", bytes[i]);
		ck_assert_msg(http1_get(out, sizeof(out), s, PATH, TOKEN) == 0,
		    "host \"%s\"", show(s, strlen(s)));
	}
	/* A header injection through the token. */
	ck_assert_uint_eq(http1_get(out, sizeof(out), HOST, PATH,
	    "abc\r\nX-Evil: 1"), 0);
	ck_assert_uint_eq(http1_get(out, sizeof(out), HOST,
	    "/a HTTP/1.1\r\nHost: evil\r\n\r\nGET /b", TOKEN), 0);
}
END_TEST

Suite *
suite_http1(void)
{
	Suite *s = suite_create("http1");
	TCase *tc = tcase_create("parse");
	TCase *tg = tcase_create("get");

	tcase_add_test(tc, content_length);
	tcase_add_test(tc, statuses);
	tcase_add_test(tc, chunked);
	tcase_add_test(tc, no_body);
	tcase_add_test(tc, connection);
	tcase_add_test(tc, http10);
	tcase_add_test(tc, until_close);
	tcase_add_test(tc, trailing_bytes);
	tcase_add_test(tc, early_eof);
	tcase_add_test(tc, status_line);
	tcase_add_test(tc, fields);
	tcase_add_test(tc, framing);
	tcase_add_test(tc, body_cap);
	tcase_add_test(tc, head_max);
	tcase_add_test(tc, fields_max);
	tcase_add_test(tc, chunk_errors);
	suite_add_tcase(s, tc);
	tcase_add_test(tg, get);
	tcase_add_test(tg, get_refuses);
	suite_add_tcase(s, tg);
	return s;
}
