/* stix_import.c - indicator files imported as jobs, with progress.  See
 * stix_query.h.
 *
 * The upload is kept in stix_imports until a worker runs it.  The job
 * runs as the person who uploaded it (their rights are checked again: a
 * membership may have ended meanwhile).  A bundle is checked whole first
 * (stix_check: every object, duplicates, caps), then stored in chunks
 * through stix_ingest, all chunks inside one outer transaction so an error
 * anywhere stores nothing.  While that transaction is open other
 * connections cannot see its progress (and on SQLite cannot write), so the
 * count of objects processed is published in memory for the status pages
 * this process serves; the row says "running" meanwhile and gets the final
 * counts when the transaction ends.  A CSV list goes through
 * stix_import_csv in one call (its rows become indicators there). */
#include "core/stix_query.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>

#include "core/acl.h"
#include "core/common.h"
#include "core/jobs.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

#define IMPORT_CHUNK 2000
#define MAX_ERROR_LINES 1000

/* ---- progress of the imports this process is running ---- */

#define LIVE_SLOTS 8
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int64_t id, processed, total;
} live[LIVE_SLOTS];

static void live_set(int64_t id, int64_t processed, int64_t total)
{
	pthread_mutex_lock(&live_mu);
	int slot = -1;
	for (int i = 0; i < LIVE_SLOTS; i++) {
		if (live[i].id == id) {
			slot = i;
			break;
		}
		if (slot < 0 && live[i].id == 0)
			slot = i;
	}
	if (slot >= 0) {
		live[slot].id = processed < 0 ? 0 : id;
		live[slot].processed = processed;
		live[slot].total = total;
	}
	pthread_mutex_unlock(&live_mu);
}

static bool live_get(int64_t id, int64_t *processed, int64_t *total)
{
	bool found = false;
	pthread_mutex_lock(&live_mu);
	for (int i = 0; i < LIVE_SLOTS; i++)
		if (live[i].id == id) {
			*processed = live[i].processed;
			*total = live[i].total;
			found = true;
		}
	pthread_mutex_unlock(&live_mu);
	return found;
}

/* ---- upload ---- */

static const char *new_uuid(struct arena *a)
{
	unsigned char rb[16];
	char hx[33];
	rand_bytes(rb, sizeof rb);
	rb[6] = (unsigned char)((rb[6] & 0x0f) | 0x40);
	rb[8] = (unsigned char)((rb[8] & 0x3f) | 0x80);
	hex_encode(rb, sizeof rb, hx);
	return arena_printf(a, "%.8s-%.4s-%.4s-%.4s-%.12s", hx, hx + 8, hx + 12, hx + 16, hx + 20);
}

int stix_import_start(struct ctx *c, const char *collection_slug, const char *format, const char *filename,
		      const char *doc, size_t len, const char **uuid)
{
	*uuid = NULL;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (!str_eq(format, "stix") && !str_eq(format, "csv"))
		return KR_EINVAL;
	if (!doc || len == 0 || len > STIX_MAX_DOC || !utf8_valid(doc, len) || memchr(doc, 0, len))
		return KR_EINVAL;
	struct stix_collection col;
	int rc = stix_collection_by_slug(c, collection_slug, &col);
	if (rc)
		return rc;
	if (!col.can_write)
		return KR_EPERM;
	const char *id = new_uuid(c->a);
	char fname[201];
	snprintf(fname, sizeof fname, "%s", filename && utf8_valid_text(filename, strlen(filename)) ? filename : "");
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"INSERT INTO stix_imports (uuid, space, person_id, org_id, community_id, format, filename, state,"
			" doc, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?9)",
			&st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, id);
		db_bind_int(st, 2, c->space);
		db_bind_int(st, 3, c->who.person_id);
		db_bind_int(st, 4, c->who.org_id);
		db_bind_int(st, 5, col.community_id);
		db_bind_text(st, 6, format);
		/* a name cut inside a character is cut back to whole ones */
		size_t fl = strlen(fname);
		while (fl > 0 && !utf8_valid(fname, fl))
			fl--;
		db_bind_textn(st, 7, fname, fl);
		db_bind_textn(st, 8, doc, len);
		db_bind_int(st, 9, c->now);
		rc = db_step(st);
		rc = rc == KR_DONE ? KR_OK : rc;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = job_enqueue(c, "stix_import", id, c->now);
	rc = tx_end(c, rc);
	if (rc == KR_OK)
		*uuid = id;
	return rc;
}

/* ---- the job ---- */

struct import_row {
	int64_t id, space, person_id, community_id;
	const char *state, *format, *doc, *slug;
	size_t len;
};

static int load_import(struct ctx *c, const char *uuid, struct import_row *r)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT i.id, i.space, i.person_id, i.community_id, i.state, i.format, i.doc, c.slug"
			    " FROM stix_imports i JOIN communities c ON c.id = i.community_id WHERE i.uuid = ?1",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, uuid);
	rc = db_step(st);
	if (rc == KR_ROW) {
		r->id = db_col_int(st, 0);
		r->space = db_col_int(st, 1);
		r->person_id = db_col_int(st, 2);
		r->community_id = db_col_int(st, 3);
		r->state = db_col_dup(st, 4, c->a);
		r->format = db_col_dup(st, 5, c->a);
		r->doc = db_col_null(st, 6) ? NULL : db_col_dup(st, 6, c->a);
		r->len = r->doc ? db_col_len(st, 6) : 0;
		r->slug = db_col_dup(st, 7, c->a);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

static int set_state(struct ctx *c, int64_t id, const char *state, int64_t total)
{
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "UPDATE stix_imports SET state = ?2, total_count = ?3 WHERE id = ?1", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, state);
		db_bind_int(st, 3, total);
		rc = db_step(st);
		rc = rc == KR_DONE ? KR_OK : rc;
		db_done(st);
	}
	return tx_end(c, rc);
}

static int finish(struct ctx *c, int64_t id, bool ok, int64_t total, int64_t stored, const char *errors,
		  const char *status_uuid)
{
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"UPDATE stix_imports SET state = ?2, total_count = ?3, processed_count = ?3, stored_count = ?4,"
			" errors = ?5, status_uuid = ?6, doc = NULL, finished_at = ?7 WHERE id = ?1",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, ok ? "done" : "failed");
		db_bind_int(st, 3, total);
		db_bind_int(st, 4, stored);
		db_bind_text(st, 5, errors ? errors : "");
		db_bind_text(st, 6, status_uuid);
		db_bind_int(st, 7, now_ms());
		rc = db_step(st);
		rc = rc == KR_DONE ? KR_OK : rc;
		db_done(st);
	}
	return tx_end(c, rc);
}

/* The reasons of a failed check, one per line: "objects[3] (id): why";
 * first is the index of st's first item in the whole file. */
static const char *reasons(struct arena *a, const struct stix_status *st, bool csv, size_t first)
{
	struct buf b = BUF_INIT;
	size_t lines = 0;
	if (st->error) {
		buf_adds(&b, st->error);
		buf_addc(&b, '\n');
		lines++;
	}
	for (size_t i = 0; i < st->total && lines < MAX_ERROR_LINES; i++) {
		const struct stix_item *it = &st->items[i];
		if (!it->reason)
			continue;
		if (csv)
			buf_printf(&b, "%s\n", it->reason);
		else
			buf_printf(&b, "objects[%zu]%s%s%s: %s\n", first + i, it->id ? " (" : "", it->id ? it->id : "",
				   it->id ? ")" : "", it->reason);
		lines++;
	}
	const char *s = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return s;
}

/* Store a checked bundle's objects in chunks inside one transaction. */
static int store_chunks(struct ctx *pc, const struct import_row *row, const char *doc, size_t len,
			size_t total, const char **status_uuid, const char **errors)
{
	json_error_t e;
	json_t *root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &e);
	json_t *objs = json_object_get(root, "objects");
	if (!json_is_array(objs)) {
		json_decref(root);
		*errors = "the file is not a STIX bundle";
		return KR_EINVAL;
	}
	int rc = tx_begin(pc);
	for (size_t i = 0; rc == KR_OK && i < total; i += IMPORT_CHUNK) {
		json_t *part = json_array();
		for (size_t k = i; k < total && k < i + IMPORT_CHUNK; k++)
			json_array_append(part, json_array_get(objs, k));
		json_t *env = json_pack("{s:o}", "objects", part);
		char *text = env ? json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(env);
		if (!text) {
			rc = KR_ENOMEM;
			break;
		}
		/* Each chunk's parse tree lives in an arena of its own (jread
		 * keeps it in the arena it is given): a long import stays the
		 * size of one chunk, not of every chunk together. */
		struct stix_status st;
		struct arena *job_a = pc->a;
		pc->a = arena_new();
		rc = stix_ingest(pc, row->slug, text, strlen(text), STIX_DOC_ENVELOPE, &st);
		free(text);
		if (rc == KR_EINVAL)
			*errors = reasons(job_a, &st, false, i);
		else if (rc == KR_OK)
			*status_uuid = arena_strdup(job_a, st.uuid);
		arena_free(pc->a);
		pc->a = job_a;
		size_t done = i + IMPORT_CHUNK < total ? i + IMPORT_CHUNK : total;
		live_set(row->id, (int64_t)done, (int64_t)total);
	}
	rc = tx_end(pc, rc);
	json_decref(root);
	return rc;
}

int stix_import_run_job(struct ctx *c, const struct job *j)
{
	struct import_row row;
	int rc = load_import(c, j->payload, &row);
	if (rc == KR_ENOTFOUND) {
		log_warn("msg=\"stix import not found\" uuid=%s", j->payload);
		return KR_OK;
	}
	if (rc)
		return rc;
	if (str_eq(row.state, "done") || str_eq(row.state, "failed") || !row.doc)
		return KR_OK;
	/* Act as the uploader, whose rights are checked again now. */
	struct person p;
	struct ctx pc = *c;
	pc.space = row.space;
	pc.tx_depth = 0;
	rc = person_get_by_id(c, row.person_id, &p);
	if (rc == KR_OK && !str_eq(p.status, "active"))
		rc = KR_EPERM;
	if (rc == KR_ENOTFOUND || rc == KR_EPERM)
		return finish(c, row.id, false, 0, 0, "the account that uploaded the file is no longer active", NULL);
	if (rc)
		return rc;
	memset(&pc.who, 0, sizeof pc.who);
	pc.who.person_id = p.id;
	pc.who.org_id = p.org_id;
	pc.who.role = p.role;
	pc.who.org_admin = p.org_admin;
	pc.who.login = p.login;
	pc.who.name = p.display_name;

	int64_t total = 0;
	if (str_eq(row.format, "csv")) {
		for (size_t i = 0; i < row.len; i++)
			total += row.doc[i] == '\n';
		total += row.len > 0 && row.doc[row.len - 1] != '\n';
	}
	if ((rc = set_state(c, row.id, "running", total)))
		return rc;
	live_set(row.id, 0, total);
	const char *errors = NULL, *status_uuid = NULL;
	int64_t stored = 0;
	if (str_eq(row.format, "csv")) {
		struct stix_status st;
		rc = stix_import_csv(&pc, row.slug, row.doc, row.len, &st);
		total = (int64_t)st.total;
		if (rc == KR_EINVAL)
			errors = reasons(c->a, &st, true, 0);
		else if (rc == KR_OK) {
			stored = (int64_t)st.total;
			status_uuid = st.uuid;
		}
	} else {
		struct stix_status st;
		rc = stix_check(c->a, row.doc, row.len, STIX_DOC_BUNDLE, &st);
		total = (int64_t)st.total;
		if (rc == KR_EINVAL) {
			errors = reasons(c->a, &st, false, 0);
		} else if (rc == KR_OK) {
			live_set(row.id, 0, total);
			set_state(c, row.id, "running", total);
			rc = store_chunks(&pc, &row, row.doc, row.len, st.total, &status_uuid, &errors);
			if (rc == KR_OK)
				stored = total;
		}
	}
	if (rc == KR_EPERM || rc == KR_ENOTFOUND)
		errors = "you can no longer write to this collection";
	else if (rc && rc != KR_EINVAL)
		errors = arena_printf(c->a, "the file could not be stored (%s); nothing was stored", kr_strerror(rc));
	int frc = finish(c, row.id, rc == KR_OK, total, stored, errors, status_uuid);
	/* only now: until the final counts are committed the page shows these */
	live_set(row.id, -1, 0);
	log_info("msg=\"stix import\" uuid=%s ok=%d total=%lld", j->payload, rc == KR_OK, (long long)total);
	return frc;
}

int stix_import_get(struct ctx *c, const char *uuid, struct stix_import_info *out)
{
	memset(out, 0, sizeof *out);
	if (!valid_line(uuid, 36, 36))
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT i.id, i.uuid, i.format, i.filename, i.state, c.slug, i.total_count, i.processed_count,"
			    " i.stored_count, i.errors, i.status_uuid, i.created_at, i.finished_at, c.name_ja, c.name_en"
			    " FROM stix_imports i JOIN communities c ON c.id = i.community_id"
			    " WHERE i.uuid = ?4 AND " ACL_STIX_IMPORT_PRED,
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, uuid);
	int64_t id = 0;
	rc = db_step(st);
	if (rc == KR_ROW) {
		id = db_col_int(st, 0);
		out->uuid = db_col_dup(st, 1, c->a);
		out->format = db_col_dup(st, 2, c->a);
		out->filename = db_col_dup(st, 3, c->a);
		out->state = db_col_dup(st, 4, c->a);
		out->collection_slug = db_col_dup(st, 5, c->a);
		out->total = db_col_int(st, 6);
		out->processed = db_col_int(st, 7);
		out->stored = db_col_int(st, 8);
		out->errors = db_col_dup(st, 9, c->a);
		out->status_uuid = db_col_null(st, 10) ? NULL : db_col_dup(st, 10, c->a);
		out->created_at = db_col_int(st, 11);
		out->finished_at = db_col_null(st, 12) ? 0 : db_col_int(st, 12);
		out->collection_ja = db_col_dup(st, 13, c->a);
		out->collection_en = db_col_dup(st, 14, c->a);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	if (rc == KR_OK && str_eq(out->state, "running")) {
		int64_t p, t;
		if (live_get(id, &p, &t)) {
			out->processed = p;
			if (t > out->total)
				out->total = t;
		}
	}
	return rc;
}
