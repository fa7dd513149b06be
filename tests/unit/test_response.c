#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/jsonutil.h"
#include "../../app/response.h"
#include "unit.h"

static char *
serialize(struct response *r)
{
	size_t len;

	return response_serialize(r, &len);
}

/*
 * The serializer as it was when it built a json-c tree per request, kept
 * verbatim so same_bytes_as_json_c_tree shows the direct writer did not
 * change the format.
 */
static json_object *
old_speech_json(struct speech *s)
{
	json_object *o = json_object_new_object();
	char closed[SPEECH_MAX + 1];

	memcpy(closed, s->buf, s->len);
	memcpy(closed + s->len, "</speak>", strlen("</speak>") + 1);
	json_object_object_add(o, "type", json_object_new_string("SSML"));
	json_object_object_add(o, "ssml", json_object_new_string(closed));
	return o;
}

static json_object *
old_build(struct response *r, int with_card, int with_reprompt, int with_attrs)
{
	json_object *root = json_object_new_object();
	json_object *resp = json_object_new_object();

	json_object_object_add(root, "version", json_object_new_string("1.0"));
	if (with_attrs && r->session_attributes != NULL)
		json_object_object_add(root, "sessionAttributes",
		    json_object_get(r->session_attributes));
	else
		json_object_object_add(root, "sessionAttributes",
		    json_object_new_object());
	if (r->has_speech)
		json_object_object_add(resp, "outputSpeech",
		    old_speech_json(&r->speech));
	if (with_card && r->card == CARD_SIMPLE) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "type",
		    json_object_new_string("Simple"));
		json_object_object_add(c, "title",
		    json_object_new_string(r->card_title));
		json_object_object_add(c, "content",
		    json_object_new_string(r->card_text));
		json_object_object_add(resp, "card", c);
	} else if (with_card && r->card == CARD_PERMISSIONS) {
		json_object *c = json_object_new_object();
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < r->npermissions; i++)
			json_object_array_add(a,
			    json_object_new_string(r->permissions[i]));
		json_object_object_add(c, "type",
		    json_object_new_string("AskForPermissionsConsent"));
		json_object_object_add(c, "permissions", a);
		json_object_object_add(resp, "card", c);
	}
	if (with_reprompt && r->has_reprompt) {
		json_object *rp = json_object_new_object();

		json_object_object_add(rp, "outputSpeech",
		    old_speech_json(&r->reprompt));
		json_object_object_add(resp, "reprompt", rp);
	}
	if (r->directives != NULL)
		json_object_object_add(resp, "directives",
		    json_object_get(r->directives));
	if (r->end_session >= 0)
		json_object_object_add(resp, "shouldEndSession",
		    json_object_new_boolean(r->end_session));
	json_object_object_add(root, "response", resp);
	return root;
}

static char *
old_serialize(struct response *r, size_t *len)
{
	static const int tries[][3] = {
		{ 1, 1, 1 }, { 0, 1, 1 }, { 0, 0, 1 }, { 0, 0, 0 },
	};
	char *out = NULL;

	for (size_t t = 0; t < sizeof(tries) / sizeof(tries[0]); t++) {
		json_object *root = old_build(r, tries[t][0], tries[t][1],
		    tries[t][2]);
		const char *s = json_object_to_json_string_ext(root,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		size_t n = strlen(s);

		if (n <= RESPONSE_MAX || t + 1 == sizeof(tries) / sizeof(tries[0])) {
			if (n > RESPONSE_MAX) {
				json_object_put(root);
				break;
			}
			if ((out = malloc(n + 1)) != NULL) {
				memcpy(out, s, n + 1);
				*len = n;
			}
			json_object_put(root);
			return out;
		}
		json_object_put(root);
	}
	{
		static const char minimal[] =
		    "{\"version\":\"1.0\",\"response\":{}}";

		if ((out = malloc(sizeof(minimal))) != NULL) {
			memcpy(out, minimal, sizeof(minimal));
			*len = sizeof(minimal) - 1;
		}
	}
	return out;
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

/* Card fields set directly: the serializer must cope with any bytes. */
static void
card_raw(struct response *r, const char *title, const char *text)
{
	r->card = CARD_SIMPLE;
	snprintf(r->card_title, sizeof(r->card_title), "%s", title);
	snprintf(r->card_text, sizeof(r->card_text), "%s", text);
}

static json_object *
parse_ok(const char *out, size_t len)
{
	json_object *root;

	ck_assert_uint_eq(strlen(out), len);
	root = json_tokener_parse(out);
	ck_assert_msg(root != NULL, "not JSON: %.300s", out);
	return root;
}

START_TEST(json_escaping_round_trips)
{
	static const char title[] = "Say \"hi\"\t/ \\ caf\xc3\xa9";
	static const char text[] = "Line one\nLine \\two/ \xe2\x82\xac "
	    "\xf0\x9f\x98\x80 \"q\"";
	struct response r;
	json_object *root;
	char *out;
	size_t len;

	response_init(&r);
	speech_text(response_speech(&r), "Hi/there caf\xc3\xa9");
	speech_tag(response_speech(&r), "<break time=\"1s\"/>a\\b\tc\nd");
	card_raw(&r, title, text);
	out = response_serialize(&r, &len);
	ck_assert_ptr_nonnull(out);
	root = parse_ok(out, len);
	ck_assert_str_eq(json_path_str(root, "response.card.title"), title);
	ck_assert_str_eq(json_path_str(root, "response.card.content"), text);
	ck_assert_str_eq(json_path_str(root, "response.outputSpeech.ssml"),
	    "<speak>Hi/there caf\xc3\xa9<break time=\"1s\"/>a\\b\tc\nd"
	    "</speak>");
	/* Raw text: short escapes, '/' and UTF-8 as they are. */
	ck_assert_ptr_nonnull(strstr(out,
	    "\"title\":\"Say \\\"hi\\\"\\t/ \\\\ caf\xc3\xa9\""));
	ck_assert_ptr_nonnull(strstr(out, "Line one\\nLine \\\\two/ \xe2\x82\xac"));
	ck_assert_ptr_nonnull(strstr(out, "<break time=\\\"1s\\\"/>"));
	ck_assert_ptr_nonnull(strstr(out, "Hi/there"));
	ck_assert_ptr_null(strstr(out, "\\/"));
	json_object_put(root);
	free(out);
	response_free(&r);
}
END_TEST

START_TEST(structure_and_key_order)
{
	struct response r;
	json_object *root, *o;
	char *out;
	const char *sp, *card, *rp, *end;
	size_t len;

	response_init(&r);
	speech_text(response_speech(&r), "What would you like?");
	speech_text(response_reprompt(&r), "Say a date.");
	response_card_simple(&r, "Booking", "Pick a date");
	r.end_session = 0;
	out = response_serialize(&r, &len);
	ck_assert_ptr_nonnull(out);
	root = parse_ok(out, len);
	ck_assert_str_eq(json_path_str(root, "version"), "1.0");
	o = json_path(root, "sessionAttributes");
	ck_assert(json_object_is_type(o, json_type_object));
	ck_assert_int_eq(json_object_object_length(o), 0);
	o = json_path(root, "response");
	ck_assert(json_object_is_type(o, json_type_object));
	ck_assert_int_eq(json_object_object_length(o), 4);
	ck_assert_str_eq(json_path_str(root, "response.outputSpeech.type"),
	    "SSML");
	ck_assert_str_eq(json_path_str(root, "response.outputSpeech.ssml"),
	    "<speak>What would you like?</speak>");
	ck_assert_int_eq(json_object_object_length(
	    json_path(root, "response.card")), 3);
	ck_assert_str_eq(json_path_str(root, "response.card.type"), "Simple");
	ck_assert_str_eq(json_path_str(root, "response.card.title"), "Booking");
	ck_assert_str_eq(json_path_str(root, "response.card.content"),
	    "Pick a date");
	ck_assert_str_eq(json_path_str(root,
	    "response.reprompt.outputSpeech.type"), "SSML");
	ck_assert_str_eq(json_path_str(root,
	    "response.reprompt.outputSpeech.ssml"),
	    "<speak>Say a date.</speak>");
	o = json_path(root, "response.shouldEndSession");
	ck_assert(json_object_is_type(o, json_type_boolean));
	ck_assert(!json_object_get_boolean(o));
	ck_assert_ptr_null(json_path(root, "response.directives"));
	/* Key order as Alexa's examples show it. */
	ck_assert_ptr_eq(strstr(out, "{\"version\":\"1.0\",\"sessionAttributes\""),
	    out);
	sp = strstr(out, "\"outputSpeech\"");
	card = strstr(out, "\"card\"");
	rp = strstr(out, "\"reprompt\"");
	end = strstr(out, "\"shouldEndSession\"");
	ck_assert_ptr_nonnull(sp);
	ck_assert(sp < card && card < rp && rp < end);
	json_object_put(root);
	free(out);
	response_free(&r);
}
END_TEST

/* Words of 7 letters and a space, n bytes in all. */
static char *
words(size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < n; i++)
		s[i] = i % 8 == 7 ? ' ' : 'a';
	s[n] = '\0';
	return s;
}

/* Speech and card text near their caps, nattrs 1000-byte attributes. */
static void
big_response(struct response *r, int nattrs)
{
	char *big = words(SPEECH_MAX), key[16];

	response_init(r);
	speech_text(response_speech(r), big);
	response_card_simple(r, "Title", big);
	for (int i = 0; i < nattrs; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		big[1000] = '\0';
		response_attr(r, key, big);
	}
	free(big);
}

/* A big response with attrs KB of attributes: what survives the cap. */
static void
fallback_case(int attrs, int want_attrs)
{
	struct response r;
	json_object *root;
	char *out;
	size_t len;

	big_response(&r, attrs);
	ck_assert_uint_ge(r.speech.len, SPEECH_MAX - 100);
	ck_assert_uint_ge(strlen(r.card_text), CARD_TEXT_MAX - 100);
	out = response_serialize(&r, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_le(len, RESPONSE_MAX);
	root = parse_ok(out, len);
	ck_assert_ptr_nonnull(json_path_str(root, "response.outputSpeech.ssml"));
	ck_assert_ptr_null(json_path(root, "response.card"));
	ck_assert_int_eq(json_object_object_length(
	    json_path(root, "sessionAttributes")), want_attrs);
	json_object_put(root);
	free(out);
	response_free(&r);
}

START_TEST(size_fallback_drops_optional_parts)
{
	/* 8000 speech + 8000 card + 10 KB attributes: the card goes. */
	fallback_case(10, 10);
	/* 20 KB attributes: they go too, the speech stays. */
	fallback_case(20, 0);
}
END_TEST

/* Card text of n letters (no escapes), set directly. */
static void
card_letters(struct response *r, size_t n)
{
	r->card = CARD_SIMPLE;
	memset(r->card_text, 'c', n);
	r->card_text[n] = '\0';
}

START_TEST(fallback_boundary_is_exact)
{
	struct response r;
	char *out, *big;
	size_t len, base, n;

	/* 8000 speech + 8000 reprompt + 1000 attribute + n card letters. */
	big_response(&r, 1);
	big = words(SPEECH_MAX);
	speech_text(response_reprompt(&r), big);
	free(big);
	card_letters(&r, 0);
	out = response_serialize(&r, &len);
	ck_assert_ptr_nonnull(out);
	free(out);
	base = len;
	/* Exactly RESPONSE_MAX bytes: everything is kept. */
	n = RESPONSE_MAX - base;
	ck_assert_uint_le(n, CARD_TEXT_MAX);
	card_letters(&r, n);
	out = response_serialize(&r, &len);
	ck_assert_uint_eq(len, RESPONSE_MAX);
	ck_assert_ptr_nonnull(strstr(out, "\"card\""));
	ck_assert_ptr_nonnull(strstr(out, "\"reprompt\""));
	free(out);
	/* One byte more: the card goes, nothing else. */
	card_letters(&r, n + 1);
	out = response_serialize(&r, &len);
	ck_assert_uint_lt(len, RESPONSE_MAX);
	ck_assert_ptr_null(strstr(out, "\"card\""));
	ck_assert_ptr_nonnull(strstr(out, "\"reprompt\""));
	ck_assert_ptr_nonnull(strstr(out, "\"k0\""));
	free(out);
	response_free(&r);
}
END_TEST

START_TEST(oversized_directives_give_minimal_answer)
{
	struct response r;
	json_object *d = json_object_new_object();
	char *big = words(RESPONSE_MAX), *out;
	size_t len;

	json_object_object_add(d, "type", json_object_new_string("X"));
	json_object_object_add(d, "blob", json_object_new_string(big));
	response_init(&r);
	speech_text(response_speech(&r), "Hi");
	response_directive(&r, d);
	out = response_serialize(&r, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "{\"version\":\"1.0\",\"response\":{}}");
	ck_assert_uint_eq(len, strlen(out));
	free(out);
	free(big);
	response_free(&r);
}
END_TEST

static void
assert_same_as_old(struct response *r)
{
	char *n, *o;
	size_t nlen = 0, olen = 0;

	n = response_serialize(r, &nlen);
	o = old_serialize(r, &olen);
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_nonnull(o);
	ck_assert_msg(nlen == olen && memcmp(n, o, nlen) == 0,
	    "new (%zu) %.400s\nold (%zu) %.400s", nlen, n, olen, o);
	ck_assert_int_eq(n[nlen], '\0');
	free(n);
	free(o);
}

START_TEST(same_bytes_as_json_c_tree)
{
	const char *scopes[] = { "alexa::profile:name:read",
	    "alexa::profile:mobile_number:read" };
	struct response r;
	json_object *d;

	/* Nothing at all. */
	response_init(&r);
	assert_same_as_old(&r);
	/* Speech only, with every end_session value. */
	speech_text(response_speech(&r), "Hello & welcome <back>, 'you'.");
	for (r.end_session = -1; r.end_session <= 1; r.end_session++)
		assert_same_as_old(&r);
	/* Speech, reprompt and a simple card. */
	speech_text(response_reprompt(&r), "Anything else?");
	response_card_simple(&r, "Title \"quoted\"", "Body\\text / more");
	assert_same_as_old(&r);
	r.end_session = 1;
	assert_same_as_old(&r);
	response_free(&r);

	/* Permissions cards, with none and with two scopes. */
	response_init(&r);
	response_card_permissions(&r, scopes, 0);
	assert_same_as_old(&r);
	response_card_permissions(&r, scopes, 2);
	speech_text(response_speech(&r), "Please grant access.");
	r.end_session = 1;
	assert_same_as_old(&r);

	/* A directive and session attributes. */
	d = json_object_new_object();
	json_object_object_add(d, "type",
	    json_object_new_string("Dialog.ElicitSlot"));
	json_object_object_add(d, "slotToElicit",
	    json_object_new_string("da/te \"x\""));
	response_directive(&r, d);
	assert_same_as_old(&r);
	response_attr(&r, "step", "date");
	response_attr(&r, "name", "Zo\xc3\xab \"Z\" / \\");
	assert_same_as_old(&r);
	response_free(&r);

	/* Control characters, quotes, DEL and UTF-8 written raw. */
	response_init(&r);
	speech_tag(response_speech(&r),
	    "<x a=\"1\"/>\x01\x02\b\t\n\x0b\f\r\x1b\x1f\x7f \\ \xc3\xa9");
	speech_tag(response_reprompt(&r), "\"\\\x7f\x10");
	card_raw(&r, "t\x01\x7f\"\\/", "\x1f\xe2\x82\xac\r\n");
	r.end_session = 0;
	assert_same_as_old(&r);
	response_free(&r);

	/* Each fallback step and the minimal answer. */
	big_response(&r, 10);
	assert_same_as_old(&r);
	speech_text(response_reprompt(&r), "Still there?");
	assert_same_as_old(&r);
	response_free(&r);
	big_response(&r, 20);
	assert_same_as_old(&r);
	response_free(&r);
}
END_TEST

/* What held a name is zero once the response is freed. */
START_TEST(free_wipes_what_was_said)
{
	static struct response r;
	static const char *const k[] = { "name" }, *const v[] = { "Zo\xc3\xab" };

	response_init(&r);
	speech_template(response_speech(&r), "Welcome back, {name}!", k, v, 1);
	speech_text(response_reprompt(&r), "Still there, Zo\xc3\xab?");
	response_card_simple(&r, "For Zo\xc3\xab", "Booked for Zo\xc3\xab.");
	ck_assert_ptr_nonnull(memmem(r.speech.buf, sizeof(r.speech.buf), "Zo",
	    2));
	response_free(&r);
	ck_assert_ptr_null(memmem(r.speech.buf, sizeof(r.speech.buf), "Zo", 2));
	ck_assert_ptr_null(memmem(r.reprompt.buf, sizeof(r.reprompt.buf), "Zo",
	    2));
	ck_assert_ptr_null(memmem(r.card_title, sizeof(r.card_title), "Zo", 2));
	ck_assert_ptr_null(memmem(r.card_text, sizeof(r.card_text), "Zo", 2));

	/* Cut speech: the words past the cut were written too. */
	{
		static char fill[SPEECH_MAX];

		memset(fill, 'a', sizeof(fill) - 40);
		fill[sizeof(fill) - 40] = '\0';
		response_init(&r);
		speech_text(response_speech(&r), fill);
		speech_text(response_speech(&r), " booked for ZoeSecretSurname "
		    "and friends, all of them named in full here");
		ck_assert(r.speech.truncated);
		ck_assert_ptr_nonnull(memmem(r.speech.buf, sizeof(r.speech.buf),
		    "ZoeSecre", 8));
		response_free(&r);
		ck_assert_ptr_null(memmem(r.speech.buf, sizeof(r.speech.buf),
		    "ZoeSecre", 8));
	}
}
END_TEST

START_TEST(json_wipe_strings_reaches_nested_values)
{
	json_object *o = json_tokener_parse("{\"to\":\"+12065550147\","
	    "\"a\":[\"Zo\xc3\xab\",{\"b\":\"secret\"}],\"n\":4}");
	const char *to, *name, *b;

	ck_assert_ptr_nonnull(o);
	to = json_object_get_string(json_object_object_get(o, "to"));
	name = json_object_get_string(json_object_array_get_idx(
	    json_object_object_get(o, "a"), 0));
	b = json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(json_object_object_get(o, "a"), 1), "b"));
	json_wipe_strings(o);
	ck_assert_int_eq(to[0] | to[11], 0);
	ck_assert_int_eq(name[0] | name[3], 0);
	ck_assert_int_eq(b[0] | b[5], 0);
	json_wipe_strings(NULL);
	json_object_put(o);
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
	tcase_add_test(tc, json_escaping_round_trips);
	tcase_add_test(tc, structure_and_key_order);
	tcase_add_test(tc, size_fallback_drops_optional_parts);
	tcase_add_test(tc, fallback_boundary_is_exact);
	tcase_add_test(tc, oversized_directives_give_minimal_answer);
	tcase_add_test(tc, same_bytes_as_json_c_tree);
	tcase_add_test(tc, free_wipes_what_was_said);
	tcase_add_test(tc, json_wipe_strings_reaches_nested_values);
	suite_add_tcase(s, tc);
	return s;
}
