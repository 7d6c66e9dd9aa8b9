/* viewer_cache.c - see viewer_cache.h. */
#include "core/viewer_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"

#define VC_SLOTS 1024
#define VC_TTL_MS 60000

struct vc_entry {
	uint64_t hash;
	char *key, *version;
	int64_t at, val;
};
static pthread_mutex_t vc_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vc_entry vc_slots[VC_SLOTS];


const char *vc_key(struct ctx *c, const char *what, const char *subject)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, what);
	buf_addc(&b, '|');
	buf_add_i64(&b, c->space);
	buf_addc(&b, '|');
	buf_add_i64(&b, c->who.person_id);
	buf_addc(&b, '|');
	buf_add_i64(&b, c->who.org_id);
	buf_addc(&b, '|');
	buf_adds(&b, subject ? subject : "");
	char *k = arena_strndup(c->a, b.p, b.len);
	buf_free(&b);
	return k;
}

bool vc_get(const char *key, const char *version, int64_t *val)
{
	if (!key || !version)
		return false;
	uint64_t h = str_hash64(key);
	bool hit = false;
	pthread_mutex_lock(&vc_mu);
	struct vc_entry *e = &vc_slots[h % VC_SLOTS];
	if (e->key && e->hash == h && now_ms() - e->at < VC_TTL_MS && strcmp(e->version, version) == 0 &&
	    strcmp(e->key, key) == 0) {
		*val = e->val;
		hit = true;
	}
	pthread_mutex_unlock(&vc_mu);
	return hit;
}

void vc_put(const char *key, const char *version, int64_t val)
{
	if (!key || !version)
		return;
	uint64_t h = str_hash64(key);
	char *key_copy = strdup(key), *version_copy = strdup(version);
	if (!key_copy || !version_copy) {
		free(key_copy);
		free(version_copy);
		return;
	}
	pthread_mutex_lock(&vc_mu);
	struct vc_entry *e = &vc_slots[h % VC_SLOTS];
	char *old_key = e->key, *old_version = e->version;
	*e = (struct vc_entry){.hash = h, .key = key_copy, .version = version_copy, .at = now_ms(), .val = val};
	pthread_mutex_unlock(&vc_mu);
	free(old_key);
	free(old_version);
}
