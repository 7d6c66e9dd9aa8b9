/* viewer_cache.h - small facts about the viewer read on every page (their
 * standing in a community, whether they moderate somewhere else), kept per
 * viewer under topic_list_version.
 *
 * Only facts computed from tables whose every write changes
 * topic_list_version in the same commit (communities, community_members,
 * people, orgs, topics, topic_shares, topic_scope, topic_reads; migration
 * 8) may be kept here: a fact stored under the version read before
 * computing it is exact while the version is unchanged, so a change shows
 * on the very next request.  Entries also expire after a minute; at most
 * VC_SLOTS, replaced by hash.  Thread-safe. */
#ifndef KR_VIEWER_CACHE_H
#define KR_VIEWER_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/ctx.h"

/* The cache key of fact `what` about `subject` for the viewer of c (space,
 * person, organisation), in c's arena. */
const char *vc_key(struct ctx *c, const char *what, const char *subject);
/* true and *val when key is stored under version. */
bool vc_get(const char *key, const char *version, int64_t *val);
void vc_put(const char *key, const char *version, int64_t val);

#endif
