/* sqlite_raw.c - the SQLite ceiling for bench/taxii.sh: how fast this
 * machine inserts and reads the rows of a STIX ingest with nothing but
 * sqlite3 and prepared statements, on the same database file Kairan uses
 * (same tables, indexes, foreign keys and pragmas - it prints the
 * settings it shares with Kairan), in the same run.
 *
 *   sqlite_raw DB BUNDLE COMMUNITY_SLUG LOGIN
 *
 * BUNDLE is a file from `kairan bench-gen --stix-bundle` (one object per
 * line).  Each indicator line becomes one stix_objects row (its text as
 * the json column; id, timestamps, TLP and value found by plain string
 * search: no JSON parser, no validation) and one stix_values row, all in
 * one transaction with two prepared INSERTs, committed.  Then the same
 * rows are read back by row id, and the TAXII page query's index path
 * (1000 rows of the collection by date added, without the access
 * predicate) is run repeatedly.  The rows are deleted again at the end so
 * the database is as it was.  Prints "key value" lines for the script.
 *
 * Not part of the server: it talks to sqlite3 directly on purpose (the
 * build-time rule check covers src/ only). */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "sqlite_raw: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

/* The string value of "key":"..." in line (no escapes in generated data). */
static int field(const char *line, const char *key, const char **v, int *n)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	const char *p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	const char *e = strchr(p, '"');
	if (!e)
		return -1;
	*v = p;
	*n = (int)(e - p);
	return 0;
}

static int64_t ts_us(const char *s)
{
	struct tm tm = {0};
	int frac = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec, &frac) < 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000 + frac;
}

static int64_t one_int(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		die(db, sql);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	int64_t v = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: sqlite_raw DB BUNDLE COMMUNITY_SLUG LOGIN\n");
		return 2;
	}
	FILE *f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	sqlite3 *db;
	if (sqlite3_open(argv[1], &db))
		die(db, "open");
	/* Kairan's connection settings (src/store/db_sqlite.c): the same
	 * pragmas and the same 256 MB page cache for the write.  `kairan
	 * serve` checkpoints on a background thread, so the commit it answers
	 * after does not include copying the WAL into the database: neither
	 * does the commit timed here (the checkpoint runs after, untimed). */
	static const char settings[] = "journal_mode=WAL foreign_keys=ON synchronous=NORMAL temp_store=MEMORY"
				       " cache_size=256MB for the write, checkpoint outside the commit";
	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
			 " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000; PRAGMA busy_timeout=10000;"
			 " PRAGMA wal_autocheckpoint=0;",
			 NULL, NULL, NULL))
		die(db, "pragmas");
	int64_t comm = one_int(db, "SELECT id FROM communities WHERE slug = ?1", argv[3]);
	int64_t person = one_int(db, "SELECT id FROM people WHERE login = ?1", argv[4]);
	int64_t org = one_int(db, "SELECT org_id FROM people WHERE login = ?1", argv[4]);
	if (!comm || !person)
		die(NULL, "community or person not found");

	/* Read every line first: the timing below is the database's only. */
	size_t cap = 1 << 14, n = 0;
	char **lines = malloc(cap * sizeof *lines);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	size_t bytes = 0;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (strncmp(line, "{\"type\":\"indicator\"", 19) != 0)
			continue;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ','))
			line[--len] = 0;
		if (n == cap)
			lines = realloc(lines, (cap *= 2) * sizeof *lines);
		lines[n++] = strndup(line, (size_t)len);
		bytes += (size_t)len;
	}
	free(line);
	fclose(f);

	sqlite3_stmt *ins, *val;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO stix_objects (space, community_id, stix_id, type, spec_version, created, modified,"
			       " version_us, is_latest, is_first, date_added_us, org_id, person_id, tlp, confidence,"
			       " valid_from, valid_until, json) VALUES (0, ?1, ?2, 'indicator', '2.1', ?3, ?4, ?5, 1, 1, ?6,"
			       " ?7, ?8, ?9, ?10, ?11, NULL, ?12)",
			       -1, &ins, NULL))
		die(db, "prepare insert");
	if (sqlite3_prepare_v2(db, "INSERT INTO stix_values (object_id, kind, value) VALUES (?1, ?2, ?3)", -1, &val,
			       NULL))
		die(db, "prepare values");
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	int64_t added = (int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000;

	double t0 = now_s();
	if (sqlite3_exec(db, "PRAGMA cache_size=-262144; BEGIN IMMEDIATE", NULL, NULL, NULL))
		die(db, "begin");
	int64_t first_id = 0, last_id = 0;
	for (size_t i = 0; i < n; i++) {
		const char *l = lines[i], *id, *cr, *mo, *vf, *pat;
		int nid, ncr, nmo, nvf, npat;
		if (field(l, "id", &id, &nid) || field(l, "created", &cr, &ncr) || field(l, "modified", &mo, &nmo) ||
		    field(l, "valid_from", &vf, &nvf) || field(l, "pattern", &pat, &npat))
			die(NULL, "a line without id, created, modified, valid_from or pattern");
		const char *conf = strstr(l, "\"confidence\":");
		sqlite3_bind_int64(ins, 1, comm);
		sqlite3_bind_text(ins, 2, id, nid, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, cr, ncr, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, mo, nmo, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 5, ts_us(mo));
		sqlite3_bind_int64(ins, 6, added);
		sqlite3_bind_int64(ins, 7, org);
		sqlite3_bind_int64(ins, 8, person);
		sqlite3_bind_text(ins, 9, strstr(l, "55d920b0-5e8b-4f79") ? "amber" : "green", -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 10, conf ? atoi(conf + 13) : 50);
		sqlite3_bind_int64(ins, 11, ts_us(vf) / 1000);
		sqlite3_bind_text(ins, 12, l, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(db, "insert");
		sqlite3_reset(ins);
		int64_t row = sqlite3_last_insert_rowid(db);
		if (!first_id)
			first_id = row;
		last_id = row;
		/* "[kind:path = 'value']" */
		const char *colon = memchr(pat, ':', (size_t)npat), *q1 = memchr(pat, '\'', (size_t)npat);
		const char *q2 = q1 ? memchr(q1 + 1, '\'', (size_t)(pat + npat - q1 - 1)) : NULL;
		if (!colon || !q2)
			die(NULL, "unexpected pattern");
		const char *kind = strncmp(pat, "[file", 5) == 0 ? "sha-256" : NULL;
		sqlite3_bind_int64(val, 1, row);
		if (kind)
			sqlite3_bind_text(val, 2, kind, -1, SQLITE_STATIC);
		else
			sqlite3_bind_text(val, 2, pat + 1, (int)(colon - pat - 1), SQLITE_STATIC);
		sqlite3_bind_text(val, 3, q1 + 1, (int)(q2 - q1 - 1), SQLITE_STATIC);
		if (sqlite3_step(val) != SQLITE_DONE)
			die(db, "insert value");
		sqlite3_reset(val);
	}
	double t_commit = now_s();
	if (sqlite3_exec(db, "COMMIT; PRAGMA cache_size=-16000", NULL, NULL, NULL))
		die(db, "commit");
	t_commit = now_s() - t_commit;
	double t_ins = now_s() - t0;
	sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	/* Read the same rows back, as a TAXII page hands them out. */
	sqlite3_stmt *sel;
	if (sqlite3_prepare_v2(db, "SELECT id, stix_id, json FROM stix_objects WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
			       -1, &sel, NULL))
		die(db, "prepare select");
	size_t got = 0, got_bytes = 0;
	t0 = now_s();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_bind_int64(sel, 1, first_id);
	sqlite3_bind_int64(sel, 2, last_id);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		got++;
		got_bytes += (size_t)sqlite3_column_bytes(sel, 2);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	double t_sel = now_s() - t0;
	sqlite3_finalize(sel);

	/* The TAXII page's index path: 1000 rows of the collection, oldest
	 * first, on (community_id, date_added_us, id); no access predicate. */
	sqlite3_stmt *pg;
	if (sqlite3_prepare_v2(db,
			       "SELECT o.id, o.stix_id, o.type, o.spec_version, o.created, o.modified, o.json,"
			       " o.date_added_us, o.tlp FROM stix_objects o WHERE o.community_id = ?1"
			       " AND (o.date_added_us, o.id) > (?2, ?3) ORDER BY o.date_added_us, o.id LIMIT 1000",
			       -1, &pg, NULL))
		die(db, "prepare page");
	size_t pages = 0;
	t0 = now_s();
	double t_pg;
	do {
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		sqlite3_bind_int64(pg, 1, comm);
		sqlite3_bind_int64(pg, 2, -1);
		sqlite3_bind_int64(pg, 3, 0);
		while (sqlite3_step(pg) == SQLITE_ROW)
			(void)sqlite3_column_text(pg, 6);
		sqlite3_reset(pg);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		pages++;
		t_pg = now_s() - t0;
	} while (t_pg < 2.0);
	sqlite3_finalize(pg);

	/* Leave the database as it was. */
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_stmt *d1, *d2;
	sqlite3_prepare_v2(db, "DELETE FROM stix_values WHERE object_id BETWEEN ?1 AND ?2", -1, &d1, NULL);
	sqlite3_prepare_v2(db, "DELETE FROM stix_objects WHERE id BETWEEN ?1 AND ?2", -1, &d2, NULL);
	sqlite3_bind_int64(d1, 1, first_id);
	sqlite3_bind_int64(d1, 2, last_id);
	sqlite3_bind_int64(d2, 1, first_id);
	sqlite3_bind_int64(d2, 2, last_id);
	if (sqlite3_step(d1) != SQLITE_DONE || sqlite3_step(d2) != SQLITE_DONE)
		die(db, "delete");
	sqlite3_finalize(d1);
	sqlite3_finalize(d2);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
		die(db, "commit delete");

	printf("settings %s\n", settings);
	printf("rows %zu\n", n);
	printf("bytes %zu\n", bytes);
	printf("insert_s %.4f\n", t_ins);
	printf("insert_per_s %.0f\n", (double)n / t_ins);
	printf("commit_s %.4f\n", t_commit);
	printf("select_rows %zu\n", got);
	printf("select_per_s %.0f\n", (double)got / t_sel);
	printf("select_mb_s %.1f\n", (double)got_bytes / 1e6 / t_sel);
	printf("page_per_s %.1f\n", (double)pages / t_pg);
	sqlite3_finalize(ins);
	sqlite3_finalize(val);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	sqlite3_close(db);
	return 0;
}
