/* The Alexa request envelope: envelope_parse and what the core reads. */
#include "fuzz.h"
#include "../../app/config.h"
#include "../../app/envelope.h"
#include "../../app/log.h"
#include "../../app/verify.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg = {
		.timestamp_tolerance_s = 150,
		.event_timestamp_tolerance_s = 3600,
	};
	struct envelope env;
	const char *why = NULL;
	char *body = fuzz_dup(data, size);

	log_set_level(LOG_ERROR);
	memset(&env, 0, sizeof(env));
	if (body != NULL && envelope_parse(&env, body, size, &why) == 0) {
		(void)verify_timestamp(&cfg, &env, 1796083200);
		(void)envelope_slot(&env, "date");
		(void)envelope_slot(&env, "");
		if (env.type == NULL || env.request_id == NULL)
			abort();	/* parsed, but a required field is unset */
	} else if (why == NULL)
		abort();		/* refused without a reason */
	envelope_free(&env);
	free(body);
	return 0;
}
