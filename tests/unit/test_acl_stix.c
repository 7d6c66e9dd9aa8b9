/* test_acl_stix.c - the randomised property test of R5.4 for STIX objects
 * (TAXII collections): for generated organisations, people, communities
 * (everyone / by org / by person, archived, another space) and stored
 * object versions (every TLP, contributed by random organisations) it
 * checks that
 *   - the list face (ACL_STIX_PRED directly, and ACL_STIX_COLLECTION_PRED
 *     through the keyset paging per collection of stix_query and of the
 *     TAXII objects page, stix_query_each),
 *   - the single-item face (acl_stix_visible, computed in C)
 * agree with an independent model of the rule written in acl.h, whatever
 * the viewer's site role (R5.5), and that a hidden object answers exactly
 * like a missing one.  The seed is printed; set KAIRAN_TEST_SEED to
 * replay.  Runs on SQLite, and on PostgreSQL when KAIRAN_TEST_PG_URL is
 * set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/acl.h"
#include "core/stix.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

#define NORG 30
#define NPERSON 300
#define NCOMM 20
#define NOBJ 1500

#include "proptest.h" /* after the sizes it reads */


struct m_obj {
	int comm, org, tlp; /* tlp: 0 clear 1 green 2 amber 3 amber+strict 4 red */
	int64_t space;
};
struct model {
	int person_org[NPERSON];
	struct m_comm comm[NCOMM];
	struct m_obj obj[NOBJ];
	int64_t obj_db_id[NOBJ];
	int64_t person_db_id[NPERSON], org_db_id[NORG], comm_db_id[NCOMM];
};

static const char *const tlps[] = {"clear", "green", "amber", "amber+strict", "red"};

static bool m_member(const struct model *m, int p, int cm, int64_t space)
{
	return proptest_member(&m->comm[cm], m->person_org[p], p, space);
}

/* The rule of acl.h, read directly: the collection's community, and RED
 * only for the contributing organisation's people. */
static bool m_visible(const struct model *m, int p, int o, int64_t space)
{
	const struct m_obj *x = &m->obj[o];
	if (x->space != space || !m_member(m, p, x->comm, space))
		return false;
	return x->tlp != 4 || x->org == m->person_org[p];
}

static void generate(struct db *db, struct model *m)
{
	struct db_stmt *st;
	int64_t now = 1600000000000LL;
	assert_int_equal(db_begin(db), KR_OK);
	proptest_orgs_people(db, now, NORG, m->org_db_id, NPERSON, m->person_org, m->person_db_id);
	proptest_communities(db, now, m->comm, m->comm_db_id, m->org_db_id, m->person_db_id);
	for (int o = 0; o < NOBJ; o++) {
		struct m_obj *x = &m->obj[o];
		x->comm = (int)(rnd() % NCOMM);
		x->space = m->comm[x->comm].space;
		x->org = (int)(rnd() % NORG);
		x->tlp = (int)(rnd() % 5);
		assert_int_equal(db_prepare(db, "INSERT INTO stix_objects (space, community_id, stix_id, type, spec_version,"
						" version_us, date_added_us, org_id, tlp, json) VALUES (?1, ?2, ?3, 'indicator',"
						" '2.1', 0, ?4, ?5, ?6, '{}') RETURNING id", &st), KR_OK);
		char sid[80];
		snprintf(sid, sizeof sid, "indicator--00000000-0000-4000-8000-%012d", o);
		db_bind_int(st, 1, x->space);
		db_bind_int(st, 2, m->comm_db_id[x->comm]);
		db_bind_text(st, 3, sid);
		/* Few distinct times so paging has to break ties by id. */
		db_bind_int(st, 4, now * 1000 + (int64_t)(rnd() % 40) * 1000000);
		db_bind_int(st, 5, m->org_db_id[x->org]);
		db_bind_text(st, 6, tlps[x->tlp]);
		m->obj_db_id[o] = insert_returning(st);
	}
	assert_int_equal(db_commit(db), KR_OK);
}

static struct ctx viewer(struct db *db, struct arena *a, const struct model *m, int p, int64_t space)
{
	struct ctx c = {.db = db, .a = a, .now = now_ms(), .space = space};
	c.who.person_id = m->person_db_id[p];
	c.who.org_id = m->org_db_id[m->person_org[p]];
	c.who.role = (enum role)(1 + p % 3); /* member, coordinator, admin: no role reads around (R5.5) */
	c.who.login = "viewer";
	return c;
}

static int obj_index(const struct model *m, int64_t id)
{
	return proptest_index(m->obj_db_id, NOBJ, id);
}

/* stix_query_each's rows for one viewer and collection, checked
 * against the model as they come. */
struct each_check {
	const struct model *m;
	bool *seen;
	int p, cm;
	int64_t space;
	int n;
};

static int each_check_row(void *arg, const struct stix_obj_text *t)
{
	struct each_check *e = arg;
	int o = obj_index(e->m, t->row_id);
	assert_true(o >= 0 && e->m->obj[o].comm == e->cm);
	assert_true(t->json_len == 2 && memcmp(t->json, "{}", 2) == 0);
	if (!m_visible(e->m, e->p, o, e->space) || e->seen[o])
		fail_msg("seed %llu: p%d TAXII page of collection %d: object %d wrongly or twice",
			 (unsigned long long)seed, e->p, e->cm, o);
	e->seen[o] = true;
	e->n++;
	return KR_OK;
}

static void run_property(const char *url)
{
	char path[64];
	struct db *db = proptest_open(path, "acl-stix", url);
	struct model *m = calloc(1, sizeof *m);
	generate(db, m);
	struct arena *a = arena_new();
	bool *seen = calloc(NOBJ, 1);
	int lists = 0, pages = 0;
	/* 1. The list face: the predicate over the whole table, then each
	 * collection through stix_query's paging. */
	for (int p = 0; p < NPERSON; p += url ? 23 : 7) {
		int64_t space = p % 5 == 0 ? 1 : 0;
		struct ctx c = viewer(db, a, m, p, space);
		struct db_stmt *st;
		assert_int_equal(db_prepare(db, "SELECT o.id FROM stix_objects o WHERE " ACL_STIX_PRED " ORDER BY o.id",
					    &st), KR_OK);
		acl_viewer_binds(&c, st);
		memset(seen, 0, NOBJ);
		int got = 0;
		while (db_step(st) == KR_ROW) {
			int o = obj_index(m, db_col_int(st, 0));
			assert_true(o >= 0);
			if (!m_visible(m, p, o, space))
				fail_msg("seed %llu: p%d sees object %d through ACL_STIX_PRED, model says hidden",
					 (unsigned long long)seed, p, o);
			seen[o] = true;
			got++;
		}
		db_done(st);
		int want = 0;
		for (int o = 0; o < NOBJ; o++)
			if (m_visible(m, p, o, space)) {
				want++;
				if (!seen[o])
					fail_msg("seed %llu: p%d misses visible object %d", (unsigned long long)seed, p, o);
			}
		assert_int_equal(got, want);
		for (int cm = 0; cm < NCOMM; cm += 3) {
			memset(seen, 0, NOBJ);
			struct stix_query q = {.community_id = m->comm_db_id[cm], .limit = 17, .all_versions = true};
			int n = 0;
			for (;;) {
				struct stix_page pg;
				assert_int_equal(stix_query(&c, &q, &pg, NULL), KR_OK);
				pages++;
				for (size_t i = 0; i < pg.n; i++) {
					int o = obj_index(m, pg.rows[i].row_id);
					assert_true(o >= 0 && m->obj[o].comm == cm);
					if (!m_visible(m, p, o, space) || seen[o])
						fail_msg("seed %llu: p%d paging collection %d: object %d wrongly or twice",
							 (unsigned long long)seed, p, cm, o);
					seen[o] = true;
					n++;
				}
				if (!pg.more)
					break;
				q.next = pg.next;
			}
			int wantc = 0;
			for (int o = 0; o < NOBJ; o++)
				wantc += m->obj[o].comm == cm && m_visible(m, p, o, space);
			assert_int_equal(n, wantc);
			/* The same collection through the TAXII objects page
			 * (stix_query_each: latest versions, the plain statement;
			 * every object here is its own latest version). */
			memset(seen, 0, NOBJ);
			struct each_check ec = {m, seen, p, cm, space, 0};
			struct stix_query qe = {.community_id = m->comm_db_id[cm], .limit = 17};
			for (;;) {
				struct stix_page_info info;
				assert_int_equal(stix_query_each(&c, &qe, each_check_row, &ec, &info, NULL), KR_OK);
				pages++;
				if (!info.more)
					break;
				qe.next = info.next;
			}
			assert_int_equal(ec.n, wantc);
		}
		lists++;
	}
	free(seen);
	/* 2. The single-item face on random pairs; missing == hidden. */
	int visible = 0, hidden = 0;
	for (int i = 0; i < (url ? 1500 : 6000); i++) {
		int p = (int)(rnd() % NPERSON), o = (int)(rnd() % NOBJ);
		int64_t space = chance(10) ? 1 : 0;
		struct ctx c = viewer(db, a, m, p, space);
		int rc = acl_stix_visible(&c, m->obj_db_id[o]);
		bool want = m_visible(m, p, o, space);
		if ((rc == KR_OK) != want || (rc != KR_OK && rc != KR_ENOTFOUND))
			fail_msg("seed %llu: acl_stix_visible(p%d, o%d) = %d, model %d", (unsigned long long)seed, p, o,
				 rc, want);
		want ? visible++ : hidden++;
		if (!want)
			assert_int_equal(acl_stix_visible(&c, m->obj_db_id[NOBJ - 1] + 1000 + i), KR_ENOTFOUND);
	}
	struct ctx anon = {.db = db, .a = a};
	assert_int_equal(acl_stix_visible(&anon, m->obj_db_id[0]), KR_ENOTFOUND);
	assert_true(visible > 20 && hidden > 100);
	print_message("acl stix property (%s): seed %llu, %d list viewers (%d pages), %d visible / %d hidden pairs\n",
		      url ? "postgres" : "sqlite", (unsigned long long)seed, lists, pages, visible, hidden);
	arena_free(a);
	free(m);
	db_close(db);
	proptest_remove(path);
}

PROPTEST_MAIN(acl_stix)
