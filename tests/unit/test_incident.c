/* test_incident.c - the consultation desk at the core level, on both
 * engines: a railway operator reports a DDoS designating its ministry and
 * the police; all three and the coordinators see it and a fourth
 * organisation gets KR_ENOTFOUND everywhere (lists, counts, timeline,
 * attachments, support requests); triage; a support request to an agency
 * and its answer; the PM upward report; a sanitised draft free of the
 * reporter's identifying strings, published with topic_create.  Then the
 * refusals: illegal state changes, forged ids, requests to non-agency
 * organisations, bad input of every field - each KR_EINVAL (or
 * KR_ENOTFOUND / KR_EPERM) with nothing changed. */
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
#include "core/demo.h"
#include "core/incident.h"
#include "core/jobs.h"
#include "core/notify.h"
#include "core/org.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

/* one clock (the system's): timeline order is id order */
static struct ctx as(struct testenv *f, const char *login)
{
	return testenv_as(f, login, "ja");
}

static int setup(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	testenv_open(f, "incident");
	int64_t cc = testenv_org_soc(f, "cc", "対処調整センター", "Coordination Center", "coordination_center");
	assert_int_equal(community_init_builtin(&f->sys), KR_OK);
	int64_t rail = testenv_org_soc(f, "toto-rail", "東都鉄道(デモ)", "Toto Railway (demo)", "critical_service");
	int64_t min = testenv_org_soc(f, "ministry", "国土交通基盤省", "Ministry of Transport", "ministry");
	int64_t pol = testenv_org_soc(f, "police", "東都警察本部", "Toto Police", "law_enforcement");
	int64_t ag = testenv_org_soc(f, "agency", "コンピュータ緊急対応調整センター", "CERT", "security_agency");
	int64_t other = testenv_org_soc(f, "other", "青空アリーナ", "Aozora Arena", "venue");
	testenv_person(f, cc, "coord", "調整 一郎", ROLE_COORDINATOR);
	testenv_person(f, rail, "rail1", "山田 太郎", ROLE_MEMBER);
	testenv_person(f, rail, "rail2", "鈴木 花子", ROLE_MEMBER);
	testenv_person(f, min, "min1", "省 次郎", ROLE_MEMBER);
	testenv_person(f, pol, "pol1", "警察 三郎", ROLE_MEMBER);
	testenv_person(f, ag, "ag1", "解析 四郎", ROLE_MEMBER);
	testenv_person(f, other, "other1", "他 五郎", ROLE_MEMBER);
	testenv_person(f, other, "othercoord", "他 六郎", ROLE_COORDINATOR); /* a coordinator outside cc */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	testenv_close(*state);
	free(*state);
	return 0;
}

/* A fingerprint of everything stored about cases, to prove a refused
 * call changed nothing. */
static const char *fingerprint(struct testenv *f)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db,
				    "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM case_events),"
				    " (SELECT COUNT(*) FROM case_recipients), (SELECT COUNT(*) FROM support_requests),"
				    " (SELECT COUNT(*) FROM case_attachments), (SELECT COUNT(*) FROM upward_reports),"
				    " (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM jobs),"
				    " (SELECT COALESCE(MAX(updated_at), 0) FROM cases),"
				    " (SELECT COUNT(*) FROM cases WHERE state = 'new'),"
				    " (SELECT COUNT(*) FROM support_requests WHERE state = 'requested')",
				    &st),
			 KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	const char *s = arena_printf(f->a, "%lld/%lld/%lld/%lld/%lld/%lld/%lld/%lld/%lld/%lld/%lld",
				     (long long)db_col_int(st, 0), (long long)db_col_int(st, 1), (long long)db_col_int(st, 2),
				     (long long)db_col_int(st, 3), (long long)db_col_int(st, 4), (long long)db_col_int(st, 5),
				     (long long)db_col_int(st, 6), (long long)db_col_int(st, 7), (long long)db_col_int(st, 8),
				     (long long)db_col_int(st, 9), (long long)db_col_int(st, 10));
	db_done(st);
	return s;
}

static const char *report_ddos(struct testenv *f, struct ctx *rail1, const char **att)
{
	static const char *const rcpt[] = {"ministry", "police"};
	struct incident_input in = {
		.kind = "report_incident",
		.title = "東都鉄道(デモ) 予約サイトへの DDoS",
		.description = "山田 太郎 です。reserve.toto-rail.example.jp (203.0.113.10) に 10:05 から大量のリクエスト。"
			       " 連絡先 rail1@x.example / soc@toto-rail.example.jp。Toto Railway の運行系は影響なし。",
		.tlp = "amber",
		.impact = "予約サイトが 30 分間応答せず",
		.started_at = rail1->now - 3600000,
		.affected_systems = "reserve.toto-rail.example.jp, 2001:db8::10",
		.recipients = rcpt,
		.n_recipients = 2,
		.filename = "pcap/summary.txt",
		.ctype = "text/plain",
		.data = "top talkers\n",
		.len = 12,
	};
	const char *pid = NULL, *bad = NULL;
	assert_int_equal(incident_report(rail1, &in, &pid, &bad), KR_OK);
	assert_non_null(pid);
	assert_int_equal(strlen(pid), 15);
	assert_true(!strncmp(pid, "C-", 2));
	struct attachment *at;
	size_t n;
	assert_int_equal(incident_attachments(rail1, pid, &at, &n), KR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(at[0].filename, "summary.txt");
	*att = at[0].public_id;
	(void)f;
	return pid;
}

static int64_t list_total(struct ctx *c, const struct incident_filter *fl)
{
	struct incident_page pg;
	assert_int_equal(incident_list(c, fl, &pg), KR_OK);
	return pg.total;
}

static void test_journey(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1"), rail2 = as(f, "rail2"), min1 = as(f, "min1"),
		   pol1 = as(f, "pol1"), ag1 = as(f, "ag1"), other1 = as(f, "other1"), oc = as(f, "othercoord");
	const char *att = NULL;
	const char *pid = report_ddos(f, &rail1, &att);

	/* Notified: rail2, min1, pol1 and coord (not the reporter, not others);
	 * AMBER mail carries only a link. */
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT p.login FROM notifications n JOIN people p ON p.id = n.person_id"
					   " WHERE n.case_id IS NOT NULL ORDER BY p.login", &st), KR_OK);
	const char *who = "";
	while (db_step(st) == KR_ROW)
		who = arena_printf(f->a, "%s%s,", who, db_col_text(st, 0));
	db_done(st);
	assert_string_equal(who, "coord,min1,pol1,rail2,");
	assert_int_equal(db_prepare(f->db, "SELECT payload FROM jobs WHERE kind = 'mail'", &st), KR_OK);
	int mails = 0;
	while (db_step(st) == KR_ROW) {
		mails++;
		assert_null(strstr(db_col_text(st, 0), "DDoS"));
		assert_null(strstr(db_col_text(st, 0), "203.0.113.10"));
		assert_non_null(strstr(db_col_text(st, 0), "/incidents/C-"));
	}
	db_done(st);
	assert_int_equal(mails, 4);

	/* Everyone designated and the coordinators see the same case. */
	struct ctx *seers[] = {&rail1, &rail2, &min1, &pol1, &coord};
	for (size_t i = 0; i < 5; i++) {
		struct incident k;
		assert_int_equal(incident_get(seers[i], pid, &k), KR_OK);
		assert_string_equal(k.state, "new");
		assert_int_equal(k.tlp, TLP_AMBER);
		assert_int_equal(k.n_recipients, 3); /* cc, ministry, police */
		struct incident_filter all = {0};
		assert_int_equal(list_total(seers[i], &all), 1);
		struct attachment a;
		assert_int_equal(incident_attachment_get(seers[i], att, &a), KR_OK);
		assert_memory_equal(a.data, "top talkers\n", 12);
	}
	/* A fourth organisation, even its coordinator, and the agency (not
	 * yet asked): missing everywhere, counts included. */
	struct ctx *blind[] = {&other1, &oc, &ag1};
	for (size_t i = 0; i < 3; i++) {
		struct incident k;
		struct incident_filter all = {0};
		struct incident_board b;
		struct incident_measures m;
		struct incident_event *ev;
		struct attachment a, *as_;
		struct support_request *srs;
		size_t n;
		const char *x, *bad;
		assert_int_equal(incident_get(blind[i], pid, &k), KR_ENOTFOUND);
		assert_int_equal(list_total(blind[i], &all), 0);
		assert_int_equal(incident_board(blind[i], &all, &b), KR_OK);
		assert_int_equal(b.total, 0);
		assert_int_equal(incident_measures(blind[i], &m), KR_OK);
		assert_int_equal(m.cases, 0);
		assert_int_equal(incident_timeline(blind[i], pid, &ev, &n), KR_ENOTFOUND);
		assert_int_equal(incident_attachments(blind[i], pid, &as_, &n), KR_ENOTFOUND);
		assert_int_equal(incident_attachment_get(blind[i], att, &a), KR_ENOTFOUND);
		assert_int_equal(incident_message(blind[i], pid, "probe", NULL), KR_ENOTFOUND);
		assert_int_equal(incident_attach(blind[i], pid, "x.txt", "text/plain", "x", 1, &x, &bad), KR_ENOTFOUND);
		assert_int_equal(support_request_list(blind[i], pid, &srs, &n), KR_ENOTFOUND);
		assert_int_equal(incident_set_state(blind[i], pid, "triaged", NULL), KR_ENOTFOUND);
		struct incident_triage tr = {.priority = "p1"};
		assert_int_equal(incident_triage(blind[i], pid, &tr, &bad), KR_ENOTFOUND);
		struct sanitised_draft d;
		assert_int_equal(incident_sanitised_draft(blind[i], pid, &d), KR_ENOTFOUND);
	}
	/* Members cannot triage; the coordinator does. */
	const char *bad = NULL;
	struct incident_triage tr = {.priority = "p1", .klass = "ddos", .assignee_team = "チームA",
				     .affects_event = FLAG_SET, .public_visibility = FLAG_SET};
	assert_int_equal(incident_triage(&rail1, pid, &tr, &bad), KR_EPERM);
	assert_int_equal(incident_triage(&coord, pid, &tr, &bad), KR_OK);
	struct incident k;
	assert_int_equal(incident_get(&min1, pid, &k), KR_OK);
	assert_string_equal(k.state, "triaged");
	assert_string_equal(k.klass, "ddos");
	assert_string_equal(k.priority, "p1");
	assert_true(k.affects_event && k.public_visibility);
	assert_true(k.time_to_triage >= 0);
	assert_int_equal(k.time_to_first_support, -1);
	assert_false(k.overdue);
	/* Board counts by class and state. */
	struct incident_filter all = {0};
	struct incident_board b;
	assert_int_equal(incident_board(&coord, &all, &b), KR_OK);
	assert_int_equal(b.total, 1);
	for (size_t i = 0; i < b.n_classes; i++)
		assert_int_equal(b.by_class[i].n, str_eq(b.by_class[i].key, "ddos") ? 1 : 0);
	for (size_t i = 0; i < b.n_states; i++)
		assert_int_equal(b.by_state[i].n, str_eq(b.by_state[i].key, "triaged") ? 1 : 0);
	struct incident_filter fl = {.klass = "ddos", .affects_event = FLAG_SET, .q = "ddos"};
	assert_int_equal(list_total(&pol1, &fl), 1);
	fl.klass = "phishing";
	assert_int_equal(list_total(&pol1, &fl), 0);

	/* Support: not to a ministry; to the agency, who then sees the case. */
	int64_t sr = 0;
	assert_int_equal(support_request_create(&coord, pid, "ministry", "investigation", NULL, &sr, &bad), KR_EINVAL);
	assert_string_equal(bad, "agency");
	assert_int_equal(support_request_create(&rail1, pid, "agency", "investigation", NULL, &sr, &bad), KR_EPERM);
	assert_int_equal(support_request_create(&coord, pid, "agency", "investigation", "攻撃元の分析をお願いします", &sr,
						&bad), KR_OK);
	assert_int_equal(incident_get(&ag1, pid, &k), KR_OK);
	assert_true(k.time_to_first_support >= 0);
	struct support_request *inbox;
	size_t n;
	assert_int_equal(support_request_list(&ag1, NULL, &inbox, &n), KR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(inbox[0].case_id, pid);
	/* Only the agency answers; other1 cannot even find the request. */
	assert_int_equal(support_request_respond(&rail1, sr, "accept", NULL, &bad), KR_EPERM);
	assert_int_equal(support_request_respond(&other1, sr, "accept", NULL, &bad), KR_ENOTFOUND);
	assert_int_equal(support_request_respond(&ag1, sr, "answer", "", &bad), KR_EINVAL);
	assert_int_equal(support_request_respond(&ag1, sr, "accept", NULL, &bad), KR_OK);
	assert_int_equal(support_request_respond(&ag1, sr, "decline", NULL, &bad), KR_EINVAL);
	assert_int_equal(support_request_respond(&ag1, sr, "answer", "攻撃元は 198.51.100.7 のボットネットです", &bad), KR_OK);
	assert_int_equal(support_request_respond(&ag1, sr, "answer", "again", &bad), KR_EINVAL);
	struct support_request s;
	assert_int_equal(support_request_get(&rail1, sr, &s), KR_OK);
	assert_string_equal(s.state, "answered");
	assert_int_equal(support_request_get(&other1, sr, &s), KR_ENOTFOUND);
	assert_int_equal(incident_message(&rail1, pid, "Toto Railway: 復旧しました。担当 山田 (rail1@x.example)", NULL), KR_OK);
	assert_int_equal(incident_set_state(&coord, pid, "supporting", NULL), KR_OK);
	assert_int_equal(incident_set_state(&coord, pid, "resolved", "復旧確認"), KR_OK);
	assert_int_equal(incident_get(&rail1, pid, &k), KR_OK);
	assert_true(k.time_to_resolve >= 0);
	struct incident_event *ev;
	assert_int_equal(incident_timeline(&pol1, pid, &ev, &n), KR_OK);
	const char *kinds = "";
	for (size_t i = 0; i < n; i++)
		kinds = arena_printf(f->a, "%s%s ", kinds, ev[i].kind);
	assert_string_equal(kinds, "report file triage state support_request support_answer support_answer message"
				   " state state ");
	struct incident_measures m;
	assert_int_equal(incident_measures(&coord, &m), KR_OK);
	assert_int_equal(m.cases, 1);
	assert_int_equal(m.resolved, 1);
	assert_true(m.avg_triage_ms >= 0 && m.avg_resolve_ms >= 0);

	/* PM upward report: members may not; the coordinator picks the case. */
	const char *up = NULL;
	const char *const pick[] = {pid};
	assert_int_equal(upward_report_create(&rail1, "pm", "2021-07-24", pick, 1, &up, &bad), KR_EPERM);
	assert_int_equal(upward_report_create(&coord, "noon", "2021-07-24", pick, 1, &up, &bad), KR_EINVAL);
	assert_int_equal(upward_report_create(&coord, "pm", "2021-02-30", pick, 1, &up, &bad), KR_EINVAL);
	assert_int_equal(upward_report_create(&oc, "pm", "2021-07-24", pick, 1, &up, &bad), KR_EINVAL);
	assert_int_equal(upward_report_create(&coord, "pm", "2021-07-24", pick, 1, &up, &bad), KR_OK);
	assert_string_equal(up, "U-20210724-PM-01");
	assert_int_equal(upward_report_send(&coord, up, "上位調整センター / NISC"), KR_OK);
	struct upward_report u;
	assert_int_equal(upward_report_get(&coord, up, &u), KR_OK);
	assert_int_equal(u.n_cases, 1);
	assert_string_equal(u.cases[0], pid);
	assert_non_null(strstr(u.csv, "分類 / Class"));
	assert_non_null(strstr(u.csv, pid));
	assert_non_null(strstr(u.body, "午後"));
	assert_true(u.sent_at > 0);
	assert_int_equal(upward_report_get(&rail1, up, &u), KR_ENOTFOUND);
	assert_int_equal(upward_report_get(&oc, up, &u), KR_ENOTFOUND);
	/* Automatic selection takes the flagged case too. */
	const char *up2 = NULL;
	assert_int_equal(upward_report_create(&coord, "am", "2021-07-25", NULL, 0, &up2, &bad), KR_OK);
	assert_int_equal(upward_report_get(&coord, up2, &u), KR_OK);
	assert_int_equal(u.n_cases, 1);

	/* Sanitised lesson-learned draft: nothing of the reporter is left. */
	struct sanitised_draft d;
	assert_int_equal(incident_sanitised_draft(&rail1, pid, &d), KR_EPERM);
	assert_int_equal(incident_sanitised_draft(&coord, pid, &d), KR_OK);
	static const char *const secrets[] = {"東都鉄道", "Toto Railway", "toto-rail", "山田", "太郎", "rail1",
					      "x.example", "203.0.113.10", "198.51.100.7", "2001:db8::10",
					      "reserve.", "soc@"};
	for (size_t i = 0; i < KR_ARRAY_LEN(secrets); i++) {
		if (strstr(d.title, secrets[i]) || strstr(d.body, secrets[i]))
			fail_msg("draft still contains %s:\n%s\n%s", secrets[i], d.title, d.body);
	}
	assert_non_null(strstr(d.body, "[IP]"));
	assert_non_null(strstr(d.body, "大量のリクエスト")); /* the substance stays */
	bool org = false, person = false, email = false, host = false, ip = false;
	for (size_t i = 0; i < d.n_removed; i++) {
		org |= str_eq(d.removed[i].kind, "org");
		person |= str_eq(d.removed[i].kind, "person");
		email |= str_eq(d.removed[i].kind, "email");
		host |= str_eq(d.removed[i].kind, "host");
		ip |= str_eq(d.removed[i].kind, "ip");
	}
	assert_true(org && person && email && host && ip);
	const char *tp = NULL;
	struct topic_input ti = {.community = "professional", .title = d.title, .category = "incident", .tlp = "green",
				 .body = d.body};
	assert_int_equal(topic_create(&coord, &ti, &tp, &bad), KR_OK);
	struct topic t;
	assert_int_equal(topic_get(&other1, tp, &t), KR_OK);
	assert_null(strstr(t.body, "山田"));
	assert_null(strstr(t.title, "東都鉄道"));

	/* Reopen, then close. */
	assert_int_equal(incident_set_state(&coord, pid, "triaged", "再発"), KR_OK);
	assert_int_equal(incident_get(&rail1, pid, &k), KR_OK);
	assert_string_equal(k.state, "triaged");
	assert_int_equal(incident_set_state(&coord, pid, "closed", NULL), KR_OK);
}

static void test_refusals(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1"), ag1 = as(f, "ag1");
	const char *att;
	const char *pid = report_ddos(f, &rail1, &att);
	const char *before = fingerprint(f);
	const char *bad = NULL, *x = NULL;
	/* Illegal state changes. */
	static const char *const illegal[] = {"new", "resolved_", "coordinating", "monitoring", "", "NEW"};
	for (size_t i = 0; i < KR_ARRAY_LEN(illegal); i++)
		assert_int_equal(incident_set_state(&coord, pid, illegal[i], NULL), KR_EINVAL);
	assert_int_equal(incident_set_state(&coord, pid, NULL, NULL), KR_EINVAL);
	assert_int_equal(incident_set_state(&rail1, pid, "triaged", NULL), KR_EPERM);
	assert_false(incident_transition_ok("closed", "resolved"));
	assert_false(incident_transition_ok("resolved", "monitoring"));
	assert_true(incident_transition_ok("closed", "triaged"));
	assert_true(incident_transition_ok("monitoring", "supporting"));
	assert_false(incident_transition_ok("triaged", "triaged"));
	/* Forged ids. */
	static const char *const forged[] = {"C-20990101-0001", "C-1", "", "20210724-000001", "C-20210724-0001' OR 1=1"};
	for (size_t i = 0; i < KR_ARRAY_LEN(forged); i++) {
		struct incident k;
		assert_int_equal(incident_get(&coord, forged[i], &k), KR_ENOTFOUND);
		assert_int_equal(incident_set_state(&coord, forged[i], "triaged", NULL), KR_ENOTFOUND);
		assert_int_equal(incident_message(&coord, forged[i], "x", NULL), KR_ENOTFOUND);
	}
	struct incident k;
	assert_int_equal(incident_get(&coord, NULL, &k), KR_ENOTFOUND);
	struct support_request s;
	assert_int_equal(support_request_get(&coord, 999999, &s), KR_ENOTFOUND);
	assert_int_equal(support_request_respond(&ag1, 999999, "accept", NULL, &bad), KR_ENOTFOUND);
	struct attachment a;
	assert_int_equal(incident_attachment_get(&coord, "nope", &a), KR_ENOTFOUND);
	struct upward_report u;
	assert_int_equal(upward_report_get(&coord, "U-20210724-PM-01", &u), KR_ENOTFOUND);
	/* Support requests to non-agencies, unknown kinds. */
	static const char *const nonagency[] = {"ministry", "police", "cc", "toto-rail", "nosuch", ""};
	for (size_t i = 0; i < KR_ARRAY_LEN(nonagency); i++) {
		assert_int_equal(support_request_create(&coord, pid, nonagency[i], "advice", NULL, NULL, &bad), KR_EINVAL);
		assert_string_equal(bad, "agency");
	}
	assert_int_equal(support_request_create(&coord, pid, "agency", "pizza", NULL, NULL, &bad), KR_EINVAL);
	assert_string_equal(bad, "kind");
	/* Triage: bad values of every field. */
	struct incident_triage t = {.priority = "p5"};
	assert_int_equal(incident_triage(&coord, pid, &t, &bad), KR_EINVAL);
	assert_string_equal(bad, "priority");
	t = (struct incident_triage){.klass = "aliens"};
	assert_int_equal(incident_triage(&coord, pid, &t, &bad), KR_EINVAL);
	assert_string_equal(bad, "class");
	t = (struct incident_triage){.assignee_team = "a\x01b"};
	assert_int_equal(incident_triage(&coord, pid, &t, &bad), KR_EINVAL);
	t = (struct incident_triage){.affects_event = 7};
	assert_int_equal(incident_triage(&coord, pid, &t, &bad), KR_EINVAL);
	/* Messages. */
	assert_int_equal(incident_message(&rail1, pid, "", NULL), KR_EINVAL);
	assert_int_equal(incident_message(&rail1, pid, "   ", NULL), KR_EINVAL);
	assert_int_equal(incident_message(&rail1, pid, "\xff\xfe", NULL), KR_EINVAL);
	assert_int_equal(incident_message(&rail1, pid, NULL, NULL), KR_EINVAL);
	/* Attachments. */
	assert_int_equal(incident_attach(&rail1, pid, "", "text/plain", "x", 1, &x, &bad), KR_EINVAL);
	assert_int_equal(incident_attach(&rail1, pid, "a.txt", "text/plain", "", 0, &x, &bad), KR_EINVAL);
	assert_int_equal(incident_attach(&rail1, pid, "..", "text/plain", "x", 1, &x, &bad), KR_EINVAL);
	/* Reports: every field. */
	static const char *const rcpt[] = {"ministry"};
	struct incident_input ok = {.kind = "suspected", .title = "不審な通信", .description = "", .tlp = "green",
				    .impact = "", .affected_systems = "", .recipients = rcpt, .n_recipients = 1};
	struct incident_input in;
	const char *pid2;
#define REFUSE(field, stmt)                                                              \
	do {                                                                             \
		in = ok;                                                                 \
		stmt;                                                                    \
		assert_int_equal(incident_report(&rail1, &in, &pid2, &bad), KR_EINVAL); \
		assert_string_equal(bad, field);                                         \
	} while (0)
	REFUSE("kind", in.kind = "rumour");
	REFUSE("kind", in.kind = NULL);
	REFUSE("title", in.title = "");
	REFUSE("title", in.title = "a\nb");
	REFUSE("title", in.title = NULL);
	char *longt = arena_alloc(f->a, 300);
	memset(longt, 'x', 299);
	REFUSE("title", in.title = longt);
	REFUSE("description", in.description = "\x01");
	REFUSE("tlp", in.tlp = "purple");
	REFUSE("tlp", in.tlp = NULL);
	REFUSE("impact", in.impact = "\xc3");
	REFUSE("affected_systems", in.affected_systems = "\x7f\x02");
	REFUSE("started_at", in.started_at = rail1.now + 86400000);
	REFUSE("started_at", in.started_at = -5);
	static const char *const badr[] = {"nosuch"};
	REFUSE("recipients", (in.recipients = badr, in.n_recipients = 1));
	static const char *const dup[] = {"ministry", "ministry"};
	REFUSE("recipients", (in.recipients = dup, in.n_recipients = 2));
	static const char *const self[] = {"toto-rail"};
	REFUSE("recipients", (in.recipients = self, in.n_recipients = 1));
	REFUSE("filename", (in.filename = "/", in.data = "x", in.len = 1));
	REFUSE("file", (in.filename = "a.txt", in.data = "", in.len = 0));
	/* Bad list filters and cursors. */
	struct incident_page pg;
	struct incident_filter bf = {.state = "open"};
	assert_int_equal(incident_list(&coord, &bf, &pg), KR_EINVAL);
	bf = (struct incident_filter){.klass = "x"};
	assert_int_equal(incident_list(&coord, &bf, &pg), KR_EINVAL);
	bf = (struct incident_filter){.cursor = "garbage"};
	assert_int_equal(incident_list(&coord, &bf, &pg), KR_EINVAL);
	bf = (struct incident_filter){.limit = 1000};
	assert_int_equal(incident_list(&coord, &bf, &pg), KR_EINVAL);
	bf = (struct incident_filter){.org = "nosuch"};
	assert_int_equal(incident_list(&coord, &bf, &pg), KR_EINVAL);
	/* Upward: a case without flags, RED, duplicates. */
	const char *const pick[] = {pid};
	assert_int_equal(upward_report_create(&coord, "am", "2021-07-24", pick, 1, &x, &bad), KR_EINVAL);
	assert_int_equal(upward_report_send(&coord, "U-nope", "x"), KR_ENOTFOUND);
	/* Nothing of all that was stored. */
	assert_string_equal(fingerprint(f), before);
	/* Incident parse of times. */
	int64_t tm;
	assert_int_equal(incident_parse_time("2021-07-24T10:15:00Z", &tm), KR_OK);
	assert_int_equal(tm, 1627121700000LL);
	assert_int_equal(incident_parse_time("2021-07-24T19:15:00+09:00", &tm), KR_OK);
	assert_int_equal(tm, 1627121700000LL);
	assert_int_equal(incident_parse_time("2021-07-24 19:15", &tm), KR_OK);
	assert_int_equal(tm, 1627121700000LL);
	assert_int_equal(incident_parse_time("2021-02-29T00:00:00Z", &tm), KR_EINVAL);
	assert_int_equal(incident_parse_time("2021-07-24T25:00:00Z", &tm), KR_EINVAL);
	assert_int_equal(incident_parse_time("yesterday", &tm), KR_EINVAL);
}

static void test_paging_and_overdue(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1"), min1 = as(f, "min1");
	static const char *const rcpt[] = {"ministry"};
	const char *pid = NULL, *bad;
	for (int i = 0; i < 25; i++) {
		struct incident_input in = {.kind = i % 2 ? "question" : "suspected",
					    .title = arena_printf(f->a, "相談 %d", i), .tlp = i % 3 ? "green" : "red",
					    .recipients = rcpt, .n_recipients = (size_t)(i % 2)};
		rail1.now += 1000;
		assert_int_equal(incident_report(&rail1, &in, &pid, &bad), KR_OK);
	}
	/* Keyset paging without gaps or repeats. */
	struct incident_filter fl = {.limit = 10};
	struct incident_page pg;
	int seen = 0;
	const char *last = NULL;
	for (;;) {
		assert_int_equal(incident_list(&coord, &fl, &pg), KR_OK);
		assert_int_equal(pg.total, 25);
		for (size_t i = 0; i < pg.n; i++) {
			if (last)
				assert_true(strcmp(pg.items[i].public_id, last) < 0);
			last = pg.items[i].public_id;
			seen++;
		}
		if (!pg.next_cursor)
			break;
		fl.cursor = pg.next_cursor;
	}
	assert_int_equal(seen, 25);
	/* The ministry sees only the ones designated to it. */
	struct incident_filter all = {0};
	assert_int_equal(list_total(&min1, &all), 12);
	/* Deadlines: later, the cases are overdue and the job escalates once. */
	struct ctx later = coord;
	later.now = coord.now + 5 * 3600000LL; /* past the p3 triage target (4 h) */
	struct incident_filter od = {.overdue = true};
	assert_int_equal(list_total(&later, &od), 25);
	assert_int_equal(list_total(&coord, &od), 0);
	/* The board's counts come from one grouped scan: its overdue count
	 * and its per-column sums must equal the list's totals. */
	struct incident_board b;
	assert_int_equal(incident_board(&later, &all, &b), KR_OK);
	assert_int_equal(b.total, 25);
	assert_int_equal(b.overdue, 25);
	int64_t sum_state = 0, sum_prio = 0;
	for (size_t i = 0; i < b.n_states; i++)
		sum_state += b.by_state[i].n;
	for (size_t i = 0; i < b.n_priorities; i++)
		sum_prio += b.by_priority[i].n;
	assert_int_equal(sum_state, 25);
	assert_int_equal(sum_prio, 25);
	assert_int_equal(incident_board(&coord, &all, &b), KR_OK);
	assert_int_equal(b.overdue, 0);
	assert_int_equal(incident_board(&min1, &all, &b), KR_OK);
	assert_int_equal(b.total, 12);
	struct incident_filter newf = {.state = "new"};
	assert_int_equal(incident_board(&later, &newf, &b), KR_OK);
	assert_int_equal(b.total, list_total(&later, &newf));
	struct incident k;
	assert_int_equal(incident_get(&later, pid, &k), KR_OK);
	assert_true(k.overdue);
	struct db_stmt *st;
	assert_int_equal(db_exec(f->db, "DELETE FROM jobs WHERE kind = 'mail'"), KR_OK);
	char payload[32];
	snprintf(payload, sizeof payload, "%lld", (long long)k.id);
	struct job j = {.id = 0, .kind = "incident_due", .payload = payload, .attempts = 1};
	struct ctx sys = f->sys;
	sys.now = later.now;
	assert_int_equal(notify_run_job(&sys, &j), KR_OK);
	assert_int_equal(notify_run_job(&sys, &j), KR_OK); /* once only */
	assert_int_equal(db_prepare(f->db, "SELECT COUNT(*) FROM notifications n JOIN people p ON p.id = n.person_id"
					   " WHERE n.kind = 'incident_overdue' AND p.login = 'coord'", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), 1);
	db_done(st);
	assert_int_equal(db_prepare(f->db, "SELECT COUNT(*) FROM notifications WHERE kind = 'incident_overdue'", &st),
			 KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), 1); /* coordinators only (othercoord cannot see it) */
	db_done(st);
	/* RED mail subject carries no title. */
	assert_int_equal(db_prepare(f->db, "SELECT payload FROM jobs WHERE kind = 'mail'", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_null(strstr(db_col_text(st, 0), "相談"));
	db_done(st);
	/* Triage as p1 moves the deadline; targets can be changed. */
	assert_int_equal(incident_set_targets(&rail1, "p1", 1, 2), KR_EPERM);
	assert_int_equal(incident_set_targets(&coord, "p9", 1, 2), KR_EINVAL);
	assert_int_equal(incident_set_targets(&coord, "p1", 60000, 120000), KR_OK);
	int64_t tms, rms;
	assert_int_equal(incident_targets(&coord, "p1", &tms, &rms), KR_OK);
	assert_int_equal(rms, 120000);
}

/* The demo's 19 reports: shapes, upward reports, nothing left to mail. */
static void test_demo(void **state)
{
	struct testenv *f = *state;
	struct demo_stats ds;
	/* demo_load includes the incidents (demo_load_incidents). */
	assert_int_equal(demo_load(&f->sys, "x", &ds), KR_OK);
	struct ctx co = as(f, "coordinator"), rail = as(f, "rail-member"), ag = as(f, "agency-analyst");
	struct incident_filter all = {0};
	struct incident_board b;
	assert_int_equal(incident_board(&co, &all, &b), KR_OK);
	assert_int_equal(b.total, 19);
	static const struct {
		const char *k;
		int64_t n;
	} want[] = {{"outage", 3}, {"cloud_outage", 7}, {"heavy_traffic", 3}, {"ddos", 3}, {"defacement", 1},
		    {"consultation", 2}, {"malware", 0}};
	for (size_t i = 0; i < KR_ARRAY_LEN(want); i++)
		for (size_t j = 0; j < b.n_classes; j++)
			if (str_eq(b.by_class[j].key, want[i].k))
				assert_int_equal(b.by_class[j].n, want[i].n);
	struct upward_report *u;
	size_t n, ncases = 0;
	assert_int_equal(upward_report_list(&co, &u, &n), KR_OK);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		struct upward_report one;
		assert_int_equal(upward_report_get(&co, u[i].public_id, &one), KR_OK);
		assert_true(one.sent_at > 0);
		ncases += one.n_cases;
	}
	assert_int_equal(ncases, 7);
	assert_int_equal(list_total(&rail, &all), 1);   /* the railway's own DDoS */
	assert_int_equal(list_total(&ag, &all), 2);     /* the two sent to agency-3 */
	struct incident_measures m;
	assert_int_equal(incident_measures(&co, &m), KR_OK);
	assert_int_equal(m.resolved, 18);
	assert_int_equal(m.supported, 5);
	struct db_stmt *st;
	/* No mail to the demo's example addresses, no pending case deadlines. */
	assert_int_equal(db_prepare(f->db, "SELECT COUNT(*) FROM jobs WHERE kind IN ('mail', 'incident_due')", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), 0);
	db_done(st);
}

int main(void)
{
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_journey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging_and_overdue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("incident/sqlite", tests, NULL, NULL);
	testenv_pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (testenv_pg_url)
		failed += cmocka_run_group_tests_name("incident/postgres", tests, NULL, NULL);
	return failed;
}
