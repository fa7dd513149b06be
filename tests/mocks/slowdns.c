/*
 * LD_PRELOAD shim for tests: a resolver whose server does not answer.
 * getaddrinfo() for a name ending in ".slow.test" sleeps SLOWDNS_S
 * seconds (default 9), then resolves it as 127.0.0.1; other names go to
 * the real resolver.  Built by the test that uses it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUFFIX ".slow.test"

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	int (*real)(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **) = (int (*)(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **))dlsym(RTLD_NEXT,
	    "getaddrinfo");
	size_t n = node != NULL ? strlen(node) : 0;

	if (n > strlen(SUFFIX) &&
	    strcmp(node + n - strlen(SUFFIX), SUFFIX) == 0) {
		const char *s = getenv("SLOWDNS_S");

		sleep(s != NULL ? (unsigned)atoi(s) : 9);
		node = "127.0.0.1";
	}
	return real(node, service, hints, res);
}
