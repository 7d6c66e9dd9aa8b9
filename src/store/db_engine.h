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
};

extern const struct db_engine db_engine_sqlite;
/* NULL until the PostgreSQL engine is built in. */
extern const struct db_engine *const db_engine_postgres;

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
