#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../../app/config.h"
#include "../../app/envelope.h"
#include "../../app/profile.h"
#include "../../app/response.h"
#include "../../app/skill.h"
#include "../../app/skill_int.h"
#include "../../app/timeutil.h"
#include "unit.h"

/*
 * The reference skill through skill_handle() with a fake skill_io: the
 * profile answers and backend replies are set per test, and every call
 * the skill makes is recorded.
 */

#define APP "amzn1.ask.skill.unit"
#define PERSON "amzn1.ask.person.P1"
#define USER "amzn1.ask.account.U1"
#define RID "amzn1.echo-api.request.R1"
#define SLOTS "\"intent\":{\"name\":\"BookTableIntent\",\"slots\":{" \
    "\"date\":{\"name\":\"date\",\"value\":\"2026-12-24\"}," \
    "\"time\":{\"name\":\"time\",\"value\":\"19:30\"}," \
    "\"partySize\":{\"name\":\"partySize\",\"value\":\"2\"}}}"
#define DETAILS "\"intent\":{\"name\":\"SendDetailsIntent\",\"slots\":{}}"
#define GIVEN "alexa::profile:given_name:read"
#define NAME "alexa::profile:name:read"
#define MOBILE "alexa::profile:mobile_number:read"

#define MAXPOST 4

struct post {
	char what[16], url[256], ctype[64], body[4096], key[128], sigv4[64];
	int timeout_ms;
};

struct fake {
	struct skill_io io;			/* first: the callbacks cast back */
	enum profile_status st[PF_COUNT];
	const char *text[PF_COUNT];
	int fetches;
	unsigned fields;
	int person;
	int posts;
	struct post post[MAXPOST];
	long status[MAXPOST];			/* 0: 200 */
	const char *error[MAXPOST];
	/* > 0: what the profile call leaves of the reply budget, in ms. */
	long left_after_fetch_ms;
	int no_ref;				/* the booking answer has no id */
};

static void
fake_fetch(struct skill_io *io, const struct envelope *env, unsigned fields,
    struct profile *out)
{
	struct fake *f = (struct fake *)io;

	/* As if the call had taken all but that much of the budget. */
	if (f->left_after_fetch_ms > 0)
		io->reply_by = time_after_ms(CLOCK_MONOTONIC,
		    f->left_after_fetch_ms);
	memset(out, 0, sizeof(*out));
	out->person = env->person_id != NULL;
	f->fetches++;
	f->fields |= fields;
	f->person = out->person;
	for (int i = 0; i < PF_COUNT; i++) {
		struct profile_value *v = &out->v[i];

		if (!(fields & PF_BIT(i)))
			continue;
		v->status = f->st[i];
		if (v->status != PS_OK)
			continue;
		if (i == PF_MOBILE) {
			size_t n = strlen(f->text[i]);

			snprintf(v->e164, sizeof(v->e164), "%s", f->text[i]);
			memcpy(v->last2, f->text[i] + n - 2, 3);
		} else
			snprintf(v->text, sizeof(v->text), "%s", f->text[i]);
	}
}

static void
fake_post(struct skill_io *io, const struct backend_req *req,
    struct backend_res *res)
{
	struct fake *f = (struct fake *)io;
	struct post *p;
	int i = f->posts++;

	memset(res, 0, sizeof(*res));
	ck_assert_int_lt(i, MAXPOST);
	p = &f->post[i];
	snprintf(p->what, sizeof(p->what), "%s", req->what);
	snprintf(p->url, sizeof(p->url), "%s", req->url);
	snprintf(p->ctype, sizeof(p->ctype), "%s", req->content_type);
	ck_assert_uint_lt(req->len, sizeof(p->body));
	memcpy(p->body, req->body, req->len);
	p->body[req->len] = '\0';
	snprintf(p->key, sizeof(p->key), "%s",
	    req->idempotency_key ? req->idempotency_key : "");
	snprintf(p->sigv4, sizeof(p->sigv4), "%s",
	    req->aws_sigv4 ? req->aws_sigv4 : "");
	p->timeout_ms = req->timeout_ms;
	res->error = f->error[i];
	if (res->error != NULL)
		return;
	res->status = f->status[i] ? f->status[i] : 200;
	res->len = (size_t)snprintf(res->body, sizeof(res->body), "%s",
	    f->no_ref ? "{\"status\":\"confirmed\"}" :
	    "{\"bookingId\":\"BK-7\",\"status\":\"confirmed\"}");
}

static void
fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->io.profile_fetch = fake_fetch;
	f->io.backend_post = fake_post;
	for (int i = 0; i < PF_COUNT; i++)
		f->st[i] = PS_OK;
	f->text[PF_GIVEN_NAME] = "Zo\xc3\xab";
	f->text[PF_NAME] = "Zo\xc3\xab Quinn";
	f->text[PF_MOBILE] = "+12065550147";
	f->text[PF_EMAIL] = "zoe@example.com";
}

/* The test configuration; a key in extra replaces the base line. */
static struct config *
conf(const char *extra)
{
	static struct config c;
	static const char *const base[] = {
		"skill_id = " APP "\n",
		"booking_url = https://booking.example/bookings\n",
		"booking_timeout_ms = 1234\n",
		"sms_gateway = webhook\n",
		"sms_url = https://sms.example/sms\n",
		"sms_timeout_ms = 987\n",
		"venue_address = 12 Harbour Street\n",
		"venue_hours = from 5 pm to 11 pm\n",
	};
	char text[2048], err[512];
	size_t n = 0;

	extra = extra ? extra : "";
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		size_t kl = strcspn(base[i], " ");
		const char *l;
		int over = 0;

		for (l = extra; *l && !over; l += strcspn(l, "\n"), l += *l != 0)
			over = strncmp(l, base[i], kl) == 0 && l[kl] == ' ';
		if (over)
			continue;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", base[i]);
	}
	snprintf(text + n, sizeof(text) - n, "%s", extra);
	memset(&c, 0, sizeof(c));
	if (config_parse(&c, "unit.conf", text, strlen(text), err,
	    sizeof(err)) != 0)
		ck_abort_msg("config: %s", err);
	return &c;
}

/* An envelope; extra is added to the request object. */
static char *
envelope(const char *type, const char *locale, const char *person,
    const char *extra)
{
	static char buf[4096];
	char pers[256] = "";

	if (person != NULL)
		snprintf(pers, sizeof(pers), "\"person\":{\"personId\":\"%s\","
		    "\"accessToken\":\"tok\"},", person);
	snprintf(buf, sizeof(buf),
	    "{\"version\":\"1.0\",\"session\":{\"new\":true,\"sessionId\":"
	    "\"amzn1.echo-api.session.S1\",\"application\":{\"applicationId\":"
	    "\"" APP "\"},\"attributes\":{},\"user\":{\"userId\":\"" USER "\"}},"
	    "\"context\":{\"System\":{\"application\":{\"applicationId\":"
	    "\"" APP "\"},\"user\":{\"userId\":\"" USER "\"},%s"
	    "\"device\":{\"deviceId\":\"D1\",\"supportedInterfaces\":{}},"
	    "\"apiEndpoint\":\"https://api.amazonalexa.com\","
	    "\"apiAccessToken\":\"tok\"}},"
	    "\"request\":{\"type\":\"%s\",\"requestId\":\"" RID "\","
	    "\"timestamp\":\"2026-11-30T12:00:00Z\",\"locale\":\"%s\"%s%s}}",
	    pers, type, locale, extra ? "," : "", extra ? extra : "");
	return buf;
}

struct result {
	json_object *root;
	const char *ssml;	/* response.outputSpeech.ssml or NULL */
	json_object *resp;
	char outcome[256];
};

static void
run(const struct config *cfg, struct fake *f, const char *body,
    struct result *out)
{
	struct envelope env;
	struct response r;
	const char *why = NULL;
	char *json;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (envelope_parse(&env, body, strlen(body), &why) != 0)
		ck_abort_msg("envelope: %s", why ? why : "?");
	response_init(&r);
	f->io.cfg = cfg;
	f->io.reply_by = time_after_ms(CLOCK_MONOTONIC, REPLY_BUDGET_MS);
	skill_handle(cfg, &f->io, &env, &r, out->outcome, sizeof(out->outcome));
	json = response_serialize(&r, &len);
	ck_assert_ptr_nonnull(json);
	out->root = json_tokener_parse(json);
	ck_assert_ptr_nonnull(out->root);
	out->resp = json_path(out->root, "response");
	out->ssml = json_path_str(out->root, "response.outputSpeech.ssml");
	free(json);
	response_free(&r);
	envelope_free(&env);
}

static void
done(struct result *r)
{
	json_object_put(r->root);
}

static int
has(const char *s, const char *needle)
{
	return s != NULL && strstr(s, needle) != NULL;
}

#define ck_has(s, needle) ck_assert_msg(has((s), (needle)), \
    "%s: %s lacks %s", #s, (s) ? (s) : "(null)", (needle))

/* The card's scopes joined with spaces, or "" without a card. */
static const char *
card_scopes(struct result *r)
{
	static char buf[512];
	json_object *p = json_path(r->root, "response.card.permissions");
	size_t n = 0;

	buf[0] = '\0';
	ck_assert_str_eq(json_path_str(r->root, "response.card.type"),
	    "AskForPermissionsConsent");
	for (size_t i = 0; p != NULL && i < json_object_array_length(p); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? " " : "", json_object_get_string(
		    json_object_array_get_idx(p, i)));
	return buf;
}

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* --- launch ---------------------------------------------------------- */

START_TEST(launch_named)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	run(conf(NULL), &f, envelope("LaunchRequest", "en-US", PERSON, NULL), &r);
	ck_assert_int_eq(f.fetches, 1);
	ck_assert_uint_eq(f.fields, PF_BIT(PF_GIVEN_NAME));
	ck_has(r.ssml, "<speak>Welcome back, Zo\xc3\xab! I can book you a table");
	ck_assert(!has(r.ssml, "alexa:name"));
	ck_assert_str_eq(r.outcome, "launch: named");
	ck_assert(!json_object_get_boolean(get(r.resp, "shouldEndSession")));
	ck_assert_ptr_nonnull(get(r.resp, "reprompt"));
	done(&r);
}
END_TEST

START_TEST(launch_escapes_name)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	f.text[PF_GIVEN_NAME] = "Tom & <b>Jerry</b> O'Neil \"TJ\"";
	run(conf(NULL), &f, envelope("LaunchRequest", "en-US", PERSON, NULL), &r);
	ck_has(r.ssml, "Welcome back, Tom &amp; &lt;b&gt;Jerry&lt;/b&gt; "
	    "O&apos;Neil &quot;TJ&quot;!");
	ck_assert(!has(r.ssml, "<b>"));
	done(&r);
}
END_TEST

START_TEST(launch_tag_when_refused)
{
	static const enum profile_status st[] = { PS_NO_PERMISSION, PS_NOT_SET,
	    PS_UNAVAILABLE, PS_THROTTLED, PS_UNAUTHORIZED };

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		struct fake f;
		struct result r;

		fake_init(&f);
		f.st[PF_GIVEN_NAME] = st[i];
		run(conf(NULL), &f, envelope("LaunchRequest", "en-US", PERSON,
		    NULL), &r);
		ck_has(r.ssml, "<speak>Welcome back, <alexa:name type=\"first\" "
		    "personId=\"" PERSON "\"/>! I can book");
		/* No consent card at launch. */
		ck_assert_ptr_null(get(r.resp, "card"));
		ck_has(r.outcome, "launch: name_tag");
		done(&r);
	}
}
END_TEST

START_TEST(launch_tag_configured)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	run(conf("greeting_name = ssml_tag\n"), &f,
	    envelope("LaunchRequest", "en-US", PERSON, NULL), &r);
	ck_assert_int_eq(f.fetches, 0);
	ck_has(r.ssml, "<alexa:name type=\"first\" personId=\"" PERSON "\"/>");
	done(&r);
}
END_TEST

START_TEST(launch_generic)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	run(conf(NULL), &f, envelope("LaunchRequest", "en-US", NULL, NULL), &r);
	ck_assert_int_eq(f.fetches, 0);
	ck_has(r.ssml, "<speak>Welcome to The Corner Table! I can book");
	ck_assert_str_eq(r.outcome, "launch: generic");
	done(&r);
	/* A personId that could break out of the attribute: no tag. */
	fake_init(&f);
	run(conf(NULL), &f, envelope("LaunchRequest", "en-US",
	    "amzn1.ask.person.X\\\"/><audio src=\\\"x", NULL), &r);
	ck_assert_int_eq(f.fetches, 0);
	ck_assert(!has(r.ssml, "alexa:name") && !has(r.ssml, "audio"));
	ck_has(r.ssml, "Welcome to The Corner Table!");
	done(&r);
}
END_TEST

/* --- consent, not set, unavailable ----------------------------------- */

START_TEST(consent_card_scopes)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	f.st[PF_MOBILE] = PS_NO_PERMISSION;
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, SLOTS),
	    &r);
	ck_assert_uint_eq(f.fields, PF_BIT(PF_GIVEN_NAME) | PF_BIT(PF_MOBILE));
	ck_assert_str_eq(card_scopes(&r), MOBILE);
	ck_has(r.ssml, "needs your name and mobile number");
	ck_assert(json_object_get_boolean(get(r.resp, "shouldEndSession")));
	ck_assert_int_eq(f.posts, 0);
	done(&r);

	fake_init(&f);
	f.st[PF_MOBILE] = f.st[PF_GIVEN_NAME] = PS_NO_PERMISSION;
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", NULL, SLOTS), &r);
	ck_assert_int_eq(f.person, 0);
	ck_assert_str_eq(card_scopes(&r), GIVEN " " MOBILE);
	done(&r);

	fake_init(&f);
	f.st[PF_NAME] = PS_NO_PERMISSION;
	run(conf("name_scope = name\n"), &f,
	    envelope("IntentRequest", "en-US", PERSON, SLOTS), &r);
	ck_assert_uint_eq(f.fields, PF_BIT(PF_NAME) | PF_BIT(PF_MOBILE));
	ck_assert_str_eq(card_scopes(&r), NAME);
	done(&r);

	fake_init(&f);
	f.st[PF_MOBILE] = PS_NO_PERMISSION;
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, DETAILS),
	    &r);
	ck_assert_uint_eq(f.fields, PF_BIT(PF_MOBILE));
	ck_assert_str_eq(card_scopes(&r), MOBILE);
	ck_has(r.ssml, "To text you the details, The Corner Table needs your "
	    "mobile number.");
	done(&r);

	/* Texting off: the reason given does not promise a text. */
	fake_init(&f);
	f.st[PF_MOBILE] = PS_NO_PERMISSION;
	run(conf("sms_gateway = none\n"), &f, envelope("IntentRequest",
	    "en-US", PERSON, SLOTS), &r);
	ck_has(r.ssml, "To book a table in your name, The Corner Table needs "
	    "your name and a mobile number to reach you at.");
	ck_assert(!has(r.ssml, "text"));
	done(&r);
}
END_TEST

START_TEST(not_set_text)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	f.st[PF_MOBILE] = PS_NOT_SET;
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, SLOTS),
	    &r);
	ck_assert_str_eq(r.ssml, "<speak>Your mobile number is not set. You can "
	    "enter these details in the Alexa app under Settings &gt; Your "
	    "Profile, and then launch this skill again.</speak>");
	ck_assert_ptr_null(get(r.resp, "card"));
	ck_assert_int_eq(f.posts, 0);
	done(&r);

	fake_init(&f);
	f.st[PF_GIVEN_NAME] = PS_NOT_SET;
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, SLOTS),
	    &r);
	ck_has(r.ssml, "<speak>Your first name is not set.");
	done(&r);

	/* Refused wins over not set: the card comes first. */
	fake_init(&f);
	f.st[PF_GIVEN_NAME] = PS_NOT_SET;
	f.st[PF_MOBILE] = PS_NO_PERMISSION;
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, SLOTS),
	    &r);
	ck_assert_str_eq(card_scopes(&r), MOBILE);
	done(&r);

	fake_init(&f);
	f.st[PF_MOBILE] = PS_NOT_SET;
	run(conf(NULL), &f, envelope("IntentRequest", "de-DE", PERSON, DETAILS),
	    &r);
	ck_has(r.ssml, "<speak>Deine Handynummer ist nicht hinterlegt.");
	done(&r);
}
END_TEST

START_TEST(unavailable_apologises)
{
	static const enum profile_status st[] = { PS_UNAVAILABLE, PS_THROTTLED,
	    PS_UNAUTHORIZED };

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		struct fake f;
		struct result r;

		fake_init(&f);
		f.st[PF_MOBILE] = st[i];
		run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON,
		    DETAILS), &r);
		ck_has(r.ssml, "<speak>Sorry, I can&apos;t get your contact "
		    "details right now. You&apos;ll find us at 12 Harbour Street.");
		ck_assert_ptr_null(get(r.resp, "card"));
		ck_assert(!json_object_get_boolean(get(r.resp,
		    "shouldEndSession")));
		ck_assert_int_eq(f.posts, 0);
		done(&r);
	}
}
END_TEST

/* --- booking and texting --------------------------------------------- */

/*
 * The booking and the text share what is left of the request's budget:
 * a call gets at most the time left, and none starts with less than
 * BACKEND_MIN_MS left (then nothing was booked, and the skill says so).
 */
START_TEST(backend_calls_fit_the_reply_budget)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	f.left_after_fetch_ms = 800;	/* booking_timeout_ms is 1234 */
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, SLOTS),
	    &r);
	ck_assert_int_eq(f.posts, 2);
	ck_assert_str_eq(f.post[0].what, "booking");
	ck_assert_msg(f.post[0].timeout_ms > 700 && f.post[0].timeout_ms <= 800,
	    "booking timeout %d ms with 800 ms left", f.post[0].timeout_ms);
	ck_assert_msg(f.post[1].timeout_ms <= f.post[0].timeout_ms,
	    "sms timeout %d ms after the booking", f.post[1].timeout_ms);
	done(&r);

	fake_init(&f);
	f.left_after_fetch_ms = BACKEND_MIN_MS - 50;
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, SLOTS),
	    &r);
	ck_assert_int_eq(f.posts, 0);
	ck_has(r.ssml, "so nothing has been booked");
	ck_assert_str_eq(r.outcome, "booking_failed: not_sent (http 0)");
	done(&r);
}
END_TEST

START_TEST(booking_body)
{
	struct fake f;
	struct result r;
	json_object *b;

	fake_init(&f);
	f.status[0] = 201;
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, SLOTS),
	    &r);
	ck_assert_int_eq(f.posts, 2);
	ck_assert_str_eq(f.post[0].what, "booking");
	ck_assert_str_eq(f.post[0].url, "https://booking.example/bookings");
	ck_assert_str_eq(f.post[0].ctype, "application/json");
	ck_assert_str_eq(f.post[0].key, RID);
	ck_assert_str_eq(f.post[0].sigv4, "");
	ck_assert_int_eq(f.post[0].timeout_ms, 1234);
	b = json_tokener_parse(f.post[0].body);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(json_path_str(b, "idempotencyKey"), RID);
	ck_assert_str_eq(json_path_str(b, "name"), "Zo\xc3\xab");
	ck_assert_str_eq(json_path_str(b, "phone"), "+12065550147");
	ck_assert_str_eq(json_path_str(b, "date"), "2026-12-24");
	ck_assert_str_eq(json_path_str(b, "time"), "19:30");
	ck_assert_int_eq(json_object_get_int(get(b, "partySize")), 2);
	ck_assert(json_object_is_type(get(b, "partySize"), json_type_int));
	ck_assert_str_eq(json_path_str(b, "personId"), PERSON);
	ck_assert_ptr_null(get(b, "userId"));
	ck_assert_int_eq(json_object_object_length(b), 7);
	json_object_put(b);
	ck_assert_str_eq(r.ssml, "<speak>Done: a table for 2 on Thursday, "
	    "December 24 at 7:30 pm under Zo\xc3\xab. I&apos;ve texted the details "
	    "to your number ending in 47.</speak>");
	ck_assert(!has(r.ssml, "2065550147"));
	ck_assert_str_eq(r.outcome, "booked, texted");
	done(&r);

	/* No person: the account's user id, and the account's number. */
	fake_init(&f);
	f.text[PF_GIVEN_NAME] = "Ada";
	f.text[PF_MOBILE] = "+447700900123";
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", NULL, SLOTS), &r);
	b = json_tokener_parse(f.post[0].body);
	ck_assert_str_eq(json_path_str(b, "userId"), USER);
	ck_assert_ptr_null(get(b, "personId"));
	ck_assert_str_eq(json_path_str(b, "phone"), "+447700900123");
	json_object_put(b);
	ck_has(r.ssml, "under Ada. I&apos;ve texted the details to your number "
	    "ending in 23.");
	done(&r);
}
END_TEST

START_TEST(sms_webhook)
{
	struct fake f;
	struct result r;
	json_object *b;

	fake_init(&f);
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, SLOTS),
	    &r);
	ck_assert_int_eq(f.posts, 2);
	ck_assert_str_eq(f.post[1].what, "sms");
	ck_assert_str_eq(f.post[1].url, "https://sms.example/sms");
	ck_assert_str_eq(f.post[1].ctype, "application/json");
	/* A retried request's text is sent once by a gateway honouring it. */
	ck_assert_str_eq(f.post[1].key, "amzn1.echo-api.request.R1-sms");
	ck_assert_int_eq(f.post[1].timeout_ms, 987);
	b = json_tokener_parse(f.post[1].body);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(json_path_str(b, "to"), "+12065550147");
	ck_assert_str_eq(json_path_str(b, "text"), "The Corner Table: table for "
	    "2 on Thursday, December 24 at 7:30 pm, booking BK-7. 12 Harbour "
	    "Street");
	json_object_put(b);
	done(&r);

	/* SendDetailsIntent: the venue text, one post. */
	fake_init(&f);
	run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON, DETAILS),
	    &r);
	ck_assert_int_eq(f.posts, 1);
	b = json_tokener_parse(f.post[0].body);
	ck_assert_str_eq(json_path_str(b, "to"), "+12065550147");
	ck_assert_str_eq(json_path_str(b, "text"), "The Corner Table: 12 "
	    "Harbour Street. Open from 5 pm to 11 pm.");
	json_object_put(b);
	ck_assert_str_eq(r.ssml, "<speak>I&apos;ve texted the details to your "
	    "number ending in 47.</speak>");
	done(&r);
}
END_TEST

/* Optional config and answer parts leave no empty phrase behind. */
START_TEST(optional_parts_left_out)
{
	struct fake f;
	struct result r;
	json_object *b;

	fake_init(&f);
	f.no_ref = 1;
	run(conf("venue_hours =\n"), &f, envelope("IntentRequest", "en-US",
	    PERSON, SLOTS), &r);
	ck_assert_int_eq(f.posts, 2);
	b = json_tokener_parse(f.post[1].body);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(json_path_str(b, "text"), "The Corner Table: table for "
	    "2 on Thursday, December 24 at 7:30 pm. 12 Harbour Street");
	json_object_put(b);
	done(&r);

	fake_init(&f);
	run(conf("venue_hours =\nsms_gateway = none\n"), &f,
	    envelope("IntentRequest", "en-US", PERSON, DETAILS), &r);
	ck_assert_int_eq(f.posts, 0);
	ck_has(r.ssml, "You&apos;ll find us at 12 Harbour Street.</speak>");
	ck_assert(!has(r.ssml, "open"));
	done(&r);

	fake_init(&f);
	run(conf("venue_hours =\n"), &f, envelope("IntentRequest", "en-US",
	    PERSON, DETAILS), &r);
	ck_assert_int_eq(f.posts, 1);
	b = json_tokener_parse(f.post[0].body);
	ck_assert_str_eq(json_path_str(b, "text"), "The Corner Table: 12 "
	    "Harbour Street.");
	json_object_put(b);
	done(&r);
}
END_TEST

START_TEST(sms_sns)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	run(conf("sms_gateway = sns\nsns_region = eu-west-1\n"), &f,
	    envelope("IntentRequest", "en-US", PERSON, DETAILS), &r);
	ck_assert_int_eq(f.posts, 1);
	ck_assert_str_eq(f.post[0].url, "https://sns.eu-west-1.amazonaws.com");
	ck_assert_str_eq(f.post[0].sigv4, "aws:amz:eu-west-1:sns");
	ck_assert_str_eq(f.post[0].ctype, "application/x-www-form-urlencoded");
	ck_assert_str_eq(f.post[0].body, "Action=Publish&Version=2010-03-31&"
	    "PhoneNumber=%2B12065550147&Message=The%20Corner%20Table%3A%2012%20"
	    "Harbour%20Street.%20Open%20from%205%20pm%20to%2011%20pm.");
	ck_has(r.ssml, "ending in 47");
	done(&r);
}
END_TEST

START_TEST(backend_failure)
{
	static const long status[] = { 500, 409, 0 };

	for (size_t i = 0; i < sizeof(status) / sizeof(status[0]); i++) {
		struct fake f;
		struct result r;

		fake_init(&f);
		f.status[0] = status[i];
		if (status[i] == 0)
			f.error[0] = "timeout";
		run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON,
		    SLOTS), &r);
		ck_assert_int_eq(f.posts, 1);	/* no text message */
		/* Refused: nothing booked; no answer: no claim either way. */
		if (status[i] != 0)
			ck_has(r.ssml, "so nothing has been booked");
		else
			ck_has(r.ssml, "I can&apos;t say whether your table is "
			    "booked");
		ck_assert(!has(r.ssml, "Done"));
		ck_has(r.outcome, "booking_failed");
		done(&r);
	}
	/* Booked, text failed: says so, never "ending in". */
	{
		struct fake f;
		struct result r;

		fake_init(&f);
		f.status[1] = 502;
		run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON,
		    SLOTS), &r);
		ck_assert_int_eq(f.posts, 2);
		ck_has(r.ssml, "Done: a table for 2");
		ck_has(r.ssml, "couldn&apos;t send the text message");
		ck_assert(!has(r.ssml, "ending in"));
		ck_assert_str_eq(r.outcome, "booked, text_failed");
		done(&r);
	}
}
END_TEST

START_TEST(german)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	run(conf(NULL), &f, envelope("IntentRequest", "de-DE", PERSON, SLOTS),
	    &r);
	ck_assert_str_eq(r.ssml, "<speak>Erledigt: ein Tisch f\xc3\xbcr 2 am "
	    "Donnerstag, 24. Dezember um 19:30 Uhr auf den Namen Zo\xc3\xab. Ich "
	    "habe dir die Details an deine Nummer mit der Endung 47 "
	    "geschickt.</speak>");
	done(&r);
	fake_init(&f);
	run(conf(NULL), &f, envelope("LaunchRequest", "de-DE", NULL, NULL), &r);
	ck_has(r.ssml, "<speak>Willkommen bei The Corner Table!");
	done(&r);
	/* Unknown locale: en-US. */
	fake_init(&f);
	run(conf(NULL), &f, envelope("LaunchRequest", "fr-FR", NULL, NULL), &r);
	ck_has(r.ssml, "<speak>Welcome to The Corner Table!");
	done(&r);
}
END_TEST

/* The operator's texts per locale: German speakers hear the German ones. */
START_TEST(operator_texts_per_locale)
{
	static const char de[] = "skill_name.de-DE = Zur Ecke\n"
	    "venue_address.de-DE = Hafenstra\xc3\x9f" "e 12\n"
	    "venue_hours.de-DE = von 17 bis 23 Uhr\n";
	struct fake f;
	struct result r;
	json_object *b;

	fake_init(&f);
	run(conf(de), &f, envelope("LaunchRequest", "de-DE", NULL, NULL), &r);
	ck_has(r.ssml, "<speak>Willkommen bei Zur Ecke!");
	done(&r);
	fake_init(&f);
	run(conf(de), &f, envelope("LaunchRequest", "en-US", NULL, NULL), &r);
	ck_has(r.ssml, "<speak>Welcome to The Corner Table!");
	done(&r);
	/* The text the speaker is sent is in their locale's texts too. */
	fake_init(&f);
	run(conf(de), &f, envelope("IntentRequest", "de-DE", PERSON, DETAILS),
	    &r);
	ck_assert_int_eq(f.posts, 1);
	b = json_tokener_parse(f.post[0].body);
	ck_assert_str_eq(json_path_str(b, "text"), "Zur Ecke: Hafenstra\xc3\x9f"
	    "e 12. Ge\xc3\xb6" "ffnet von 17 bis 23 Uhr.");
	json_object_put(b);
	done(&r);
	/* The spoken venue; a locale without its own texts gets the plain. */
	fake_init(&f);
	run(conf("sms_gateway = none\nskill_name.de-DE = Zur Ecke\n"
	    "venue_address.de-DE = Hafenstra\xc3\x9f" "e 12\n"), &f,
	    envelope("IntentRequest", "de-DE", PERSON, DETAILS), &r);
	ck_has(r.ssml, "Hafenstra\xc3\x9f" "e 12. Wir haben from 5 pm to 11 pm");
	done(&r);
	fake_init(&f);
	run(conf("sms_gateway = none\n" "venue_address.de-DE = X\n"), &f,
	    envelope("IntentRequest", "en-GB", PERSON, DETAILS), &r);
	ck_has(r.ssml, "12 Harbour Street");
	done(&r);
}
END_TEST

START_TEST(invalid_slots_elicit)
{
	static const struct {
		const char *slots, *elicit;
	} c[] = {
		{ "{}", "date" },
		{ "{\"date\":{\"name\":\"date\",\"value\":\"2026-W52\"}}", "date" },
		{ "{\"date\":{\"name\":\"date\",\"value\":\"2026-12-24\"},"
		  "\"time\":{\"name\":\"time\",\"value\":\"EV\"}}", "time" },
		{ "{\"date\":{\"name\":\"date\",\"value\":\"2026-12-24\"},"
		  "\"time\":{\"name\":\"time\",\"value\":\"19:30\"},"
		  "\"partySize\":{\"name\":\"partySize\",\"value\":\"0\"}}",
		  "partySize" },
		{ "{\"date\":{\"name\":\"date\",\"value\":\"2026-12-24\"},"
		  "\"time\":{\"name\":\"time\",\"value\":\"19:30\"},"
		  "\"partySize\":{\"name\":\"partySize\",\"value\":\"99\"}}",
		  "partySize" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct fake f;
		struct result r;
		char extra[1024];
		json_object *d;

		snprintf(extra, sizeof(extra), "\"intent\":{\"name\":"
		    "\"BookTableIntent\",\"slots\":%s}", c[i].slots);
		fake_init(&f);
		run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON,
		    extra), &r);
		ck_assert_int_eq(f.fetches, 0);
		ck_assert_int_eq(f.posts, 0);
		d = json_object_array_get_idx(get(r.resp, "directives"), 0);
		ck_assert_ptr_nonnull(d);
		ck_assert_str_eq(json_path_str(d, "type"), "Dialog.ElicitSlot");
		ck_assert_str_eq(json_path_str(d, "slotToElicit"), c[i].elicit);
		/* Every slot named; the elicited one without its value. */
		for (int k = 0; k < 3; k++) {
			static const char *const n[] = { "date", "time",
			    "partySize" };
			json_object *sl = get(json_path(d, "updatedIntent.slots"),
			    n[k]);

			ck_assert_msg(sl != NULL, "%s missing", n[k]);
			ck_assert_str_eq(json_path_str(sl, "name"), n[k]);
			if (strcmp(n[k], c[i].elicit) == 0)
				ck_assert_ptr_null(get(sl, "value"));
		}
		done(&r);
	}
}
END_TEST

/* --- voice consent ------------------------------------------------------ */

START_TEST(voice_consent_directive)
{
	struct fake f;
	struct result r;
	json_object *d, *ps;

	fake_init(&f);
	f.st[PF_GIVEN_NAME] = f.st[PF_MOBILE] = PS_NO_PERMISSION;
	run(conf("voice_consent = yes\n"), &f,
	    envelope("IntentRequest", "en-US", PERSON, SLOTS), &r);
	ck_assert_int_eq(json_object_array_length(get(r.resp, "directives")), 1);
	d = json_object_array_get_idx(get(r.resp, "directives"), 0);
	ck_assert_str_eq(json_path_str(d, "type"), "Connections.StartConnection");
	ck_assert_str_eq(json_path_str(d, "uri"),
	    "connection://AMAZON.AskForPermissionsConsent/2");
	ck_assert_str_eq(json_path_str(d, "input.@type"),
	    "AskForPermissionsConsentRequest");
	ck_assert_str_eq(json_path_str(d, "input.@version"), "2");
	ps = json_path(d, "input.permissionScopes");
	ck_assert_int_eq(json_object_array_length(ps), 2);
	ck_assert_str_eq(json_path_str(json_object_array_get_idx(ps, 0),
	    "permissionScope"), GIVEN);
	ck_assert_str_eq(json_path_str(json_object_array_get_idx(ps, 1),
	    "permissionScope"), MOBILE);
	ck_assert_str_eq(json_path_str(json_object_array_get_idx(ps, 0),
	    "consentLevel"), "PERSON");
	ck_assert_str_eq(json_path_str(d, "token"), "v1|book|2026-12-24|19:30|2");
	ck_assert_ptr_null(get(r.resp, "reprompt"));
	ck_assert_ptr_null(get(r.resp, "shouldEndSession"));
	ck_assert_ptr_null(get(r.resp, "card"));
	ck_assert_str_eq(r.outcome, "consent: voice givenName,mobileNumber");
	done(&r);

	fake_init(&f);
	f.st[PF_MOBILE] = PS_NO_PERMISSION;
	run(conf("voice_consent = yes\n"), &f,
	    envelope("IntentRequest", "en-US", NULL, DETAILS), &r);
	d = json_object_array_get_idx(get(r.resp, "directives"), 0);
	ps = json_path(d, "input.permissionScopes");
	ck_assert_int_eq(json_object_array_length(ps), 1);
	ck_assert_str_eq(json_path_str(json_object_array_get_idx(ps, 0),
	    "consentLevel"), "ACCOUNT");
	ck_assert_str_eq(json_path_str(d, "token"), "v1|details");
	done(&r);
}
END_TEST

static char *
resumed(const char *status, const char *tok)
{
	char extra[512];

	snprintf(extra, sizeof(extra), "\"cause\":{\"type\":"
	    "\"ConnectionCompleted\",\"token\":\"%s\",\"status\":{\"code\":"
	    "\"200\",\"message\":\"OK\"},\"result\":{\"status\":\"%s\"}}", tok,
	    status);
	return envelope("SessionResumedRequest", "en-US", PERSON, extra);
}

START_TEST(voice_consent_resumed)
{
	struct fake f;
	struct result r;
	json_object *b;

	fake_init(&f);
	run(conf("voice_consent = yes\n"), &f,
	    resumed("ACCEPTED", "v1|book|2026-12-31|20:00|4"), &r);
	ck_assert_int_eq(f.posts, 2);
	b = json_tokener_parse(f.post[0].body);
	ck_assert_str_eq(json_path_str(b, "date"), "2026-12-31");
	ck_assert_str_eq(json_path_str(b, "time"), "20:00");
	ck_assert_int_eq(json_object_get_int(get(b, "partySize")), 4);
	json_object_put(b);
	ck_has(r.ssml, "a table for 4 on Thursday, December 31 at 8 pm");
	done(&r);

	for (int i = 0; i < 2; i++) {
		fake_init(&f);
		run(conf("voice_consent = yes\n"), &f, resumed(i ? "NOT_ANSWERED"
		    : "DENIED", "v1|book|2026-12-31|20:00|4"), &r);
		ck_assert_int_eq(f.fetches, 0);
		ck_assert_int_eq(f.posts, 0);
		ck_has(r.ssml, "No problem. Without those details");
		ck_assert_str_eq(r.outcome, i ? "consent_not_answered" :
		    "consent_denied");
		done(&r);
	}

	/* Connections.Response (v1) with the details token. */
	fake_init(&f);
	run(conf("voice_consent = yes\n"), &f, envelope("Connections.Response",
	    "en-US", PERSON, "\"name\":\"AskFor\",\"status\":{\"code\":\"200\"},"
	    "\"payload\":{\"status\":\"ACCEPTED\"},\"token\":\"v1|details\""), &r);
	ck_assert_int_eq(f.posts, 1);
	ck_assert_str_eq(f.post[0].what, "sms");
	done(&r);

	/* A token we did not issue: nothing happens. */
	fake_init(&f);
	run(conf("voice_consent = yes\n"), &f,
	    resumed("ACCEPTED", "v1|book|2026-12-31|20:00|400"), &r);
	ck_assert_int_eq(f.fetches + f.posts, 0);
	ck_assert_str_eq(r.outcome, "consent_resumed: unknown token");
	done(&r);
}
END_TEST

/*
 * The request is at 2026-11-30T12:00Z, 00:00 in UTC-12 and 02:00 the
 * next day in UTC+14: a day or hour is past only once it is past there,
 * and a day too far only if it is more than a year away even in UTC+14.
 */
START_TEST(booking_time_window)
{
	static const struct {
		const char *date, *time, *elicit, *says;
	} c[] = {
		{ "2026-11-29", "23:30", "date", "That day has already passed" },
		{ "2026-11-30", "00:00", "time", "That time has already passed" },
		{ "2026-11-30", "00:30", NULL, NULL },	/* 12:30 in UTC-12 */
		{ "2026-11-29", NULL, "date", "That day has already passed" },
		{ "2027-12-01", "19:00", NULL, NULL },
		{ "2027-12-02", "19:00", "date", "up to a year ahead" },
		{ "2099-12-24", "19:00", "date", "up to a year ahead" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct fake f;
		struct result r;
		char extra[1024], tslot[96] = "";
		json_object *d;

		if (c[i].time != NULL)
			snprintf(tslot, sizeof(tslot), ",\"time\":{\"name\":"
			    "\"time\",\"value\":\"%s\"}", c[i].time);
		snprintf(extra, sizeof(extra), "\"intent\":{\"name\":"
		    "\"BookTableIntent\",\"slots\":{\"date\":{\"name\":\"date\","
		    "\"value\":\"%s\"}%s,\"partySize\":{\"name\":\"partySize\","
		    "\"value\":\"2\"}}}", c[i].date, tslot);
		fake_init(&f);
		f.status[0] = 201;
		run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON,
		    extra), &r);
		d = get(r.resp, "directives") == NULL ? NULL :
		    json_object_array_get_idx(get(r.resp, "directives"), 0);
		if (c[i].elicit == NULL) {
			ck_assert_msg(f.posts >= 1 && strcmp(f.post[0].what,
			    "booking") == 0, "%s %s: not booked", c[i].date,
			    c[i].time);
			ck_assert_ptr_null(d);
		} else {
			ck_assert_msg(f.fetches + f.posts == 0, "%s %s: %d calls",
			    c[i].date, c[i].time, f.fetches + f.posts);
			ck_assert_ptr_nonnull(d);
			ck_assert_str_eq(json_path_str(d, "slotToElicit"),
			    c[i].elicit);
			ck_has(r.ssml, c[i].says);
		}
		done(&r);
	}
}
END_TEST

/* Well-formed tokens with a day, hour or party the intent would refuse. */
START_TEST(voice_consent_token_checked_like_slots)
{
	static const char *const bad[] = {
		"v1|book|2026-99-99|99:99|2",	/* no such day or hour */
		"v1|book|2027-02-30|20:00|2",
		"v1|book|2026-12-31|24:00|2",
		"v1|book|2026-12-31|20:60|2",
		"v1|book|2026-11-01|20:00|2",	/* before the request's day */
		"v1|book|2026-11-30|00:00|2",	/* past even in UTC-12 */
		"v1|book|2027-12-24|20:00|2",	/* over a year ahead */
		"v1|book|1999-12-31|20:00|2",
	};
	struct fake f;
	struct result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_init(&f);
		run(conf("voice_consent = yes\n"), &f, resumed("ACCEPTED",
		    bad[i]), &r);
		ck_assert_msg(f.fetches + f.posts == 0, "%s: %d calls", bad[i],
		    f.fetches + f.posts);
		ck_assert_str_eq(r.outcome, "consent_resumed: unknown token");
		ck_has(r.ssml, "Welcome to The Corner Table!");
		done(&r);
	}
}
END_TEST

START_TEST(action_token_round_trip)
{
	struct skill_action a = { .kind = ACT_BOOK, .date = "2026-12-24",
	    .time = "19:30", .party = 20 }, b;
	char tok[80];
	static const char *const bad[] = {
		"", "v1|book", "v2|details", "v1|details|x",
		"v1|book|2026-12-24|19:30|0", "v1|book|2026-12-24|19:30|21",
		"v1|book|2026-12-24|19:30|2x", "v1|book|2026-12-2|19:30|2",
		"v1|book|2026-12-24|1930|2", "v1|book|2026-12-24|19:30|-2",
		"v1|book|2026-12-24|19:30:00|2", "v1|book|2026-12-24|<b>|2",
		"v1|book|2026-12-24|19:30|2|2026-12-24|19:30|2|2026-12-24|19:30|2|"
		    "2026-12-24|19:30|2",
	};

	ck_assert_int_eq(action_encode(&a, tok, sizeof(tok)), 0);
	ck_assert_str_eq(tok, "v1|book|2026-12-24|19:30|20");
	ck_assert_int_eq(action_decode(tok, &b), 0);
	ck_assert_int_eq(b.kind, ACT_BOOK);
	ck_assert_str_eq(b.date, a.date);
	ck_assert_str_eq(b.time, a.time);
	ck_assert_int_eq(b.party, 20);
	a.kind = ACT_DETAILS;
	ck_assert_int_eq(action_encode(&a, tok, sizeof(tok)), 0);
	ck_assert_str_eq(tok, "v1|details");
	ck_assert_int_eq(action_decode(tok, &b), 0);
	ck_assert_int_eq(b.kind, ACT_DETAILS);
	ck_assert_int_eq(action_encode(&a, tok, 5), -1);
	ck_assert_int_eq(action_decode(NULL, &b), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(action_decode(bad[i], &b) == -1, "accepted %s",
		    bad[i]);
}
END_TEST

/* --- events, scopes, small intents ------------------------------------- */

START_TEST(permission_event_outcome)
{
	struct fake f;
	struct result r;

	fake_init(&f);
	run(conf(NULL), &f, envelope("AlexaSkillEvent.SkillPermissionChanged",
	    "en-US", PERSON, "\"body\":{\"acceptedPermissions\":[{\"scope\":"
	    "\"" MOBILE "\"}],\"acceptedPersonPermissions\":[{\"scope\":"
	    "\"" GIVEN "\"},{\"scope\":\"Bad Scope <x>\"}]}"), &r);
	ck_assert_str_eq(r.outcome, "permissions: account=" MOBILE " person="
	    GIVEN ",?");
	ck_assert_int_eq(f.fetches + f.posts, 0);
	done(&r);
}
END_TEST

START_TEST(scopes_list)
{
	const char *s[8];

	ck_assert_uint_eq(skill_scopes(conf(NULL), s, 8), 3);
	ck_assert_str_eq(s[0], GIVEN);
	ck_assert_str_eq(s[1], MOBILE);
	ck_assert_str_eq(s[2], "alexa::person_id:read");
	ck_assert_uint_eq(skill_scopes(conf("name_scope = name\n"), s, 8), 3);
	ck_assert_str_eq(s[0], NAME);
	ck_assert_uint_eq(skill_scopes(conf(NULL), s, 2), 0);
}
END_TEST

START_TEST(small_intents)
{
	static const struct {
		const char *intent, *start;
		int end;
	} c[] = {
		{ "AMAZON.HelpIntent", "<speak>I can book a table at The Corner "
		    "Table", 0 },
		{ "AMAZON.StopIntent", "<speak>Goodbye", 1 },
		{ "AMAZON.CancelIntent", "<speak>Goodbye", 1 },
		{ "AMAZON.FallbackIntent", "<speak>Sorry, I can&apos;t help", 0 },
		{ "AMAZON.NavigateHomeIntent", "<speak>Welcome to The Corner", 0 },
		{ "NoSuchIntent", "<speak>Sorry, I can&apos;t help", 0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct fake f;
		struct result r;
		char extra[128];

		snprintf(extra, sizeof(extra), "\"intent\":{\"name\":\"%s\"}",
		    c[i].intent);
		fake_init(&f);
		run(conf(NULL), &f, envelope("IntentRequest", "en-US", PERSON,
		    extra), &r);
		ck_has(r.ssml, c[i].start);
		ck_assert_int_eq(json_object_get_boolean(get(r.resp,
		    "shouldEndSession")), c[i].end);
		ck_assert_int_eq(f.fetches + f.posts, 0);
		done(&r);
	}
	{
		struct fake f;
		struct result r;

		fake_init(&f);
		run(conf(NULL), &f, envelope("SessionEndedRequest", "en-US",
		    PERSON, "\"reason\":\"USER_INITIATED\""), &r);
		ck_assert_ptr_null(r.ssml);
		ck_assert_str_eq(r.outcome, "session_ended: USER_INITIATED");
		done(&r);
	}
}
END_TEST

/* Alexa reporting an error in our last response reaches the log by its
 * type only: error.message may quote that response. */
START_TEST(session_ended_error_logged)
{
	static const struct {
		const char *extra, *outcome;
	} c[] = {
		{ "\"reason\":\"ERROR\",\"error\":{\"type\":"
		  "\"INVALID_RESPONSE\",\"message\":\"SSML: Zo\xc3\xab\"}",
		  "session_ended: ERROR INVALID_RESPONSE" },
		{ "\"reason\":\"ERROR\",\"error\":{\"type\":\"x y\"}",
		  "session_ended: ERROR ?" },
		{ "\"reason\":\"ERROR\"", "session_ended: ERROR none" },
		{ "\"reason\":\"EXCEEDED_MAX_REPROMPTS\"",
		  "session_ended: EXCEEDED_MAX_REPROMPTS" },
		{ "\"reason\":\"Zo\xc3\xab\"", "session_ended: ?" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct fake f;
		struct result r;

		fake_init(&f);
		run(conf(NULL), &f, envelope("SessionEndedRequest", "en-US",
		    PERSON, c[i].extra), &r);
		ck_assert_ptr_null(r.ssml);
		ck_assert_str_eq(r.outcome, c[i].outcome);
		done(&r);
	}
}
END_TEST

Suite *
suite_skill(void)
{
	Suite *s = suite_create("skill");
	TCase *tc = tcase_create("launch");

	tcase_add_test(tc, launch_named);
	tcase_add_test(tc, launch_escapes_name);
	tcase_add_test(tc, launch_tag_when_refused);
	tcase_add_test(tc, launch_tag_configured);
	tcase_add_test(tc, launch_generic);
	tcase_add_test(tc, session_ended_error_logged);
	suite_add_tcase(s, tc);
	tc = tcase_create("consent");
	tcase_add_test(tc, consent_card_scopes);
	tcase_add_test(tc, not_set_text);
	tcase_add_test(tc, unavailable_apologises);
	tcase_add_test(tc, voice_consent_directive);
	tcase_add_test(tc, voice_consent_resumed);
	tcase_add_test(tc, voice_consent_token_checked_like_slots);
	tcase_add_test(tc, action_token_round_trip);
	tcase_add_test(tc, permission_event_outcome);
	suite_add_tcase(s, tc);
	tc = tcase_create("booking");
	tcase_add_test(tc, booking_body);
	tcase_add_test(tc, backend_calls_fit_the_reply_budget);
	tcase_add_test(tc, sms_webhook);
	tcase_add_test(tc, sms_sns);
	tcase_add_test(tc, optional_parts_left_out);
	tcase_add_test(tc, backend_failure);
	tcase_add_test(tc, german);
	tcase_add_test(tc, operator_texts_per_locale);
	tcase_add_test(tc, invalid_slots_elicit);
	tcase_add_test(tc, booking_time_window);
	tcase_add_test(tc, scopes_list);
	tcase_add_test(tc, small_intents);
	suite_add_tcase(s, tc);
	return s;
}
