/* db.c - engine-independent half of the store: connections per thread,
 * the prepared-statement cache, transactions and migrations. */
#include "store/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db_engine.h"

#define CACHE_SLOTS 512

struct db_stmt {
	struct db *db;
	const char *sql;     /* the literal: cache key */
	void *impl;
	bool in_use;
	bool cached;
	int64_t changes;
	struct db_stmt *next; /* hash chain */
};

/* BEGIN, BEGIN (read), COMMIT, ROLLBACK kept prepared (tx_exec). */
#define TX_STMTS 4

struct db {
	const struct db_engine *eng;
	void *conn;
	bool in_tx;
	struct db_stmt *cache[CACHE_SLOTS];
	const char *tx_sql[TX_STMTS];
	void *tx_stmt[TX_STMTS];
	uint64_t snapshot; /* db_read_snapshot() */
	bool warm;         /* db_writer_lock's: the write-sized cache stays */
};

/* Ids of read transactions, unique across connections. */
static _Atomic uint64_t snapshot_ids;

static const char *site_url;

void db_set_url(const char *url)
{
	/* A shared writer opened before must not take this site's writes
	 * (tests open a fresh file at the same path; the old url may be gone). */
	db_writer_close();
	site_url = url;
}
const char *db_get_url(void) { return site_url; }

bool db_url_is_pg(const char *url)
{
	return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

int db_open(const char *url, struct db **out)
{
	*out = NULL;
	if (str_empty(url))
		return KR_EINVAL;
	const struct db_engine *eng = &db_engine_sqlite;
	if (db_url_is_pg(url)) {
		eng = db_engine_postgres;
		if (!eng) {
			log_error("msg=\"this build has no PostgreSQL engine\"");
			return KR_EINVAL;
		}
	}
	void *conn = NULL;
	int rc = eng->open(url, &conn);
	if (rc)
		return rc;
	struct db *db = calloc(1, sizeof(*db));
	if (!db) {
		eng->close(conn);
		return KR_ENOMEM;
	}
	db->eng = eng;
	db->conn = conn;
	*out = db;
	return KR_OK;
}

/* ---- the shared writer connection (db_writer_lock) ---- */

static pthread_mutex_t writer_mu = PTHREAD_MUTEX_INITIALIZER;
static struct db *writer;
static bool writer_failed;

struct db *db_writer_lock(void)
{
	if (!site_url || db_url_is_pg(site_url))
		return NULL;
	pthread_mutex_lock(&writer_mu);
	if (writer && !writer->eng->alive(writer->conn)) {
		db_close(writer);
		writer = NULL;
	}
	if (!writer && !writer_failed) {
		if (db_open(site_url, &writer) == KR_OK) {
			writer->warm = true;
			if (writer->eng->write_tx) /* the write-sized cache, for good */
				writer->eng->write_tx(writer->conn, true);
		} else {
			writer_failed = true; /* logged by db_open; the caller writes on its own */
		}
	}
	if (!writer) {
		pthread_mutex_unlock(&writer_mu);
		return NULL;
	}
	return writer;
}

void db_writer_unlock(struct db *w)
{
	if (w)
		pthread_mutex_unlock(&writer_mu);
}

void db_writer_close(void)
{
	pthread_mutex_lock(&writer_mu);
	db_close(writer);
	writer = NULL;
	writer_failed = false;
	pthread_mutex_unlock(&writer_mu);
}

static const struct db_engine *background_eng;

int db_background_start(const char *url)
{
	const struct db_engine *eng = db_url_is_pg(url) ? db_engine_postgres : &db_engine_sqlite;
	if (!eng || !eng->background || background_eng)
		return KR_OK;
	int rc = eng->background(url, true);
	if (rc == KR_OK)
		background_eng = eng;
	return rc;
}

void db_background_stop(void)
{
	if (background_eng)
		background_eng->background(NULL, false);
	background_eng = NULL;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct db_stmt *s = db->cache[i];
		while (s) {
			struct db_stmt *n = s->next;
			db->eng->finalize(s->impl);
			free(s);
			s = n;
		}
	}
	for (size_t i = 0; i < TX_STMTS; i++)
		if (db->tx_sql[i])
			db->eng->finalize(db->tx_stmt[i]);
	db->eng->close(db->conn);
	free(db);
}

const char *db_engine(const struct db *db) { return db->eng->name; }

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_dtor(void *p) { db_close(p); }
static void thread_init(void) { pthread_key_create(&thread_key, thread_dtor); }

struct db *db_thread(void)
{
	pthread_once(&thread_once, thread_init);
	struct db *db = pthread_getspecific(thread_key);
	if (db && !db->eng->alive(db->conn)) {
		log_warn("msg=\"database connection lost, reconnecting\"");
		db_close(db);
		db = NULL;
		pthread_setspecific(thread_key, NULL);
	}
	if (!db) {
		if (db_open(site_url, &db))
			return NULL;
		pthread_setspecific(thread_key, db);
	}
	return db;
}

void db_thread_close(void)
{
	pthread_once(&thread_once, thread_init);
	struct db *db = pthread_getspecific(thread_key);
	if (db) {
		db_close(db);
		pthread_setspecific(thread_key, NULL);
	}
}

static size_t slot_of(const char *sql)
{
	uintptr_t p = (uintptr_t)sql;
	return (size_t)((p >> 3) ^ (p >> 13)) % CACHE_SLOTS;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	*out = NULL;
	size_t slot = slot_of(sql);
	for (struct db_stmt *s = db->cache[slot]; s; s = s->next) {
		if (s->sql == sql && !s->in_use) {
			s->in_use = true;
			s->changes = 0;
			*out = s;
			return KR_OK;
		}
	}
	void *impl = NULL;
	int rc = db->eng->prepare(db->conn, sql, &impl);
	if (rc)
		return rc;
	struct db_stmt *s = calloc(1, sizeof(*s));
	if (!s) {
		db->eng->finalize(impl);
		return KR_ENOMEM;
	}
	s->db = db;
	s->sql = sql;
	s->impl = impl;
	s->in_use = true;
	s->cached = true;
	/* A statement already in use (a query nested inside a loop over the
	 * same SQL) gets a second cached copy in the same chain. */
	s->next = db->cache[slot];
	db->cache[slot] = s;
	*out = s;
	return KR_OK;
}

const struct db_engine *db_eng(struct db *db) { return db->eng; }
void *db_conn(struct db *db) { return db->conn; }
void *db_stmt_impl(struct db_stmt *st) { return st->impl; }

int db_prepare_schema(struct db *db, const char *sql, struct db_stmt **out)
{
	*out = NULL;
	void *impl = NULL;
	int rc = db->eng->prepare(db->conn, sql, &impl);
	if (rc)
		return rc;
	struct db_stmt *s = calloc(1, sizeof(*s));
	if (!s) {
		db->eng->finalize(impl);
		return KR_ENOMEM;
	}
	s->db = db;
	s->sql = NULL;
	s->impl = impl;
	s->in_use = true;
	*out = s;
	return KR_OK;
}

void db_stmt_free(struct db_stmt *st)
{
	if (!st)
		return;
	st->db->eng->finalize(st->impl);
	free(st);
}

void db_done(struct db_stmt *st)
{
	if (!st)
		return;
	st->db->eng->reset(st->impl);
	st->in_use = false;
}

void db_bind_int(struct db_stmt *st, int idx, int64_t v) { st->db->eng->bind_int(st->impl, idx, v); }

void db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (!s)
		st->db->eng->bind_null(st->impl, idx);
	else
		st->db->eng->bind_text(st->impl, idx, s, strlen(s));
}

void db_bind_textn(struct db_stmt *st, int idx, const char *s, size_t n)
{
	if (!s)
		st->db->eng->bind_null(st->impl, idx);
	else
		st->db->eng->bind_text(st->impl, idx, s, n);
}

void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n)
{
	st->db->eng->bind_blob(st->impl, idx, p ? p : "", n);
}

void db_bind_null(struct db_stmt *st, int idx) { st->db->eng->bind_null(st->impl, idx); }

int db_step(struct db_stmt *st)
{
	int rc = st->db->eng->step(st->impl);
	if (rc == KR_DONE)
		st->changes = st->db->eng->changes(st->impl);
	return rc;
}

bool db_col_null(struct db_stmt *st, int col) { return st->db->eng->col_null(st->impl, col); }
int64_t db_col_int(struct db_stmt *st, int col) { return st->db->eng->col_int(st->impl, col); }

const char *db_col_text(struct db_stmt *st, int col)
{
	const char *s = st->db->eng->col_text(st->impl, col);
	return s ? s : "";
}

const void *db_col_blob(struct db_stmt *st, int col) { return st->db->eng->col_blob(st->impl, col); }
size_t db_col_len(struct db_stmt *st, int col) { return st->db->eng->col_len(st->impl, col); }

char *db_col_dup(struct db_stmt *st, int col, struct arena *a)
{
	if (db_col_null(st, col))
		return NULL;
	const char *s = db_col_text(st, col);
	return arena_strndup(a, s, db_col_len(st, col));
}

int64_t db_changes(struct db_stmt *st) { return st->changes; }

int db_exec(struct db *db, const char *sql) { return db->eng->exec(db->conn, sql); }

int db_fetch(struct db_stmt *st, void (*fill)(struct db_stmt *st, void *ud), void *ud)
{
	int rc = db_step(st);
	if (rc == KR_ROW) {
		fill(st, ud);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int db_optimize(struct db *db) { return db->eng->exec(db->conn, db->eng->sql_optimize); }

int db_ping(struct db *db)
{
	if (!db || !db->eng->alive(db->conn))
		return KR_EUNAVAIL;
	return db->eng->exec(db->conn, "SELECT 1") == KR_OK ? KR_OK : KR_EUNAVAIL;
}

/* Transaction control: through the statement cache when the engine
 * allows it (tx_prepared), else as plain text.  Every GET page opens and
 * ends a read snapshot, so this runs twice per request. */
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

static int tx_exec(struct db *db, const char *sql)
{
	if (!db->eng->tx_prepared)
		return db->eng->exec(db->conn, sql);
	size_t i = 0;
	while (i < TX_STMTS && db->tx_sql[i] && db->tx_sql[i] != sql)
		i++;
	if (i == TX_STMTS)
		return db->eng->exec(db->conn, sql);
	if (!db->tx_sql[i]) {
		int rc = db->eng->prepare(db->conn, sql, &db->tx_stmt[i]);
		if (rc)
			return rc;
		db->tx_sql[i] = sql;
	}
	int rc = db->eng->step(db->tx_stmt[i]);
	db->eng->reset(db->tx_stmt[i]);
	return rc == KR_DONE || rc == KR_ROW ? KR_OK : rc;
}

/* A transaction is over: tell the engine when it was a write one
 * (snapshot 0: db_begin; read snapshots have an id). */
static void tx_ended(struct db *db)
{
	bool write = db->snapshot == 0;
	db->in_tx = false;
	if (write && db->eng->write_tx && !db->warm)
		db->eng->write_tx(db->conn, false);
}

int db_begin(struct db *db)
{
	if (db->in_tx)
		return KR_EINVAL;
	int rc = tx_exec(db, db->eng->sql_begin);
	if (rc == KR_OK) {
		db->in_tx = true;
		db->snapshot = 0;
		if (db->eng->write_tx && !db->warm)
			db->eng->write_tx(db->conn, true);
	}
	return rc;
}

int db_begin_read(struct db *db)
{
	if (db->in_tx)
		return KR_EINVAL;
	int rc = tx_exec(db, db->eng->sql_begin_read);
	if (rc == KR_OK) {
		db->in_tx = true;
		db->snapshot = ++snapshot_ids;
	}
	return rc;
}

uint64_t db_read_snapshot(const struct db *db) { return db && db->in_tx ? db->snapshot : 0; }

int db_commit(struct db *db)
{
	if (!db->in_tx)
		return KR_EINVAL;
	int rc = tx_exec(db, sql_commit);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	tx_ended(db);
	return KR_OK;
}

void db_rollback(struct db *db)
{
	if (!db || !db->in_tx)
		return;
	tx_exec(db, sql_rollback);
	tx_ended(db);
}

bool db_in_tx(const struct db *db) { return db->in_tx; }

int db_backup_to(struct db *db, const char *path) { return db->eng->backup(db->conn, path); }

/* Replace {ID} and {BLOB} with the engine's types. */
static char *expand_schema(const struct db_engine *eng, const char *sql)
{
	struct buf b = BUF_INIT;
	const char *p = sql;
	while (*p) {
		if (strncmp(p, "{ID}", 4) == 0) {
			buf_adds(&b, eng->id_type);
			p += 4;
		} else if (strncmp(p, "{BLOB}", 6) == 0) {
			buf_adds(&b, eng->blob_type);
			p += 6;
		} else {
			buf_addc(&b, *p++);
		}
	}
	return buf_steal(&b, NULL);
}

int db_schema_version(struct db *db, int *out)
{
	struct db_stmt *st;
	*out = 0;
	int rc = db_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st);
	if (rc)
		return rc;
	if (db_step(st) == KR_ROW)
		*out = (int)db_col_int(st, 0);
	db_done(st);
	return KR_OK;
}

/* Apply one migration unless another process did meanwhile: the version
 * is read again inside the write transaction. */
/* Is migration `version` recorded in schema_migrations? */
static int migration_applied(struct db *db, int version, bool *yes)
{
	struct db_stmt *st = NULL;
	int rc = db_prepare(db, "SELECT 1 FROM schema_migrations WHERE version = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, version);
	rc = db_step(st);
	*yes = rc == KR_ROW;
	db_done(st);
	return (rc == KR_ROW || rc == KR_DONE) ? KR_OK : rc;
}

static int migrate_one(struct db *db, const struct db_migration *m)
{
	int rc = db_begin(db);
	if (rc)
		return rc;
	bool done = false;
	if ((rc = migration_applied(db, m->version, &done)) || done) {
		db_rollback(db); /* another node applied it meanwhile */
		return rc;
	}
	const char *text = (m->sql_postgres && db->eng == db_engine_postgres) ? m->sql_postgres : m->sql;
	char *sql = expand_schema(db->eng, text);
	rc = db->eng->exec(db->conn, sql);
	free(sql);
	if (rc == KR_OK) {
		struct db_stmt *st;
		rc = db_prepare(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)", &st);
		if (rc == KR_OK) {
			db_bind_int(st, 1, m->version);
			db_bind_text(st, 2, m->name);
			db_bind_int(st, 3, now_ms());
			rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
			db_done(st);
		}
	}
	if (rc == KR_OK)
		rc = db_commit(db);
	if (rc) {
		db_rollback(db);
		log_error("msg=\"migration failed\" version=%d name=%s", m->version, m->name);
		return rc;
	}
	log_info("msg=\"migration applied\" version=%d name=%s", m->version, m->name);
	return KR_OK;
}

int db_migrate(struct db *db)
{
	int rc;
	if (db->eng->sql_migrate_lock && (rc = db->eng->exec(db->conn, db->eng->sql_migrate_lock)))
		return rc;
	rc = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			 "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
	/* Apply every migration not recorded yet, not only those above the
	 * highest: branches developed side by side add numbers out of order,
	 * and a site that took 7 before 6 existed must still get 6. */
	for (size_t i = 0; rc == KR_OK && i < db_nmigrations; i++) {
		bool done = false;
		rc = migration_applied(db, db_migrations[i].version, &done);
		if (rc == KR_OK && !done)
			rc = migrate_one(db, &db_migrations[i]);
	}
	if (db->eng->sql_migrate_unlock)
		db->eng->exec(db->conn, db->eng->sql_migrate_unlock);
	return rc;
}
