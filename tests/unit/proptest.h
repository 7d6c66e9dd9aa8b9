/* proptest.h - the scaffolding the randomised property tests share
 * (test_acl, test_acl_stix, test_acl_cases, test_stix_query): the seed
 * (KAIRAN_TEST_SEED to replay, else time and pid), the xorshift generator,
 * a fresh migrated database on SQLite (a file in /tmp) or PostgreSQL (the
 * public schema emptied first), the generated organisations and people,
 * and main() running the property once per engine.  Header-only (each
 * test program is built from its one .c file); include it after
 * <cmocka.h>.  The test itself keeps its model and its checks. */
#ifndef KR_PROPTEST_H
#define KR_PROPTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "store/db.h"

static const char *pg_url;
static uint64_t seed;

static uint64_t rs;
static inline uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}
static inline bool chance(int pct) { return (int)(rnd() % 100) < pct; }

/* Step an INSERT ... RETURNING id and return the id. */
static inline int64_t insert_returning(struct db_stmt *st)
{
	int rc = db_step(st);
	assert_int_equal(rc, KR_ROW);
	int64_t id = db_col_int(st, 0);
	db_done(st);
	return id;
}

/* The position of row id in ids[0..n-1], or -1: rows are inserted in
 * order, so ids ascend and a binary search finds them. */
static inline int proptest_index(const int64_t *ids, int n, int64_t id)
{
	int lo = 0, hi = n - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Open a fresh, migrated database: on url when given, else on the SQLite
 * file /tmp/kairan-test-NAME-PID.db written into path; and restart the
 * generator from the seed so both engines see the same data. */
static inline struct db *proptest_open(char path[64], const char *name, const char *url)
{
	snprintf(path, 64, "/tmp/kairan-test-%s-%d.db", name, (int)getpid());
	unlink(path);
	struct db *db;
	assert_int_equal(db_open(url ? url : path, &db), KR_OK);
	if (url)
		assert_int_equal(db_exec(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), KR_OK);
	assert_int_equal(db_migrate(db), KR_OK);
	rs = seed;
	return db;
}

/* Remove the SQLite files of proptest_open (a no-op on PostgreSQL). */
static inline void proptest_remove(const char *path)
{
	char p2[80];
	unlink(path);
	snprintf(p2, sizeof p2, "%s-wal", path);
	unlink(p2);
	snprintf(p2, sizeof p2, "%s-shm", path);
	unlink(p2);
}

/* Insert norg organisations o0.. (kind other) and nperson people p0..,
 * each in a random organisation (person_org), at now. */
static inline void proptest_orgs_people(struct db *db, int64_t now, int norg, int64_t *org_db_id,
					int nperson, int *person_org, int64_t *person_db_id)
{
	struct db_stmt *st;
	char s1[64], s2[64];
	for (int o = 0; o < norg; o++) {
		assert_int_equal(db_prepare(db, "INSERT INTO orgs (slug, name_ja, name_en, kind, created_at, updated_at)"
						" VALUES (?1, ?1, ?1, 'other', ?2, ?2) RETURNING id", &st), KR_OK);
		snprintf(s1, sizeof s1, "o%d", o);
		db_bind_text(st, 1, s1);
		db_bind_int(st, 2, now);
		org_db_id[o] = insert_returning(st);
	}
	for (int p = 0; p < nperson; p++) {
		person_org[p] = (int)(rnd() % (uint32_t)norg);
		assert_int_equal(db_prepare(db, "INSERT INTO people (org_id, login, email, display_name, created_at,"
						" updated_at) VALUES (?1, ?2, ?3, ?2, ?4, ?4) RETURNING id", &st), KR_OK);
		snprintf(s1, sizeof s1, "p%d", p);
		snprintf(s2, sizeof s2, "p%d@x.example", p);
		db_bind_int(st, 1, org_db_id[person_org[p]]);
		db_bind_text(st, 2, s1);
		db_bind_text(st, 3, s2);
		db_bind_int(st, 4, now);
		person_db_id[p] = insert_returning(st);
	}
}

#ifdef NCOMM
/* A community of the model: its space, everyone / archived flags, and its
 * member organisations and people (NORG, NPERSON, NCOMM come from the test). */
struct m_comm {
	int64_t space;
	bool everyone, archived;
	bool org_member[NORG];
	bool person_member[NPERSON];
};

/* Whether person p of organisation org belongs to community c in space. */
static inline bool proptest_member(const struct m_comm *c, int org, int p, int64_t space)
{
	if (c->space != space || c->archived)
		return false;
	return c->everyone || c->org_member[org] || c->person_member[p];
}

/* Add organisation or person `who` to community c (row id comm_id) unless
 * it is a member already. */
static inline void proptest_add_member(struct db *db, int64_t now, struct m_comm *c, int64_t comm_id, bool org,
				       int who, const int64_t *org_db_id, const int64_t *person_db_id)
{
	struct db_stmt *st;
	if (org ? c->org_member[who] : c->person_member[who])
		return;
	if (org)
		c->org_member[who] = true;
	else
		c->person_member[who] = true;
	assert_int_equal(db_prepare(db, "INSERT INTO community_members (community_id, member_type,"
					" member_id, role, added_at) VALUES (?1, ?2, ?3, 'member', ?4)", &st), KR_OK);
	db_bind_int(st, 1, comm_id);
	db_bind_text(st, 2, org ? "org" : "person");
	db_bind_int(st, 3, org ? org_db_id[who] : person_db_id[who]);
	db_bind_int(st, 4, now);
	int rc = db_step(st);
	if (rc != KR_DONE)
		fail_msg("insert failed: %s", kr_strerror(rc));
	db_done(st);
}

/* Insert community c0.. as c->space, c->everyone, c->archived say; returns its id. */
static inline int64_t proptest_community(struct db *db, int64_t now, int c, const struct m_comm *mc)
{
	struct db_stmt *st;
	char slug[32];
	assert_int_equal(db_prepare(db, "INSERT INTO communities (space, slug, kind, name_ja, name_en, everyone,"
					" created_at, archived_at) VALUES (?1, ?2, 'member', ?2, ?2, ?3, ?4, ?5)"
					" RETURNING id", &st), KR_OK);
	snprintf(slug, sizeof slug, "c%d", c);
	db_bind_int(st, 1, mc->space);
	db_bind_text(st, 2, slug);
	db_bind_int(st, 3, mc->everyone ? 1 : 0);
	db_bind_int(st, 4, now);
	if (mc->archived)
		db_bind_int(st, 5, now);
	else
		db_bind_null(st, 5);
	return insert_returning(st);
}

/* The communities of test_acl and test_acl_stix: one in ten in another
 * space, about one in eight open to everyone, one in twenty archived, each
 * with up to 7 member organisations and 29 member people drawn at random. */
static inline void proptest_communities(struct db *db, int64_t now, struct m_comm *comm, int64_t *comm_db_id,
					const int64_t *org_db_id, const int64_t *person_db_id)
{
	for (int c = 0; c < NCOMM; c++) {
		struct m_comm *mc = &comm[c];
		mc->space = chance(10) ? 1 : 0;
		mc->everyone = chance(12);
		mc->archived = chance(5);
		comm_db_id[c] = proptest_community(db, now, c, mc);
		int norg = (int)(rnd() % 8), nper = (int)(rnd() % 30);
		for (int i = 0; i < norg + nper; i++) {
			bool org = i < norg;
			int who = (int)(rnd() % (org ? NORG : NPERSON));
			proptest_add_member(db, now, mc, comm_db_id[c], org, who, org_db_id, person_db_id);
		}
	}
}
#endif

/* The two cmocka tests (SQLite, then PostgreSQL when KAIRAN_TEST_PG_URL
 * is set) of run_property, and main() choosing the seed. */
#define PROPTEST_MAIN(group)                                                                                   \
	static void test_##group##_sqlite(void **state)                                                        \
	{                                                                                                      \
		(void)state;                                                                                   \
		run_property(NULL);                                                                            \
	}                                                                                                      \
	static void test_##group##_pg(void **state)                                                            \
	{                                                                                                      \
		(void)state;                                                                                   \
		if (!pg_url)                                                                                   \
			skip();                                                                                \
		run_property(pg_url);                                                                          \
	}                                                                                                      \
	int main(void)                                                                                         \
	{                                                                                                      \
		log_set_level(LOG_WARN);                                                                       \
		const char *s = getenv("KAIRAN_TEST_SEED");                                                    \
		seed = s ? strtoull(s, NULL, 10) : ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16));        \
		if (!seed)                                                                                     \
			seed = 1;                                                                              \
		pg_url = getenv("KAIRAN_TEST_PG_URL");                                                         \
		const struct CMUnitTest tests[] = {                                                            \
			cmocka_unit_test(test_##group##_sqlite),                                               \
			cmocka_unit_test(test_##group##_pg),                                                   \
		};                                                                                             \
		return cmocka_run_group_tests_name(#group, tests, NULL, NULL);                                 \
	}

#endif
