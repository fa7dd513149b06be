#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"

json_object *
jdoc_to_json_c(const struct jdoc *d, int i)
{
	const struct jnode *n = &d->node[i];
	json_object *o = NULL, *v;
	char num[64];

	switch (jdoc_type(d, i)) {
	case JT_NULL:
		return NULL;
	case JT_FALSE:
	case JT_TRUE:
		return json_object_new_boolean(n->type == JT_TRUE);
	case JT_NUMBER:
		/* Written back as the text that came in. */
		if (n->len >= sizeof(num))
			return NULL;
		memcpy(num, d->src + n->str, n->len);
		num[n->len] = '\0';
		return json_object_new_double_s(strtod(num, NULL), num);
	case JT_STRING:
		return json_object_new_string_len(jdoc_str(d, i), (int)n->len);
	case JT_ARRAY:
		o = json_object_new_array();
		for (int c = jdoc_first(d, i); o != NULL && c != JNONE;
		    c = jdoc_next(d, i, c))
			json_object_array_add(o, jdoc_to_json_c(d, c));
		return o;
	case JT_OBJECT:
		o = json_object_new_object();
		for (int c = jdoc_first(d, i); o != NULL && c != JNONE;
		    c = jdoc_next(d, i, c)) {
			v = jdoc_to_json_c(d, c);
			json_object_object_add(o, jdoc_key(d, c), v);
		}
		return o;
	}
	return NULL;
}

void
json_wipe_strings(json_object *obj)
{
	switch (json_object_get_type(obj)) {
	case json_type_string:
		/* The string's own storage, not a serialisation. */
		explicit_bzero((char *)json_object_get_string(obj),
		    (size_t)json_object_get_string_len(obj));
		break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			json_wipe_strings(json_object_array_get_idx(obj, i));
		break;
	case json_type_object: {
		struct json_object_iterator it = json_object_iter_begin(obj);
		struct json_object_iterator end = json_object_iter_end(obj);

		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it))
			json_wipe_strings(json_object_iter_peek_value(&it));
		break;
	}
	default:
		break;
	}
}
