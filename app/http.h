#ifndef HTTP_H
#define HTTP_H

/*
 * Checks of the FastCGI parameters the worker reads before the body
 * (CONTENT_TYPE, CONTENT_LENGTH): pure functions, so the fuzzer and the
 * unit tests reach them without libfcgi.
 */

/* application/json, any case, optionally followed by parameters. */
int http_is_json(const char *ctype);

/* CONTENT_LENGTH: digits only; -1 when absent or malformed. */
long long http_content_length(const char *s);

#endif
