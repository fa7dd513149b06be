#include <stdio.h>
#include <string.h>

#include "../../app/config.h"
#include "../../app/messages.h"
#include "unit.h"

static int
parse(struct config *c, const char *text, char *err, size_t errlen)
{
	return config_parse(c, "/etc/skill/t.conf", text, strlen(text), err,
	    errlen);
}

START_TEST(defaults)
{
	static struct config c;
	char err[512];

	ck_assert_int_eq(parse(&c, "skill_id = a, b\n", err, sizeof(err)), 0);
	ck_assert_uint_eq(c.skill_id.n, 2);
	ck_assert(config_has_skill_id(&c, "b"));
	ck_assert(!config_has_skill_id(&c, "c"));
	ck_assert_int_eq(c.verify_signature, 1);
	ck_assert_int_eq(c.timestamp_tolerance_s, 150);
	ck_assert_int_eq(c.event_timestamp_tolerance_s, 3600);
	ck_assert_int_eq(c.api_timeout_ms, 2500);
	ck_assert(config_origin_allowed(&c, "https://api.eu.amazonalexa.com"));
	ck_assert(!config_origin_allowed(&c, "https://api.amazonalexa.com.evil"));
	ck_assert_int_eq(c.name_scope, NAME_SCOPE_GIVEN_NAME);
}
END_TEST

START_TEST(relative_paths_from_file_dir)
{
	static struct config c;
	char err[512];

	ck_assert_int_eq(parse(&c, "skill_id = a\napi_ca_file = ca.pem\n", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.api_ca_file, "/etc/skill/ca.pem");
}
END_TEST

static const char *const bad[][2] = {
	{ "skill_id = a\nfoo = 1\n", "t.conf:2: key 'foo': unknown key" },
	{ "skill_id = a\napi_timeout_ms = 99999\n", "t.conf:2: key 'api_timeout_ms'" },
	{ "skill_id = a\nverify_signature = on\n", "key 'verify_signature': expected yes or no" },
	{ "log_level = info\n", "key 'skill_id': required" },
	{ "skill_id = a\nskill_id = b\n", "t.conf:2: key 'skill_id': set twice" },
	{ "skill_id = a\njust words\n", "t.conf:2: expected 'key = value'" },
	{ "skill_id = a\nsms_gateway = sns\n", "key 'sns_region': required" },
	{ "skill_id = a\nbooking_url = http://example.com/b\n", "loopback" },
	/* DNS names that only look like loopback addresses. */
	{ "skill_id = a\nbooking_url = http://127.evil.example.com/b\n", "loopback" },
	{ "skill_id = a\nsms_gateway = webhook\nsms_url = http://127.0.0.1.nip.io/s\n", "loopback" },
	{ "skill_id = a\napi_allowed_origins = http://127.attacker.net\n", "api_allowed_origins" },
	{ "skill_id = a\nbooking_url = http://[::2]/b\n", "loopback" },
	{ "skill_id = a\napi_allowed_origins = https://x.com/path\n", "without a path" },
	{ "skill_id = a\nname_scope = both\n", "expected one of given_name|name" },
	/* Found by the fuzzer: crashed before the "//" check. */
	{ "skill_id = a\napi_allowed_origins = https:/27/1.0.0.1:9443\n", "api_allowed_origins" },
	{ "skill_id = a\nbooking_url = https:/example.com/b\n", "not a valid URL" },
	{ "skill_id = a\napi_timeout_ms = 3000\nbooking_timeout_ms = 3000\n"
	  "sms_timeout_ms = 1500\nbooking_url = https://b.example/b\n"
	  "sms_gateway = webhook\nsms_url = https://s.example/s\n",
	  "8 s deadline" },
	{ "skill_id = a\napi_timeout_ms = 5000\nbooking_timeout_ms = 2500\n"
	  "booking_url = https://b.example/b\n", "8 s deadline" },
	/* A comment after a value would have become part of it. */
	{ "skill_id = amzn1.ask.skill.1 # production\n", "t.conf:1: key "
	  "'skill_id': '#' starts a comment only at the start of a line" },
	{ "skill_id = a\nvenue_hours = 5 to 11 pm   # check\n",
	  "t.conf:2: key 'venue_hours': '#' starts a comment" },
	{ "skill_id = a\nbooking_url = https://b.example/b #x\n",
	  "t.conf:2: key 'booking_url': '#' starts a comment" },
	{ "skill_id = amzn1.ask.skill.REPLACE-WITH-YOUR-SKILL-ID\n",
	  "key 'skill_id': still the example's placeholder" },
	{ "skill_id = amzn1.ask.skill.1;x\n", "key 'skill_id': an ID is" },
	/* Texts per locale: only for the locales the skill speaks. */
	{ "skill_id = a\nskill_name.fr-FR = Le Coin\n", "t.conf:2: key "
	  "'skill_name.fr-FR': texts are given for the locales en-US, en-GB "
	  "and de-DE only" },
	{ "skill_id = a\nvenue_hours.de-DE = ab 17 Uhr\n"
	  "venue_hours.de-DE = ab 18 Uhr\n",
	  "t.conf:3: key 'venue_hours.de-DE': set twice" },
	{ "skill_id = a\nvenue_hours.de-DE = ab 17 Uhr # Winter\n",
	  "t.conf:2: key 'venue_hours.de-DE': '#' starts a comment" },
	{ "skill_id = a\nbooking_url.de-DE = https://b.example/b\n",
	  "t.conf:2: expected 'key = value' with a key of letters" },
};

/* A malformed line is not repeated: it may be "password: hunter2". */
START_TEST(errors_never_echo_a_line)
{
	static const char *const line[] = {
		"skill_id = a\napi_token sk-SECRET-123\n",
		"skill_id = a\nsk-SECRET-123 = 1\n",
		"skill_id = a\nBooking URL: https://u:SECRET@b/ = x\n",
	};
	static struct config c;
	char err[512];

	for (size_t i = 0; i < sizeof(line) / sizeof(line[0]); i++) {
		ck_assert_int_ne(parse(&c, line[i], err, sizeof(err)), 0);
		ck_assert_msg(strstr(err, "t.conf:2: ") != NULL, "%s", err);
		ck_assert_msg(strstr(err, "SECRET") == NULL, "echoed: %s", err);
	}
}
END_TEST

/* Calls that are turned off take no part of the 7000 ms. */
START_TEST(budget_counts_enabled_calls)
{
	static struct config c;
	char err[512];

	ck_assert_int_eq(parse(&c, "skill_id = a\napi_timeout_ms = 6000\n"
	    "booking_timeout_ms = 5000\nsms_timeout_ms = 5000\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(parse(&c, "skill_id = a\nvenue_address = Suite #5, "
	    "12 Harbour Street\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.venue_address, "Suite #5, 12 Harbour Street");
}
END_TEST

START_TEST(errors_name_line_and_key)
{
	static struct config c;
	char err[512];

	ck_assert_int_ne(parse(&c, bad[_i][0], err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, bad[_i][1]) != NULL, "'%s' lacks '%s'", err,
	    bad[_i][1]);
}
END_TEST

START_TEST(http_to_loopback_addresses)
{
	static const char *const ok[] = {
		"http://127.0.0.1:9000/b", "http://127.1.2.3/b",
		"http://localhost:8080/b", "http://[::1]:9000/b",
		"https://booking.example/b",
	};
	static struct config c;
	char text[256], err[512];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "skill_id = a\nbooking_url = %s\n",
		    ok[i]);
		ck_assert_msg(parse(&c, text, err, sizeof(err)) == 0, "%s: %s",
		    ok[i], err);
	}
}
END_TEST

START_TEST(cert_fetch_connect_to_forms)
{
	static const char *const ok[] = {
		"s3.amazonaws.com:443:127.0.0.1:9444",
		"s3.amazonaws.com:443:[::1]:9444",
		"s3.amazonaws.com:443:localhost:",
		"::127.0.0.1:9444",
	};
	static const char *const refused[] = {
		"s3.amazonaws.com:443:127.0.0.1", "s3.amazonaws.com:443:::1:9444",
		"s3.amazonaws.com:443:[::1:9444", "s3.amazonaws.com:x:[::1]:9444",
		"s3.amazonaws.com:443:[::1]:94a", "a:1:b:2:c",
	};
	static struct config c;
	char text[256], err[512];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "skill_id = a\n"
		    "cert_fetch_connect_to = %s\n", ok[i]);
		ck_assert_msg(parse(&c, text, err, sizeof(err)) == 0, "%s: %s",
		    ok[i], err);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(text, sizeof(text), "skill_id = a\n"
		    "cert_fetch_connect_to = %s\n", refused[i]);
		ck_assert_msg(parse(&c, text, err, sizeof(err)) != 0, "%s accepted",
		    refused[i]);
	}
}
END_TEST

START_TEST(sns_endpoint_default)
{
	static struct config c;
	char err[512];

	ck_assert_int_eq(parse(&c, "skill_id = a\nsms_gateway = sns\n"
	    "sns_region = eu-west-1\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.sns_endpoint, "https://sns.eu-west-1.amazonaws.com");
}
END_TEST

/* skill_name.de-DE = ...: the locale's own text, else the plain key's. */
START_TEST(texts_per_locale)
{
	static struct config c;
	char err[512];

	ck_assert_int_eq(parse(&c, "skill_id = a\nskill_name = The Corner\n"
	    "skill_name.de-DE = Zur Ecke\nvenue_address = 12 Harbour Street\n"
	    "venue_hours.en-GB = from 5 pm\nvenue_hours.de-DE = ab 17 Uhr\n",
	    err, sizeof(err)), 0);
	ck_assert_str_eq(config_text(&c, TXT_SKILL_NAME, "de-DE"), "Zur Ecke");
	ck_assert_str_eq(config_text(&c, TXT_SKILL_NAME, "en-GB"),
	    "The Corner");
	ck_assert_str_eq(config_text(&c, TXT_SKILL_NAME, NULL), "The Corner");
	ck_assert_str_eq(config_text(&c, TXT_VENUE_ADDRESS, "de-DE"),
	    "12 Harbour Street");
	ck_assert_str_eq(config_text(&c, TXT_VENUE_HOURS, "en-US"), "");
	ck_assert_str_eq(config_text(&c, TXT_VENUE_HOURS, "en-GB"),
	    "from 5 pm");
	ck_assert_str_eq(config_text(&c, TXT_VENUE_HOURS, "de-DE"),
	    "ab 17 Uhr");
	/* Every locale the skill speaks takes texts, and no other. */
	for (size_t i = 0; locale_at(i) != NULL; i++) {
		char line[128], want[16];

		ck_assert_uint_lt(i, CONF_LOCALES);
		ck_assert_str_eq(locale_at(i)->tag, conf_locale_tags[i]);
		snprintf(want, sizeof(want), "X%zu", i);
		snprintf(line, sizeof(line), "skill_id = a\nskill_name.%s = %s\n",
		    conf_locale_tags[i], want);
		ck_assert_int_eq(parse(&c, line, err, sizeof(err)), 0);
		ck_assert_str_eq(config_text(&c, TXT_SKILL_NAME,
		    conf_locale_tags[i]), want);
	}
	ck_assert_ptr_nonnull(locale_at(CONF_LOCALES - 1));
}
END_TEST

Suite *
suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, relative_paths_from_file_dir);
	tcase_add_loop_test(tc, errors_name_line_and_key, 0,
	    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, errors_never_echo_a_line);
	tcase_add_test(tc, budget_counts_enabled_calls);
	tcase_add_test(tc, http_to_loopback_addresses);
	tcase_add_test(tc, cert_fetch_connect_to_forms);
	tcase_add_test(tc, sns_endpoint_default);
	tcase_add_test(tc, texts_per_locale);
	suite_add_tcase(s, tc);
	return s;
}
