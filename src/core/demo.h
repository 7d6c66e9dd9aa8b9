/* demo.h - the deterministic demo dataset (shaped like JISP before the
 * Tokyo 2020 Games: ~330 organisations, ~1,800 people; all names fictional,
 * e-mail addresses under example domains). */
#ifndef KR_DEMO_H
#define KR_DEMO_H

#include <stddef.h>
#include "core/ctx.h"

#define DEMO_PASSWORD "kairan-demo-2020"

struct demo_stats {
	size_t orgs, people;
	size_t communities, topics, comments, views, likes; /* member-made communities */
};

/* Load into an initialised site (the coordination center "cc" exists).
 * Every demo person shares pw_hash (one Argon2id hash computed by the
 * caller), so loading takes seconds.  Then about 150 topics over
 * 2019-04 .. 2021-09 in the built-in and three member-made communities,
 * with comments, views, likes and must-read confirmations, all written
 * through the core use cases as the demo people.  Runs as one
 * transaction; the same on every run. */
int demo_load(struct ctx *c, const char *pw_hash, struct demo_stats *st);

#endif
