#include <string.h>

#include "jsonutil.h"

json_object *
json_path(json_object *root, const char *path)
{
	json_object *cur = root;
	char key[128];

	while (cur != NULL && *path != '\0') {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);

		if (len >= sizeof(key) || !json_object_is_type(cur, json_type_object))
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		if (!json_object_object_get_ex(cur, key, &cur))
			return NULL;
		path += len + (dot != NULL);
	}
	return cur;
}

const char *
json_path_str(json_object *root, const char *path)
{
	json_object *o = json_path(root, path);

	if (o == NULL || !json_object_is_type(o, json_type_string))
		return NULL;
	return json_object_get_string(o);
}

json_object *
json_parse_bytes(const char *buf, size_t len, int depth, const char **why)
{
	json_tokener *tok;
	json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t end;

	*why = NULL;
	if (len > (size_t)INT32_MAX) {
		*why = "too large";
		return NULL;
	}
	if ((tok = json_tokener_new_ex(depth)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success) {
		*why = jerr == json_tokener_error_depth ? "nested too deeply" :
		    jerr == json_tokener_continue ? "truncated JSON" :
		    "invalid JSON";
		json_object_put(o);
		o = NULL;
		goto out;
	}
	/* Nothing but whitespace may follow the value. */
	end = json_tokener_get_parse_end(tok);
	for (; end < len; end++)
		if (strchr(" \t\r\n", buf[end]) == NULL || buf[end] == '\0') {
			*why = "trailing data after JSON";
			json_object_put(o);
			o = NULL;
			break;
		}
out:
	json_tokener_free(tok);
	return o;
}
