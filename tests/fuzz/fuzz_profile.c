/*
 * The profile API answer parser.  The first byte picks the field and the
 * HTTP status; the rest is the body.
 */
#include "fuzz.h"
#include "../../app/profile.h"

static const long statuses[] = { 200, 200, 200, 200, 204, 401, 403, 429,
	500, 404 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile_value out;
	enum profile_field f;
	long status;
	char *body;

	if (size == 0)
		return 0;
	f = (enum profile_field)(data[0] % PF_COUNT);
	status = statuses[(data[0] / PF_COUNT) %
	    (sizeof(statuses) / sizeof(statuses[0]))];
	if ((body = fuzz_dup(data + 1, size - 1)) == NULL)
		return 0;
	profile_parse(f, status, body, size - 1, &out);
	/* A text value is always a terminated string within its buffer. */
	if (out.status == PS_OK && f != PF_MOBILE &&
	    strnlen(out.text, sizeof(out.text)) == sizeof(out.text))
		abort();
	free(body);
	return 0;
}
