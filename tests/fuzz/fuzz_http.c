/*
 * The FastCGI parameters the worker reads before the body: CONTENT_TYPE
 * and CONTENT_LENGTH (input: the two values separated by a NUL).
 */
#include "fuzz.h"
#include "../../app/http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *ctype = fuzz_str(data, size);
	size_t skip = strnlen((const char *)data, size);
	char *clen = skip < size ? fuzz_str(data + skip + 1, size - skip - 1) :
	    NULL;
	long long n;

	if (ctype == NULL)
		return 0;
	(void)http_is_json(ctype);
	n = http_content_length(clen);
	/* Digits only, so never negative unless refused. */
	if (n < -1 || (n >= 0 && (clen == NULL || clen[0] == '\0')))
		abort();
	free(ctype);
	free(clen);
	return 0;
}
