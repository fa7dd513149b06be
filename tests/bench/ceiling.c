/*
 * ceiling.fcgi: the physical ceiling for `make bench`.  A minimal libfcgi
 * responder that reads the request body and writes a constant Alexa
 * response; nothing is parsed, verified or fetched.  Started by
 * scripts/stack exactly like the real worker (spawn-fcgi puts the
 * listening socket on fd 0), so the difference between the two is the
 * cost of the skill itself.  Like the worker, it keeps nginx's
 * connections open between requests (fastcgi_keep_conn) and serves
 * whichever of them has a request next, from one epoll set.
 *
 *   ceiling.fcgi --check-config FILE   exits 0 (there is nothing to check)
 *   ceiling.fcgi [--config FILE]       serves on fd 0
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcgiapp.h>

static const char reply[] =
    "{\"version\":\"1.0\",\"sessionAttributes\":{},\"response\":{"
    "\"outputSpeech\":{\"type\":\"SSML\",\"ssml\":\"<speak>Welcome back, "
    "Zo\xc3\xab! What would you like to do?</speak>\"},"
    "\"reprompt\":{\"outputSpeech\":{\"type\":\"SSML\",\"ssml\":"
    "\"<speak>What would you like to do?</speak>\"}},"
    "\"shouldEndSession\":false}}";

/* One request on req's connection; returns 0 if it stays open. */
static int
serve(FCGX_Request *req)
{
	static char body[65536];

	if (FCGX_Accept_r(req) != 0)
		return -1;
	/* Read (and drop) the whole body, as a real responder must. */
	while (FCGX_GetStr(body, sizeof(body), req->in) > 0)
		;
	FCGX_FPrintF(req->out, "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n"
	    "Cache-Control: no-store\r\n\r\n", (int)sizeof(reply) - 1);
	FCGX_PutStr(reply, (int)sizeof(reply) - 1, req->out);
	FCGX_Finish_r(req);
	return req->ipcFd >= 0 ? 0 : -1;
}

struct conn {
	FCGX_Request req;
	int armed;		/* in the epoll set */
};

int
main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	int ep;

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
	/* Several processes share fd 0: accept must not block. */
	if (FCGX_Init() != 0 || fcntl(0, F_SETFL, O_NONBLOCK) != 0 ||
	    (ep = epoll_create1(0)) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) != 0)
		return 1;
	for (;;) {
		struct conn *c;
		int fd;

		if (epoll_wait(ep, &ev, 1, -1) != 1)
			continue;
		if ((c = ev.data.ptr) == NULL) {
			/* The listening socket (data.ptr NULL). */
			if ((fd = accept(0, NULL, NULL)) < 0)
				continue;
			if ((c = calloc(1, sizeof(*c))) == NULL ||
			    FCGX_InitRequest(&c->req, -1, 0) != 0)
				return 1;
			c->req.ipcFd = fd;
			c->req.keepConnection = 1;
		}
		if (serve(&c->req) != 0) {
			FCGX_Free(&c->req, 1);
			free(c);
			continue;
		}
		ev.events = EPOLLIN | EPOLLONESHOT;
		ev.data.ptr = c;
		epoll_ctl(ep, c->armed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		    c->req.ipcFd, &ev);
		c->armed = 1;
	}
}
