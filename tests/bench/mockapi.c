/*
 * mockapi: the Alexa person profile API for `make bench`, small enough
 * that it is never the bottleneck (tests/mocks/mockd.py costs about four
 * times the CPU per call).  HTTPS (OpenSSL), HTTP/1.1 keep-alive, one
 * thread per connection (the callers keep a handful of connections open).
 *
 *   mockapi [--host 127.0.0.1] [--port N] --cert PEM --key KEY
 *
 * Prints "READY <port>" once listening (--port 0 picks a free port).
 *   GET /v2/persons/~current/profile/givenName  200 "Zoë"  (needs a bearer)
 *   GET /__stats  {"connections": n, "requests": n}  (not counted)
 *   anything else 404.  SIGTERM/SIGINT: exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define BUF 16384

static SSL_CTX *ctx;
static atomic_long n_conns, n_reqs;

static const char given_name[] = "\"Zo\xc3\xab\"";

static int
send_all(SSL *ssl, const char *p, size_t n)
{
	while (n > 0) {
		int w = SSL_write(ssl, p, (int)n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
reply(SSL *ssl, int status, const char *text, const char *body, int keep)
{
	char out[1024];
	size_t blen = strlen(body);
	int n = snprintf(out, sizeof(out), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "%s\r\n%s", status, text, blen,
	    keep ? "" : "Connection: close\r\n", body);

	if (n < 0 || (size_t)n >= sizeof(out))
		return -1;
	return send_all(ssl, out, (size_t)n);
}

/* Value of header name (lower case, with the colon) in head, or NULL. */
static const char *
find_header(const char *head, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	for (const char *l = strstr(head, "\r\n"); l != NULL;
	    l = strstr(l, "\r\n")) {
		l += 2;
		if (strncasecmp(l, name, nl) == 0) {
			const char *v = l + nl, *e;

			while (*v == ' ' || *v == '\t')
				v++;
			e = strstr(v, "\r\n");
			*len = e ? (size_t)(e - v) : strlen(v);
			return v;
		}
	}
	return NULL;
}

static void *
serve(void *arg)
{
	int fd = (int)(long)arg, one = 1;
	char *buf = malloc(BUF + 1);
	size_t have = 0;
	SSL *ssl = NULL;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (buf == NULL || (ssl = SSL_new(ctx)) == NULL ||
	    SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1)
		goto out;
	for (;;) {
		char *end, *sp1, *sp2, method[8], path[256];
		const char *v;
		size_t vlen, hlen, clen = 0;
		int keep = 1, r;

		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) == NULL) {
			if (have == BUF)
				goto out;
			if ((r = SSL_read(ssl, buf + have, (int)(BUF - have))) <= 0)
				goto out;
			have += (size_t)r;
			buf[have] = '\0';
		}
		hlen = (size_t)(end - buf) + 4;
		end[2] = '\0';	/* headers end with the last line's CRLF */
		sp1 = strchr(buf, ' ');
		sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		if (sp1 == NULL || sp2 == NULL || sp1 - buf >= (long)sizeof(method) ||
		    sp2 - sp1 - 1 >= (long)sizeof(path))
			goto out;
		memcpy(method, buf, (size_t)(sp1 - buf));
		method[sp1 - buf] = '\0';
		memcpy(path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
		path[sp2 - sp1 - 1] = '\0';
		if ((v = find_header(buf, "connection:", &vlen)) != NULL &&
		    vlen == 5 && strncasecmp(v, "close", 5) == 0)
			keep = 0;
		if ((v = find_header(buf, "content-length:", &vlen)) != NULL)
			clen = strtoul(v, NULL, 10);
		if (clen > BUF)
			goto out;
		/* Drop any body (none is expected). */
		while (have < hlen + clen) {
			if (have == BUF)
				goto out;
			if ((r = SSL_read(ssl, buf + have, (int)(BUF - have))) <= 0)
				goto out;
			have += (size_t)r;
		}
		if (strcmp(method, "GET") == 0 && strcmp(path, "/__stats") == 0) {
			char s[128];

			snprintf(s, sizeof(s), "{\"connections\": %ld, "
			    "\"requests\": %ld}", atomic_load(&n_conns),
			    atomic_load(&n_reqs));
			r = reply(ssl, 200, "OK", s, keep);
		} else {
			atomic_fetch_add(&n_reqs, 1);
			v = find_header(buf, "authorization:", &vlen);
			if (strcmp(method, "GET") != 0 || strcmp(path,
			    "/v2/persons/~current/profile/givenName") != 0)
				r = reply(ssl, 404, "Not Found",
				    "{\"code\":\"NOT_FOUND\"}", keep);
			else if (v == NULL || vlen < 8 ||
			    strncasecmp(v, "Bearer ", 7) != 0)
				r = reply(ssl, 401, "Unauthorized",
				    "{\"code\":\"UNAUTHORIZED\"}", keep);
			else
				r = reply(ssl, 200, "OK", given_name, keep);
		}
		if (r != 0 || !keep)
			goto out;
		memmove(buf, buf + hlen + clen, have - hlen - clen);
		have -= hlen + clen;
	}
out:
	if (ssl != NULL) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	ERR_clear_error();
	close(fd);
	free(buf);
	return NULL;
}

static void
on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *cert = NULL, *key = NULL;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	pthread_attr_t attr;
	int port = 0, ls, one = 1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--host") == 0)
			host = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--cert") == 0)
			cert = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			key = argv[i + 1];
		else
			break;
	}
	if (cert == NULL || key == NULL || argc % 2 != 1) {
		fprintf(stderr, "usage: mockapi [--host H] [--port N] "
		    "--cert PEM --key KEY\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	/*
	 * One recv() per request record instead of two (the 5-byte record
	 * header, then the rest): the mock stands in for Amazon's servers,
	 * whose CPU is not the operator's, so it should cost the bench's
	 * shared CPUs as little as it can.
	 */
	SSL_CTX_set_read_ahead(ctx, 1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "mockapi: bad --host %s\n", host);
		return 2;
	}
	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(ls, 256) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &salen) != 0) {
		perror("mockapi: listen");
		return 1;
	}
	printf("READY %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (;;) {
		pthread_t t;
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("mockapi: accept");
			sleep(1);
			continue;
		}
		atomic_fetch_add(&n_conns, 1);
		if (pthread_create(&t, &attr, serve, (void *)(long)fd) != 0)
			close(fd);
	}
}
