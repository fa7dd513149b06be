#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Shared by the libFuzzer targets.  Inputs are copied into buffers of
 * exactly their size, so ASan sees any read past the end.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline char *
fuzz_dup(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	if (p != NULL && size > 0)
		memcpy(p, data, size);
	return p;
}

/* A NUL-terminated copy, cut at the first NUL (a C string header value). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, data, n);
		p[n] = '\0';
	}
	return p;
}

#endif
