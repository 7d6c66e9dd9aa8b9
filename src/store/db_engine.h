/* db_engine.h - what an engine file implements for db.c (store-internal).
 * An engine sees only its own connection and statement handles; caching,
 * transactions, thread-local connections and migrations live in db.c. */
#ifndef KR_DB_ENGINE_H
#define KR_DB_ENGINE_H

#include "store/db.h"

struct db_engine {
	const char *name;
	/* Schema tokens substituted into migrations. */
	const char *id_type;   /* {ID}: auto-increment 64-bit primary key */
	const char *blob_type; /* {BLOB} */
	const char *sql_begin, *sql_begin_read;
	/* true: BEGIN, COMMIT and ROLLBACK may be prepared once and kept in
	 * the statement cache like any query (SQLite; exec would parse them
	 * again on every request). */
	bool tx_prepared;
	/* Called after a write transaction begins (begin = true) and after it
	 * ends either way (begin = false); NULL when the engine needs nothing
	 * (SQLite: the writer's larger page cache, see db_sqlite.c). */
	void (*write_tx)(void *conn, bool begin);
	/* Start (on = true) or stop the engine's background work for the
	 * database at url, once per process (db_background); NULL when the
	 * engine has none (PostgreSQL checkpoints on its own). */
	int (*background)(const char *url, bool on);
	/* Refresh the planner's statistics (db_optimize). */
	const char *sql_optimize;
	/* Held around db_migrate() so nodes starting together on one server
	 * migrate one at a time (NULL: the engine's write lock suffices). */
	const char *sql_migrate_lock, *sql_migrate_unlock;

	int (*open)(const char *url, void **conn);
	void (*close)(void *conn);
	/* Run SQL text with no parameters (may hold several statements). */
	int (*exec)(void *conn, const char *sql);
	int (*prepare)(void *conn, const char *sql, void **st);
	void (*finalize)(void *st);
	void (*reset)(void *st);
	void (*bind_int)(void *st, int idx, int64_t v);
	void (*bind_text)(void *st, int idx, const char *s, size_t n);
	void (*bind_blob)(void *st, int idx, const void *p, size_t n);
	void (*bind_null)(void *st, int idx);
	int (*step)(void *st);
	bool (*col_null)(void *st, int col);
	int64_t (*col_int)(void *st, int col);
	const char *(*col_text)(void *st, int col);
	const void *(*col_blob)(void *st, int col);
	size_t (*col_len)(void *st, int col);
	int64_t (*changes)(void *st);
	/* true while the connection is usable (PostgreSQL checks status). */
	bool (*alive)(void *conn);
	int (*backup)(void *conn, const char *path);
	/* Introspection for db_dump/db_load (store-internal). */
	int (*col_count)(void *st);
	const char *(*col_name)(void *st, int col);
	/* DB_KIND_* of the value in the current row's column. */
	int (*col_kind)(void *st, int col);
	/* After a bulk load with explicit ids (PostgreSQL: move the identity
	 * sequence past MAX(id)); NULL when nothing is needed. */
	int (*after_load)(void *conn, const char *table);
};

enum { DB_KIND_NULL, DB_KIND_INT, DB_KIND_TEXT, DB_KIND_BLOB };

extern const struct db_engine db_engine_sqlite;
/* NULL until the PostgreSQL engine is built in. */
extern const struct db_engine *const db_engine_postgres;

/* Store-internal access for the whole-database dump (dump.c). */
const struct db_engine *db_eng(struct db *db);
void *db_conn(struct db *db);
void *db_stmt_impl(struct db_stmt *st);
/* Prepare SQL built at run time from the store's own table and column
 * names (never from input): uncached, released with db_stmt_free. */
int db_prepare_schema(struct db *db, const char *sql, struct db_stmt **out);
void db_stmt_free(struct db_stmt *st);

/* Migrations: ordered, append-only.  sql uses {ID} and {BLOB} tokens. */
struct db_migration {
	int version;
	const char *name;
	const char *sql;
	/* Where the engines' DDL truly differs (full-text search tables), the
	 * PostgreSQL text; NULL means sql serves both. */
	const char *sql_postgres;
};
extern const struct db_migration db_migrations[];
extern const size_t db_nmigrations;

#endif
