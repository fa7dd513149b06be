/*
 * Every limit the worker enforces, in one place.  Each one bounds input
 * that comes from outside (nginx, Alexa, the profile API, the cert host,
 * the configuration file) or a resource the worker holds.
 */
#ifndef LIMITS_H
#define LIMITS_H

/*
 * Request body cap.  Real Alexa envelopes are 2-8 KiB; the largest seen
 * (display-device context, many slots) stay far below 32 KiB.  nginx's
 * client_max_body_size is generated from this value (scripts/stack).
 */
#define BODY_MAX		(64 * 1024)

/* JSON nesting limit: real envelopes nest about 12 levels. */
#define JSON_DEPTH_MAX		32
/*
 * Values (strings, numbers, objects...) in one envelope: real ones hold
 * 60-300.  Also bounds the duplicate-key check, which compares each key
 * with the keys before it in its object.
 */
#define JSON_NODES_MAX		4096

/* Any single string field we read from the envelope. */
#define FIELD_MAX		8192

/* request.requestId: Amazon's are about 60 characters. */
#define REQUEST_ID_MAX		256
/* Identifiers that may appear in logs (request id): capped and filtered. */
#define LOG_ID_MAX		100

/* Response limits from the Alexa response format (PROTOCOL.md section 4). */
#define SPEECH_MAX		8000
#define CARD_TEXT_MAX		8000
#define RESPONSE_MAX		(24 * 1024)

/* Configuration file. */
#define CONF_LINE_MAX		4096
#define CONF_FILE_MAX		(256 * 1024)
#define CONF_LIST_MAX		16
#define CONF_VALUE_MAX		1024

/*
 * The reference skill books at most this many days ahead: the spoken
 * confirmation and the SMS name the day without its year.
 */
#define BOOK_AHEAD_DAYS		365

/* Worker threads per process. */
#define THREADS_MIN		1
#define THREADS_MAX		64
#define THREADS_DEFAULT		4

/*
 * FastCGI connections one worker process keeps open for nginx.  nginx
 * keeps at most its upstream "keepalive" count idle per nginx process;
 * above this cap a connection is closed after its request.
 */
#define FCGI_CONNS_MAX		256

/*
 * Descriptors the worker keeps for itself, not for nginx's connections:
 * a few of its own, and per thread its profile, booking, SMS and
 * certificate connections.  Under a low open-files limit the cap above
 * shrinks to leave these free (never below FCGI_CONNS_MIN).
 */
#define FCGI_FDS_OWN		16
#define FCGI_FDS_PER_THREAD	12
#define FCGI_CONNS_MIN		4

/*
 * accept() failing for want of descriptors or memory: the threads pause
 * this long before trying again instead of spinning on the listen socket.
 */
#define FCGI_ACCEPT_PAUSE_MS	50

/*
 * Over FCGI_CONNS_MAX, a new connection gets this long to send its
 * request (nginx sends it right after connecting) before it is closed.
 */
#define FCGI_NEWCOMER_WAIT_MS	100

/*
 * A read or write on a FastCGI connection that makes no progress for this
 * long fails and the connection is closed.  nginx sends a whole request
 * at once (it buffers the body first), so only a stalled or broken peer
 * ever waits this long.  The limit is per system call: a local peer that
 * trickles a byte every few seconds still holds a thread while it does.
 * (Only nginx and the socket's group can connect; see SECURITY.md.)
 */
#define FCGI_IO_TIMEOUT_MS	5000

/* Graceful stop: in-flight requests get this long to finish. */
#define SHUTDOWN_GRACE_MS	5000

/* Signing-certificate chain (PROTOCOL.md section 5). */
#define CERT_URL_MAX		2048
#define CERT_CHAIN_MAX		(64 * 1024)
#define CERT_CHAIN_CERTS_MAX	8
#define CERT_CACHE_MAX		8
#define SIGNATURE_B64_MAX	2048

/* Outbound HTTP (profile API, booking backend, SMS gateway). */
#define API_BODY_MAX		(4 * 1024)
#define API_FIELDS_MAX		4
#define BACKEND_BODY_MAX	(8 * 1024)

/*
 * The profile API's answers as app/http1.c reads them: status line and
 * header fields with the blank line, field lines, one chunk-size line.
 */
#define API_HEAD_MAX		(8 * 1024)
#define API_HEAD_FIELDS_MAX	64
#define API_CHUNK_LINE_MAX	256

/*
 * Alexa waits about 8 s for an answer.  Outbound budgets in the
 * configuration are capped so that the sum stays inside that deadline.
 */
#define ALEXA_DEADLINE_MS	8000

/*
 * One request's outbound calls (cert download, profile API, booking, SMS)
 * all end within this long of its start, whatever their own timeouts add
 * up to: each later call gets only what is left.  The last second is for
 * nginx and the way back to Alexa.
 */
#define REPLY_BUDGET_MS		(ALEXA_DEADLINE_MS - 1000)

/* A booking or SMS call is not started with less than this left. */
#define BACKEND_MIN_MS		250
#define TIMEOUT_MS_MIN		100
#define TIMEOUT_MS_MAX		6000

#endif
