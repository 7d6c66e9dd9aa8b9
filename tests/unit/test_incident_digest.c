/* test_incident_digest.c - keyword search over cases and the daily
 * situation digest (R9.6, R7.2, R5.4) through the real core calls, on
 * SQLite and (with KAIRAN_TEST_PG_URL) PostgreSQL: a railway operator's
 * AMBER outage case designating its ministry and the police is found by
 * the two-character word 障害 (title, description, a message, an agency's
 * answer) by all of them, the coordinators and - once asked - the agency,
 * never by a third organisation (no hit, no count, no board number); the
 * index is rebuilt by incident_reindex_all; the digest counts only what
 * each person sees, names AMBER cases by id and link only, and the daily
 * digest mail honours the per-person setting. */
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
#include "core/incident.h"
#include "core/incident_digest.h"
#include "core/jobs.h"
#include "core/notify.h"
#include "core/org.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

static struct ctx as(struct testenv *f, const char *login)
{
	return testenv_as(f, login, "ja");
}

static int setup(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	testenv_open(f, "incdigest");
	int64_t cc = testenv_org_soc(f, "cc", "対処調整センター", "Coordination Center", "coordination_center");
	assert_int_equal(community_init_builtin(&f->sys), KR_OK);
	int64_t rail = testenv_org_soc(f, "toto-rail", "東都鉄道", "Toto Railway", "critical_service");
	int64_t ministry = testenv_org_soc(f, "ministry", "国土交通基盤省", "Ministry of Transport", "ministry");
	int64_t police = testenv_org_soc(f, "police", "東都警察本部", "Toto Police", "law_enforcement");
	int64_t agency = testenv_org_soc(f, "agency", "解析センター", "Analysis Center", "security_agency");
	int64_t other = testenv_org_soc(f, "other", "青空アリーナ", "Aozora Arena", "venue");
	testenv_person(f, cc, "coord", NULL, ROLE_COORDINATOR);
	testenv_person(f, rail, "rail1", NULL, ROLE_MEMBER);
	testenv_person(f, ministry, "min1", NULL, ROLE_MEMBER);
	testenv_person(f, police, "pol1", NULL, ROLE_MEMBER);
	testenv_person(f, agency, "ag1", NULL, ROLE_MEMBER);
	testenv_person(f, other, "other1", NULL, ROLE_MEMBER);
	testenv_person(f, other, "othercoord", NULL, ROLE_COORDINATOR); /* a coordinator outside cc */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	testenv_close(*state);
	free(*state);
	return 0;
}

/* The public ids the viewer finds for q, comma-separated, newest first;
 * *total is the list's count and must equal the board's. */
static const char *found(struct ctx *c, const char *q, int64_t *total)
{
	struct incident_filter fl = {.q = q, .limit = 100};
	struct incident_page pg;
	assert_int_equal(incident_list(c, &fl, &pg), KR_OK);
	const char *s = "";
	for (size_t i = 0; i < pg.n; i++)
		s = arena_printf(c->a, "%s%s,", s, pg.items[i].public_id);
	struct incident_filter bf = {.q = q};
	struct incident_board b;
	assert_int_equal(incident_board(c, &bf, &b), KR_OK);
	assert_int_equal(b.total, pg.total);
	assert_int_equal((int64_t)pg.n, pg.total);
	if (total)
		*total = pg.total;
	return s;
}

static const char *report(struct ctx *c, const char *title, const char *desc, const char *tlp,
			  const char *const *rcpt, size_t n)
{
	struct incident_input in = {.kind = "report_incident", .title = title, .description = desc, .tlp = tlp,
				    .impact = "", .affected_systems = "", .recipients = rcpt, .n_recipients = n};
	const char *pid = NULL, *bad = NULL;
	assert_int_equal(incident_report(c, &in, &pid, &bad), KR_OK);
	return pid;
}

static void test_search(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1"), min1 = as(f, "min1"), pol1 = as(f, "pol1"),
		   ag1 = as(f, "ag1"), other1 = as(f, "other1"), oc = as(f, "othercoord");
	static const char *const rcpt[] = {"ministry", "police"};
	const char *rail = report(&rail1, "信号システムの障害", "運行管理サーバが応答しません。", "amber", rcpt, 2);
	const char *own = report(&other1, "会場Wi-Fiの障害 OTHERSECRET", "来場者用の無線が不通。", "green", NULL, 0);
	const char *both = arena_printf(f->a, "%s,%s,", own, rail);

	/* The reporter, the designated organisations and the coordinators
	 * find it by the two-character word; the third organisation finds
	 * only its own case, and its coordinator-role person no more. */
	int64_t n;
	assert_string_equal(found(&rail1, "障害", NULL), arena_printf(f->a, "%s,", rail));
	assert_string_equal(found(&min1, "障害", NULL), arena_printf(f->a, "%s,", rail));
	assert_string_equal(found(&pol1, "障害", NULL), arena_printf(f->a, "%s,", rail));
	assert_string_equal(found(&coord, "障害", NULL), both);
	assert_string_equal(found(&other1, "障害", NULL), arena_printf(f->a, "%s,", own));
	assert_string_equal(found(&oc, "障害", NULL), arena_printf(f->a, "%s,", own));
	assert_string_equal(found(&ag1, "障害", &n), "");
	assert_int_equal(n, 0);
	/* Words of the description; two words must both match. */
	assert_string_equal(found(&min1, "応答", NULL), arena_printf(f->a, "%s,", rail));
	assert_string_equal(found(&min1, "信号 応答", NULL), arena_printf(f->a, "%s,", rail));
	assert_string_equal(found(&min1, "信号 無線", NULL), "");
	assert_string_equal(found(&other1, "信号", &n), "");
	assert_int_equal(n, 0);
	/* Nothing searchable in the words: no hit rather than everything. */
	assert_string_equal(found(&coord, "、。", &n), "");
	assert_int_equal(n, 0);

	/* A message on the timeline and an agency's answer are searchable at
	 * once, by those who see the case only. */
	assert_int_equal(incident_message(&rail1, rail, "ルーター交換で復旧を試みます", NULL), KR_OK);
	assert_string_equal(found(&pol1, "交換", NULL), arena_printf(f->a, "%s,", rail));
	assert_string_equal(found(&other1, "交換", &n), "");
	assert_int_equal(n, 0);
	int64_t sr = 0;
	const char *bad = NULL;
	assert_int_equal(support_request_create(&coord, rail, "agency", "malware_analysis", "検体の解析を依頼します", &sr,
						&bad), KR_OK);
	assert_string_equal(found(&ag1, "障害", NULL), arena_printf(f->a, "%s,", rail)); /* now a recipient */
	assert_int_equal(support_request_respond(&ag1, sr, "answer", "検体は既知のボットネット", &bad), KR_OK);
	assert_string_equal(found(&min1, "ボットネット", NULL), arena_printf(f->a, "%s,", rail));
	assert_string_equal(found(&other1, "ボットネット", NULL), "");
	/* Filters combine with q. */
	struct incident_filter fl = {.q = "障害", .state = "new"};
	struct incident_page pg;
	assert_int_equal(incident_list(&coord, &fl, &pg), KR_OK);
	assert_int_equal(pg.total, 2);
	fl.org = "other";
	assert_int_equal(incident_list(&coord, &fl, &pg), KR_OK);
	assert_int_equal(pg.total, 1);
	assert_string_equal(pg.items[0].public_id, own);
	/* Bad input: a clean KR_EINVAL. */
	fl = (struct incident_filter){.q = "障害\x01"};
	assert_int_equal(incident_list(&coord, &fl, &pg), KR_EINVAL);

	/* The index is derived data: lost, searches find nothing; rebuilt
	 * (as import-db does), the same hits again. */
	assert_int_equal(db_exec(f->db, "DELETE FROM incident_fts"), KR_OK);
	assert_string_equal(found(&coord, "障害", NULL), "");
	int64_t re = 0;
	assert_int_equal(incident_reindex_all(&rail1, &re), KR_EPERM);
	assert_int_equal(incident_reindex_all(&f->sys, &re), KR_OK);
	assert_int_equal(re, 2);
	assert_string_equal(found(&coord, "障害", NULL), both);
	assert_string_equal(found(&min1, "ボットネット", NULL), arena_printf(f->a, "%s,", rail));
	assert_string_equal(found(&other1, "障害", NULL), arena_printf(f->a, "%s,", own));
	/* The same through the job migration 6 queues on a site that already
	 * had cases (the worker runs it as the system). */
	assert_int_equal(db_exec(f->db, "DELETE FROM incident_fts"), KR_OK);
	assert_string_equal(found(&coord, "障害", NULL), "");
	struct job j = {.id = 0, .kind = "incident_reindex", .payload = ""};
	assert_int_equal(notify_run_job(&f->sys, &j), KR_OK);
	assert_string_equal(found(&coord, "障害", NULL), both);
	assert_string_equal(found(&pol1, "交換", NULL), arena_printf(f->a, "%s,", rail));
}

static int64_t class_new(const struct incident_digest *d, const char *klass, int what)
{
	for (size_t i = 0; i < d->n_classes; i++)
		if (str_eq(d->by_class[i].klass, klass))
			return what == 0 ? d->by_class[i].new_n : what == 1 ? d->by_class[i].open_n : d->by_class[i].resolved_n;
	fail_msg("no class %s", klass);
	return -1;
}

static struct incident_digest digest_of(struct ctx *c)
{
	struct incident_digest d;
	assert_int_equal(incident_digest_get(c, c->now - INCIDENT_DIGEST_WINDOW_MS, c->now + 1, &d), KR_OK);
	return d;
}

static void test_digest(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1"), min1 = as(f, "min1"), ag1 = as(f, "ag1"),
		   other1 = as(f, "other1"), oc = as(f, "othercoord");
	static const char *const rcpt[] = {"ministry", "police"};
	const char *rail = report(&rail1, "AMBERTITLE 信号システムの障害", "AMBERBODY 運行管理サーバ", "amber", rcpt, 2);
	const char *own = report(&other1, "GREENTITLE 会場Wi-Fiの障害", "来場者用の無線が不通。", "green", NULL, 0);
	const char *bad = NULL;
	struct incident_triage tr = {.priority = "p2", .klass = "outage"};
	assert_int_equal(incident_triage(&coord, rail, &tr, &bad), KR_OK);
	tr.klass = "cloud_outage";
	assert_int_equal(incident_triage(&coord, own, &tr, &bad), KR_OK);
	int64_t sr = 0;
	assert_string_equal(found(&ag1, "信号", NULL), "");
	assert_int_equal(support_request_create(&coord, rail, "agency", "advice", NULL, &sr, &bad), KR_OK);
	/* No note, yet the agency - a recipient now - finds the case. */
	assert_string_equal(found(&ag1, "信号", NULL), arena_printf(f->a, "%s,", rail));
	assert_int_equal(support_request_respond(&ag1, sr, "answer", "設定を見直してください", &bad), KR_OK);
	assert_int_equal(incident_set_state(&coord, own, "resolved", NULL), KR_OK);
	/* Topics of the coordination center: one for everyone, one only for
	 * the railway operator; one by another organisation does not count. */
	const char *tid = NULL;
	struct topic_input ti = {.community = "general", .title = "注意喚起", .category = "alert", .tlp = "green",
				 .body = "本文", .scope = "community"};
	assert_int_equal(topic_create(&coord, &ti, &tid, &bad), KR_OK);
	static const char *const only_rail[] = {"toto-rail"};
	ti = (struct topic_input){.community = "professional", .title = "個別の連絡", .category = "alert",
				  .tlp = "amber", .body = "本文", .scope = "manual", .scope_orgs = only_rail, .n_scope_orgs = 1};
	assert_int_equal(topic_create(&coord, &ti, &tid, &bad), KR_OK);

	struct incident_digest d = digest_of(&coord);
	assert_int_equal(d.total.new_n, 2);
	assert_int_equal(d.total.open_n, 1);
	assert_int_equal(d.total.resolved_n, 1);
	assert_int_equal(class_new(&d, "outage", 0), 1);
	assert_int_equal(class_new(&d, "outage", 1), 1);
	assert_int_equal(class_new(&d, "cloud_outage", 0), 1);
	assert_int_equal(class_new(&d, "cloud_outage", 1), 0);
	assert_int_equal(class_new(&d, "cloud_outage", 2), 1);
	assert_int_equal(d.support_answered, 1);
	assert_int_equal(d.n_new_cases, 2);
	for (size_t i = 0; i < incident_nstates; i++)
		assert_int_equal(d.open_by_state[i], str_eq(incident_states[i], "triaged") ? 1 : 0);

	/* The railway operator and its ministry: their case only. */
	d = digest_of(&rail1);
	assert_int_equal(d.total.new_n, 1);
	assert_int_equal(d.total.resolved_n, 0);
	assert_int_equal(class_new(&d, "cloud_outage", 0), 0);
	assert_int_equal(d.support_answered, 1);
	assert_int_equal(d.cc_topics, 2);
	assert_int_equal(d.n_new_cases, 1);
	assert_string_equal(d.new_cases[0].public_id, rail);
	d = digest_of(&min1);
	assert_int_equal(d.total.new_n, 1);
	assert_int_equal(d.cc_topics, 1);
	/* The third organisation - its coordinator-role person too - counts
	 * its own case and nothing of the railway's. */
	for (int i = 0; i < 2; i++) {
		d = digest_of(i ? &oc : &other1);
		assert_int_equal(d.total.new_n, 1);
		assert_int_equal(d.total.open_n, 0);
		assert_int_equal(d.total.resolved_n, 1);
		assert_int_equal(class_new(&d, "outage", 0), 0);
		assert_int_equal(d.support_answered, 0);
		assert_int_equal(d.cc_topics, 1);
		assert_int_equal(d.n_new_cases, 1);
		assert_string_equal(d.new_cases[0].public_id, own);
	}
	/* A window before everything: only "open now" counts, nothing named. */
	assert_int_equal(incident_digest_get(&coord, 1000, 2000, &d), KR_OK);
	assert_false(incident_digest_empty(&d));
	assert_int_equal(d.total.new_n, 0);
	assert_int_equal(d.total.open_n, 1);
	assert_int_equal(d.total.resolved_n, 0);
	assert_int_equal(d.support_answered + d.cc_topics, 0);
	assert_int_equal(d.n_new_cases, 0);
	assert_int_equal(incident_digest_get(&ag1, 1000, 2000, &d), KR_OK);
	assert_int_equal(d.total.open_n, 1); /* the agency now sees the case */
	struct ctx pol1 = as(f, "pol1");
	assert_int_equal(incident_set_state(&coord, rail, "resolved", NULL), KR_OK);
	assert_int_equal(incident_digest_get(&pol1, 1000, 2000, &d), KR_OK);
	assert_true(incident_digest_empty(&d));
	assert_int_equal(incident_set_state(&coord, rail, "triaged", "reopened"), KR_OK);
	assert_int_equal(incident_digest_get(&coord, 2000, 2000, &d), KR_EINVAL);
	struct ctx anon = {.db = f->db, .a = f->a, .now = f->sys.now};
	assert_int_equal(incident_digest_get(&anon, 1000, 2000, &d), KR_EPERM);

	/* The mail text: AMBER by id, label and link; GREEN with its title;
	 * never a case the reader cannot see. */
	struct buf b = BUF_INIT;
	d = digest_of(&coord);
	incident_digest_mail(&b, "ja", &d);
	assert_non_null(strstr(b.p, rail));
	assert_non_null(strstr(b.p, "TLP:AMBER"));
	assert_non_null(strstr(b.p, "GREENTITLE"));
	assert_null(strstr(b.p, "AMBERTITLE"));
	assert_null(strstr(b.p, "AMBERBODY"));
	assert_non_null(strstr(b.p, "インシデント状況"));
	buf_free(&b);
	d = digest_of(&other1);
	incident_digest_mail(&b, "en", &d);
	assert_null(strstr(b.p, rail));
	assert_null(strstr(b.p, "TLP:AMBER"));
	assert_non_null(strstr(b.p, "Incident overview"));
	buf_free(&b);

	/* The daily digest job: a mail per person who sees something, the
	 * numbers in it, nothing for those who turned the digest off. */
	struct notify_settings off = {true, true, true, false};
	assert_int_equal(notify_settings_set(&min1, &off), KR_OK);
	struct db_stmt *st;
	assert_int_equal(db_exec(f->db, "DELETE FROM jobs WHERE kind = 'mail'"), KR_OK);
	size_t sent = 0;
	assert_int_equal(notify_digest(&f->sys, f->sys.now - INCIDENT_DIGEST_WINDOW_MS, &sent), KR_OK);
	assert_int_equal(db_prepare(f->db, "SELECT payload FROM jobs WHERE kind = 'mail' ORDER BY id", &st), KR_OK);
	int mails = 0;
	bool to_min = false, to_other = false, to_rail = false;
	while (db_step(st) == KR_ROW) {
		const char *p = db_col_text(st, 0);
		mails++;
		assert_null(strstr(p, "AMBERTITLE"));
		assert_null(strstr(p, "AMBERBODY"));
		if (strstr(p, "min1@"))
			to_min = true;
		if (strstr(p, "other1@")) {
			to_other = true;
			assert_null(strstr(p, rail));
			assert_non_null(strstr(p, own));
		}
		if (strstr(p, "rail1@")) {
			to_rail = true;
			assert_non_null(strstr(p, rail));
			assert_null(strstr(p, own));
		}
	}
	db_done(st);
	assert_int_equal(mails, (int)sent);
	assert_true(to_other && to_rail && !to_min);
}

int main(void)
{
	log_set_level(LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("incident_digest/sqlite", tests, NULL, NULL);
	testenv_pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (testenv_pg_url && *testenv_pg_url)
		failed += cmocka_run_group_tests_name("incident_digest/postgres", tests, NULL, NULL);
	return failed;
}
