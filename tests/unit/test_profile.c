#include <string.h>

#include "../../app/profile.h"
#include "unit.h"

static void
parse(enum profile_field f, long status, const char *body,
    struct profile_value *v)
{
	profile_parse(f, status, body, body ? strlen(body) : 0, v);
}

START_TEST(statuses)
{
	struct profile_value v;

	parse(PF_NAME, 204, NULL, &v);
	ck_assert_int_eq(v.status, PS_NOT_SET);
	parse(PF_NAME, 403, "{}", &v);
	ck_assert_int_eq(v.status, PS_NO_PERMISSION);
	parse(PF_NAME, 401, NULL, &v);
	ck_assert_int_eq(v.status, PS_UNAUTHORIZED);
	parse(PF_NAME, 429, NULL, &v);
	ck_assert_int_eq(v.status, PS_THROTTLED);
	parse(PF_NAME, 503, NULL, &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
	parse(PF_NAME, 0, NULL, &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
}
END_TEST

START_TEST(names)
{
	struct profile_value v;

	parse(PF_GIVEN_NAME, 200, "\"Zo\xc3\xab\"", &v);
	ck_assert_int_eq(v.status, PS_OK);
	ck_assert_str_eq(v.text, "Zo\xc3\xab");
	parse(PF_GIVEN_NAME, 200, "{\"oops", &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
	parse(PF_GIVEN_NAME, 200, "42", &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
	parse(PF_GIVEN_NAME, 200, "\"bad \xff utf8\"", &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
	parse(PF_EMAIL, 200, "\"not-an-email\"", &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
	/* "" or blanks instead of 204: not set, not an API failure. */
	parse(PF_GIVEN_NAME, 200, "\"\"", &v);
	ck_assert_int_eq(v.status, PS_NOT_SET);
	parse(PF_NAME, 200, "\" \\t \"", &v);
	ck_assert_int_eq(v.status, PS_NOT_SET);
	parse(PF_EMAIL, 200, "\"\"", &v);
	ck_assert_int_eq(v.status, PS_NOT_SET);
}
END_TEST

/* Up to PROFILE_TEXT_MAX - 1 bytes is a name (300 characters of a 3-byte
 * script: 900 bytes); one byte more is malformed. */
START_TEST(long_names)
{
	static char body[PROFILE_TEXT_MAX + 8];
	struct profile_value v;
	size_t n;

	body[0] = '"';
	for (n = 1; n <= 900; n += 3)
		memcpy(body + n, "\xe5\xa4\xa7", 3);
	strcpy(body + n, "\"");
	parse(PF_GIVEN_NAME, 200, body, &v);
	ck_assert_int_eq(v.status, PS_OK);
	ck_assert_uint_eq(strlen(v.text), 900);
	memset(body + 1, 'a', PROFILE_TEXT_MAX - 1);
	strcpy(body + PROFILE_TEXT_MAX, "\"");
	parse(PF_NAME, 200, body, &v);
	ck_assert_int_eq(v.status, PS_OK);
	ck_assert_uint_eq(strlen(v.text), PROFILE_TEXT_MAX - 1);
	memset(body + 1, 'a', PROFILE_TEXT_MAX);
	strcpy(body + PROFILE_TEXT_MAX + 1, "\"");
	parse(PF_NAME, 200, body, &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
}
END_TEST

START_TEST(mobile)
{
	struct profile_value v;

	parse(PF_MOBILE, 200, "{\"countryCode\":\"+1\",\"phoneNumber\":"
	    "\"2065550147\"}", &v);
	ck_assert_int_eq(v.status, PS_OK);
	ck_assert_str_eq(v.e164, "+12065550147");
	ck_assert_str_eq(v.last2, "47");
	parse(PF_MOBILE, 200, "{\"countryCode\":\"44\",\"phoneNumber\":"
	    "\"7700 900-123\"}", &v);
	ck_assert_str_eq(v.e164, "+447700900123");
	parse(PF_MOBILE, 200, "{\"countryCode\":1,\"phoneNumber\":2065550147}",
	    &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
	parse(PF_MOBILE, 200, "{\"countryCode\":\"+1\",\"phoneNumber\":"
	    "\"20x6;55\"}", &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
	parse(PF_MOBILE, 200, "{\"countryCode\":\"+1\",\"phoneNumber\":"
	    "\"12345678901234567\"}", &v);
	ck_assert_int_eq(v.status, PS_UNAVAILABLE);
}
END_TEST

START_TEST(paths)
{
	ck_assert_str_eq(profile_path(PF_GIVEN_NAME, 1),
	    "/v2/persons/~current/profile/givenName");
	ck_assert_str_eq(profile_path(PF_GIVEN_NAME, 0),
	    "/v2/accounts/~current/settings/Profile.givenName");
	ck_assert_str_eq(profile_path(PF_EMAIL, 1),
	    "/v2/accounts/~current/settings/Profile.email");
}
END_TEST

Suite *
suite_profile(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, statuses);
	tcase_add_test(tc, names);
	tcase_add_test(tc, long_names);
	tcase_add_test(tc, mobile);
	tcase_add_test(tc, paths);
	suite_add_tcase(s, tc);
	return s;
}
