/* incident_digest.h - the daily situation digest of the consultation desk
 * (R9.6): how many cases came in, are open and were resolved, by class and
 * state, how many support requests were answered, and how many topics the
 * coordination center published - for one person, by mail (folded into
 * the daily digest, notify_digest) and on the home page.
 *
 * Every number counts only what the person may see (ACL_CASE_PRED for
 * cases and the support requests on them, ACL_TOPIC_PRED for topics): a
 * case outside their scope is never counted, named or linked (R5.4).
 * There are deliberately no center-wide totals: a total over cases the
 * person cannot see would tell them such cases exist.  A coordinator sees
 * every case the center is a recipient of - always all of them - so their
 * numbers are the center's. */
#ifndef KR_INCIDENT_DIGEST_H
#define KR_INCIDENT_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"
#include "core/topic.h"

struct buf;

#define INCIDENT_DIGEST_WINDOW_MS (24LL * 3600 * 1000)
#define INCIDENT_DIGEST_CASES 10       /* new cases listed by name at most */

struct incident_digest_class {
	const char *klass;                 /* one of incident_classes */
	int64_t new_n;                     /* reported in the window */
	int64_t open_n;                    /* not resolved or closed now */
	int64_t resolved_n;                /* resolved (or closed) in the window */
};

struct incident_digest_case {
	const char *public_id, *title, *klass, *state;
	enum tlp tlp;
};

struct incident_digest {
	int64_t since, until;              /* the window [since, until), epoch ms */
	struct incident_digest_class *by_class; /* every class, R9.2 order */
	size_t n_classes;
	struct incident_digest_class total;     /* klass NULL */
	int64_t *open_by_state;            /* parallel to incident_states (0 for resolved, closed) */
	int64_t support_answered;          /* answers by agencies in the window, on visible cases */
	int64_t cc_topics;                 /* topics posted in the window by the coordination
					    * center's people that the person may read */
	struct incident_digest_case *new_cases; /* newest first, at most INCIDENT_DIGEST_CASES */
	size_t n_new_cases;
};

/* Counts for the viewer over [since, until) (open: now).  KR_EPERM for an
 * anonymous viewer, KR_EINVAL for an empty or inverted window; else KR_OK
 * or a database error.  Everything lives in c->a. */
int incident_digest_get(struct ctx *c, int64_t since, int64_t until, struct incident_digest *out);

/* Nothing to tell (every number zero). */
bool incident_digest_empty(const struct incident_digest *d);

/* Append the digest's mail section in lang ("ja"/"en"): the numbers, then
 * the new cases - GREEN/CLEAR by public id, label and title, RED/AMBER by
 * public id, label and a link only (R8.2) - and a link to the list. */
void incident_digest_mail(struct buf *b, const char *lang, const struct incident_digest *d);

#endif
