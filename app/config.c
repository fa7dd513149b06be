#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "log.h"

/*
 * The keys, as data: name, type, where the value goes, bounds and
 * default.  Unknown keys are an error; every value is checked here so the
 * rest of the worker can trust the struct.
 */
enum conf_type { CT_STR, CT_PATH, CT_INT, CT_BOOL, CT_ENUM, CT_LIST, CT_URL,
    CT_ORIGINS, CT_CONNECT_TO };

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;
	size_t size;		/* buffer size for strings */
	long min, max;		/* CT_INT bounds */
	const char *choices;	/* CT_ENUM: "a|b|c", index stored */
	const char *def;
};

#define OFF(f) offsetof(struct config, f)
#define SZ(f) sizeof(((struct config *)0)->f)

const char *const conf_locale_tags[CONF_LOCALES] = { "en-US", "en-GB",
    "de-DE" };

/* An operator text for locale i (tag: conf_locale_tags[i]); no default. */
#define TEXT_KEY(name, t, i, tag) \
	{ name "." tag, CT_STR, OFF(text_loc[t][i]), SZ(text_loc[t][i]), 0, 0, \
	    NULL, NULL }
#define TEXT_KEYS(name, t) \
	TEXT_KEY(name, t, 0, "en-US"), TEXT_KEY(name, t, 1, "en-GB"), \
	TEXT_KEY(name, t, 2, "de-DE")

static const struct conf_key conf_keys[] = {
	{ "skill_id", CT_LIST, OFF(skill_id), 0, 0, 0, NULL, NULL },
	{ "verify_signature", CT_BOOL, OFF(verify_signature), 0, 0, 0, NULL,
	    "yes" },
	{ "timestamp_tolerance_s", CT_INT, OFF(timestamp_tolerance_s), 0, 1,
	    3600, NULL, "150" },
	{ "event_timestamp_tolerance_s", CT_INT,
	    OFF(event_timestamp_tolerance_s), 0, 1, 86400, NULL, "3600" },
	{ "cert_trust_file", CT_PATH, OFF(cert_trust_file),
	    SZ(cert_trust_file), 0, 0, NULL, "" },
	{ "cert_fetch_ca_file", CT_PATH, OFF(cert_fetch_ca_file),
	    SZ(cert_fetch_ca_file), 0, 0, NULL, "" },
	{ "cert_fetch_timeout_ms", CT_INT, OFF(cert_fetch_timeout_ms), 0,
	    TIMEOUT_MS_MIN, TIMEOUT_MS_MAX, NULL, "2000" },
	{ "cert_fetch_connect_to", CT_CONNECT_TO, OFF(cert_fetch_connect_to),
	    SZ(cert_fetch_connect_to), 0, 0, NULL, "" },
	{ "api_allowed_origins", CT_ORIGINS, OFF(api_allowed_origins), 0, 0,
	    0, NULL, "https://api.amazonalexa.com,https://api.eu.amazonalexa.com,"
	    "https://api.fe.amazonalexa.com" },
	{ "api_ca_file", CT_PATH, OFF(api_ca_file), SZ(api_ca_file), 0, 0,
	    NULL, "" },
	{ "api_timeout_ms", CT_INT, OFF(api_timeout_ms), 0, TIMEOUT_MS_MIN,
	    TIMEOUT_MS_MAX, NULL, "2500" },
	{ "log_level", CT_ENUM, OFF(log_level), 0, 0, 0,
	    "error|warn|info|debug", "info" },
	{ "worker_threads", CT_INT, OFF(worker_threads), 0, THREADS_MIN,
	    THREADS_MAX, NULL, "4" },
	{ "skill_name", CT_STR, OFF(skill_name), SZ(skill_name), 0, 0, NULL,
	    "The Corner Table" },
	{ "name_scope", CT_ENUM, OFF(name_scope), 0, 0, 0, "given_name|name",
	    "given_name" },
	{ "voice_consent", CT_BOOL, OFF(voice_consent), 0, 0, 0, NULL, "no" },
	{ "greeting_name", CT_ENUM, OFF(greeting_name), 0, 0, 0,
	    "profile|ssml_tag", "profile" },
	{ "booking_url", CT_URL, OFF(booking_url), SZ(booking_url), 0, 0,
	    NULL, "" },
	{ "booking_timeout_ms", CT_INT, OFF(booking_timeout_ms), 0,
	    TIMEOUT_MS_MIN, TIMEOUT_MS_MAX, NULL, "2000" },
	{ "sms_gateway", CT_ENUM, OFF(sms_gateway), 0, 0, 0,
	    "none|webhook|sns", "none" },
	{ "sms_url", CT_URL, OFF(sms_url), SZ(sms_url), 0, 0, NULL, "" },
	{ "sns_region", CT_STR, OFF(sns_region), SZ(sns_region), 0, 0, NULL,
	    "" },
	{ "sns_endpoint", CT_URL, OFF(sns_endpoint), SZ(sns_endpoint), 0, 0,
	    NULL, "" },
	{ "sms_timeout_ms", CT_INT, OFF(sms_timeout_ms), 0, TIMEOUT_MS_MIN,
	    TIMEOUT_MS_MAX, NULL, "1500" },
	{ "venue_address", CT_STR, OFF(venue_address), SZ(venue_address), 0,
	    0, NULL, "" },
	{ "venue_hours", CT_STR, OFF(venue_hours), SZ(venue_hours), 0, 0,
	    NULL, "" },
	{ "backend_ca_file", CT_PATH, OFF(backend_ca_file),
	    SZ(backend_ca_file), 0, 0, NULL, "" },
	TEXT_KEYS("skill_name", TXT_SKILL_NAME),
	TEXT_KEYS("venue_address", TXT_VENUE_ADDRESS),
	TEXT_KEYS("venue_hours", TXT_VENUE_HOURS),
};

/* The plain keys of the texts, in enum conf_text order. */
static const char *const text_names[CONF_TEXTS] = { "skill_name",
    "venue_address", "venue_hours" };

#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

struct parse_ctx {
	const char *name;
	char dir[PATH_MAX];
	int check_files;
	char *err;
	size_t errlen;
};

static int
fail(struct parse_ctx *p, int line, const char *key, const char *fmt,
    const char *arg)
{
	char what[512];

	snprintf(what, sizeof(what), fmt, arg);
	if (key == NULL)	/* the line is not shown: it may hold a secret */
		snprintf(p->err, p->errlen, "%s:%d: %s", p->name, line, what);
	else if (line > 0)
		snprintf(p->err, p->errlen, "%s:%d: key '%s': %s", p->name,
		    line, key, what);
	else
		snprintf(p->err, p->errlen, "%s: key '%s': %s", p->name, key,
		    what);
	return -1;
}

/*
 * An address in 127.0.0.0/8, [::1], or "localhost" (which libcurl
 * resolves to loopback itself).  A name that only starts with "127."
 * (127.0.0.1.nip.io) is a DNS name like any other.
 */
static int
is_loopback_host(const char *host)
{
	unsigned char a4[4], a6[16];
	char h[48];
	size_t n = strlen(host);

	if (strcmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a4) == 1)
		return a4[0] == 127;
	if (n < 3 || n - 2 >= sizeof(h) || host[0] != '[' || host[n - 1] != ']')
		return 0;
	memcpy(h, host + 1, n - 2);
	h[n - 2] = '\0';
	return inet_pton(AF_INET6, h, a6) == 1 &&
	    memcmp(a6, &in6addr_loopback, sizeof(a6)) == 0;
}

/* One "NAME:" or "[IPV6]:" field of a connect-to line; NULL if malformed. */
static const char *
connect_to_field(const char *s, int last)
{
	if (*s == '[') {
		if ((s = strchr(s, ']')) == NULL)
			return NULL;
		s++;
	} else
		s += strcspn(s, ":[]");
	if (last)
		return *s == '\0' ? s : NULL;
	return *s == ':' ? s + 1 : NULL;
}

/* curl's CONNECT_TO form HOST:PORT:ADDR:PORT; ports are digits. */
static int
connect_to_ok(const char *v)
{
	const char *s = v, *port;

	for (int i = 0; i < 4 && s != NULL; i++) {
		port = s;
		s = connect_to_field(s, i == 3);
		if (s != NULL && (i == 1 || i == 3))
			for (const char *c = port; c < s - (i == 1); c++)
				if (!isdigit((unsigned char)*c))
					return 0;
	}
	return s != NULL;
}

/*
 * Outbound URLs: https anywhere, http only to a loopback address, so that
 * personal data never crosses a network in clear text.
 */
static const char *
check_url(const char *v)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	const char *why = NULL;

	/* curl also takes "https:/host"; an outbound URL needs the "//". */
	if (strstr(v, "://") == NULL)
		return "not a valid URL";
	if ((u = curl_url()) == NULL)
		return "out of memory";
	if (curl_url_set(u, CURLUPART_URL, v, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		why = "not a valid URL";
	else if (strcmp(scheme, "https") == 0)
		why = NULL;
	else if (strcmp(scheme, "http") == 0 && is_loopback_host(host))
		why = NULL;
	else if (strcmp(scheme, "http") == 0)
		why = "http:// is allowed only for a loopback address";
	else
		why = "scheme must be https";
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return why;
}

static int
set_list(struct parse_ctx *p, int line, const struct conf_key *k,
    struct config_list *l, const char *v)
{
	const char *s = v;

	l->n = 0;
	while (*s != '\0') {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		while (len > 0 && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		if (len == 0)
			return fail(p, line, k->name, "%s", "empty list item");
		if (len >= CONF_VALUE_MAX)
			return fail(p, line, k->name, "%s", "list item too long");
		if (l->n == CONF_LIST_MAX)
			return fail(p, line, k->name, "%s", "too many items");
		memcpy(l->item[l->n], s, len);
		l->item[l->n][len] = '\0';
		l->n++;
		s = e ? e + 1 : s + len;
	}
	return 0;
}

static int
check_origin(struct parse_ctx *p, int line, const struct conf_key *k,
    const char *o)
{
	const char *why = check_url(o);
	const char *rest;

	if (why != NULL)
		return fail(p, line, k->name, "origin: %s", why);
	/* curl accepts "https:/host" too; an origin needs the "//". */
	if ((rest = strstr(o, "://")) == NULL)
		return fail(p, line, k->name, "%s",
		    "an origin is scheme://host[:port]");
	rest += 3;
	if (strchr(rest, '/') != NULL || strchr(rest, '?') != NULL ||
	    strchr(rest, '@') != NULL)
		return fail(p, line, k->name, "%s",
		    "an origin is scheme://host[:port], without a path");
	return 0;
}

static int
set_string(struct parse_ctx *p, const struct conf_key *k, char *dst,
    const char *v, int line)
{
	if (strlen(v) >= k->size)
		return fail(p, line, k->name, "%s", "value too long");
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x20)
			return fail(p, line, k->name, "%s",
			    "control character in value");
	if (k->type == CT_URL && *v != '\0') {
		const char *why = check_url(v);

		if (why != NULL)
			return fail(p, line, k->name, "%s", why);
	}
	if (k->type == CT_CONNECT_TO && *v != '\0' && !connect_to_ok(v))
		return fail(p, line, k->name, "%s", "expected HOST:PORT:ADDR:PORT "
		    "(ADDR may be an IPv6 address in brackets)");
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* Relative paths are relative to the configuration file's directory. */
static int
set_path(struct parse_ctx *p, const struct conf_key *k, char *dst,
    const char *v, int line)
{
	if (*v == '\0') {
		*dst = '\0';
		return 0;
	}
	if (*v == '/') {
		if (strlen(v) >= k->size)
			return fail(p, line, k->name, "%s", "path too long");
		memcpy(dst, v, strlen(v) + 1);
	} else if ((size_t)snprintf(dst, k->size, "%s/%s", p->dir, v) >=
	    k->size)
		return fail(p, line, k->name, "%s", "path too long");
	if (p->check_files && access(dst, R_OK) != 0)
		return fail(p, line, k->name, "cannot read file: %s",
		    strerror(errno));
	return 0;
}

static int
set_int(struct parse_ctx *p, const struct conf_key *k, int *dst,
    const char *v, int line)
{
	char *end, range[64];
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < k->min ||
	    n > k->max) {
		snprintf(range, sizeof(range), "%ld..%ld", k->min, k->max);
		return fail(p, line, k->name, "expected an integer in %s",
		    range);
	}
	*dst = (int)n;
	return 0;
}

/* CT_ENUM stores the index of v in "a|b|c"; CT_BOOL is "no|yes". */
static int
set_enum(struct parse_ctx *p, const struct conf_key *k, int *dst,
    const char *v, int line)
{
	const char *c = k->type == CT_BOOL ? "no|yes" : k->choices;
	size_t vl = strlen(v);
	int i = 0;

	while (c != NULL && *c != '\0') {
		const char *e = strchr(c, '|');
		size_t cl = e ? (size_t)(e - c) : strlen(c);

		if (cl == vl && strncmp(c, v, cl) == 0) {
			*dst = i;
			return 0;
		}
		i++;
		c = e ? e + 1 : NULL;
	}
	if (k->type == CT_BOOL)
		return fail(p, line, k->name, "%s", "expected yes or no");
	return fail(p, line, k->name, "expected one of %s", k->choices);
}

static int
set_value(struct parse_ctx *p, struct config *cfg, const struct conf_key *k,
    const char *v, int line)
{
	char *dst = (char *)cfg + k->off;
	struct config_list *l = (struct config_list *)(void *)dst;

	switch (k->type) {
	case CT_STR:
	case CT_URL:
	case CT_CONNECT_TO:
		return set_string(p, k, dst, v, line);
	case CT_PATH:
		return set_path(p, k, dst, v, line);
	case CT_INT:
		return set_int(p, k, (int *)(void *)dst, v, line);
	case CT_BOOL:
	case CT_ENUM:
		return set_enum(p, k, (int *)(void *)dst, v, line);
	case CT_LIST:
	case CT_ORIGINS:
		if (set_list(p, line, k, l, v) != 0)
			return -1;
		for (size_t i = 0; k->type == CT_ORIGINS && i < l->n; i++)
			if (check_origin(p, line, k, l->item[i]) != 0)
				return -1;
		return 0;
	}
	return fail(p, line, k->name, "%s", "internal: bad key type");
}

static const struct conf_key *
find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A name that is safe and useful to repeat in an error message. */
static int
key_like(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n > 0 && n <= 40 && s[n] == '\0';
}

/*
 * "skill_name.fr-FR": a text key with a locale-like suffix (letters and
 * '-', 2 to 16 of them) that is not one of conf_locale_tags.  Safe to
 * repeat in an error message.
 */
static int
text_for_locale(const char *s)
{
	const char *dot = strchr(s, '.');
	size_t n;

	if (dot == NULL)
		return 0;
	n = strspn(dot + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");
	if (n < 2 || n > 16 || dot[1 + n] != '\0')
		return 0;
	for (int t = 0; t < CONF_TEXTS; t++)
		if ((size_t)(dot - s) == strlen(text_names[t]) &&
		    strncmp(s, text_names[t], (size_t)(dot - s)) == 0)
			return 1;
	return 0;
}

/*
 * "value  # note": a comment after a value is not one; the value would
 * silently include it.  Spoken text may hold "#5"; nothing else may hold
 * a '#' after a blank.
 */
static int
trailing_comment(const struct conf_key *k, const char *v)
{
	for (const char *c = v; (c = strchr(c, '#')) != NULL; c++) {
		if (c == v || !isspace((unsigned char)c[-1]))
			continue;
		if (k->type != CT_STR || c[1] == '\0' ||
		    isspace((unsigned char)c[1]))
			return 1;
	}
	return 0;
}

static int
parse_line(struct parse_ctx *p, struct config *cfg, char *line, int lineno,
    unsigned char *seen)
{
	char *eq, *key, *val;
	const struct conf_key *k;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	if ((eq = strchr(line, '=')) == NULL)
		return fail(p, lineno, NULL, "%s", "expected 'key = value' (the "
		    "line is not shown)");
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if ((k = find_key(key)) == NULL && text_for_locale(key))
		return fail(p, lineno, key, "%s", "texts are given for the "
		    "locales en-US, en-GB and de-DE only (any other locale "
		    "hears en-US and its texts)");
	if (k == NULL)
		return key_like(key) ? fail(p, lineno, key, "%s", "unknown key") :
		    fail(p, lineno, NULL, "%s", "expected 'key = value' with a "
		    "key of letters, digits and '_' (the line is not shown)");
	if (seen[k - conf_keys])
		return fail(p, lineno, key, "%s", "set twice");
	seen[k - conf_keys] = 1;
	if (trailing_comment(k, val))
		return fail(p, lineno, key, "%s", "'#' starts a comment only at "
		    "the start of a line: put the comment on a line of its own");
	return set_value(p, cfg, k, val, lineno);
}

static int
check_combination(struct parse_ctx *p, struct config *cfg,
    const unsigned char *seen)
{
	if (!seen[0] || cfg->skill_id.n == 0)
		return fail(p, 0, "skill_id", "%s", "required but not set");
	for (size_t i = 0; i < cfg->skill_id.n; i++) {
		const char *id = cfg->skill_id.item[i];

		if (strstr(id, "REPLACE") != NULL)
			return fail(p, 0, "skill_id", "%s", "still the example's "
			    "placeholder: set your skill's ID (Alexa developer "
			    "console, Endpoint)");
		if (id[strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
		    "TUVWXYZ0123456789.-_")] != '\0')
			return fail(p, 0, "skill_id", "%s", "an ID is letters, "
			    "digits, '.', '-' and '_' (amzn1.ask.skill.UUID)");
	}
	if (cfg->sms_gateway == SMS_WEBHOOK && cfg->sms_url[0] == '\0')
		return fail(p, 0, "sms_url", "%s",
		    "required when sms_gateway = webhook");
	if (cfg->sms_gateway == SMS_SNS && cfg->sns_region[0] == '\0')
		return fail(p, 0, "sns_region", "%s",
		    "required when sms_gateway = sns");
	for (const char *c = cfg->sns_region; *c; c++)
		if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
		    *c == '-'))
			return fail(p, 0, "sns_region", "%s",
			    "expected a region name like us-east-1");
	/*
	 * One request may wait for the API, the booking and the text; a
	 * call that is turned off waits for nothing.
	 */
	if (cfg->api_timeout_ms + (cfg->booking_url[0] != '\0' ?
	    cfg->booking_timeout_ms : 0) + (cfg->sms_gateway != SMS_NONE ?
	    cfg->sms_timeout_ms : 0) > ALEXA_DEADLINE_MS - 1000)
		return fail(p, 0, "api_timeout_ms", "%s", "api_timeout_ms + "
		    "booking_timeout_ms (if booking_url is set) + "
		    "sms_timeout_ms (if sms_gateway is not none) must leave 1 s "
		    "of Alexa's 8 s deadline (at most 7000 ms together)");
	if (cfg->sms_gateway == SMS_SNS && cfg->sns_endpoint[0] == '\0')
		snprintf(cfg->sns_endpoint, sizeof(cfg->sns_endpoint),
		    "https://sns.%s.amazonaws.com", cfg->sns_region);
	return 0;
}

static int
parse_text(struct config *cfg, const char *name, const char *text,
    size_t len, int check_files, char *err, size_t errlen)
{
	struct parse_ctx p = { name, ".", check_files, err, errlen };
	unsigned char seen[NKEYS] = { 0 };
	char line[CONF_LINE_MAX + 2];
	const char *slash;
	size_t pos = 0;
	int lineno = 0;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	if ((slash = strrchr(name, '/')) != NULL) {
		size_t dl = (size_t)(slash - name);

		if (dl == 0)
			dl = 1;
		if (dl >= sizeof(p.dir))
			return fail(&p, 0, "-", "%s", "path too long");
		memcpy(p.dir, name, dl);
		p.dir[dl] = '\0';
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (conf_keys[i].def != NULL &&
		    set_value(&p, cfg, &conf_keys[i], conf_keys[i].def, 0) != 0)
			return -1;
	if (len > CONF_FILE_MAX)
		return fail(&p, 0, "-", "%s", "file too large");
	while (pos < len) {
		size_t n = 0;

		lineno++;
		while (pos < len && text[pos] != '\n') {
			if (text[pos] == '\0')
				return fail(&p, lineno, "-", "%s",
				    "NUL byte in file");
			if (n > CONF_LINE_MAX)
				return fail(&p, lineno, "-", "%s",
				    "line too long");
			line[n++] = text[pos++];
		}
		pos++;
		line[n] = '\0';
		if (parse_line(&p, cfg, line, lineno, seen) != 0)
			return -1;
	}
	return check_combination(&p, cfg, seen);
}

int
config_parse(struct config *cfg, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	return parse_text(cfg, name, text, len, 0, err, errlen);
}

int
config_load(struct config *cfg, const char *file, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc = -1;

	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", file,
		    strerror(errno));
		return -1;
	}
	if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
		goto out;
	}
	len = fread(buf, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", file);
		goto out;
	}
	if (parse_text(cfg, file, buf, len, 1, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

/* Whether s (may be NULL) is exactly one of the list's items. */
static int
list_has(const struct config_list *l, const char *s)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->item[i], s) == 0)
			return 1;
	return 0;
}

int
config_has_skill_id(const struct config *cfg, const char *id)
{
	return list_has(&cfg->skill_id, id);
}

int
config_origin_allowed(const struct config *cfg, const char *origin)
{
	return list_has(&cfg->api_allowed_origins, origin);
}

const char *
config_text(const struct config *cfg, enum conf_text t, const char *tag)
{
	for (int i = 0; tag != NULL && i < CONF_LOCALES; i++)
		if (strcmp(conf_locale_tags[i], tag) == 0 &&
		    cfg->text_loc[t][i][0] != '\0')
			return cfg->text_loc[t][i];
	switch (t) {
	case TXT_VENUE_ADDRESS:
		return cfg->venue_address;
	case TXT_VENUE_HOURS:
		return cfg->venue_hours;
	default:
		return cfg->skill_name;
	}
}
