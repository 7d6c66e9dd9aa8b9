/* bytecache.h - a small process-wide cache of byte strings by key, for
 * output that depends only on its key (rendered Markdown, a cached list
 * page's rows or JSON).  BYTE_CACHE_SLOTS entries, a slot chosen by the
 * key's hash and replaced by the next key hashing there; optionally
 * entries expire after ttl_ms.  Thread-safe; values are copied in and
 * out, so nothing returned points into the cache. */
#ifndef KR_BYTECACHE_H
#define KR_BYTECACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/buf.h"

#define BYTE_CACHE_SLOTS 256

struct byte_cache_entry {
	uint64_t hash;
	char *key, *val; /* malloc'd; val NUL-terminated */
	size_t key_len, val_len;
	int64_t at;
};

struct byte_cache {
	pthread_mutex_t mu;
	int64_t ttl_ms; /* 0: entries never expire */
	struct byte_cache_entry slots[BYTE_CACHE_SLOTS];
};
#define BYTE_CACHE_INIT(TTL_MS) {.mu = PTHREAD_MUTEX_INITIALIZER, .ttl_ms = (TTL_MS)}

/* The value kept for key (compared byte for byte), appended to out:
 * true on a hit, false (out untouched) on a miss or an expired entry. */
bool byte_cache_append(struct byte_cache *bc, const void *key, size_t key_len, int64_t now, struct buf *out);
/* As byte_cache_append, the value copied into a (NUL-terminated) instead:
 * NULL on a miss. */
const char *byte_cache_dup(struct byte_cache *bc, const void *key, size_t key_len, int64_t now, struct arena *a,
			   size_t *len);
/* Keep a copy of val under key (replacing the slot's entry); out of
 * memory simply keeps nothing. */
void byte_cache_put(struct byte_cache *bc, const void *key, size_t key_len, const char *val, size_t val_len,
		    int64_t now);

#endif
