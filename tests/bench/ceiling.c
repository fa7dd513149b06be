/*
 * ceiling.fcgi: the physical ceiling for `make bench`.  A minimal libfcgi
 * responder that reads the request body and writes a constant Alexa
 * response; nothing is parsed, verified or fetched.  Started by
 * scripts/stack exactly like the real worker (spawn-fcgi puts the
 * listening socket on fd 0), so the difference between the two is the
 * cost of the skill itself.
 *
 *   ceiling.fcgi --check-config FILE   exits 0 (there is nothing to check)
 *   ceiling.fcgi [--config FILE]       serves on fd 0
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

static const char reply[] =
    "{\"version\":\"1.0\",\"sessionAttributes\":{},\"response\":{"
    "\"outputSpeech\":{\"type\":\"SSML\",\"ssml\":\"<speak>Welcome back, "
    "Zo\xc3\xab! What would you like to do?</speak>\"},"
    "\"reprompt\":{\"outputSpeech\":{\"type\":\"SSML\",\"ssml\":"
    "\"<speak>What would you like to do?</speak>\"}},"
    "\"shouldEndSession\":false}}";

int
main(int argc, char **argv)
{
	static char body[65536];
	FCGX_Request req;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check-config") == 0 && i + 1 < argc) {
			printf("%s: ok\n", argv[i + 1]);
			return 0;
		}
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			i++;
		else {
			fprintf(stderr, "usage: ceiling.fcgi [--config FILE] | "
			    "--check-config FILE\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		/* Read (and drop) the whole body, as a real responder must. */
		while (FCGX_GetStr(body, sizeof(body), req.in) > 0)
			;
		FCGX_FPrintF(req.out, "Status: 200 OK\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %d\r\n"
		    "Cache-Control: no-store\r\n\r\n", (int)sizeof(reply) - 1);
		FCGX_PutStr(reply, (int)sizeof(reply) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
