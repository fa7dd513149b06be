#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "limits.h"

#define RK_ALL (RK_LAUNCH | RK_INTENT | RK_ENDED | RK_RESUMED | \
    RK_CONN_RESPONSE | RK_EVENT | RK_OTHER)
#define RK_SESSION (RK_LAUNCH | RK_INTENT | RK_ENDED)

/*
 * The fields we read, as data.  A field present with another type is an
 * error for every request kind; "required" says for which kinds it must
 * be there.  Fields under an optional object are checked only when that
 * object exists.
 */
struct field_rule {
	const char *path;
	enum jtype type;	/* JT_TRUE stands for either boolean */
	unsigned required;
};

static const struct field_rule rules[] = {
	{ "version", JT_STRING, RK_ALL },
	{ "request", JT_OBJECT, RK_ALL },
	{ "request.type", JT_STRING, RK_ALL },
	{ "request.requestId", JT_STRING, RK_ALL },
	{ "request.timestamp", JT_STRING, RK_ALL },
	{ "request.locale", JT_STRING, RK_LAUNCH | RK_INTENT },
	{ "session", JT_OBJECT, RK_SESSION },
	{ "session.new", JT_TRUE, 0 },
	{ "session.sessionId", JT_STRING, 0 },
	{ "session.application", JT_OBJECT, 0 },
	{ "session.application.applicationId", JT_STRING, 0 },
	{ "session.attributes", JT_OBJECT, 0 },
	{ "session.user", JT_OBJECT, 0 },
	{ "session.user.userId", JT_STRING, 0 },
	{ "context", JT_OBJECT, RK_ALL },
	{ "context.System", JT_OBJECT, RK_ALL },
	{ "context.System.application", JT_OBJECT, RK_ALL },
	{ "context.System.application.applicationId", JT_STRING,
	    RK_ALL },
	{ "context.System.user", JT_OBJECT, RK_ALL },
	{ "context.System.user.userId", JT_STRING, RK_ALL },
	{ "context.System.person", JT_OBJECT, 0 },
	{ "context.System.person.personId", JT_STRING, 0 },
	{ "context.System.person.accessToken", JT_STRING, 0 },
	{ "context.System.device", JT_OBJECT, 0 },
	{ "context.System.device.deviceId", JT_STRING, 0 },
	{ "context.System.apiEndpoint", JT_STRING, 0 },
	{ "context.System.apiAccessToken", JT_STRING, 0 },
	{ "request.intent", JT_OBJECT, RK_INTENT },
	{ "request.intent.name", JT_STRING, RK_INTENT },
	{ "request.intent.slots", JT_OBJECT, 0 },
	{ "request.intent.confirmationStatus", JT_STRING, 0 },
	{ "request.dialogState", JT_STRING, 0 },
	{ "request.reason", JT_STRING, 0 },
	{ "request.cause", JT_OBJECT, 0 },
	{ "request.cause.token", JT_STRING, 0 },
	{ "request.cause.status", JT_OBJECT, 0 },
	{ "request.cause.result", JT_OBJECT, 0 },
	{ "request.cause.result.status", JT_STRING, 0 },
	{ "request.name", JT_STRING, 0 },
	{ "request.token", JT_STRING, 0 },
	{ "request.payload", JT_OBJECT, 0 },
	{ "request.payload.status", JT_STRING, 0 },
	{ "request.body", JT_OBJECT, 0 },
	{ "request.body.acceptedPermissions", JT_ARRAY, 0 },
	{ "request.body.acceptedPersonPermissions", JT_ARRAY, 0 },
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

/*
 * Each rule's parent rule (the path without its last name), found once:
 * a rule's value is then one look-up in its parent's, not a walk from the
 * root.  parent -1 with key 0: look up the whole path from the root.
 */
static struct {
	int parent;
	size_t key;		/* offset of the last name in path */
} links[NRULES];
static pthread_once_t links_once = PTHREAD_ONCE_INIT;

static void
link_rules(void)
{
	for (size_t i = 0; i < NRULES; i++) {
		const char *path = rules[i].path, *dot = strrchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : 0;

		links[i].parent = -1;
		links[i].key = 0;
		for (size_t j = 0; dot != NULL && j < i; j++)
			if (strlen(rules[j].path) == n &&
			    strncmp(rules[j].path, path, n) == 0) {
				links[i].parent = (int)j;
				links[i].key = n + 1;
				break;
			}
	}
}

static const struct {
	const char *type;
	enum req_kind kind;
} kinds[] = {
	{ "LaunchRequest", RK_LAUNCH },
	{ "IntentRequest", RK_INTENT },
	{ "SessionEndedRequest", RK_ENDED },
	{ "SessionResumedRequest", RK_RESUMED },
	{ "Connections.Response", RK_CONN_RESPONSE },
};

static enum req_kind
kind_of(const char *type)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].type, type) == 0)
			return kinds[i].kind;
	if (strncmp(type, "AlexaSkillEvent.", 16) == 0)
		return RK_EVENT;
	return RK_OTHER;
}

static int
valid_type_name(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '_'))
			return 0;
	return n > 0 && n <= 128;
}

/*
 * requestId goes out as the booking's and the SMS's Idempotency-Key
 * header: visible ASCII only, so a decoded "\r\n" cannot add a header.
 */
static int
valid_request_id(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return n > 0 && n <= REQUEST_ID_MAX;
}

static int
has_type(const struct jdoc *d, int i, enum jtype type)
{
	int t = jdoc_type(d, i);

	return t == (int)type || (type == JT_TRUE && t == JT_FALSE);
}

/* Checks the rule table and string lengths; returns a reason or NULL. */
static const char *
check_rules(const struct jdoc *d, enum req_kind kind, char *buf,
    size_t buflen)
{
	int node[NRULES];

	pthread_once(&links_once, link_rules);
	for (size_t i = 0; i < NRULES; i++) {
		const char *key = rules[i].path + links[i].key;
		int o = links[i].parent < 0 ? jdoc_path(d, 0, key) :
		    jdoc_get(d, node[links[i].parent], key);

		if ((node[i] = o) == JNONE) {
			if (!(rules[i].required & kind))
				continue;
			snprintf(buf, buflen, "missing %s", rules[i].path);
			return buf;
		}
		if (!has_type(d, o, rules[i].type)) {
			snprintf(buf, buflen, "%s has the wrong type",
			    rules[i].path);
			return buf;
		}
		if (rules[i].type == JT_STRING && d->node[o].len > FIELD_MAX) {
			snprintf(buf, buflen, "%s too long", rules[i].path);
			return buf;
		}
	}
	return NULL;
}

/* Every slot is an object; its name and value, when present, strings. */
static const char *
check_slots(const struct jdoc *d, int slots)
{
	for (int s = jdoc_first(d, slots); s != JNONE;
	    s = jdoc_next(d, slots, s)) {
		int v;

		if (jdoc_type(d, s) != JT_OBJECT)
			return "slot is not an object";
		if ((v = jdoc_get(d, s, "value")) != JNONE &&
		    (jdoc_type(d, v) != JT_STRING ||
		    d->node[v].len > FIELD_MAX))
			return "slot value is not a string";
		if ((v = jdoc_get(d, s, "name")) != JNONE &&
		    jdoc_type(d, v) != JT_STRING)
			return "slot name is not a string";
	}
	return NULL;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
envelope_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	const char *p;

	if (s == NULL || strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -1;
	p = s + 19;
	if (*p == '.') {
		int nd = 0;

		for (p++; isdigit((unsigned char)*p); p++)
			nd++;
		if (nd == 0 || nd > 9)
			return -1;
	}
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || se > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = timegm(&tm);
	return 0;
}

int
envelope_parse(struct envelope *env, const char *body, size_t len,
    const char **why)
{
	const struct jdoc *d = &env->doc;
	const char *sess_app;
	int o;

	memset(env, 0, sizeof(*env));
	env->slots = JNONE;
	if (jdoc_parse(&env->doc, body, len, JSON_DEPTH_MAX, JSON_NODES_MAX,
	    why) != 0)
		return -1;
	if (jdoc_type(d, 0) != JT_OBJECT) {
		*why = "envelope is not a JSON object";
		return -1;
	}
	env->type = jdoc_path_str(d, 0, "request.type");
	if (env->type != NULL && !valid_type_name(env->type)) {
		*why = "bad request.type";
		return -1;
	}
	env->kind = env->type ? kind_of(env->type) : RK_OTHER;
	if ((*why = check_rules(d, env->kind, env->why,
	    sizeof(env->why))) != NULL)
		return -1;
	env->slots = jdoc_path(d, 0, "request.intent.slots");
	if ((*why = check_slots(d, env->slots)) != NULL)
		return -1;
	if (strcmp(jdoc_path_str(d, 0, "version"), "1.0") != 0) {
		*why = "unsupported version";
		return -1;
	}
	env->request_id = jdoc_path_str(d, 0, "request.requestId");
	if (!valid_request_id(env->request_id)) {
		*why = "bad request.requestId";
		return -1;
	}
	env->timestamp = jdoc_path_str(d, 0, "request.timestamp");
	if (envelope_parse_time(env->timestamp, &env->time) != 0) {
		*why = "bad request.timestamp";
		return -1;
	}
	env->locale = jdoc_path_str(d, 0, "request.locale");
	env->application_id = jdoc_path_str(d, 0,
	    "context.System.application.applicationId");
	sess_app = jdoc_path_str(d, 0, "session.application.applicationId");
	if (sess_app != NULL && strcmp(sess_app, env->application_id) != 0) {
		*why = "session and context application ids differ";
		return -1;
	}
	env->user_id = jdoc_path_str(d, 0, "context.System.user.userId");
	if ((o = jdoc_path(d, 0, "context.System.person")) != JNONE) {
		env->person_id = jdoc_path_str(d, o, "personId");
		if (env->person_id == NULL || *env->person_id == '\0') {
			*why = "person without personId";
			return -1;
		}
	}
	env->api_endpoint = jdoc_path_str(d, 0, "context.System.apiEndpoint");
	env->api_token = jdoc_path_str(d, 0, "context.System.apiAccessToken");
	env->has_session = jdoc_path(d, 0, "session") != JNONE;
	env->session_new = jdoc_type(d, jdoc_path(d, 0, "session.new")) ==
	    JT_TRUE;
	env->intent_name = jdoc_path_str(d, 0, "request.intent.name");
	env->dialog_state = jdoc_path_str(d, 0, "request.dialogState");
	*why = NULL;
	return 0;
}

void
envelope_free(struct envelope *env)
{
	jdoc_free(&env->doc);
	memset(env, 0, sizeof(*env));
	env->slots = JNONE;
}

const char *
envelope_slot(const struct envelope *env, const char *name)
{
	const struct jdoc *d = &env->doc;

	return jdoc_str(d, jdoc_get(d, jdoc_get(d, env->slots, name),
	    "value"));
}
