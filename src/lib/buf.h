/* buf.h - growable byte buffer (heap-backed, owned by whoever made it).
 *
 * Used for response bodies, SQL-free text building and encoders.  The
 * contents are always NUL-terminated so b->p can be used as a C string. */
#ifndef KR_BUF_H
#define KR_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/kr.h"

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_free(struct buf *b);
void buf_reset(struct buf *b);          /* len = 0, keeps memory */
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
/* The decimal digits of v (printf's "%lld" without going through it). */
void buf_add_i64(struct buf *b, int64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) KR_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) KR_PRINTF(2, 0);
/* Hand the memory to the caller (free() it); the buffer becomes empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
