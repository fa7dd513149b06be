#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>
#ifdef WITH_MIMALLOC
#include <mimalloc.h>
#endif

#include "config.h"
#include "fcgi.h"
#include "limits.h"
#include "log.h"
#include "profile.h"
#include "skill.h"
#include "timeutil.h"
#include "verify.h"

#define LISTEN_FD 0	/* FCGI_LISTENSOCK_FILENO, set up by spawn-fcgi */

static void
usage(void)
{
	fprintf(stderr, "usage: skill.fcgi [--config FILE]\n"
	    "       skill.fcgi --check-config FILE\n"
	    "       skill.fcgi --print-scopes [--config FILE]\n"
	    "Started by spawn-fcgi with the listening socket on fd 0.\n");
}

static int
load(struct config *cfg, const char *file, struct verifier **v, int check)
{
	char err[1024];

	if (config_load(cfg, file, err, sizeof(err)) != 0) {
		fprintf(stderr, "skill.fcgi: %s\n", err);
		return -1;
	}
	if (cfg->verify_signature || check) {
		*v = verifier_new(cfg, verify_fetch_curl, cfg, err, sizeof(err));
		if (*v == NULL) {
			fprintf(stderr, "skill.fcgi: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static int
is_listening_socket(int fd)
{
	struct stat st;
	int v = 0;
	socklen_t len = sizeof(v);

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

/* Waits for the threads until the grace period ends. */
static int
join_all(struct fcgi_thread *t, int n)
{
	/* pthread_timedjoin_np's deadline is on CLOCK_REALTIME. */
	struct timespec deadline = time_after_ms(CLOCK_REALTIME,
	    SHUTDOWN_GRACE_MS);
	int left = 0;

	for (int i = 0; i < n; i++)
		if (pthread_timedjoin_np(t[i].tid, NULL, &deadline) != 0)
			left++;
	return left;
}

enum mode { MODE_SERVE, MODE_CHECK, MODE_SCOPES };

/* Returns the mode, or -1 after printing the usage. */
static int
parse_args(int argc, char **argv, const char **file)
{
	int mode = MODE_SERVE;

	*file = getenv("SKILL_CONF");
	if (*file == NULL || **file == '\0')
		*file = "conf/skill.conf";
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--config") == 0 ||
		    strcmp(argv[i], "--check-config") == 0) && i + 1 < argc) {
			if (strcmp(argv[i], "--check-config") == 0)
				mode = MODE_CHECK;
			*file = argv[++i];
		} else if (strcmp(argv[i], "--print-scopes") == 0) {
			mode = MODE_SCOPES;
		} else {
			usage();
			return -1;
		}
	}
	return mode;
}

/* What skill-package/skill.json must declare for this configuration. */
static int
print_scopes(struct config *cfg, const char *file)
{
	char err[1024];
	const char *list[8];
	size_t n;

	if (config_load(cfg, file, err, sizeof(err)) != 0) {
		fprintf(stderr, "skill.fcgi: %s\n", err);
		return 2;
	}
	n = skill_scopes(cfg, list, 8);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", list[i]);
	return 0;
}

/* Starts the threads; returns how many run. */
static int
start_threads(struct fcgi_thread *threads, const struct config *cfg,
    struct verifier *verifier, struct fcgi_shared *sh)
{
	int n;

	for (n = 0; n < cfg->worker_threads; n++) {
		struct fcgi_thread *t = &threads[n];

		t->sh = sh;
		t->core.cfg = cfg;
		t->core.verifier = verifier;
		t->core.io = profile_io_new(cfg);
		if (t->core.io == NULL ||
		    pthread_create(&t->tid, NULL, fcgi_thread_main, t) != 0) {
			log_msg(LOG_ERROR, "worker: cannot start thread %d", n);
			profile_io_free(t->core.io);
			break;
		}
	}
	return n;
}

/*
 * The allocator the worker was linked with.  Naming mimalloc here also
 * keeps the link to it when the toolchain links --as-needed: its malloc
 * only replaces glibc's if the library is loaded.
 */
static const char *
allocator_name(void)
{
#ifdef WITH_MIMALLOC
	static char name[32];

	snprintf(name, sizeof(name), "mimalloc %d", mi_version());
	return name;
#else
	return "libc";
#endif
}

/*
 * Serves until SIGTERM, SIGINT or SIGQUIT, then lets the threads finish the requests
 * they hold (SHUTDOWN_GRACE_MS at most) and returns the exit status.
 */
static int
serve(const struct config *cfg, struct verifier *verifier)
{
	struct fcgi_thread *threads;
	struct fcgi_shared sh;
	int stop_pipe[2], sig = 0, started, rc = 1;
	sigset_t mask;

	/* The threads share the socket and wait in epoll, never in accept. */
	if (fcntl(LISTEN_FD, F_SETFL, fcntl(LISTEN_FD, F_GETFL) | O_NONBLOCK) != 0 ||
	    FCGX_Init() != 0 || pipe2(stop_pipe, O_CLOEXEC) != 0 ||
	    fcgi_shared_init(&sh, LISTEN_FD, stop_pipe[0],
	    cfg->worker_threads) != 0) {
		log_msg(LOG_ERROR, "worker: cannot set up: %s", strerror(errno));
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	/*
	 * Debian's multiwatch 1.0.0 sends the signal after the one -s names:
	 * SIGQUIT for "-s TERM".  A stop it passes on must stay graceful.
	 */
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((threads = calloc((size_t)cfg->worker_threads,
	    sizeof(*threads))) == NULL)
		return 1;
	started = start_threads(threads, cfg, verifier, &sh);
	if (started == cfg->worker_threads) {
		log_msg(LOG_INFO, "worker: ready, %d threads, config %s, "
		    "allocator %s", started, cfg->path, allocator_name());
		while (sigwait(&mask, &sig) == 0 && sig != SIGTERM &&
		    sig != SIGINT && sig != SIGQUIT)
			;	/* HUP/USR1: nothing to reload; config is fixed */
		log_msg(LOG_INFO, "worker: signal %d, finishing requests in "
		    "flight", sig);
		rc = 0;
	}
	/* Stop accepting: the pipe stays readable, waking every thread. */
	if (write(stop_pipe[1], "x", 1) != 1)
		rc = 1;
	if (join_all(threads, started) > 0) {
		log_msg(LOG_ERROR, "worker: requests still running after %d ms; "
		    "exiting", SHUTDOWN_GRACE_MS);
		_exit(1);
	}
	fcgi_shared_close(&sh);
	for (int i = 0; i < started; i++)
		profile_io_free(threads[i].core.io);
	free(threads);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	struct verifier *verifier = NULL;
	const char *file;
	int mode, rc;

	if ((mode = parse_args(argc, argv, &file)) < 0)
		return 2;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "skill.fcgi: curl_global_init failed\n");
		return 1;
	}
	if (mode == MODE_SCOPES)
		return print_scopes(&cfg, file);
	if (load(&cfg, file, &verifier, mode == MODE_CHECK) != 0)
		return 2;
	if (mode == MODE_CHECK) {
		if (!cfg.verify_signature)
			fprintf(stderr, "%s: WARNING: verify_signature = no: "
			    "requests would NOT be verified\n", file);
		printf("%s: ok\n", file);
		verifier_free(verifier);
		return 0;
	}
	log_set_level((enum log_level)cfg.log_level);
	if (!is_listening_socket(LISTEN_FD)) {
		fprintf(stderr, "skill.fcgi: fd 0 is not a listening socket; "
		    "start the worker with spawn-fcgi (see scripts/stack)\n");
		return 2;
	}
	/* At level error: no log_level may hide it. */
	if (!cfg.verify_signature)
		log_msg(LOG_ERROR, "WARNING: verify_signature = no in %s: requests "
		    "are NOT verified; use this only for local development",
		    cfg.path);
	rc = serve(&cfg, verifier);
	verifier_free(verifier);
	curl_global_cleanup();
	log_msg(LOG_INFO, "worker: stopped");
	return rc;
}
