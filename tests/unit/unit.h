#ifndef UNIT_H
#define UNIT_H

#include <check.h>
#include <json-c/json.h>

/* One function per file returning its suite; main.c runs them all. */
Suite *suite_response(void);
Suite *suite_envelope(void);
Suite *suite_config(void);
Suite *suite_verify(void);
Suite *suite_profile(void);
Suite *suite_skill(void);
Suite *suite_http1(void);
Suite *suite_jtree(void);

/*
 * For reading the worker's JSON answers (json_path.c): the value at a
 * dotted path ("response.card.type"), NULL when a step is missing or not
 * an object; json_path_str: the same, NULL unless it is a string.
 */
json_object *json_path(json_object *root, const char *path);
const char *json_path_str(json_object *root, const char *path);

#endif
