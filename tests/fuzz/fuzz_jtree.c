/*
 * app/jtree.c against json-c: what jtree accepts, json-c (strict, UTF-8
 * checked) accepts too, with the same strings and the same shape; and the
 * node array always describes a well-formed tree.
 */
#include <json-c/json.h>

#include "fuzz.h"
#include "../../app/jtree.h"

/* Node i of d and json-c's o hold the same value; returns i's end. */
static void
same(const struct jdoc *d, int i, json_object *o)
{
	const struct jnode *n = &d->node[i];
	json_object *v;
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
		    (uint32_t)json_object_get_string_len(o) != n->len ||
		    memcmp(json_object_get_string(o), jdoc_str(d, i), n->len) != 0 ||
		    strlen(jdoc_str(d, i)) != n->len)
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
		if (!json_object_is_type(o, json_type_object) ||
		    (size_t)json_object_object_length(o) != n->len)
			abort();
		for (int c = jdoc_first(d, i); c != JNONE; c = jdoc_next(d, i, c)) {
			if (!json_object_object_get_ex(o, jdoc_key(d, c), &v) ||
			    jdoc_get(d, i, jdoc_key(d, c)) != c)
				abort();
			same(d, c, v);
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
