#include <string.h>
#include <strings.h>

#include "http.h"

/* Digits in a CONTENT_LENGTH: 18 cannot overflow a long long. */
#define CONTENT_LENGTH_DIGITS_MAX 18

int
http_is_json(const char *ctype)
{
	size_t n = strlen("application/json");

	if (ctype == NULL || strncasecmp(ctype, "application/json", n) != 0)
		return 0;
	return ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ';
}

long long
http_content_length(const char *s)
{
	long long n = 0;

	if (s == NULL || *s == '\0' || strlen(s) > CONTENT_LENGTH_DIGITS_MAX)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}
