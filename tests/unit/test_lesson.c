/* test_lesson.c - the review step of a sanitised lesson-learned topic
 * (R9.5) and the sending log of upward reports (R9.4) at the core level,
 * on both engines: what the reviewer keeps stays, extra terms go, the
 * edited text is sanitised again on publishing (a stripped string typed
 * back in never reaches the topic), the case's timeline names the topic;
 * refusals (non-coordinators, hidden cases, bad community, TLP, title,
 * too many or too short extra terms) change nothing; every sending of a
 * report is listed, for the issuing coordinators only. */
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
#include "core/org.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

static const char *case_id; /* the case setup reported */

static struct ctx as(struct testenv *f, const char *login)
{
	return testenv_as(f, login, "ja");
}

static int setup(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	testenv_open(f, "lesson");
	int64_t cc = testenv_org_soc(f, "cc", "対処調整センター", "Coordination Center", "coordination_center");
	assert_int_equal(community_init_builtin(&f->sys), KR_OK);
	int64_t rail = testenv_org_soc(f, "toto-rail", "東都鉄道(デモ)", "Toto Railway (demo)", "critical_service");
	int64_t other = testenv_org_soc(f, "other", "青空アリーナ", "Aozora Arena", "venue");
	testenv_person(f, cc, "coord", "調整 一郎", ROLE_COORDINATOR);
	testenv_person(f, rail, "rail1", "山田 太郎", ROLE_MEMBER);
	testenv_person(f, other, "other1", "他 五郎", ROLE_MEMBER);
	testenv_person(f, other, "othercoord", "他 六郎", ROLE_COORDINATOR);
	struct ctx rail1 = as(f, "rail1");
	struct incident_input in = {
		.kind = "report_incident",
		.title = "東都鉄道(デモ) 予約サイトへの DDoS",
		.description = "山田 太郎 です。reserve.toto-rail.example.jp (203.0.113.10) に大量のリクエスト。"
			       " 連絡先 rail1@x.example。Toto Railway の品川車両基地は影響なし。",
		.tlp = "amber",
		.impact = "予約サイトが 30 分間応答せず",
	};
	const char *bad = NULL;
	assert_int_equal(incident_report(&rail1, &in, &case_id, &bad), KR_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	testenv_close(*state);
	free(*state);
	return 0;
}

static const char *fingerprint(struct testenv *f)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db,
				    "SELECT (SELECT COUNT(*) FROM topics), (SELECT COUNT(*) FROM case_events),"
				    " (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM jobs),"
				    " (SELECT COUNT(*) FROM upward_reports)",
				    &st),
			 KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	const char *s = arena_printf(f->a, "%lld/%lld/%lld/%lld/%lld", (long long)db_col_int(st, 0),
				     (long long)db_col_int(st, 1), (long long)db_col_int(st, 2),
				     (long long)db_col_int(st, 3), (long long)db_col_int(st, 4));
	db_done(st);
	return s;
}

static const struct sanitised_item *found(const struct lesson_review *lr, const char *orig)
{
	for (size_t i = 0; i < lr->n_found; i++)
		if (str_eq(lr->found[i].original, orig))
			return &lr->found[i];
	return NULL;
}

static const char *const identifying[] = {
	"東都鉄道", "Toto Railway", "toto-rail", "山田", "太郎", "rail1@x.example", "reserve.toto-rail.example.jp",
	"203.0.113.10",
};

static void test_review(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1"), other1 = as(f, "other1");
	struct lesson_review lr;
	assert_int_equal(incident_lesson_review(&rail1, case_id, NULL, 0, NULL, 0, &lr), KR_EPERM);
	assert_int_equal(incident_lesson_review(&other1, case_id, NULL, 0, NULL, 0, &lr), KR_ENOTFOUND);
	assert_int_equal(incident_lesson_review(&coord, "C-20000101-0001", NULL, 0, NULL, 0, &lr), KR_ENOTFOUND);

	assert_int_equal(incident_lesson_review(&coord, case_id, NULL, 0, NULL, 0, &lr), KR_OK);
	assert_non_null(strstr(lr.orig_body, "Toto Railway"));
	assert_non_null(strstr(lr.orig_title, "東都鉄道"));
	for (size_t i = 0; i < KR_ARRAY_LEN(identifying); i++) {
		assert_null(strstr(lr.title, identifying[i]));
		assert_null(strstr(lr.body, identifying[i]));
	}
	const struct sanitised_item *ip = found(&lr, "203.0.113.10");
	assert_non_null(ip);
	assert_false(ip->kept);
	assert_string_equal(ip->kind, "ip");
	assert_non_null(found(&lr, "reserve.toto-rail.example.jp"));
	assert_non_null(strstr(lr.body, "品川車両基地"));

	/* Keep the address, strip an extra term. */
	const char *keep[] = {"203.0.113.10"}, *extra[] = {"品川車両基地"};
	assert_int_equal(incident_lesson_review(&coord, case_id, keep, 1, extra, 1, &lr), KR_OK);
	assert_non_null(strstr(lr.body, "203.0.113.10"));
	assert_null(strstr(lr.body, "品川車両基地"));
	assert_non_null(strstr(lr.body, "[削除/REDACTED]"));
	assert_true(found(&lr, "203.0.113.10")->kept);
	assert_string_equal(found(&lr, "品川車両基地")->kind, "term");
	assert_null(strstr(lr.body, "Toto Railway"));

	/* Bad choices. */
	const char *shortx[] = {"x"};
	assert_int_equal(incident_lesson_review(&coord, case_id, NULL, 0, shortx, 1, &lr), KR_EINVAL);
	const char *many[LESSON_EXTRA_MAX + 1];
	for (size_t i = 0; i < KR_ARRAY_LEN(many); i++)
		many[i] = arena_printf(f->a, "term%zu", i);
	assert_int_equal(incident_lesson_review(&coord, case_id, NULL, 0, many, KR_ARRAY_LEN(many), &lr), KR_EINVAL);
	const char *empty[] = {""};
	assert_int_equal(incident_lesson_review(&coord, case_id, empty, 1, NULL, 0, &lr), KR_EINVAL);
}

static void test_publish(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1");
	struct lesson_review lr;
	assert_int_equal(incident_lesson_review(&coord, case_id, NULL, 0, NULL, 0, &lr), KR_OK);
	const char *extra[] = {"品川車両基地"};
	/* The reviewer types identifying strings back in, and a new host. */
	const char *body = arena_printf(f->a, "%s\n追記: Toto Railway の 山田 さん、TOTO-RAIL、www.toto-rail.example.jp", lr.body);
	struct lesson_input in = {.extra = extra, .nextra = 1, .title = lr.title, .body = body,
				  .community = "professional", .tlp = "green"};
	const char *before = fingerprint(f), *tid = NULL, *bad = NULL;
	struct lesson_input b = in;
	b.community = "no-such";
	assert_int_equal(incident_lesson_publish(&coord, case_id, &b, &tid, &bad), KR_EINVAL);
	assert_string_equal(bad, "community");
	b = in;
	b.tlp = "purple";
	assert_int_equal(incident_lesson_publish(&coord, case_id, &b, &tid, &bad), KR_EINVAL);
	assert_string_equal(bad, "tlp");
	b = in;
	b.title = "";
	assert_int_equal(incident_lesson_publish(&coord, case_id, &b, &tid, &bad), KR_EINVAL);
	assert_string_equal(bad, "title");
	assert_int_equal(incident_lesson_publish(&rail1, case_id, &in, &tid, &bad), KR_EPERM);
	assert_null(tid);
	assert_string_equal(fingerprint(f), before);

	assert_int_equal(incident_lesson_publish(&coord, case_id, &in, &tid, &bad), KR_OK);
	assert_non_null(tid);
	struct topic t;
	assert_int_equal(topic_get(&coord, tid, &t), KR_OK);
	assert_string_equal(t.category, "incident");
	assert_int_equal(t.tlp, TLP_GREEN);
	assert_non_null(strstr(t.body, "追記"));
	for (size_t i = 0; i < KR_ARRAY_LEN(identifying); i++) {
		assert_null(strcasestr(t.title, identifying[i]));
		assert_null(strcasestr(t.body, identifying[i]));
	}
	assert_null(strstr(t.body, "品川車両基地"));
	assert_null(strstr(t.body, "www.toto-rail"));
	/* The timeline names the topic. */
	struct incident_event *ev;
	size_t n;
	assert_int_equal(incident_timeline(&coord, case_id, &ev, &n), KR_OK);
	assert_string_equal(ev[n - 1].kind, "lesson");
	assert_string_equal(ev[n - 1].detail, tid);
}

static void test_sends(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), oc = as(f, "othercoord"), rail1 = as(f, "rail1");
	struct incident_triage tr = {.affects_event = FLAG_SET};
	const char *bad = NULL, *pid = NULL;
	assert_int_equal(incident_triage(&coord, case_id, &tr, &bad), KR_OK);
	const char *cases[] = {case_id};
	assert_int_equal(upward_report_create(&coord, "pm", "2021-07-24", cases, 1, &pid, &bad), KR_OK);
	struct upward_send *s;
	size_t n;
	assert_int_equal(upward_report_sends(&coord, pid, &s, &n), KR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(upward_report_send(&coord, pid, "上位センター"), KR_OK);
	coord.now += 1000;
	assert_int_equal(upward_report_send(&coord, pid, "内閣 窓口"), KR_OK);
	assert_int_equal(upward_report_send(&coord, pid, ""), KR_EINVAL);
	assert_int_equal(upward_report_sends(&coord, pid, &s, &n), KR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].to, "上位センター");
	assert_string_equal(s[1].to, "内閣 窓口");
	assert_string_equal(s[1].by, "coord");
	assert_int_equal(upward_report_sends(&oc, pid, &s, &n), KR_ENOTFOUND);
	assert_int_equal(upward_report_sends(&rail1, pid, &s, &n), KR_ENOTFOUND);
	assert_int_equal(upward_report_sends(&coord, "U-20000101-PM-01", &s, &n), KR_ENOTFOUND);
}

int main(void)
{
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_review, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sends, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("lesson/sqlite", tests, NULL, NULL);
	testenv_pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (testenv_pg_url)
		failed += cmocka_run_group_tests_name("lesson/postgres", tests, NULL, NULL);
	return failed;
}
