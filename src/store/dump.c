/* dump.c - the whole database as JSON lines, for moving a site between
 * engines (SQLite -> PostgreSQL) with nothing lost.
 *
 *   {"kairan_dump":1,"schema":N}
 *   {"table":"orgs","columns":["id","slug",...]}
 *   [1,"cc",...]                      one line per row
 *   ...
 *   {"end":true,"rows":M}
 *
 * Integers are JSON integers, text is JSON strings, bytes are
 * {"b64":"..."}, NULL is null.  Tables go in foreign-key order; the search
 * index is not dumped (its format is per engine) and is rebuilt by the
 * caller after a load.  SQL here is built from the constant table list
 * and from column names checked against the live schema, never from the
 * file's text as such. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"
#include "store/db_engine.h"

/* Every table, parents before children.  A new table must be added here
 * (test_store checks that the list covers the schema). */
static const char *const tables[] = {
	"orgs", "people", "recovery_codes", "sessions", "api_keys", "throttle", "applications",
	"invitations", "audit_log", "jobs", "communities", "community_members", "counters", "topics",
	"topic_scope", "topic_shares", "topic_versions", "topic_views", "topic_likes", "topic_reads",
	"comments", "attachments", "cases", "case_recipients", "case_events", "support_requests",
	"case_attachments", "upward_reports", "upward_report_cases", "case_targets", "notifications",
	"notify_settings", "stix_objects", "stix_values", "taxii_status", "taxii_feeds", "stix_imports",
};

static bool known_table(const char *t)
{
	for (size_t i = 0; i < KR_ARRAY_LEN(tables); i++)
		if (!strcmp(t, tables[i]))
			return true;
	return false;
}

static int write_json(FILE *out, json_t *v)
{
	int rc = json_dumpf(v, out, JSON_COMPACT) == 0 && fputc('\n', out) != EOF ? KR_OK : KR_EIO;
	json_decref(v);
	return rc;
}

int db_dump(struct db *db, FILE *out, int64_t *rows)
{
	*rows = 0;
	const struct db_engine *e = db_eng(db);
	int version = 0;
	int rc = db_schema_version(db, &version);
	if (rc)
		return rc;
	if ((rc = db_begin_read(db)))
		return rc;
	rc = write_json(out, json_pack("{s:i, s:i}", "kairan_dump", 1, "schema", version));
	for (size_t i = 0; rc == KR_OK && i < KR_ARRAY_LEN(tables); i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1", tables[i]);
		struct db_stmt *st;
		if ((rc = db_prepare_schema(db, sql, &st)))
			break;
		void *impl = db_stmt_impl(st);
		bool header = false;
		int step;
		while ((step = db_step(st)) == KR_ROW) {
			int n = e->col_count(impl);
			if (!header) {
				json_t *cols = json_array();
				for (int k = 0; k < n; k++)
					json_array_append_new(cols, json_string(e->col_name(impl, k)));
				if ((rc = write_json(out, json_pack("{s:s, s:o}", "table", tables[i], "columns", cols))))
					break;
				header = true;
			}
			json_t *row = json_array();
			for (int k = 0; k < n; k++) {
				switch (e->col_kind(impl, k)) {
				case DB_KIND_NULL:
					json_array_append_new(row, json_null());
					break;
				case DB_KIND_INT:
					json_array_append_new(row, json_integer(db_col_int(st, k)));
					break;
				case DB_KIND_BLOB: {
					size_t len = db_col_len(st, k);
					size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
					char *b64 = malloc(cap);
					if (!b64)
						abort();
					sodium_bin2base64(b64, cap, db_col_blob(st, k), len, sodium_base64_VARIANT_ORIGINAL);
					json_array_append_new(row, json_pack("{s:s}", "b64", b64));
					free(b64);
					break;
				}
				default:
					json_array_append_new(row, json_stringn(db_col_text(st, k), db_col_len(st, k)));
				}
			}
			if ((rc = write_json(out, row)))
				break;
			(*rows)++;
		}
		if (rc == KR_OK && step < 0)
			rc = step;
		db_stmt_free(st);
	}
	db_rollback(db);
	if (rc == KR_OK)
		rc = write_json(out, json_pack("{s:b, s:I}", "end", 1, "rows", (json_int_t)*rows));
	return rc;
}

/* The live column names of a table (to check a dump's header against). */
static int table_columns(struct db *db, const char *table, json_t **out)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE 1 = 0", table);
	struct db_stmt *st;
	int rc = db_prepare_schema(db, sql, &st);
	if (rc)
		return rc;
	db_step(st); /* PostgreSQL learns the columns by running it */
	void *impl = db_stmt_impl(st);
	const struct db_engine *e = db_eng(db);
	json_t *cols = json_array();
	for (int k = 0; k < e->col_count(impl); k++)
		json_array_append_new(cols, json_string(e->col_name(impl, k)));
	db_stmt_free(st);
	*out = cols;
	return KR_OK;
}

static bool has_column(json_t *cols, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(cols, i, v)
	if (!strcmp(json_string_value(v), name))
		return true;
	return false;
}

/* Is the table empty?  A load never mixes with existing data. */
static int table_empty(struct db *db, const char *table, bool *empty)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", table);
	struct db_stmt *st;
	int rc = db_prepare_schema(db, sql, &st);
	if (rc)
		return rc;
	rc = db_step(st);
	*empty = rc == KR_DONE;
	db_stmt_free(st);
	return rc < 0 ? rc : KR_OK;
}

#define FAIL(...)                                          \
	do {                                               \
		snprintf(err, errsz, __VA_ARGS__);         \
		rc = KR_EINVAL;                            \
		goto done;                                 \
	} while (0)

int db_load(struct db *db, FILE *in, int64_t *rows, char *err, size_t errsz)
{
	*rows = 0;
	err[0] = 0;
	const struct db_engine *e = db_eng(db);
	struct db_stmt *ins = NULL;
	json_t *cols = NULL, *line = NULL;
	const char *table = NULL;
	size_t ncols = 0;
	bool has_id = false, ended = false;
	char *tables_loaded[KR_ARRAY_LEN(tables)];
	size_t nloaded = 0;
	int64_t lineno = 0;
	struct buf text = BUF_INIT;
	int rc = db_begin(db);
	if (rc)
		return rc;
	for (size_t i = 0; i < KR_ARRAY_LEN(tables); i++) {
		bool empty;
		if ((rc = table_empty(db, tables[i], &empty)))
			goto done;
		if (!empty)
			FAIL("the target database is not empty (table %s has rows)", tables[i]);
	}
	char chunk[65536];
	for (;;) {
		/* One line at a time, however long (attachments are big). */
		buf_reset(&text);
		bool got = false;
		while (fgets(chunk, sizeof chunk, in)) {
			got = true;
			buf_adds(&text, chunk);
			if (text.len && text.p[text.len - 1] == '\n')
				break;
		}
		if (!got)
			break;
		lineno++;
		json_error_t je;
		json_decref(line);
		line = json_loadb(text.p, text.len, JSON_REJECT_DUPLICATES, &je);
		if (!line)
			FAIL("line %lld: %s", (long long)lineno, je.text);
		if (lineno == 1) {
			if (!json_is_object(line) || json_integer_value(json_object_get(line, "kairan_dump")) != 1)
				FAIL("not a Kairan dump (line 1)");
			continue;
		}
		if (ended)
			FAIL("line %lld: data after the end marker", (long long)lineno);
		if (json_is_object(line) && json_object_get(line, "end")) {
			if (json_integer_value(json_object_get(line, "rows")) != *rows)
				FAIL("the dump says %lld rows, %lld were read", (long long)json_integer_value(json_object_get(line, "rows")),
				     (long long)*rows);
			ended = true;
			continue;
		}
		if (json_is_object(line)) {
			const char *t = json_string_value(json_object_get(line, "table"));
			json_t *c = json_object_get(line, "columns");
			if (!t || !known_table(t) || !json_is_array(c) || !json_array_size(c))
				FAIL("line %lld: unknown table or bad header", (long long)lineno);
			for (size_t k = 0; k < nloaded; k++)
				if (!strcmp(tables_loaded[k], t))
					FAIL("line %lld: table %s twice", (long long)lineno, t);
			json_t *live;
			if ((rc = table_columns(db, t, &live)))
				goto done;
			struct buf sql = BUF_INIT;
			buf_printf(&sql, "INSERT INTO %s (", t);
			size_t i;
			json_t *v;
			bool ok = true;
			json_array_foreach(c, i, v)
			{
				const char *name = json_string_value(v);
				if (!name || !has_column(live, name)) {
					ok = false;
					break;
				}
				buf_printf(&sql, "%s%s", i ? ", " : "", name);
			}
			json_decref(live);
			if (!ok) {
				buf_free(&sql);
				FAIL("line %lld: table %s has no such column", (long long)lineno, t);
			}
			buf_adds(&sql, ") VALUES (");
			for (i = 0; i < json_array_size(c); i++)
				buf_printf(&sql, "%s?%zu", i ? ", " : "", i + 1);
			buf_adds(&sql, ")");
			if (ins && has_id && e->after_load && (rc = e->after_load(db_conn(db), table)))
				goto done;
			db_stmt_free(ins);
			ins = NULL;
			rc = db_prepare_schema(db, sql.p, &ins);
			buf_free(&sql);
			if (rc)
				goto done;
			json_decref(cols);
			cols = json_incref(c);
			ncols = json_array_size(c);
			for (size_t k = 0; k < KR_ARRAY_LEN(tables); k++)
				if (!strcmp(tables[k], t))
					table = tables[k]; /* our constant, not the file's text */
			tables_loaded[nloaded++] = (char *)table;
			has_id = has_column(cols, "id");
			continue;
		}
		if (!json_is_array(line) || !ins || json_array_size(line) != ncols)
			FAIL("line %lld: a row outside a table or with the wrong number of values", (long long)lineno);
		size_t i;
		json_t *v;
		json_array_foreach(line, i, v)
		{
			int idx = (int)i + 1;
			if (json_is_null(v)) {
				db_bind_null(ins, idx);
			} else if (json_is_integer(v)) {
				db_bind_int(ins, idx, json_integer_value(v));
			} else if (json_is_string(v)) {
				const char *s = json_string_value(v);
				size_t n = json_string_length(v);
				if (memchr(s, 0, n) || !utf8_valid(s, n))
					FAIL("line %lld: bad text", (long long)lineno);
				db_bind_textn(ins, idx, s, n);
			} else if (json_is_object(v) && json_is_string(json_object_get(v, "b64"))) {
				const char *b = json_string_value(json_object_get(v, "b64"));
				size_t blen = strlen(b), n = 0;
				unsigned char *raw = malloc(blen + 1);
				if (!raw)
					abort();
				if (sodium_base642bin(raw, blen + 1, b, blen, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL)) {
					free(raw);
					FAIL("line %lld: bad base64", (long long)lineno);
				}
				db_bind_blob(ins, idx, raw, n);
				free(raw);
			} else {
				FAIL("line %lld: unsupported value", (long long)lineno);
			}
		}
		rc = db_step(ins);
		db_done(ins); /* reset for the next row */
		if (rc != KR_DONE) {
			snprintf(err, errsz, "line %lld: insert into %s failed (%s)", (long long)lineno, table, kr_strerror(rc));
			rc = rc < 0 ? rc : KR_EDB;
			goto done;
		}
		rc = KR_OK;
		(*rows)++;
	}
	if (!ended)
		FAIL("the dump is truncated (no end marker after line %lld)", (long long)lineno);
	if (ins && has_id && e->after_load && (rc = e->after_load(db_conn(db), table)))
		goto done;
done:
	db_stmt_free(ins);
	json_decref(cols);
	json_decref(line);
	buf_free(&text);
	if (rc == KR_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	return rc;
}
