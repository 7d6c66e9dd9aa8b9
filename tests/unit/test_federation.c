/* test_federation.c - the pure parts of federation (core/federation.h):
 * which collection URLs are accepted and how they are normalised, the
 * objects URL of each page (filters, limit, added_after and next
 * percent-encoded), and the added_after bookkeeping between pages and
 * runs (resume one microsecond before a page's last date_added while
 * paging, the server's own text after a complete run, never backwards,
 * unchanged when the server sent nothing usable); and, on both engines,
 * who may manage feeds and the scheduling through the jobs table: one
 * pending pull per feed, back-off after a failure recorded in the feed,
 * "pull now" moving the pending job forward, the next run an interval
 * after the last, removal cancelling the pending pull.  The pulls
 * themselves are tested against real servers in
 * tests/http/test_federation.py. */
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
#include "core/federation.h"
#include "core/jobs.h"
#include "core/org.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

static void test_url_normalise(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	assert_string_equal(feed_url_normalise(a, "https://taxii.example.test/api1/collections/abc/"),
			    "https://taxii.example.test/api1/collections/abc/");
	assert_string_equal(feed_url_normalise(a, "http://127.0.0.1:8080/taxii2/api/collections/x"),
			    "http://127.0.0.1:8080/taxii2/api/collections/x/");
	assert_string_equal(feed_url_normalise(a, "HTTPS://h/c"), "HTTPS://h/c/");
	static const char *const bad[] = {
		"", "http://", "https:///c/", "ftp://h/c/", "file:///etc/passwd", "gopher://h/",
		"http://user:pw@h/c/", "http://user@h/c/", "http://h/c/?a=1", "http://h/c/#x",
		"http://h/c d/", "http://h/c\n/", "http://h/c\t/", "javascript:alert(1)", "h/c/",
		"http://h/\"c/", "http://h/<c>/", "http://h\\c/",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(feed_url_normalise(a, bad[i]));
	assert_null(feed_url_normalise(a, NULL));
	/* Over the length cap. */
	char big[FEED_URL_MAX + 20];
	memcpy(big, "http://h/", 9);
	memset(big + 9, 'a', sizeof big - 10);
	big[sizeof big - 1] = 0;
	assert_null(feed_url_normalise(a, big));
	big[FEED_URL_MAX - 1] = 0;
	assert_non_null(feed_url_normalise(a, big));
	/* Invalid UTF-8. */
	assert_null(feed_url_normalise(a, "http://h/\xc3\x28/"));
	arena_free(a);
}

static void test_page_url(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	const char *base = "http://h/api/collections/c1/";
	assert_string_equal(feed_page_url(a, base, 500, NULL, NULL),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=500");
	assert_string_equal(feed_page_url(a, base, 2, "", ""),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=2");
	assert_string_equal(feed_page_url(a, base, 1000, "2024-01-01T00:00:00.123456Z", NULL),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=1000"
			    "&added_after=2024-01-01T00%3A00%3A00.123456Z");
	/* next is opaque: whatever the server sent is encoded, never spliced. */
	assert_string_equal(feed_page_url(a, base, 10, "2024-01-01T00:00:00Z", "a+b/c=&d e"),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=10"
			    "&added_after=2024-01-01T00%3A00%3A00Z&next=a%2Bb%2Fc%3D%26d%20e");
	assert_string_equal(feed_page_url(a, base, 10, NULL, "\xe6\x97\xa5"),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=10"
			    "&next=%E6%97%A5");
	arena_free(a);
}

static void test_next_cursor(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	/* A complete run keeps the server's own text. */
	assert_string_equal(feed_next_cursor(a, "", "2024-05-01T10:00:00.123Z", false),
			    "2024-05-01T10:00:00.123Z");
	/* While paging: one microsecond before, so a retry re-reads that instant. */
	assert_string_equal(feed_next_cursor(a, "", "2024-05-01T10:00:00.123Z", true),
			    "2024-05-01T10:00:00.122999Z");
	assert_string_equal(feed_next_cursor(a, NULL, "2024-01-01T00:00:00Z", true),
			    "2023-12-31T23:59:59.999999Z");
	/* Nanosecond text is kept as is at the end of a run. */
	assert_string_equal(feed_next_cursor(a, "", "2024-05-01T10:00:00.123456789Z", false),
			    "2024-05-01T10:00:00.123456789Z");
	/* Nothing usable from the server: the cursor stays. */
	assert_string_equal(feed_next_cursor(a, "2024-05-01T10:00:00Z", NULL, false), "2024-05-01T10:00:00Z");
	assert_string_equal(feed_next_cursor(a, "2024-05-01T10:00:00Z", "", true), "2024-05-01T10:00:00Z");
	assert_string_equal(feed_next_cursor(a, "2024-05-01T10:00:00Z", "yesterday", false),
			    "2024-05-01T10:00:00Z");
	assert_string_equal(feed_next_cursor(a, "2024-05-01T10:00:00Z", "2024-13-01T00:00:00Z", false),
			    "2024-05-01T10:00:00Z");
	assert_string_equal(feed_next_cursor(a, NULL, NULL, false), "");
	/* Never backwards (a server whose clock went back, or replayed pages). */
	assert_string_equal(feed_next_cursor(a, "2024-06-01T00:00:00.000000Z", "2024-05-01T00:00:00Z", false),
			    "2024-06-01T00:00:00.000000Z");
	assert_string_equal(feed_next_cursor(a, "2024-06-01T00:00:00.000000Z", "2024-06-01T00:00:00.000000Z", true),
			    "2024-06-01T00:00:00.000000Z");
	/* Forward. */
	assert_string_equal(feed_next_cursor(a, "2024-06-01T00:00:00.000000Z", "2024-06-01T00:00:00.000002Z", true),
			    "2024-06-01T00:00:00.000001Z");
	/* The same instant at the end of a run: the server's text. */
	assert_string_equal(feed_next_cursor(a, "2024-06-01T00:00:00.000000Z", "2024-06-01T00:00:00Z", false),
			    "2024-06-01T00:00:00Z");
	arena_free(a);
}

/* ---- scheduling, on a real database ---- */

static struct ctx as(struct testenv *f, const char *login)
{
	return testenv_as(f, login, "en");
}

static int setup(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	testenv_open(f, "fed");
	int64_t cc = testenv_org(f, "cc", NULL, NULL, "coordination_center", NULL);
	assert_int_equal(community_init_builtin(&f->sys), KR_OK);
	int64_t rail = testenv_org(f, "rail", NULL, NULL, "critical_service", NULL);
	testenv_person(f, cc, "coord", NULL, ROLE_COORDINATOR);
	testenv_person(f, rail, "rail1", NULL, ROLE_MEMBER);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	testenv_close(*state);
	free(*state);
	return 0;
}

/* Pending feed_pull jobs and the earliest run_at among them. */
static int64_t pending(struct testenv *f, int64_t *run_at)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT COUNT(*), COALESCE(MIN(run_at), 0) FROM jobs"
					   " WHERE kind = 'feed_pull' AND done_at IS NULL", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	int64_t n = db_col_int(st, 0);
	if (run_at)
		*run_at = db_col_int(st, 1);
	db_done(st);
	return n;
}

static void test_schedule(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1");
	/* Port 1 on loopback: refused at once. */
	struct feed_new in = {.name = "down", .url = "http://127.0.0.1:1/taxii2/api/collections/x",
			      .collection = "consultation", .auth_secret = "k", .tls_verify = true};
	int64_t id;
	const char *bad;
	assert_int_equal(feed_create(&rail1, &in, &id, &bad), KR_EPERM);
	assert_int_equal(feed_create(&coord, &in, &id, &bad), KR_OK);
	assert_int_equal(feed_create(&coord, &in, &id, &bad), KR_ECONFLICT);
	assert_string_equal(bad, "name");
	struct feed_new nobody = in;
	nobody.name = "by-system";
	assert_int_equal(feed_create(&f->sys, &nobody, &id, &bad), KR_EINVAL); /* no owner */
	assert_string_equal(bad, "owner");
	struct feed got;
	assert_int_equal(feed_get(&coord, 0, &got), KR_ENOTFOUND);
	struct feed *v;
	size_t n;
	assert_int_equal(feed_list(&coord, &v, &n), KR_OK);
	assert_int_equal(n, 1);
	id = v[0].id;
	assert_string_equal(v[0].url, "http://127.0.0.1:1/taxii2/api/collections/x/");
	assert_string_equal(v[0].auth_user, "taxii");
	assert_true(v[0].has_secret);
	assert_int_equal(feed_list(&rail1, &v, &n), KR_EPERM);

	/* Scheduled once, however often the worker looks. */
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	int64_t at;
	assert_int_equal(pending(f, &at), 1);
	assert_true(at <= f->sys.now);

	/* The pull fails: recorded in the feed, retried with back-off. */
	struct job j;
	assert_int_equal(job_claim(&f->sys, "t", &j), KR_OK);
	assert_string_equal(j.kind, "feed_pull");
	int rc = federation_run_job(&f->sys, &j);
	assert_int_equal(rc, KR_EUNAVAIL);
	assert_int_equal(job_fail(&f->sys, &j, kr_strerror(rc)), KR_OK);
	assert_int_equal(feed_get(&coord, id, &got), KR_OK);
	assert_int_equal(got.runs, 1);
	assert_int_equal(got.last_run_at, f->sys.now);
	assert_int_equal(got.last_ok_at, 0);
	assert_non_null(strstr(got.last_error, "cannot fetch the page"));
	assert_int_equal(got.last_pulled, 0);
	assert_int_equal(pending(f, &at), 1);
	assert_int_equal(at, f->sys.now + 60000);      /* first back-off: a minute */
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(pending(f, NULL), 1);           /* no second job meanwhile */
	assert_int_equal(job_claim(&f->sys, "t", &j), KR_ENOTFOUND);

	/* Pull now: the pending job moves forward, nothing doubles. */
	assert_int_equal(feed_pull_soon(&coord, id), KR_OK);
	assert_int_equal(pending(f, &at), 1);
	assert_int_equal(at, coord.now);
	assert_int_equal(feed_pull_soon(&rail1, id), KR_EPERM);
	assert_int_equal(feed_pull_soon(&coord, id + 1000), KR_ENOTFOUND);

	/* Once the job is over, the next pull is an interval after the last run. */
	assert_int_equal(job_claim(&f->sys, "t", &j), KR_OK);
	assert_int_equal(job_done(&f->sys, j.id), KR_OK);
	assert_int_equal(pending(f, NULL), 0);
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(pending(f, &at), 1);
	assert_int_equal(at, got.last_run_at + (int64_t)FEED_INTERVAL_DEFAULT * 1000);

	/* Removal cancels the pending pull; a job for a removed feed is a no-op. */
	assert_int_equal(feed_remove(&rail1, id), KR_EPERM);
	assert_int_equal(feed_remove(&coord, id), KR_OK);
	assert_int_equal(pending(f, NULL), 0);
	assert_int_equal(feed_get(&coord, id, &got), KR_ENOTFOUND);
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(pending(f, NULL), 0);
	struct job gone = {.kind = "feed_pull", .payload = arena_printf(f->a, "%lld", (long long)id)};
	assert_int_equal(federation_run_job(&f->sys, &gone), KR_OK);
	gone.payload = "junk";
	assert_int_equal(federation_run_job(&f->sys, &gone), KR_EINVAL);
}

static void test_create_checks(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord");
	struct feed_new ok = {.name = "x", .url = "https://h.example/c/", .collection = "consultation",
			      .tls_verify = true};
	static const struct {
		const char *field, *value, *bad;
	} cases[] = {
		{"name", "", "name"},
		{"name", " padded", "name"},
		{"url", "ftp://h/c/", "url"},
		{"collection", "No Such", "collection"},
		{"collection", "no-such", "collection"},
		{"owner", "nobody", "owner"},
		{"auth_user", "a:b", "auth_user"},
		{"auth_user", "a\nb", "auth_user"},
		{"secret", "a\r\nX-Injected: 1", "secret"},
	};
	int64_t id;
	const char *bad;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct feed_new in = ok;
		if (!strcmp(cases[i].field, "name"))
			in.name = cases[i].value;
		else if (!strcmp(cases[i].field, "url"))
			in.url = cases[i].value;
		else if (!strcmp(cases[i].field, "collection"))
			in.collection = cases[i].value;
		else if (!strcmp(cases[i].field, "owner"))
			in.owner_login = cases[i].value;
		else if (!strcmp(cases[i].field, "auth_user"))
			in.auth_user = cases[i].value;
		else
			in.auth_secret = cases[i].value;
		bad = NULL;
		assert_int_equal(feed_create(&coord, &in, &id, &bad), KR_EINVAL);
		assert_string_equal(bad, cases[i].bad);
	}
	struct feed_new in = ok;
	in.interval_s = 59;
	assert_int_equal(feed_create(&coord, &in, &id, &bad), KR_EINVAL);
	assert_string_equal(bad, "interval");
	in = ok;
	in.page_size = FEED_PAGE_MAX + 1;
	assert_int_equal(feed_create(&coord, &in, &id, &bad), KR_EINVAL);
	assert_string_equal(bad, "page_size");
	/* A member may not be the owner of a feed into a community where
	 * only moderators post (general: the coordination center's); the
	 * coordinator may. */
	in = ok;
	in.owner_login = "rail1";
	in.collection = "general";
	assert_int_equal(feed_create(&coord, &in, &id, &bad), KR_EINVAL);
	assert_string_equal(bad, "collection");
	struct feed *v;
	size_t n;
	assert_int_equal(feed_list(&coord, &v, &n), KR_OK);
	assert_int_equal(n, 0); /* nothing half-made */
	in.owner_login = "coord";
	assert_int_equal(feed_create(&coord, &in, &id, &bad), KR_OK);
	assert_int_equal(feed_list(&coord, &v, &n), KR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].owner_login, "coord");
	assert_string_equal(v[0].collection, "general");
	assert_int_equal(v[0].interval_s, FEED_INTERVAL_DEFAULT);
	assert_int_equal(v[0].page_size, FEED_PAGE_DEFAULT);
	assert_false(v[0].has_secret);
	assert_string_equal(v[0].auth_user, "");
}

/* Editing: all or nothing, the resume point reset by a new source only,
 * the secret kept unless replaced or removed, pausing cancelling the
 * pending pull and the schedule leaving a paused feed alone. */
static const char *cursor_of(struct testenv *f, int64_t id)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT cursor_added FROM taxii_feeds WHERE id = ?1", &st), KR_OK);
	db_bind_int(st, 1, id);
	assert_int_equal(db_step(st), KR_ROW);
	const char *v = db_col_dup(st, 0, f->a);
	db_done(st);
	return v;
}

static void set_cursor(struct testenv *f, int64_t id, const char *v)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "UPDATE taxii_feeds SET cursor_added = ?2 WHERE id = ?1", &st), KR_OK);
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, v);
	assert_int_equal(db_step(st), KR_DONE);
	db_done(st);
}

static const char *secret_of(struct testenv *f, int64_t id)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT auth_secret FROM taxii_feeds WHERE id = ?1", &st), KR_OK);
	db_bind_int(st, 1, id);
	assert_int_equal(db_step(st), KR_ROW);
	const char *v = db_col_dup(st, 0, f->a);
	db_done(st);
	return v;
}

#define KEEP {.tls_verify = -1, .enabled = -1}

static void test_edit(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1");
	struct feed_new in = {.name = "ed", .url = "http://127.0.0.1:1/c/", .collection = "consultation",
			      .auth_secret = "old-key", .tls_verify = true};
	int64_t id, other;
	const char *bad;
	assert_int_equal(feed_create(&coord, &in, &id, &bad), KR_OK);
	in.name = "taken";
	assert_int_equal(feed_create(&coord, &in, &other, &bad), KR_OK);
	const char *at = "2025-01-01T00:00:00.000Z";
	set_cursor(f, id, at);
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(pending(f, NULL), 2);

	/* Nothing given: nothing changes, the pending pulls stay. */
	struct feed_edit e = KEEP;
	bool changed = true;
	assert_int_equal(feed_update(&coord, id, &e, &changed, &bad), KR_OK);
	assert_false(changed);
	assert_int_equal(pending(f, NULL), 2);
	/* Rights and existence first. */
	assert_int_equal(feed_update(&rail1, id, &e, &changed, &bad), KR_EPERM);
	assert_int_equal(feed_update(&coord, id + 1000, &e, &changed, &bad), KR_ENOTFOUND);

	/* Bad values: refused by field, nothing written. */
	static const struct {
		const char *field, *value, *bad;
	} cases[] = {
		{"name", "", "name"}, {"url", "ftp://h/c/", "url"}, {"url", "http://u:p@h/c/", "url"},
		{"collection", "no-such", "collection"}, {"owner", "nobody", "owner"},
		{"auth_user", "a:b", "auth_user"}, {"secret", "x\r\ny", "secret"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct feed_edit b = KEEP;
		b.interval_s = 120; /* would be valid: must not be applied either */
		const char *v = cases[i].value;
		if (!strcmp(cases[i].field, "name"))
			b.name = v;
		else if (!strcmp(cases[i].field, "url"))
			b.url = v;
		else if (!strcmp(cases[i].field, "collection"))
			b.collection = v;
		else if (!strcmp(cases[i].field, "owner"))
			b.owner_login = v;
		else if (!strcmp(cases[i].field, "auth_user"))
			b.auth_user = v;
		else
			b.auth_secret = v;
		bad = NULL;
		assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_EINVAL);
		assert_string_equal(bad, cases[i].bad);
	}
	struct feed_edit b = KEEP;
	b.interval_s = 59;
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_EINVAL);
	assert_string_equal(bad, "interval");
	b = (struct feed_edit)KEEP;
	b.page_size = FEED_PAGE_MAX + 1;
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_EINVAL);
	assert_string_equal(bad, "page_size");
	b = (struct feed_edit)KEEP;
	b.auth_secret = "new";
	b.clear_secret = true;
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_EINVAL);
	assert_string_equal(bad, "secret");
	b = (struct feed_edit)KEEP;
	b.name = "taken";
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_ECONFLICT);
	assert_string_equal(bad, "name");
	struct feed got;
	assert_int_equal(feed_get(&coord, id, &got), KR_OK);
	assert_string_equal(got.name, "ed");
	assert_int_equal(got.interval_s, FEED_INTERVAL_DEFAULT);
	assert_string_equal(secret_of(f, id), "old-key");
	assert_string_equal(cursor_of(f, id), at);
	assert_int_equal(pending(f, NULL), 2);

	/* Settings that keep the source: the resume point stays; a blank
	 * key keeps the key.  The pending pull is re-timed. */
	b = (struct feed_edit)KEEP;
	b.interval_s = 120;
	b.auth_user = "reader";
	b.auth_secret = "";
	b.tls_verify = 0;
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_OK);
	assert_true(changed);
	assert_int_equal(feed_get(&coord, id, &got), KR_OK);
	assert_int_equal(got.interval_s, 120);
	assert_string_equal(got.auth_user, "reader");
	assert_false(got.tls_verify);
	assert_true(got.has_secret);
	assert_string_equal(secret_of(f, id), "old-key");
	assert_string_equal(cursor_of(f, id), at);
	assert_int_equal(pending(f, NULL), 1);
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(pending(f, NULL), 2);

	/* A new key replaces the old; null-like "clear" removes it. */
	b = (struct feed_edit)KEEP;
	b.auth_secret = "new-key";
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_OK);
	assert_string_equal(secret_of(f, id), "new-key");
	assert_string_equal(cursor_of(f, id), at);
	b = (struct feed_edit)KEEP;
	b.clear_secret = true;
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_OK);
	assert_string_equal(secret_of(f, id), "");
	assert_int_equal(feed_get(&coord, id, &got), KR_OK);
	assert_false(got.has_secret);

	/* A new URL, or a new local collection: from the beginning. */
	b = (struct feed_edit)KEEP;
	b.url = "http://127.0.0.1:1/other";
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_OK);
	assert_string_equal(cursor_of(f, id), "");
	assert_int_equal(feed_get(&coord, id, &got), KR_OK);
	assert_string_equal(got.url, "http://127.0.0.1:1/other/");
	set_cursor(f, id, at);
	b = (struct feed_edit)KEEP;
	b.url = "http://127.0.0.1:1/other/"; /* the same after normalising: no reset */
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_OK);
	assert_false(changed);
	assert_string_equal(cursor_of(f, id), at);
	b = (struct feed_edit)KEEP;
	b.collection = "general";
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_OK);
	assert_string_equal(cursor_of(f, id), "");
	assert_int_equal(feed_get(&coord, id, &got), KR_OK);
	assert_string_equal(got.collection, "general");
	/* The owner must be able to post there. */
	b = (struct feed_edit)KEEP;
	b.owner_login = "rail1";
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_EINVAL);
	assert_string_equal(bad, "collection");

	/* Pausing cancels the pending pull and the schedule leaves it be;
	 * resuming schedules it again. */
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(pending(f, NULL), 2);
	b = (struct feed_edit)KEEP;
	b.enabled = 0;
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_OK);
	assert_int_equal(pending(f, NULL), 1);
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(pending(f, NULL), 1);
	assert_int_equal(feed_get(&coord, id, &got), KR_OK);
	assert_false(got.enabled);
	b.enabled = 1;
	assert_int_equal(feed_update(&coord, id, &b, &changed, &bad), KR_OK);
	assert_int_equal(federation_schedule(&f->sys), KR_OK);
	assert_int_equal(pending(f, NULL), 2);
}

/* The lanes: a feed worker takes only feed pulls, the other worker
 * everything else, `kairan jobs run` both. */
static void test_lanes(void **state)
{
	struct testenv *f = *state;
	assert_int_equal(job_enqueue(&f->sys, "feed_pull", "1", f->sys.now - 10), KR_OK);
	assert_int_equal(job_enqueue(&f->sys, "mail", "m1", f->sys.now), KR_OK);
	struct job j;
	assert_int_equal(job_claim_lane(&f->sys, "o", JOB_LANE_OTHER, &j), KR_OK);
	assert_string_equal(j.kind, "mail");
	assert_int_equal(job_claim_lane(&f->sys, "o", JOB_LANE_OTHER, &j), KR_ENOTFOUND);
	assert_int_equal(job_claim_lane(&f->sys, "f", JOB_LANE_FEED, &j), KR_OK);
	assert_string_equal(j.kind, "feed_pull");
	assert_int_equal(job_claim_lane(&f->sys, "f", JOB_LANE_FEED, &j), KR_ENOTFOUND);
	assert_int_equal(job_enqueue(&f->sys, "digest", "d", f->sys.now), KR_OK);
	assert_int_equal(job_claim_lane(&f->sys, "f", JOB_LANE_FEED, &j), KR_ENOTFOUND);
	assert_int_equal(job_claim(&f->sys, "any", &j), KR_OK);
	assert_string_equal(j.kind, "digest");
}

int main(void)
{
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : (enum log_level)(LOG_ERROR + 1));
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_url_normalise),
		cmocka_unit_test(test_page_url),
		cmocka_unit_test(test_next_cursor),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lanes, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("federation/pure", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("federation/sqlite", tests, NULL, NULL);
	testenv_pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (testenv_pg_url)
		failed += cmocka_run_group_tests_name("federation/postgres", tests, NULL, NULL);
	return failed;
}
