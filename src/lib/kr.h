/* kr.h - status codes and small macros shared by every Kairan module.
 *
 * Errors are values: functions return KR_OK (0) or a negative KR_E* code and
 * hand results back through out-parameters.  Nothing on a request path exits. */
#ifndef KR_H
#define KR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum kr_status {
	KR_OK = 0,
	KR_EINVAL = -1,    /* input failed validation */
	KR_ENOTFOUND = -2, /* missing, or hidden from the viewer (the same answer) */
	KR_EPERM = -3,     /* the viewer may see it but not do this */
	KR_ECONFLICT = -4, /* unique key taken, state changed under us */
	KR_EBUSY = -5,     /* database locked / try again */
	KR_ENOMEM = -6,
	KR_EDB = -7,       /* database failure (detail in the log) */
	KR_ETOOBIG = -8,   /* over a size cap */
	KR_EAUTH = -9,     /* bad credentials */
	KR_ELOCKED = -10,  /* account locked / throttled */
	KR_EUNAVAIL = -11, /* database unreachable: 503 */
	KR_EIO = -12,
};

/* Rows from db_step. */
#define KR_ROW 1
#define KR_DONE 0

#define KR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KR_UNUSED(x) ((void)(x))

/* Name of a status code, for logs. */
const char *kr_strerror(int rc);

#endif
