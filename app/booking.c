#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "jsonutil.h"
#include "limits.h"
#include "log.h"
#include "skill_int.h"
#include "timeutil.h"

/*
 * BookTableIntent and SendDetailsIntent: collect the slots, fetch the
 * contact data for this request only, book on the backend with the
 * request id as idempotency key, text the details.  What each intent does
 * without each piece of data is documented in README.md.
 */

#define PARTY_MAX 20

/* --- slots ----------------------------------------------------------- */

static const char *const book_slots[] = { "date", "time", "partySize" };

static void
elicit(struct skill_req *r, const char *slot, enum msg_id ask)
{
	json_object *d = json_object_new_object();
	json_object *intent = json_object_new_object();
	json_object *slots = NULL;

	if (r->env->slots != JNONE)
		slots = jdoc_to_json_c(&r->env->doc, r->env->slots);
	if (slots == NULL)
		slots = json_object_new_object();
	/*
	 * updatedIntent names every slot of the intent (Alexa clears the
	 * ones it leaves out); the one we could not use goes back without
	 * a value, so Alexa asks for it again.
	 */
	for (size_t i = 0; i < sizeof(book_slots) / sizeof(book_slots[0]);
	    i++) {
		const char *n = book_slots[i];
		json_object *s;

		if (strcmp(n, slot) != 0 && json_object_object_get_ex(slots, n,
		    &s) && json_object_is_type(s, json_type_object))
			continue;
		s = json_object_new_object();
		json_object_object_add(s, "name", json_object_new_string(n));
		json_object_object_add(s, "confirmationStatus",
		    json_object_new_string("NONE"));
		json_object_object_add(slots, n, s);
	}
	json_object_object_add(intent, "name",
	    json_object_new_string("BookTableIntent"));
	json_object_object_add(intent, "confirmationStatus",
	    json_object_new_string("NONE"));
	json_object_object_add(intent, "slots", slots);
	json_object_object_add(d, "type",
	    json_object_new_string("Dialog.ElicitSlot"));
	json_object_object_add(d, "slotToElicit", json_object_new_string(slot));
	json_object_object_add(d, "updatedIntent", intent);
	response_directive(r->resp, d);
	skill_say(r, ask);
	skill_reprompt(r, ask);
	r->resp->end_session = 0;
	skill_outcome(r, "elicit: %s", slot);
}

static int
parse_party(const char *s)
{
	int n = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n >= 1 && n <= PARTY_MAX ? n : -1;
}

/*
 * The user's time zone is not known: a local day and time are read as
 * UTC, and anywhere on Earth is within UTC-12 to UTC+14 of that.
 */
#define TZ_WEST_S	(12 * 3600)
#define TZ_EAST_S	(14 * 3600)

/* ymd and hm already checked by msg_date and msg_time. */
static time_t
utc_of(const char *ymd, const char *hm)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(ymd) - 1900;
	tm.tm_mon = atoi(ymd + 5) - 1;
	tm.tm_mday = atoi(ymd + 8);
	tm.tm_hour = atoi(hm);
	tm.tm_min = atoi(hm + 3);
	return timegm(&tm);
}

/* The day has ended in every time zone at the request's time. */
static int
date_in_past(const char *ymd, time_t now)
{
	return utc_of(ymd, "00:00") + 24 * 3600 + TZ_WEST_S <= now;
}

/* The day begins more than BOOK_AHEAD_DAYS from now, wherever one is. */
static int
date_too_far(const char *ymd, time_t now)
{
	return utc_of(ymd, "00:00") - TZ_EAST_S >
	    now + (time_t)BOOK_AHEAD_DAYS * 24 * 3600;
}

/* That day and hour have passed in every time zone. */
static int
time_in_past(const char *ymd, const char *hm, time_t now)
{
	return utc_of(ymd, hm) + TZ_WEST_S <= now;
}

static int
ask_again(const char **slot, enum msg_id *ask, const char *name,
    enum msg_id id)
{
	*slot = name;
	*ask = id;
	return -1;
}

/*
 * The booking's slots, checked in the order the user is asked for them.
 * Returns 0 when all three hold (and sets *party), or the question to
 * ask again and its slot.  The same checks serve an action that comes
 * back in a consent token: well-formed is not enough (2026-99-99, 99:99),
 * and the day may have passed while the user was asked.
 */
static int
slots_check(const struct skill_req *r, const char *date, const char *time,
    const char *party_s, int *party, const char **slot, enum msg_id *ask)
{
	char buf[64];

	if (date == NULL || *date == '\0')
		return ask_again(slot, ask, "date", M_ASK_DATE);
	if (msg_date(r->loc, date, buf, sizeof(buf)) != 0)
		return ask_again(slot, ask, "date", M_BAD_DATE);
	if (date_in_past(date, r->env->time))
		return ask_again(slot, ask, "date", M_PAST_DATE);
	if (date_too_far(date, r->env->time))
		return ask_again(slot, ask, "date", M_FAR_DATE);
	if (time == NULL || *time == '\0')
		return ask_again(slot, ask, "time", M_ASK_TIME);
	if (msg_time(r->loc, time, buf, sizeof(buf)) != 0)
		return ask_again(slot, ask, "time", M_BAD_TIME);
	if (time_in_past(date, time, r->env->time))
		return ask_again(slot, ask, "time", M_PAST_TIME);
	if (party_s == NULL || *party_s == '\0')
		return ask_again(slot, ask, "partySize", M_ASK_PARTY);
	if ((*party = parse_party(party_s)) < 0)
		return ask_again(slot, ask, "partySize", M_BAD_PARTY);
	return 0;
}

int
action_valid(const struct skill_req *r, const struct skill_action *a)
{
	char party_s[16];
	const char *slot;
	enum msg_id ask;
	int party;

	if (a->kind == ACT_DETAILS)
		return 1;
	snprintf(party_s, sizeof(party_s), "%d", a->party);
	return a->kind == ACT_BOOK && slots_check(r, a->date, a->time,
	    party_s, &party, &slot, &ask) == 0;
}

void
booking_intent(struct skill_req *r)
{
	const char *date = envelope_slot(r->env, "date");
	const char *time = envelope_slot(r->env, "time");
	struct skill_action act = { .kind = ACT_BOOK };
	const char *slot;
	enum msg_id ask;

	if (r->cfg->booking_url[0] == '\0') {
		skill_say(r, M_BOOKING_OFF);
		skill_listen(r);
		skill_outcome(r, "booking_off");
		return;
	}
	if (slots_check(r, date, time, envelope_slot(r->env, "partySize"),
	    &act.party, &slot, &ask) != 0)
		return elicit(r, slot, ask);
	memcpy(act.date, date, sizeof(act.date) - 1);
	memcpy(act.time, time, sizeof(act.time) - 1);
	booking_run(r, &act);
}

void
details_intent(struct skill_req *r)
{
	struct skill_action act = { .kind = ACT_DETAILS };

	booking_run(r, &act);
}

/* --- outbound ----------------------------------------------------------- */

static int
ok_status(const struct backend_res *res)
{
	return res->error == NULL && res->status >= 200 && res->status <= 299;
}

/* backend_res.error of a call that was not sent: nothing happened. */
static const char not_sent[] = "not_sent";

/*
 * Posts req in what is left of the request's budget (io->reply_by): its
 * own timeout is cut to the time left, and with less than BACKEND_MIN_MS
 * left it is not sent at all.
 */
static void
backend_call(struct skill_req *r, struct backend_req *req, int own_ms,
    struct backend_res *res)
{
	long left = ms_until(&r->io->reply_by);

	if (left < BACKEND_MIN_MS) {
		memset(res, 0, sizeof(*res));
		res->error = not_sent;
		log_msg(LOG_WARN, "%s: not sent: %ld ms left of the reply's "
		    "%d ms budget", req->what, left > 0 ? left : 0,
		    REPLY_BUDGET_MS);
		return;
	}
	req->timeout_ms = left < own_ms ? (int)left : own_ms;
	r->io->backend_post(r->io, req, res);
}

/* Percent-encoding for the SNS form body (RFC 3986 unreserved kept). */
static int
form_append(char *out, size_t outlen, size_t *len, const char *key,
    const char *val)
{
	static const char hex[] = "0123456789ABCDEF";

	*len += (size_t)snprintf(out + *len, outlen - *len, "%s%s=",
	    *len ? "&" : "", key);
	for (const unsigned char *c = (const unsigned char *)val; *c; c++) {
		if (*len + 4 >= outlen)
			return -1;
		if (isalnum(*c) || strchr("-._~", *c) != NULL)
			out[(*len)++] = (char)*c;
		else {
			out[(*len)++] = '%';
			out[(*len)++] = hex[*c >> 4];
			out[(*len)++] = hex[*c & 15];
		}
	}
	out[*len] = '\0';
	return *len < outlen ? 0 : -1;
}

/* Sends text to e164 through the configured gateway; 0 on success. */
static int
send_text(struct skill_req *r, const char *e164, const char *text)
{
	char sms_key[FIELD_MAX + 8];
	const struct config *cfg = r->cfg;
	struct backend_req req = { .what = "sms" };
	struct backend_res *res = calloc(1, sizeof(*res));
	char *body = NULL, sigv4[96];
	json_object *o = NULL;
	int rc = -1;
	size_t len = 0;

	if (res == NULL)
		return -1;
	snprintf(sms_key, sizeof(sms_key), "%s-sms", r->env->request_id);
	if (cfg->sms_gateway == SMS_WEBHOOK) {
		o = json_object_new_object();
		json_object_object_add(o, "to", json_object_new_string(e164));
		json_object_object_add(o, "text", json_object_new_string(text));
		req.url = cfg->sms_url;
		req.content_type = "application/json";
		/* A gateway that honours it sends a retried request's text once. */
		req.idempotency_key = sms_key;
		req.body = json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		req.len = strlen(req.body);
	} else {
		if ((body = malloc(4096)) == NULL ||
		    form_append(body, 4096, &len, "Action", "Publish") ||
		    form_append(body, 4096, &len, "Version", "2010-03-31") ||
		    form_append(body, 4096, &len, "PhoneNumber", e164) ||
		    form_append(body, 4096, &len, "Message", text))
			goto out;
		snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:sns", cfg->sns_region);
		req.url = cfg->sns_endpoint;
		req.content_type = "application/x-www-form-urlencoded";
		req.body = body;
		req.len = len;
		req.aws_sigv4 = sigv4;
	}
	backend_call(r, &req, cfg->sms_timeout_ms, res);
	rc = ok_status(res) ? 0 : -1;
out:
	if (o != NULL) {
		explicit_bzero((char *)req.body, req.len);
		json_wipe_strings(o);
	}
	json_object_put(o);
	if (body != NULL) {
		explicit_bzero(body, 4096);
		free(body);
	}
	explicit_bzero(res, sizeof(*res));
	free(res);
	return rc;
}

/* A booking id from the backend is spoken and texted: keep it tame. */
static void
booking_ref(const struct backend_res *res, char *out, size_t outlen)
{
	const char *why, *id;
	struct jdoc d;
	size_t n = 0;

	out[0] = '\0';
	if (jdoc_parse(&d, res->body, res->len, 4, JSON_NODES_MAX, &why) != 0)
		return;
	if ((id = jdoc_path_str(&d, 0, "bookingId")) != NULL) {
		for (; *id && n + 1 < outlen && n < 32; id++)
			if (isalnum((unsigned char)*id) || *id == '-')
				out[n++] = *id;
		out[n] = '\0';
	}
	jdoc_free(&d);
}

static int
post_booking(struct skill_req *r, const struct skill_action *act,
    const struct profile *p, struct backend_res *res)
{
	enum profile_field nf = skill_name_field(r->cfg);
	json_object *o = json_object_new_object();
	struct backend_req req = { .what = "booking", .url = r->cfg->booking_url,
	    .content_type = "application/json",
	    .idempotency_key = r->env->request_id };
	char hm[6];
	const char *body;

	memcpy(hm, act->time, sizeof(hm));
	json_object_object_add(o, "idempotencyKey",
	    json_object_new_string(r->env->request_id));
	json_object_object_add(o, "name", json_object_new_string(p->v[nf].text));
	json_object_object_add(o, "phone", json_object_new_string(
	    p->v[PF_MOBILE].e164));
	json_object_object_add(o, "date", json_object_new_string(act->date));
	json_object_object_add(o, "time", json_object_new_string(hm));
	json_object_object_add(o, "partySize", json_object_new_int(act->party));
	if (r->env->person_id != NULL)
		json_object_object_add(o, "personId",
		    json_object_new_string(r->env->person_id));
	else
		json_object_object_add(o, "userId",
		    json_object_new_string(r->env->user_id));
	body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	req.body = body;
	req.len = strlen(body);
	backend_call(r, &req, r->cfg->booking_timeout_ms, res);
	explicit_bzero((char *)body, req.len);
	json_wipe_strings(o);
	json_object_put(o);
	return ok_status(res) ? 0 : -1;
}

static void
book(struct skill_req *r, const struct skill_action *act)
{
	enum profile_field nf = skill_name_field(r->cfg);
	unsigned need = PF_BIT(nf) | PF_BIT(PF_MOBILE);
	struct backend_res *res = calloc(1, sizeof(*res));
	char date[64] = "", time[32] = "", party[8], ref[40], sms[512];
	const char *k[] = { "party", "date", "time", "name", "ref", "address" };
	const char *v[6];
	struct profile p;
	int texted = -1;

	/* Checked by booking_intent or action_valid: never spoken empty. */
	if (res == NULL || msg_date(r->loc, act->date, date, sizeof(date)) != 0 ||
	    msg_time(r->loc, act->time, time, sizeof(time)) != 0) {
		free(res);
		return;
	}
	r->io->profile_fetch(r->io, r->env, need, &p);
	if (consent_check(r, &p, need, act))
		goto out;
	if (post_booking(r, act, &p, res) != 0) {
		/*
		 * An error status means the backend refused: nothing booked.
		 * No answer (timeout, reset) means we cannot know: claim
		 * neither.
		 */
		skill_say(r, res->status >= 300 || res->error == not_sent ?
		    M_BOOK_FAILED : M_BOOK_UNCERTAIN);
		skill_listen(r);
		skill_outcome(r, "booking_failed: %s (http %ld)",
		    res->error ? res->error : "status", res->status);
		goto out;
	}
	booking_ref(res, ref, sizeof(ref));
	snprintf(party, sizeof(party), "%d", act->party);
	v[0] = party;
	v[1] = date;
	v[2] = time;
	v[3] = p.v[nf].text;
	v[4] = ref;
	v[5] = skill_text(r, TXT_VENUE_ADDRESS);
	if (r->cfg->sms_gateway != SMS_NONE) {
		const char *kk[7] = { "skill", k[0], k[1], k[2], k[3], k[4], k[5] };
		const char *vv[7] = { skill_text(r, TXT_SKILL_NAME), v[0], v[1],
		    v[2], v[3], v[4], v[5] };

		text_template(sms, sizeof(sms), r->loc->msg[ref[0] != '\0' ?
		    M_SMS_BOOKING : M_SMS_BOOKING_NOREF], kk, vv, 7);
		texted = send_text(r, p.v[PF_MOBILE].e164, sms);
		explicit_bzero(sms, sizeof(sms));
	}
	skill_sayf(r, M_BOOKED, k, v, 6);
	if (texted == 0) {
		const char *lk[] = { "last2" }, *lv[] = { p.v[PF_MOBILE].last2 };

		skill_sayf(r, M_BOOKED_TEXTED, lk, lv, 1);
	} else if (texted < 0 && r->cfg->sms_gateway != SMS_NONE)
		skill_say(r, M_BOOKED_NOT_TEXTED);
	r->resp->end_session = 1;
	skill_outcome(r, "booked%s", texted == 0 ? ", texted" :
	    r->cfg->sms_gateway == SMS_NONE ? "" : ", text_failed");
out:
	profile_wipe(&p);
	explicit_bzero(res, sizeof(*res));
	free(res);
}

static void
details(struct skill_req *r, const struct skill_action *act)
{
	char sms[512];
	struct profile p;
	const char *k[] = { "skill", "address", "hours" };
	const char *v[] = { skill_text(r, TXT_SKILL_NAME),
	    skill_text(r, TXT_VENUE_ADDRESS), skill_text(r, TXT_VENUE_HOURS) };

	if (r->cfg->sms_gateway == SMS_NONE) {
		skill_say(r, M_TEXT_OFF);
		skill_say_venue(r);
		skill_listen(r);
		skill_outcome(r, "sms_off");
		return;
	}
	r->io->profile_fetch(r->io, r->env, PF_BIT(PF_MOBILE), &p);
	if (consent_check(r, &p, PF_BIT(PF_MOBILE), act))
		goto out;
	text_template(sms, sizeof(sms), r->loc->msg[v[2][0] != '\0' ?
	    M_SMS_VENUE : M_SMS_VENUE_AT], k, v, 3);
	if (send_text(r, p.v[PF_MOBILE].e164, sms) == 0) {
		const char *lk[] = { "last2" }, *lv[] = { p.v[PF_MOBILE].last2 };

		skill_sayf(r, M_TEXTED, lk, lv, 1);
		r->resp->end_session = 1;
		skill_outcome(r, "texted");
	} else {
		/* Reduced: say what the text would have said. */
		skill_say(r, M_TEXT_FAILED);
		skill_say_venue(r);
		skill_listen(r);
		skill_outcome(r, "text_failed");
	}
	explicit_bzero(sms, sizeof(sms));
out:
	profile_wipe(&p);
}

void
booking_run(struct skill_req *r, const struct skill_action *act)
{
	if (act->kind == ACT_DETAILS)
		details(r, act);
	else if (r->cfg->booking_url[0] == '\0') {
		/* The config changed since consent was asked for. */
		skill_say(r, M_BOOKING_OFF);
		skill_listen(r);
		skill_outcome(r, "booking_off");
	} else
		book(r, act);
}
