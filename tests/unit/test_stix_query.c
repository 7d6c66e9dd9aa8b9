/* test_stix_query.c - the indicator pages' queries (core/stix_query.h)
 * against an independent model, on generated data: organisations, people,
 * communities (everyone / by org / by person, archived, another space),
 * object versions of every TLP (some not the latest) holding values of a
 * few kinds that share prefixes.  For sampled viewers it checks that
 * stix_list, paged to the end under each filter (none, one collection,
 * value kind, TLP, source organisation, exact value, value prefix), returns
 * exactly the latest versions the model says the viewer may see, each
 * once; that the capped total is right; and that stix_detail_get answers a
 * hidden object exactly like a missing one (the import job is covered
 * by tests/http/test_indicator_pages.py).  The seed is printed; KAIRAN_TEST_SEED replays.  SQLite, and PostgreSQL
 * when KAIRAN_TEST_PG_URL is set. */
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

#include "core/stix_query.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

#define NORG 8
#define NPERSON 40
#define NCOMM 8
#define NOBJ 400
#define MAXV 3

#include "proptest.h" /* after the sizes it reads */

static const char *const tlps[] = {"clear", "green", "amber", "amber+strict", "red"};
static const char *const kinds[] = {"ipv4-addr", "domain-name", "url"};

struct m_obj {
	int comm, org, tlp, nv;
	bool latest;
	int64_t space;
	int kind[MAXV];
	char value[MAXV][40];
};
struct model {
	int person_org[NPERSON];
	struct m_comm comm[NCOMM];
	struct m_obj obj[NOBJ];
	int64_t obj_db_id[NOBJ], person_db_id[NPERSON], org_db_id[NORG], comm_db_id[NCOMM];
};

static bool m_member(const struct model *m, int p, int cm, int64_t space)
{
	return proptest_member(&m->comm[cm], m->person_org[p], p, space);
}

static bool m_visible(const struct model *m, int p, int o, int64_t space)
{
	const struct m_obj *x = &m->obj[o];
	if (x->space != space || !m_member(m, p, x->comm, space))
		return false;
	return x->tlp != 4 || x->org == m->person_org[p];
}


static void exec_done(struct db_stmt *st)
{
	int rc = db_step(st);
	if (rc != KR_DONE)
		fail_msg("statement failed: %s", kr_strerror(rc));
	db_done(st);
}

static void generate(struct db *db, struct model *m)
{
	struct db_stmt *st;
	int64_t now = 1600000000000LL;
	char s1[64];
	assert_int_equal(db_begin(db), KR_OK);
	proptest_orgs_people(db, now, NORG, m->org_db_id, NPERSON, m->person_org, m->person_db_id);
	for (int c = 0; c < NCOMM; c++) {
		struct m_comm *mc = &m->comm[c];
		mc->space = c == NCOMM - 1 ? 1 : 0;
		mc->everyone = c == 0 || chance(10);
		mc->archived = c == 1;
		m->comm_db_id[c] = proptest_community(db, now, c, mc);
		for (int i = 0; i < 12; i++) {
			bool org = i < 3;
			int who = (int)(rnd() % (org ? NORG : NPERSON));
			proptest_add_member(db, now, mc, m->comm_db_id[c], org, who, m->org_db_id, m->person_db_id);
		}
	}
	for (int o = 0; o < NOBJ; o++) {
		struct m_obj *x = &m->obj[o];
		x->comm = (int)(rnd() % NCOMM);
		x->space = m->comm[x->comm].space;
		x->org = (int)(rnd() % NORG);
		x->tlp = (int)(rnd() % 5);
		x->latest = !chance(15);
		assert_int_equal(db_prepare(db, "INSERT INTO stix_objects (space, community_id, stix_id, type, spec_version,"
						" version_us, is_latest, date_added_us, org_id, tlp, json) VALUES (?1, ?2, ?3,"
						" 'indicator', '2.1', 0, ?4, ?5, ?6, ?7, '{\"name\":\"x\"}') RETURNING id", &st),
				 KR_OK);
		snprintf(s1, sizeof s1, "indicator--00000000-0000-4000-8000-%012d", o);
		db_bind_int(st, 1, x->space);
		db_bind_int(st, 2, m->comm_db_id[x->comm]);
		db_bind_text(st, 3, s1);
		db_bind_int(st, 4, x->latest ? 1 : 0);
		/* few distinct times: the collection order breaks ties by id */
		db_bind_int(st, 5, now * 1000 + (int64_t)(o / 7) * 1000000);
		db_bind_int(st, 6, m->org_db_id[x->org]);
		db_bind_text(st, 7, tlps[x->tlp]);
		m->obj_db_id[o] = insert_returning(st);
		x->nv = (int)(rnd() % (MAXV + 1));
		for (int v = 0; v < x->nv; v++) {
			x->kind[v] = v; /* distinct kinds per object: (object, kind, value) stays unique */
			if (v == 0)
				snprintf(x->value[v], sizeof x->value[v], "10.0.%u.%u", rnd() % 12, rnd() % 4);
			else if (v == 1)
				snprintf(x->value[v], sizeof x->value[v], "h%u.example", rnd() % 30);
			else
				snprintf(x->value[v], sizeof x->value[v], "http://h%u.example/%u", rnd() % 5, rnd() % 3);
			assert_int_equal(db_prepare(db, "INSERT INTO stix_values (object_id, kind, value) VALUES (?1, ?2, ?3)",
						    &st), KR_OK);
			db_bind_int(st, 1, m->obj_db_id[o]);
			db_bind_text(st, 2, kinds[x->kind[v]]);
			db_bind_text(st, 3, x->value[v]);
			exec_done(st);
		}
	}
	assert_int_equal(db_commit(db), KR_OK);
}

static struct ctx viewer(struct db *db, struct arena *a, const struct model *m, int p, int64_t space)
{
	struct ctx c = {.db = db, .a = a, .now = now_ms(), .space = space};
	c.who.person_id = m->person_db_id[p];
	c.who.org_id = m->org_db_id[m->person_org[p]];
	c.who.role = (enum role)(1 + p % 3); /* no role reads around (R5.5) */
	c.who.login = "viewer";
	c.who.locale = "en";
	return c;
}

static int obj_index(const struct model *m, int64_t id)
{
	for (int o = 0; o < NOBJ; o++)
		if (m->obj_db_id[o] == id)
			return o;
	return -1;
}

/* Does object o pass filter f (the model's reading of stix_query.h)? */
struct mfilter {
	int comm;           /* -1 any */
	int kind;           /* -1 any */
	int tlp;            /* -1 any */
	int org;            /* -1 any */
	const char *value;
	bool prefix;
};
static bool m_match(const struct model *m, int o, const struct mfilter *f)
{
	const struct m_obj *x = &m->obj[o];
	if (!x->latest || (f->comm >= 0 && x->comm != f->comm) || (f->tlp >= 0 && x->tlp != f->tlp) ||
	    (f->org >= 0 && x->org != f->org))
		return false;
	if (f->kind >= 0 && !f->value) {
		bool any = false;
		for (int v = 0; v < x->nv; v++)
			any |= x->kind[v] == f->kind;
		if (!any)
			return false;
	}
	if (f->value) {
		bool any = false;
		for (int v = 0; v < x->nv; v++) {
			if (f->kind >= 0 && x->kind[v] != f->kind)
				continue;
			any |= f->prefix ? !strncmp(x->value[v], f->value, strlen(f->value)) : !strcmp(x->value[v], f->value);
		}
		if (!any)
			return false;
	}
	return true;
}

static void check_list(struct db *db, struct arena *a, const struct model *m, int p, int64_t space,
		       const struct mfilter *mf)
{
	struct ctx c = viewer(db, a, m, p, space);
	struct stix_list_filter f = {.type = "any", .limit = 13};
	char org[16];
	if (mf->comm >= 0)
		f.community_id = m->comm_db_id[mf->comm];
	if (mf->kind >= 0)
		f.kind = kinds[mf->kind];
	if (mf->tlp >= 0)
		f.tlp = tlps[mf->tlp];
	if (mf->org >= 0) {
		snprintf(org, sizeof org, "o%d", mf->org);
		f.org = org;
	}
	f.value = mf->value;
	f.prefix = mf->prefix;
	bool seen[NOBJ] = {false};
	int n = 0, pages = 0;
	int64_t total = -1;
	int64_t last_id = INT64_MAX;
	for (;;) {
		struct stix_list_page pg;
		const char *bad = NULL;
		int rc = stix_list(&c, &f, &pg, &bad);
		if (rc)
			fail_msg("seed %llu: stix_list p%d: %s (%s)", (unsigned long long)seed, p, kr_strerror(rc), bad ? bad : "");
		if (total < 0)
			total = pg.total;
		assert_int_equal(pg.total, total); /* the same on every page */
		for (size_t i = 0; i < pg.n; i++) {
			int o = obj_index(m, pg.rows[i].row_id);
			assert_true(o >= 0);
			if (seen[o] || !m_visible(m, p, o, space) || !m_match(m, o, mf))
				fail_msg("seed %llu: p%d filter(comm %d kind %d tlp %d org %d value %s%s): object %d %s",
					 (unsigned long long)seed, p, mf->comm, mf->kind, mf->tlp, mf->org,
					 mf->value ? mf->value : "-", mf->prefix ? "*" : "", o, seen[o] ? "twice" : "wrongly");
			/* newest first: the ids descend (one collection: within a time) */
			if (mf->comm < 0 || mf->value)
				assert_true(pg.rows[i].row_id < last_id);
			last_id = pg.rows[i].row_id;
			seen[o] = true;
			n++;
		}
		pages++;
		if (!pg.next_cursor)
			break;
		f.cursor = pg.next_cursor;
		assert_true(pages < 200);
	}
	int want = 0;
	for (int o = 0; o < NOBJ; o++)
		if (m_visible(m, p, o, space) && m_match(m, o, mf)) {
			want++;
			if (!seen[o])
				fail_msg("seed %llu: p%d misses object %d (comm %d kind %d tlp %d org %d value %s%s)",
					 (unsigned long long)seed, p, o, mf->comm, mf->kind, mf->tlp, mf->org,
					 mf->value ? mf->value : "-", mf->prefix ? "*" : "");
		}
	assert_int_equal(n, want);
	assert_int_equal(total, want); /* far below the cap here */
}

static void run_property(const char *url)
{
	char path[64];
	struct db *db = proptest_open(path, "stix-query", url);
	struct model *m = calloc(1, sizeof *m);
	generate(db, m);
	struct arena *a = arena_new();
	int lists = 0;
	for (int p = 0; p < NPERSON; p += url ? 7 : 3) {
		int64_t space = p % 9 == 0 ? 1 : 0;
		struct mfilter fs[] = {
			{-1, -1, -1, -1, NULL, false},
			{(int)(rnd() % NCOMM), -1, -1, -1, NULL, false},
			{-1, (int)(rnd() % 3), -1, -1, NULL, false},
			{-1, -1, (int)(rnd() % 5), -1, NULL, false},
			{-1, -1, -1, m->person_org[p], NULL, false},
			{-1, 0, -1, -1, "10.0.1.2", false},
			{-1, -1, -1, -1, "10.0.1", true},
			{-1, 2, -1, -1, "http://h3.example/", true},
			{(int)(rnd() % NCOMM), 1, 1, -1, "h1", true},
		};
		for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
			check_list(db, a, m, p, space, &fs[i]);
			lists++;
		}
	}
	/* Detail: visible -> the object; hidden -> exactly like missing. */
	int visible = 0, hidden = 0;
	for (int i = 0; i < 400; i++) {
		int p = (int)(rnd() % NPERSON), o = (int)(rnd() % NOBJ);
		int64_t space = chance(10) ? 1 : 0;
		struct ctx c = viewer(db, a, m, p, space);
		char sid[80];
		snprintf(sid, sizeof sid, "indicator--00000000-0000-4000-8000-%012d", o);
		struct stix_detail d;
		int rc = stix_detail_get(&c, sid, NULL, 0, &d);
		bool want = m_visible(m, p, o, space);
		if ((rc == KR_OK) != want || (rc != KR_OK && rc != KR_ENOTFOUND))
			fail_msg("seed %llu: detail(p%d, o%d) = %d, model %d", (unsigned long long)seed, p, o, rc, want);
		if (rc == KR_OK) {
			assert_int_equal(d.row.row_id, m->obj_db_id[o]);
			assert_int_equal((int)d.nvalues, m->obj[o].nv);
		}
		want ? visible++ : hidden++;
	}
	struct ctx c0 = viewer(db, a, m, 0, 0);
	struct stix_detail d;
	assert_int_equal(stix_detail_get(&c0, "indicator--00000000-0000-4000-8000-999999999999", NULL, 0, &d),
			 KR_ENOTFOUND);
	assert_int_equal(stix_detail_get(&c0, "not an id", NULL, 0, &d), KR_EINVAL);
	struct stix_list_page pg;
	const char *bad;
	struct stix_list_filter bf = {.tlp = "purple"};
	assert_int_equal(stix_list(&c0, &bf, &pg, &bad), KR_EINVAL);
	assert_string_equal(bad, "tlp");
	bf = (struct stix_list_filter){.kind = "sha-7"};
	assert_int_equal(stix_list(&c0, &bf, &pg, &bad), KR_EINVAL);
	assert_true(visible > 10 && hidden > 50);
	print_message("stix_query (%s): seed %llu, %d filtered lists, %d visible / %d hidden details\n",
		      url ? "postgres" : "sqlite", (unsigned long long)seed, lists, visible, hidden);
	arena_free(a);
	free(m);
	db_close(db);
	proptest_remove(path);
}

PROPTEST_MAIN(stix_query)
