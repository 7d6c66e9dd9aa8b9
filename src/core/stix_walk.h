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

/* Call fn with each (kind, value) of stored object object_id in (kind,
 * value) order; a negative return from fn stops the walk and is returned.
 * KR_OK, a store error or fn's error. */
int stix_walk_values(struct ctx *c, int64_t object_id, int (*fn)(void *arg, const char *kind, const char *value),
		     void *arg);

#endif
