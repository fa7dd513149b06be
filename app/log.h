#ifndef LOG_H
#define LOG_H

/*
 * Logging to stderr, one line per event, written with a single write(2)
 * so lines from several threads and processes never interleave.
 *
 * Never pass personal data, tokens or request bodies to these functions:
 * callers log reasons, types, ids and numbers only.
 */

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copies an identifier for logging: at most LOG_ID_MAX safe characters. */
void log_sanitize_id(char *dst, size_t dstlen, const char *src);

#endif
