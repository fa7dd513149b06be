#ifndef FCGI_H
#define FCGI_H

#include <pthread.h>

#include "core.h"

/*
 * The FastCGI side: each thread waits on the shared listening socket
 * and on the stop pipe, accepts a connection itself, lets libfcgi read
 * the request, maps it to an HTTP status and writes the answer.
 */

struct fcgi_thread {
	int id;
	int listen_fd;
	int stop_fd;		/* readable once the worker is stopping */
	struct core core;
	pthread_t tid;
};

void *fcgi_thread_main(void *arg);

#endif
