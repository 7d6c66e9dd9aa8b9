/* jobs.c - the leased job queue.  See jobs.h. */
#include "core/jobs.h"

#include <stdio.h>
#include <string.h>

#include "core/common.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

int job_enqueue(struct ctx *c, const char *kind, const char *payload, int64_t run_at)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO jobs (kind, payload, run_at, created_at) VALUES (?1, ?2, ?3, ?4)", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, payload ? payload : "");
	db_bind_int(st, 3, run_at);
	db_bind_int(st, 4, c->now);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

int job_claim(struct ctx *c, const char *owner, struct job *out)
{
	return job_claim_lane(c, owner, JOB_LANE_ANY, out);
}

int job_claim_lane(struct ctx *c, const char *owner, enum job_lane lane, struct job *out)
{
	memset(out, 0, sizeof *out);
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"UPDATE jobs SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1"
			" WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= ?3 AND lease_until < ?3"
			" AND (?4 = 0 OR CASE WHEN substr(kind, 1, 5) = 'feed_' THEN 1 ELSE 2 END = ?4)"
			" ORDER BY run_at, id LIMIT 1)"
			" AND done_at IS NULL AND lease_until < ?3"
			" RETURNING id, kind, payload, attempts",
			&st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, owner);
		db_bind_int(st, 2, c->now + JOB_LEASE_MS);
		db_bind_int(st, 3, c->now);
		db_bind_int(st, 4, (int64_t)lane);
		rc = db_step(st);
		if (rc == KR_ROW) {
			out->id = db_col_int(st, 0);
			out->kind = db_col_dup(st, 1, c->a);
			out->payload = db_col_dup(st, 2, c->a);
			out->attempts = (int)db_col_int(st, 3);
			rc = KR_OK;
		} else if (rc == KR_DONE) {
			rc = KR_ENOTFOUND;
		}
		db_done(st);
	}
	/* Nothing due is not a failure: commit the empty transaction. */
	int end = tx_end(c, rc == KR_ENOTFOUND ? KR_OK : rc);
	return end ? end : rc;
}

int job_done(struct ctx *c, int64_t id)
{
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "UPDATE jobs SET done_at = ?2, lease_until = 0 WHERE id = ?1", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	return tx_end(c, rc);
}

int job_fail(struct ctx *c, const struct job *j, const char *error)
{
	int64_t delay = 60000LL << (j->attempts > 6 ? 6 : j->attempts - 1);
	if (delay > 3600000)
		delay = 3600000;
	bool give_up = j->attempts >= JOB_MAX_ATTEMPTS;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"UPDATE jobs SET run_at = ?2, lease_until = 0, last_error = ?3,"
			" done_at = CASE WHEN ?4 = 1 THEN CAST(?5 AS BIGINT) ELSE NULL END WHERE id = ?1",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, j->id);
		db_bind_int(st, 2, c->now + delay);
		char e[300];
		snprintf(e, sizeof e, "%s", error ? error : "");
		while (e[0] && !utf8_valid(e, strlen(e)))
			e[strlen(e) - 1] = 0;
		db_bind_text(st, 3, e);
		db_bind_int(st, 4, give_up ? 1 : 0);
		db_bind_int(st, 5, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	return tx_end(c, rc);
}

int job_pending(struct ctx *c, const char *kind, const char *payload, bool *yes)
{
	*yes = false;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT COUNT(*) FROM jobs WHERE kind = ?1 AND payload = ?2 AND done_at IS NULL", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, payload ? payload : "");
	if ((rc = db_step(st)) == KR_ROW) {
		*yes = db_col_int(st, 0) > 0;
		rc = KR_OK;
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}
