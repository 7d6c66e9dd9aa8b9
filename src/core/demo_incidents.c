/* demo_incidents.c - the demo dataset's consultation desk: the seed's 19
 * incident reports (10 outages of which 7 cloud-service outages, 3 heavy
 * traffic, 3 DoS/DDoS, 1 defacement, 2 consultations) across the Games
 * period, each worked through the real use cases (report, triage, support
 * requests, messages, state changes) at its own time, and 7 of them in
 * AM/PM upward reports.  Needs demo_load's organisations and people
 * (cc's "coordinator", agency-3's "agency-analyst", the cs-NNN providers).
 * Everything is fictional. */
#include <stdio.h>
#include <string.h>

#include "core/common.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

struct demo_case {
	const char *at;            /* reported, "YYYY-MM-DD HH:MM" Asia/Tokyo */
	const char *org;           /* reporting organisation */
	const char *kind, *klass, *priority, *tlp;
	const char *title, *description, *impact, *systems;
	const char *recipients;    /* comma-separated slugs */
	bool event, public_;
	const char *support;       /* agency slug or NULL */
	const char *support_kind;
	int resolve_h;             /* hours to resolution */
	const char *final;         /* resolved | closed | monitoring */
};

static const struct demo_case cases[] = {
	{"2021-07-13 10:20", "cs-022", "report_incident", "cloud_outage", "p3", "green",
	 "予約管理クラウドサービスの障害", "利用中の予約管理 SaaS が応答しません。提供事業者の障害情報を確認中です。",
	 "オンライン予約の受付停止（約2時間）", "予約管理 SaaS", "ministry-3", false, false, NULL, NULL, 3, "closed"},
	{"2021-07-16 14:05", "cs-002", "question", "consultation", "p4", "green",
	 "大会期間中のログ保存期間についての相談", "大会期間中に取得するアクセスログの保存期間について、推奨があれば教えてください。",
	 "", "", "", false, false, "agency-2", "advice", 26, "closed"},
	{"2021-07-20 08:40", "cs-001", "report_incident", "cloud_outage", "p2", "green",
	 "メール配信クラウドの遅延", "顧客向け通知メールの配信がクラウド事業者側で遅延しています。",
	 "通知メールが最大40分遅延", "メール配信サービス", "ministry-1", false, false, NULL, NULL, 5, "closed"},
	{"2021-07-21 19:30", "organiser", "report_incident", "heavy_traffic", "p2", "green",
	 "チケット再販サイトへのアクセス集中", "再販開始直後にアクセスが集中し、応答が遅くなっています。攻撃の兆候は見られません。",
	 "応答時間の悪化（約1時間）", "チケット再販サイト", "ministry-7", true, false, NULL, NULL, 2, "closed"},
	{"2021-07-23 16:50", "organiser", "report_incident", "ddos", "p1", "amber",
	 "大会公式サイトへの DDoS 攻撃", "開会式直前から大会公式サイトに大量の不正リクエストを観測しています。CDN で緩和中です。",
	 "一部地域で閲覧しづらい状態（約20分）", "大会公式サイト, CDN", "ministry-7,police-toto", true, true,
	 "agency-3", "investigation", 4, "closed"},
	{"2021-07-24 07:15", "cs-013", "report_incident", "cloud_outage", "p2", "green",
	 "フライト情報表示のクラウド障害", "空港内のフライト情報表示に利用しているクラウドサービスで障害が発生しています。",
	 "館内表示が一部更新されない（約90分）", "フライト情報表示システム", "ministry-3", true, true, NULL, NULL, 2,
	 "closed"},
	{"2021-07-25 11:00", "cs-005", "report_incident", "ddos", "p1", "amber",
	 "座席予約サイトへの DDoS 攻撃", "座席予約サイトに海外から大量のリクエストがあり、断続的に応答が停止しています。",
	 "座席予約サイトが断続的に停止（約45分）", "座席予約サイト", "ministry-3,police-toto", true, true,
	 "agency-3", "investigation", 3, "closed"},
	{"2021-07-27 13:30", "venue-03", "report_incident", "outage", "p3", "green",
	 "会場 Wi-Fi 認証サーバの停止", "来場者向け Wi-Fi の認証サーバが停止しました。機器故障と見られます。",
	 "来場者 Wi-Fi が利用不可（約1時間）", "会場 Wi-Fi 認証サーバ", "organiser", false, false, NULL, NULL, 2, "closed"},
	{"2021-07-29 09:45", "cs-003", "report_incident", "cloud_outage", "p3", "green",
	 "オンラインバンキング認証基盤のクラウド障害", "認証に利用している外部クラウドサービスの障害により、ログインに失敗する事象が発生しています。",
	 "一部利用者がログイン不可（約1時間）", "認証基盤", "ministry-5", false, false, NULL, NULL, 2, "closed"},
	{"2021-07-31 20:10", "sport-05", "report_incident", "defacement", "p2", "green",
	 "競技団体ウェブサイトの改ざん", "競技団体のウェブサイトのトップページが書き換えられていることを確認しました。",
	 "ウェブサイトを一時閉鎖", "競技団体ウェブサイト（CMS）", "ministry-7,police-toto", true, true,
	 "agency-2", "investigation", 20, "closed"},
	{"2021-08-02 15:20", "cs-009", "report_incident", "outage", "p3", "green",
	 "配送管理システムの停止", "配送管理システムがハードウェア障害で停止しました。サイバー攻撃の可能性は低いと見ています。",
	 "配送状況の照会不可（約3時間）", "配送管理システム", "ministry-3", false, false, NULL, NULL, 4, "closed"},
	{"2021-08-04 10:30", "cs-006", "suspected", "cloud_outage", "p3", "green",
	 "需給監視ダッシュボードのクラウド障害", "外部クラウド上の監視ダッシュボードが閲覧できません。攻撃の兆候は確認されていません。",
	 "監視画面の閲覧不可（約1時間）", "監視ダッシュボード", "ministry-10", false, false, NULL, NULL, 2, "closed"},
	{"2021-08-06 18:00", "organiser", "report_incident", "heavy_traffic", "p2", "green",
	 "ライブ配信ページへのアクセス集中", "決勝の配信開始に合わせてアクセスが急増し、配信ページの表示が遅れています。",
	 "配信ページの表示遅延（約30分）", "ライブ配信ページ", "ministry-7", true, true, NULL, NULL, 1, "closed"},
	{"2021-08-08 12:40", "cs-023", "report_incident", "outage", "p3", "green",
	 "電子カルテ連携サーバの停止", "電子カルテ連携サーバが停止しました。原因を調査中です。",
	 "検査結果連携の遅延（約2時間）", "電子カルテ連携サーバ", "ministry-4", false, false, NULL, NULL, 3, "closed"},
	{"2021-08-20 09:00", "gov-toto", "question", "consultation", "p4", "green",
	 "パラリンピック期間中の連絡体制についての相談", "パラリンピック期間中の夜間の連絡体制と報告先について確認させてください。",
	 "", "", "", false, false, NULL, NULL, 24, "closed"},
	{"2021-08-24 17:30", "cs-004", "report_incident", "cloud_outage", "p2", "green",
	 "チェックインシステムのクラウド障害", "チェックインに利用しているクラウドサービスの一部リージョンで障害が発生しています。",
	 "自動チェックイン機の一部停止（約1時間）", "チェックインシステム", "ministry-3", true, false, NULL, NULL, 2,
	 "closed"},
	{"2021-08-27 21:15", "cs-001", "report_incident", "ddos", "p1", "amber",
	 "会員向けポータルへの DDoS 攻撃", "会員向けポータルに対する DDoS 攻撃を検知しました。上位回線で緩和を実施しています。",
	 "ポータルへの接続遅延（約30分）", "会員向けポータル", "ministry-1,police-toto", false, false, "agency-1",
	 "advice", 3, "resolved"},
	{"2021-09-01 11:10", "organiser", "report_incident", "heavy_traffic", "p3", "green",
	 "公式アプリ API へのアクセス集中", "閉会式の案内配信後に公式アプリの API へのアクセスが集中しています。",
	 "アプリの応答遅延（約40分）", "公式アプリ API", "ministry-7", false, false, NULL, NULL, 1, "closed"},
	{"2021-09-04 08:20", "cs-007", "report_incident", "cloud_outage", "p3", "green",
	 "顧客受付システムのクラウド障害", "顧客受付に利用しているクラウドサービスの障害により、受付画面が表示されません。",
	 "ウェブ受付の停止（約2時間）", "顧客受付システム", "ministry-10", false, false, NULL, NULL, 3, "monitoring"},
};

/* The AM/PM reports and the cases (indexes above) each carried:
 * 7 cases in all. */
struct demo_upward {
	const char *at, *period, *date;
	int cases[3];
	int n;
};
static const struct demo_upward reports[] = {
	{"2021-07-23 18:00", "pm", "2021-07-23", {4}, 1},
	{"2021-07-24 11:00", "am", "2021-07-24", {5}, 1},
	{"2021-07-25 17:00", "pm", "2021-07-25", {6}, 1},
	{"2021-08-01 10:30", "am", "2021-08-01", {9}, 1},
	{"2021-08-06 19:30", "pm", "2021-08-06", {12, 3}, 2},
	{"2021-08-24 18:30", "pm", "2021-08-24", {15}, 1},
};

/* A context acting as a given person at a given time. */
static int acting(struct ctx *base, const char *login, int64_t at, struct ctx *out)
{
	struct person p;
	int rc = person_get(base, login, &p);
	if (rc)
		return rc;
	*out = *base;
	out->now = at;
	out->who = (struct viewer){.person_id = p.id, .org_id = p.org_id, .role = p.role, .org_admin = p.org_admin,
				   .login = p.login, .name = p.display_name, .locale = p.locale, .tz = p.tz};
	return KR_OK;
}

/* The first person (the org-admin) of an organisation. */
static int first_login(struct ctx *c, const char *slug, const char **login)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT p.login FROM people p JOIN orgs o ON o.id = p.org_id WHERE o.slug = ?1"
			    " AND p.status = 'active' ORDER BY p.id LIMIT 1",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, slug);
	rc = db_step(st);
	*login = rc == KR_ROW ? db_col_dup(st, 0, c->a) : NULL;
	db_done(st);
	return *login ? KR_OK : (rc < 0 ? rc : KR_ENOTFOUND);
}

static int split(struct arena *a, const char *list, const char ***out, size_t *n)
{
	*n = 0;
	const char **v = arena_alloc(a, sizeof(char *) * 8);
	char *s = arena_strdup(a, list);
	for (char *tok = strtok(s, ","); tok && *n < 8; tok = strtok(NULL, ","))
		v[(*n)++] = tok;
	*out = v;
	return KR_OK;
}

static int one_case(struct ctx *c, const struct demo_case *d, const char **pid)
{
	int64_t t;
	int rc = incident_parse_time(d->at, &t);
	if (rc)
		return rc;
	const int64_t min = 60000;
	const char *reporter;
	struct ctx rep, co;
	if ((rc = first_login(c, d->org, &reporter)) || (rc = acting(c, reporter, t, &rep)))
		return rc;
	const char **rcpt;
	size_t nr;
	split(c->a, d->recipients, &rcpt, &nr);
	struct incident_input in = {.kind = d->kind, .title = d->title, .description = d->description, .tlp = d->tlp,
				    .impact = d->impact, .affected_systems = d->systems, .started_at = t - 20 * min,
				    .recipients = rcpt, .n_recipients = nr};
	const char *bad = NULL;
	if ((rc = incident_report(&rep, &in, pid, &bad))) {
		log_warn("msg=\"demo incident\" title=\"%s\" rc=%s bad=%s", d->title, kr_strerror(rc), bad ? bad : "");
		return rc;
	}
	if ((rc = acting(c, "coordinator", t + 15 * min, &co)))
		return rc;
	struct incident_triage tr = {.priority = d->priority, .klass = d->klass, .assignee_team = "対処調整チーム",
				     .affects_event = d->event ? FLAG_SET : FLAG_CLEAR,
				     .public_visibility = d->public_ ? FLAG_SET : FLAG_CLEAR};
	if ((rc = incident_triage(&co, *pid, &tr, &bad)))
		return rc;
	co.now = t + 25 * min;
	if ((rc = incident_set_state(&co, *pid, "coordinating", "関係機関と情報を共有しました。")))
		return rc;
	if (d->support) {
		int64_t sr;
		co.now = t + 40 * min;
		if ((rc = support_request_create(&co, *pid, d->support, d->support_kind, "分析と助言をお願いします。", &sr,
						 &bad)) ||
		    (rc = incident_set_state(&co, *pid, "supporting", NULL)))
			return rc;
		const char *analyst;
		struct ctx ag;
		if (str_eq(d->support, "agency-3"))
			analyst = "agency-analyst";
		else if ((rc = first_login(c, d->support, &analyst)))
			return rc;
		if ((rc = acting(c, analyst, t + 55 * min, &ag)) ||
		    (rc = support_request_respond(&ag, sr, "accept", NULL, &bad)))
			return rc;
		ag.now = t + 150 * min;
		if ((rc = support_request_respond(&ag, sr, "answer",
						  "観測したトラフィックの送信元と対策（レート制限、地域フィルタ）を共有します。",
						  &bad)))
			return rc;
	}
	rep.now = t + (int64_t)d->resolve_h * 60 * min - 10 * min;
	if ((rc = incident_message(&rep, *pid, "サービスは復旧しました。引き続き監視します。", NULL)))
		return rc;
	co.now = t + (int64_t)d->resolve_h * 60 * min;
	const char *to = str_eq(d->final, "monitoring") ? "monitoring" : "resolved";
	if ((rc = incident_set_state(&co, *pid, to, "復旧を確認しました。")))
		return rc;
	if (str_eq(d->final, "closed")) {
		co.now += 24 * 60 * min;
		rc = incident_set_state(&co, *pid, "closed", NULL);
	}
	return rc;
}

int demo_load_incidents(struct ctx *c)
{
	int rc = tx_begin(c);
	if (rc)
		return rc;
	/* The demo's history is in the past: its mail and deadline checks are
	 * not sent out when a server starts on it. */
	struct db_stmt *st;
	int64_t jobs_before = 0, notes_before = 0;
	if ((rc = db_prepare(c->db, "SELECT COALESCE(MAX(id), 0), (SELECT COALESCE(MAX(id), 0) FROM notifications)"
				    " FROM jobs", &st)) == KR_OK) {
		if ((rc = db_step(st)) == KR_ROW) {
			jobs_before = db_col_int(st, 0);
			notes_before = db_col_int(st, 1);
			rc = KR_OK;
		}
		db_done(st);
	}
	const char *pids[KR_ARRAY_LEN(cases)];
	for (size_t i = 0; rc == KR_OK && i < KR_ARRAY_LEN(cases); i++)
		rc = one_case(c, &cases[i], &pids[i]);
	for (size_t i = 0; rc == KR_OK && i < KR_ARRAY_LEN(reports); i++) {
		const struct demo_upward *u = &reports[i];
		int64_t t;
		struct ctx co;
		if ((rc = incident_parse_time(u->at, &t)) || (rc = acting(c, "coordinator", t, &co)))
			break;
		const char *picked[3];
		for (int j = 0; j < u->n; j++)
			picked[j] = pids[u->cases[j]];
		const char *up = NULL, *bad = NULL;
		if ((rc = upward_report_create(&co, u->period, u->date, picked, (size_t)u->n, &up, &bad)))
			break;
		co.now += 10 * 60000;
		rc = upward_report_send(&co, up, "上位のセキュリティ調整センター / Higher security coordination center");
	}
	if (rc == KR_OK && (rc = db_prepare(c->db, "DELETE FROM jobs WHERE id > ?1 AND kind IN ('mail', 'incident_due')",
					    &st)) == KR_OK) {
		db_bind_int(st, 1, jobs_before);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK && (rc = db_prepare(c->db, "UPDATE notifications SET read_at = created_at WHERE id > ?1"
						   " AND case_id IS NOT NULL", &st)) == KR_OK) {
		db_bind_int(st, 1, notes_before);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	return tx_end(c, rc);
}
