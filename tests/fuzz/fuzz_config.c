/* The configuration parser (a file an operator writes; still bounded). */
#include <stdio.h>

#include "fuzz.h"
#include "../../app/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	char err[1024];
	char *text = fuzz_dup(data, size);

	if (text == NULL)
		return 0;
	err[0] = '\0';
	if (config_parse(&cfg, "conf/fuzz.conf", text, size, err,
	    sizeof(err)) != 0 && err[0] == '\0')
		abort();	/* refused without a message */
	free(text);
	return 0;
}
