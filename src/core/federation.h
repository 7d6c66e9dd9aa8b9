/* federation.h - pulling other TAXII 2.1 servers into a local collection
 * on a schedule (federation with other centers, SPEC R11.5).
 *
 * A feed names a remote collection URL ({api-root}/collections/{id}/),
 * the local collection (community slug) it fills, and the person on whose
 * behalf it is stored (they must be able to post there; their
 * organisation becomes the source organisation of what is stored).
 * Coordinators and admins manage feeds; nobody ever reads the stored
 * secret back (lists show only has_secret).
 *
 * A pull asks {url}objects/?match[version]=all&limit=N[&added_after=C]
 * and follows more/next; each page is one all-or-nothing stix_ingest, so
 * a bad page (not JSON, wrong media type, a non-200, an invalid object,
 * over the size cap) is rejected whole and recorded as the feed's
 * last_error.  A run stops after FEED_RUN_MS or FEED_MAX_PAGES pages
 * and queues the next one at once, so a backlog never outlives the job's
 * lease.  The resume point is the remote server's own
 * X-TAXII-Date-Added-Last text: after a complete run it is kept as is;
 * after each stored page of an unfinished run it is kept one microsecond
 * earlier, so objects sharing that timestamp on the next page are not
 * skipped when a failed run is resumed (they are fetched again, and a
 * version already stored is not duplicated).
 *
 * Scheduling goes through the jobs table (kind "feed_pull", payload the
 * feed id): federation_schedule() queues the next pull of each enabled
 * feed interval_s after its last run; a failed pull is retried by the
 * jobs table's back-off (job_fail). */
#ifndef KR_FEDERATION_H
#define KR_FEDERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"

struct arena;
struct job;

#define FEED_URL_MAX 2000
#define FEED_SECRET_MAX 512
#define FEED_NEXT_MAX 4096                  /* a remote's opaque paging token */
#define FEED_PAGE_BYTES (32L * 1024 * 1024) /* = STIX_MAX_DOC */
#define FEED_MAX_PAGES 10000                /* per run: a server that never ends */
#define FEED_RUN_MS (4LL * 60 * 1000)        /* per run: under JOB_LEASE_MS */
#define FEED_INTERVAL_MIN 60
#define FEED_INTERVAL_MAX (7 * 86400)
#define FEED_INTERVAL_DEFAULT 3600
#define FEED_PAGE_DEFAULT 500
#define FEED_PAGE_MAX 1000
#define FEED_CONNECT_TIMEOUT_S 10
#define FEED_REQUEST_TIMEOUT_S 120

struct feed {
	int64_t id;
	const char *name;
	const char *url;            /* normalised: ends with '/' */
	const char *collection;     /* local community slug */
	const char *owner_login;    /* the person the feed acts for */
	const char *auth_user;      /* "" = no HTTP Basic */
	bool has_secret;
	bool tls_verify;
	bool enabled;
	int interval_s, page_size;
	const char *cursor;         /* added_after to resume from ("" = from the start) */
	int64_t last_run_at, last_ok_at; /* epoch ms, 0 = never */
	const char *last_error;     /* "" after a good run */
	int64_t last_pulled, total_pulled, runs;
	int64_t created_at;
};

/* What a coordinator gives to create a feed.  secret may be NULL/"".
 * interval_s / page_size 0 take the defaults. */
struct feed_new {
	const char *name, *url, *collection;
	const char *owner_login;    /* NULL: the acting person */
	const char *auth_user, *auth_secret;
	bool tls_verify;
	bool disabled;              /* not scheduled; pulled only when asked */
	int interval_s, page_size;
};

/* ---- pure helpers (unit-tested) ---- */

/* Check and normalise a collection URL: http or https, a host, no user
 * info, query, fragment, spaces or control characters, at most
 * FEED_URL_MAX bytes; a missing final '/' is added.  NULL when bad. */
const char *feed_url_normalise(struct arena *a, const char *url);
/* The objects URL of one page: {base}objects/?match%5Bversion%5D=all&limit=N
 * then &added_after=... and &next=... when set, percent-encoded. */
const char *feed_page_url(struct arena *a, const char *base, int limit, const char *added_after,
			  const char *next);
/* The added_after to keep after a stored page whose
 * X-TAXII-Date-Added-Last is last (NULL or "" when the server sent none):
 * last itself when the run is complete (more false), else last minus one
 * microsecond (RFC 3339 UTC, microsecond precision).  Never moves the
 * cursor backwards from prev.  Returns prev when last is missing or not
 * a valid timestamp. */
const char *feed_next_cursor(struct arena *a, const char *prev, const char *last, bool more);

/* ---- use cases (coordinators and admins, or the system) ---- */

/* KR_EINVAL with *bad naming the field (name, url, collection, owner,
 * auth_user, secret, interval, page_size); KR_EPERM when the caller is
 * not a coordinator; KR_ECONFLICT when the name is taken.  The owner must
 * be able to post in the collection (else KR_EINVAL, *bad "collection").
 * Audited. */
int feed_create(struct ctx *c, const struct feed_new *in, int64_t *id_out, const char **bad);
int feed_list(struct ctx *c, struct feed **out, size_t *n);
int feed_get(struct ctx *c, int64_t id, struct feed *out);
/* What an edit changes: NULL pointers and 0 / -1 numbers keep the
 * current value.  auth_secret "" also keeps the current secret (a form
 * left blank must not erase it); clear_secret removes it. */
struct feed_edit {
	const char *name, *url, *collection, *owner_login, *auth_user, *auth_secret;
	bool clear_secret;
	int tls_verify;             /* -1 keep, 0, 1 */
	int enabled;                /* -1 keep, 0 = paused, 1 = scheduled */
	int interval_s, page_size;  /* 0 keep */
};

/* Change a feed's settings, all or nothing, checked as feed_create checks
 * them (KR_EINVAL with *bad naming the field, KR_EPERM, KR_ENOTFOUND,
 * KR_ECONFLICT for a taken name).  A new url or local collection resets
 * the resume point (added_after) to the start.  Any change cancels the
 * feed's pending (not running) pull, so the schedule is recomputed from
 * the new settings; a paused feed is then no longer scheduled.  A pull
 * running meanwhile keeps its old settings but can no longer move the
 * resume point of the changed feed.  *changed (may be NULL) says whether
 * anything differed.  Audited (never with the secret). */
int feed_update(struct ctx *c, int64_t id, const struct feed_edit *in, bool *changed, const char **bad);
/* Remove a feed (and its pending pull); what it stored stays. */
int feed_remove(struct ctx *c, int64_t id);
/* Queue a pull now (moves a pending one forward); KR_ENOTFOUND. */
int feed_pull_soon(struct ctx *c, int64_t id);

/* Pull one feed now, in the calling thread (the job runner and `kairan
 * feed pull`).  Must be called outside a transaction; each page is one.
 * The outcome is recorded in the feed's row; *pulled counts the objects
 * of the pages stored in this run.  KR_OK after a complete run; else the
 * error (KR_EUNAVAIL: the remote could not be reached or answered badly,
 * KR_EINVAL: a page was rejected), with *err (arena) saying why. */
int feed_pull(struct ctx *c, int64_t id, int64_t *pulled, const char **err);

/* Queue the next pull of every enabled feed without a pending one.
 * Called by the job worker before it claims jobs. */
int federation_schedule(struct ctx *c);
/* Run a "feed_pull" job (KR_OK, or an error for job_fail's back-off). */
int federation_run_job(struct ctx *c, const struct job *j);
/* One-time libcurl set-up (before threads start); idempotent. */
void federation_global_init(void);
/* The server is stopping: a transfer in flight aborts (its run is
 * recorded as interrupted and retried by the next start), no new page is
 * asked for, for the rest of the process.  Safe from any thread (one
 * atomic store). */
void federation_cancel(void);

/* Check a remote's answer body as a TAXII envelope (pure: no database,
 * no network; fuzzed by tests/fuzz/fuzz_feed_envelope.c).  KR_OK with
 * *more, *next (in a, when more) and *nobjs; KR_EINVAL with *err saying
 * what is wrong: not JSON, not an object, more/next/objects of the wrong
 * type, more without next, a next over FEED_NEXT_MAX. */
int feed_envelope_check(struct arena *a, const char *body, size_t len, bool *more, const char **next,
			size_t *nobjs, const char **err);

#endif
