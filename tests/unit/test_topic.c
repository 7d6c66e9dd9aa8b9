/* test_topic.c - topics end to end at the core level, on both engines: the
 * must-read AMBER journey (scope, attachment, likes, comments, counts,
 * confirmations, re-confirmation after an edit), hidden == missing on every
 * path, notification mail without restricted content, the digest, sharing
 * rules, validation, and the job queue's single claim. */
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
#include "core/jobs.h"
#include "core/notify.h"
#include "core/org.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

static struct ctx as(struct testenv *f, const char *login)
{
	struct ctx c = testenv_as(f, login, "ja");
	c.now = now_ms();
	return c;
}

static int setup(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	testenv_open(f, "topic");
	int64_t cc = testenv_org(f, "cc", NULL, NULL, "coordination_center", NULL);
	assert_int_equal(community_init_builtin(&f->sys), KR_OK);
	int64_t rail = testenv_org(f, "rail", NULL, NULL, "critical_service", NULL);
	int64_t min = testenv_org(f, "ministry", NULL, NULL, "ministry", NULL);
	int64_t other = testenv_org(f, "other", NULL, NULL, "venue", NULL);
	testenv_person(f, cc, "coord", NULL, ROLE_COORDINATOR);
	testenv_person(f, rail, "rail1", NULL, ROLE_MEMBER);
	testenv_person(f, rail, "rail2", NULL, ROLE_MEMBER);
	testenv_person(f, min, "min1", NULL, ROLE_MEMBER);
	testenv_person(f, other, "other1", NULL, ROLE_MEMBER);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	testenv_close(*state);
	free(*state);
	return 0;
}

static int64_t count_jobs(struct testenv *f, const char *needle, bool *leak)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT payload FROM jobs WHERE kind = 'mail'", &st), KR_OK);
	int64_t n = 0;
	while (db_step(st) == KR_ROW) {
		n++;
		if (needle && strstr(db_col_text(st, 0), needle))
			*leak = true;
	}
	db_done(st);
	return n;
}

static const char *post_amber(struct testenv *f, struct ctx *coord)
{
	static const char *const orgs[] = {"rail", "ministry"};
	struct topic_input in = {.community = "professional", .title = "DDoS 攻撃キャンペーンの秘密の詳細",
				 .tag = "important", .category = "alert", .tlp = "TLP:AMBER",
				 .body = "障害の詳細 **本文**", .scope = "manual", .scope_orgs = orgs,
				 .n_scope_orgs = 2, .must_read = true};
	const char *pid = NULL, *bad = NULL;
	assert_int_equal(topic_create(coord, &in, &pid, &bad), KR_OK);
	assert_non_null(pid);
	assert_int_equal(strlen(pid), 15);
	(void)f;
	return pid;
}

static void test_amber_journey(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1"), other1 = as(f, "other1"), min1 = as(f, "min1");
	struct topic_filter all = {0};
	struct topic_page pg;
	assert_int_equal(topic_list(&other1, &all, &pg), KR_OK);
	int64_t other_before = pg.total;
	const char *pid = post_amber(f, &coord);
	/* Notifications: rail1, rail2, min1 (not the author, not other1). */
	bool leak = false;
	assert_int_equal(count_jobs(f, "秘密", &leak), 3);
	assert_false(leak); /* no AMBER title or body in any mail */
	count_jobs(f, "障害", &leak);
	assert_false(leak);
	/* The coordinator attaches a file. */
	const char *att = NULL, *bad = NULL;
	assert_int_equal(attachment_add(&coord, pid, 0, "../../ioc list.csv", "text/csv", "a,b\n", 4, &att, &bad), KR_OK);
	/* rail1 sees, downloads, likes, comments. */
	struct topic t;
	assert_int_equal(topic_get(&rail1, pid, &t), KR_OK);
	assert_int_equal(t.tlp, TLP_AMBER);
	assert_true(t.must_read);
	assert_false(t.confirmed);
	assert_int_equal(topic_record_view(&rail1, t.id), KR_OK);
	assert_int_equal(topic_flush_views(&rail1), KR_OK); /* views are written in batches */
	struct attachment at;
	assert_int_equal(attachment_get(&rail1, att, &at), KR_OK);
	assert_string_equal(at.filename, "ioc list.csv");
	assert_int_equal(at.size, 4);
	assert_memory_equal(at.data, "a,b\n", 4);
	assert_int_equal(topic_like(&rail1, pid, true), KR_OK);
	assert_int_equal(topic_like(&rail1, pid, true), KR_OK); /* idempotent */
	int64_t cid;
	assert_int_equal(comment_add(&rail1, pid, "確認しました", &cid), KR_OK);
	assert_int_equal(topic_get(&rail1, pid, &t), KR_OK);
	assert_int_equal(t.likes, 1);
	assert_int_equal(t.comments, 1);
	assert_int_equal(t.views, 1);
	assert_int_equal(t.readers, 1);
	assert_true(t.liked);
	/* other1: everything answers like a missing topic, counts unchanged. */
	struct topic t2;
	assert_int_equal(topic_get(&other1, pid, &t2), KR_ENOTFOUND);
	assert_int_equal(attachment_get(&other1, att, &at), KR_ENOTFOUND);
	assert_int_equal(attachment_get(&other1, "no-such-file", &at), KR_ENOTFOUND);
	assert_int_equal(topic_like(&other1, pid, true), KR_ENOTFOUND);
	assert_int_equal(comment_add(&other1, pid, "x", NULL), KR_ENOTFOUND);
	assert_int_equal(topic_confirm(&other1, pid), KR_ENOTFOUND);
	struct comment *cm;
	size_t ncm;
	assert_int_equal(comment_list(&other1, pid, &cm, &ncm), KR_ENOTFOUND);
	assert_int_equal(topic_list(&other1, &all, &pg), KR_OK);
	assert_int_equal(pg.total, other_before);
	struct topic_filter pro = {.community = "professional"};
	assert_int_equal(topic_list(&other1, &pro, &pg), KR_OK);
	assert_int_equal(pg.total, 0);
	/* Must-read status: rail 0 of 2, ministry 0 of 1; rail1 confirms. */
	struct read_status *rs;
	size_t nrs;
	assert_int_equal(topic_read_status(&coord, pid, &rs, &nrs), KR_OK);
	assert_int_equal(nrs, 2);
	assert_int_equal(topic_confirm(&rail1, pid), KR_OK);
	assert_int_equal(topic_read_status(&coord, pid, &rs, &nrs), KR_OK);
	for (size_t i = 0; i < nrs; i++) {
		if (str_eq(rs[i].org, "rail")) {
			assert_int_equal(rs[i].confirmed, 1);
			assert_int_equal(rs[i].total, 2);
		} else {
			assert_string_equal(rs[i].org, "ministry");
			assert_int_equal(rs[i].confirmed, 0);
			assert_int_equal(rs[i].total, 1);
		}
	}
	/* Members see only their own organisation's line. */
	assert_int_equal(topic_read_status(&min1, pid, &rs, &nrs), KR_OK);
	assert_int_equal(nrs, 1);
	assert_string_equal(rs[0].org, "ministry");
	/* A substantive edit asks everyone to confirm again; history kept. */
	struct topic_input ed = {.title = "DDoS 攻撃キャンペーン（更新）", .tag = "important", .category = "alert",
				 .tlp = "amber", .body = "新しい本文", .must_read = true};
	bool reconfirm = false;
	assert_int_equal(topic_edit(&rail1, pid, &ed, &bad, &reconfirm), KR_EPERM);
	assert_int_equal(topic_edit(&coord, pid, &ed, &bad, &reconfirm), KR_OK);
	assert_true(reconfirm);
	assert_int_equal(topic_get(&rail1, pid, &t), KR_OK);
	assert_false(t.confirmed);
	assert_true(t.edited_at > 0);
	struct topic_version *hv;
	size_t nh;
	assert_int_equal(topic_history(&rail1, pid, &hv, &nh), KR_OK);
	assert_int_equal(nh, 1);
	assert_string_equal(hv[0].title, "DDoS 攻撃キャンペーンの秘密の詳細");
	/* AMBER never travels into another community. */
	assert_int_equal(topic_share(&coord, pid, "general"), KR_EPERM);
	/* Soft delete: gone for everyone, still in the audit log. */
	assert_int_equal(topic_delete(&coord, pid), KR_OK);
	assert_int_equal(topic_get(&rail1, pid, &t), KR_ENOTFOUND);
	assert_int_equal(attachment_get(&rail1, att, &at), KR_ENOTFOUND);
}

static void test_validation(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1");
	const char *pid, *bad;
	struct topic_input in = {.community = "cc-contact", .title = "ok", .category = "alert", .tlp = "green", .body = ""};
	struct topic_input b = in;
	b.tlp = "purple";
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_EINVAL);
	assert_string_equal(bad, "tlp");
	b = in;
	b.category = "gossip";
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_EINVAL);
	assert_string_equal(bad, "category");
	b = in;
	b.title = "";
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_EINVAL);
	b = in;
	b.community = "obs-other"; /* not rail1's */
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_EINVAL);
	assert_string_equal(bad, "community");
	b = in;
	b.community = "general"; /* moderators post there */
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_EPERM);
	b = in;
	b.must_read = true; /* coordinators only */
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_EPERM);
	b = in;
	b.scope = "manual"; /* no recipients */
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_EINVAL);
	static const char *const ghost[] = {"no-such-org"};
	b.scope_orgs = ghost;
	b.n_scope_orgs = 1;
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_EINVAL);
	assert_string_equal(bad, "scope");
	b = in;
	b.title = "<script>alert(1)</script>"; /* stored as text; pages escape it */
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_OK);
	/* A JISP-style title keeps its tag once: in the tag field. */
	b = in;
	b.title = "【注意】監視強化のお願い";
	assert_int_equal(topic_create(&rail1, &b, &pid, &bad), KR_OK);
	struct topic tt;
	assert_int_equal(topic_get(&rail1, pid, &tt), KR_OK);
	assert_string_equal(tt.title, "監視強化のお願い");
	assert_string_equal(tt.tag, "caution");
	/* Nothing of the refused ones was stored. */
	struct topic_filter all = {0};
	struct topic_page pg;
	assert_int_equal(topic_list(&coord, &all, &pg), KR_OK);
	assert_int_equal(pg.total, 2);
	/* TLP 1.0 names are accepted. */
	enum tlp t;
	assert_int_equal(tlp_parse("TLP:WHITE", &t), KR_OK);
	assert_int_equal(t, TLP_CLEAR);
	assert_int_equal(tlp_parse("Amber+Strict", &t), KR_OK);
	assert_int_equal(t, TLP_AMBER_STRICT);
	/* Bad paging parameters. */
	struct topic_filter bf = {.limit = 1000};
	assert_int_equal(topic_list(&coord, &bf, &pg), KR_EINVAL);
	bf = (struct topic_filter){.cursor = "garbage"};
	assert_int_equal(topic_list(&coord, &bf, &pg), KR_EINVAL);
	bf = (struct topic_filter){.tlp = "mauve"};
	assert_int_equal(topic_list(&coord, &bf, &pg), KR_EINVAL);
}

static void test_paging_and_share(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1");
	const char *pid = NULL, *bad;
	for (int i = 0; i < 45; i++) {
		struct topic_input in = {.community = "general", .title = arena_printf(f->a, "情報 %d", i),
					 .category = "vulnerability", .tlp = i % 2 ? "clear" : "green", .body = "x"};
		coord.now += 1000;
		assert_int_equal(topic_create(&coord, &in, &pid, &bad), KR_OK);
	}
	struct topic_filter fl = {.community = "general", .limit = 20};
	struct topic_page pg;
	assert_int_equal(topic_list(&rail1, &fl, &pg), KR_OK);
	assert_int_equal(pg.total, 45);
	assert_int_equal(pg.first, 1);
	assert_int_equal(pg.n, 20);
	fl.cursor = pg.next_cursor;
	assert_int_equal(topic_list(&rail1, &fl, &pg), KR_OK);
	assert_int_equal(pg.first, 21);
	fl.cursor = pg.next_cursor;
	assert_int_equal(topic_list(&rail1, &fl, &pg), KR_OK);
	assert_int_equal(pg.first, 41);
	assert_int_equal(pg.n, 5);
	assert_null(pg.next_cursor);
	/* A member-made community; the coordinator moderates and shares into it. */
	struct community cm = {.slug = "rail-isac", .name_ja = "鉄道ISAC", .name_en = "Rail ISAC"};
	assert_int_equal(community_create(&rail1, &cm, NULL, &bad), KR_OK);
	assert_int_equal(community_set_member(&rail1, "rail-isac", "person", "coord", "moderator"), KR_OK);
	assert_int_equal(topic_share(&coord, pid, "rail-isac"), KR_OK);
	struct topic_filter isac = {.community = "rail-isac"};
	assert_int_equal(topic_list(&rail1, &isac, &pg), KR_OK);
	assert_int_equal(pg.total, 1); /* one thread, one set of counts */
	assert_string_equal(pg.items[0].public_id, pid);
}

static void test_digest_and_jobs(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord");
	post_amber(f, &coord);
	const char *pid, *bad;
	struct topic_input g = {.community = "general", .title = "公開の注意喚起", .category = "alert",
				.tlp = "clear", .body = "本文"};
	assert_int_equal(topic_create(&coord, &g, &pid, &bad), KR_OK);
	struct db_stmt *st;
	assert_int_equal(db_exec(f->db, "DELETE FROM jobs"), KR_OK);
	size_t sent = 0;
	struct ctx sys = f->sys;
	sys.now = now_ms();
	assert_int_equal(notify_digest(&sys, sys.now - 3600000, &sent), KR_OK);
	assert_int_equal(sent, 5); /* everyone sees the CLEAR topic */
	bool leak = false;
	assert_int_equal(count_jobs(f, "秘密", &leak), 5);
	assert_false(leak);
	assert_int_equal(db_prepare(f->db, "SELECT payload FROM jobs WHERE payload LIKE '%other1@%'", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_null(strstr(db_col_text(st, 0), "TLP:AMBER")); /* other1 does not even learn of it */
	db_done(st);
	/* Two workers claim: every job once. */
	int claimed = 0;
	struct job j1, j2;
	for (;;) {
		struct ctx w1 = f->sys, w2 = f->sys;
		w1.now = w2.now = now_ms();
		int r1 = job_claim(&w1, "w1", &j1);
		int r2 = job_claim(&w2, "w2", &j2);
		if (r1 && r2)
			break;
		if (!r1 && !r2)
			assert_true(j1.id != j2.id);
		claimed += !r1 + !r2;
	}
	assert_int_equal(claimed, 5);
	/* A failed job comes back after its back-off, not before. */
	struct ctx w = f->sys;
	w.now = now_ms();
	assert_int_equal(job_enqueue(&w, "mail", "{}", w.now), KR_OK);
	assert_int_equal(job_claim(&w, "w", &j1), KR_OK);
	assert_int_equal(job_fail(&w, &j1, "smtp down"), KR_OK);
	assert_int_equal(job_claim(&w, "w", &j2), KR_ENOTFOUND);
	w.now += 61000;
	assert_int_equal(job_claim(&w, "w", &j2), KR_OK);
	assert_int_equal(j2.id, j1.id);
	assert_int_equal(j2.attempts, 2);
}

static int64_t count_notices(struct testenv *f, const char *kind, const char *login)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT COUNT(*) FROM notifications n JOIN people p ON p.id = n.person_id"
					   " WHERE n.kind = ?1 AND (?2 = '' OR p.login = ?2)", &st), KR_OK);
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, login ? login : "");
	assert_int_equal(db_step(st), KR_ROW);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static void test_mustread_followup(void **state)
{
	struct testenv *f = *state;
	assert_int_equal(person_set_role(&f->sys, "rail1", ROLE_MEMBER, true), KR_OK); /* rail's org-admin */
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1");
	const char *pid = post_amber(f, &coord);
	assert_int_equal(count_notices(f, "must_read", NULL), 3);
	assert_int_equal(topic_confirm(&rail1, pid), KR_OK);
	struct topic t;
	assert_int_equal(topic_get(&rail1, pid, &t), KR_OK);
	char payload[32];
	snprintf(payload, sizeof payload, "%lld", (long long)t.id);
	struct job j = {.id = 0, .kind = "mustread_remind", .payload = payload, .attempts = 1};
	struct ctx sys = f->sys;
	sys.now = now_ms();
	assert_int_equal(notify_run_job(&sys, &j), KR_OK);
	assert_int_equal(count_notices(f, "reminder", NULL), 2); /* rail2 and min1 */
	assert_int_equal(count_notices(f, "reminder", "rail1"), 0);
	assert_int_equal(count_notices(f, "reminder", "other1"), 0);
	j.kind = "mustread_escalate";
	assert_int_equal(notify_run_job(&sys, &j), KR_OK);
	assert_int_equal(count_notices(f, "escalation", NULL), 1); /* rail1, for rail2 */
	assert_int_equal(count_notices(f, "escalation", "rail1"), 1);
	/* Both follow-ups were scheduled when the topic was posted. */
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT COUNT(*) FROM jobs WHERE kind IN ('mustread_remind', 'mustread_escalate')", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	assert_int_equal(db_col_int(st, 0), 2);
	db_done(st);
}

static int64_t search(struct ctx *c, const char *q, const char **first)
{
	struct topic_filter f = {.q = q, .sort = SORT_RELEVANCE};
	struct topic_page pg;
	assert_int_equal(topic_list(c, &f, &pg), KR_OK);
	if (first)
		*first = pg.n ? pg.items[0].public_id : NULL;
	assert_int_equal((int64_t)pg.n <= pg.total, 1);
	return pg.total;
}

static void test_search(void **state)
{
	struct testenv *f = *state;
	struct ctx coord = as(f, "coord"), rail1 = as(f, "rail1"), other1 = as(f, "other1");
	const char *amber = post_amber(f, &coord); /* 障害 in its body, for rail and ministry only */
	const char *pid, *bad;
	struct topic_input g = {.community = "general", .title = "Webサイトの改ざんを確認",
				.category = "incident", .tlp = "green",
				.body = "CVE-2021-1234 を悪用した攻撃。IoC: 192.0.2.15, evil.example"};
	assert_int_equal(topic_create(&coord, &g, &pid, &bad), KR_OK);
	/* Two-character Japanese words, only for those who may see. */
	assert_int_equal(search(&rail1, "障害", NULL), 1);
	assert_int_equal(search(&other1, "障害", NULL), 0);
	assert_int_equal(search(&other1, "改ざん", NULL), 1);
	assert_int_equal(search(&other1, "攻撃", NULL), 1);
	/* English words, identifiers, addresses, domains. */
	assert_int_equal(search(&other1, "cve-2021-1234", NULL), 1);
	assert_int_equal(search(&other1, "CVE-2021-12345", NULL), 0);
	assert_int_equal(search(&other1, "192.0.2.15", NULL), 1);
	assert_int_equal(search(&other1, "evil.example", NULL), 1);
	assert_int_equal(search(&rail1, "DDoS", NULL), 1);
	/* Comments are searched too, and a title hit ranks above a body hit. */
	int64_t cid;
	assert_int_equal(comment_add(&rail1, pid, "追加情報：フィッシング", &cid), KR_OK);
	assert_int_equal(search(&other1, "フィッシング", NULL), 1);
	struct topic_input h = {.community = "general", .title = "フィッシングサイト一覧", .category = "alert",
				.tlp = "clear", .body = "一覧です"};
	const char *pid2;
	assert_int_equal(topic_create(&coord, &h, &pid2, &bad), KR_OK);
	const char *first;
	assert_int_equal(search(&other1, "フィッシング", &first), 2);
	assert_string_equal(first, pid2);
	/* Hostile queries never break the engine's syntax. */
	static const char *const junk[] = {"\"", "*", "NEAR(", "OR", "a AND", "-x", ":", "'", "(((", "x\"y"};
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
		search(&other1, junk[i], NULL);
	/* A deleted topic leaves the index. */
	assert_int_equal(topic_delete(&coord, amber), KR_OK);
	assert_int_equal(search(&rail1, "障害", NULL), 0);
}

int main(void)
{
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_amber_journey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging_and_share, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_and_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mustread_followup, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("topic/sqlite", tests, NULL, NULL);
	testenv_pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (testenv_pg_url)
		failed += cmocka_run_group_tests_name("topic/postgres", tests, NULL, NULL);
	return failed;
}
