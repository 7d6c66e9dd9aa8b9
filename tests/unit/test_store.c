/* test_store.c - the store interface (src/store/db.h) on every engine.
 *
 * The same tests run against SQLite (a fresh temporary file) and, when
 * KAIRAN_TEST_PG_URL is set, against PostgreSQL on a fresh `public` schema
 * (dropped and recreated first, so point it at a throwaway database such as
 * the one scripts/pg-cluster.sh makes).  A few tests only make sense on one
 * engine (reconnect after the server closes the session, backup). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/log.h"
#include "store/db.h"
#include "store/db_engine.h"

struct env {
	const char *url;
	char path[64]; /* SQLite file, "" for PostgreSQL */
	struct db *db;
};

static bool is_pg(struct db *db)
{
	return strcmp(db_engine(db), "postgres") == 0;
}

/* Count rows of the scratch table with key prefix. */
static int64_t count_vals(struct db *db, const char *prefix)
{
	struct db_stmt *st;
	int64_t n = -1;
	assert_int_equal(db_prepare(db, "SELECT COUNT(*) FROM t_vals WHERE k LIKE ?1 || '%'", &st), KR_OK);
	db_bind_text(st, 1, prefix);
	if (db_step(st) == KR_ROW)
		n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static int put_val(struct db *db, const char *k, int64_t i)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "INSERT INTO t_vals (k, i) VALUES (?1, ?2)", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, k);
	db_bind_int(st, 2, i);
	rc = db_step(st);
	db_done(st);
	return rc;
}

static int64_t make_org(struct db *db, const char *slug)
{
	struct db_stmt *st;
	int64_t id = -1;
	assert_int_equal(db_prepare(db,
	                            "INSERT INTO orgs (slug, name_ja, name_en, kind, created_at, updated_at)"
	                            " VALUES (?1, ?2, ?1, 'member', ?3, ?3) RETURNING id",
	                            &st),
	                 KR_OK);
	db_bind_text(st, 1, slug);
	db_bind_text(st, 2, "組織");
	db_bind_int(st, 3, 1700000000000);
	int rc = db_step(st);
	if (rc == KR_ROW)
		id = db_col_int(st, 0);
	else
		id = rc;
	db_done(st);
	return id;
}

static int setup(void **state, const char *url)
{
	struct env *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	if (!url) {
		snprintf(e->path, sizeof(e->path), "/tmp/kairan-test-store-%d.db", (int)getpid());
		unlink(e->path);
		e->url = e->path;
	} else {
		e->url = url;
	}
	if (db_open(e->url, &e->db) != KR_OK) {
		fprintf(stderr, "cannot open %s\n", e->url);
		free(e);
		return -1;
	}
	if (url && db_exec(e->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public") != KR_OK) {
		db_close(e->db);
		free(e);
		return -1;
	}
	if (db_migrate(e->db) != KR_OK)
		return -1;
	int rc;
	if (is_pg(e->db))
		rc = db_exec(e->db, "CREATE TABLE t_vals (k TEXT PRIMARY KEY, i BIGINT, t TEXT, b BYTEA)");
	else
		rc = db_exec(e->db, "CREATE TABLE t_vals (k TEXT PRIMARY KEY, i BIGINT, t TEXT, b BLOB)");
	if (rc)
		return -1;
	db_set_url(e->url);
	*state = e;
	return 0;
}

static int setup_sqlite(void **state)
{
	return setup(state, NULL);
}
static int setup_pg(void **state)
{
	return setup(state, getenv("KAIRAN_TEST_PG_URL"));
}

static int teardown(void **state)
{
	struct env *e = *state;
	db_thread_close();
	db_close(e->db);
	if (e->path[0]) {
		char p[80];
		unlink(e->path);
		snprintf(p, sizeof(p), "%s-wal", e->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", e->path);
		unlink(p);
	}
	free(e);
	return 0;
}

static struct db *DB(void **state)
{
	return ((struct env *)*state)->db;
}

static void test_migrate(void **state)
{
	struct db *db = DB(state);
	int v = -1;
	int want = db_migrations[db_nmigrations - 1].version;
	assert_int_equal(db_schema_version(db, &v), KR_OK);
	assert_int_equal(v, want);
	/* Applying again changes nothing. */
	assert_int_equal(db_migrate(db), KR_OK);
	assert_int_equal(db_schema_version(db, &v), KR_OK);
	assert_int_equal(v, want);
	struct db_stmt *st;
	assert_int_equal(db_prepare(db, "SELECT COUNT(*), MIN(applied_at) FROM schema_migrations", &st),
	                 KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), (int64_t)db_nmigrations);
	assert_true(db_col_int(st, 1) > 1600000000000);
	db_done(st);
	/* A migration missing below the highest recorded one (numbers added
	 * out of order by parallel branches) is still applied. */
	assert_int_equal(db_exec(db, "DROP TABLE taxii_feeds"), KR_OK);
	assert_int_equal(db_exec(db, "DELETE FROM schema_migrations WHERE version = 7"), KR_OK);
	assert_int_equal(db_migrate(db), KR_OK);
	assert_int_equal(db_prepare(db, "SELECT COUNT(*) FROM taxii_feeds", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), 0);
	db_done(st);
	assert_int_equal(db_prepare(db, "SELECT COUNT(*) FROM schema_migrations", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), (int64_t)db_nmigrations);
	db_done(st);
	if (is_pg(db)) {
		/* Session settings survive the migration's lifted timeout. */
		assert_int_equal(db_prepare(db,
		                            "SELECT current_setting('statement_timeout'), current_setting('TimeZone'),"
		                            " current_setting('client_encoding')",
		                            &st),
		                 KR_OK);
		assert_int_equal(db_step(st), KR_ROW);
		assert_string_equal(db_col_text(st, 0), "30s");
		assert_string_equal(db_col_text(st, 1), "UTC");
		assert_string_equal(db_col_text(st, 2), "UTF8");
		db_done(st);
	}
}

static void test_insert_returning(void **state)
{
	struct db *db = DB(state);
	int64_t a = make_org(db, "ret-a");
	int64_t b = make_org(db, "ret-b");
	assert_true(a > 0);
	assert_true(b > a);
	struct db_stmt *st;
	assert_int_equal(db_prepare(db, "SELECT slug, name_ja, status FROM orgs WHERE id = ?1", &st), KR_OK);
	db_bind_int(st, 1, b);
	assert_int_equal(db_step(st), KR_ROW);
	assert_string_equal(db_col_text(st, 0), "ret-b");
	assert_string_equal(db_col_text(st, 1), "組織");
	assert_string_equal(db_col_text(st, 2), "active"); /* column default */
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
}

static void test_on_conflict(void **state)
{
	struct db *db = DB(state);
	struct db_stmt *st;
	for (int64_t want = 1; want <= 3; want++) {
		assert_int_equal(
		    db_prepare(db,
		               "INSERT INTO throttle (key, hits, window_start) VALUES (?1, 1, ?2)"
		               " ON CONFLICT (key) DO UPDATE SET hits = throttle.hits + 1"
		               " RETURNING hits",
		               &st),
		    KR_OK);
		db_bind_text(st, 1, "ip:192.0.2.1");
		db_bind_int(st, 2, 5);
		assert_int_equal(db_step(st), KR_ROW);
		assert_int_equal(db_col_int(st, 0), want);
		db_done(st);
	}
	assert_true(make_org(db, "conf-a") > 0);
	assert_int_equal(
	    db_prepare(db,
	               "INSERT INTO orgs (slug, name_ja, name_en, kind, created_at, updated_at)"
	               " VALUES (?1, 'x', 'x', 'member', 0, 0) ON CONFLICT (slug) DO NOTHING RETURNING id",
	               &st),
	    KR_OK);
	db_bind_text(st, 1, "conf-a");
	assert_int_equal(db_step(st), KR_DONE); /* nothing inserted, no row */
	assert_int_equal(db_changes(st), 0);
	db_done(st);
}

static void test_unique_violation(void **state)
{
	struct db *db = DB(state);
	assert_true(make_org(db, "uniq") > 0);
	assert_int_equal(make_org(db, "uniq"), KR_ECONFLICT);
	/* The statement is usable again after the failure. */
	assert_true(make_org(db, "uniq-2") > 0);
	assert_int_equal(put_val(db, "uv:1", 1), KR_DONE);
	assert_int_equal(put_val(db, "uv:1", 2), KR_ECONFLICT);
}

static void test_fk_violation(void **state)
{
	struct db *db = DB(state);
	struct db_stmt *st;
	int64_t org = make_org(db, "fk-org");
	assert_true(org > 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    db_prepare(
		        db,
		        "INSERT INTO people (org_id, login, email, display_name, created_at, updated_at)"
		        " VALUES (?1, ?2, ?3, 'P', 0, 0)",
		        &st),
		    KR_OK);
		db_bind_int(st, 1, i == 0 ? org : org + 100000);
		db_bind_text(st, 2, i == 0 ? "fk-ok" : "fk-bad");
		db_bind_text(st, 3, i == 0 ? "ok@example.org" : "bad@example.org");
		assert_int_equal(db_step(st), i == 0 ? KR_DONE : KR_ECONFLICT);
		db_done(st);
	}
}

static void test_text_roundtrip(void **state)
{
	struct db *db = DB(state);
	struct arena *a = arena_new();
	const char *s = "障害対応 🛡️ «ok» \"q\" 'x' \\ ?1 $1";
	struct db_stmt *st;
	assert_int_equal(db_prepare(db, "INSERT INTO t_vals (k, t) VALUES (?1, ?2)", &st), KR_OK);
	db_bind_text(st, 1, "txt:1");
	db_bind_text(st, 2, s);
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
	assert_int_equal(db_prepare(db, "INSERT INTO t_vals (k, t) VALUES (?1, ?2)", &st), KR_OK);
	db_bind_text(st, 1, "txt:2");
	db_bind_textn(st, 2, "🙂abc", 4 + 2); /* the emoji and "ab" */
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
	assert_int_equal(db_prepare(db, "INSERT INTO t_vals (k, t, i) VALUES (?1, ?2, ?3)", &st), KR_OK);
	db_bind_text(st, 1, "txt:3");
	db_bind_text(st, 2, NULL);
	db_bind_null(st, 3);
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
	assert_int_equal(db_prepare(db, "INSERT INTO t_vals (k, t) VALUES (?1, '')", &st), KR_OK);
	db_bind_text(st, 1, "txt:4");
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);

	assert_int_equal(db_prepare(db, "SELECT k, t, i FROM t_vals WHERE k LIKE 'txt:%' ORDER BY k", &st),
	                 KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_string_equal(db_col_text(st, 1), s);
	assert_int_equal(db_col_len(st, 1), strlen(s));
	assert_string_equal(db_col_dup(st, 1, a), s);
	assert_true(db_col_null(st, 2));
	assert_int_equal(db_step(st), KR_ROW);
	assert_string_equal(db_col_text(st, 1), "🙂ab");
	assert_int_equal(db_step(st), KR_ROW);
	assert_true(db_col_null(st, 1));
	assert_true(db_col_null(st, 2));
	assert_string_equal(db_col_text(st, 1), "");
	assert_null(db_col_dup(st, 1, a));
	assert_int_equal(db_col_int(st, 2), 0);
	assert_int_equal(db_step(st), KR_ROW);
	assert_false(db_col_null(st, 1)); /* '' is not NULL on either engine */
	assert_string_equal(db_col_dup(st, 1, a), "");
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
	/* A Japanese search term finds the row. */
	assert_int_equal(db_prepare(db, "SELECT k FROM t_vals WHERE t LIKE '%' || ?1 || '%'", &st), KR_OK);
	db_bind_text(st, 1, "障害");
	assert_int_equal(db_step(st), KR_ROW);
	assert_string_equal(db_col_text(st, 0), "txt:1");
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
	arena_free(a);
}

static void test_int_extremes(void **state)
{
	struct db *db = DB(state);
	const int64_t v[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT32_MAX + (int64_t)1, INT64_MAX};
	char k[32];
	for (size_t i = 0; i < KR_ARRAY_LEN(v); i++) {
		snprintf(k, sizeof(k), "int:%zu", i);
		assert_int_equal(put_val(db, k, v[i]), KR_DONE);
	}
	struct db_stmt *st;
	assert_int_equal(db_prepare(db, "SELECT i, i = ?1 FROM t_vals WHERE k = ?2", &st), KR_OK);
	for (size_t i = 0; i < KR_ARRAY_LEN(v); i++) {
		snprintf(k, sizeof(k), "int:%zu", i);
		db_bind_int(st, 1, v[i]);
		db_bind_text(st, 2, k);
		assert_int_equal(db_step(st), KR_ROW);
		assert_true(db_col_int(st, 0) == v[i]);
		/* A comparison reads as 1/0 on both engines (PostgreSQL says t/f). */
		assert_int_equal(db_col_int(st, 1), 1);
		db_done(st);
		assert_int_equal(db_prepare(db, "SELECT i, i = ?1 FROM t_vals WHERE k = ?2", &st), KR_OK);
	}
	db_bind_int(st, 1, 7);
	db_bind_text(st, 2, "int:0");
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 1), 0);
	db_done(st);
}

static void test_blob(void **state)
{
	struct db *db = DB(state);
	unsigned char all[256 + 3];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	all[256] = 0xff;
	all[257] = 0;
	all[258] = 0xff;
	struct db_stmt *st;
	assert_int_equal(db_prepare(db, "INSERT INTO t_vals (k, b) VALUES (?1, ?2)", &st), KR_OK);
	db_bind_text(st, 1, "blob:1");
	db_bind_blob(st, 2, all, sizeof(all));
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
	assert_int_equal(db_prepare(db, "INSERT INTO t_vals (k, b) VALUES (?1, ?2)", &st), KR_OK);
	db_bind_text(st, 1, "blob:2");
	db_bind_blob(st, 2, NULL, 0);
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
	assert_int_equal(db_prepare(db, "SELECT b, length(b) FROM t_vals WHERE k = ?1", &st), KR_OK);
	db_bind_text(st, 1, "blob:1");
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_len(st, 0), sizeof(all));
	assert_memory_equal(db_col_blob(st, 0), all, sizeof(all));
	assert_int_equal(db_col_int(st, 1), sizeof(all));
	db_done(st);
	assert_int_equal(db_prepare(db, "SELECT b, length(b) FROM t_vals WHERE k = ?1", &st), KR_OK);
	db_bind_text(st, 1, "blob:2");
	assert_int_equal(db_step(st), KR_ROW);
	assert_false(db_col_null(st, 0));
	assert_int_equal(db_col_len(st, 0), 0);
	assert_int_equal(db_col_int(st, 1), 0);
	db_done(st);
	/* Blob bound as a parameter in a comparison. */
	assert_int_equal(db_prepare(db, "SELECT k FROM t_vals WHERE b = ?1", &st), KR_OK);
	db_bind_blob(st, 1, all, sizeof(all));
	assert_int_equal(db_step(st), KR_ROW);
	assert_string_equal(db_col_text(st, 0), "blob:1");
	db_done(st);
}

static void test_tx(void **state)
{
	struct db *db = DB(state);
	assert_false(db_in_tx(db));
	db_rollback(db); /* safe with none open */
	assert_int_equal(db_begin(db), KR_OK);
	assert_true(db_in_tx(db));
	assert_int_equal(db_begin(db), KR_EINVAL);
	assert_int_equal(db_begin_read(db), KR_EINVAL);
	assert_int_equal(put_val(db, "tx:1", 1), KR_DONE);
	assert_int_equal(put_val(db, "tx:2", 2), KR_DONE);
	assert_int_equal(count_vals(db, "tx:"), 2);
	db_rollback(db);
	assert_false(db_in_tx(db));
	assert_int_equal(count_vals(db, "tx:"), 0);
	assert_int_equal(db_commit(db), KR_EINVAL);

	assert_int_equal(db_begin(db), KR_OK);
	assert_int_equal(put_val(db, "tx:3", 3), KR_DONE);
	assert_int_equal(db_commit(db), KR_OK);
	assert_false(db_in_tx(db));
	assert_int_equal(count_vals(db, "tx:"), 1);

	/* A failed statement inside a transaction, then rollback: nothing kept. */
	assert_int_equal(db_begin(db), KR_OK);
	assert_int_equal(put_val(db, "tx:4", 4), KR_DONE);
	assert_int_equal(put_val(db, "tx:3", 3), KR_ECONFLICT);
	db_rollback(db);
	assert_int_equal(count_vals(db, "tx:"), 1);
}

/* PostgreSQL aborts the whole transaction on an error; COMMIT then rolls
 * back, and db_commit must say so instead of reporting success. */
static void test_commit_after_error_pg(void **state)
{
	struct db *db = DB(state);
	if (!is_pg(db))
		skip();
	assert_int_equal(db_begin(db), KR_OK);
	assert_int_equal(put_val(db, "txe:1", 1), KR_DONE);
	assert_int_equal(put_val(db, "txe:1", 1), KR_ECONFLICT);
	assert_int_equal(put_val(db, "txe:2", 1), KR_EDB); /* transaction is aborted */
	assert_int_not_equal(db_commit(db), KR_OK);
	assert_false(db_in_tx(db));
	assert_int_equal(count_vals(db, "txe:"), 0);
}

/* A row lock held by another transaction past lock_timeout: KR_EBUSY. */
static void test_busy_pg(void **state)
{
	struct env *e = *state;
	if (!is_pg(e->db))
		skip();
	struct db *db = e->db, *other;
	assert_int_equal(put_val(db, "busy:1", 1), KR_DONE);
	assert_int_equal(db_open(e->url, &other), KR_OK);
	assert_int_equal(db_exec(other, "SET lock_timeout = '100ms'"), KR_OK);
	assert_int_equal(db_begin(db), KR_OK);
	struct db_stmt *st;
	assert_int_equal(db_prepare(db, "UPDATE t_vals SET i = i + 1 WHERE k = ?1", &st), KR_OK);
	db_bind_text(st, 1, "busy:1");
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
	assert_int_equal(db_begin(other), KR_OK);
	assert_int_equal(db_prepare(other, "UPDATE t_vals SET i = i + 1 WHERE k = ?1", &st), KR_OK);
	db_bind_text(st, 1, "busy:1");
	assert_int_equal(db_step(st), KR_EBUSY);
	db_done(st);
	db_rollback(other);
	assert_int_equal(db_commit(db), KR_OK);
	db_close(other);
}

static int64_t cache_size(struct db *db)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(db, "PRAGMA cache_size", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	int64_t v = db_col_int(st, 0);
	db_done(st);
	return v;
}

static void test_read_tx(void **state)
{
	struct env *e = *state;
	struct db *db = e->db, *other = NULL;
	assert_int_equal(db_open(e->url, &other), KR_OK);
	assert_int_equal(put_val(db, "rd:1", 1), KR_DONE);
	assert_int_equal(db_read_snapshot(db), 0);
	assert_int_equal(db_begin_read(db), KR_OK);
	/* Each read snapshot has its own id, none outside one or in a write
	 * transaction (what is kept per snapshot must not outlive it). */
	uint64_t snap = db_read_snapshot(db);
	assert_true(snap != 0);
	db_rollback(db);
	assert_int_equal(db_read_snapshot(db), 0);
	assert_int_equal(db_begin(db), KR_OK);
	assert_int_equal(db_read_snapshot(db), 0);
	db_rollback(db);
	assert_int_equal(db_begin_read(db), KR_OK);
	assert_true(db_read_snapshot(db) != 0 && db_read_snapshot(db) != snap);
	assert_int_equal(count_vals(db, "rd:"), 1);
	/* A write committed elsewhere is invisible inside the snapshot... */
	assert_int_equal(put_val(other, "rd:2", 2), KR_DONE);
	assert_int_equal(count_vals(db, "rd:"), 1);
	if (is_pg(db)) /* ...and the read transaction may not write. */
		assert_int_equal(put_val(db, "rd:3", 3), KR_EDB);
	assert_int_equal(db_commit(db), is_pg(db) ? KR_EDB : KR_OK);
	/* ...and visible after it. */
	assert_int_equal(count_vals(db, "rd:"), 2);
	db_close(other);
	if (is_pg(db))
		return;
	/* SQLite: a write transaction gets the large page cache (a big POST
	 * must not spill mid-transaction), a read snapshot keeps the small
	 * one, and the size drops back when the writer ends either way. */
	assert_int_equal(cache_size(db), -16000);
	assert_int_equal(db_begin(db), KR_OK);
	assert_int_equal(cache_size(db), -262144);
	assert_int_equal(db_commit(db), KR_OK);
	assert_int_equal(cache_size(db), -16000);
	assert_int_equal(db_begin(db), KR_OK);
	db_rollback(db);
	assert_int_equal(cache_size(db), -16000);
	assert_int_equal(db_begin_read(db), KR_OK);
	assert_int_equal(cache_size(db), -16000);
	db_rollback(db);
}

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) ? -1 : (int64_t)sb.st_size;
}

/* kairan serve's checkpointer (db_background_start): a connection opened
 * after it started leaves checkpoints to the thread, which copies a large
 * commit's WAL pages into the database file; nothing is lost across its
 * stop.  Fails if the connections kept checkpointing themselves (the
 * thread's count stays put) or the thread never ran (the file stays
 * small). */
static void test_background_checkpoint(void **state)
{
	struct env *e = *state;
	if (is_pg(e->db)) { /* PostgreSQL checkpoints on its own: a no-op */
		assert_int_equal(db_background_start(e->url), KR_OK);
		db_background_stop();
		return;
	}
	uint64_t runs = db_background_checkpoints();
	assert_int_equal(db_background_start(e->url), KR_OK);
	struct db *w = NULL;
	assert_int_equal(db_open(e->url, &w), KR_OK);
	int64_t size0 = file_size(e->path);
	char *text = malloc(4001);
	assert_non_null(text);
	memset(text, 'x', 4000);
	text[4000] = 0;
	assert_int_equal(db_begin(w), KR_OK);
	for (int i = 0; i < 3000; i++) {
		char k[32];
		snprintf(k, sizeof k, "bg:%d", i);
		struct db_stmt *st;
		assert_int_equal(db_prepare(w, "INSERT INTO t_vals (k, i, t) VALUES (?1, ?2, ?3)", &st), KR_OK);
		db_bind_text(st, 1, k);
		db_bind_int(st, 2, i);
		db_bind_text(st, 3, text);
		assert_int_equal(db_step(st), KR_DONE);
		db_done(st);
	}
	assert_int_equal(db_commit(w), KR_OK);
	free(text);
	/* 3000 rows of 4 KB: > 1000 WAL pages, so the thread is told. */
	for (int i = 0; i < 1000 && (db_background_checkpoints() == runs || file_size(e->path) < size0 + 10000000);
	     i++)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	assert_true(db_background_checkpoints() > runs);
	assert_true(file_size(e->path) >= size0 + 10000000);
	db_close(w);
	db_background_stop();
	assert_int_equal(count_vals(e->db, "bg:"), 3000);
}

static void *writer_thread(void *arg)
{
	atomic_int *got = arg;
	struct db *w = db_writer_lock();
	atomic_store(got, w ? 1 : 2);
	db_writer_unlock(w);
	return NULL;
}

/* The shared writer: one connection, held by one thread at a time, whose
 * page cache stays write-sized after a commit (the workers' own drop
 * back, test_read_tx); none on PostgreSQL. */
static void test_writer(void **state)
{
	struct env *e = *state;
	struct db *w = db_writer_lock();
	if (is_pg(e->db)) {
		assert_null(w);
		return;
	}
	assert_non_null(w);
	assert_true(w != e->db);
	assert_int_equal(cache_size(w), -262144);
	assert_int_equal(db_begin(w), KR_OK);
	assert_int_equal(put_val(w, "wr:1", 1), KR_DONE);
	assert_int_equal(db_commit(w), KR_OK);
	assert_int_equal(cache_size(w), -262144);
	assert_int_equal(count_vals(e->db, "wr:"), 1);
	/* another thread waits for it */
	atomic_int got = 0;
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer_thread, &got), 0);
	nanosleep(&(struct timespec){0, 100000000}, NULL);
	assert_int_equal(atomic_load(&got), 0);
	db_writer_unlock(w);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load(&got), 1);
	/* the same connection the next time, until closed */
	struct db *again = db_writer_lock();
	assert_ptr_equal(again, w);
	db_writer_unlock(again);
	db_writer_close();
}

/* One literal, one address: the helper's statement is the cache key. */
static int list_by_prefix(struct db *db, const char *prefix, struct db_stmt **out)
{
	int rc = db_prepare(db, "SELECT k, i FROM t_vals WHERE k LIKE ?1 || '%' ORDER BY k", out);
	if (rc == KR_OK)
		db_bind_text(*out, 1, prefix);
	return rc;
}

static void test_stmt_cache(void **state)
{
	struct db *db = DB(state);
	assert_int_equal(put_val(db, "sc:a", 1), KR_DONE);
	assert_int_equal(put_val(db, "sc:b", 2), KR_DONE);
	assert_int_equal(put_val(db, "sc:c", 3), KR_DONE);
	struct db_stmt *s1, *s2;
	assert_int_equal(list_by_prefix(db, "sc:", &s1), KR_OK);
	db_done(s1);
	assert_int_equal(list_by_prefix(db, "sc:", &s2), KR_OK);
	assert_ptr_equal(s1, s2); /* reused from the cache */
	db_done(s2);

	/* Nested: the same SQL again while the outer loop still steps. */
	assert_int_equal(list_by_prefix(db, "sc:", &s1), KR_OK);
	int outer = 0;
	int64_t sum = 0;
	while (db_step(s1) == KR_ROW) {
		outer++;
		char pre[16];
		snprintf(pre, sizeof(pre), "%s", db_col_text(s1, 0));
		assert_int_equal(list_by_prefix(db, pre, &s2), KR_OK);
		assert_ptr_not_equal(s1, s2);
		assert_int_equal(db_step(s2), KR_ROW);
		assert_string_equal(db_col_text(s2, 0), pre);
		sum += db_col_int(s2, 1);
		assert_int_equal(db_step(s2), KR_DONE);
		db_done(s2);
		/* The outer row is still readable after the inner query. */
		assert_string_equal(db_col_text(s1, 0), pre);
	}
	db_done(s1);
	assert_int_equal(outer, 3);
	assert_int_equal(sum, 6);
	/* Both copies are back in the cache: two in use at once again. */
	assert_int_equal(list_by_prefix(db, "sc:", &s1), KR_OK);
	assert_int_equal(list_by_prefix(db, "sc:", &s2), KR_OK);
	assert_ptr_not_equal(s1, s2);
	db_done(s1);
	db_done(s2);
	/* Released mid-loop: the next use starts over with fresh bindings. */
	assert_int_equal(list_by_prefix(db, "sc:", &s1), KR_OK);
	assert_int_equal(db_step(s1), KR_ROW);
	db_done(s1);
	assert_int_equal(list_by_prefix(db, "sc:b", &s1), KR_OK);
	assert_int_equal(db_step(s1), KR_ROW);
	assert_string_equal(db_col_text(s1, 0), "sc:b");
	assert_int_equal(db_step(s1), KR_DONE);
	db_done(s1);
	db_done(NULL);
}

static void test_changes(void **state)
{
	struct db *db = DB(state);
	for (int i = 0; i < 5; i++) {
		char k[16];
		snprintf(k, sizeof(k), "ch:%d", i);
		assert_int_equal(put_val(db, k, i), KR_DONE);
	}
	struct db_stmt *st;
	assert_int_equal(db_prepare(db, "UPDATE t_vals SET i = i + 10 WHERE k LIKE 'ch:%' AND i >= ?1", &st),
	                 KR_OK);
	db_bind_int(st, 1, 2);
	assert_int_equal(db_step(st), KR_DONE);
	assert_int_equal(db_changes(st), 3);
	db_done(st);
	assert_int_equal(db_prepare(db, "DELETE FROM t_vals WHERE k LIKE 'ch:%' AND i < ?1", &st), KR_OK);
	db_bind_int(st, 1, 10);
	assert_int_equal(db_step(st), KR_DONE);
	assert_int_equal(db_changes(st), 2);
	db_done(st);
	assert_int_equal(db_prepare(db, "DELETE FROM t_vals WHERE k = 'nothing'", &st), KR_OK);
	assert_int_equal(db_step(st), KR_DONE);
	assert_int_equal(db_changes(st), 0);
	db_done(st);
}

static void test_translate(void **state)
{
	struct db *db = DB(state);
	struct db_stmt *st;
	/* ?N inside literals, quoted identifiers and comments is not a parameter. */
	assert_int_equal(db_prepare(db,
	                            "SELECT '?1 it''s', ?1 AS \"q?2\" /* ?3 */, ?2 -- ?4\n"
	                            " , 'x'",
	                            &st),
	                 KR_OK);
	db_bind_text(st, 1, "one");
	db_bind_int(st, 2, 42);
	assert_int_equal(db_step(st), KR_ROW);
	assert_string_equal(db_col_text(st, 0), "?1 it's");
	assert_string_equal(db_col_text(st, 1), "one");
	assert_int_equal(db_col_int(st, 2), 42);
	assert_string_equal(db_col_text(st, 3), "x");
	db_done(st);
	/* An index past the statement's parameters is ignored (and logged). */
	assert_int_equal(db_prepare(db, "SELECT ?1", &st), KR_OK);
	db_bind_int(st, 1, 7);
	db_bind_int(st, 2, 8);
	db_bind_text(st, 0, "x");
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), 7);
	db_done(st);
	if (is_pg(db)) {
		/* PostgreSQL text cannot hold NUL: refused, not truncated. */
		assert_int_equal(db_prepare(db, "INSERT INTO t_vals (k, t) VALUES (?1, ?2)", &st), KR_OK);
		db_bind_text(st, 1, "nul:1");
		db_bind_textn(st, 2, "a\0b", 3);
		assert_int_equal(db_step(st), KR_EINVAL);
		db_done(st);
		assert_int_equal(count_vals(db, "nul:"), 0);
	}
	/* Unterminated literal: a clean error on both engines. */
	assert_int_equal(db_prepare(db, "SELECT 'oops", &st), KR_EDB);
	if (is_pg(db)) {
		assert_int_equal(db_prepare(db, "SELECT 1 /* oops", &st), KR_EDB);
		/* PostgreSQL-only quoting: E'' escapes, dollar quotes, nested comments. */
		assert_int_equal(
		    db_prepare(db, "SELECT E'\\'?1', $$?1$$, $t$ '?1 $t$, /* /* ?1 */ ?1 */ ?1, E'\\\\', ?2",
		               &st),
		    KR_OK);
		db_bind_text(st, 1, "p1");
		db_bind_text(st, 2, "p2");
		assert_int_equal(db_step(st), KR_ROW);
		assert_string_equal(db_col_text(st, 0), "'?1");
		assert_string_equal(db_col_text(st, 1), "?1");
		assert_string_equal(db_col_text(st, 2), " '?1 ");
		assert_string_equal(db_col_text(st, 3), "p1");
		assert_string_equal(db_col_text(st, 4), "\\");
		assert_string_equal(db_col_text(st, 5), "p2");
		db_done(st);
	}
	/* A parameter left unbound is NULL, as on SQLite. */
	assert_int_equal(db_prepare(db, "SELECT k FROM t_vals WHERE k = ?1", &st), KR_OK);
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
}

static void test_errors(void **state)
{
	struct db *db = DB(state);
	struct db_stmt *st = (struct db_stmt *)1;
	assert_int_equal(db_prepare(db, "SELEC nonsense", &st), KR_EDB);
	assert_null(st);
	assert_int_equal(db_prepare(db, "SELECT * FROM no_such_table", &st), KR_EDB);
	assert_int_not_equal(db_exec(db, "INSERT INTO no_such_table VALUES (1)"), KR_OK);
	struct db *bad = (struct db *)1;
	assert_int_equal(db_open("", &bad), KR_EINVAL);
	assert_null(bad);
	if (is_pg(db)) {
		/* Port 1 on loopback: refused at once. */
		assert_int_equal(db_open("postgres://nobody@127.0.0.1:1/x", &bad), KR_EUNAVAIL);
		assert_null(bad);
		assert_int_equal(db_backup_to(db, "/tmp/never-written.db"), KR_EINVAL);
		assert_int_equal(access("/tmp/never-written.db", F_OK), -1);
	} else {
		assert_int_equal(db_open("/nonexistent-dir/x/y.db", &bad), KR_EUNAVAIL);
		char p[96];
		snprintf(p, sizeof(p), "%s.backup", ((struct env *)*state)->path);
		assert_int_equal(db_backup_to(db, p), KR_OK);
		struct db *copy;
		int v = 0;
		assert_int_equal(db_open(p, &copy), KR_OK);
		assert_int_equal(db_schema_version(copy, &v), KR_OK);
		assert_int_equal(v, db_migrations[db_nmigrations - 1].version);
		db_close(copy);
		unlink(p);
	}
}

static void test_ping(void **state)
{
	struct db *db = DB(state);
	assert_int_equal(db_ping(db), KR_OK);
	assert_int_equal(db_ping(NULL), KR_EUNAVAIL);
}

#define NTHREADS 4
#define PER_THREAD 20

struct thread_arg {
	int n;
	struct db *db;
	int failures;
};

/* Every thread keeps its connection open until all have theirs, so
 * distinct connections have distinct addresses when compared. */
static pthread_barrier_t threads_alive;

static void *thread_main(void *p)
{
	struct thread_arg *ta = p;
	ta->db = db_thread();
	if (!ta->db || db_thread() != ta->db) {
		ta->failures++;
		pthread_barrier_wait(&threads_alive);
		return NULL;
	}
	for (int i = 0; i < PER_THREAD; i++) {
		char k[32];
		snprintf(k, sizeof(k), "th:%d:%02d", ta->n, i);
		if (db_begin(ta->db) != KR_OK) {
			ta->failures++;
			continue;
		}
		if (put_val(ta->db, k, i) != KR_DONE) {
			ta->failures++;
			db_rollback(ta->db);
			continue;
		}
		if (db_commit(ta->db) != KR_OK)
			ta->failures++;
	}
	pthread_barrier_wait(&threads_alive);
	db_thread_close();
	return NULL;
}

static void test_threads(void **state)
{
	struct db *db = DB(state);
	pthread_t t[NTHREADS];
	struct thread_arg a[NTHREADS];
	pthread_barrier_init(&threads_alive, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		a[i] = (struct thread_arg){.n = i};
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, &a[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].failures, 0);
	}
	pthread_barrier_destroy(&threads_alive);
	for (int i = 0; i < NTHREADS; i++)
		for (int j = i + 1; j < NTHREADS; j++)
			assert_ptr_not_equal(a[i].db, a[j].db);
	assert_int_equal(count_vals(db, "th:"), NTHREADS * PER_THREAD);
}

struct mig_arg {
	const char *url;
	int rc;
};

static void *migrate_main(void *p)
{
	struct mig_arg *ma = p;
	struct db *db;
	ma->rc = db_open(ma->url, &db);
	if (ma->rc == KR_OK) {
		ma->rc = db_migrate(db);
		db_close(db);
	}
	return NULL;
}

/* Several nodes starting at once on one empty database: each migration is
 * applied once and every node's db_migrate() succeeds. */
static void test_migrate_race(void **state)
{
	struct env *e = *state;
	char url[512], path[80] = "";
	if (is_pg(e->db)) {
		assert_int_equal(
		    db_exec(e->db, "DROP SCHEMA IF EXISTS mig_race CASCADE; CREATE SCHEMA mig_race"), KR_OK);
		snprintf(url, sizeof(url), "%s%soptions=-csearch_path%%3Dmig_race", e->url,
		         strchr(e->url, '?') ? "&" : "?");
	} else {
		snprintf(path, sizeof(path), "%s.race", e->path);
		unlink(path);
		snprintf(url, sizeof(url), "%s", path);
	}
	pthread_t t[NTHREADS];
	struct mig_arg a[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		a[i] = (struct mig_arg){.url = url, .rc = 1};
		assert_int_equal(pthread_create(&t[i], NULL, migrate_main, &a[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].rc, KR_OK);
	}
	struct db *db;
	struct db_stmt *st;
	assert_int_equal(db_open(url, &db), KR_OK);
	assert_int_equal(
	    db_prepare(db, "SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), (int64_t)db_nmigrations);
	assert_int_equal(db_col_int(st, 1), (int64_t)db_nmigrations);
	db_done(st);
	db_close(db);
	if (path[0]) {
		char p[96];
		unlink(path);
		snprintf(p, sizeof(p), "%s-wal", path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", path);
		unlink(p);
	} else {
		assert_int_equal(db_exec(e->db, "DROP SCHEMA mig_race CASCADE"), KR_OK);
	}
}

static int64_t backend_pid(struct db *db)
{
	struct db_stmt *st;
	int64_t pid = -1;
	if (db_prepare(db, "SELECT pg_backend_pid()", &st) != KR_OK)
		return -1;
	if (db_step(st) == KR_ROW)
		pid = db_col_int(st, 0);
	db_done(st);
	return pid;
}

static void terminate(struct db *killer, int64_t pid)
{
	struct db_stmt *st;
	/* With a timeout the call waits until the backend is gone. */
	assert_int_equal(db_prepare(killer, "SELECT pg_terminate_backend(CAST(?1 AS INTEGER), 5000)", &st),
	                 KR_OK);
	db_bind_int(st, 1, pid);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), 1);
	db_done(st);
}

static void test_reconnect_pg(void **state)
{
	struct env *e = *state;
	if (!is_pg(e->db))
		skip();
	struct db *killer;
	assert_int_equal(db_open(e->url, &killer), KR_OK);

	/* The server closes an idle connection: the next db_thread() notices. */
	struct db *db = db_thread();
	assert_non_null(db);
	int64_t pid = backend_pid(db);
	assert_true(pid > 0);
	terminate(killer, pid);
	db = db_thread();
	assert_non_null(db);
	assert_int_equal(db_ping(db), KR_OK);
	int64_t pid2 = backend_pid(db);
	assert_true(pid2 > 0);
	assert_true(pid2 != pid);
	assert_int_equal(put_val(db, "rc:1", 1), KR_DONE);

	/* A statement on the dead connection fails cleanly, then reconnect. */
	terminate(killer, pid2);
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT COUNT(*) FROM t_vals WHERE k = 'rc:1'", &st);
	if (rc == KR_OK) { /* cached statement: the failure comes at step */
		rc = db_step(st);
		db_done(st);
	}
	assert_int_equal(rc, KR_EUNAVAIL);
	assert_int_equal(db_ping(db), KR_EUNAVAIL);
	db = db_thread();
	assert_non_null(db);
	assert_true(backend_pid(db) != pid2);
	assert_int_equal(count_vals(db, "rc:"), 1);
	db_thread_close();
	db_close(killer);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	/* The failure tests log expected errors; show them only on request. */
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : (enum log_level)(LOG_ERROR + 1));
	const struct CMUnitTest tests[] = {
	    T(test_migrate),      T(test_insert_returning),
	    T(test_on_conflict),  T(test_unique_violation),
	    T(test_fk_violation), T(test_text_roundtrip),
	    T(test_int_extremes), T(test_blob),
	    T(test_tx),           T(test_commit_after_error_pg),
	    T(test_busy_pg),      T(test_read_tx),
	    T(test_stmt_cache),   T(test_changes),
	    T(test_translate),    T(test_errors),
	    T(test_ping),         T(test_threads),
	    T(test_migrate_race), T(test_reconnect_pg),
	    T(test_background_checkpoint), T(test_writer),
	};
	int failed = cmocka_run_group_tests_name("store/sqlite", tests, setup_sqlite, teardown);
	if (getenv("KAIRAN_TEST_PG_URL"))
		failed += cmocka_run_group_tests_name("store/postgres", tests, setup_pg, teardown);
	else
		fprintf(stderr,
		        "store/postgres: skipped (set KAIRAN_TEST_PG_URL, see scripts/pg-cluster.sh)\n");
	return failed ? 1 : 0;
}
