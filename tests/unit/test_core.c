/* test_core.c - identity rules of src/core on a real SQLite database:
 * validation, role assignment, login throttling and lockout, TOTP with
 * replay protection and single-use recovery codes, API keys, keyset
 * paging, audit-log visibility and the account ACL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <liboath/oath.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/auth.h"
#include "core/org.h"
#include "core/person.h"
#include "core/registration.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

/* Which engine the current group runs on: NULL = SQLite temp file. */
static const char *pg_url;

struct fx {
	char path[64];
	struct db *db;
	struct arena *a;
	struct ctx sys;
	int64_t org_a, org_b;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->path, sizeof f->path, "/tmp/kairan-test-core-%d.db", (int)getpid());
	unlink(f->path);
	assert_int_equal(db_open(pg_url ? pg_url : f->path, &f->db), KR_OK);
	/* A throwaway database: start every test from an empty schema. */
	if (pg_url)
		assert_int_equal(db_exec(f->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), KR_OK);
	assert_int_equal(db_migrate(f->db), KR_OK);
	f->a = arena_new();
	f->sys = (struct ctx){.db = f->db, .a = f->a, .now = now_ms(), .ip = "127.0.0.1"};
	f->sys.who.system = true;
	struct org a = {.slug = "org-a", .name_ja = "組織A", .name_en = "Org A", .kind = "critical_service",
			.sector = "railway", .contact_phone = "", .description = ""};
	struct org b = {.slug = "org-b", .name_ja = "組織B", .name_en = "Org B", .kind = "ministry",
			.contact_phone = "", .description = ""};
	assert_int_equal(org_create(&f->sys, &a, &f->org_a, NULL), KR_OK);
	assert_int_equal(org_create(&f->sys, &b, &f->org_b, NULL), KR_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	db_close(f->db);
	arena_free(f->a);
	char p[80];
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

static int64_t add(struct fx *f, struct ctx *c, int64_t org, const char *login, enum role role, bool oa)
{
	struct person p = {.org_id = org, .login = login, .email = arena_printf(f->a, "%s@x.example", login),
			   .display_name = login, .title = "", .phone = "", .role = role, .org_admin = oa};
	int64_t id = 0;
	const char *bad = NULL;
	int rc = person_create(c, &p, "correct horse battery", &id, &bad);
	return rc ? rc : id;
}

/* A context acting as the given login, as a session would set it. */
static struct ctx as(struct fx *f, const char *login)
{
	struct person p;
	assert_int_equal(person_get(&f->sys, login, &p), KR_OK);
	struct ctx c = {.db = f->db, .a = f->a, .now = now_ms(), .ip = "127.0.0.1"};
	c.who.person_id = p.id;
	c.who.org_id = p.org_id;
	c.who.role = p.role;
	c.who.org_admin = p.org_admin;
	c.who.login = p.login;
	return c;
}

static void test_org_validation(void **state)
{
	struct fx *f = *state;
	const char *bad = NULL;
	struct org o = {.slug = "Bad Slug", .name_ja = "x", .name_en = "x", .kind = "ministry"};
	assert_int_equal(org_create(&f->sys, &o, NULL, &bad), KR_EINVAL);
	assert_string_equal(bad, "slug");
	o.slug = "cs-1";
	o.kind = "critical_service"; /* needs a sector */
	assert_int_equal(org_create(&f->sys, &o, NULL, &bad), KR_EINVAL);
	assert_string_equal(bad, "sector");
	o.kind = "martians";
	assert_int_equal(org_create(&f->sys, &o, NULL, &bad), KR_EINVAL);
	assert_string_equal(bad, "kind");
	o.kind = "ministry";
	o.name_en = "<script>\x01";
	assert_int_equal(org_create(&f->sys, &o, NULL, &bad), KR_EINVAL);
	assert_string_equal(bad, "name_en");
	o.name_en = "ok";
	o.slug = "org-a"; /* taken */
	assert_int_equal(org_create(&f->sys, &o, NULL, &bad), KR_ECONFLICT);
	assert_string_equal(bad, "slug");
	/* Nothing half-written: still two organisations. */
	struct org_filter flt = {0};
	struct org_page pg;
	assert_int_equal(org_list(&f->sys, &flt, &pg), KR_OK);
	assert_int_equal(pg.total, 2);
}

static void test_roles(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, &f->sys, f->org_a, "oa-admin", ROLE_MEMBER, true) > 0);
	assert_true(add(f, &f->sys, f->org_a, "member-a", ROLE_MEMBER, false) > 0);
	assert_true(add(f, &f->sys, f->org_b, "member-b", ROLE_MEMBER, false) > 0);
	struct ctx oa = as(f, "oa-admin"), ma = as(f, "member-a");
	/* An org-admin adds members to their own org only, never staff roles. */
	assert_true(add(f, &oa, f->org_a, "new-a", ROLE_MEMBER, false) > 0);
	assert_int_equal(add(f, &oa, f->org_b, "new-b", ROLE_MEMBER, false), KR_EPERM);
	assert_int_equal(add(f, &oa, f->org_a, "new-coord", ROLE_COORDINATOR, false), KR_EPERM);
	assert_int_equal(add(f, &ma, f->org_a, "nope", ROLE_MEMBER, false), KR_EPERM);
	/* A member cannot see another org's accounts; an org-admin sees theirs. */
	struct person_filter pf = {0};
	struct person_page pg;
	assert_int_equal(person_list(&ma, &pf, &pg), KR_OK);
	assert_int_equal(pg.total, 1);
	assert_int_equal(person_list(&oa, &pf, &pg), KR_OK);
	assert_int_equal(pg.total, 3);
	for (size_t i = 0; i < pg.n; i++)
		assert_string_equal(pg.items[i].org_slug, "org-a");
	/* Managing another org's person is refused and does not reveal it. */
	assert_int_equal(person_set_status(&oa, "member-b", false), KR_ENOTFOUND);
	assert_int_equal(person_set_status(&oa, "member-a", false), KR_OK);
	struct person p;
	assert_int_equal(person_get(&f->sys, "member-a", &p), KR_OK);
	assert_string_equal(p.status, "disabled");
	/* Nobody disables themselves. */
	assert_int_equal(person_set_status(&oa, "oa-admin", false), KR_EINVAL);
}

static void test_login_lockout(void **state)
{
	struct fx *f = *state;
	add(f, &f->sys, f->org_a, "alice", ROLE_MEMBER, false);
	struct ctx c = {.db = f->db, .a = f->a, .now = now_ms(), .ip = "192.0.2.10"};
	struct login_result lr;
	assert_int_equal(auth_login(&c, "alice", "wrong password!!", "ua", &lr), KR_EAUTH);
	assert_int_equal(auth_login(&c, "nobody", "wrong password!!", "ua", &lr), KR_EAUTH);
	c.who = (struct viewer){0};
	assert_int_equal(auth_login(&c, "alice", "correct horse battery", "ua", &lr), KR_OK);
	assert_false(lr.mfa_needed);
	assert_false(lr.mfa_enrol);
	struct ctx s = {.db = f->db, .a = f->a, .now = now_ms()};
	const char *csrf;
	bool pending;
	assert_int_equal(auth_session(&s, lr.token, &csrf, &pending), KR_OK);
	assert_false(pending);
	assert_string_equal(s.who.login, "alice");
	assert_string_equal(csrf, lr.csrf);
	/* Idle timeout. */
	s.now += AUTH_IDLE_MS + 1000;
	assert_int_equal(auth_session(&s, lr.token, &csrf, &pending), KR_EAUTH);
	/* Five failures lock the account, even against the right password. */
	for (int i = 0; i < AUTH_MAX_FAILS; i++) {
		c.who = (struct viewer){0};
		assert_int_equal(auth_login(&c, "alice", "wrong password!!", "ua", &lr), KR_EAUTH);
	}
	c.who = (struct viewer){0};
	assert_int_equal(auth_login(&c, "alice", "correct horse battery", "ua", &lr), KR_ELOCKED);
	c.now += AUTH_LOCK_MS + 1000;
	c.ip = "192.0.2.11";
	assert_int_equal(auth_login(&c, "alice", "correct horse battery", "ua", &lr), KR_OK);
	/* The lock-out is in the audit log, visible to alice's org. */
	struct ctx al = as(f, "alice");
	struct audit_filter af = {.action = "auth.lockout"};
	struct audit_page ap;
	assert_int_equal(audit_list(&al, &af, &ap), KR_OK);
	assert_int_equal(ap.n, 1);
	add(f, &f->sys, f->org_b, "bob", ROLE_MEMBER, false);
	struct ctx bob = as(f, "bob");
	assert_int_equal(audit_list(&bob, &af, &ap), KR_OK);
	assert_int_equal(ap.n, 0);
}

/* The session check in two halves (a page reads its session inside its
 * read snapshot and writes, at most once a minute, outside it): the read
 * alone never writes, says which write it owes, and revocation - logout,
 * a disabled person, an expired session - holds on the very next read. */
static int64_t last_seen(struct fx *f, int64_t sid)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT last_seen_at FROM sessions WHERE id = ?1", &st), KR_OK);
	db_bind_int(st, 1, sid);
	int64_t v = db_step(st) == KR_ROW ? db_col_int(st, 0) : -1;
	db_done(st);
	return v;
}

static void test_session_read_write(void **state)
{
	struct fx *f = *state;
	add(f, &f->sys, f->org_a, "sam", ROLE_MEMBER, false);
	struct ctx c = {.db = f->db, .a = f->a, .now = now_ms(), .ip = "192.0.2.20"};
	struct login_result lr;
	assert_int_equal(auth_login(&c, "sam", "correct horse battery", "ua", &lr), KR_OK);
	int64_t t0 = c.now;
	const char *csrf;
	bool pending;
	struct session_check chk;
	/* Fresh: nothing owed, the viewer filled in. */
	struct ctx s = {.db = f->db, .a = f->a, .now = t0 + 1000};
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_OK);
	assert_string_equal(s.who.login, "sam");
	assert_string_equal(csrf, lr.csrf);
	assert_false(chk.touch);
	assert_false(chk.expired);
	int64_t sid = chk.session_id;
	assert_true(sid > 0);
	assert_int_equal(s.who.session_id, sid);
	/* A minute later the read asks for last_seen to move, and only the
	 * write moves it. */
	s.now = t0 + 61000;
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_OK);
	assert_true(chk.touch);
	assert_int_equal(last_seen(f, sid), t0);
	assert_int_equal(auth_session_write(&s, &chk), KR_OK);
	assert_int_equal(last_seen(f, sid), t0 + 61000);
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_OK);
	assert_false(chk.touch);
	/* Idle past the limit (counted from the moved last_seen): refused at
	 * once, and the write owed deletes the row for good. */
	s.now = t0 + 61000 + AUTH_IDLE_MS + 1;
	s.who = (struct viewer){0};
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_EAUTH);
	assert_true(chk.expired);
	assert_int_equal(s.who.person_id, 0);
	assert_null(csrf);
	assert_int_equal(auth_session_write(&s, &chk), KR_OK);
	assert_int_equal(last_seen(f, sid), -1);
	s.now = t0 + 2000;
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_EAUTH);
	assert_false(chk.expired);
	/* Logout: the next read fails. */
	c.who = (struct viewer){0};
	assert_int_equal(auth_login(&c, "sam", "correct horse battery", "ua", &lr), KR_OK);
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_OK);
	assert_int_equal(auth_logout(&s, lr.token), KR_OK);
	s.who = (struct viewer){0};
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_EAUTH);
	assert_int_equal(s.who.person_id, 0);
	/* A disabled person: the very next read fails, whatever else removes
	 * their sessions. */
	c.who = (struct viewer){0};
	assert_int_equal(auth_login(&c, "sam", "correct horse battery", "ua", &lr), KR_OK);
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_OK);
	assert_int_equal(db_exec(f->db, "UPDATE people SET status = 'disabled' WHERE login = 'sam'"), KR_OK);
	s.who = (struct viewer){0};
	assert_int_equal(auth_session_read(&s, lr.token, &csrf, &pending, &chk), KR_EAUTH);
	assert_true(chk.expired);
	assert_int_equal(s.who.person_id, 0);
	/* Unknown tokens owe nothing. */
	assert_int_equal(auth_session_read(&s, "not-a-session-token-at-all", &csrf, &pending, &chk), KR_EAUTH);
	assert_int_equal(chk.session_id, 0);
	assert_int_equal(auth_session_write(&s, &chk), KR_OK);
}

static void test_ip_throttle(void **state)
{
	struct fx *f = *state;
	struct ctx c = {.db = f->db, .a = f->a, .now = now_ms(), .ip = "198.51.100.7"};
	struct login_result lr;
	int locked = 0;
	for (int i = 0; i < 40; i++)
		if (auth_login(&c, "ghost", "whatever-whatever", "ua", &lr) == KR_ELOCKED)
			locked++;
	assert_true(locked >= 10);
}

static const char *totp_now(const char *secret_b32, int64_t ms, int offset_steps)
{
	static char otp[8];
	char *raw;
	size_t n;
	assert_int_equal(oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &n), OATH_OK);
	assert_int_equal(oath_totp_generate(raw, n, (time_t)(ms / 1000) + offset_steps * 30, 30, 0, 6, otp), OATH_OK);
	free(raw);
	return otp;
}

static void test_totp(void **state)
{
	struct fx *f = *state;
	add(f, &f->sys, f->org_a, "carol", ROLE_COORDINATOR, false);
	struct ctx c = {.db = f->db, .a = f->a, .now = now_ms(), .ip = "127.0.0.2"};
	struct login_result lr;
	assert_int_equal(auth_login(&c, "carol", "correct horse battery", "ua", &lr), KR_OK);
	assert_true(lr.mfa_enrol); /* coordinators must enrol */
	struct ctx s = {.db = f->db, .a = f->a, .now = c.now};
	const char *csrf;
	bool pending;
	assert_int_equal(auth_session(&s, lr.token, &csrf, &pending), KR_OK);
	assert_true(pending);
	assert_int_equal(s.who.role, ROLE_NONE); /* nothing beyond enrolment */
	const char *secret, *uri;
	assert_int_equal(auth_totp_new(&s, &secret, &uri), KR_OK);
	assert_non_null(strstr(uri, secret));
	assert_non_null(auth_qr_svg(&s, uri));
	const char **codes;
	size_t ncodes;
	assert_int_equal(auth_totp_enable(&s, lr.token, secret, "000000", &codes, &ncodes),
			 strcmp(totp_now(secret, s.now, 0), "000000") ? KR_EAUTH : KR_OK);
	assert_int_equal(auth_totp_enable(&s, lr.token, secret, totp_now(secret, s.now, 0), &codes, &ncodes), KR_OK);
	assert_int_equal(ncodes, 10);
	assert_int_equal(auth_session(&s, lr.token, &csrf, &pending), KR_OK);
	assert_false(pending);
	assert_int_equal(s.who.role, ROLE_COORDINATOR);
	/* Next login needs the second factor; a code already used is refused. */
	c.who = (struct viewer){0};
	assert_int_equal(auth_login(&c, "carol", "correct horse battery", "ua", &lr), KR_OK);
	assert_true(lr.mfa_needed);
	struct ctx v = {.db = f->db, .a = f->a, .now = s.now};
	assert_int_equal(auth_session(&v, lr.token, &csrf, &pending), KR_OK);
	assert_int_equal(auth_totp_verify(&v, lr.token, totp_now(secret, v.now, 0)), KR_EAUTH);
	assert_int_equal(auth_totp_verify(&v, lr.token, totp_now(secret, v.now, 1)), KR_OK);
	/* Recovery code: works once, with any case and spacing. */
	c.who = (struct viewer){0};
	assert_int_equal(auth_login(&c, "carol", "correct horse battery", "ua", &lr), KR_OK);
	struct ctx w = {.db = f->db, .a = f->a, .now = s.now};
	assert_int_equal(auth_session(&w, lr.token, &csrf, &pending), KR_OK);
	char upper[16];
	snprintf(upper, sizeof upper, "%s", codes[3]);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 32;
	assert_int_equal(auth_totp_verify(&w, lr.token, upper), KR_OK);
	c.who = (struct viewer){0};
	assert_int_equal(auth_login(&c, "carol", "correct horse battery", "ua", &lr), KR_OK);
	struct ctx x = {.db = f->db, .a = f->a, .now = s.now};
	assert_int_equal(auth_session(&x, lr.token, &csrf, &pending), KR_OK);
	assert_int_equal(auth_totp_verify(&x, lr.token, codes[3]), KR_EAUTH);
	assert_int_equal(auth_session(&x, lr.token, &csrf, &pending), KR_OK);
	assert_true(pending);
}

static void test_apikeys(void **state)
{
	struct fx *f = *state;
	add(f, &f->sys, f->org_a, "dave", ROLE_MEMBER, false);
	add(f, &f->sys, f->org_b, "erin", ROLE_MEMBER, false);
	struct ctx d = as(f, "dave");
	const char *key;
	assert_int_equal(auth_apikey_create(&d, NULL, "ci", &key), KR_OK);
	assert_int_equal(auth_apikey_create(&d, "erin", "steal", &key) == KR_EPERM, 1);
	assert_int_equal(auth_apikey_create(&d, NULL, "ci", &key), KR_OK);
	struct ctx k = {.db = f->db, .a = f->a, .now = now_ms()};
	assert_int_equal(auth_apikey(&k, key), KR_OK);
	assert_string_equal(k.who.login, "dave");
	char forged[128];
	snprintf(forged, sizeof forged, "%s", key);
	forged[strlen(forged) - 1] ^= 1;
	assert_int_equal(auth_apikey(&k, forged), KR_EAUTH);
	char prefix[9];
	memcpy(prefix, key + 3, 8);
	prefix[8] = 0;
	struct ctx e = as(f, "erin");
	assert_int_equal(auth_apikey_revoke(&e, prefix), KR_ENOTFOUND); /* not hers */
	assert_int_equal(auth_apikey_revoke(&d, prefix), KR_OK);
	assert_int_equal(auth_apikey(&k, key), KR_EAUTH);
	/* Disabling a person kills their keys. */
	assert_int_equal(auth_apikey_create(&d, NULL, "two", &key), KR_OK);
	assert_int_equal(person_set_status(&f->sys, "dave", false), KR_OK);
	assert_int_equal(auth_apikey(&k, key), KR_EAUTH);
}

static void test_paging(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 25; i++) {
		struct org o = {.slug = arena_printf(f->a, "p-%02d", i), .name_ja = "同名", .name_en = "Same Name",
				.kind = "venue", .contact_phone = "", .description = ""};
		assert_int_equal(org_create(&f->sys, &o, NULL, NULL), KR_OK);
	}
	struct org_filter fl = {.kind = "venue", .limit = 10};
	struct org_page pg;
	int seen = 0, pages = 0;
	do {
		assert_int_equal(org_list(&f->sys, &fl, &pg), KR_OK);
		assert_int_equal(pg.total, 25);
		seen += (int)pg.n;
		pages++;
		fl.cursor = pg.next_cursor;
	} while (pg.next_cursor);
	assert_int_equal(seen, 25);
	assert_int_equal(pages, 3);
	fl.cursor = "not-a-cursor!";
	assert_int_equal(org_list(&f->sys, &fl, &pg), KR_EINVAL);
	fl.cursor = NULL;
	fl.limit = 500;
	assert_int_equal(org_list(&f->sys, &fl, &pg), KR_EINVAL);
	fl.limit = 0;
	fl.q = "100%";
	assert_int_equal(org_list(&f->sys, &fl, &pg), KR_OK);
	assert_int_equal(pg.total, 0);
}

static void test_application_flow(void **state)
{
	struct fx *f = *state;
	struct application ap = {.org_name_ja = "新しい組織", .org_name_en = "New Org", .kind = "venue",
				 .contact_name = "Fumi", .contact_email = "fumi@new.example", .login = "fumi",
				 .message = "", .terms_accepted = false};
	const char *bad;
	int64_t id;
	assert_int_equal(application_submit(&f->sys, &ap, &id, &bad), KR_EINVAL);
	assert_string_equal(bad, "terms");
	ap.terms_accepted = true;
	struct ctx anon = {.db = f->db, .a = f->a, .now = now_ms()};
	assert_int_equal(application_submit(&anon, &ap, &id, &bad), KR_OK);
	add(f, &f->sys, f->org_b, "gus", ROLE_MEMBER, false);
	struct ctx gus = as(f, "gus");
	const char *tok;
	assert_int_equal(application_approve(&gus, id, "new-org", &tok), KR_EPERM);
	add(f, &f->sys, f->org_b, "hana", ROLE_COORDINATOR, false);
	struct ctx hana = as(f, "hana");
	assert_int_equal(application_approve(&hana, id, "org-a", &tok), KR_ECONFLICT); /* slug taken */
	struct application *list;
	size_t n;
	assert_int_equal(application_list(&hana, "pending", &list, &n), KR_OK);
	assert_int_equal(n, 1); /* the failed approval left nothing behind */
	assert_int_equal(application_approve(&hana, id, "new-org", &tok), KR_OK);
	const char *tok2;
	assert_int_equal(application_approve(&hana, id, "new-org2", &tok2), KR_ECONFLICT);
	struct invitation inv;
	assert_int_equal(invitation_get(&anon, tok, &inv), KR_OK);
	assert_true(inv.org_admin);
	assert_int_equal(invitation_accept(&anon, tok, "fumi", "Fumi", "short", &bad), KR_EINVAL);
	assert_string_equal(bad, "password");
	assert_int_equal(invitation_accept(&anon, tok, "fumi", "Fumi", "a long enough password", &bad), KR_OK);
	assert_int_equal(invitation_accept(&anon, tok, "fumi2", "Fumi", "a long enough password", &bad), KR_ENOTFOUND);
	struct person p;
	assert_int_equal(person_get(&f->sys, "fumi", &p), KR_OK);
	assert_true(p.org_admin);
	assert_string_equal(p.org_slug, "new-org");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_org_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_throttle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_totp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apikeys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_application_flow, setup, teardown),
	};
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : LOG_WARN);
	int failed = cmocka_run_group_tests_name("core/sqlite", tests, NULL, NULL);
	pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (pg_url)
		failed += cmocka_run_group_tests_name("core/postgres", tests, NULL, NULL);
	return failed;
}
