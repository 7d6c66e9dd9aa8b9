/* jobs.h - the jobs table: due work (mail to send, digests, reminders,
 * later: site checks, TAXII pulls, exercise injects) claimed by worker
 * threads with a lease, so several nodes on one database never run a job
 * twice and a crashed worker's job is picked up when its lease runs out. */
#ifndef KR_JOBS_H
#define KR_JOBS_H

#include <stdbool.h>
#include <stdint.h>
#include "core/ctx.h"

#define JOB_LEASE_MS (5LL * 60 * 1000)
#define JOB_MAX_ATTEMPTS 8

struct job {
	int64_t id;
	const char *kind;
	const char *payload;
	int attempts;
};

/* Queue a job (inside the caller's transaction, if any). */
int job_enqueue(struct ctx *c, const char *kind, const char *payload, int64_t run_at);
/* Claim the oldest due job for owner; KR_ENOTFOUND when none is due.  The
 * claim is a single conditional UPDATE re-checked under the row lock, so
 * two claimers never both win (SQLite serialises writers; PostgreSQL
 * re-evaluates the condition after waiting for the row). */
int job_claim(struct ctx *c, const char *owner, struct job *out);
/* Which jobs a worker takes.  Feed pulls ("feed_*" kinds) wait on other
 * servers for minutes; mail and digests must not queue behind them, so
 * `kairan serve` runs one worker per lane. */
enum job_lane {
	JOB_LANE_ANY = 0,   /* every kind (`kairan jobs run`) */
	JOB_LANE_FEED = 1,  /* only feed_* jobs */
	JOB_LANE_OTHER = 2, /* everything but feed_* jobs */
};
/* job_claim restricted to one lane; the same guarantees. */
int job_claim_lane(struct ctx *c, const char *owner, enum job_lane lane, struct job *out);
int job_done(struct ctx *c, int64_t id);
/* Retry later with back-off (1 min, 2, 4 ... capped at 1 h); after
 * JOB_MAX_ATTEMPTS the job is marked done with its last error. */
int job_fail(struct ctx *c, const struct job *j, const char *error);
/* Is a job of this kind and payload already pending (for schedules)? */
int job_pending(struct ctx *c, const char *kind, const char *payload, bool *yes);

#endif
