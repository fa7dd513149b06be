#ifndef UNIT_H
#define UNIT_H

#include <check.h>

/* One function per file returning its suite; main.c runs them all. */
Suite *suite_response(void);
Suite *suite_envelope(void);
Suite *suite_config(void);
Suite *suite_verify(void);
Suite *suite_profile(void);
Suite *suite_skill(void);
Suite *suite_http1(void);
Suite *suite_jtree(void);

#endif
