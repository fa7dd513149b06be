#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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
	case 411: return "Length Required";
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

/* Header values the core reads, capped; oversized ones count as absent. */
static const char *
header(FCGX_Request *req, const char *name, size_t max)
{
	const char *v = FCGX_GetParam(name, req->envp);

	if (v == NULL || strlen(v) > max)
		return NULL;
	return v;
}

static void
handle_alexa(struct fcgi_thread *t, FCGX_Request *req, struct core_out *out)
{
	const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
	struct core_in in;
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
		core_error(out, 411, "Content-Length required");
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
	in.cert_url = header(req, "HTTP_SIGNATURECERTCHAINURL", CERT_URL_MAX);
	in.sig256 = header(req, "HTTP_SIGNATURE_256", SIGNATURE_B64_MAX);
	in.sig1 = header(req, "HTTP_SIGNATURE", SIGNATURE_B64_MAX);
	in.now = time(NULL);
	core_handle(&t->core, &in, out);
out:
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
		if (method != NULL && (strcmp(method, "GET") == 0 ||
		    strcmp(method, "HEAD") == 0))
			write_reply(req, 200, "text/plain", NULL, "ok\n", 3);
		else
			write_reply(req, 405, "text/plain", "Allow: GET\r\n",
			    "method not allowed\n", 19);
		return;
	}
	if (route == NULL || strcmp(route, "alexa") != 0)
		core_error(&out, 404, "no such endpoint");
	else
		handle_alexa(t, req, &out);
	write_reply(req, out.status,
	    "application/json",
	    out.status == 405 ? "Allow: POST\r\n" : NULL, out.body,
	    out.body_len);
	ms = ms_since(&t0);
	if (t->core.verifier == NULL)
		log_msg(LOG_WARN, "req id=%s type=%s outcome=\"%s\" status=%d "
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

void *
fcgi_thread_main(void *arg)
{
	struct fcgi_thread *t = arg;
	struct epoll_event ev, evs[2];
	FCGX_Request req;
	int ep;

	/*
	 * listen_sock -1: libfcgi never accepts by itself, so a thread only
	 * ever blocks in epoll_wait, where the stop pipe can wake it.
	 */
	if (FCGX_InitRequest(&req, -1, 0) != 0 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		log_msg(LOG_ERROR, "thread %d: cannot start", t->id);
		return NULL;
	}
	/* EPOLLEXCLUSIVE: one connection wakes one waiter, not all. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.fd = t->listen_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, t->listen_fd, &ev) != 0)
		goto out;
	ev.events = EPOLLIN;
	ev.data.fd = t->stop_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, t->stop_fd, &ev) != 0)
		goto out;
	for (;;) {
		int n = epoll_wait(ep, evs, 2, -1), fd, stop = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++)
			stop |= evs[i].data.fd == t->stop_fd;
		if (stop)
			break;
		fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;	/* another worker took it */
		/*
		 * Hand the connection to libfcgi.  keepConnection = 1 stops
		 * FCGX_Accept_r's opening FCGX_Finish_r from closing it; the
		 * begin-request record then sets the real value.
		 */
		req.ipcFd = fd;
		req.keepConnection = 1;
		if (FCGX_Accept_r(&req) != 0)
			continue;	/* protocol error; libfcgi closed it */
		handle_request(t, &req);
		if (!req.keepConnection)
			close_fast_if_drained(&req);
		FCGX_Finish_r(&req);
		/* One request per connection (nginx default, no keep_conn). */
		if (req.ipcFd >= 0)
			FCGX_Free(&req, 1);
	}
out:
	FCGX_Free(&req, 1);
	close(ep);
	verify_thread_done();
	return NULL;
}
