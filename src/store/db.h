/* db.h - the store: one narrow interface, two engines (SQLite, PostgreSQL).
 *
 * SQL is written once, as string literals, in the subset both engines run:
 * parameters are ?1, ?2 ... (the PostgreSQL engine turns them into $1, $2),
 * INSERT ... RETURNING and ON CONFLICT work on both, times are BIGINT epoch
 * milliseconds, booleans are INTEGER 0/1.  Nothing outside src/store asks
 * which engine runs; where engines truly differ (full-text search, job
 * locking) the engine implements a named operation declared here.
 *
 * Threading: a struct db is one connection, used by one thread at a time.
 * db_thread() hands each thread its own connection to the site's database
 * (opened on first use, kept with its prepared-statement cache).
 *
 * Statements are cached per connection keyed by the SQL literal's address,
 * so db_prepare() on a hot path costs a hash lookup.  Every prepared
 * statement must be released with db_done() (which resets it), normally in
 * the caller's single cleanup label. */
#ifndef KR_DB_H
#define KR_DB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "lib/kr.h"

struct db;
struct db_stmt;
struct arena;

/* Open a connection.  url is a SQLite file path (":memory:" allowed) or
 * "postgres://..." / "postgresql://...".  On failure *out is NULL and the
 * reason is logged; returns KR_EUNAVAIL or KR_EINVAL. */
/* Is url a PostgreSQL URL (postgres:// or postgresql://)?  Otherwise it
 * names a SQLite file. */
bool db_url_is_pg(const char *url);
int db_open(const char *url, struct db **out);
void db_close(struct db *db);
/* "sqlite" or "postgres" (for logs, /metrics and benchmarks only). */
const char *db_engine(const struct db *db);

/* Site-wide database URL used by db_thread(). Set once at start-up. */
void db_set_url(const char *url);
const char *db_get_url(void);
/* Long-running processes (kairan serve): start the engine's background
 * work for url before the worker threads open their connections, stop it
 * after they are gone.  SQLite: a checkpointer thread, so that a commit
 * only appends to the WAL and no request waits for the WAL to be copied
 * into the database and synced.  Without it (CLI commands, tests) each
 * connection checkpoints as SQLite does by default.  KR_OK, or KR_E* when
 * the thread or its connection cannot start (the site still works then). */
int db_background_start(const char *url);
void db_background_stop(void);
/* How many checkpoints the background thread has run (tests). */
uint64_t db_background_checkpoints(void);
/* The process's one connection for large writes (a TAXII POST, an
 * import chunk): on SQLite its page cache stays write-sized (256 MB) and
 * warm between transactions, where each worker's own connection grows its
 * cache for a write and drops it again afterwards - re-reading, and
 * re-allocating page by page, the same index pages on every large POST.
 * SQLite writes one transaction at a time anyway, so sharing one writer
 * costs no concurrency.  Held exclusively between db_writer_lock and
 * db_writer_unlock (never call it while the caller's own connection is
 * inside a write transaction: that holds SQLite's write lock).  NULL
 * when the site is on PostgreSQL (the server caches) or the connection
 * cannot be opened: write on your own connection then.  db_writer_close
 * at shutdown. */
struct db *db_writer_lock(void);
void db_writer_unlock(struct db *w);
void db_writer_close(void);
/* This thread's connection, opened on first use; NULL when the database is
 * unreachable (the caller answers 503).  A lost PostgreSQL connection is
 * re-opened on the next call. */
struct db *db_thread(void);
/* Close this thread's connection (thread exit, tests). */
void db_thread_close(void);

/* Apply pending migrations (each in its own transaction).  Idempotent. */
int db_migrate(struct db *db);
/* Highest applied migration version, or 0. */
int db_schema_version(struct db *db, int *out);

/* Prepare (or fetch from the cache) a statement.  sql must be a string
 * literal (checked at build time).  KR_EDB on a syntax error (logged). */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
/* Reset and release a statement back to the cache.  NULL is a no-op. */
void db_done(struct db_stmt *st);

/* Bind parameter idx (1-based).  Text is copied; NULL text binds NULL. */
void db_bind_int(struct db_stmt *st, int idx, int64_t v);
void db_bind_text(struct db_stmt *st, int idx, const char *s);
void db_bind_textn(struct db_stmt *st, int idx, const char *s, size_t n);
void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n);
void db_bind_null(struct db_stmt *st, int idx);

/* Run or advance: KR_ROW when a row is ready, KR_DONE when finished,
 * KR_ECONFLICT on a unique/foreign-key violation, KR_EBUSY when locked,
 * KR_EUNAVAIL when the connection is gone, KR_EDB otherwise. */
int db_step(struct db_stmt *st);

/* Column access for the current row (0-based).  Pointers stay valid until
 * the next db_step/db_done on the statement. */
bool db_col_null(struct db_stmt *st, int col);
int64_t db_col_int(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col);  /* "" for NULL */
const void *db_col_blob(struct db_stmt *st, int col);
size_t db_col_len(struct db_stmt *st, int col);
/* Copy a text column into an arena (NULL column -> NULL). */
char *db_col_dup(struct db_stmt *st, int col, struct arena *a);

/* Rows changed by the last completed INSERT/UPDATE/DELETE statement. */
int64_t db_changes(struct db_stmt *st);

/* Step a prepared single-row lookup: when a row comes, fill(st, ud) copies
 * what it needs and the result is KR_OK; no row is KR_ENOTFOUND; errors
 * pass through.  The statement is released either way. */
int db_fetch(struct db_stmt *st, void (*fill)(struct db_stmt *st, void *ud), void *ud);

/* One-shot helpers: prepare, bind nothing, step to done. */
int db_exec(struct db *db, const char *sql);
/* Refresh the query planner's statistics (bounded; seconds at most on a
 * large site).  Run at start-up, after bulk loads and hourly. */
int db_optimize(struct db *db);
/* Cheap liveness check for /healthz: KR_OK or KR_EUNAVAIL. */
int db_ping(struct db *db);

/* Transactions.  db_begin() takes the write lock at once (BEGIN IMMEDIATE
 * on SQLite) so a use case never fails half-way on a lock upgrade.
 * db_begin_read() opens a read-only snapshot.  Nesting is not supported:
 * KR_EINVAL if a transaction is open.  db_rollback() is safe to call when
 * none is open.  Any failed statement inside a transaction must end it with
 * db_rollback(): PostgreSQL aborts the whole transaction on an error (later
 * statements fail, db_commit() returns KR_EDB), so expected conflicts are
 * written as INSERT ... ON CONFLICT, not caught and carried on from.
 * db_begin_read() is read-only on PostgreSQL: a write inside it fails. */
int db_begin(struct db *db);
int db_begin_read(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
bool db_in_tx(const struct db *db);
/* The read transaction open on db (db_begin_read) as an id unique in the
 * process; 0 when none is open or the open one is a write transaction.
 * What was read under one id stays true for the rest of that snapshot,
 * so a value read again in it may be kept instead. */
uint64_t db_read_snapshot(const struct db *db);

/* Whole-database copy between engines (kairan export-db / import-db).
 * db_dump writes every table (not the search index, which is rebuilt) as
 * JSON lines to out; db_load reads them into a freshly migrated, empty
 * database in one transaction: a bad or truncated file changes nothing.
 * Table and column names in the file must exist in this schema. */
#include <stdio.h>
int db_dump(struct db *db, FILE *out, int64_t *rows);
int db_load(struct db *db, FILE *in, int64_t *rows, char *err, size_t errsz);

/* Engine-specific named operations. */
/* Consistent copy of the whole database to a file (SQLite: online backup
 * API; PostgreSQL: KR_EINVAL - use export-db / pg_dump). */
int db_backup_to(struct db *db, const char *path);

/* Full-text search (contract and schema in store/fts.h).  The text to bind
 * as the "X MATCH ?N" parameter for a user's search string: an FTS5 MATCH
 * expression on SQLite, a tsquery literal on PostgreSQL.  Allocated in a;
 * NULL when the query has nothing searchable (answer "no results" without
 * running the search). */
const char *db_fts_query(struct db *db, struct arena *a, const char *user_query);
/* The text to bind for one indexed column of a <kind>_fts row: the text
 * itself on SQLite (its tokenizer does the rest), a tsvector literal on
 * PostgreSQL.  NULL text indexes as "".  Allocated in a (or text itself). */
const char *db_fts_doc(struct db *db, struct arena *a, const char *text);
/* db_fts_query restricted to documents whose "scope" column holds one of
 * the tokens ([a-z0-9]+ words): a cheap prefilter by community before the
 * access predicate runs on each hit. */
const char *db_fts_query_within(struct db *db, struct arena *a, const char *user_query,
				const char *const *tokens, size_t n);

#endif
