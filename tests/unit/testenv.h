/* testenv.h - the database environment the unit tests share: a fresh,
 * migrated database on SQLite (a file in /tmp) or on PostgreSQL (the
 * cluster at testenv_pg_url, its public schema emptied first), a system
 * context, and the organisations and people a test needs.  Header-only
 * (each test program is built from its one .c file); include it after
 * <cmocka.h>.
 *
 * A test runs its database group once on SQLite, then sets
 * testenv_pg_url = getenv("KAIRAN_TEST_PG_URL") and, when that is set,
 * runs the group again on PostgreSQL. */
#ifndef KR_TESTENV_H
#define KR_TESTENV_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/ctx.h"
#include "core/org.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

static const char *testenv_pg_url;

struct testenv {
	char path[64];
	struct db *db;
	struct arena *a;
	struct ctx sys; /* the system acting, at now_ms() when opened */
};

/* Open and migrate a fresh database for one test; name tells the SQLite
 * files of concurrent test programs apart. */
static inline void testenv_open(struct testenv *t, const char *name)
{
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "/tmp/kairan-test-%s-%d.db", name, (int)getpid());
	unlink(t->path);
	assert_int_equal(db_open(testenv_pg_url ? testenv_pg_url : t->path, &t->db), KR_OK);
	if (testenv_pg_url)
		assert_int_equal(db_exec(t->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), KR_OK);
	assert_int_equal(db_migrate(t->db), KR_OK);
	t->a = arena_new();
	t->sys = (struct ctx){.db = t->db, .a = t->a, .now = now_ms(), .ip = ""};
	t->sys.who.system = true;
}

/* Close the database and remove the SQLite files. */
static inline void testenv_close(struct testenv *t)
{
	db_close(t->db);
	arena_free(t->a);
	char p[80];
	unlink(t->path);
	snprintf(p, sizeof p, "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", t->path);
	unlink(p);
}

/* An organisation (names ja/en; NULL: the slug), its id.  Critical
 * services are in the railway sector; contact_email may be NULL. */
static inline int64_t testenv_org(struct testenv *t, const char *slug, const char *ja, const char *en,
				  const char *kind, const char *contact_email)
{
	struct org o = {.slug = slug, .name_ja = ja ? ja : slug, .name_en = en ? en : slug, .kind = kind,
			.sector = str_eq(kind, "critical_service") ? "railway" : NULL, .contact_phone = "",
			.contact_email = contact_email, .description = ""};
	int64_t id = 0;
	assert_int_equal(org_create(&t->sys, &o, &id, NULL), KR_OK);
	return id;
}

/* The same, named ja/en, its contact mail soc@SLUG.example.jp. */
static inline int64_t testenv_org_soc(struct testenv *t, const char *slug, const char *ja, const char *en,
				      const char *kind)
{
	return testenv_org(t, slug, ja, en, kind, arena_printf(t->a, "soc@%s.example.jp", slug));
}

/* A person of org (display name NULL: the login), password "x", mail
 * LOGIN@x.example. */
static inline void testenv_person(struct testenv *t, int64_t org, const char *login, const char *name, enum role role)
{
	struct person p = {.org_id = org, .login = login, .email = arena_printf(t->a, "%s@x.example", login),
			   .display_name = name ? name : login, .title = "", .phone = "", .role = role};
	assert_int_equal(person_create_hashed(&t->sys, &p, "x", NULL, NULL), KR_OK);
}

/* A context acting as login (locale "ja" or "en") at the system's now. */
static inline struct ctx testenv_as(struct testenv *t, const char *login, const char *locale)
{
	struct person p;
	assert_int_equal(person_get(&t->sys, login, &p), KR_OK);
	struct ctx c = {.db = t->db, .a = t->a, .now = t->sys.now, .ip = "127.0.0.1"};
	c.who = (struct viewer){.person_id = p.id, .org_id = p.org_id, .role = p.role, .login = p.login,
				.locale = locale};
	return c;
}

#endif
