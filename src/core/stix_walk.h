/* stix_walk.h - the keyset walk the streamed exports of the STIX store
 * share (stix.c's CSV export, stix_rules.c's rules and MISP feed): the
 * viewer's collections one after another in id order, and the values of
 * one stored object.  Internal to src/core. */
#ifndef KR_STIX_WALK_H
#define KR_STIX_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"

/* Move *cur to the viewer's next collection after *cur (only `only` when
 * it is non-zero), filling slug (slug_n bytes) and *created (may be NULL);
 * *cur becomes 0 when there is none.  KR_OK or a store error. */
int stix_walk_next_community(struct ctx *c, int64_t only, int64_t *cur, char *slug, size_t slug_n, int64_t *created);

/* One stored object as the exports walk them. */
struct stix_walk_obj {
	int64_t id, added; /* added: date_added_us */
	const char *sid, *type, *tlp;
};

/* The next objects of collection comm for the exports: the latest
 * versions the viewer may see, never TLP:RED, holding at least one value,
 * of TLP tlp (NULL: any), added before `before` (microseconds), after
 * (after_added, after_id) in (date_added_us, id) order: up to limit of
 * them into out (strings in c->a), their number in *n.  Each call is one
 * index range on (community_id, date_added_us, id). */
int stix_walk_objects(struct ctx *c, int64_t comm, int64_t after_added, int64_t after_id, int64_t before,
		      const char *tlp, int limit, struct stix_walk_obj *out, int *n);

/* Call fn with each (kind, value) of stored object object_id in (kind,
 * value) order; a negative return from fn stops the walk and is returned.
 * KR_OK, a store error or fn's error. */
int stix_walk_values(struct ctx *c, int64_t object_id, int (*fn)(void *arg, const char *kind, const char *value),
		     void *arg);

#endif
