#include <stdio.h>
#include <string.h>

#include "../../app/envelope.h"
#include "unit.h"

#define CTX "\"context\":{\"System\":{\"application\":{\"applicationId\":\"app\"}," \
	"\"user\":{\"userId\":\"u\"}}}"

static int
parse(const char *body, struct envelope *e, const char **why)
{
	return envelope_parse(e, body, strlen(body), why);
}

START_TEST(event_without_session_or_locale)
{
	struct envelope e;
	const char *why;

	ck_assert_int_eq(parse("{\"version\":\"1.0\"," CTX ",\"request\":{"
	    "\"type\":\"AlexaSkillEvent.SkillEnabled\",\"requestId\":\"r\","
	    "\"timestamp\":\"2026-12-01T00:00:00Z\"}}", &e, &why), 0);
	ck_assert_int_eq(e.kind, RK_EVENT);
	ck_assert_ptr_null(e.locale);
	envelope_free(&e);
}
END_TEST

START_TEST(launch_needs_session)
{
	struct envelope e;
	const char *why;

	ck_assert_int_ne(parse("{\"version\":\"1.0\"," CTX ",\"request\":{"
	    "\"type\":\"LaunchRequest\",\"requestId\":\"r\",\"locale\":\"en-US\","
	    "\"timestamp\":\"2026-12-01T00:00:00Z\"}}", &e, &why), 0);
	ck_assert_str_eq(why, "missing session");
	envelope_free(&e);
}
END_TEST

/* requestId becomes an Idempotency-Key header: visible ASCII only. */
START_TEST(request_id_checked)
{
	static const struct {
		const char *id;
		int ok;
	} c[] = {
		{ "amzn1.echo-api.request.0f2b6a1e-9e52-4c1a-a6b4-2f0d1c3b4a5e", 1 },
		{ "r", 1 },
		{ "", 0 },
		{ "a\\r\\nX-Injected: yes", 0 },
		{ "a b", 0 },
		{ "Zo\xc3\xab", 0 },
	};
	char body[512];
	struct envelope e;
	const char *why;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(body, sizeof(body), "{\"version\":\"1.0\"," CTX
		    ",\"request\":{\"type\":\"AlexaSkillEvent.SkillEnabled\","
		    "\"requestId\":\"%s\",\"timestamp\":"
		    "\"2026-12-01T00:00:00Z\"}}", c[i].id);
		if (c[i].ok) {
			ck_assert_msg(parse(body, &e, &why) == 0, "%s: %s",
			    c[i].id, why);
		} else {
			ck_assert_int_ne(parse(body, &e, &why), 0);
			ck_assert_str_eq(why, "bad request.requestId");
		}
		envelope_free(&e);
	}
}
END_TEST

START_TEST(depth_limit)
{
	char body[400];
	struct envelope e;
	const char *why;
	int n = 0;

	n += snprintf(body + n, sizeof(body) - n, "{\"a\":");
	for (int i = 0; i < 40; i++)
		body[n++] = '[';
	for (int i = 0; i < 40; i++)
		body[n++] = ']';
	body[n++] = '}';
	body[n] = '\0';
	ck_assert_int_ne(parse(body, &e, &why), 0);
	ck_assert_str_eq(why, "nested too deeply");
	envelope_free(&e);
}
END_TEST

START_TEST(timestamps)
{
	time_t t;

	ck_assert_int_eq(envelope_parse_time("2026-12-01T00:00:00Z", &t), 0);
	ck_assert_int_eq((long)t, 1796083200L);
	ck_assert_int_eq(envelope_parse_time("2026-12-01T00:00:00.123Z", &t), 0);
	ck_assert_int_ne(envelope_parse_time("2026-12-01 00:00:00Z", &t), 0);
	ck_assert_int_ne(envelope_parse_time("2026-13-01T00:00:00Z", &t), 0);
	ck_assert_int_ne(envelope_parse_time("2026-12-01T00:00:00", &t), 0);
	ck_assert_int_ne(envelope_parse_time("2026-12-01T00:00:00+02:00", &t), 0);
}
END_TEST

Suite *
suite_envelope(void)
{
	Suite *s = suite_create("envelope");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, event_without_session_or_locale);
	tcase_add_test(tc, launch_needs_session);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, request_id_checked);
	tcase_add_test(tc, timestamps);
	suite_add_tcase(s, tc);
	return s;
}
