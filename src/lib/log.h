/* log.h - structured logging: one line per event, key=value pairs, to stderr.
 * Thread-safe (one write(2) per line). */
#ifndef KR_LOG_H
#define KR_LOG_H

#include "lib/kr.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lv);
void log_msg(enum log_level lv, const char *fmt, ...) KR_PRINTF(2, 3);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
