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
 * floor.fcgi, the same file built with -DFLOOR: the least any
 * implementation must do per request, and nothing more.  It checks the
 * body's RSA-SHA256 signature (Signature-256) against the signing
 * certificate's key, loaded once, and fetches the given name with one GET
 * on a kept TLS connection per thread to the profile API, blocking, with
 * the apiAccessToken found by a plain string search; the name goes into
 * the constant answer.  No certificate URL or chain, no timestamp, no JSON
 * reading, no envelope rules, no checks of the connection before reuse,
 * no logging.  Its threads share the epoll set.  Configuration (--config):
 *   api_port = N          the profile API mock on 127.0.0.1
 *   api_ca_file = PEM     its CA
 *   signing_cert = PEM    the certificate whose key signs the requests
 *   threads = N
 *
 *   ceiling.fcgi --check-config FILE   exits 0 (there is nothing to check)
 *   ceiling.fcgi [--config FILE]       serves on fd 0
 *
 * evfloor.fcgi, built with -DFLOOR -DEVENTED: the floor's work (the same
 * signature check, the same GET, the same answer) from one thread and one
 * epoll loop without libfcgi, to measure what an event-driven worker would
 * save: every FastCGI connection and every kept API connection is
 * non-blocking, a request whose body is in waits for its profile answer in
 * the epoll set instead of in a thread, and one epoll_wait hands over every
 * ready connection at once.  It speaks just enough FastCGI for nginx (one
 * request at a time per connection, FCGI_KEEP_CONN honoured) and is a
 * measuring instrument, not a server: a malformed record closes the
 * connection, a write that would block is dropped, and threads is ignored.
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

#ifdef FLOOR
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define BODY_MAX	65536
#define TOKEN_MAX	2048
#define NAME_MAX_	256

static struct {
	int api_port;
	char api_ca_file[512];
	char signing_cert[512];
	int threads;
} fl = { 0, "", "", 1 };

static EVP_PKEY *sign_key;
static const EVP_MD *sha256;
static SSL_CTX *api_ctx;

/* Per thread: the digest and verify contexts and the kept API connection. */
static __thread struct {
	EVP_MD_CTX *md;
	EVP_PKEY_CTX *pk;
	SSL *ssl;
	int fd;
} th = { NULL, NULL, NULL, -1 };

static int
config_read(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char k[64], v[512];

		if (sscanf(line, " %63[a-z_] = %511s", k, v) != 2)
			continue;
		if (strcmp(k, "api_port") == 0)
			fl.api_port = atoi(v);
		else if (strcmp(k, "api_ca_file") == 0)
			snprintf(fl.api_ca_file, sizeof(fl.api_ca_file), "%s", v);
		else if (strcmp(k, "signing_cert") == 0)
			snprintf(fl.signing_cert, sizeof(fl.signing_cert), "%s",
			    v);
		else if (strcmp(k, "threads") == 0)
			fl.threads = atoi(v);
	}
	fclose(f);
	return fl.api_port > 0 && fl.api_ca_file[0] && fl.signing_cert[0] &&
	    fl.threads >= 1 && fl.threads <= 64 ? 0 : -1;
}

static int
floor_init(void)
{
	FILE *f = fopen(fl.signing_cert, "r");
	X509 *x;

	if (f == NULL)
		return -1;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL || (sign_key = X509_get_pubkey(x)) == NULL)
		return -1;
	X509_free(x);
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	api_ctx = SSL_CTX_new(TLS_client_method());
	if (sha256 == NULL || api_ctx == NULL ||
	    SSL_CTX_load_verify_locations(api_ctx, fl.api_ca_file, NULL) != 1)
		return -1;
	SSL_CTX_set_verify(api_ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_read_ahead(api_ctx, 1);
	return 0;
}

/* RSA-SHA256 of body against the base64 signature b64; 1 if it holds. */
static int
signature_ok(const char *b64, const char *body, size_t len)
{
	unsigned char sig[1024], dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	size_t blen;
	int n;

	if (b64 == NULL || (blen = strlen(b64)) == 0 || blen % 4 != 0 ||
	    blen / 4 * 3 > sizeof(sig))
		return 0;
	if ((n = EVP_DecodeBlock(sig, (const unsigned char *)b64,
	    (int)blen)) < 0)
		return 0;
	n -= (b64[blen - 1] == '=') + (b64[blen - 2] == '=');
	if (th.md == NULL) {
		th.md = EVP_MD_CTX_new();
		th.pk = EVP_PKEY_CTX_new(sign_key, NULL);
		if (th.md == NULL || th.pk == NULL ||
		    EVP_PKEY_verify_init(th.pk) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(th.pk, RSA_PKCS1_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(th.pk, sha256) != 1)
			return 0;
	}
	if (EVP_DigestInit_ex(th.md, sha256, NULL) != 1 ||
	    EVP_DigestUpdate(th.md, body, len) != 1 ||
	    EVP_DigestFinal_ex(th.md, dg, &dlen) != 1)
		return 0;
	return EVP_PKEY_verify(th.pk, sig, (size_t)n, dg, dlen) == 1;
}

static void
api_close(void)
{
	if (th.ssl != NULL)
		SSL_free(th.ssl);
	if (th.fd >= 0)
		close(th.fd);
	th.ssl = NULL;
	th.fd = -1;
	ERR_clear_error();
}

static int
api_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { 2, 500000 };	/* the worker's api_timeout_ms */
	int one = 1;

	a.sin_port = htons((unsigned short)fl.api_port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((th.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(th.fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    setsockopt(th.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(th.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(th.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    (th.ssl = SSL_new(api_ctx)) == NULL ||
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(th.ssl),
	    "127.0.0.1") != 1 || SSL_set_fd(th.ssl, th.fd) != 1 ||
	    SSL_connect(th.ssl) != 1) {
		api_close();
		return -1;
	}
	return 0;
}

/* One GET of the given name on the kept connection; 0 and name, or -1. */
static int
api_given_name(const char *token, size_t tlen, char *name, size_t nsz)
{
	char buf[8192];
	size_t have = 0, need = 0;
	const char *p, *e;
	int n;

	if (th.ssl == NULL && api_connect() != 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "GET /v2/persons/~current/profile/"
	    "givenName HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: "
	    "Bearer %.*s\r\nAccept: application/json\r\n\r\n", fl.api_port,
	    (int)tlen, token);
	if (n <= 0 || (size_t)n >= sizeof(buf) || SSL_write(th.ssl, buf, n) != n)
		goto broken;
	for (;;) {
		if (have == sizeof(buf) - 1 ||
		    (n = SSL_read(th.ssl, buf + have,
		    (int)(sizeof(buf) - 1 - have))) <= 0)
			goto broken;
		have += (size_t)n;
		buf[have] = '\0';
		if (need == 0 && (p = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strstr(buf, "Content-Length: ");

			if (cl == NULL || cl > p)
				goto broken;
			need = (size_t)(p + 4 - buf) + strtoul(cl + 16, NULL, 10);
		}
		if (need != 0 && have >= need)
			break;
	}
	if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0 || have != need)
		goto broken;
	p = strstr(buf, "\r\n\r\n") + 4;
	if (*p != '"' || (e = strchr(p + 1, '"')) == NULL ||
	    (size_t)(e - p - 1) >= nsz)
		goto broken;
	memcpy(name, p + 1, (size_t)(e - p - 1));
	name[e - p - 1] = '\0';
	for (char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == '\\' || *c == '<' ||
		    *c == '&')
			goto broken;
	return 0;
broken:
	api_close();
	return -1;
}

/* The floor's work on one read body; 0 and the answer's name, or -1. */
static int
floor_work(FCGX_Request *req, const char *body, size_t len, char *name,
    size_t nsz)
{
	static const char key[] = "\"apiAccessToken\":\"";
	const char *t, *e;

	if (!signature_ok(FCGX_GetParam("HTTP_SIGNATURE_256", req->envp),
	    body, len))
		return -1;
	if ((t = strstr(body, key)) == NULL)
		return -1;
	t += sizeof(key) - 1;
	if ((e = strchr(t, '"')) == NULL || e - t > TOKEN_MAX)
		return -1;
	if (api_given_name(t, (size_t)(e - t), name, nsz) == 0)
		return 0;
	/* Any failure (a kept connection the mock closed, mostly): once
	 * more, on a new connection (api_given_name closed the old one). */
	return api_given_name(t, (size_t)(e - t), name, nsz);
}
#endif

#define REPLY_HEAD \
    "{\"version\":\"1.0\",\"sessionAttributes\":{},\"response\":{" \
    "\"outputSpeech\":{\"type\":\"SSML\",\"ssml\":\"<speak>Welcome back, "
#define REPLY_TAIL \
    "! What would you like to do?</speak>\"}," \
    "\"reprompt\":{\"outputSpeech\":{\"type\":\"SSML\",\"ssml\":" \
    "\"<speak>What would you like to do?</speak>\"}}," \
    "\"shouldEndSession\":false}}"

static const char reply[] = REPLY_HEAD "Zo\xc3\xab" REPLY_TAIL;

/* Writes a JSON answer: status line ("200 OK"), headers, len bytes of body. */
static void
answer(FCGX_Request *req, const char *status, const char *body, int len)
{
	FCGX_FPrintF(req->out, "Status: %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n"
	    "Cache-Control: no-store\r\n\r\n", status, len);
	FCGX_PutStr(body, len, req->out);
}

#ifdef EVENTED
/* --- evfloor.fcgi: the floor's work from one epoll loop ---------------- */

#define FCGI_HDR	8
#define FCGI_IN_MAX	(BODY_MAX + 32768)	/* params, body, record heads */
#define PARAMS_MAX	16384
#define EV_MAX		64

enum kind { K_LISTEN, K_FCGI, K_API, K_DEAD };

struct api;

/* A FastCGI connection from nginx and the request being read on it. */
struct fc {
	enum kind kind;
	int fd;
	int id;			/* the request's id, echoed in the answer */
	int keep;		/* FCGI_KEEP_CONN */
	int params_done, stdin_done, retried;
	size_t have, plen, blen;
	struct api *call;	/* the profile call it waits for */
	unsigned char in[FCGI_IN_MAX];
	char params[PARAMS_MAX];
	char body[BODY_MAX + 1];
};

/* A kept TLS connection to the profile API. */
struct api {
	enum kind kind;
	int fd;
	SSL *ssl;
	struct fc *owner;	/* NULL: idle */
	struct api *next;	/* in the idle list */
	size_t have, need;
	char buf[8192];
};

static int ev_ep;
static struct api *api_idle;
static enum kind listen_kind = K_LISTEN;
/*
 * What was closed while a batch of events is handled, freed after it: a
 * later event of the batch may point to it (epoll_ctl DEL does not take
 * back events already returned), and finds it K_DEAD.
 */
static void *grave[4 * EV_MAX + 8];
static int ngrave;

static void
bury(enum kind *k)
{
	*k = K_DEAD;
	if (ngrave < (int)(sizeof(grave) / sizeof(grave[0])))
		grave[ngrave++] = k;
}

static void
ev_add(int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };

	epoll_ctl(ev_ep, EPOLL_CTL_ADD, fd, &ev);
}

static void
ev_api_close(struct api *a)
{
	struct api **p;

	for (p = &api_idle; *p != NULL; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			break;
		}
	epoll_ctl(ev_ep, EPOLL_CTL_DEL, a->fd, NULL);
	SSL_free(a->ssl);
	close(a->fd);
	bury(&a->kind);
	ERR_clear_error();
}

static void
ev_fc_close(struct fc *c)
{
	if (c->call != NULL)
		ev_api_close(c->call);	/* its answer would come for nobody */
	epoll_ctl(ev_ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	bury(&c->kind);
}

/* A new kept connection (connect and handshake block: once per conn). */
static struct api *
ev_api_new(void)
{
	struct api *a = calloc(1, sizeof(*a));

	if (a == NULL || api_connect() != 0) {
		free(a);
		return NULL;
	}
	a->kind = K_API;
	a->fd = th.fd;
	a->ssl = th.ssl;
	th.fd = -1;
	th.ssl = NULL;
	if (fcntl(a->fd, F_SETFL, O_NONBLOCK) != 0) {
		SSL_free(a->ssl);
		close(a->fd);
		free(a);
		return NULL;
	}
	ev_add(a->fd, a);
	return a;
}

/* FastCGI STDOUT (head and body), its end and END_REQUEST, in one write. */
static void
ev_reply(struct fc *c, const char *status, const char *body, int len)
{
	unsigned char out[FCGI_HDR + 1024 + NAME_MAX_ + 2 * FCGI_HDR + 8];
	int h = snprintf((char *)out + FCGI_HDR, 1024, "Status: %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n"
	    "Cache-Control: no-store\r\n\r\n%.*s", status, len, len, body);
	size_t n;

	if (h < 0 || h >= 1024) {
		ev_fc_close(c);
		return;
	}
	out[0] = 1;
	out[1] = 6;			/* FCGI_STDOUT */
	out[2] = (unsigned char)(c->id >> 8);
	out[3] = (unsigned char)c->id;
	out[4] = (unsigned char)(h >> 8);
	out[5] = (unsigned char)h;
	out[6] = out[7] = 0;
	n = FCGI_HDR + (size_t)h;
	memcpy(out + n, out, 4);	/* the empty STDOUT record */
	memset(out + n + 4, 0, 4);
	n += FCGI_HDR;
	memcpy(out + n, out, 4);	/* END_REQUEST, status 0 */
	out[n + 1] = 3;
	out[n + 4] = 0;
	out[n + 5] = 8;
	out[n + 6] = out[n + 7] = 0;
	memset(out + n + FCGI_HDR, 0, 8);
	n += 2 * FCGI_HDR;
	if (write(c->fd, out, n) != (ssize_t)n || !c->keep) {
		ev_fc_close(c);
		return;
	}
	c->params_done = c->stdin_done = c->retried = 0;
	c->plen = c->blen = 0;
}

/* Sends the GET for c's token on an idle (or new) connection. */
static int
ev_api_send(struct fc *c, const char *token, size_t tlen)
{
	struct api *a = api_idle;
	char req[TOKEN_MAX + 256];
	int n;

	if (a != NULL)
		api_idle = a->next;
	else if ((a = ev_api_new()) == NULL)
		return -1;
	n = snprintf(req, sizeof(req), "GET /v2/persons/~current/profile/"
	    "givenName HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: "
	    "Bearer %.*s\r\nAccept: application/json\r\n\r\n", fl.api_port,
	    (int)tlen, token);
	ERR_clear_error();
	if (n <= 0 || (size_t)n >= sizeof(req) || SSL_write(a->ssl, req, n) != n) {
		ev_api_close(a);
		return -1;
	}
	a->owner = c;
	a->have = a->need = 0;
	c->call = a;
	return 0;
}

/* A whole request is in: check it and start its call, or answer. */
static void
ev_request(struct fc *c)
{
	static const char key[] = "\"apiAccessToken\":\"";
	const char *method = "", *sig = NULL, *t, *e, *why = NULL;
	size_t i = 0;

	/* The name-value pairs: lengths of 1 byte, or 4 with the top bit. */
	while (i < c->plen) {
		size_t len[2];
		const unsigned char *p = (const unsigned char *)c->params;

		for (int k = 0; k < 2; k++) {
			if (i < c->plen && p[i] < 128)
				len[k] = p[i++];
			else if (i + 4 <= c->plen) {
				len[k] = ((size_t)(p[i] & 0x7f) << 24) |
				    ((size_t)p[i + 1] << 16) |
				    ((size_t)p[i + 2] << 8) | p[i + 3];
				i += 4;
			} else {
				ev_fc_close(c);
				return;
			}
		}
		if (len[0] + len[1] > c->plen - i) {
			ev_fc_close(c);
			return;
		}
		/* Values end where the next pair starts: NUL them after use. */
		if (len[0] == 14 && memcmp(c->params + i, "REQUEST_METHOD", 14) == 0)
			method = len[1] == 3 && memcmp(c->params + i + 14, "GET",
			    3) == 0 ? "GET" : "POST";
		else if (len[0] == 18 && memcmp(c->params + i,
		    "HTTP_SIGNATURE_256", 18) == 0 && len[1] < 1024) {
			static char s[1024];

			memcpy(s, c->params + i + 18, len[1]);
			s[len[1]] = '\0';
			sig = s;
		}
		i += len[0] + len[1];
	}
	if (strcmp(method, "GET") == 0) {
		ev_reply(c, "200 OK", "{}", 2);	/* /healthz */
		return;
	}
	c->body[c->blen] = '\0';
	if (!signature_ok(sig, c->body, c->blen))
		why = "signature";
	else if ((t = strstr(c->body, key)) == NULL ||
	    (e = strchr(t += sizeof(key) - 1, '"')) == NULL ||
	    e - t > TOKEN_MAX)
		why = "no apiAccessToken";
	else if (ev_api_send(c, t, (size_t)(e - t)) != 0 &&
	    ev_api_send(c, t, (size_t)(e - t)) != 0)
		why = "cannot send the profile call";
	if (why != NULL) {
		fprintf(stderr, "evfloor: 400: %s\n", why);
		c->keep = 0;
		ev_reply(c, "400 Bad Request", "{}", 2);
	}
}

/*
 * Adds a PARAMS or STDIN record r (content clen bytes) to its stream dst
 * of *len bytes; an empty record ends the stream.  -1 past cap bytes.
 */
static int
stream_add(char *dst, size_t *len, size_t cap, const unsigned char *r,
    size_t clen, int *done)
{
	if (clen == 0) {
		*done = 1;
		return 0;
	}
	if (*len + clen > cap)
		return -1;
	memcpy(dst + *len, r + FCGI_HDR, clen);
	*len += clen;
	return 0;
}

/* Reads what nginx sent and takes the whole records out of it. */
static void
ev_fc_read(struct fc *c)
{
	ssize_t n = read(c->fd, c->in + c->have, sizeof(c->in) - c->have);
	size_t pos = 0;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			ev_fc_close(c);
		return;
	}
	c->have += (size_t)n;
	while (c->have - pos >= FCGI_HDR) {
		const unsigned char *r = c->in + pos;
		size_t clen = (size_t)r[4] << 8 | r[5], all = FCGI_HDR + clen + r[6];

		if (c->have - pos < all)
			break;
		if (r[1] == 1 && clen >= 8) {		/* BEGIN_REQUEST */
			c->id = r[2] << 8 | r[3];
			c->keep = r[FCGI_HDR + 2] & 1;
		} else if ((r[1] == 4 && stream_add(c->params, &c->plen,
		    sizeof(c->params), r, clen, &c->params_done) != 0) ||
		    (r[1] == 5 && stream_add(c->body, &c->blen, BODY_MAX, r,
		    clen, &c->stdin_done) != 0)) {	/* PARAMS, STDIN */
			ev_fc_close(c);
			return;
		} else if (r[1] == 2) {			/* ABORT_REQUEST */
			ev_fc_close(c);
			return;
		}
		pos += all;
	}
	memmove(c->in, c->in + pos, c->have - pos);
	c->have -= pos;
	if (c->have == sizeof(c->in)) {
		ev_fc_close(c);
		return;
	}
	if (c->params_done && c->stdin_done && c->call == NULL)
		ev_request(c);
}

/* Reads the answer on a; when it is whole, answers its owner. */
static void
ev_api_read(struct api *a)
{
	struct fc *c = a->owner;
	char name[NAME_MAX_], out[sizeof(reply) + NAME_MAX_];
	const char *p, *e;
	int n;

	if (c == NULL) {		/* idle: EOF or unasked bytes */
		ev_api_close(a);
		return;
	}
	/*
	 * SSL_get_error() reads the thread's error queue: what a refused
	 * signature left there would turn WANT_READ into a failure.
	 */
	ERR_clear_error();
	for (;;) {
		if (a->have == sizeof(a->buf) - 1)
			goto broken;
		n = SSL_read(a->ssl, a->buf + a->have,
		    (int)(sizeof(a->buf) - 1 - a->have));
		if (n <= 0) {
			if (SSL_get_error(a->ssl, n) == SSL_ERROR_WANT_READ)
				break;
			goto broken;
		}
		a->have += (size_t)n;
	}
	a->buf[a->have] = '\0';
	if (a->need == 0 && (p = strstr(a->buf, "\r\n\r\n")) != NULL) {
		const char *cl = strstr(a->buf, "Content-Length: ");

		if (cl == NULL || cl > p)
			goto broken;
		a->need = (size_t)(p + 4 - a->buf) + strtoul(cl + 16, NULL, 10);
	}
	if (a->need == 0 || a->have < a->need)
		return;			/* more to come */
	if (strncmp(a->buf, "HTTP/1.1 200 ", 13) != 0 || a->have != a->need)
		goto broken;
	p = strstr(a->buf, "\r\n\r\n") + 4;
	if (*p != '"' || (e = strchr(p + 1, '"')) == NULL ||
	    (size_t)(e - p - 1) >= sizeof(name))
		goto broken;
	memcpy(name, p + 1, (size_t)(e - p - 1));
	name[e - p - 1] = '\0';
	a->owner = NULL;
	a->next = api_idle;
	api_idle = a;
	c->call = NULL;
	n = snprintf(out, sizeof(out), "%s%s%s", REPLY_HEAD, name, REPLY_TAIL);
	ev_reply(c, "200 OK", out, n);
	return;
broken:
	fprintf(stderr, "evfloor: 400: profile answer (%zu of %zu bytes, "
	    "%.12s)\n", a->have, a->need, a->have == 0 ? "none" : a->buf);
	c->call = NULL;
	ev_api_close(a);
	c->keep = 0;
	ev_reply(c, "400 Bad Request", "{}", 2);
}

static void
ev_accept(void)
{
	int fd;

	while ((fd = accept4(0, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct fc *c = calloc(1, sizeof(*c));

		if (c == NULL) {
			close(fd);
			continue;
		}
		c->kind = K_FCGI;
		c->fd = fd;
		ev_add(fd, c);
	}
}

static int
ev_main(void)
{
	struct epoll_event ev[EV_MAX];

	if (fcntl(0, F_SETFL, O_NONBLOCK) != 0 ||
	    (ev_ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return 1;
	ev_add(0, &listen_kind);
	for (;;) {
		int n = epoll_wait(ev_ep, ev, EV_MAX, -1);

		for (int i = 0; i < n; i++) {
			enum kind *k = ev[i].data.ptr;

			if (*k == K_LISTEN)
				ev_accept();
			else if (*k == K_FCGI)
				ev_fc_read((struct fc *)k);
			else if (*k == K_API)
				ev_api_read((struct api *)k);
		}
		while (ngrave > 0)
			free(grave[--ngrave]);
	}
}
#endif

/* One request on req's connection; returns 0 if it stays open. */
static int
serve(FCGX_Request *req)
{
#ifdef FLOOR
	static __thread char body[BODY_MAX + 1];
	char name[NAME_MAX_], out[sizeof(reply) + NAME_MAX_];
	size_t len = 0;
	int n, olen;
#else
	static char body[65536];
#endif

	if (FCGX_Accept_r(req) != 0)
		return -1;
#ifdef FLOOR
	while (len < BODY_MAX &&
	    (n = FCGX_GetStr(body + len, (int)(BODY_MAX - len), req->in)) > 0)
		len += (size_t)n;
	body[len] = '\0';
	if (strcmp(FCGX_GetParam("REQUEST_METHOD", req->envp) ?: "", "GET") ==
	    0)
		answer(req, "200 OK", "{}", 2);	/* /healthz, for scripts/stack */
	else if (len == BODY_MAX || floor_work(req, body, len, name,
	    sizeof(name)) != 0) {
		answer(req, "400 Bad Request", "{}", 2);
		FCGX_Finish_r(req);
		return -1;	/* the body may be unread: do not keep it */
	} else {
		olen = snprintf(out, sizeof(out), "%s%s%s", REPLY_HEAD, name,
		    REPLY_TAIL);
		answer(req, "200 OK", out, olen);
	}
#else
	/* Read (and drop) the whole body, as a real responder must. */
	while (FCGX_GetStr(body, sizeof(body), req->in) > 0)
		;
	answer(req, "200 OK", reply, (int)sizeof(reply) - 1);
#endif
	FCGX_Finish_r(req);
	return req->ipcFd >= 0 ? 0 : -1;
}

struct conn {
	FCGX_Request req;
	int armed;		/* in the epoll set */
};

static int ep;

/* Serves whichever connection (or the listening socket) is ready next. */
static void *
loop(void *unused)
{
	(void)unused;
	for (;;) {
		struct epoll_event ev;
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
				exit(1);
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
	return NULL;
}

int
main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	const char *conf = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check-config") == 0 && i + 1 < argc) {
#ifdef FLOOR
			if (config_read(argv[i + 1]) != 0) {
				fprintf(stderr, "%s: needs api_port, "
				    "api_ca_file, signing_cert, threads\n",
				    argv[i + 1]);
				return 1;
			}
#endif
			printf("%s: ok\n", argv[i + 1]);
			return 0;
		}
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			conf = argv[++i];
		else {
			fprintf(stderr, "usage: ceiling.fcgi [--config FILE] | "
			    "--check-config FILE\n");
			return 2;
		}
	}
	(void)conf;
	signal(SIGPIPE, SIG_IGN);
#ifdef FLOOR
	if (conf == NULL || config_read(conf) != 0 || floor_init() != 0) {
		fprintf(stderr, "floor.fcgi: bad configuration\n");
		return 1;
	}
#endif
#ifdef EVENTED
	return ev_main();
#endif
	/* Several processes share fd 0: accept must not block. */
	if (FCGX_Init() != 0 || fcntl(0, F_SETFL, O_NONBLOCK) != 0 ||
	    (ep = epoll_create1(0)) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) != 0)
		return 1;
#ifdef FLOOR
	for (int i = 1; i < fl.threads; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, loop, NULL) != 0)
			return 1;
	}
#endif
	loop(NULL);
	return 0;
}
