#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "jsonutil.h"
#include "limits.h"
#include "log.h"
#include "profile.h"
#include "timeutil.h"

struct body_buf {
	char buf[API_BODY_MAX + 1];
	size_t len;
	size_t cap;
	int overflow;
};

/* One thread's handles: connections and TLS sessions are reused. */
struct io_state {
	CURLM *multi;
	CURLSH *share;
	CURL *easy[PF_COUNT];
	CURL *backend;
	struct body_buf body[PF_COUNT];
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

int
profile_endpoint_allowed(const struct config *cfg, const char *endpoint)
{
	char origin[CONF_VALUE_MAX];
	size_t n;

	if (endpoint == NULL || (n = strlen(endpoint)) == 0 ||
	    n >= sizeof(origin))
		return 0;
	memcpy(origin, endpoint, n + 1);
	if (origin[n - 1] == '/')
		origin[n - 1] = '\0';
	return config_origin_allowed(cfg, origin);
}

/* --- Parsing one answer ------------------------------------------- */

static int
parse_text(const char *body, size_t len, char *out, size_t outlen)
{
	const char *why;
	json_object *o = json_parse_bytes(body, len, 2, &why);
	int rc = -1;
	size_t n;

	if (o != NULL && json_object_is_type(o, json_type_string) &&
	    (n = (size_t)json_object_get_string_len(o)) > 0 && n < outlen &&
	    memchr(json_object_get_string(o), '\0', n) == NULL) {
		memcpy(out, json_object_get_string(o), n + 1);
		rc = 0;
	}
	json_object_put(o);
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
	json_object *o = json_parse_bytes(body, len, 3, &why);
	char ccd[8], numd[24];
	size_t ccn, numn;
	int rc = -1;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		goto out;
	cc = json_path_str(o, "countryCode");
	num = json_path_str(o, "phoneNumber");
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
	json_object_put(o);
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
	if (parse_text(body, len, out->text, sizeof(out->text)) != 0)
		return;
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

	if (n > b->cap - b->len) {
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

/* One field's request on its reused handle, added to the thread's multi. */
static void
fetch_add(struct io_state *st, const struct config *cfg,
    const struct envelope *env, int person, int f, struct curl_slist *hdrs)
{
	char url[CONF_VALUE_MAX + 64];
	CURL *h = st->easy[f];

	snprintf(url, sizeof(url), "%s%s", env->api_endpoint,
	    profile_path((enum profile_field)f, person));
	curl_easy_reset(h);
	easy_common(h, cfg->api_ca_file, cfg->api_timeout_ms, st->share);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	st->body[f].len = 0;
	st->body[f].cap = API_BODY_MAX;
	st->body[f].overflow = 0;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &st->body[f]);
	curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)(long)f);
	curl_multi_add_handle(st->multi, h);
}

/* Runs the transfers until all are done or the budget is spent. */
static int
fetch_run(struct io_state *st, int budget_ms)
{
	struct timespec deadline = time_after_ms(CLOCK_MONOTONIC, budget_ms);
	int running = 0;

	do {
		if (curl_multi_perform(st->multi, &running) != CURLM_OK)
			break;
		if (running > 0 && ms_until(&deadline) > 0)
			curl_multi_poll(st->multi, NULL, 0,
			    (int)ms_until(&deadline), NULL);
	} while (running > 0 && ms_until(&deadline) > 0);
	return running;
}

/* Turns finished transfers into values; wipes the bodies. */
static void
fetch_collect(struct io_state *st, unsigned fields, struct profile *out)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(st->multi, &left)) != NULL) {
		long code = 0;
		void *priv = NULL;
		int f;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		f = (int)(long)priv;
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &code);
		else
			log_msg(LOG_WARN, "profile: %s: %s", field_names[f],
			    curl_easy_strerror(msg->data.result));
		profile_parse((enum profile_field)f, code, st->body[f].buf,
		    st->body[f].len, &out->v[f]);
	}
	/* Unfinished ones stay UNAVAILABLE; the connection is dropped. */
	for (int f = 0; f < PF_COUNT; f++)
		if (fields & PF_BIT(f)) {
			curl_multi_remove_handle(st->multi, st->easy[f]);
			explicit_bzero(st->body[f].buf, st->body[f].len);
			st->body[f].len = 0;
		}
}

static void
fetch_curl(struct skill_io *io, const struct envelope *env, unsigned fields,
    struct profile *out)
{
	struct io_state *st = io->state;
	const struct config *cfg = io->cfg;
	struct curl_slist *hdrs = NULL;
	char auth[FIELD_MAX + 32];

	memset(out, 0, sizeof(*out));
	out->person = env->person_id != NULL;
	for (int f = 0; f < PF_COUNT; f++)
		if (fields & PF_BIT(f))
			out->v[f].status = PS_UNAVAILABLE;
	if (!profile_endpoint_allowed(cfg, env->api_endpoint)) {
		log_msg(LOG_WARN, "profile: apiEndpoint not in "
		    "api_allowed_origins; no call made");
		return;
	}
	if (env->api_token == NULL || *env->api_token == '\0') {
		log_msg(LOG_WARN, "profile: no apiAccessToken; no call made");
		return;
	}
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    env->api_token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	explicit_bzero(auth, sizeof(auth));
	for (int f = 0; f < PF_COUNT; f++)
		if (fields & PF_BIT(f))
			fetch_add(st, cfg, env, out->person, f, hdrs);
	if (fetch_run(st, cfg->api_timeout_ms) > 0)
		log_msg(LOG_WARN, "profile: api_timeout_ms (%d) reached",
		    cfg->api_timeout_ms);
	fetch_collect(st, fields, out);
	slist_wipe_free(hdrs);
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
	b->cap = BACKEND_BODY_MAX;
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
	if ((st->multi = curl_multi_init()) == NULL ||
	    (st->share = curl_share_init()) == NULL ||
	    (st->backend = curl_easy_init()) == NULL)
		goto fail;
	/* One thread uses these handles: sharing needs no locks. */
	curl_share_setopt(st->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(st->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION);
	curl_multi_setopt(st->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)PF_COUNT);
	for (int f = 0; f < PF_COUNT; f++)
		if ((st->easy[f] = curl_easy_init()) == NULL)
			goto fail;
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
			if (st->easy[f] != NULL)
				curl_easy_cleanup(st->easy[f]);
		if (st->backend != NULL)
			curl_easy_cleanup(st->backend);
		if (st->multi != NULL)
			curl_multi_cleanup(st->multi);
		if (st->share != NULL)
			curl_share_cleanup(st->share);
		free(st);
	}
	free(io);
}
