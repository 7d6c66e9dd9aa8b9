/* arena.h - bump allocator: one per request (or per CLI command).
 *
 * Everything allocated while serving a request lives here and is released at
 * once by arena_free() when the response has been queued.  Handlers never
 * call free().  Allocation failure aborts: the process is out of memory and a
 * half-built response is worse than a restart. */
#ifndef KR_ARENA_H
#define KR_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include "lib/kr.h"

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);
/* Bytes handed out so far (for metrics and caps). */
size_t arena_used(const struct arena *a);

void *arena_alloc(struct arena *a, size_t n);   /* 16-byte aligned, zeroed */
/* arena_alloc without the zeroing, for memory the caller fills at once
 * (copies of rows and strings). */
void *arena_alloc_raw(struct arena *a, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* An array that grows as it fills: returns items when item n fits in its
 * *cap, else a copy with twice the room (at least 8 items; *cap updated;
 * the new room zeroed).  Lists that may hold hundreds of rows but
 * usually hold a few then cost a few rows, not the maximum. */
void *arena_grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size);
char *arena_strdup(struct arena *a, const char *s);   /* NULL -> NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) KR_PRINTF(2, 3);
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) KR_PRINTF(2, 0);

#endif
