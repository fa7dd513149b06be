#ifndef JSONUTIL_H
#define JSONUTIL_H

#include <json-c/json.h>

#include "jtree.h"

/* A json-c copy of node i of d and what it holds (NULL: out of memory). */
json_object *jdoc_to_json_c(const struct jdoc *d, int i);

/*
 * Overwrites every string value in obj (not the keys: the skill's own
 * words) with zeros, before the
 * last json_object_put of a body that held a name, number or token: json-c
 * frees its copies without wiping them.  NULL is ignored.
 */
void json_wipe_strings(json_object *obj);

#endif
