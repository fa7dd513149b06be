#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonutil.h"
#include "skill_int.h"

/*
 * What the skill does when contact information is missing (PROTOCOL.md
 * section 3, the seed's best practices): ask for exactly the refused
 * scopes, by card or by voice; tell the user what is not set; apologise
 * when the API cannot answer.  Also the answers to voice consent and the
 * permission events.
 */

/* --- the token that carries the user's request through voice consent -- */

int
action_encode(const struct skill_action *a, char *out, size_t outlen)
{
	int n;

	if (a->kind == ACT_DETAILS)
		n = snprintf(out, outlen, "v1|details");
	else
		n = snprintf(out, outlen, "v1|book|%s|%s|%d", a->date, a->time,
		    a->party);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* The token comes back from Alexa: parse it as strictly as a slot. */
int
action_decode(const char *token, struct skill_action *a)
{
	char date[11], time[6], tail;
	int party;

	memset(a, 0, sizeof(*a));
	if (token == NULL || strlen(token) > 64)
		return -1;
	if (strcmp(token, "v1|details") == 0) {
		a->kind = ACT_DETAILS;
		return 0;
	}
	if (sscanf(token, "v1|book|%10[0-9-]|%5[0-9:]|%d%c", date, time, &party,
	    &tail) != 3 || strlen(date) != 10 || strlen(time) != 5 ||
	    party < 1 || party > 20)
		return -1;
	a->kind = ACT_BOOK;
	memcpy(a->date, date, sizeof(a->date));
	memcpy(a->time, time, sizeof(a->time));
	a->party = party;
	return 0;
}

/* --- missing data ------------------------------------------------------ */

static void
ask_consent(struct skill_req *r, const struct profile *p,
    const char *const *scopes, size_t n, const struct skill_action *act)
{
	/* Say what the data is for: no "text you" when texting is off. */
	if (act->kind != ACT_BOOK)
		skill_say(r, M_WHY_TEXT);
	else
		skill_say(r, r->cfg->sms_gateway != SMS_NONE ? M_WHY_BOOK :
		    M_WHY_BOOK_NOSMS);
	if (r->cfg->voice_consent) {
		json_object *d = json_object_new_object();
		json_object *in = json_object_new_object();
		json_object *list = json_object_new_array();
		char token[80];

		for (size_t i = 0; i < n; i++) {
			json_object *s = json_object_new_object();

			json_object_object_add(s, "permissionScope",
			    json_object_new_string(scopes[i]));
			json_object_object_add(s, "consentLevel",
			    json_object_new_string(p->person ? "PERSON" :
			    "ACCOUNT"));
			json_object_array_add(list, s);
		}
		json_object_object_add(in, "@type", json_object_new_string(
		    "AskForPermissionsConsentRequest"));
		json_object_object_add(in, "@version",
		    json_object_new_string("2"));
		json_object_object_add(in, "permissionScopes", list);
		json_object_object_add(d, "type", json_object_new_string(
		    "Connections.StartConnection"));
		json_object_object_add(d, "uri", json_object_new_string(
		    "connection://AMAZON.AskForPermissionsConsent/2"));
		json_object_object_add(d, "input", in);
		if (action_encode(act, token, sizeof(token)) == 0)
			json_object_object_add(d, "token",
			    json_object_new_string(token));
		response_directive(r->resp, d);
		/* With StartConnection: no reprompt, shouldEndSession absent. */
		r->resp->end_session = -1;
	} else {
		skill_say(r, M_CARD_SENT);
		response_card_permissions(r->resp, scopes, n);
		r->resp->end_session = 1;
	}
}

static enum msg_id
resource_msg(enum profile_field f)
{
	return f == PF_MOBILE ? M_RES_MOBILE :
	    f == PF_GIVEN_NAME ? M_RES_GIVEN_NAME : M_RES_NAME;
}

int
consent_check(struct skill_req *r, const struct profile *p, unsigned need,
    const struct skill_action *act)
{
	const char *scopes[PF_COUNT], *refused_names[PF_COUNT];
	size_t n = 0;
	int not_set = -1, other = -1;

	for (int f = 0; f < PF_COUNT; f++) {
		if (!(need & PF_BIT(f)))
			continue;
		switch (p->v[f].status) {
		case PS_OK:
			break;
		case PS_NO_PERMISSION:
			refused_names[n] = profile_field_name(f);
			scopes[n++] = skill_scope(f);
			break;
		case PS_NOT_SET:
			if (not_set < 0)
				not_set = f;
			break;
		default:
			if (other < 0)
				other = f;
			break;
		}
	}
	if (n > 0) {
		ask_consent(r, p, scopes, n, act);
		skill_outcome(r, "consent: %s %s%s%s", r->cfg->voice_consent ?
		    "voice" : "card", refused_names[0], n > 1 ? "," : "",
		    n > 1 ? refused_names[1] : "");
		return 1;
	}
	if (not_set >= 0) {
		const char *k[] = { "resource" };
		const char *v[] = { r->loc->msg[resource_msg(not_set)] };

		skill_sayf(r, M_NOT_SET, k, v, 1);
		r->resp->end_session = 1;
		skill_outcome(r, "not_set: %s", profile_field_name(not_set));
		return 1;
	}
	if (other >= 0) {
		skill_say(r, M_UNAVAILABLE);
		skill_say_venue(r);
		skill_listen(r);
		skill_outcome(r, "profile_unavailable: %s %s",
		    profile_field_name(other),
		    profile_status_name(p->v[other].status));
		return 1;
	}
	return 0;
}

/* --- voice consent answers ---------------------------------------------- */

void
consent_resumed(struct skill_req *r)
{
	const struct jdoc *d = &r->env->doc;
	const char *status, *token, *code;
	struct skill_action act;

	if (r->env->kind == RK_RESUMED) {
		status = jdoc_path_str(d, 0, "request.cause.result.status");
		token = jdoc_path_str(d, 0, "request.cause.token");
		code = jdoc_path_str(d, 0, "request.cause.status.code");
		if (code != NULL && strcmp(code, "200") != 0)
			status = "NOT_ANSWERED";
	} else {
		status = jdoc_path_str(d, 0, "request.payload.status");
		token = jdoc_path_str(d, 0, "request.token");
	}
	if (action_decode(token, &act) != 0 || !action_valid(r, &act)) {
		skill_say(r, M_WELCOME);
		skill_say(r, M_WHAT_CAN_I_DO);
		skill_listen(r);
		skill_outcome(r, "consent_resumed: unknown token");
		return;
	}
	if (status != NULL && strcmp(status, "ACCEPTED") == 0) {
		booking_run(r, &act);
		return;
	}
	skill_say(r, M_CONSENT_DECLINED);
	skill_say_venue(r);
	skill_listen(r);
	skill_outcome(r, "consent_%s", status != NULL &&
	    strcmp(status, "DENIED") == 0 ? "denied" : "not_answered");
}

/* --- permission events: log which scopes are granted, names only -------- */

static void
scope_list(const struct jdoc *d, int arr, char *out, size_t outlen)
{
	size_t len = 0;

	out[0] = '\0';
	if (jdoc_type(d, arr) != JT_ARRAY)
		arr = JNONE;
	for (int i = jdoc_first(d, arr); i != JNONE; i = jdoc_next(d, arr, i)) {
		const char *s = jdoc_path_str(d, i, "scope");
		int ok = s != NULL && strlen(s) < 64;

		for (const char *c = s; ok && *c; c++)
			ok = (*c >= 'a' && *c <= 'z') || *c == ':' || *c == '_';
		if (!ok)
			s = "?";
		len += (size_t)snprintf(out + len, outlen - len, "%s%s",
		    len ? "," : "", s);
		if (len >= outlen)
			break;
	}
	if (out[0] == '\0')
		snprintf(out, outlen, "none");
}

void
consent_event(struct skill_req *r)
{
	const struct jdoc *d = &r->env->doc;
	char account[120], person[120];

	if (strcmp(r->env->type, "AlexaSkillEvent.SkillPermissionAccepted") != 0 &&
	    strcmp(r->env->type, "AlexaSkillEvent.SkillPermissionChanged") != 0) {
		skill_outcome(r, "event");
		return;
	}
	scope_list(d, jdoc_path(d, 0, "request.body.acceptedPermissions"),
	    account, sizeof(account));
	scope_list(d, jdoc_path(d, 0, "request.body.acceptedPersonPermissions"),
	    person, sizeof(person));
	skill_outcome(r, "permissions: account=%s person=%s", account, person);
}
