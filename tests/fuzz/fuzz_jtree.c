/*
 * app/jtree.c against json-c: what jtree accepts, json-c (strict, UTF-8
 * checked) accepts too, with the same strings and the same shape; and the
 * node array always describes a well-formed tree.
 */
#include <json-c/json.h>

#include "fuzz.h"
#include "../../app/jtree.h"

/* s + i starts a 4-byte UTF-8 sequence that json-c 0.16 turns into U+FFFD. */
static int
json_c_replaces(const char *s, size_t i, size_t n)
{
	const unsigned char *u = (const unsigned char *)s + i;

	return u[0] >= 0xF0 && i + 4 <= n && (((u[1] & 63u) << 12 |
	    (u[2] & 63u) << 6 | (u[3] & 63u)) & 0xF800) == 0xD800;
}

/*
 * jtree's string s and json-c's c are the same, but for json-c 0.16's
 * bug: a code point written as a \u pair whose low 16 bits fall in
 * D800-DFFF (U+1D800-U+1DFFF, U+2D800-..., "\ud837\ude00") comes out
 * as U+FFFD.  jtree is right there (found by this fuzzer).  Written as
 * raw UTF-8, json-c keeps it: either form is taken at such a place.
 */
static int
same_string(const char *s, size_t n, const char *c, size_t cn)
{
	size_t i = 0, k = 0;

	while (i < n && k < cn) {
		if (json_c_replaces(s, i, n) && k + 3 <= cn &&
		    memcmp(c + k, "\xef\xbf\xbd", 3) == 0) {
			i += 4;
			k += 3;
		} else if (s[i++] != c[k++])
			return 0;
	}
	return i == n && k == cn;
}

/*
 * Some key of object i holds a code point json-c 0.16 replaces: json-c
 * may then see two different keys as one ("a\ud837\uddee" and "a\ufffd"),
 * keep one member for both and count fewer; jtree's are distinct.
 */
static int
keys_json_c_may_merge(const struct jdoc *d, int i)
{
	for (int c = jdoc_first(d, i); c != JNONE; c = jdoc_next(d, i, c)) {
		const char *k = jdoc_key(d, c);

		for (size_t j = 0; j < d->node[c].keylen; j++)
			if (json_c_replaces(k, j, d->node[c].keylen))
				return 1;
	}
	return 0;
}

/* Node i of d and json-c's o hold the same value; returns i's end. */
static void
same(const struct jdoc *d, int i, json_object *o)
{
	const struct jnode *n = &d->node[i];
	struct json_object_iterator it, end;
	int k = 0;

	if (n->end <= (uint32_t)i || n->end > d->n)
		abort();
	switch (n->type) {
	case JT_NULL:
		if (o != NULL)
			abort();
		return;
	case JT_TRUE:
	case JT_FALSE:
		if (!json_object_is_type(o, json_type_boolean) ||
		    json_object_get_boolean(o) != (n->type == JT_TRUE))
			abort();
		return;
	case JT_NUMBER:
		if (!json_object_is_type(o, json_type_int) &&
		    !json_object_is_type(o, json_type_double))
			abort();
		return;
	case JT_STRING:
		if (!json_object_is_type(o, json_type_string) ||
		    strlen(jdoc_str(d, i)) != n->len ||
		    !same_string(jdoc_str(d, i), n->len, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o)))
			abort();
		return;
	case JT_ARRAY:
		if (!json_object_is_type(o, json_type_array) ||
		    json_object_array_length(o) != n->len)
			abort();
		for (int c = jdoc_first(d, i); c != JNONE; c = jdoc_next(d, i, c))
			same(d, c, json_object_array_get_idx(o, (size_t)k++));
		break;
	case JT_OBJECT:
		if (!json_object_is_type(o, json_type_object))
			abort();
		if (keys_json_c_may_merge(d, i)) {
			/* Only the shape: json-c may hold fewer members. */
			if ((size_t)json_object_object_length(o) > n->len)
				abort();
			return;
		}
		if ((size_t)json_object_object_length(o) != n->len)
			abort();
		/* Members in order (json-c keeps it); keys as strings. */
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (int c = jdoc_first(d, i); c != JNONE; c = jdoc_next(d, i, c)) {
			const char *key = json_object_iter_peek_name(&it);

			if (json_object_iter_equal(&it, &end) ||
			    jdoc_get(d, i, jdoc_key(d, c)) != c ||
			    !same_string(jdoc_key(d, c), d->node[c].keylen, key,
			    strlen(key)))
				abort();
			same(d, c, json_object_iter_peek_value(&it));
			json_object_iter_next(&it);
			k++;
		}
		break;
	default:
		abort();
	}
	if ((uint32_t)k != n->len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_dup(data, size), *spaced;
	struct jdoc d;
	const char *why = NULL;
	json_tokener *tok;
	json_object *o;

	if (buf == NULL)
		return 0;
	if (jdoc_parse(&d, buf, size, 16, 4096, &why) != 0) {
		if (why == NULL || d.node != NULL || d.strs != NULL)
			abort();
		free(buf);
		return 0;
	}
	if (d.n == 0 || d.node[0].end != d.n)
		abort();
	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	/* A space after it: json-c cannot tell where "12" ends otherwise. */
	spaced = malloc(size + 1);
	memcpy(spaced, buf, size);
	spaced[size] = ' ';
	o = json_tokener_parse_ex(tok, spaced, (int)size + 1);
	if (json_tokener_get_error(tok) != json_tokener_success)
		abort();
	free(spaced);
	same(&d, 0, o);
	json_object_put(o);
	json_tokener_free(tok);
	jdoc_free(&d);
	free(buf);
	return 0;
}
