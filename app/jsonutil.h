#ifndef JSONUTIL_H
#define JSONUTIL_H

#include <json-c/json.h>

#include "jtree.h"

/* A json-c copy of node i of d and what it holds (NULL: out of memory). */
json_object *jdoc_to_json_c(const struct jdoc *d, int i);

#endif
