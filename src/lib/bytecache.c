/* bytecache.c - the process-wide byte-string cache (see bytecache.h). */
#include "lib/bytecache.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* The entry for key, if live; the caller holds bc->mu. */
static struct byte_cache_entry *find(struct byte_cache *bc, uint64_t h, const void *key, size_t key_len, int64_t now)
{
	struct byte_cache_entry *e = &bc->slots[h % BYTE_CACHE_SLOTS];
	if (!e->key || e->hash != h || e->key_len != key_len || memcmp(e->key, key, key_len) != 0)
		return NULL;
	if (bc->ttl_ms > 0 && now - e->at >= bc->ttl_ms)
		return NULL;
	return e;
}

bool byte_cache_append(struct byte_cache *bc, const void *key, size_t key_len, int64_t now, struct buf *out)
{
	uint64_t h = mem_hash64(key, key_len);
	pthread_mutex_lock(&bc->mu);
	struct byte_cache_entry *e = find(bc, h, key, key_len, now);
	if (e)
		buf_add(out, e->val, e->val_len);
	pthread_mutex_unlock(&bc->mu);
	return e != NULL;
}

const char *byte_cache_dup(struct byte_cache *bc, const void *key, size_t key_len, int64_t now, struct arena *a,
			   size_t *len)
{
	uint64_t h = mem_hash64(key, key_len);
	const char *v = NULL;
	pthread_mutex_lock(&bc->mu);
	struct byte_cache_entry *e = find(bc, h, key, key_len, now);
	if (e) {
		v = arena_memdup(a, e->val, e->val_len + 1);
		*len = e->val_len;
	}
	pthread_mutex_unlock(&bc->mu);
	return v;
}

void byte_cache_put(struct byte_cache *bc, const void *key, size_t key_len, const char *val, size_t val_len,
		    int64_t now)
{
	uint64_t h = mem_hash64(key, key_len);
	char *k = malloc(key_len ? key_len : 1), *v = malloc(val_len + 1);
	if (!k || !v) {
		free(k);
		free(v);
		return;
	}
	memcpy(k, key, key_len);
	memcpy(v, val, val_len);
	v[val_len] = 0;
	pthread_mutex_lock(&bc->mu);
	struct byte_cache_entry *e = &bc->slots[h % BYTE_CACHE_SLOTS];
	char *old_k = e->key, *old_v = e->val;
	*e = (struct byte_cache_entry){.hash = h, .key = k, .val = v, .key_len = key_len, .val_len = val_len, .at = now};
	pthread_mutex_unlock(&bc->mu);
	free(old_k);
	free(old_v);
}
