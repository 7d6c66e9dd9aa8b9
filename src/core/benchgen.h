/* benchgen.h - bulk benchmark data (R17.2): millions of topics written
 * straight into the store in one transaction, for `kairan bench-gen` and
 * bench/topics.sh.  Not a use case: it bypasses the per-topic rules,
 * notifications and audit rows on purpose (a million audited topic_create
 * calls would take hours), so it refuses to run as anyone but the
 * platform itself and only on a site that already holds the demo people. */
#ifndef KR_BENCHGEN_H
#define KR_BENCHGEN_H

#include <stdbool.h>
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

/* ---- STIX indicators (issue 5's bench/taxii.sh) ---- */

/* Append a STIX 2.1 document of n generated indicators, serials
 * first..first+n-1, one object per line: a bundle (bundle=true) or a
 * TAXII envelope {"objects":[...]}.  Each indicator has a deterministic
 * UUID from (seed, serial), a pattern on one value (IPv4 in the
 * documentation ranges, an .example domain or URL, or a SHA-256), TLP
 * GREEN or AMBER, a confidence and a validity start: about 500 bytes,
 * shaped like what CTI feeds post.  The same (seed, serial) always gives
 * the same bytes. */
struct buf;
void benchgen_stix_doc(struct buf *out, uint32_t seed, int64_t first, int64_t n, bool bundle);

struct benchgen_stix_opts {
	int64_t indicators;     /* to add */
	int64_t chunk;          /* indicators per ingested document; 0 = 10000 */
	const char *collection; /* community slug; NULL = "rail-isac" */
	const char *login;      /* the poster, a member who may post; NULL = "rail-member" */
	uint32_t seed;          /* 0 = a fixed default */
	int64_t first;          /* first serial (continue an earlier run) */
	void (*progress)(int64_t done, void *arg);
	void *progress_arg;
};

/* Store o->indicators generated indicators in the collection through
 * stix_ingest (validation, value extraction, status and audit rows as
 * for any POST), o->chunk per document and transaction, as the person
 * o->login.  System only (KR_EPERM); KR_ENOTFOUND when the person or the
 * collection is missing.  st->topics counts the indicators stored,
 * st->bytes the documents' size.  A failed chunk stops the run (earlier
 * chunks stay). */
int benchgen_stix(struct ctx *c, const struct benchgen_stix_opts *o, struct benchgen_stats *st);

#endif
