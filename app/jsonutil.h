#ifndef JSONUTIL_H
#define JSONUTIL_H

#include <json-c/json.h>

#include "jtree.h"

/*
 * Walks a dotted path ("context.System.person") through nested objects.
 * Returns NULL when any step is missing or is not an object.
 */
json_object *json_path(json_object *root, const char *path);

/* The string at path, or NULL when missing or not a string. */
const char *json_path_str(json_object *root, const char *path);

/* A json-c copy of node i of d and what it holds (NULL: out of memory). */
json_object *jdoc_to_json_c(const struct jdoc *d, int i);

#endif
