/* db_sqlite.c - the embedded SQLite engine (default).
 *
 * WAL journal, foreign keys on, a busy timeout so concurrent writers wait
 * instead of failing, synchronous=NORMAL (durable across process crashes,
 * the last transactions may be lost on power loss - the usual WAL trade). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "store/db_engine.h"
#include "store/fts.h"

static int map_rc(sqlite3 *h, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
		return KR_OK;
	case SQLITE_ROW:
		return KR_ROW;
	case SQLITE_CONSTRAINT:
		return KR_ECONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return KR_EBUSY;
	case SQLITE_NOMEM:
		return KR_ENOMEM;
	case SQLITE_TOOBIG:
		return KR_ETOOBIG;
	default:
		log_error("msg=\"sqlite error\" rc=%d err=\"%s\"", rc, h ? sqlite3_errmsg(h) : "?");
		return KR_EDB;
	}
}

/* ---- checkpoints off the request path ----
 *
 * By default every connection checkpoints the WAL itself once it passes
 * 1000 pages, inside the COMMIT of whichever request crossed the line:
 * copying those pages into the database file and fsyncing it took 0.4-0.7 s
 * of a 10k-object TAXII POST (14k dirty pages), more than the inserts.
 * `kairan serve` starts one checkpointer thread instead: connections opened
 * after it tell it through the WAL hook when the log has grown, and it runs
 * the same PASSIVE checkpoint (never blocks readers or the writer) on its own
 * connection.  If it falls far behind (a sustained import faster than the
 * disk), the committing connection checkpoints itself again, so the WAL
 * stays bounded as before. */
#define CKPT_PAGES 1000    /* as SQLite's autocheckpoint */
#define CKPT_BEHIND 65536  /* 256 MB of WAL: the writer helps */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	sqlite3 *conn; /* the checkpointer's own */
	bool running, stop, pending;
} ckpt = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static atomic_bool ckpt_on;

static int sq_wal_hook(void *arg, sqlite3 *h, const char *schema, int pages)
{
	(void)arg;
	if (pages < CKPT_PAGES)
		return SQLITE_OK;
	if (pages >= CKPT_BEHIND || !atomic_load(&ckpt_on)) {
		/* far behind, or the checkpointer has stopped: as before it */
		sqlite3_wal_checkpoint_v2(h, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	pthread_mutex_lock(&ckpt.mu);
	ckpt.pending = true;
	pthread_cond_signal(&ckpt.cv);
	pthread_mutex_unlock(&ckpt.mu);
	return SQLITE_OK;
}

static atomic_uint_fast64_t ckpt_runs;

uint64_t db_background_checkpoints(void) { return atomic_load(&ckpt_runs); }

static void *ckpt_main(void *arg)
{
	sqlite3 *h = arg;
	pthread_mutex_lock(&ckpt.mu);
	while (!ckpt.stop) {
		if (!ckpt.pending) {
			pthread_cond_wait(&ckpt.cv, &ckpt.mu);
			continue;
		}
		ckpt.pending = false;
		pthread_mutex_unlock(&ckpt.mu);
		int rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		atomic_fetch_add(&ckpt_runs, 1);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("msg=\"background checkpoint failed\" err=\"%s\"", sqlite3_errmsg(h));
		pthread_mutex_lock(&ckpt.mu);
	}
	pthread_mutex_unlock(&ckpt.mu);
	return NULL;
}

static int sq_open(const char *url, void **conn);

static int sq_background(const char *url, bool on)
{
	if (on) {
		if (ckpt.running || !strcmp(url, ":memory:"))
			return KR_OK;
		void *h;
		int rc = sq_open(url, &h);
		if (rc)
			return rc;
		ckpt.stop = false;
		ckpt.pending = false;
		if (pthread_create(&ckpt.thread, NULL, ckpt_main, h)) {
			sqlite3_close_v2(h);
			return KR_ENOMEM;
		}
		ckpt.conn = h;
		ckpt.running = true;
		atomic_store(&ckpt_on, true);
		return KR_OK;
	}
	if (!ckpt.running)
		return KR_OK;
	atomic_store(&ckpt_on, false);
	pthread_mutex_lock(&ckpt.mu);
	ckpt.stop = true;
	pthread_cond_signal(&ckpt.cv);
	pthread_mutex_unlock(&ckpt.mu);
	pthread_join(ckpt.thread, NULL);
	sqlite3_close_v2(ckpt.conn);
	ckpt.conn = NULL;
	ckpt.running = false;
	return KR_OK;
}

static int sq_open(const char *url, void **conn)
{
	sqlite3 *h = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(url, &h, flags, NULL);
	if (rc != SQLITE_OK) {
		log_error("msg=\"cannot open sqlite database\" path=\"%s\" err=\"%s\"", url,
			  h ? sqlite3_errmsg(h) : "?");
		sqlite3_close(h);
		return KR_EUNAVAIL;
	}
	sqlite3_busy_timeout(h, 10000);
	sqlite3_extended_result_codes(h, 0);
	const char *pragmas = "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
			      " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;";
	/* Switching a new file to WAL needs a moment of exclusive access, and
	 * when several connections open it at once (worker threads at first
	 * start, nodes starting together) SQLite answers BUSY without asking
	 * the busy handler: retry for about as long as the busy timeout. */
	for (int i = 0; strcmp(url, ":memory:") != 0 && i < 500; i++) {
		rc = sqlite3_exec(h, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL);
		if (rc != SQLITE_BUSY)
			break;
		sqlite3_sleep(20);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, pragmas, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = fts_sqlite_register(h);
	if (rc != SQLITE_OK) {
		log_error("msg=\"cannot configure sqlite\" err=\"%s\"", sqlite3_errmsg(h));
		sqlite3_close(h);
		return KR_EUNAVAIL;
	}
	/* After the checkpointer started, leave checkpoints to it (the hook
	 * replaces SQLite's automatic one). */
	if (atomic_load(&ckpt_on))
		sqlite3_wal_hook(h, sq_wal_hook, NULL);
	*conn = h;
	return KR_OK;
}

static void sq_close(void *conn) { sqlite3_close_v2(conn); }

/* Page cache of a connection: small while it reads (a thread streaming
 * a whole collection must not keep hundreds of MB of its pages), large
 * inside a write transaction: a 10k-object POST into a 1M-object store
 * dirties ~25k pages (random leaves of the id and value indexes), and a
 * cache smaller than that spills dirty pages into the WAL mid-transaction
 * and writes many of them twice.  Lowering the size again when the
 * transaction ends frees the extra pages.  (16 MB / 256 MB, in KiB.)
 * Called by db.c around every write transaction (engine.write_tx);
 * read snapshots never pay for it. */
static void sq_write_tx(void *conn, bool begin)
{
	sqlite3_exec(conn, begin ? "PRAGMA cache_size=-262144" : "PRAGMA cache_size=-16000", NULL, NULL, NULL);
}

static int sq_exec(void *conn, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(conn, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		int k = map_rc(conn, rc);
		if (k != KR_EDB)
			log_warn("msg=\"sqlite exec\" err=\"%s\"", err ? err : "?");
		sqlite3_free(err);
		return k;
	}
	return KR_OK;
}

static int sq_prepare(void *conn, const char *sql, void **st)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK) {
		log_error("msg=\"sqlite prepare failed\" err=\"%s\" sql=\"%.200s\"", sqlite3_errmsg(conn), sql);
		return KR_EDB;
	}
	*st = s;
	return KR_OK;
}

static void sq_finalize(void *st) { sqlite3_finalize(st); }

static void sq_reset(void *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void sq_bind_int(void *st, int idx, int64_t v) { sqlite3_bind_int64(st, idx, v); }

static void sq_bind_text(void *st, int idx, const char *s, size_t n)
{
	sqlite3_bind_text64(st, idx, s, n, SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void sq_bind_blob(void *st, int idx, const void *p, size_t n)
{
	sqlite3_bind_blob64(st, idx, p, n, SQLITE_TRANSIENT);
}

static void sq_bind_null(void *st, int idx) { sqlite3_bind_null(st, idx); }

static int sq_step(void *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return KR_ROW;
	if (rc == SQLITE_DONE)
		return KR_DONE;
	return map_rc(sqlite3_db_handle(st), rc);
}

static bool sq_col_null(void *st, int col) { return sqlite3_column_type(st, col) == SQLITE_NULL; }
static int64_t sq_col_int(void *st, int col) { return sqlite3_column_int64(st, col); }
static const char *sq_col_text(void *st, int col) { return (const char *)sqlite3_column_text(st, col); }
static const void *sq_col_blob(void *st, int col) { return sqlite3_column_blob(st, col); }
static size_t sq_col_len(void *st, int col) { return (size_t)sqlite3_column_bytes(st, col); }
static int64_t sq_changes(void *st) { return sqlite3_changes64(sqlite3_db_handle(st)); }
static bool sq_alive(void *conn) { return conn != NULL; }

static int sq_backup(void *conn, const char *path)
{
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		log_error("msg=\"cannot open backup file\" path=\"%s\"", path);
		sqlite3_close(dst);
		return KR_EIO;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", conn, "main");
	if (!b) {
		log_error("msg=\"backup init failed\" err=\"%s\"", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return KR_EIO;
	}
	/* Copy in steps so writers are not blocked for the whole copy; a
	 * write in between restarts the copy, which is what keeps it consistent. */
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	int out = rc == SQLITE_DONE ? KR_OK : KR_EIO;
	if (out == KR_OK)
		sqlite3_exec(dst, "PRAGMA journal_mode=DELETE;", NULL, NULL, NULL);
	sqlite3_close(dst);
	return out;
}

static int sq_col_count(void *st) { return sqlite3_column_count(st); }
static const char *sq_col_name(void *st, int col) { return sqlite3_column_name(st, col); }

static int sq_col_kind(void *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL: return DB_KIND_NULL;
	case SQLITE_INTEGER: return DB_KIND_INT;
	case SQLITE_BLOB: return DB_KIND_BLOB;
	default: return DB_KIND_TEXT;
	}
}

const struct db_engine db_engine_sqlite = {
	.col_count = sq_col_count,
	.col_name = sq_col_name,
	.col_kind = sq_col_kind,
	.after_load = NULL,
	.name = "sqlite",
	.id_type = "INTEGER PRIMARY KEY",
	.blob_type = "BLOB",
	.sql_begin = "BEGIN IMMEDIATE",
	.sql_begin_read = "BEGIN",
	.tx_prepared = true,
	.write_tx = sq_write_tx,
	.background = sq_background,
	/* Without statistics SQLite may walk (space, ...) instead of
	 * (community_id, ...) for a community's list; a bounded ANALYZE is
	 * cheap and fixes that. */
	.sql_optimize = "PRAGMA analysis_limit = 1000; ANALYZE",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.bind_int = sq_bind_int,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_null = sq_col_null,
	.col_int = sq_col_int,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.col_len = sq_col_len,
	.changes = sq_changes,
	.alive = sq_alive,
	.backup = sq_backup,
};
