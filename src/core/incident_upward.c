/* incident_upward.c - what leaves the desk: AM/PM upward reports to the
 * higher coordination center (R9.4) and sanitised lesson-learned drafts
 * (R9.5).  Both start from cases the acting coordinator may see; upward
 * reports never carry TLP:RED cases (R5.3). */
#include "core/incident.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/common.h"
#include "core/org.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "store/db.h"

#define UPWARD_MAX_CASES 200

static int run_done(struct db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc == KR_DONE ? KR_OK : (rc < 0 ? rc : KR_EDB);
}

static void csv_field(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; s && *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static const char *when(struct arena *a, int64_t ms)
{
	if (ms <= 0)
		return "";
	char t[24];
	time_format(ms, 540, t, sizeof t);
	return arena_strdup(a, t);
}

/* The bilingual labels of the report's columns and values. */
static const char *class_label(const char *k)
{
	static const char *const m[][2] = {
		{"outage", "障害 / Outage"}, {"cloud_outage", "クラウドサービス障害 / Cloud-service outage"},
		{"heavy_traffic", "高負荷 / Heavy traffic"}, {"ddos", "DoS・DDoS / DoS/DDoS"},
		{"defacement", "改ざん / Defacement"}, {"malware", "マルウェア / Malware"},
		{"leak", "情報漏えい / Information leak"}, {"phishing", "フィッシング / Phishing"},
		{"unauthorized_access", "不正アクセス / Unauthorised access"},
		{"consultation", "相談 / Consultation"}, {"other", "その他 / Other"},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(m); i++)
		if (str_eq(m[i][0], k))
			return m[i][1];
	return k;
}

static const char *state_label(const char *k)
{
	static const char *const m[][2] = {
		{"new", "新規 / New"}, {"triaged", "受付済 / Triaged"}, {"coordinating", "調整中 / Coordinating"},
		{"supporting", "支援中 / Supporting"}, {"monitoring", "経過観察 / Monitoring"},
		{"resolved", "解決 / Resolved"}, {"closed", "終了 / Closed"},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(m); i++)
		if (str_eq(m[i][0], k))
			return m[i][1];
	return k;
}

/* Build the printable text and the CSV of the chosen cases. */
static void render(struct ctx *c, const char *pid, const char *period, const char *date, struct incident *ks,
		   size_t n, struct buf *text, struct buf *csv)
{
	bool am = str_eq(period, "am");
	buf_printf(text, "対処調整センター %s報告 / Coordination center %s report\n", am ? "午前" : "午後",
		   am ? "AM" : "PM");
	buf_printf(text, "報告番号 / Report: %s\n対象日 / Date: %s\n作成 / Issued: %s (JST)\n件数 / Cases: %zu\n\n", pid,
		   date, when(c->a, c->now), n);
	buf_adds(csv, "\xEF\xBB\xBF"); /* UTF-8 BOM for Excel (R7.3) */
	buf_adds(csv, "番号 / ID,受付日時 / Reported (JST),発生日時 / Started (JST),報告組織 / Reporting organisation,"
		      "分類 / Class,状態 / State,優先度 / Priority,大会への影響 / Event impact,"
		      "報道・公開 / Public visibility,TLP,件名 / Title,サービスへの影響 / Impact\r\n");
	for (size_t i = 0; i < n; i++) {
		struct incident *k = &ks[i];
		buf_printf(text, "%zu. %s [%s] %s\n", i + 1, k->public_id, tlp_label(k->tlp), k->title);
		buf_printf(text, "   報告組織 / Organisation: %s / %s\n", k->reporter_org_name_ja, k->reporter_org_name_en);
		buf_printf(text, "   分類 / Class: %s   状態 / State: %s   優先度 / Priority: %s\n",
			   class_label(k->klass), state_label(k->state), k->priority);
		buf_printf(text, "   受付 / Reported: %s   発生 / Started: %s\n", when(c->a, k->created_at),
			   when(c->a, k->started_at));
		buf_printf(text, "   大会への影響 / Event impact: %s   報道・公開 / Public: %s\n",
			   k->affects_event ? "あり / yes" : "なし / no", k->public_visibility ? "あり / yes" : "なし / no");
		if (k->impact && *k->impact)
			buf_printf(text, "   サービスへの影響 / Impact: %s\n", k->impact);
		buf_addc(text, '\n');
		const char *f[] = {k->public_id, when(c->a, k->created_at), when(c->a, k->started_at),
				   arena_printf(c->a, "%s / %s", k->reporter_org_name_ja, k->reporter_org_name_en),
				   class_label(k->klass), state_label(k->state), k->priority,
				   k->affects_event ? "1" : "0", k->public_visibility ? "1" : "0", tlp_label(k->tlp),
				   k->title, k->impact};
		for (size_t j = 0; j < KR_ARRAY_LEN(f); j++) {
			if (j)
				buf_addc(csv, ',');
			csv_field(csv, f[j]);
		}
		buf_adds(csv, "\r\n");
	}
	if (!n)
		buf_adds(text, "該当する事案はありません。 / No cases to report.\n");
}

static bool valid_date(const char *s)
{
	int64_t t;
	return s && strlen(s) == 10 && time_parse_date(s, 540, &t) == KR_OK;
}

int upward_report_create(struct ctx *c, const char *period, const char *date, const char *const *cases,
			 size_t n, const char **public_id, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	*public_id = NULL;
	if (c->who.person_id <= 0 || !acl_can_coordinate(c))
		return KR_EPERM;
	if (!str_eq(period, "am") && !str_eq(period, "pm"))
		return *bad = "period", KR_EINVAL;
	if (!valid_date(date))
		return *bad = "date", KR_EINVAL;
	if (n > UPWARD_MAX_CASES)
		return *bad = "cases", KR_EINVAL;
	struct incident *ks = arena_alloc(c->a, sizeof(*ks) * UPWARD_MAX_CASES);
	size_t nk = 0;
	int rc;
	if (n) {
		for (size_t i = 0; i < n; i++) {
			struct incident k;
			if ((rc = incident_get(c, cases[i], &k)))
				return rc == KR_ENOTFOUND ? (*bad = "cases", KR_EINVAL) : rc;
			if ((!k.affects_event && !k.public_visibility) || k.tlp == TLP_RED)
				return *bad = "cases", KR_EINVAL;
			for (size_t j = 0; j < nk; j++)
				if (ks[j].id == k.id)
					return *bad = "cases", KR_EINVAL;
			ks[nk++] = k;
		}
	} else {
		/* Every flagged, visible, non-RED case still open or touched in
		 * the last 24 hours. */
		struct db_stmt *st;
		if ((rc = db_prepare(c->db,
				     "SELECT k.public_id FROM cases k WHERE " ACL_CASE_PRED
				     " AND (k.affects_event = 1 OR k.public_visibility = 1) AND k.tlp <> 'red'"
				     " AND (k.state NOT IN ('resolved', 'closed') OR k.updated_at >= ?4)"
				     " ORDER BY k.created_at, k.id LIMIT 200",
				     &st)))
			return rc;
		acl_viewer_binds(c, st);
		db_bind_int(st, 4, c->now - 86400000LL);
		const char **ids = arena_alloc(c->a, sizeof(char *) * UPWARD_MAX_CASES);
		size_t m = 0;
		while ((rc = db_step(st)) == KR_ROW && m < UPWARD_MAX_CASES)
			ids[m++] = db_col_dup(st, 0, c->a);
		db_done(st);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < m; i++)
			if ((rc = incident_get(c, ids[i], &ks[nk++])))
				return rc;
	}
	if ((rc = tx_begin(c)))
		return rc;
	char ymd[9] = {date[0], date[1], date[2], date[3], date[5], date[6], date[8], date[9], 0};
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"INSERT INTO counters (name, value) VALUES (?1, 1)"
			" ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
			&st);
	int64_t seq = 0;
	if (rc == KR_OK) {
		db_bind_text(st, 1, arena_printf(c->a, "upward:%lld:%s:%s", (long long)c->space, ymd, period));
		rc = db_step(st) == KR_ROW ? KR_OK : KR_EDB;
		seq = db_col_int(st, 0);
		db_done(st);
	}
	if (rc == KR_OK && seq > 99)
		rc = KR_ECONFLICT;
	const char *pid = arena_printf(c->a, "U-%s-%s-%02lld", ymd, str_eq(period, "am") ? "AM" : "PM", (long long)seq);
	struct buf text = BUF_INIT, csv = BUF_INIT;
	render(c, pid, period, date, ks, nk, &text, &csv);
	int64_t id = 0;
	if (rc == KR_OK)
		rc = db_prepare(c->db,
				"INSERT INTO upward_reports (space, public_id, period, report_date, org_id, created_by,"
				" created_at, body, csv) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
				&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->space);
		db_bind_text(st, 2, pid);
		db_bind_text(st, 3, period);
		db_bind_text(st, 4, date);
		db_bind_int(st, 5, c->who.org_id);
		db_bind_int(st, 6, c->who.person_id);
		db_bind_int(st, 7, c->now);
		db_bind_text(st, 8, text.p ? text.p : "");
		db_bind_text(st, 9, csv.p ? csv.p : "");
		rc = db_step(st) == KR_ROW ? KR_OK : KR_EDB;
		id = db_col_int(st, 0);
		db_done(st);
	}
	buf_free(&text);
	buf_free(&csv);
	for (size_t i = 0; rc == KR_OK && i < nk; i++) {
		if ((rc = db_prepare(c->db, "INSERT INTO upward_report_cases (report_id, case_id) VALUES (?1, ?2)", &st)))
			break;
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, ks[i].id);
		if ((rc = run_done(st)))
			break;
		if ((rc = db_prepare(c->db, "INSERT INTO case_events (case_id, kind, actor_id, actor_org_id, detail,"
					    " created_at) VALUES (?1, 'upward', ?2, ?3, ?4, ?5)", &st)))
			break;
		db_bind_int(st, 1, ks[i].id);
		db_bind_int(st, 2, c->who.person_id);
		db_bind_int(st, 3, c->who.org_id);
		db_bind_text(st, 4, pid);
		db_bind_int(st, 5, c->now);
		rc = run_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "upward.create", "upward_report", pid, c->who.org_id,
			   arena_printf(c->a, "%zu cases", nk));
	rc = tx_end(c, rc);
	if (rc == KR_OK)
		*public_id = pid;
	return rc;
}

/* Report id visible to the viewer: coordinators of the issuing org. */
static int report_id(struct ctx *c, const char *public_id, int64_t *id)
{
	if (!public_id || strlen(public_id) > 40 || c->who.person_id <= 0)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT id, org_id FROM upward_reports WHERE space = ?1 AND public_id = ?2", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_text(st, 2, public_id);
	rc = db_step(st);
	int64_t org = 0;
	*id = 0;
	if (rc == KR_ROW) {
		*id = db_col_int(st, 0);
		org = db_col_int(st, 1);
	}
	db_done(st);
	if (!*id)
		return rc < 0 ? rc : KR_ENOTFOUND;
	return org == c->who.org_id && acl_can_coordinate(c) ? KR_OK : KR_ENOTFOUND;
}

int upward_report_send(struct ctx *c, const char *public_id, const char *to)
{
	int64_t id;
	int rc = report_id(c, public_id, &id);
	if (rc)
		return rc;
	if (!valid_line(to, 1, 200))
		return KR_EINVAL;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "UPDATE upward_reports SET sent_to = ?2, sent_at = ?3 WHERE id = ?1", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, to);
		db_bind_int(st, 3, c->now);
		rc = run_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "upward.send", "upward_report", public_id, c->who.org_id, to);
	return tx_end(c, rc);
}

#define UR_COLS "r.id, r.public_id, r.period, r.report_date, r.body, r.csv, r.sent_to, r.created_at, r.sent_at, p.login"

static void ur_row(struct ctx *c, struct db_stmt *st, struct upward_report *u)
{
	u->id = db_col_int(st, 0);
	u->public_id = db_col_dup(st, 1, c->a);
	u->period = db_col_dup(st, 2, c->a);
	u->report_date = db_col_dup(st, 3, c->a);
	u->body = db_col_dup(st, 4, c->a);
	u->csv = db_col_dup(st, 5, c->a);
	u->sent_to = db_col_dup(st, 6, c->a);
	u->created_at = db_col_int(st, 7);
	u->sent_at = db_col_int(st, 8);
	u->created_by = db_col_dup(st, 9, c->a);
}

int upward_report_get(struct ctx *c, const char *public_id, struct upward_report *out)
{
	memset(out, 0, sizeof *out);
	int64_t id;
	int rc = report_id(c, public_id, &id);
	if (rc)
		return rc;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db, "SELECT " UR_COLS " FROM upward_reports r JOIN people p ON p.id = r.created_by"
				    " WHERE r.id = ?1", &st)))
		return rc;
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc == KR_ROW)
		ur_row(c, st, out);
	db_done(st);
	if (rc != KR_ROW)
		return rc < 0 ? rc : KR_ENOTFOUND;
	if ((rc = db_prepare(c->db, "SELECT k.public_id FROM upward_report_cases x JOIN cases k ON k.id = x.case_id"
				    " WHERE x.report_id = ?1 ORDER BY k.created_at, k.id", &st)))
		return rc;
	db_bind_int(st, 1, id);
	out->cases = arena_alloc(c->a, sizeof(char *) * UPWARD_MAX_CASES);
	while ((rc = db_step(st)) == KR_ROW && out->n_cases < UPWARD_MAX_CASES)
		out->cases[out->n_cases++] = db_col_dup(st, 0, c->a);
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int upward_report_list(struct ctx *c, struct upward_report **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (!acl_can_coordinate(c))
		return KR_OK; /* nobody else has reports */
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT " UR_COLS " FROM upward_reports r JOIN people p ON p.id = r.created_by"
				   " WHERE r.space = ?1 AND r.org_id = ?2 ORDER BY r.created_at DESC, r.id DESC LIMIT 500", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_int(st, 2, c->who.org_id);
	struct upward_report *items = arena_alloc(c->a, sizeof(*items) * 500);
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 500)
		ur_row(c, st, &items[k++]);
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

int upward_report_sends(struct ctx *c, const char *public_id, struct upward_send **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct upward_report u;
	int rc = upward_report_get(c, public_id, &u);
	if (rc)
		return rc;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db, "SELECT a.at, a.detail, COALESCE(p.login, '') FROM audit_log a"
				    " LEFT JOIN people p ON p.id = a.actor_id"
				    " WHERE a.action = 'upward.send' AND a.target_type = 'upward_report'"
				    " AND a.target_id = ?1 AND a.target_org_id = ?2 AND a.at >= ?3"
				    " ORDER BY a.at, a.id LIMIT 200", &st)))
		return rc;
	db_bind_text(st, 1, u.public_id);
	db_bind_int(st, 2, c->who.org_id);
	db_bind_int(st, 3, u.created_at);
	struct upward_send *items = arena_alloc(c->a, sizeof(*items) * 200);
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 200) {
		items[k].at = db_col_int(st, 0);
		items[k].to = db_col_dup(st, 1, c->a);
		items[k].by = db_col_dup(st, 2, c->a);
		k++;
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

/* ---- sanitised drafts (R9.5) ---- */

static void push_item(struct arena *a, struct sanitised_item **items, size_t *n, const char *kind,
		      const char *orig, size_t len, const char *ph, bool kept)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*items)[i].original) == len && !memcmp((*items)[i].original, orig, len))
			return;
	/* Grow by doubling at powers of two (arena memory, never freed). */
	if ((*n & (*n - 1)) == 0) {
		size_t cap = *n ? *n * 2 : 8;
		struct sanitised_item *ni = arena_alloc(a, sizeof(*ni) * cap);
		if (*n)
			memcpy(ni, *items, sizeof(*ni) * *n);
		*items = ni;
	}
	(*items)[(*n)++] = (struct sanitised_item){kind, arena_strndup(a, orig, len), ph, kept};
}


/* ASCII case-insensitive match of needle at p (other bytes exact). */
static bool match_at(const char *p, const char *needle, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)p[i], y = (unsigned char)needle[i];
		if (!x || (x < 0x80 && y < 0x80 ? tolower(x) != tolower(y) : x != y))
			return false;
	}
	return true;
}

static bool is_hostch(char ch) { return isalnum((unsigned char)ch) || ch == '-' || ch == '.'; }

static bool ipv4(const char *s, size_t n)
{
	int parts = 0, v = -1;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (v < 0 || v > 255)
				return false;
			parts++;
			v = -1;
		} else if (isdigit((unsigned char)s[i])) {
			v = (v < 0 ? 0 : v * 10) + (s[i] - '0');
			if (v > 255)
				return false;
		} else {
			return false;
		}
	}
	return parts == 4;
}

static bool ipv6(const char *s, size_t n)
{
	int colons = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			colons++;
		else if (!isxdigit((unsigned char)s[i]) && s[i] != '.')
			return false;
	}
	return colons >= 2;
}

static bool hostname(const char *s, size_t n)
{
	const char *last = NULL;
	int dots = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.') {
			if (i == 0 || s[i - 1] == '.')
				return false;
			dots++;
			last = s + i + 1;
		}
	if (!dots || !last)
		return false;
	size_t tl = (size_t)(s + n - last);
	if (tl < 2)
		return false;
	for (size_t i = 0; i < tl; i++)
		if (!isalpha((unsigned char)last[i]))
			return false;
	return true;
}

static const char *const placeholders[] = {"[組織/ORG]", "[氏名/PERSON]", "[メール/EMAIL]", "[IP]", "[ホスト/HOST]",
					   "[削除/REDACTED]"};

static const char *placeholder(const char *kind)
{
	return str_eq(kind, "org") ? placeholders[0] : str_eq(kind, "person") ? placeholders[1]
	       : str_eq(kind, "email") ? placeholders[2] : str_eq(kind, "ip") ? placeholders[3]
	       : str_eq(kind, "term") ? placeholders[5] : placeholders[4];
}

/* Did the reviewer keep this found string?  ASCII case ignored, as the
 * rules match. */
static bool kept(const char *const *keep, size_t nkeep, const char *p, size_t len)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] && strlen(keep[i]) == len && match_at(p, keep[i], len))
			return true;
	return false;
}

/* Length of a placeholder starting at p, or 0. */
static size_t at_placeholder(const char *p)
{
	for (size_t i = 0; i < KR_ARRAY_LEN(placeholders); i++)
		if (!strncmp(p, placeholders[i], strlen(placeholders[i])))
			return strlen(placeholders[i]);
	return 0;
}

/* Does p[0..n) overlap a placeholder?  A name never swallows one. */
static bool covers_placeholder(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '[' && at_placeholder(p + i))
			return true;
	return false;
}

/* Pass 1: addresses by shape - e-mail, IPv4/IPv6 (with a port), host
 * names - before names, so a name inside a host name cannot break it. */
static const char *scan_addresses(struct arena *a, const char *cur, const char *const *keep, size_t nkeep,
				  struct sanitised_item **items, size_t *n)
{
	struct buf b = BUF_INIT;
	for (const char *p = cur; *p;) {
		bool start = isalnum((unsigned char)*p) && (p == cur || !(is_hostch(p[-1]) || p[-1] == '@' || p[-1] == ':'));
		if (!start) {
			buf_addc(&b, *p++);
			continue;
		}
		const char *e = p;
		while (*e && (is_hostch(*e) || *e == '@' || *e == ':' || *e == '_' || *e == '+'))
			e++;
		while (e > p && (e[-1] == '.' || e[-1] == ':' || e[-1] == '-'))
			e--; /* sentence punctuation */
		size_t len = (size_t)(e - p);
		const char *at = memchr(p, '@', len);
		const char *kind = NULL;
		if (at && at > p && hostname(at + 1, (size_t)(e - at - 1)))
			kind = "email";
		else if (!at && (ipv4(p, len) || ipv6(p, len)))
			kind = "ip";
		else if (!at && !memchr(p, ':', len) && hostname(p, len))
			kind = "host";
		else if (!at) {
			/* host:port or IPv4:port */
			const char *colon = memchr(p, ':', len);
			if (colon && (ipv4(p, (size_t)(colon - p)) || hostname(p, (size_t)(colon - p)))) {
				kind = ipv4(p, (size_t)(colon - p)) ? "ip" : "host";
				len = (size_t)(colon - p);
				e = colon;
			}
		}
		if (kind && kept(keep, nkeep, p, len)) {
			push_item(a, items, n, kind, p, len, placeholder(kind), true);
			buf_add(&b, p, len);
		} else if (kind) {
			push_item(a, items, n, kind, p, len, placeholder(kind), false);
			buf_adds(&b, placeholder(kind));
		} else {
			buf_add(&b, p, len);
		}
		p = e;
		if (len == 0)
			buf_addc(&b, *p++);
	}
	const char *res = arena_strdup(a, b.p ? b.p : "");
	buf_free(&b);
	return res;
}

/* sanitise_text with the strings the reviewer keeps: found and listed
 * (kept = true) but left in the text. */
static const char *sanitise_keep(struct arena *a, const char *text, const char *const *terms,
				 const char *const *kinds, size_t nterms, const char *const *keep, size_t nkeep,
				 struct sanitised_item **items, size_t *n)
{
	if (!text)
		return "";
	const char *cur = scan_addresses(a, text, keep, nkeep, items, n);
	/* Pass 2: known names, longest first so "X Rail (demo)" goes before
	 * "X Rail"; placeholders are never matched into. */
	size_t *order = arena_alloc(a, sizeof(size_t) * (nterms + 1));
	size_t m = 0;
	for (size_t i = 0; i < nterms; i++)
		if (terms[i] && strlen(terms[i]) >= 2)
			order[m++] = i;
	for (size_t i = 1; i < m; i++)
		for (size_t j = i; j > 0 && strlen(terms[order[j]]) > strlen(terms[order[j - 1]]); j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	struct buf b = BUF_INIT;
	for (size_t t = 0; t < m; t++) {
		const char *term = terms[order[t]];
		size_t tl = strlen(term);
		buf_reset(&b);
		for (const char *p = cur; *p;) {
			size_t pl = at_placeholder(p);
			if (pl) {
				buf_add(&b, p, pl);
				p += pl;
			} else if (match_at(p, term, tl) && !covers_placeholder(p, tl)) {
				bool keep_it = kept(keep, nkeep, p, tl);
				push_item(a, items, n, kinds[order[t]], p, tl, placeholder(kinds[order[t]]), keep_it);
				if (keep_it)
					buf_add(&b, p, tl);
				else
					buf_adds(&b, placeholder(kinds[order[t]]));
				p += tl;
			} else {
				buf_addc(&b, *p++);
			}
		}
		cur = arena_strdup(a, b.p ? b.p : "");
	}
	buf_free(&b);
	return cur;
}

const char *sanitise_text(struct arena *a, const char *text, const char *const *terms, const char *const *kinds,
			  size_t nterms, struct sanitised_item **items, size_t *n)
{
	return sanitise_keep(a, text, terms, kinds, nterms, NULL, 0, items, n);
}

/* A name, and the same without a trailing "(デモ)" / " (demo)" style
 * parenthesis, since people write names without it. */
static void add_name(struct arena *a, const char **terms, const char **kinds, size_t *nt, size_t cap,
		     const char *name, const char *kind)
{
	if (!name || !*name || *nt + 2 > cap)
		return;
	terms[*nt] = name;
	kinds[(*nt)++] = kind;
	const char *paren = strrchr(name, '(');
	const char *paren2 = strstr(name, "（");
	if (paren2 && (!paren || paren2 > paren))
		paren = paren2;
	if (paren && paren > name) {
		char *s = arena_strndup(a, name, (size_t)(paren - name));
		s = str_trim(s);
		if (strlen(s) >= 2) {
			terms[*nt] = s;
			kinds[(*nt)++] = kind;
		}
	}
	/* Each part of a person's name on its own ("佐藤 翔太" -> 佐藤, 翔太). */
	if (str_eq(kind, "person") && strchr(name, ' ')) {
		char *s = arena_strdup(a, name);
		for (char *tok = strtok(s, " "); tok && *nt < cap; tok = strtok(NULL, " "))
			if (utf8_len(tok, strlen(tok)) >= 2) {
				terms[*nt] = tok;
				kinds[(*nt)++] = kind;
			}
	}
}

/* The source of a lesson draft: the case, the identifying terms (the
 * reporter organisation's names and address, the names, logins and
 * addresses of its people and of everyone on the timeline) and the
 * unsanitised title and body. */
struct lesson_src {
	struct incident k;
	const char **terms, **kinds;
	size_t nt, cap;
	const char *title, *body;
};

static int lesson_source(struct ctx *c, const char *public_id, struct lesson_src *s)
{
	memset(s, 0, sizeof *s);
	int rc = incident_get(c, public_id, &s->k);
	if (rc)
		return rc;
	if (!acl_can_coordinate(c))
		return KR_EPERM;
	struct incident *k = &s->k;
	struct org o;
	if ((rc = org_get(c, k->reporter_org, &o)))
		return rc;
	/* Room for the extra terms of a review, too. */
	s->cap = 4096 + LESSON_EXTRA_MAX;
	s->terms = arena_alloc(c->a, sizeof(char *) * s->cap);
	s->kinds = arena_alloc(c->a, sizeof(char *) * s->cap);
	size_t cap = s->cap - LESSON_EXTRA_MAX;
	add_name(c->a, s->terms, s->kinds, &s->nt, cap, o.name_ja, "org");
	add_name(c->a, s->terms, s->kinds, &s->nt, cap, o.name_en, "org");
	add_name(c->a, s->terms, s->kinds, &s->nt, cap, o.slug, "org");
	add_name(c->a, s->terms, s->kinds, &s->nt, cap, o.contact_email, "email");
	struct db_stmt *st;
	if ((rc = db_prepare(c->db,
			     "SELECT display_name, login, email FROM people WHERE org_id = ?1 OR id IN"
			     " (SELECT actor_id FROM case_events WHERE case_id = ?2) ORDER BY id LIMIT 1000",
			     &st)))
		return rc;
	db_bind_int(st, 1, o.id);
	db_bind_int(st, 2, k->id);
	while ((rc = db_step(st)) == KR_ROW) {
		add_name(c->a, s->terms, s->kinds, &s->nt, cap, db_col_dup(st, 0, c->a), "person");
		add_name(c->a, s->terms, s->kinds, &s->nt, cap, db_col_dup(st, 1, c->a), "person");
		add_name(c->a, s->terms, s->kinds, &s->nt, cap, db_col_dup(st, 2, c->a), "email");
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* The draft: summary, impact, systems and the messages of the timeline. */
	struct buf b = BUF_INIT;
	buf_printf(&b, "## 概要 / Summary\n\n%s\n\n", k->description ? k->description : "");
	if (*k->impact)
		buf_printf(&b, "## サービスへの影響 / Impact\n\n%s\n\n", k->impact);
	if (*k->affected_systems)
		buf_printf(&b, "## 影響を受けたシステム / Affected systems\n\n%s\n\n", k->affected_systems);
	buf_printf(&b, "## 分類 / Class\n\n%s\n\n## 経過 / Course of events\n\n", class_label(k->klass));
	struct incident_event *ev;
	size_t ne;
	if ((rc = incident_timeline(c, public_id, &ev, &ne))) {
		buf_free(&b);
		return rc;
	}
	for (size_t i = 0; i < ne; i++) {
		if (str_eq(ev[i].kind, "state"))
			buf_printf(&b, "- %s %s\n", when(c->a, ev[i].created_at), ev[i].detail);
		else if ((str_eq(ev[i].kind, "message") || str_eq(ev[i].kind, "support_answer")) && *ev[i].body)
			buf_printf(&b, "- %s %s\n", when(c->a, ev[i].created_at), ev[i].body);
	}
	s->title = arena_printf(c->a, "【事例】%s", k->title);
	s->body = arena_strdup(c->a, b.p ? b.p : "");
	buf_free(&b);
	return KR_OK;
}

int incident_sanitised_draft(struct ctx *c, const char *public_id, struct sanitised_draft *out)
{
	memset(out, 0, sizeof *out);
	struct lesson_src s;
	int rc = lesson_source(c, public_id, &s);
	if (rc)
		return rc;
	out->title = sanitise_text(c->a, s.title, s.terms, s.kinds, s.nt, &out->removed, &out->n_removed);
	out->body = sanitise_text(c->a, s.body, s.terms, s.kinds, s.nt, &out->removed, &out->n_removed);
	return KR_OK;
}

/* Check the reviewer's choices and add the extra terms to the source. */
static int review_terms(struct ctx *c, struct lesson_src *s, const char *const *keep, size_t nkeep,
			const char *const *extra, size_t nextra, const char **bad)
{
	if (nkeep > LESSON_KEEP_MAX)
		return *bad = "keep", KR_EINVAL;
	for (size_t i = 0; i < nkeep; i++)
		if (!valid_line(keep[i], 1, 1000))
			return *bad = "keep", KR_EINVAL;
	if (nextra > LESSON_EXTRA_MAX)
		return *bad = "extra", KR_EINVAL;
	for (size_t i = 0; i < nextra; i++) {
		if (!valid_line(extra[i], 1, 200) || strlen(extra[i]) < 2)
			return *bad = "extra", KR_EINVAL;
		s->terms[s->nt] = arena_strdup(c->a, extra[i]);
		s->kinds[s->nt++] = "term";
	}
	return KR_OK;
}

int incident_lesson_review(struct ctx *c, const char *public_id, const char *const *keep, size_t nkeep,
			   const char *const *extra, size_t nextra, struct lesson_review *out)
{
	memset(out, 0, sizeof *out);
	struct lesson_src s;
	const char *bad;
	int rc = lesson_source(c, public_id, &s);
	if (rc == KR_OK)
		rc = review_terms(c, &s, keep, nkeep, extra, nextra, &bad);
	if (rc)
		return rc;
	out->orig_title = s.title;
	out->orig_body = s.body;
	out->title = sanitise_keep(c->a, s.title, s.terms, s.kinds, s.nt, keep, nkeep, &out->found, &out->n_found);
	out->body = sanitise_keep(c->a, s.body, s.terms, s.kinds, s.nt, keep, nkeep, &out->found, &out->n_found);
	return KR_OK;
}

/* Is needle (ASCII case ignored) anywhere in hay? */
static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; n && *p; p++)
		if (match_at(p, needle, n))
			return true;
	return false;
}

int incident_lesson_publish(struct ctx *c, const char *public_id, const struct lesson_input *in,
			    const char **topic_id, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	*topic_id = NULL;
	struct lesson_src s;
	int rc = lesson_source(c, public_id, &s);
	if (rc == KR_OK)
		rc = review_terms(c, &s, in->keep, in->nkeep, in->extra, in->nextra, bad);
	if (rc)
		return rc;
	/* What the rules strip from the case's own text... */
	struct sanitised_item *found = NULL;
	size_t nf = 0;
	sanitise_keep(c->a, s.title, s.terms, s.kinds, s.nt, in->keep, in->nkeep, &found, &nf);
	sanitise_keep(c->a, s.body, s.terms, s.kinds, s.nt, in->keep, in->nkeep, &found, &nf);
	/* ...is stripped from the edited text too, and so is anything of the
	 * same shape the reviewer typed in. */
	struct topic_input ti;
	memset(&ti, 0, sizeof ti);
	ti.community = in->community;
	ti.title = sanitise_keep(c->a, in->title ? in->title : "", s.terms, s.kinds, s.nt, in->keep, in->nkeep,
				 &found, &nf);
	ti.body = sanitise_keep(c->a, in->body ? in->body : "", s.terms, s.kinds, s.nt, in->keep, in->nkeep, &found,
				&nf);
	ti.category = "incident";
	ti.audience = "professional";
	ti.scope = "community";
	ti.tlp = in->tlp;
	/* The promise of the review: no stripped string is published (one
	 * inside a string the reviewer kept is the reviewer's choice). */
	for (size_t i = 0; i < nf; i++) {
		if (found[i].kept)
			continue;
		bool inside_kept = false;
		for (size_t j = 0; j < in->nkeep && !inside_kept; j++)
			inside_kept = contains(in->keep[j], found[i].original);
		if (!inside_kept && (contains(ti.title, found[i].original) || contains(ti.body, found[i].original)))
			return *bad = contains(ti.title, found[i].original) ? "title" : "body", KR_EINVAL;
	}
	if ((rc = tx_begin(c)))
		return rc;
	const char *tid = NULL;
	rc = topic_create(c, &ti, &tid, bad);
	struct db_stmt *st;
	if (rc == KR_OK)
		rc = db_prepare(c->db, "INSERT INTO case_events (case_id, kind, actor_id, actor_org_id, detail,"
				       " created_at) VALUES (?1, 'lesson', ?2, ?3, ?4, ?5)", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, s.k.id);
		db_bind_int(st, 2, c->who.person_id);
		db_bind_int(st, 3, c->who.org_id);
		db_bind_text(st, 4, tid);
		db_bind_int(st, 5, c->now);
		rc = run_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "incident.lesson", "case", s.k.public_id, c->who.org_id,
			   arena_printf(c->a, "topic %s, %zu strings stripped", tid, nf));
	rc = tx_end(c, rc);
	if (rc == KR_OK)
		*topic_id = tid;
	return rc;
}
