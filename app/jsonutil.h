#ifndef JSONUTIL_H
#define JSONUTIL_H

#include <json-c/json.h>

/*
 * Walks a dotted path ("context.System.person") through nested objects.
 * Returns NULL when any step is missing or is not an object.
 */
json_object *json_path(json_object *root, const char *path);

/* The string at path, or NULL when missing or not a string. */
const char *json_path_str(json_object *root, const char *path);

/* Parses exactly len bytes (strict, UTF-8 checked, depth-limited). */
json_object *json_parse_bytes(const char *buf, size_t len, int depth,
    const char **why);

#endif
