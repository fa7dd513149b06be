#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "jsonutil.h"
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
	json_type type;
	unsigned required;
};

static const struct field_rule rules[] = {
	{ "version", json_type_string, RK_ALL },
	{ "request", json_type_object, RK_ALL },
	{ "request.type", json_type_string, RK_ALL },
	{ "request.requestId", json_type_string, RK_ALL },
	{ "request.timestamp", json_type_string, RK_ALL },
	{ "request.locale", json_type_string, RK_LAUNCH | RK_INTENT },
	{ "session", json_type_object, RK_SESSION },
	{ "session.new", json_type_boolean, 0 },
	{ "session.sessionId", json_type_string, 0 },
	{ "session.application", json_type_object, 0 },
	{ "session.application.applicationId", json_type_string, 0 },
	{ "session.attributes", json_type_object, 0 },
	{ "session.user", json_type_object, 0 },
	{ "session.user.userId", json_type_string, 0 },
	{ "context", json_type_object, RK_ALL },
	{ "context.System", json_type_object, RK_ALL },
	{ "context.System.application", json_type_object, RK_ALL },
	{ "context.System.application.applicationId", json_type_string,
	    RK_ALL },
	{ "context.System.user", json_type_object, RK_ALL },
	{ "context.System.user.userId", json_type_string, RK_ALL },
	{ "context.System.person", json_type_object, 0 },
	{ "context.System.person.personId", json_type_string, 0 },
	{ "context.System.person.accessToken", json_type_string, 0 },
	{ "context.System.device", json_type_object, 0 },
	{ "context.System.device.deviceId", json_type_string, 0 },
	{ "context.System.apiEndpoint", json_type_string, 0 },
	{ "context.System.apiAccessToken", json_type_string, 0 },
	{ "request.intent", json_type_object, RK_INTENT },
	{ "request.intent.name", json_type_string, RK_INTENT },
	{ "request.intent.slots", json_type_object, 0 },
	{ "request.intent.confirmationStatus", json_type_string, 0 },
	{ "request.dialogState", json_type_string, 0 },
	{ "request.reason", json_type_string, 0 },
	{ "request.cause", json_type_object, 0 },
	{ "request.cause.token", json_type_string, 0 },
	{ "request.cause.status", json_type_object, 0 },
	{ "request.cause.result", json_type_object, 0 },
	{ "request.cause.result.status", json_type_string, 0 },
	{ "request.name", json_type_string, 0 },
	{ "request.token", json_type_string, 0 },
	{ "request.payload", json_type_object, 0 },
	{ "request.payload.status", json_type_string, 0 },
	{ "request.body", json_type_object, 0 },
	{ "request.body.acceptedPermissions", json_type_array, 0 },
	{ "request.body.acceptedPersonPermissions", json_type_array, 0 },
};

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

/* Checks the rule table and string lengths; returns a reason or NULL. */
static const char *
check_rules(json_object *root, enum req_kind kind, char *buf, size_t buflen)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		json_object *o = json_path(root, rules[i].path);

		if (o == NULL) {
			if (!(rules[i].required & kind))
				continue;
			snprintf(buf, buflen, "missing %s", rules[i].path);
			return buf;
		}
		if (!json_object_is_type(o, rules[i].type)) {
			snprintf(buf, buflen, "%s has the wrong type",
			    rules[i].path);
			return buf;
		}
		if (rules[i].type == json_type_string &&
		    json_object_get_string_len(o) > FIELD_MAX) {
			snprintf(buf, buflen, "%s too long", rules[i].path);
			return buf;
		}
	}
	return NULL;
}

/* Every slot is an object; its name and value, when present, strings. */
static const char *
check_slots(json_object *slots)
{
	if (slots == NULL)
		return NULL;
	json_object_object_foreach(slots, key, val) {
		json_object *v;

		(void)key;
		if (!json_object_is_type(val, json_type_object))
			return "slot is not an object";
		if (json_object_object_get_ex(val, "value", &v) &&
		    (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) > FIELD_MAX))
			return "slot value is not a string";
		if (json_object_object_get_ex(val, "name", &v) &&
		    !json_object_is_type(v, json_type_string))
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
	json_object *root, *o;
	const char *sess_app;

	memset(env, 0, sizeof(*env));
	if ((root = json_parse_bytes(body, len, JSON_DEPTH_MAX, why)) == NULL)
		return -1;
	env->root = root;
	if (!json_object_is_type(root, json_type_object)) {
		*why = "envelope is not a JSON object";
		return -1;
	}
	env->type = json_path_str(root, "request.type");
	if (env->type != NULL && !valid_type_name(env->type)) {
		*why = "bad request.type";
		return -1;
	}
	env->kind = env->type ? kind_of(env->type) : RK_OTHER;
	if ((*why = check_rules(root, env->kind, env->why,
	    sizeof(env->why))) != NULL)
		return -1;
	env->slots = json_path(root, "request.intent.slots");
	if ((*why = check_slots(env->slots)) != NULL)
		return -1;
	if (strcmp(json_path_str(root, "version"), "1.0") != 0) {
		*why = "unsupported version";
		return -1;
	}
	env->request = json_path(root, "request");
	env->request_id = json_path_str(root, "request.requestId");
	env->timestamp = json_path_str(root, "request.timestamp");
	if (envelope_parse_time(env->timestamp, &env->time) != 0) {
		*why = "bad request.timestamp";
		return -1;
	}
	env->locale = json_path_str(root, "request.locale");
	env->application_id = json_path_str(root,
	    "context.System.application.applicationId");
	sess_app = json_path_str(root, "session.application.applicationId");
	if (sess_app != NULL && strcmp(sess_app, env->application_id) != 0) {
		*why = "session and context application ids differ";
		return -1;
	}
	env->user_id = json_path_str(root, "context.System.user.userId");
	if ((o = json_path(root, "context.System.person")) != NULL) {
		env->person_id = json_path_str(o, "personId");
		if (env->person_id == NULL || *env->person_id == '\0') {
			*why = "person without personId";
			return -1;
		}
	}
	env->api_endpoint = json_path_str(root, "context.System.apiEndpoint");
	env->api_token = json_path_str(root, "context.System.apiAccessToken");
	env->has_session = json_path(root, "session") != NULL;
	o = json_path(root, "session.new");
	env->session_new = o != NULL && json_object_get_boolean(o);
	env->session_attributes = json_path(root, "session.attributes");
	env->intent_name = json_path_str(root, "request.intent.name");
	env->dialog_state = json_path_str(root, "request.dialogState");
	*why = NULL;
	return 0;
}

void
envelope_free(struct envelope *env)
{
	json_object_put(env->root);
	memset(env, 0, sizeof(*env));
}

const char *
envelope_slot(const struct envelope *env, const char *name)
{
	json_object *slot, *v;

	if (env->slots == NULL ||
	    !json_object_object_get_ex(env->slots, name, &slot) ||
	    !json_object_object_get_ex(slot, "value", &v))
		return NULL;
	return json_object_get_string(v);
}
