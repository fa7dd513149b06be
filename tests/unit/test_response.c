#include <stdlib.h>
#include <string.h>

#include "../../app/response.h"
#include "unit.h"

static char *
serialize(struct response *r)
{
	size_t len;

	return response_serialize(r, &len);
}

START_TEST(escapes_all_five)
{
	struct response r;
	char *out;

	response_init(&r);
	speech_text(response_speech(&r), "Tom & Jerry <b> \"x\" 'y'");
	ck_assert_str_eq(r.speech.buf,
	    "<speak>Tom &amp; Jerry &lt;b&gt; &quot;x&quot; &apos;y&apos;");
	out = serialize(&r);
	ck_assert_ptr_nonnull(strstr(out, "</speak>"));
	free(out);
	response_free(&r);
}
END_TEST

START_TEST(drops_invalid_utf8_and_controls)
{
	struct response r;

	response_init(&r);
	speech_text(response_speech(&r), "Zo\xc3\xab\xff\xfe a\x01" "b \xed\xa0\x80!");
	ck_assert_str_eq(r.speech.buf, "<speak>Zo\xc3\xab a b !");
	response_free(&r);
}
END_TEST

START_TEST(truncates_at_word_boundary)
{
	struct response r;
	char *big = malloc(20001);

	for (int i = 0; i < 20000; i++)
		big[i] = i % 6 == 5 ? ' ' : 'a';
	big[20000] = '\0';
	response_init(&r);
	speech_text(response_speech(&r), big);
	ck_assert(r.speech.truncated);
	ck_assert_uint_le(r.speech.len + strlen("</speak>"), SPEECH_MAX);
	/* Cut before a space: the last word is whole. */
	ck_assert_int_eq(r.speech.buf[r.speech.len - 1], 'a');
	ck_assert_int_eq(r.speech.buf[r.speech.len - 5], 'a');
	ck_assert_int_eq(r.speech.buf[r.speech.len - 6], ' ');
	free(big);
	response_free(&r);
}
END_TEST

START_TEST(truncation_never_splits_an_entity)
{
	struct response r;
	char *big = malloc(9001);

	memset(big, '&', 9000);
	big[9000] = '\0';
	response_init(&r);
	speech_text(response_speech(&r), "word ");
	speech_text(response_speech(&r), big);
	/* No space inside the run of entities: cut back to "word". */
	ck_assert_str_eq(r.speech.buf, "<speak>word");
	free(big);
	response_free(&r);
}
END_TEST

START_TEST(template_escapes_values)
{
	struct response r;
	const char *keys[] = { "name" };
	const char *vals[] = { "<Bo>" };

	response_init(&r);
	speech_template(response_speech(&r), "Welcome back, {name}!", keys,
	    vals, 1);
	ck_assert_str_eq(r.speech.buf, "<speak>Welcome back, &lt;Bo&gt;!");
	response_free(&r);
}
END_TEST

START_TEST(whole_response_stays_under_limit)
{
	struct response r;
	char *big = malloc(9001), *out;
	size_t len;

	memset(big, 'a', 9000);
	for (int i = 7; i < 9000; i += 8)
		big[i] = ' ';
	big[9000] = '\0';
	response_init(&r);
	speech_text(response_speech(&r), big);
	speech_text(response_reprompt(&r), big);
	response_card_simple(&r, "t", big);
	for (int i = 0; i < 50; i++)
		response_attr(&r, (char[]){ 'k', (char)('A' + i % 26),
		    (char)('a' + i / 26), 0 }, big);
	out = response_serialize(&r, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_le(len, RESPONSE_MAX);
	ck_assert_ptr_nonnull(strstr(out, "\"outputSpeech\""));
	free(out);
	free(big);
	response_free(&r);
}
END_TEST

START_TEST(permissions_card)
{
	struct response r;
	const char *scopes[] = { "alexa::profile:mobile_number:read" };
	char *out;

	response_init(&r);
	response_card_permissions(&r, scopes, 1);
	out = serialize(&r);
	ck_assert_ptr_nonnull(strstr(out, "\"card\":{\"type\":"
	    "\"AskForPermissionsConsent\",\"permissions\":"
	    "[\"alexa::profile:mobile_number:read\"]}"));
	free(out);
	response_free(&r);
}
END_TEST

Suite *
suite_response(void)
{
	Suite *s = suite_create("response");
	TCase *tc = tcase_create("builder");

	tcase_add_test(tc, escapes_all_five);
	tcase_add_test(tc, drops_invalid_utf8_and_controls);
	tcase_add_test(tc, truncates_at_word_boundary);
	tcase_add_test(tc, truncation_never_splits_an_entity);
	tcase_add_test(tc, template_escapes_values);
	tcase_add_test(tc, whole_response_stays_under_limit);
	tcase_add_test(tc, permissions_card);
	suite_add_tcase(s, tc);
	return s;
}
