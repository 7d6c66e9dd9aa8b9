/* arena.c - bump allocator in chained chunks.  See arena.h. */
#include "lib/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (16 * 1024)

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t total;
};

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = malloc(sizeof(*c) + size);
	if (!c) {
		fputs("kairan: out of memory\n", stderr);
		abort();
	}
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof(*a));
	if (!a) {
		fputs("kairan: out of memory\n", stderr);
		abort();
	}
	return a;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	struct chunk *c = a->head;
	while (c) {
		struct chunk *n = c->next;
		free(c);
		c = n;
	}
	free(a);
}

size_t arena_used(const struct arena *a) { return a->total; }

void *arena_alloc_raw(struct arena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n) /* overflow */
		abort();
	struct chunk *c = a->head;
	if (!c || c->size - c->used < need) {
		/* Large requests get their own chunk, placed behind the current
		 * one so the current chunk's free space is not wasted. */
		if (need > ARENA_CHUNK / 4) {
			struct chunk *big = chunk_new(need);
			big->used = need;
			if (c) {
				big->next = c->next;
				c->next = big;
			} else {
				a->head = big;
			}
			a->total += need;
			return big->data;
		}
		c = chunk_new(ARENA_CHUNK);
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->total += need;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = arena_alloc_raw(a, n);
	memset(p, 0, n);
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
	char *d = arena_alloc_raw(a, n + 1);
	if (n)
		memcpy(d, p, n);
	d[n] = 0;
	return d;
}

void *arena_grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
	if (items && n < *cap)
		return items;
	size_t nc = *cap < 8 ? 8 : *cap * 2;
	if (nc > SIZE_MAX / size)
		abort();
	void *p = arena_alloc(a, nc * size);
	if (items && n)
		memcpy(p, items, n * size);
	*cap = nc;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	return arena_memdup(a, s, n); /* terminated */
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return arena_strdup(a, "");
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
