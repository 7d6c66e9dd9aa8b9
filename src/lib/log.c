/* log.c - one line per event on stderr: "ts level message". */
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "lib/util.h"

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level lv) { min_level = lv; }

void log_msg(enum log_level lv, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	if (lv < min_level)
		return;
	char line[2048], ts[32];
	time_rfc3339(now_ms(), ts, sizeof ts);
	int n = snprintf(line, sizeof line, "ts=%s level=%s ", ts, names[lv]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

const char *kr_strerror(int rc)
{
	switch (rc) {
	case KR_OK: return "ok";
	case KR_EINVAL: return "invalid";
	case KR_ENOTFOUND: return "not_found";
	case KR_EPERM: return "forbidden";
	case KR_ECONFLICT: return "conflict";
	case KR_EBUSY: return "busy";
	case KR_ENOMEM: return "no_memory";
	case KR_EDB: return "database";
	case KR_ETOOBIG: return "too_big";
	case KR_EAUTH: return "auth";
	case KR_ELOCKED: return "locked";
	case KR_EUNAVAIL: return "unavailable";
	case KR_EIO: return "io";
	}
	return "unknown";
}
