/*
 * The HTTP/1.1 answer parser (app/http1.c).  The first byte picks eof
 * (bit 0) and body_cap (the rest, small caps included); the rest is the
 * answer, parsed at every prefix length as it would arrive from the
 * socket (a sample of them for a long input), then whole with that eof.
 *
 * Besides what any single call must hold, framing is prefix-stable: once
 * a prefix is DONE, every longer one is DONE with the same status and
 * body and, having bytes after the answer, keep_alive 0; once a prefix is
 * an ERROR, so is every longer one.
 */
#include "fuzz.h"
#include "../../app/http1.h"

static const size_t caps[] = { 0, 1, 2, 3, 5, 8, 16, 64, 255, 1024, 4096,
	65536 };
#define NCAPS	(sizeof(caps) / sizeof(caps[0]))

/* Prefix lengths tried for a long input: about this many. */
#define SAMPLES	256

/* One call on a copy of exactly n bytes, with the checks every call gets. */
static enum http1_state
parse(const uint8_t *data, size_t n, int eof, char *body, size_t cap,
    struct http1_resp *r)
{
	char *buf = fuzz_dup(data, n);
	enum http1_state st;

	if (buf == NULL)
		abort();
	memset(r, 0, sizeof(*r));
	r->status = -1;
	st = http1_parse(buf, n, eof, body, cap, r);
	free(buf);
	switch (st) {
	case HTTP1_DONE:
		if (r->body_len > cap || body[r->body_len] != '\0' ||
		    r->status < 200 || r->status > 599)
			abort();
		break;
	case HTTP1_ERROR:
		if (r->error == NULL)
			abort();
		break;
	case HTTP1_MORE:
		/* After the close there is no more to read. */
		if (eof)
			abort();
		break;
	default:
		abort();
	}
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1_resp r, first;
	enum http1_state st, was = HTTP1_MORE;
	size_t cap, n, i, step, at = 0;
	char *body, *kept;
	int eof;

	if (size == 0)
		return 0;
	eof = data[0] & 1;
	cap = caps[(data[0] >> 1) % NCAPS];
	data++;
	n = size - 1;
	/* Exactly body_cap + 1 bytes: ASan sees a write past the '\0'. */
	body = malloc(cap + 1);
	kept = malloc(cap + 1);
	if (body == NULL || kept == NULL)
		abort();
	memset(&first, 0, sizeof(first));
	step = n <= SAMPLES ? 1 : n / SAMPLES;
	for (i = 0;; i = i + step < n ? i + step : n) {
		st = parse(data, i, 0, body, cap, &r);
		if (was == HTTP1_DONE) {
			if (st != HTTP1_DONE || r.status != first.status ||
			    r.body_len != first.body_len ||
			    memcmp(body, kept, r.body_len) != 0 ||
			    (i > at && r.keep_alive))
				abort();
		} else if (was == HTTP1_ERROR) {
			if (st != HTTP1_ERROR)
				abort();
		} else if (st == HTTP1_DONE) {
			first = r;
			at = i;
			memcpy(kept, body, r.body_len + 1);
		}
		was = st;
		if (i == n)
			break;
	}
	if (eof) {
		st = parse(data, n, 1, body, cap, &r);
		if (was == HTTP1_DONE && (st != HTTP1_DONE ||
		    r.status != first.status || r.body_len != first.body_len ||
		    memcmp(body, kept, r.body_len) != 0 ||
		    (n > at && r.keep_alive)))
			abort();
		if (was == HTTP1_ERROR && st != HTTP1_ERROR)
			abort();
	}
	free(body);
	free(kept);
	return 0;
}
