#ifndef FCGI_H
#define FCGI_H

#include <pthread.h>
#include <time.h>

#include "core.h"

/*
 * The FastCGI side.  nginx keeps its connections to the worker open
 * between requests (fastcgi_keep_conn): one epoll set per process holds
 * the listening socket, the stop pipe and every kept connection, each
 * armed for one event at a time, so whichever thread is free serves the
 * next request on any connection.
 */

struct fcgi_conn;

struct fcgi_shared {
	int ep;			/* the epoll set */
	int listen_fd;
	pthread_mutex_t mu;	/* guards the list and the count */
	struct fcgi_conn *conns;	/* every open connection */
	int nconns;
	int threads;		/* for the descriptors they keep */
	time_t accept_logged;	/* CLOCK_MONOTONIC s of the last accept error */
};

struct fcgi_thread {
	struct fcgi_shared *sh;
	struct core core;
	pthread_t tid;
};

/* stop_fd: readable once the worker is stopping. */
int fcgi_shared_init(struct fcgi_shared *sh, int listen_fd, int stop_fd,
    int threads);
/* After the threads are gone: closes the connections left open. */
void fcgi_shared_close(struct fcgi_shared *sh);

void *fcgi_thread_main(void *arg);

#endif
