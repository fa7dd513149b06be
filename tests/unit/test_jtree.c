#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "../../app/jtree.h"
#include "unit.h"

static int
parse(struct jdoc *d, const char *text, const char **why)
{
	return jdoc_parse(d, text, strlen(text), 8, 64, why);
}

/* Refused inputs and the reason each gets. */
static const struct {
	const char *text;
	const char *why;
	size_t len;		/* 0: strlen(text) */
} refused[] = {
	{ "", "truncated JSON", 0 },
	{ "   ", "truncated JSON", 0 },
	{ "{\"a\":", "truncated JSON", 0 },
	{ "{\"a\":\"b", "truncated JSON", 0 },
	{ "[1,2", "truncated JSON", 0 },
	{ "tru", "truncated JSON", 0 },
	{ "{\"a\":1,}", "invalid JSON", 0 },
	{ "[1,]", "invalid JSON", 0 },
	{ "{a:1}", "invalid JSON", 0 },
	{ "{\"a\" 1}", "invalid JSON", 0 },
	{ "'a'", "invalid JSON", 0 },
	{ "01", "trailing data after JSON", 0 },
	{ "1.", "truncated JSON", 0 },
	{ "1.e5", "invalid JSON", 0 },
	{ "-", "truncated JSON", 0 },
	{ "+1", "invalid JSON", 0 },
	{ "NaN", "invalid JSON", 0 },
	{ "truex", "trailing data after JSON", 0 },
	{ "nul!", "invalid JSON", 0 },
	{ "\"a\tb\"", "invalid JSON", 0 },		/* raw control character */
	{ "\"\\x41\"", "invalid JSON", 0 },
	{ "\"\\u00g1\"", "invalid JSON", 0 },
	{ "\"\\u0000\"", "invalid JSON", 0 },		/* NUL in a C string */
	{ "\"\\ud800\"", "invalid JSON", 0 },		/* lone high surrogate */
	{ "\"\\udc00\\ud800\"", "invalid JSON", 0 },	/* reversed pair */
	{ "\"\\ud800\\u0041\"", "invalid JSON", 0 },
	{ "\"\xc0\xaf\"", "invalid JSON", 0 },		/* overlong '/' */
	{ "\"\xe0\x80\xaf\"", "invalid JSON", 0 },	/* overlong */
	{ "\"\xed\xa0\x80\"", "invalid JSON", 0 },	/* UTF-8 surrogate */
	{ "\"\xf4\x90\x80\x80\"", "invalid JSON", 0 },	/* above U+10FFFF */
	{ "\"\xff\"", "invalid JSON", 0 },
	{ "\"\xc3\"", "invalid JSON", 0 },		/* cut sequence */
	{ "\"\xc3", "invalid JSON", 2 },
	{ "\xef\xbb\xbf{}", "invalid JSON", 0 },		/* byte order mark */
	{ "{} {}", "trailing data after JSON", 0 },
	{ "{}\0", "trailing data after JSON", 3 },		/* NUL after the value */
	{ "{\"a\":1,\"a\":2}", "duplicate key in JSON object", 0 },
	{ "{\"a\":{\"b\":1,\"c\":2,\"b\":3}}", "duplicate key in JSON object", 0 },
	{ "[[[[[[[[[1]]]]]]]]]", "nested too deeply", 0 },
};

START_TEST(refuses_with_reason)
{
	struct jdoc d;
	const char *why;
	const char *text = refused[_i].text;
	size_t len = refused[_i].len ? refused[_i].len : strlen(text);

	ck_assert_msg(jdoc_parse(&d, text, len, 8, 64, &why) != 0,
	    "accepted %s", text);
	ck_assert_msg(why != NULL && strcmp(why, refused[_i].why) == 0,
	    "%s: got '%s', want '%s'", text, why ? why : "(null)",
	    refused[_i].why);
	ck_assert_ptr_null(d.node);
	ck_assert_ptr_null(d.strs);
}
END_TEST

START_TEST(decodes_strings)
{
	struct jdoc d;
	const char *why;

	ck_assert_int_eq(parse(&d, "[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\","
	    "\"\\u00e9\\u20AC\\ud83d\\ude00\",\"Zo\xc3\xab \xf0\x9f\x98\x80\","
	    "\"\"]", &why), 0);
	ck_assert_int_eq(jdoc_type(&d, 0), JT_ARRAY);
	ck_assert_str_eq(jdoc_str(&d, 1), "a\"b\\c/d\b\f\n\r\t");
	ck_assert_str_eq(jdoc_str(&d, 2), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	ck_assert_str_eq(jdoc_str(&d, 3), "Zo\xc3\xab \xf0\x9f\x98\x80");
	ck_assert_str_eq(jdoc_str(&d, 4), "");
	ck_assert_uint_eq(d.node[2].len, 9);
	jdoc_free(&d);
}
END_TEST

START_TEST(walks_objects_and_arrays)
{
	struct jdoc d;
	const char *why;
	const char *keys[4];
	int n = 0, c, arr;

	ck_assert_int_eq(parse(&d, " {\"a\":{\"b\":{\"c\":\"deep\"}},"
	    "\"list\":[1,-2.5e3,true,false,null,{\"scope\":\"x\"}],"
	    "\"s\":\"v\",\"empty\":{}} ", &why), 0);
	ck_assert_str_eq(jdoc_path_str(&d, 0, "a.b.c"), "deep");
	ck_assert_int_eq(jdoc_path(&d, 0, "a.b.x"), JNONE);
	ck_assert_int_eq(jdoc_path(&d, 0, "s.x"), JNONE);	/* not an object */
	ck_assert_ptr_null(jdoc_path_str(&d, 0, "a.b"));
	ck_assert_int_eq(jdoc_first(&d, jdoc_get(&d, 0, "empty")), JNONE);
	for (c = jdoc_first(&d, 0); c != JNONE; c = jdoc_next(&d, 0, c))
		keys[n++] = jdoc_key(&d, c);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(keys[0], "a");
	ck_assert_str_eq(keys[3], "empty");
	arr = jdoc_get(&d, 0, "list");
	ck_assert_uint_eq(d.node[arr].len, 6);
	c = jdoc_first(&d, arr);
	ck_assert_int_eq(jdoc_type(&d, c), JT_NUMBER);
	c = jdoc_next(&d, arr, c);
	ck_assert_int_eq(jdoc_type(&d, c), JT_NUMBER);
	ck_assert_int_eq(memcmp(d.src + d.node[c].str, "-2.5e3", 6), 0);
	ck_assert_uint_eq(d.node[c].len, 6);
	c = jdoc_next(&d, arr, c);
	ck_assert_int_eq(jdoc_type(&d, c), JT_TRUE);
	c = jdoc_next(&d, arr, c);
	ck_assert_int_eq(jdoc_type(&d, c), JT_FALSE);
	c = jdoc_next(&d, arr, c);
	ck_assert_int_eq(jdoc_type(&d, c), JT_NULL);
	c = jdoc_next(&d, arr, c);
	ck_assert_str_eq(jdoc_path_str(&d, c, "scope"), "x");
	ck_assert_int_eq(jdoc_next(&d, arr, c), JNONE);
	jdoc_free(&d);
}
END_TEST

START_TEST(caps_values_and_depth)
{
	struct jdoc d;
	const char *why;
	char deep[64];

	ck_assert_int_eq(jdoc_parse(&d, "[1,2,3]", 7, 8, 4, &why), 0);
	jdoc_free(&d);
	ck_assert_int_ne(jdoc_parse(&d, "[1,2,3,4]", 9, 8, 4, &why), 0);
	ck_assert_str_eq(why, "too many JSON values");
	/* Eight levels pass, nine do not. */
	snprintf(deep, sizeof(deep), "%s%s", "[[[[[[[[", "]]]]]]]]");
	ck_assert_int_eq(jdoc_parse(&d, deep, 16, 8, 64, &why), 0);
	jdoc_free(&d);
}
END_TEST

/* Every proper prefix of a valid document is refused, never read past. */
START_TEST(every_prefix_is_refused)
{
	static const char doc[] = "{\"k\":[\"\\ud83d\\ude00\xc3\xa9\",12.5e-1,"
	    "true,null,{\"x\":false}],\"e\":\"\\n\"}";
	struct jdoc d;
	const char *why;

	for (size_t n = 0; n < sizeof(doc) - 1; n++) {
		char buf[sizeof(doc)];

		memcpy(buf, doc, n);
		ck_assert_msg(jdoc_parse(&d, buf, n, 8, 64, &why) != 0,
		    "prefix of %zu accepted", n);
	}
	ck_assert_int_eq(jdoc_parse(&d, doc, sizeof(doc) - 1, 8, 64, &why), 0);
	jdoc_free(&d);
}
END_TEST

/* Documents json-c also reads: same strings at the same paths. */
START_TEST(agrees_with_json_c)
{
	static const char *docs[] = {
		"{\"a\":\"\\u00e9t\\u00e9\",\"b\":{\"c\":\"x\\ty\"}}",
		"{\"a\":\"plain\",\"b\":{\"c\":\"\xe2\x82\xac \\\"q\\\"\"}}",
		"{\"a\":\"\\ud834\\udd1e\",\"b\":{\"c\":\"\\/\\\\\"}}",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct jdoc d;
		const char *why;
		json_object *o = json_tokener_parse(docs[i]), *v, *b;

		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(parse(&d, docs[i], &why), 0);
		ck_assert(json_object_object_get_ex(o, "a", &v));
		ck_assert_str_eq(jdoc_path_str(&d, 0, "a"),
		    json_object_get_string(v));
		ck_assert(json_object_object_get_ex(o, "b", &b));
		ck_assert(json_object_object_get_ex(b, "c", &v));
		ck_assert_str_eq(jdoc_path_str(&d, 0, "b.c"),
		    json_object_get_string(v));
		json_object_put(o);
		jdoc_free(&d);
	}
}
END_TEST

Suite *
suite_jtree(void)
{
	Suite *s = suite_create("jtree");
	TCase *tc = tcase_create("jtree");

	tcase_add_loop_test(tc, refuses_with_reason, 0,
	    sizeof(refused) / sizeof(refused[0]));
	tcase_add_test(tc, decodes_strings);
	tcase_add_test(tc, walks_objects_and_arrays);
	tcase_add_test(tc, caps_values_and_depth);
	tcase_add_test(tc, every_prefix_is_refused);
	tcase_add_test(tc, agrees_with_json_c);
	suite_add_tcase(s, tc);
	return s;
}
