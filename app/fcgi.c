#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi.h"
#include "http.h"
#include "limits.h"
#include "log.h"
#include "timeutil.h"
#include "verify.h"

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	default: return "Internal Server Error";
	}
}

static void
write_reply(FCGX_Request *req, int status, const char *ctype,
    const char *extra, const char *body, size_t len)
{
	char head[256];
	int n;

	/* snprintf, not FCGX_FPrintF: libfcgi's printf stops at %zu. */
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n%s\r\n", status, status_text(status),
	    ctype, len, extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	FCGX_PutStr(head, n, req->out);
	if (len > 0)
		FCGX_PutStr(body, (int)len, req->out);
}

/*
 * A header value the core reads into *out (NULL when absent); -1 when it
 * is longer than max.  An oversized value is refused, never taken as
 * absent: a huge Signature-256 must not hand the decision to the SHA-1
 * Signature.
 */
static int
header(FCGX_Request *req, const char *name, size_t max, const char **out)
{
	*out = FCGX_GetParam(name, req->envp);
	return *out == NULL || strlen(*out) <= max ? 0 : -1;
}

static void
handle_alexa(struct fcgi_thread *t, FCGX_Request *req, struct core_out *out)
{
	const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
	struct core_in in;
	const char *oversized = NULL;
	long long clen;
	char *body = NULL;
	int got;

	if (method == NULL || strcmp(method, "POST") != 0) {
		core_error(out, 405, "method must be POST");
		return;
	}
	if (!http_is_json(FCGX_GetParam("CONTENT_TYPE", req->envp))) {
		core_error(out, 415, "content type must be application/json");
		return;
	}
	clen = http_content_length(FCGX_GetParam("CONTENT_LENGTH", req->envp));
	if (clen < 0) {
		/* INTERFACE.md: 400 for a request without an envelope. */
		core_error(out, 400, "Content-Length required");
		return;
	}
	if (clen > BODY_MAX) {
		/* The rest is never read into memory; libfcgi drains it. */
		core_error(out, 413, "body too large");
		return;
	}
	if ((body = malloc((size_t)clen + 1)) == NULL) {
		core_error(out, 500, "out of memory");
		return;
	}
	got = clen > 0 ? FCGX_GetStr(body, (int)clen, req->in) : 0;
	if (got != clen) {
		core_error(out, 400, "body shorter than Content-Length");
		goto out;
	}
	body[clen] = '\0';
	memset(&in, 0, sizeof(in));
	in.body = body;
	in.body_len = (size_t)clen;
	if (header(req, "HTTP_SIGNATURECERTCHAINURL", CERT_URL_MAX,
	    &in.cert_url) != 0)
		oversized = "verify: cert_url";
	else if (header(req, "HTTP_SIGNATURE_256", SIGNATURE_B64_MAX,
	    &in.sig256) != 0 || header(req, "HTTP_SIGNATURE",
	    SIGNATURE_B64_MAX, &in.sig1) != 0)
		oversized = "verify: signature_encoding";
	if (oversized != NULL && t->core.verifier != NULL) {
		core_error(out, 400, oversized);
		goto out;
	}
	in.now = time(NULL);
	core_handle(&t->core, &in, out);
out:
	/* It carries the API tokens. */
	explicit_bzero(body, (size_t)clen + 1);
	free(body);
}

static void
handle_request(struct fcgi_thread *t, FCGX_Request *req)
{
	const char *route = FCGX_GetParam("SKILL_ROUTE", req->envp);
	const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
	struct core_out out;
	struct timespec t0;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&out, 0, sizeof(out));
	snprintf(out.type, sizeof(out.type), "-");
	snprintf(out.request_id, sizeof(out.request_id), "-");
	if (route != NULL && strcmp(route, "healthz") == 0) {
		/* Health checks come often: only a refused one is logged. */
		if (method != NULL && (strcmp(method, "GET") == 0 ||
		    strcmp(method, "HEAD") == 0)) {
			write_reply(req, 200, "text/plain", NULL, "ok\n", 3);
			return;
		}
		out.status = 405;
		snprintf(out.outcome, sizeof(out.outcome),
		    "healthz: method must be GET");
		write_reply(req, 405, "text/plain", "Allow: GET\r\n",
		    "method not allowed\n", 19);
	} else {
		if (route == NULL || strcmp(route, "alexa") != 0)
			core_error(&out, 404, "no such endpoint");
		else
			handle_alexa(t, req, &out);
		write_reply(req, out.status, "application/json",
		    out.status == 405 ? "Allow: POST\r\n" : NULL, out.body,
		    out.body_len);
	}
	ms = ms_since(&t0);
	if (t->core.verifier == NULL)	/* never hidden by log_level */
		log_msg(LOG_ERROR, "req id=%s type=%s outcome=\"%s\" status=%d "
		    "ms=%ld UNVERIFIED (verify_signature = no)", out.request_id,
		    out.type, out.outcome, out.status, ms);
	else
		log_msg(out.status >= 500 ? LOG_ERROR : LOG_INFO,
		    "req id=%s type=%s outcome=\"%s\" status=%d ms=%ld",
		    out.request_id, out.type, out.outcome, out.status, ms);
	core_out_free(&out);
}

/*
 * libfcgi ends a connection with a lingering close: shutdown(), then wait
 * until nginx closes its end, reading whatever is left.  That is a sleep
 * and a wake-up of the thread per request, and it is only useful when
 * input is still unread (a refused body, say): closing a socket with unread
 * data resets it, and nginx may lose the answer.  So read what is already
 * queued without waiting (normally just the empty FCGI_STDIN record, or
 * nothing); if that empties the socket, FCGX_Detach turns libfcgi's close
 * into a plain close(), otherwise the lingering close stays.
 */
static void
close_fast_if_drained(FCGX_Request *req)
{
	char trash[4096];
	ssize_t n;
	int rounds = 4;

	do
		n = recv(req->ipcFd, trash, sizeof(trash), MSG_DONTWAIT);
	while (n > 0 && --rounds > 0);
	if (n == 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
		FCGX_Detach(req);
}

/*
 * A connection can carry another request only if this one's input ended
 * exactly where it should: at the empty FCGI_STDIN record.  The body has
 * been read to its Content-Length, so that record is next (nginx sends
 * it with the body); anything else (an unread, refused body) ends the
 * connection.
 */
static int
input_ended(FCGX_Request *req)
{
	char c;

	return FCGX_GetStr(&c, 1, req->in) == 0 && FCGX_HasSeenEOF(req->in);
}

struct fcgi_conn {
	FCGX_Request req;
	int armed;		/* in the epoll set */
	int last;		/* over FCGI_CONNS_MAX: one request, then close */
	struct fcgi_conn *prev, *next;
};

/* Markers for the two fds that are not connections. */
static char listen_mark, stop_mark;

int
fcgi_shared_init(struct fcgi_shared *sh, int listen_fd, int stop_fd,
    int threads)
{
	struct epoll_event ev = { 0 };

	memset(sh, 0, sizeof(*sh));
	sh->listen_fd = listen_fd;
	sh->threads = threads;
	if ((sh->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -1;
	pthread_mutex_init(&sh->mu, NULL);
	/* EPOLLEXCLUSIVE: a new connection wakes one worker process. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.ptr = &listen_mark;
	if (epoll_ctl(sh->ep, EPOLL_CTL_ADD, listen_fd, &ev) != 0)
		return -1;
	/* Level-triggered and never re-armed: it wakes every thread. */
	ev.events = EPOLLIN;
	ev.data.ptr = &stop_mark;
	return epoll_ctl(sh->ep, EPOLL_CTL_ADD, stop_fd, &ev);
}

/*
 * FCGI_CONNS_MAX, or fewer under an open-files limit too low for it and
 * the worker's own descriptors.  Read at each accept: prlimit may change
 * the limit of a running worker.
 */
static int
conns_max(const struct fcgi_shared *sh)
{
	struct rlimit rl;
	long long n;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return FCGI_CONNS_MAX;
	n = (long long)rl.rlim_cur - FCGI_FDS_OWN -
	    (long long)FCGI_FDS_PER_THREAD * sh->threads;
	if (n > FCGI_CONNS_MAX)
		return FCGI_CONNS_MAX;
	return n < FCGI_CONNS_MIN ? FCGI_CONNS_MIN : (int)n;
}

static struct fcgi_conn *
conn_open(struct fcgi_shared *sh, int fd)
{
	struct timeval tv = { FCGI_IO_TIMEOUT_MS / 1000,
	    FCGI_IO_TIMEOUT_MS % 1000 * 1000 };
	struct fcgi_conn *c = calloc(1, sizeof(*c));
	int max = conns_max(sh);

	/* libfcgi's blocking reads and writes then fail instead of hanging. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	if (c == NULL || FCGX_InitRequest(&c->req, -1, 0) != 0) {
		free(c);
		close(fd);
		return NULL;
	}
	/*
	 * keepConnection = 1 stops FCGX_Accept_r's opening FCGX_Finish_r
	 * from closing the fd; the begin-request record sets the real value.
	 */
	c->req.ipcFd = fd;
	c->req.keepConnection = 1;
	pthread_mutex_lock(&sh->mu);
	c->next = sh->conns;
	if (sh->conns != NULL)
		sh->conns->prev = c;
	sh->conns = c;
	c->last = ++sh->nconns > max;
	pthread_mutex_unlock(&sh->mu);
	return c;
}

/* Closes (libfcgi may have already) and forgets a connection. */
static void
conn_close(struct fcgi_shared *sh, struct fcgi_conn *c)
{
	pthread_mutex_lock(&sh->mu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		sh->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	sh->nconns--;
	pthread_mutex_unlock(&sh->mu);
	if (c->req.ipcFd >= 0)
		FCGX_Detach(&c->req);	/* a plain close, no lingering */
	FCGX_Free(&c->req, 1);
	free(c);
}

void
fcgi_shared_close(struct fcgi_shared *sh)
{
	/*
	 * An idle connection closed here may cross a request nginx is
	 * sending on it; nginx passes such a request on to a new connection
	 * (nginx/skill.conf.in, fastcgi_next_upstream).
	 */
	while (sh->conns != NULL)
		conn_close(sh, sh->conns);
	close(sh->ep);
	pthread_mutex_destroy(&sh->mu);
}

/* Arms the connection for its next request, or closes it. */
static void
conn_wait(struct fcgi_shared *sh, struct fcgi_conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };
	int op = c->armed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	/*
	 * Set before epoll_ctl: once armed, the next request may be served
	 * by another thread at once, and it must see armed.
	 */
	c->armed = 1;
	ev.data.ptr = c;
	if (epoll_ctl(sh->ep, op, c->req.ipcFd, &ev) != 0) {
		log_msg(LOG_ERROR, "fastcgi: cannot wait for the next request: "
		    "%s", strerror(errno));
		conn_close(sh, c);
	}
}

/* Serves the next request on c; then c waits for another or is gone. */
static void
conn_serve(struct fcgi_thread *t, struct fcgi_conn *c)
{
	FCGX_Request *req = &c->req;
	int keep;

	/*
	 * If no request can be read (nginx closed, a protocol error, a peer
	 * stalled past FCGI_IO_TIMEOUT_MS), libfcgi closes the fd itself, and
	 * detached makes that a plain close: its lingering close would hold
	 * the thread 2 s more for a peer that never closes its end.
	 */
	req->detached = 1;
	if (FCGX_Accept_r(req) != 0) {
		conn_close(t->sh, c);
		return;
	}
	req->detached = 0;	/* close_fast_if_drained decides below */
	handle_request(t, req);
	keep = req->keepConnection && !c->last && input_ended(req);
	if (!keep) {
		close_fast_if_drained(req);
		req->keepConnection = 0;
	}
	FCGX_Finish_r(req);
	if (req->ipcFd < 0) {
		conn_close(t->sh, c);
		return;
	}
	conn_wait(t->sh, c);
}

/*
 * Out of descriptors or memory: the listen socket stays readable, so
 * without a pause every thread would spin on it.  Logged at most once a
 * minute.
 */
static void
accept_pause(struct fcgi_shared *sh, int err)
{
	struct timespec now, pause = { 0, FCGI_ACCEPT_PAUSE_MS * 1000000L };
	int say, nopen;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&sh->mu);
	say = sh->accept_logged == 0 || now.tv_sec - sh->accept_logged >= 60;
	if (say)
		sh->accept_logged = now.tv_sec;
	nopen = sh->nconns;
	pthread_mutex_unlock(&sh->mu);
	if (say)
		log_msg(LOG_WARN, "fastcgi: accept: %s (%d connections open); "
		    "pausing %d ms", strerror(err), nopen, FCGI_ACCEPT_PAUSE_MS);
	nanosleep(&pause, NULL);
}

void *
fcgi_thread_main(void *arg)
{
	struct fcgi_thread *t = arg;
	struct fcgi_shared *sh = t->sh;
	struct epoll_event ev;

	for (;;) {
		/* One event at a time: the others stay for the other threads. */
		int n = epoll_wait(sh->ep, &ev, 1, -1), fd;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0)
			continue;
		if (ev.data.ptr == &stop_mark)
			break;
		if (ev.data.ptr != &listen_mark) {
			conn_serve(t, ev.data.ptr);
			continue;
		}
		fd = accept4(sh->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			/* EAGAIN: another thread or worker took it. */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				accept_pause(sh, errno);
			continue;
		}
		{
			struct fcgi_conn *c = conn_open(sh, fd);
			char b;

			if (c == NULL)
				continue;
			/*
			 * nginx sends the request right after connecting, so
			 * it is usually here: serve it.  A connection with
			 * nothing to read yet waits in epoll, not in a thread.
			 */
			if (recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 ||
			    (errno != EAGAIN && errno != EWOULDBLOCK))
				conn_serve(t, c);
			else if (!c->last)
				conn_wait(sh, c);
			else if (poll(&(struct pollfd){ .fd = fd,
			    .events = POLLIN }, 1, FCGI_NEWCOMER_WAIT_MS) == 1)
				conn_serve(t, c);
			else {
				/*
				 * Over FCGI_CONNS_MAX, a newcomer that sends
				 * nothing at once is not kept: idle peers
				 * cannot pile up descriptors until accept
				 * fails.
				 */
				log_msg(LOG_WARN, "fastcgi: over %d connections "
				    "open; closed a new one with no request",
				    conns_max(sh));
				conn_close(sh, c);
			}
		}
	}
	verify_thread_done();
	return NULL;
}
