/* benchgen.h - bulk benchmark data (R17.2): millions of topics written
 * straight into the store in one transaction, for `kairan bench-gen` and
 * bench/topics.sh.  Not a use case: it bypasses the per-topic rules,
 * notifications and audit rows on purpose (a million audited topic_create
 * calls would take hours), so it refuses to run as anyone but the
 * platform itself and only on a site that already holds the demo people. */
#ifndef KR_BENCHGEN_H
#define KR_BENCHGEN_H

#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"

struct benchgen_opts {
	int64_t topics;           /* topics to add overall */
	int64_t community_topics; /* of which in `community` (<= topics) */
	const char *community;    /* slug; NULL = "rail-isac" */
	uint32_t seed;            /* 0 = a fixed default: same data every run */
	/* Called every `every` topics with the count so far (may be NULL). */
	void (*progress)(int64_t done, void *arg);
	void *progress_arg;
	int64_t every;
};

struct benchgen_stats {
	int64_t topics, in_community, manual, bytes;
	int64_t first_ms, last_ms; /* created_at range used */
};

/* Add o->topics topics spread over the site's communities and people, with
 * Japanese and English titles and bodies of varied length (so search has
 * words such as 障害, 改ざん, 攻撃, DDoS, phishing to find) and public ids
 * on days in 2010-2018 (before the demo period), continuing each day's
 * counter so later topic_create calls never collide.  System only
 * (KR_EPERM); KR_ENOTFOUND when the community or the demo people are
 * missing; KR_EINVAL for bad counts.  On error nothing is written. */
int benchgen_topics(struct ctx *c, const struct benchgen_opts *o, struct benchgen_stats *st);

/* The search benchmark's query set: n realistic keyword queries (Japanese
 * and English) drawn from the same vocabulary as the generated text. */
const char *const *benchgen_search_terms(size_t *n);

#endif
