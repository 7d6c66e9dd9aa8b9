/* benchgen.c - bulk topics for the benchmarks (R17.2).  A million topics
 * through topic_create would pay for membership checks, notifications and
 * an audit row each; the benchmarks need the rows, not the history, so this
 * writes topics (and a few manual-scope rows) with one cached INSERT per
 * row inside a single transaction.  The text comes from a small vocabulary
 * of what participants report (障害, 改ざん, DDoS 攻撃, phishing ...) at
 * frequencies close to the seeds' incident mix, in Japanese with some
 * English, with a long-tailed length.  A fixed-seed generator makes every
 * run produce the same data. */
#include "core/benchgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/person.h"
#include "core/stix.h"
#include "lib/buf.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"
#include "store/topic_list_indexes.h"

struct rnd {
	uint64_t s;
};
static uint32_t rnd_next(struct rnd *r)
{
	/* xorshift64*: fast, fixed seed, good enough for test data. */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 2685821657736338717ULL) >> 32);
}
static uint32_t rnd_below(struct rnd *r, uint32_t n) { return n ? rnd_next(r) % n : 0; }

/* ---- text ---- */

struct tb {
	char *p;
	size_t n, cap;
};

static void tb_add(struct tb *b, const char *s)
{
	size_t k = strlen(s);
	if (b->n + k >= b->cap)
		return; /* full: the text just ends here (whole pieces only) */
	memcpy(b->p + b->n, s, k);
	b->n += k;
	b->p[b->n] = 0;
}

/* Append tpl with each '#' replaced by v (templates stay data, not formats). */
static void tb_tpl(struct tb *b, const char *tpl, unsigned v)
{
	char num[16];
	snprintf(num, sizeof num, "%u", v);
	for (const char *q = tpl; *q; q++) {
		const char *h = strchr(q, '#');
		if (!h) {
			tb_add(b, q);
			return;
		}
		char piece[512];
		size_t k = (size_t)(h - q) < sizeof piece - 1 ? (size_t)(h - q) : sizeof piece - 1;
		memcpy(piece, q, k);
		piece[k] = 0;
		tb_add(b, piece);
		tb_add(b, num);
		q = h;
	}
}

static const char *const subjects_ja[] = {
	"公式サイト", "予約システム", "メールサーバ", "VPN 機器", "社内ネットワーク", "会場の Wi-Fi",
	"チケット販売サイト", "運行情報サイト", "クラウドサービス", "DNS サーバ", "決済システム",
	"監視カメラ", "業務用スマートフォン", "入退場管理システム", "公式 SNS アカウント", "オンラインショップ",
};
static const char *const subjects_en[] = {
	"the official website", "the booking system", "the mail gateway", "VPN appliances",
	"venue Wi-Fi", "the ticketing site", "the cloud service", "DNS resolvers", "the payment system",
	"IP cameras", "the online shop",
};

/* Event kinds, weighted like the seeds' reports: outages first, then
 * heavy traffic, DoS, defacement, phishing, malware, vulnerabilities. */
struct event {
	int weight;
	const char *title_ja, *sentence_ja, *title_en, *sentence_en, *category;
};
static const struct event events[] = {
	{20, "障害", "で障害が発生しました。", "Outage", "had an outage of # minutes.", "incident"},
	{10, "閲覧障害", "で大量のアクセスによる閲覧障害が発生しました。", "Heavy traffic", "slowed down under heavy traffic.",
	 "incident"},
	{12, "DDoS 攻撃", "が DDoS 攻撃を受けました。最大 # Gbps でした。", "DDoS attack",
	 "was hit by a DDoS attack peaking at # Gbps.", "observation"},
	{6, "改ざん", "で Web ページの改ざんを確認しました。", "Defacement", "was defaced and restored from backup.",
	 "incident"},
	{10, "フィッシング", "を騙るフィッシングサイトを確認しました。", "Phishing",
	 "is impersonated by a phishing site collecting passwords.", "alert"},
	{8, "不正アクセス", "への不正アクセスの試行を観測しました。", "Unauthorised access",
	 "saw # failed login attempts from one address.", "observation"},
	{8, "マルウェア感染", "でマルウェア感染の疑いがある通信を検知しました。", "Malware", "talked to a known C2 server.",
	 "malware"},
	{10, "脆弱性", "に関する脆弱性が公表されました。", "Vulnerability",
	 "is affected by a newly published vulnerability.", "vulnerability"},
	{6, "攻撃予告", "を対象とした攻撃予告を確認しました。", "Attack announcement",
	 "is named as a target in an attack announcement.", "attack_foresight"},
	{4, "大会関連スケジュール", "の保守作業を予定しています。", "Schedule",
	 "has planned maintenance at # o'clock.", "event_schedule"},
	{2, "緊急事態", "が地震の影響で停止しました。", "Emergency", "stopped after a power cut.", "emergency"},
};

static const char *const follow_ja[] = {
	"影響範囲を調査中です。",
	"現在は復旧しています。",
	"対策として WAF の設定を見直しました。",
	"関係組織に情報を共有しました。",
	"送信元は 203.0.113.# です。",
	"通信先は 198.51.100.# です。",
	"更新プログラムの適用をお願いします。",
	"詳細は添付資料をご覧ください。",
	"類似の事象があればコメントで共有してください。",
	"大会運営への影響はありません。",
	"引き続き監視を強化します。",
	"原因はクラウドサービス側の障害でした。",
	"攻撃は約 # 分で収束しました。",
	"フィッシングサイトのテイクダウンを要請しました。",
	"改ざんされたファイルは # 件でした。",
	"ログを保全し、警察に相談しています。",
	"参考: login-support.example、cdn-update.example",
};
static const char *const follow_en[] = {
	"We are still assessing the impact.",
	"Service has been restored.",
	"Scanning from 198.51.100.# continues.",
	"Block 203.0.113.# at the perimeter.",
	"Patch the affected systems as soon as possible.",
	"No impact on operations was reported.",
	"The phishing kit reuses the official logo.",
	"The attack subsided after # minutes.",
	"Indicators are shared over TAXII.",
};

static const struct event *pick_event(struct rnd *r)
{
	int total = 0;
	for (size_t i = 0; i < KR_ARRAY_LEN(events); i++)
		total += events[i].weight;
	int x = (int)rnd_below(r, (uint32_t)total);
	for (size_t i = 0; i < KR_ARRAY_LEN(events); i++) {
		if (x < events[i].weight)
			return &events[i];
		x -= events[i].weight;
	}
	return &events[0];
}

/* Sentences: usually 2-5, sometimes a long report, rarely a very long one. */
static int body_sentences(struct rnd *r)
{
	uint32_t x = rnd_below(r, 100);
	if (x < 3)
		return 20 + (int)rnd_below(r, 60);
	if (x < 20)
		return 6 + (int)rnd_below(r, 10);
	return 1 + (int)rnd_below(r, 5);
}

static void make_text(struct rnd *r, struct tb *title, struct tb *body, const char **category)
{
	bool en = rnd_below(r, 100) < 18;
	const struct event *e = pick_event(r);
	*category = e->category;
	if (en) {
		const char *s = subjects_en[rnd_below(r, KR_ARRAY_LEN(subjects_en))];
		tb_add(title, e->title_en);
		tb_add(title, ": ");
		tb_add(title, s);
		tb_add(body, "Summary: ");
		tb_add(body, s);
		tb_add(body, " ");
		tb_tpl(body, e->sentence_en, 2 + rnd_below(r, 90));
		for (int i = body_sentences(r); i > 0; i--) {
			tb_add(body, i % 4 == 0 ? "\n\n" : " ");
			if (rnd_below(r, 3) == 0) {
				const struct event *e2 = pick_event(r);
				tb_add(body, "Also, ");
				tb_add(body, subjects_en[rnd_below(r, KR_ARRAY_LEN(subjects_en))]);
				tb_add(body, " ");
				tb_tpl(body, e2->sentence_en, 2 + rnd_below(r, 90));
			} else {
				tb_tpl(body, follow_en[rnd_below(r, KR_ARRAY_LEN(follow_en))], 1 + rnd_below(r, 254));
			}
		}
		return;
	}
	const char *s = subjects_ja[rnd_below(r, KR_ARRAY_LEN(subjects_ja))];
	tb_add(title, s);
	tb_add(title, "における");
	tb_add(title, e->title_ja);
	if (rnd_below(r, 4))
		tb_add(title, "について");
	else
		tb_tpl(title, "(第#報)", 1 + rnd_below(r, 5));
	tb_add(body, s);
	tb_tpl(body, e->sentence_ja, 2 + rnd_below(r, 90));
	for (int i = body_sentences(r); i > 0; i--) {
		if (i % 4 == 0)
			tb_add(body, "\n\n");
		if (rnd_below(r, 3) == 0) {
			const struct event *e2 = pick_event(r);
			tb_add(body, "また、");
			tb_add(body, subjects_ja[rnd_below(r, KR_ARRAY_LEN(subjects_ja))]);
			tb_tpl(body, e2->sentence_ja, 2 + rnd_below(r, 90));
		} else {
			tb_tpl(body, follow_ja[rnd_below(r, KR_ARRAY_LEN(follow_ja))], 1 + rnd_below(r, 254));
		}
	}
}

const char *const *benchgen_search_terms(size_t *n)
{
	static const char *const terms[] = {
		"障害", "改ざん", "攻撃", "DDoS", "phishing", "フィッシング", "脆弱性", "不正アクセス",
		"マルウェア", "outage", "defacement", "203.0.113.66", "予約システム", "閲覧障害",
	};
	*n = KR_ARRAY_LEN(terms);
	return terms;
}

/* ---- the site's communities and people ---- */

struct gcomm {
	int64_t id;
	const char *slug, *kind;
	bool everyone;
	int64_t *orgs; /* who posts there (NULL: anyone) */
	size_t norgs;
	double weight;
};

struct site {
	int64_t *person, *person_org; /* sorted by org, then id */
	size_t npeople;
	size_t *org_first, *org_n;    /* indexed by org id */
	int64_t max_org;
	int64_t *all_orgs;
	size_t nall_orgs;
	struct gcomm *comm;
	size_t ncomm;
};

static int load_site(struct ctx *c, struct site *s)
{
	struct arena *a = c->a;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT p.id, p.org_id FROM people p WHERE p.status = 'active'"
				   " ORDER BY p.org_id, p.id", &st);
	if (rc)
		return rc;
	size_t cap = 1024;
	s->person = arena_alloc(a, sizeof(int64_t) * cap);
	s->person_org = arena_alloc(a, sizeof(int64_t) * cap);
	while ((rc = db_step(st)) == KR_ROW) {
		if (s->npeople == cap) {
			int64_t *np = arena_alloc(a, sizeof(int64_t) * cap * 2), *no = arena_alloc(a, sizeof(int64_t) * cap * 2);
			memcpy(np, s->person, sizeof(int64_t) * cap);
			memcpy(no, s->person_org, sizeof(int64_t) * cap);
			s->person = np;
			s->person_org = no;
			cap *= 2;
		}
		s->person[s->npeople] = db_col_int(st, 0);
		s->person_org[s->npeople] = db_col_int(st, 1);
		if (s->person_org[s->npeople] > s->max_org)
			s->max_org = s->person_org[s->npeople];
		s->npeople++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (s->npeople < 100)
		return KR_ENOTFOUND; /* not a demo site */
	s->org_first = arena_alloc(a, sizeof(size_t) * (size_t)(s->max_org + 1));
	s->org_n = arena_alloc(a, sizeof(size_t) * (size_t)(s->max_org + 1));
	memset(s->org_n, 0, sizeof(size_t) * (size_t)(s->max_org + 1));
	s->all_orgs = arena_alloc(a, sizeof(int64_t) * s->npeople);
	for (size_t i = 0; i < s->npeople; i++) {
		int64_t o = s->person_org[i];
		if (s->org_n[o]++ == 0) {
			s->org_first[o] = i;
			s->all_orgs[s->nall_orgs++] = o;
		}
	}

	rc = db_prepare(c->db, "SELECT c.id, c.slug, c.kind, c.everyone, c.post_policy FROM communities c"
			       " WHERE c.space = ?1 AND c.archived_at IS NULL AND c.kind <> 'consultation' ORDER BY c.id",
			&st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	cap = 64;
	s->comm = arena_alloc(a, sizeof(struct gcomm) * cap);
	bool *mods_only = arena_alloc(a, sizeof(bool) * 4096);
	while ((rc = db_step(st)) == KR_ROW && s->ncomm < 4096) {
		if (s->ncomm == cap) {
			struct gcomm *n = arena_alloc(a, sizeof(struct gcomm) * cap * 2);
			memcpy(n, s->comm, sizeof(struct gcomm) * cap);
			s->comm = n;
			cap *= 2;
		}
		struct gcomm *g = &s->comm[s->ncomm];
		memset(g, 0, sizeof *g);
		g->id = db_col_int(st, 0);
		g->slug = db_col_dup(st, 1, a);
		g->kind = db_col_dup(st, 2, a);
		g->everyone = db_col_int(st, 3) != 0;
		mods_only[s->ncomm] = str_eq(db_col_text(st, 4), "moderators");
		s->ncomm++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* Who posts: moderators where only they may, members of member-made
	 * and observation communities, anyone in the open built-in ones. */
	for (size_t i = 0; i < s->ncomm; i++) {
		struct gcomm *g = &s->comm[i];
		if (g->everyone && !mods_only[i])
			continue;
		if ((rc = db_prepare(c->db, "SELECT m.member_id FROM community_members m WHERE m.community_id = ?1"
					    " AND m.member_type = 'org' AND (?2 = 0 OR m.role IN ('moderator', 'owner'))"
					    " ORDER BY m.member_id", &st)))
			return rc;
		db_bind_int(st, 1, g->id);
		db_bind_int(st, 2, mods_only[i] ? 1 : 0);
		size_t k = 0;
		int64_t *v = arena_alloc(a, sizeof(int64_t) * (s->nall_orgs + 1));
		while ((rc = db_step(st)) == KR_ROW && k < s->nall_orgs + 1) {
			int64_t o = db_col_int(st, 0);
			if (o <= s->max_org && s->org_n[o] > 0)
				v[k++] = o;
		}
		db_done(st);
		if (rc < 0)
			return rc;
		g->orgs = v;
		g->norgs = k;
	}
	return KR_OK;
}

/* Shares of the non-target topics by kind of community. */
static double kind_weight(const char *kind)
{
	static const struct {
		const char *kind;
		double w;
	} kw[] = {{"professional", 30}, {"general", 10}, {"cc_contact", 10}, {"manuals", 2},
		  {"vendor", 8},        {"observation", 25}, {"member", 15}};
	for (size_t i = 0; i < KR_ARRAY_LEN(kw); i++)
		if (str_eq(kind, kw[i].kind))
			return kw[i].w;
	return 0;
}

static size_t pick_person(struct rnd *r, const struct site *s, const struct gcomm *g)
{
	if (!g->orgs || g->norgs == 0)
		return rnd_below(r, (uint32_t)s->npeople);
	int64_t o = g->orgs[rnd_below(r, (uint32_t)g->norgs)];
	return s->org_first[o] + rnd_below(r, (uint32_t)s->org_n[o]);
}

/* Civil date of a day number since 1970-01-01. */
static void civil(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int day_counter(struct ctx *c, const char *name, int64_t *v)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT value FROM counters WHERE name = ?1", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, name);
	*v = 0;
	rc = db_step(st);
	if (rc == KR_ROW)
		*v = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

static int save_counter(struct ctx *c, const char *name, int64_t v)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE"
			    " SET value = CASE WHEN counters.value > ?2 THEN counters.value ELSE ?2 END",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, v);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

/* JST day numbers of 2010-01-01 and 2019-01-01 (exclusive). */
#define BG_FIRST_DAY 14610
#define BG_END_DAY 17897
#define BG_DAY_MS 86400000LL
#define BG_JST_MS (9 * 3600000LL)

/* Rows are staged in temporary tables and moved into topics and
 * topic_scope BG_BATCH at a time, one statement each.  On PostgreSQL the
 * list-version trigger (migration 8) runs once per statement and updates
 * one row of topic_list_version; a million one-row INSERTs in one
 * transaction made a million versions of that row, which no vacuum may
 * remove while the transaction runs and which each later update walks:
 * quadratic (5,000 updates 3.8 s, 10,000 12.6 s, 20,000 29 s).  With
 * batches the trigger runs once per thousand topics.  The list cache is
 * exactly as safe: the triggers still run in the transaction that inserts
 * the rows (per statement on PostgreSQL, per row on SQLite, where this
 * costs little either way), so topic_list_version changes in the commit
 * that makes them visible; nothing is skipped or emulated. */
#define BG_BATCH 1000

static int flush_batch(struct ctx *c)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO topics (space, public_id, community_id, author_id, author_org_id, title, tag,"
			    " audience, category, tlp, scope, body, must_read, pinned, created_at, updated_at,"
			    " last_activity_at) SELECT space, public_id, community_id, author_id, author_org_id, title,"
			    " tag, audience, category, tlp, scope, body, 0, 0, at, at, at FROM bg_topics ORDER BY seq",
			    &st);
	if (rc)
		return rc;
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	/* WHERE, not JOIN ... ON: SQLite parses ON CONFLICT after a join's ON
	 * ambiguously. */
	if (rc == KR_OK &&
	    (rc = db_prepare(c->db, "INSERT INTO topic_scope (topic_id, member_type, member_id) SELECT t.id, 'org', s.org"
				    " FROM bg_scope s, topics t WHERE t.space = ?1 AND t.public_id = s.public_id"
				    " ON CONFLICT DO NOTHING", &st)) == KR_OK) {
		db_bind_int(st, 1, c->space);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = db_exec(c->db, "DELETE FROM bg_topics; DELETE FROM bg_scope");
	return rc;
}

int benchgen_topics(struct ctx *c, const struct benchgen_opts *o, struct benchgen_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!c->who.system)
		return KR_EPERM;
	if (o->topics < 0 || o->community_topics < 0 || o->community_topics > o->topics ||
	    o->topics > 50000000)
		return KR_EINVAL;
	/* Ids are YYYYMMDD-NNNNNN: at most 999,999 a day over the range. */
	if (o->topics / (BG_END_DAY - BG_FIRST_DAY) > 900000)
		return KR_EINVAL;
	const char *target = o->community ? o->community : "rail-isac";
	struct site s = {0};
	int rc = load_site(c, &s);
	if (rc)
		return rc;
	struct gcomm *tc = NULL;
	double total_w = 0;
	double *cum = arena_alloc(c->a, sizeof(double) * (s.ncomm + 1));
	size_t nkind[8] = {0};
	static const char *const kinds[] = {"professional", "general", "cc_contact", "manuals",
					    "vendor", "observation", "member"};
	for (size_t i = 0; i < s.ncomm; i++)
		for (size_t k = 0; k < KR_ARRAY_LEN(kinds); k++)
			if (str_eq(s.comm[i].kind, kinds[k]) && !str_eq(s.comm[i].slug, target))
				nkind[k]++;
	for (size_t i = 0; i < s.ncomm; i++) {
		struct gcomm *g = &s.comm[i];
		if (str_eq(g->slug, target))
			tc = g;
		double w = 0;
		for (size_t k = 0; k < KR_ARRAY_LEN(kinds); k++)
			if (str_eq(g->kind, kinds[k]) && !str_eq(g->slug, target) && (g->everyone || g->norgs))
				w = kind_weight(g->kind) / (double)nkind[k];
		total_w += w;
		cum[i] = total_w;
	}
	if (!tc || (!tc->everyone && tc->norgs == 0) || total_w <= 0)
		return KR_ENOTFOUND;

	if ((rc = tx_begin(c)))
		return rc;
	/* Migration 8's five list indexes are built once at the end rather
	 * than row by row: inserting into them took a third of the loader's
	 * CPU (100k topics: 11.9 s with them, 7.9 s without, 1.4 s to build
	 * them afterwards) and the share grows with the table.  Inside this
	 * one transaction, so no reader ever sees the table without them and
	 * a failure rolls the drop back.  (On PostgreSQL the drop locks the
	 * table until commit; bench-gen is for benchmark databases.)  The
	 * list-version triggers stay: they cost a few per cent here, and the
	 * list cache's invalidation needs no reasoning about a loader. */
	if ((rc = db_exec(c->db, "" TOPIC_LIST_INDEXES_DROP)) ||
	    (rc = db_exec(c->db, "CREATE TEMP TABLE bg_topics (seq BIGINT PRIMARY KEY, space BIGINT, public_id TEXT,"
				 " community_id BIGINT, author_id BIGINT, author_org_id BIGINT, title TEXT, tag TEXT,"
				 " audience TEXT, category TEXT, tlp TEXT, scope TEXT, body TEXT, at BIGINT);"
				 "CREATE TEMP TABLE bg_scope (public_id TEXT, org BIGINT)")))
		return tx_end(c, rc);
	struct rnd r = {.s = 0x9E3779B97F4A7C15ULL ^ (o->seed ? o->seed : 2020)};
	char tbuf[1024], bbuf[16384], cname[40], pid[48];
	int64_t span = (int64_t)(BG_END_DAY - BG_FIRST_DAY) * BG_DAY_MS;
	int64_t start = (int64_t)BG_FIRST_DAY * BG_DAY_MS - BG_JST_MS;
	int64_t cur_day = -1, day_n = 0;
	/* Spread the target's topics evenly through the stream. */
	int64_t left_target = o->community_topics;
	for (int64_t i = 0; rc == KR_OK && i < o->topics; i++) {
		int64_t at = start + (span / (o->topics ? o->topics : 1)) * i +
			     (int64_t)rnd_below(&r, (uint32_t)(span / (o->topics ? o->topics : 1) + 1));
		int64_t day = (at + BG_JST_MS) / BG_DAY_MS;
		if (day != cur_day) {
			if (cur_day >= 0 && (rc = save_counter(c, cname, day_n)))
				break;
			int y, m, d;
			civil(day, &y, &m, &d);
			snprintf(cname, sizeof cname, "topic:%lld:%04d%02d%02d", (long long)c->space, y, m, d);
			if ((rc = day_counter(c, cname, &day_n)))
				break;
			cur_day = day;
		}
		if (++day_n > 999999) {
			rc = KR_ECONFLICT;
			break;
		}
		snprintf(pid, sizeof pid, "%s-%06lld", cname + strlen(cname) - 8, (long long)day_n);

		bool in_target = left_target > 0 && rnd_below(&r, (uint32_t)(o->topics - i)) < (uint64_t)left_target;
		struct gcomm *g = tc;
		if (in_target) {
			left_target--;
		} else {
			double x = (double)rnd_next(&r) / 4294967296.0 * total_w;
			size_t lo = 0, hi = s.ncomm - 1;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (cum[mid] > x)
					hi = mid;
				else
					lo = mid + 1;
			}
			g = &s.comm[lo];
		}
		size_t au = pick_person(&r, &s, g);
		struct tb title = {tbuf, 0, sizeof tbuf}, body = {bbuf, 0, sizeof bbuf};
		tbuf[0] = bbuf[0] = 0;
		const char *category;
		make_text(&r, &title, &body, &category);
		uint32_t t = rnd_below(&r, 100);
		const char *tlp = t < 55 ? "green" : t < 72 ? "clear" : t < 88 ? "amber" : t < 94 ? "amber+strict" : "red";
		/* RED mostly goes to named organisations (R5.1 manual scope). */
		bool manual = (str_eq(tlp, "red") && rnd_below(&r, 3) != 0) || rnd_below(&r, 100) < 2;
		uint32_t tg = rnd_below(&r, 100);
		const char *tag = tg < 8 ? "important" : tg < 25 ? "caution" : tg < 70 ? "info" : NULL;

		struct db_stmt *ins;
		if ((rc = db_prepare(c->db,
				     "INSERT INTO bg_topics (seq, space, public_id, community_id, author_id, author_org_id,"
				     " title, tag, audience, category, tlp, scope, body, at) VALUES (?14, ?1, ?2, ?3, ?4, ?5,"
				     " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
				     &ins)))
			break;
		db_bind_int(ins, 1, c->space);
		db_bind_text(ins, 2, pid);
		db_bind_int(ins, 3, g->id);
		db_bind_int(ins, 4, s.person[au]);
		db_bind_int(ins, 5, s.person_org[au]);
		db_bind_text(ins, 6, tbuf);
		if (tag)
			db_bind_text(ins, 7, tag);
		else
			db_bind_null(ins, 7);
		db_bind_text(ins, 8, rnd_below(&r, 5) == 0 ? "general" : "professional");
		db_bind_text(ins, 9, category);
		db_bind_text(ins, 10, tlp);
		db_bind_text(ins, 11, manual ? "manual" : "community");
		db_bind_text(ins, 12, bbuf);
		db_bind_int(ins, 13, at);
		db_bind_int(ins, 14, i);
		rc = db_step(ins) == KR_DONE ? KR_OK : KR_EDB;
		db_done(ins);
		/* Two recipient organisations from those who post there. */
		for (int k = 0; rc == KR_OK && manual && k < 2; k++) {
			int64_t org = g->norgs ? g->orgs[rnd_below(&r, (uint32_t)g->norgs)]
					       : s.all_orgs[rnd_below(&r, (uint32_t)s.nall_orgs)];
			if ((rc = db_prepare(c->db, "INSERT INTO bg_scope (public_id, org) VALUES (?1, ?2)", &ins)))
				break;
			db_bind_text(ins, 1, pid);
			db_bind_int(ins, 2, org);
			rc = db_step(ins) == KR_DONE ? KR_OK : KR_EDB;
			db_done(ins);
		}
		if (rc == KR_OK && (i + 1) % BG_BATCH == 0)
			rc = flush_batch(c);
		if (rc)
			break;
		st->topics++;
		st->in_community += g == tc;
		st->manual += manual;
		st->bytes += (int64_t)(title.n + body.n);
		if (!st->first_ms || at < st->first_ms)
			st->first_ms = at;
		if (at > st->last_ms)
			st->last_ms = at;
		if (o->progress && o->every > 0 && st->topics % o->every == 0)
			o->progress(st->topics, o->progress_arg);
	}
	if (rc == KR_OK)
		rc = flush_batch(c);
	if (rc == KR_OK && cur_day >= 0)
		rc = save_counter(c, cname, day_n);
	if (rc == KR_OK)
		rc = db_exec(c->db, "DROP TABLE bg_topics; DROP TABLE bg_scope");
	if (rc == KR_OK)
		rc = db_exec(c->db, "" TOPIC_LIST_INDEXES);
	return tx_end(c, rc);
}

/* ---- STIX indicators ---- */

static uint64_t mix64(uint64_t x)
{
	/* splitmix64's finaliser: every serial gets unrelated-looking bits. */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static const char *const stix_nets[] = {"192.0.2", "198.51.100", "203.0.113"};
static const char *const stix_words[] = {"update", "login", "cdn",    "mail",  "secure", "portal",
					  "ticket", "stream", "verify", "games", "relay",  "files"};

static void stix_indicator(struct buf *b, uint32_t seed, int64_t serial)
{
	uint64_t h1 = mix64((uint64_t)serial ^ ((uint64_t)seed << 32)), h2 = mix64(h1), h3 = mix64(h2),
		 h4 = mix64(h3);
	char uuid[40];
	snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xffff,
		 (unsigned)h1 & 0xfff, (unsigned)(0x8000 | ((h2 >> 48) & 0x3fff)),
		 (unsigned long long)(h2 & 0xffffffffffffULL));
	/* One indicator a second from 2024-01-01, so versions and date order
	 * look like a feed's. */
	char when[40];
	stix_format_time((1704067200LL + serial) * 1000000LL + (int64_t)(h3 % 1000) * 1000, when, sizeof when);
	char value[160], pattern[200];
	unsigned w1 = (unsigned)(h3 % 12), w2 = (unsigned)((h3 >> 8) % 12);
	switch (h1 % 4) {
	case 0:
		snprintf(value, sizeof value, "%s.%u", stix_nets[h3 % 3], (unsigned)((h3 >> 16) % 254) + 1);
		snprintf(pattern, sizeof pattern, "[ipv4-addr:value = '%s']", value);
		break;
	case 1:
		snprintf(value, sizeof value, "%s-%lld.%s.example", stix_words[w1], (long long)serial, stix_words[w2]);
		snprintf(pattern, sizeof pattern, "[domain-name:value = '%s']", value);
		break;
	case 2:
		snprintf(value, sizeof value, "http://%s%u.example/%s/%lld.php", stix_words[w1],
			 (unsigned)((h3 >> 16) % 100), stix_words[w2], (long long)serial);
		snprintf(pattern, sizeof pattern, "[url:value = '%s']", value);
		break;
	default:
		snprintf(value, sizeof value, "%016llx%016llx%016llx%016llx", (unsigned long long)h1,
			 (unsigned long long)h2, (unsigned long long)h3, (unsigned long long)h4);
		snprintf(pattern, sizeof pattern, "[file:hashes.'SHA-256' = '%s']", value);
		break;
	}
	buf_printf(b,
		   "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\",\"created\":\"%s\","
		   "\"modified\":\"%s\",\"name\":\"%s\",\"description\":\"Generated for the TAXII benchmark\","
		   "\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"%s\",\"pattern_type\":\"stix\","
		   "\"valid_from\":\"%s\",\"confidence\":%u,\"labels\":[\"bench\",\"%s\"],"
		   "\"object_marking_refs\":[\"%s\"]}",
		   uuid, when, when, value, pattern, when, 40 + (unsigned)(h4 % 60), stix_words[w2],
		   h4 % 5 == 0 ? "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
			       : "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
}

void benchgen_stix_doc(struct buf *out, uint32_t seed, int64_t first, int64_t n, bool bundle)
{
	if (!seed)
		seed = 0x5715;
	if (bundle) {
		uint64_t h = mix64((uint64_t)first ^ 0xb0b0ULL ^ seed), g = mix64(h);
		buf_printf(out, "{\"type\":\"bundle\",\"id\":\"bundle--%08x-%04x-4%03x-%04x-%012llx\",\"objects\":[\n",
			   (unsigned)(h >> 32), (unsigned)(h >> 16) & 0xffff, (unsigned)h & 0xfff,
			   (unsigned)(0x8000 | ((g >> 48) & 0x3fff)), (unsigned long long)(g & 0xffffffffffffULL));
	} else {
		buf_adds(out, "{\"objects\":[\n");
	}
	for (int64_t i = 0; i < n; i++) {
		stix_indicator(out, seed, first + i);
		buf_adds(out, i + 1 < n ? ",\n" : "\n");
	}
	buf_adds(out, "]}\n");
}

int benchgen_stix(struct ctx *c, const struct benchgen_stix_opts *o, struct benchgen_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!c->who.system)
		return KR_EPERM;
	if (o->indicators < 0 || o->chunk < 0 || o->chunk > STIX_MAX_OBJECTS)
		return KR_EINVAL;
	struct person p;
	int rc = person_get(c, o->login ? o->login : "rail-member", &p);
	if (rc)
		return rc;
	int64_t chunk = o->chunk ? o->chunk : 10000;
	struct buf doc = BUF_INIT;
	for (int64_t done = 0; rc == KR_OK && done < o->indicators;) {
		int64_t n = o->indicators - done < chunk ? o->indicators - done : chunk;
		buf_reset(&doc);
		benchgen_stix_doc(&doc, o->seed, o->first + done, n, false);
		/* Each document gets an arena of its own, as a request would. */
		struct ctx as = *c;
		as.a = arena_new();
		as.who = (struct viewer){.person_id = p.id, .org_id = p.org_id, .role = ROLE_MEMBER,
					 .login = p.login, .locale = "ja"};
		struct stix_status ss;
		rc = as.a ? stix_ingest(&as, o->collection ? o->collection : "rail-isac", doc.p, doc.len,
					STIX_DOC_ENVELOPE, &ss)
			  : KR_ENOMEM;
		if (rc == KR_OK) {
			st->topics += (int64_t)ss.success;
			st->bytes += (int64_t)doc.len;
		}
		arena_free(as.a);
		done += n;
		if (rc == KR_OK && o->progress)
			o->progress(done, o->progress_arg);
	}
	buf_free(&doc);
	return rc;
}
