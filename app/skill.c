#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "skill.h"
#include "skill_int.h"

/*
 * The reference skill: a restaurant that greets recognized speakers by
 * name, books tables on their behalf and texts them the details.
 * Dispatch and the small intents live here; booking.c and consent.c do
 * the rest.  All text comes from the locale tables in messages.c.
 */

void
skill_sayf(struct skill_req *r, enum msg_id id, const char *const *keys,
    const char *const *vals, size_t n)
{
	const char *k[8], *v[8];
	size_t i;

	k[0] = "skill";
	v[0] = skill_text(r, TXT_SKILL_NAME);
	for (i = 0; i < n && i < 7; i++) {
		k[i + 1] = keys[i];
		v[i + 1] = vals[i];
	}
	speech_template(response_speech(r->resp), r->loc->msg[id], k, v, i + 1);
}

void
skill_say(struct skill_req *r, enum msg_id id)
{
	skill_sayf(r, id, NULL, NULL, 0);
}

/* The reduced answer: where the venue is and when it is open. */
void
skill_say_venue(struct skill_req *r)
{
	const char *k[] = { "address", "hours" };
	const char *v[] = { skill_text(r, TXT_VENUE_ADDRESS),
	    skill_text(r, TXT_VENUE_HOURS) };

	if (v[0][0] != '\0')
		skill_sayf(r, v[1][0] != '\0' ? M_VENUE : M_VENUE_AT, k, v, 2);
}

const char *
skill_text(const struct skill_req *r, enum conf_text t)
{
	return config_text(r->cfg, t, r->loc->tag);
}

void
skill_reprompt(struct skill_req *r, enum msg_id id)
{
	const char *k[] = { "skill" }, *v[] = { skill_text(r, TXT_SKILL_NAME) };

	speech_template(response_reprompt(r->resp), r->loc->msg[id], k, v, 1);
}

void
skill_listen(struct skill_req *r)
{
	skill_reprompt(r, M_REPROMPT);
	r->resp->end_session = 0;
}

void
skill_outcome(struct skill_req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->outcome, r->outcome_len, fmt, ap);
	va_end(ap);
}

enum profile_field
skill_name_field(const struct config *cfg)
{
	return cfg->name_scope == NAME_SCOPE_NAME ? PF_NAME : PF_GIVEN_NAME;
}

const char *
skill_scope(enum profile_field f)
{
	static const char *const scopes[PF_COUNT] = {
		"alexa::profile:given_name:read",
		"alexa::profile:name:read",
		"alexa::profile:mobile_number:read",
		"alexa::profile:email:read",
	};

	return f < PF_COUNT ? scopes[f] : NULL;
}

/* personId goes into an SSML attribute: only its known alphabet. */
static int
safe_person_id(const char *id)
{
	size_t n = 0;

	for (; id != NULL && *id; id++, n++)
		if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
		    (*id >= '0' && *id <= '9') || *id == '.' || *id == '-' ||
		    *id == '_'))
			return 0;
	return n > 0 && n < 256;
}

/* "Welcome back, <alexa:name .../>!": Alexa says the name, we never see it. */
static void
welcome_with_tag(struct skill_req *r, const char *person_id)
{
	const char *tmpl = r->loc->msg[M_WELCOME_BACK];
	const char *at = strstr(tmpl, "{name}");
	char part[256], tag[320];
	const char *k[] = { "skill" }, *v[] = { skill_text(r, TXT_SKILL_NAME) };
	struct speech *s = response_speech(r->resp);

	if (at == NULL || (size_t)(at - tmpl) >= sizeof(part))
		return;
	memcpy(part, tmpl, (size_t)(at - tmpl));
	part[at - tmpl] = '\0';
	speech_template(s, part, k, v, 1);
	snprintf(tag, sizeof(tag),
	    "<alexa:name type=\"first\" personId=\"%s\"/>", person_id);
	speech_tag(s, tag);
	speech_template(s, at + strlen("{name}"), k, v, 1);
}

static void
launch(struct skill_req *r)
{
	const char *pid = r->env->person_id;

	if (pid == NULL || !safe_person_id(pid)) {
		skill_say(r, M_WELCOME);
		skill_outcome(r, "launch: generic");
	} else if (r->cfg->greeting_name == GREETING_SSML_TAG) {
		welcome_with_tag(r, pid);
		skill_outcome(r, "launch: name_tag");
	} else {
		enum profile_field f = skill_name_field(r->cfg);
		struct profile p;

		r->io->profile_fetch(r->io, r->env, PF_BIT(f), &p);
		if (p.v[f].status == PS_OK) {
			const char *k[] = { "name" }, *v[] = { p.v[f].text };

			skill_sayf(r, M_WELCOME_BACK, k, v, 1);
			skill_outcome(r, "launch: named");
		} else {
			/* No consent card at launch: ask only when needed. */
			welcome_with_tag(r, pid);
			skill_outcome(r, "launch: name_tag (%s %s)",
			    profile_field_name(f),
			    profile_status_name(p.v[f].status));
		}
		profile_wipe(&p);
	}
	skill_say(r, M_WHAT_CAN_I_DO);
	skill_listen(r);
}

static void
help(struct skill_req *r)
{
	skill_say(r, M_HELP);
	skill_listen(r);
}

static void
stop(struct skill_req *r)
{
	skill_say(r, M_GOODBYE);
	r->resp->end_session = 1;
}

static void
fallback(struct skill_req *r)
{
	skill_say(r, M_FALLBACK);
	skill_listen(r);
	skill_outcome(r, "fallback");
}

static void
home(struct skill_req *r)
{
	skill_say(r, M_WELCOME);
	skill_say(r, M_WHAT_CAN_I_DO);
	skill_listen(r);
}

static const struct {
	const char *name;
	void (*fn)(struct skill_req *);
} intents[] = {
	{ "BookTableIntent", booking_intent },
	{ "SendDetailsIntent", details_intent },
	{ "AMAZON.HelpIntent", help },
	{ "AMAZON.StopIntent", stop },
	{ "AMAZON.CancelIntent", stop },
	{ "AMAZON.FallbackIntent", fallback },
	{ "AMAZON.NavigateHomeIntent", home },
};

static void
intent(struct skill_req *r)
{
	for (size_t i = 0; i < sizeof(intents) / sizeof(intents[0]); i++)
		if (strcmp(intents[i].name, r->env->intent_name) == 0) {
			intents[i].fn(r);
			return;
		}
	fallback(r);
}

/*
 * An Alexa code ("USER_INITIATED", "INVALID_RESPONSE") for the log, or
 * "?": only capitals and '_' are copied, never free text.
 */
static const char *
alexa_code(const char *s)
{
	if (s == NULL)
		return "none";
	if (*s == '\0' || strlen(s) > 40 ||
	    s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_")] != '\0')
		return "?";
	return s;
}

/*
 * Nothing to say, but the operator must see an ERROR: Alexa ended the
 * session because a response of ours failed.  error.message is not
 * logged: it may quote that response, and the response held the name.
 */
static void
session_ended(struct skill_req *r)
{
	const struct jdoc *d = &r->env->doc;
	const char *reason = alexa_code(jdoc_path_str(d, 0, "request.reason"));

	if (strcmp(reason, "ERROR") != 0) {
		skill_outcome(r, "session_ended: %s", reason);
		return;
	}
	reason = alexa_code(jdoc_path_str(d, 0, "request.error.type"));
	skill_outcome(r, "session_ended: ERROR %s", reason);
	log_msg(LOG_WARN, "skill: Alexa ended a session on an error (%s) "
	    "in an earlier response of this skill", reason);
}

void
skill_handle(const struct config *cfg, struct skill_io *io,
    const struct envelope *env, struct response *resp, char *outcome,
    size_t outcome_len)
{
	struct skill_req r = { cfg, io, env, locale_find(env->locale), resp,
	    outcome, outcome_len };

	snprintf(outcome, outcome_len, "ok");
	switch (env->kind) {
	case RK_LAUNCH:
		launch(&r);
		break;
	case RK_INTENT:
		intent(&r);
		break;
	case RK_RESUMED:
	case RK_CONN_RESPONSE:
		consent_resumed(&r);
		break;
	case RK_EVENT:
		consent_event(&r);
		break;
	case RK_ENDED:
		session_ended(&r);
		break;
	case RK_OTHER:
		/* Nothing to say: an empty response. */
		break;
	}
}

size_t
skill_scopes(const struct config *cfg, const char **out, size_t max)
{
	size_t n = 0;

	if (max < 3)
		return 0;
	out[n++] = skill_scope(skill_name_field(cfg));
	out[n++] = skill_scope(PF_MOBILE);
	out[n++] = "alexa::person_id:read";
	return n;
}
