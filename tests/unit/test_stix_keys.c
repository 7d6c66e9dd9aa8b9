/* test_stix_keys.c - migration 11 (src/store/schema_stix.c) on a
 * populated SQLite store: the copy of stix_objects and stix_values into
 * their new shape keeps every row, version flag, date and extracted value,
 * leaves the foreign keys intact, drops the second random-id index, and
 * ingest afterwards still finds an object already stored (its ON CONFLICT
 * names the unique key's columns in the old order) and still moves the
 * latest/first flags between versions.  The PostgreSQL form of the
 * migration runs in every PostgreSQL test (testenv migrates). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testenv.h"

#include "core/community.h"
#include "core/stix.h"
#include "lib/buf.h"
#include "store/db.h"

extern const char db_m11_stix_keys_sqlite[];

#define IND_ID "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
#define IND(modified, pattern)                                                                   \
	"{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" IND_ID "\","                  \
	"\"created\":\"2016-01-06T20:03:48.000Z\",\"modified\":\"" modified "\","                  \
	"\"pattern\":\"" pattern "\",\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\"}"
#define BUNDLE(objs) "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[" objs "]}"

static const char doc1[] = BUNDLE(
	IND("2016-04-06T20:03:48.000Z", "[ipv4-addr:value = '198.51.100.1']") ","
	IND("2016-05-06T20:03:48.000Z", "[ipv4-addr:value = '198.51.100.2']") ","
	"{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"198.51.100.3\"},"
	"{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--ee20065d-2555-424f-ad9e-0f8428623c75\","
	"\"created\":\"2016-04-06T20:08:31.000Z\",\"modified\":\"2016-04-06T20:08:31.000Z\","
	"\"sighting_of_ref\":\"" IND_ID "\",\"count\":3}");
static const char doc2[] =
	BUNDLE(IND("2016-03-06T20:03:48.000Z", "[domain-name:value = 'older.example']") ","
	       "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
	       "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
	       "\"pattern\":\"[url:value = 'http://example.com/x']\",\"pattern_type\":\"stix\","
	       "\"valid_from\":\"2016-01-01T00:00:00Z\"}");
static const char doc3[] = BUNDLE(IND("2017-01-01T00:00:00.000Z", "[ipv4-addr:value = '198.51.100.9']"));

static int setup(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	testenv_open(f, "stix-keys");
	int64_t rail = testenv_org(f, "rail", NULL, NULL, "critical_service", NULL);
	testenv_person(f, rail, "rail1", NULL, ROLE_MEMBER);
	struct ctx c = testenv_as(f, "rail1", "en");
	struct community cm = {.slug = "rail-isac", .name_ja = "rail-isac", .name_en = "Rail ISAC",
			       .description = "", .join_policy = "invite", .post_policy = "members"};
	const char *bad = NULL;
	assert_int_equal(community_create(&c, &cm, NULL, &bad), KR_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	testenv_close(*state);
	free(*state);
	return 0;
}

static void ingest(struct testenv *f, const char *doc)
{
	struct ctx c = testenv_as(f, "rail1", "en");
	struct stix_status st;
	int rc = stix_ingest(&c, "rail-isac", doc, strlen(doc), STIX_DOC_BUNDLE, &st);
	if (rc != KR_OK)
		fail_msg("ingest: rc=%d (%s; first reason %s)", rc, st.error ? st.error : "-",
			 st.total && st.items[0].reason ? st.items[0].reason : "-");
}

/* Every column of every row of both tables, as one string. */
static char *snapshot(struct testenv *f)
{
	struct buf b = BUF_INIT;
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db,
				    "SELECT id, space, community_id, stix_id, type, spec_version, COALESCE(created, '-'),"
				    " COALESCE(modified, '-'), version_us, is_latest, is_first, date_added_us, org_id,"
				    " COALESCE(person_id, 0), tlp, COALESCE(confidence, -1), COALESCE(valid_from, -1),"
				    " COALESCE(valid_until, -1), json FROM stix_objects ORDER BY id",
				    &st),
			 KR_OK);
	while (db_step(st) == KR_ROW) {
		for (int i = 0; i < 19; i++)
			buf_printf(&b, "%s|", db_col_text(st, i));
		buf_addc(&b, '\n');
	}
	db_done(st);
	assert_int_equal(db_prepare(f->db, "SELECT object_id, kind, value FROM stix_values ORDER BY 1, 2, 3", &st),
			 KR_OK);
	while (db_step(st) == KR_ROW)
		buf_printf(&b, "%s|%s|%s\n", db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2));
	db_done(st);
	return buf_steal(&b, NULL);
}

static int64_t one(struct testenv *f, const char *sql)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, sql, &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	int64_t v = db_col_int(st, 0);
	db_done(st);
	return v;
}

static void test_migration_11_keeps_rows(void **state)
{
	struct testenv *f = *state;
	if (testenv_pg_url)
		skip();
	ingest(f, doc1);
	ingest(f, doc2);
	char *before = snapshot(f);
	assert_non_null(strstr(before, "198.51.100.2"));
	assert_non_null(strstr(before, "older.example"));
	/* The migration's copy, again on the populated tables: the same
	 * statements a site at version 10 runs. */
	assert_int_equal(db_begin(f->db), KR_OK);
	assert_int_equal(db_exec(f->db, db_m11_stix_keys_sqlite), KR_OK);
	assert_int_equal(db_commit(f->db), KR_OK);
	char *after = snapshot(f);
	assert_string_equal(after, before);
	free(before);
	free(after);

	assert_int_equal(one(f, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'stix_objects_stix_id'"), 0);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'stix_objects'"),
			 3); /* the unique key, by date added, sightings */
	assert_int_equal(one(f, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'stix_values'"
				" AND sql LIKE '%WITHOUT ROWID%' AND sql LIKE '%REFERENCES \"stix_objects\"%'"),
			 1);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%_m11%'"), 0);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
	/* The foreign key is still enforced on the renamed tables. */
	assert_int_not_equal(db_exec(f->db, "INSERT INTO stix_values (object_id, kind, value) VALUES (999999, 'x', 'y')"),
			     KR_OK);

	/* Ingest after it: an object already stored is not stored twice
	 * (ON CONFLICT on the reordered key), a newer version takes the
	 * latest flag, the oldest keeps the first flag. */
	int64_t n = one(f, "SELECT COUNT(*) FROM stix_objects");
	ingest(f, doc1);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM stix_objects"), n);
	ingest(f, doc3);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM stix_objects"), n + 1);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM stix_objects WHERE stix_id = '" IND_ID "' AND is_latest = 1"), 1);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM stix_objects WHERE stix_id = '" IND_ID "' AND is_latest = 1"
				" AND modified = '2017-01-01T00:00:00.000Z'"),
			 1);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM stix_objects WHERE stix_id = '" IND_ID "' AND is_first = 1"
				" AND modified = '2016-03-06T20:03:48.000Z'"),
			 1);
	assert_int_equal(one(f, "SELECT COUNT(*) FROM stix_values WHERE value = '198.51.100.9'"), 1);
}

int main(void)
{
	testenv_pg_url = getenv("KAIRAN_TEST_PG_URL");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migration_11_keeps_rows, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
