#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "http1.h"
#include "jtree.h"
#include "limits.h"
#include "log.h"
#include "profile.h"
#include "timeutil.h"

/* A backend's answer (booking, SMS) as libcurl delivers it. */
struct body_buf {
	char buf[BACKEND_BODY_MAX];
	size_t len;
	int overflow;
};

/* An answer as read: header, body and chunk framing, capped. */
#define API_ANSWER_MAX	(API_HEAD_MAX + 2 * API_BODY_MAX)

enum call_state { CALL_IDLE, CALL_SEND, CALL_READ, CALL_DONE };

/*
 * One field's kept connection to the profile API.  libcurl connects
 * (TCP, TLS with verification, any proxy tunnel: CURLOPT_CONNECT_ONLY)
 * and keeps the connection in the handle; the GET and its answer go
 * through curl_easy_send/recv and app/http1.c.
 */
struct api_conn {
	CURL *h;
	int up;				/* connected, may carry a request */
	char origin[CONF_VALUE_MAX];	/* what it is connected to */
	/* The call in progress. */
	enum call_state state;
	int reused;			/* on a kept connection: may retry */
	char req[CONF_VALUE_MAX + FIELD_MAX + 256];
	size_t req_len, sent;
	char buf[API_ANSWER_MAX];
	size_t have;
	char body[API_BODY_MAX + 1];
};

/* One thread's handles: connections and TLS sessions are reused. */
struct io_state {
	CURLM *connect;			/* opens the api_conns, in parallel */
	CURLSH *share;
	CURL *backend;
	struct api_conn conn[PF_COUNT];
};

static const char *const field_names[PF_COUNT] = {
	"givenName", "name", "mobileNumber", "email",
};

static const char *const person_paths[PF_COUNT] = {
	"/v2/persons/~current/profile/givenName",
	"/v2/persons/~current/profile/name",
	"/v2/persons/~current/profile/mobileNumber",
	NULL,
};

static const char *const account_paths[PF_COUNT] = {
	"/v2/accounts/~current/settings/Profile.givenName",
	"/v2/accounts/~current/settings/Profile.name",
	"/v2/accounts/~current/settings/Profile.mobileNumber",
	"/v2/accounts/~current/settings/Profile.email",
};

const char *
profile_field_name(enum profile_field f)
{
	return f < PF_COUNT ? field_names[f] : "?";
}

const char *
profile_status_name(enum profile_status s)
{
	static const char *const names[] = {
		"not_requested", "ok", "not_set", "no_permission",
		"unauthorized", "throttled", "unavailable",
	};

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *
profile_path(enum profile_field f, int person)
{
	if (f >= PF_COUNT)
		return NULL;
	/* Email exists only at account level, whoever speaks. */
	if (person && person_paths[f] != NULL)
		return person_paths[f];
	return account_paths[f];
}

void
profile_wipe(struct profile *p)
{
	explicit_bzero(p, sizeof(*p));
}

/* apiEndpoint without its trailing '/'; -1 if empty or too long. */
static int
endpoint_origin(const char *endpoint, char *origin, size_t size)
{
	size_t n;

	if (endpoint == NULL || (n = strlen(endpoint)) == 0 || n >= size)
		return -1;
	memcpy(origin, endpoint, n + 1);
	if (origin[n - 1] == '/')
		origin[n - 1] = '\0';
	return 0;
}

int
profile_endpoint_allowed(const struct config *cfg, const char *endpoint)
{
	char origin[CONF_VALUE_MAX];

	return endpoint_origin(endpoint, origin, sizeof(origin)) == 0 &&
	    config_origin_allowed(cfg, origin);
}

/* --- Parsing one answer ------------------------------------------- */

/*
 * One value: a string (jtree refuses \u0000, so no NUL inside).  Returns
 * 0 with the text, 1 for an empty or all-blank string (the user has not
 * set it: an API that answers "" instead of 204), -1 if malformed.
 */
static int
parse_text(const char *body, size_t len, char *out, size_t outlen)
{
	const char *why, *s;
	struct jdoc d;
	int rc = -1;

	if (jdoc_parse(&d, body, len, 1, 1, &why) != 0)
		return -1;
	if ((s = jdoc_str(&d, 0)) != NULL && d.node[0].len < outlen) {
		rc = s[strspn(s, " \t\r\n")] == '\0' ? 1 : 0;
		if (rc == 0)
			memcpy(out, s, d.node[0].len + 1);
	}
	jdoc_free(&d);
	return rc;
}

/* Digits of s into out (separators ' ', '-', '.', '(', ')' dropped). */
static int
collect_digits(const char *s, char *out, size_t outlen, size_t *n)
{
	*n = 0;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s)) {
			if (*n + 1 >= outlen)
				return -1;
			out[(*n)++] = *s;
		} else if (strchr(" -.()", *s) == NULL)
			return -1;
	}
	out[*n] = '\0';
	return 0;
}

static int
parse_mobile(const char *body, size_t len, struct profile_value *v)
{
	const char *why, *cc, *num;
	struct jdoc d;
	char ccd[8], numd[24];
	size_t ccn, numn;
	int rc = -1;

	if (jdoc_parse(&d, body, len, 2, 64, &why) != 0)
		return -1;
	if (jdoc_type(&d, 0) != JT_OBJECT)
		goto out;
	cc = jdoc_path_str(&d, 0, "countryCode");
	num = jdoc_path_str(&d, 0, "phoneNumber");
	if (cc == NULL || num == NULL || strlen(cc) > 6 || strlen(num) > 24)
		goto out;
	if (*cc == '+')
		cc++;
	if (collect_digits(cc, ccd, sizeof(ccd), &ccn) != 0 || ccn < 1 ||
	    ccn > 3 || ccd[0] == '0' || strchr(cc, ' ') != NULL)
		goto out;
	if (collect_digits(num, numd, sizeof(numd), &numn) != 0 ||
	    numn < 4 || ccn + numn > 15)
		goto out;
	snprintf(v->e164, sizeof(v->e164), "+%s%s", ccd, numd);
	memcpy(v->last2, numd + numn - 2, 2);
	v->last2[2] = '\0';
	rc = 0;
out:
	explicit_bzero(ccd, sizeof(ccd));
	explicit_bzero(numd, sizeof(numd));
	jdoc_free(&d);
	return rc;
}

void
profile_parse(enum profile_field f, long http_status, const char *body,
    size_t len, struct profile_value *out)
{
	memset(out, 0, sizeof(*out));
	switch (http_status) {
	case 200:
		break;
	case 204:
		out->status = PS_NOT_SET;
		return;
	case 401:
		out->status = PS_UNAUTHORIZED;
		return;
	case 403:
		out->status = PS_NO_PERMISSION;
		return;
	case 429:
		out->status = PS_THROTTLED;
		return;
	default:
		out->status = PS_UNAVAILABLE;
		return;
	}
	out->status = PS_UNAVAILABLE;
	if (body == NULL || len == 0 || len > API_BODY_MAX)
		return;
	if (f == PF_MOBILE) {
		if (parse_mobile(body, len, out) == 0)
			out->status = PS_OK;
		return;
	}
	switch (parse_text(body, len, out->text, sizeof(out->text))) {
	case 0:
		break;
	case 1:
		out->status = PS_NOT_SET;
		return;
	default:
		return;
	}
	if (f == PF_EMAIL && strchr(out->text, '@') == NULL) {
		explicit_bzero(out->text, sizeof(out->text));
		return;
	}
	out->status = PS_OK;
}

/* --- libcurl ----------------------------------------------------------- */

static size_t
body_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body_buf *b = arg;
	size_t n = size * nmemb;

	if (n > sizeof(b->buf) - b->len) {
		b->overflow = 1;
		return 0;	/* aborts the transfer */
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return n;
}

static void
easy_common(CURL *h, const char *ca_file, int timeout_ms, CURLSH *share)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/*
	 * A call that times out while the name is still being resolved must
	 * return then: without this libcurl waits for its resolver thread,
	 * as long as a silent DNS server takes (10 s with glibc's defaults).
	 * The thread is left to end on its own.
	 */
	curl_easy_setopt(h, CURLOPT_QUICK_EXIT, 1L);
	if (ca_file[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
	if (share != NULL)
		curl_easy_setopt(h, CURLOPT_SHARE, share);
}

/* Header lines may hold a token: clear them before freeing. */
static void
slist_wipe_free(struct curl_slist *l)
{
	for (struct curl_slist *i = l; i != NULL; i = i->next)
		explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

/*
 * A connection opened by libcurl stays in the thread's connect multi
 * until it is closed: CONNECT_ONLY connections live in the multi's
 * connection cache, and curl_easy_send/recv find them there.
 */
static void
conn_close(struct io_state *st, struct api_conn *c)
{
	if (c->h != NULL) {
		curl_multi_remove_handle(st->connect, c->h);
		curl_easy_cleanup(c->h);
	}
	c->h = NULL;
	c->up = 0;
}

/* Ends slot f's call unanswered (its value stays UNAVAILABLE). */
static void
call_drop(struct io_state *st, int f)
{
	conn_close(st, &st->conn[f]);
	st->conn[f].state = CALL_DONE;
}

static int
call_pending(const struct api_conn *c)
{
	return c->state == CALL_SEND || c->state == CALL_READ;
}

/*
 * OpenSSL reads a whole TLS record, and whatever follows it, per recv()
 * instead of the 5-byte record header first: one system call per answer,
 * not two.  call_step reads until EAGAIN before it waits, so it never
 * waits for bytes OpenSSL already holds.
 */
static CURLcode
tls_read_ahead(CURL *h, void *ssl_ctx, void *arg)
{
	(void)h;
	(void)arg;
	SSL_CTX_set_read_ahead((SSL_CTX *)ssl_ctx, 1);
	return CURLE_OK;
}

/* Starts connecting slot f to origin within ms; conns_wait() ends it. */
static const char *
conn_begin(struct io_state *st, int f, const struct config *cfg,
    const char *origin, long ms)
{
	struct api_conn *c = &st->conn[f];

	conn_close(st, c);
	if (ms <= 0)
		return "api_timeout_ms reached";
	if ((c->h = curl_easy_init()) == NULL)
		return "out of memory";
	easy_common(c->h, cfg->api_ca_file, (int)ms, st->share);
	curl_easy_setopt(c->h, CURLOPT_URL, origin);
	curl_easy_setopt(c->h, CURLOPT_CONNECT_ONLY, 1L);
	/* Through a proxy, a tunnel: the bytes on it are ours. */
	curl_easy_setopt(c->h, CURLOPT_HTTPPROXYTUNNEL, 1L);
	/* ALPN offers http/1.1 only: the bytes we write are HTTP/1.1. */
	curl_easy_setopt(c->h, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c->h, CURLOPT_PRIVATE, (void *)(long)f);
	curl_easy_setopt(c->h, CURLOPT_SSL_CTX_FUNCTION, tls_read_ahead);
	if (curl_multi_add_handle(st->connect, c->h) != CURLM_OK) {
		curl_easy_cleanup(c->h);
		c->h = NULL;
		return "out of memory";
	}
	if (origin != c->origin)
		snprintf(c->origin, sizeof(c->origin), "%s", origin);
	return NULL;
}

/*
 * Runs the connects conn_begin() started, all at once, until they are
 * done or the budget is spent.  A slot that did not connect is closed,
 * its call ended and the reason logged.
 */
static void
conns_wait(struct io_state *st, const struct timespec *deadline)
{
	CURLMsg *msg;
	int running = 0, left, pending = 0;

	for (int f = 0; f < PF_COUNT; f++)
		pending |= st->conn[f].h != NULL && !st->conn[f].up;
	if (!pending)
		return;		/* the usual case: every connection was kept */
	do {
		if (curl_multi_perform(st->connect, &running) != CURLM_OK)
			break;
		if (running > 0 && ms_until(deadline) > 0)
			curl_multi_poll(st->connect, NULL, 0,
			    (int)ms_until(deadline), NULL);
	} while (running > 0 && ms_until(deadline) > 0);
	while ((msg = curl_multi_info_read(st->connect, &left)) != NULL) {
		void *priv = NULL;
		int f;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		f = (int)(long)priv;
		if (msg->data.result == CURLE_OK) {
			st->conn[f].up = 1;
			continue;
		}
		log_msg(LOG_WARN, "profile: %s: %s", field_names[f],
		    curl_easy_strerror(msg->data.result));
		call_drop(st, f);
	}
	for (int f = 0; f < PF_COUNT; f++)
		if (st->conn[f].h != NULL && !st->conn[f].up) {
			log_msg(LOG_WARN, "profile: %s: api_timeout_ms reached "
			    "while connecting", field_names[f]);
			call_drop(st, f);
		}
}

/*
 * A kept connection is checked before every use: one non-blocking read
 * must find nothing.  A server that has closed it shows EOF; one that
 * wrote unasked (a repeated answer) would otherwise hand those bytes to
 * the next user as theirs.  Bytes after an answer that were read with it
 * already end the connection (http1_parse).  Not covered: unasked bytes
 * that arrive while the next call is in flight; HTTP/1.1 cannot tell
 * them from the answer (the API is TLS to Amazon, so only the API
 * itself could send them).
 */
static int
conn_idle_ok(struct api_conn *c)
{
	char b[1];
	size_t n = 0;

	return curl_easy_recv(c->h, b, sizeof(b), &n) == CURLE_AGAIN;
}

static curl_socket_t
conn_fd(struct api_conn *c)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(c->h, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK)
		return CURL_SOCKET_BAD;
	return fd;
}

/* Starts field f's call: its request, and a connection kept or begun. */
static const char *
call_start(struct io_state *st, const struct config *cfg, const char *origin,
    const char *host, const char *path, const char *token, int f,
    const struct timespec *deadline)
{
	struct api_conn *c = &st->conn[f];
	const char *why;

	c->req_len = http1_get(c->req, sizeof(c->req), host, path, token);
	if (c->req_len == 0)
		return "apiAccessToken or apiEndpoint cannot go into a request";
	if (c->up && (strcmp(c->origin, origin) != 0 || !conn_idle_ok(c)))
		conn_close(st, c);
	c->reused = c->up;
	if (!c->up && (why = conn_begin(st, f, cfg, origin,
	    ms_until(deadline))) != NULL)
		return why;
	c->sent = c->have = 0;
	c->state = CALL_SEND;	/* once connected: see conns_wait() */
	return NULL;
}

/*
 * Moves one call on without waiting.  Returns NULL, or why it failed;
 * a kept connection that fails before any byte of the answer is retried
 * once on a new one (a GET: safe to send again).
 */
static const char *
call_step(struct io_state *st, const struct config *cfg, int f,
    const struct timespec *deadline, struct profile *out)
{
	struct api_conn *c = &st->conn[f];
	struct http1_resp r;
	enum http1_state ps;
	const char *why = NULL;

	if (c->state == CALL_SEND) {
		while (c->sent < c->req_len) {
			size_t n = 0;
			CURLcode rc = curl_easy_send(c->h, c->req + c->sent,
			    c->req_len - c->sent, &n);

			if (rc == CURLE_AGAIN)
				return NULL;
			if (rc != CURLE_OK) {
				why = curl_easy_strerror(rc);
				goto broken;
			}
			c->sent += n;
		}
		/* Sent: the answer is not there yet, so wait before reading. */
		c->state = CALL_READ;
		return NULL;
	}
	/*
	 * Read until the answer is complete or nothing is left (then wait):
	 * never wait while libcurl/OpenSSL may still hold read bytes.
	 */
	for (ps = HTTP1_MORE; ps == HTTP1_MORE;) {
		size_t n = 0;
		CURLcode rc;

		if (c->have == sizeof(c->buf)) {
			why = "answer too large";
			goto failed;
		}
		rc = curl_easy_recv(c->h, c->buf + c->have,
		    sizeof(c->buf) - c->have, &n);
		if (rc == CURLE_AGAIN)
			return NULL;
		if (rc != CURLE_OK) {
			why = curl_easy_strerror(rc);
			goto broken;
		}
		if (n == 0 && c->have == 0) {
			why = "connection closed before the answer";
			goto broken;
		}
		c->have += n;
		ps = http1_parse(c->buf, c->have, n == 0, c->body,
		    API_BODY_MAX, &r);
	}
	if (ps == HTTP1_ERROR) {
		why = r.error;
		goto failed;
	}
	profile_parse((enum profile_field)f, r.status, c->body, r.body_len,
	    &out->v[f]);
	if (!r.keep_alive)
		conn_close(st, c);
	c->state = CALL_DONE;
	return NULL;
broken:
	if (c->reused && c->have == 0) {
		const char *again = conn_begin(st, f, cfg, c->origin,
		    ms_until(deadline));

		if (again == NULL) {
			conns_wait(st, deadline);
			if (!c->up)
				return NULL;	/* conns_wait logged why */
			c->reused = 0;		/* once */
			c->sent = 0;
			c->state = CALL_SEND;
			return call_step(st, cfg, f, deadline, out);
		}
		why = again;
	}
failed:
	call_drop(st, f);
	return why;
}

/* Runs the started calls until all are done or the budget is spent. */
static void
calls_run(struct io_state *st, const struct config *cfg, unsigned fields,
    const struct timespec *deadline, struct profile *out)
{
	for (;;) {
		struct pollfd pfd[PF_COUNT];
		int n = 0;
		long ms;

		for (int f = 0; f < PF_COUNT; f++) {
			struct api_conn *c = &st->conn[f];
			const char *why;

			if (!(fields & PF_BIT(f)) || !call_pending(c))
				continue;
			if ((why = call_step(st, cfg, f, deadline, out)) != NULL)
				log_msg(LOG_WARN, "profile: %s: %s",
				    field_names[f], why);
			if (c->state == CALL_DONE)
				continue;
			pfd[n].fd = conn_fd(c);
			pfd[n].events = c->state == CALL_SEND ? POLLOUT : POLLIN;
			pfd[n].revents = 0;
			n++;
		}
		if (n == 0)
			return;
		if ((ms = ms_until(deadline)) <= 0)
			break;
		if (poll(pfd, (nfds_t)n, (int)ms) < 0 && errno != EINTR)
			break;
	}
	/* Unfinished calls stay UNAVAILABLE; their connections are dropped. */
	log_msg(LOG_WARN, "profile: api_timeout_ms (%d) reached",
	    cfg->api_timeout_ms);
	for (int f = 0; f < PF_COUNT; f++)
		if ((fields & PF_BIT(f)) && call_pending(&st->conn[f]))
			call_drop(st, f);
}

/* The request holds the token, the answer personal data. */
static void
calls_wipe(struct io_state *st, unsigned fields)
{
	for (int f = 0; f < PF_COUNT; f++)
		if (fields & PF_BIT(f)) {
			struct api_conn *c = &st->conn[f];

			explicit_bzero(c->req, c->req_len);
			explicit_bzero(c->buf, c->have);
			explicit_bzero(c->body, sizeof(c->body));
			c->req_len = c->have = 0;
			c->state = CALL_IDLE;
		}
}

static void
fetch_curl(struct skill_io *io, const struct envelope *env, unsigned fields,
    struct profile *out)
{
	struct io_state *st = io->state;
	const struct config *cfg = io->cfg;
	/* api_timeout_ms, or less if the request's budget ends sooner. */
	struct timespec deadline = time_earlier(time_after_ms(CLOCK_MONOTONIC,
	    cfg->api_timeout_ms), io->reply_by);
	char origin[CONF_VALUE_MAX];
	const char *host;

	memset(out, 0, sizeof(*out));
	out->person = env->person_id != NULL;
	for (int f = 0; f < PF_COUNT; f++)
		if (fields & PF_BIT(f))
			out->v[f].status = PS_UNAVAILABLE;
	if (endpoint_origin(env->api_endpoint, origin, sizeof(origin)) != 0 ||
	    !config_origin_allowed(cfg, origin)) {
		log_msg(LOG_WARN, "profile: apiEndpoint not in "
		    "api_allowed_origins; no call made");
		return;
	}
	if (env->api_token == NULL || *env->api_token == '\0') {
		log_msg(LOG_WARN, "profile: no apiAccessToken; no call made");
		return;
	}
	/* An allowed origin is scheme://host[:port]. */
	host = strstr(origin, "://");
	host = host != NULL ? host + 3 : origin;
	for (int f = 0; f < PF_COUNT; f++) {
		const char *why;

		if (!(fields & PF_BIT(f)))
			continue;
		why = call_start(st, cfg, origin, host,
		    profile_path((enum profile_field)f, out->person),
		    env->api_token, f, &deadline);
		if (why != NULL) {
			log_msg(LOG_WARN, "profile: %s: %s", field_names[f], why);
			st->conn[f].state = CALL_DONE;
		}
	}
	conns_wait(st, &deadline);
	calls_run(st, cfg, fields, &deadline, out);
	calls_wipe(st, fields);
}

/*
 * SigV4 signing by libcurl with the credentials from the environment
 * (never from the configuration, never logged).  Returns an error name
 * or NULL.
 */
static const char *
sigv4_setup(CURL *h, const char *provider, struct curl_slist **hdrs)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID");
	const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *session = getenv("AWS_SESSION_TOKEN");
	char userpwd[512], line[4096];

	if (id == NULL || secret == NULL || *id == '\0' ||
	    strlen(id) + strlen(secret) + 2 > sizeof(userpwd))
		return "no_aws_credentials";
	if (session != NULL && strlen(session) + 32 > sizeof(line))
		return "aws_session_token_too_long";
	snprintf(userpwd, sizeof(userpwd), "%s:%s", id, secret);
	curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
	explicit_bzero(userpwd, sizeof(userpwd));
	curl_easy_setopt(h, CURLOPT_AWS_SIGV4, provider);
	if (session != NULL && *session != '\0') {
		snprintf(line, sizeof(line), "X-Amz-Security-Token: %s", session);
		*hdrs = curl_slist_append(*hdrs, line);
		explicit_bzero(line, sizeof(line));
	}
	return NULL;
}

static void
backend_curl(struct skill_io *io, const struct backend_req *req,
    struct backend_res *res)
{
	struct io_state *st = io->state;
	struct curl_slist *hdrs = NULL;
	struct body_buf *b;
	char line[512];
	CURLcode rc;

	memset(res, 0, sizeof(*res));
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		res->error = "memory";
		return;
	}
	curl_easy_reset(st->backend);
	easy_common(st->backend, io->cfg->backend_ca_file, req->timeout_ms,
	    st->share);
	curl_easy_setopt(st->backend, CURLOPT_URL, req->url);
	curl_easy_setopt(st->backend, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(st->backend, CURLOPT_POSTFIELDSIZE, (long)req->len);
	snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
	hdrs = curl_slist_append(hdrs, line);
	/*
	 * curl before 8.3 puts an "Expect:" removal line into SigV4's
	 * SignedHeaders although it sends no such header, and AWS (and the
	 * SNS mock) then reject the signature (curl issue 11664).  SigV4
	 * bodies here are at most 4 KiB, far below the size at which curl
	 * adds "Expect: 100-continue", so the line is not needed there.
	 */
	if (req->aws_sigv4 == NULL)
		hdrs = curl_slist_append(hdrs, "Expect:");
	if (req->idempotency_key != NULL) {
		snprintf(line, sizeof(line), "Idempotency-Key: %s",
		    req->idempotency_key);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (req->aws_sigv4 != NULL &&
	    (res->error = sigv4_setup(st->backend, req->aws_sigv4, &hdrs)) != NULL)
		goto out;
	curl_easy_setopt(st->backend, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(st->backend, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(st->backend, CURLOPT_WRITEDATA, b);
	rc = curl_easy_perform(st->backend);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(st->backend, CURLINFO_RESPONSE_CODE,
		    &res->status);
		memcpy(res->body, b->buf, b->len);
		res->body[b->len] = '\0';
		res->len = b->len;
	} else
		res->error = rc == CURLE_OPERATION_TIMEDOUT ? "timeout" :
		    b->overflow ? "too_large" : "network";
	if (res->error != NULL || res->status < 200 || res->status > 299)
		log_msg(LOG_WARN, "backend: %s: %s (http %ld)", req->what,
		    res->error ? res->error : "error status", res->status);
out:
	/* Drop the credentials and headers from the reused handle. */
	curl_easy_setopt(st->backend, CURLOPT_USERPWD, NULL);
	curl_easy_setopt(st->backend, CURLOPT_HTTPHEADER, NULL);
	slist_wipe_free(hdrs);
	explicit_bzero(b, sizeof(*b));
	free(b);
}

struct skill_io *
profile_io_new(const struct config *cfg)
{
	struct skill_io *io = calloc(1, sizeof(*io));
	struct io_state *st = calloc(1, sizeof(*st));

	if (io == NULL || st == NULL)
		goto fail;
	io->cfg = cfg;
	io->profile_fetch = fetch_curl;
	io->backend_post = backend_curl;
	io->state = st;
	if ((st->connect = curl_multi_init()) == NULL ||
	    (st->share = curl_share_init()) == NULL ||
	    (st->backend = curl_easy_init()) == NULL)
		goto fail;
	/* One thread uses these handles: sharing needs no locks. */
	curl_share_setopt(st->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(st->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION);
	return io;
fail:
	profile_io_free(io);
	if (io == NULL)
		free(st);
	return NULL;
}

void
profile_io_free(struct skill_io *io)
{
	struct io_state *st;

	if (io == NULL)
		return;
	if ((st = io->state) != NULL) {
		for (int f = 0; f < PF_COUNT; f++)
			conn_close(st, &st->conn[f]);
		if (st->backend != NULL)
			curl_easy_cleanup(st->backend);
		if (st->connect != NULL)
			curl_multi_cleanup(st->connect);
		if (st->share != NULL)
			curl_share_cleanup(st->share);
		free(st);
	}
	free(io);
}
