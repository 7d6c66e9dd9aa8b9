/* test_demo.c - the demo dataset as `kairan demo` builds it: the shape of
 * R1.1 (organisation kinds, ~1,800 people), topics in every information
 * category and TLP, the three demo logins and what their home pages show,
 * the railway ISAC and TLP:RED scoping from rail-member's side, and that
 * two loads give the same public ids and titles.  On SQLite, and on
 * PostgreSQL too when KAIRAN_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cli_internal.h"
#include "core/auth.h"
#include "core/community.h"
#include "core/demo.h"
#include "core/org.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

static const char *pg_url;
static char pw_hash[256];

struct fx {
	char path[64];
	struct db *db;
	struct arena *a;
	struct ctx sys;
	struct demo_stats st;
};

static void unlink_db(const char *path)
{
	char p[80];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

/* A fresh database with the demo loaded, exactly as `kairan demo` does. */
static struct fx *load(int n)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->path, sizeof f->path, "/tmp/kairan-test-demo-%d-%d.db", (int)getpid(), n);
	unlink_db(f->path);
	assert_int_equal(db_open(pg_url ? pg_url : f->path, &f->db), KR_OK);
	if (pg_url)
		assert_int_equal(db_exec(f->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), KR_OK);
	assert_int_equal(db_migrate(f->db), KR_OK);
	f->a = arena_new();
	f->sys = (struct ctx){.db = f->db, .a = f->a, .now = now_ms(), .ip = ""};
	f->sys.who.system = true;
	assert_int_equal(core_init_site(&f->sys, "admin", "admin@cc.example", "管理者", DEMO_PASSWORD, false), 0);
	assert_int_equal(demo_load(&f->sys, pw_hash, &f->st), KR_OK);
	return f;
}

static void unload(struct fx *f)
{
	db_close(f->db);
	arena_free(f->a);
	if (!pg_url)
		unlink_db(f->path);
	free(f);
}

static int setup(void **state)
{
	*state = load(1);
	return 0;
}

static int teardown(void **state)
{
	unload(*state);
	return 0;
}

static struct ctx as(struct fx *f, const char *login)
{
	struct person p;
	assert_int_equal(person_get(&f->sys, login, &p), KR_OK);
	struct ctx c = {.db = f->db, .a = f->a, .now = now_ms(), .ip = "127.0.0.1"};
	c.who = (struct viewer){.person_id = p.id, .org_id = p.org_id, .role = p.role, .login = p.login,
				.locale = "ja", .tz = "Asia/Tokyo"};
	return c;
}

/* A person of an organisation (its org-admin, the first listed). */
static struct ctx as_org(struct fx *f, const char *org)
{
	struct person_filter pf = {.org_slug = org, .limit = 5};
	struct person_page pp;
	assert_int_equal(person_list(&f->sys, &pf, &pp), KR_OK);
	assert_true(pp.n > 0);
	return as(f, pp.items[0].login);
}

static int64_t count(struct ctx *c, const struct topic_filter *f)
{
	struct topic_page pg;
	assert_int_equal(topic_list(c, f, &pg), KR_OK);
	return pg.total;
}

static void test_shape(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *kind;
		int64_t n;
	} kinds[] = {
		{"critical_service", 157}, {"sports_body", 66}, {"organiser", 40}, {"venue", 17},
		{"ministry", 17},          {"law_enforcement", 13}, {"security_agency", 4},
	};
	int64_t sum = 0;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		struct org_filter of = {.kind = kinds[i].kind, .limit = 1};
		struct org_page op;
		assert_int_equal(org_list(&f->sys, &of, &op), KR_OK);
		assert_int_equal(op.total, kinds[i].n);
		sum += op.total;
	}
	struct org_filter all = {.limit = 1};
	struct org_page op;
	assert_int_equal(org_list(&f->sys, &all, &op), KR_OK);
	assert_int_equal(op.total, 330);
	assert_int_equal(op.total - sum, 16); /* "others" of R1.1 */

	struct person_filter pf = {.limit = 1};
	struct person_page pp;
	assert_int_equal(person_list(&f->sys, &pf, &pp), KR_OK);
	assert_in_range(pp.total, 1750, 1850);
	assert_int_equal((int64_t)f->st.people + 1, pp.total); /* + the admin made by init */

	for (const char *const *l = (const char *const[]){"coordinator", "agency-analyst", "rail-member", "admin", NULL};
	     *l; l++) {
		struct person p;
		assert_int_equal(person_get(&f->sys, *l, &p), KR_OK);
		assert_string_equal(p.status, "active");
	}
	struct person p;
	assert_int_equal(person_get(&f->sys, "coordinator", &p), KR_OK);
	assert_int_equal(p.role, ROLE_COORDINATOR);
	assert_int_equal(person_get(&f->sys, "rail-member", &p), KR_OK);
	assert_string_equal(p.org_slug, "cs-005");
	assert_int_equal(person_get(&f->sys, "agency-analyst", &p), KR_OK);
	assert_string_equal(p.org_slug, "agency-3");

	assert_in_range(f->st.topics, 140, 220);
	assert_int_equal(f->st.communities, 3);
	assert_true(f->st.comments > 50);
	assert_true(f->st.likes > 100);
}

/* Every category and TLP is used; nobody sees everything (RED and
 * AMBER+STRICT go to a few organisations), so ask several viewers. */
static void test_categories_and_tlp(void **state)
{
	struct fx *f = *state;
	struct ctx v[] = {as(f, "coordinator"), as(f, "rail-member"), as(f, "agency-analyst"),
			  as_org(f, "organiser"), as_org(f, "venue-01")};
	size_t nv = sizeof v / sizeof v[0];
	for (size_t i = 0; i < topic_ncategories; i++) {
		int64_t n = 0;
		for (size_t k = 0; k < nv; k++)
			n += count(&v[k], &(struct topic_filter){.category = topic_categories[i]});
		if (n == 0)
			fail_msg("no demo topic in category %s", topic_categories[i]);
	}
	static const char *const tlps[] = {"red", "amber+strict", "amber", "green", "clear"};
	for (size_t i = 0; i < 5; i++) {
		int64_t n = 0;
		for (size_t k = 0; k < nv; k++)
			n += count(&v[k], &(struct topic_filter){.tlp = tlps[i]});
		if (n == 0)
			fail_msg("no demo topic with TLP %s", tlps[i]);
	}
	/* Created times spread over the demo period (2019-04 .. 2021-09). */
	int64_t from, to;
	assert_int_equal(time_parse_date("2019-04-01", 540, &from), KR_OK);
	assert_int_equal(time_parse_date("2021-10-01", 540, &to), KR_OK);
	int64_t total = count(&v[0], &(struct topic_filter){0});
	assert_int_equal(count(&v[0], &(struct topic_filter){.from = from, .to = to}), total);
	assert_true(count(&v[0], &(struct topic_filter){.from = from, .to = from + 365LL * 86400000}) >= 10);
	int64_t games;
	assert_int_equal(time_parse_date("2021-07-21", 540, &games), KR_OK);
	assert_true(count(&v[0], &(struct topic_filter){.from = games, .to = to}) >= 40);
}

static bool has_community(struct ctx *c, const char *slug)
{
	struct community *cm;
	size_t n;
	assert_int_equal(community_list_mine(c, &cm, &n), KR_OK);
	for (size_t i = 0; i < n; i++)
		if (str_eq(cm[i].slug, slug))
			return true;
	return false;
}

/* The public id of the first topic whose title contains needle, as seen
 * by c (NULL when c sees none). */
static const char *find_topic(struct ctx *c, const char *community, const char *needle)
{
	struct topic_filter tf = {.community = community, .limit = 100};
	for (;;) {
		struct topic_page pg;
		assert_int_equal(topic_list(c, &tf, &pg), KR_OK);
		for (size_t i = 0; i < pg.n; i++)
			if (strstr(pg.items[i].title, needle))
				return pg.items[i].public_id;
		if (!pg.next_cursor)
			return NULL;
		tf.cursor = pg.next_cursor;
	}
}

static void test_rail_member(void **state)
{
	struct fx *f = *state;
	struct ctx rail = as(f, "rail-member"), coord = as(f, "coordinator"), agency = as(f, "agency-analyst");
	assert_true(has_community(&rail, "rail-isac"));
	assert_true(has_community(&rail, "obs-cs-005"));
	assert_false(has_community(&rail, "obs-organiser"));
	assert_false(has_community(&agency, "rail-isac"));
	assert_true(count(&rail, &(struct topic_filter){.community = "rail-isac"}) >= 8);
	/* GREEN topics from the professional community shared into the ISAC. */
	assert_non_null(find_topic(&rail, "rail-isac", "#OpBoycottOlympics"));

	/* The RED warning to the organiser and two others: its author sees it,
	 * rail-member does not, not even by id or in counts. */
	const char *red = find_topic(&coord, "professional", "特定組織を標的とした攻撃予告");
	assert_non_null(red);
	struct topic t;
	assert_int_equal(topic_get(&coord, red, &t), KR_OK);
	assert_int_equal(t.tlp, TLP_RED);
	assert_string_equal(t.scope, "manual");
	assert_int_equal(topic_get(&rail, red, &t), KR_ENOTFOUND);
	assert_int_equal(topic_get(&agency, red, &t), KR_ENOTFOUND);
	assert_null(find_topic(&rail, "professional", "特定組織を標的とした攻撃予告"));
	struct ctx organiser = as_org(f, "organiser");
	assert_int_equal(topic_get(&organiser, red, &t), KR_OK);

	/* The RED one addressed to rail-member's operator reaches them. */
	const char *mine = find_topic(&rail, "professional", "鉄道運行情報サイト");
	assert_non_null(mine);
	assert_int_equal(topic_get(&rail, mine, &t), KR_OK);
	assert_int_equal(t.tlp, TLP_RED);
	assert_int_equal(topic_get(&organiser, mine, &t), KR_ENOTFOUND);
}

/* Each demo login's home page has must-read topics waiting, important
 * topics and their communities (R3.3). */
static void test_home_pages(void **state)
{
	struct fx *f = *state;
	static const char *const logins[] = {"coordinator", "agency-analyst", "rail-member"};
	for (size_t i = 0; i < 3; i++) {
		struct ctx c = as(f, logins[i]);
		int64_t pending = count(&c, &(struct topic_filter){.must_read_pending = true});
		if (pending < 2)
			fail_msg("%s: %lld must-read topics pending", logins[i], (long long)pending);
		assert_true(count(&c, &(struct topic_filter){.tag = "important"}) >= 8);
		assert_true(count(&c, &(struct topic_filter){0}) >= 100);
		struct community *cm;
		size_t n;
		assert_int_equal(community_list_mine(&c, &cm, &n), KR_OK);
		assert_true(n >= 6);
		/* Lists have counts to show. */
		struct topic_page pg;
		assert_int_equal(topic_list(&c, &(struct topic_filter){.sort = SORT_VIEWS, .limit = 5}, &pg), KR_OK);
		assert_true(pg.n == 5 && pg.items[0].views >= 20 && pg.items[0].likes > 0);
	}
	/* The top must-read notice has comments and confirmations. */
	struct ctx coord = as(f, "coordinator");
	const char *pid = find_topic(&coord, "professional", "被害報告を装う不正プログラム");
	assert_non_null(pid);
	struct topic t;
	assert_int_equal(topic_get(&coord, pid, &t), KR_OK);
	assert_true(t.must_read);
	assert_false(t.confirmed);
	assert_true(t.comments >= 3);
	struct read_status *rs;
	size_t n;
	assert_int_equal(topic_read_status(&coord, pid, &rs, &n), KR_OK);
	int64_t confirmed = 0;
	for (size_t i = 0; i < n; i++)
		confirmed += rs[i].confirmed;
	assert_true(confirmed >= 20);
}

static const char *listing(struct fx *f, const char *login)
{
	struct ctx c = as(f, login);
	struct buf b = BUF_INIT;
	struct topic_filter tf = {.sort = SORT_CREATED, .limit = 100};
	for (;;) {
		struct topic_page pg;
		assert_int_equal(topic_list(&c, &tf, &pg), KR_OK);
		for (size_t i = 0; i < pg.n; i++)
			buf_printf(&b, "%s %s %lld %s\n", pg.items[i].public_id, pg.items[i].title,
				   (long long)pg.items[i].created_at, tlp_name(pg.items[i].tlp));
		if (!pg.next_cursor)
			break;
		tf.cursor = pg.next_cursor;
	}
	const char *s = arena_strdup(f->a, b.p ? b.p : "");
	buf_free(&b);
	return s;
}

static void test_deterministic(void **state)
{
	struct fx *f = *state;
	const char *a1 = listing(f, "coordinator"), *r1 = listing(f, "rail-member");
	struct demo_stats st1 = f->st;
	assert_true(strlen(a1) > 1000);
	/* On PostgreSQL this reloads the one test database in place. */
	struct fx *g = load(2);
	assert_string_equal(a1, listing(g, "coordinator"));
	assert_string_equal(r1, listing(g, "rail-member"));
	assert_memory_equal(&st1, &g->st, sizeof st1);
	unload(g);
}

int main(void)
{
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : LOG_WARN);
	assert_int_equal(auth_hash_password(DEMO_PASSWORD, pw_hash, sizeof pw_hash), KR_OK);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_categories_and_tlp),
		cmocka_unit_test(test_rail_member),
		cmocka_unit_test(test_home_pages),
		cmocka_unit_test(test_deterministic),
	};
	int failed = cmocka_run_group_tests_name("demo/sqlite", tests, setup, teardown);
	/* On PostgreSQL one load (about 40 s: every demo write is a round
	 * trip) checks the same shape and rules; the content is built in C,
	 * so determinism is checked once, on SQLite. */
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_categories_and_tlp),
		cmocka_unit_test(test_rail_member),
		cmocka_unit_test(test_home_pages),
	};
	pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (pg_url)
		failed += cmocka_run_group_tests_name("demo/postgres", pg_tests, setup, teardown);
	return failed;
}
