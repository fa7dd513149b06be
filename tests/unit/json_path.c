/* Reading the worker's JSON answers in tests: a dotted path through json-c. */
#include <string.h>

#include "unit.h"

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
