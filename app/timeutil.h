#ifndef TIMEUTIL_H
#define TIMEUTIL_H

#include <time.h>

/* Now on clock c, plus ms milliseconds: a deadline. */
static inline struct timespec
time_after_ms(clockid_t c, long ms)
{
	struct timespec t;

	clock_gettime(c, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* Milliseconds from now to t on CLOCK_MONOTONIC: negative once t is past. */
static inline long
ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 +
	    (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* The earlier of a and b. */
static inline struct timespec
time_earlier(struct timespec a, struct timespec b)
{
	if (a.tv_sec != b.tv_sec)
		return a.tv_sec < b.tv_sec ? a : b;
	return a.tv_nsec <= b.tv_nsec ? a : b;
}

/* Milliseconds since t on CLOCK_MONOTONIC. */
static inline long
ms_since(const struct timespec *t)
{
	return -ms_until(t);
}

#endif
