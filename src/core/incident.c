/* incident.c - cases of the consultation desk (R9): reporting once to
 * everyone who must know, triage, the timeline, support requests to
 * security agencies, response-time targets, measures and notifications.
 * Upward reports and sanitised drafts are in incident_upward.c.
 *
 * Visibility of one case is acl_case_visible(); lists and counts use
 * ACL_CASE_PRED.  Hidden == missing on every path. */
#include "core/incident.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/common.h"
#include "core/mail.h"
#include "core/org.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "store/db.h"
#include "web/i18n.h"

const char *const incident_kinds[] = {"report_incident", "suspected", "support_request", "question"};
const size_t incident_nkinds = KR_ARRAY_LEN(incident_kinds);
const char *const incident_states[] = {"new", "triaged", "coordinating", "supporting",
				       "monitoring", "resolved", "closed"};
const size_t incident_nstates = KR_ARRAY_LEN(incident_states);
const char *const incident_classes[] = {"outage", "cloud_outage", "heavy_traffic", "ddos", "defacement",
					"malware", "leak", "phishing", "unauthorized_access", "consultation",
					"other"};
const size_t incident_nclasses = KR_ARRAY_LEN(incident_classes);
const char *const incident_priorities[] = {"p1", "p2", "p3", "p4"};
const size_t incident_npriorities = KR_ARRAY_LEN(incident_priorities);
const char *const support_kinds[] = {"advice", "investigation", "malware_analysis", "takedown", "onsite"};
const size_t support_nkinds = KR_ARRAY_LEN(support_kinds);

bool incident_in(const char *const *set, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(set[i], s))
			return true;
	return false;
}

static bool working(const char *s)
{
	return str_eq(s, "triaged") || str_eq(s, "coordinating") || str_eq(s, "supporting") ||
	       str_eq(s, "monitoring");
}

bool incident_transition_ok(const char *from, const char *to)
{
	if (!incident_in(incident_states, incident_nstates, from) ||
	    !incident_in(incident_states, incident_nstates, to) || str_eq(from, to) || str_eq(to, "new"))
		return false;
	if (str_eq(from, "new"))
		return str_eq(to, "triaged") || str_eq(to, "closed");
	if (working(from))
		return working(to) || str_eq(to, "resolved") || str_eq(to, "closed");
	if (str_eq(from, "resolved"))
		return str_eq(to, "closed") || str_eq(to, "triaged");
	return str_eq(to, "triaged"); /* closed: reopen only */
}

/* ---- time parsing ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int incident_parse_time(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec = 0;
	if (!s || strlen(s) < 16 || strlen(s) > 40)
		return KR_EINVAL;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi))
		return KR_EINVAL;
	const char *p = s + 16;
	int ms = 0;
	if (*p == ':') {
		if (!digits(p + 1, 2, &sec))
			return KR_EINVAL;
		p += 3;
		if (*p == '.') {
			p++;
			int k = 0;
			while (*p >= '0' && *p <= '9') {
				if (k < 3)
					ms = ms * 10 + (*p - '0');
				k++;
				p++;
			}
			if (!k)
				return KR_EINVAL;
			for (; k < 3; k++)
				ms *= 10;
		}
	}
	int off = 540; /* no zone: Asia/Tokyo */
	if (*p == 'Z' || *p == 'z') {
		off = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 14 || om > 59)
			return KR_EINVAL;
		off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	} else if (s[10] == 'T' && *p) {
		return KR_EINVAL;
	}
	if (*p || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
		return KR_EINVAL;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return KR_EINVAL;
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	*out = ((days * 86400 + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec)) - (int64_t)off * 60) * 1000 + ms;
	return KR_OK;
}

/* ---- small helpers ---- */

static int64_t one_int(struct db_stmt *st, int *rc)
{
	int64_t v = 0;
	*rc = db_step(st);
	if (*rc == KR_ROW) {
		v = db_col_int(st, 0);
		*rc = KR_OK;
	} else if (*rc == KR_DONE) {
		*rc = KR_ENOTFOUND;
	}
	db_done(st);
	return v;
}

static int run_done(struct db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc == KR_DONE ? KR_OK : (rc < 0 ? rc : KR_EDB);
}

/* Case id by public id in the viewer's space, visible or not. */
static int case_id_of(struct ctx *c, const char *public_id, int64_t *id)
{
	if (!public_id || strlen(public_id) != 15 || public_id[0] != 'C')
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT id FROM cases WHERE space = ?1 AND public_id = ?2", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_text(st, 2, public_id);
	*id = one_int(st, &rc);
	return rc;
}

/* Resolve a public id to a visible case id (hidden == missing). */
static int visible_case(struct ctx *c, const char *public_id, int64_t *id)
{
	int rc = case_id_of(c, public_id, id);
	if (rc)
		return rc;
	return acl_case_visible(c, *id);
}

/* Re-index one case for keyword search (incident_fts; contract in
 * store/fts.h): its title, and as body its description, impact, affected
 * systems and every timeline text (messages, support notes and answers,
 * state notes, file names) - what everyone who sees the case reads on its
 * page, so a hit never shows more than the case does.  Runs inside the
 * caller's transaction. */
static int case_reindex(struct ctx *c, int64_t id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT title, description, impact, affected_systems, reporter_org_id FROM cases"
				   " WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	const char *title = NULL;
	struct buf body = BUF_INIT, scope = BUF_INIT;
	if ((rc = db_step(st)) == KR_ROW) {
		title = db_col_dup(st, 0, c->a);
		for (int i = 1; i <= 3; i++) {
			buf_adds(&body, db_col_text(st, i));
			buf_addc(&body, '\n');
		}
		/* Whose case it is, as tokens the search prefilter matches
		 * (bind_filter); the acl still decides every hit. */
		buf_printf(&scope, "ko%lld", (long long)db_col_int(st, 4));
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	if (rc == KR_OK && (rc = db_prepare(c->db, "SELECT org_id FROM case_recipients WHERE case_id = ?1 ORDER BY org_id",
					    &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		int step;
		while ((step = db_step(st)) == KR_ROW)
			buf_printf(&scope, " ko%lld", (long long)db_col_int(st, 0));
		db_done(st);
		if (step < 0)
			rc = step;
	}
	if (rc == KR_OK && (rc = db_prepare(c->db, "SELECT body FROM case_events WHERE case_id = ?1 AND body <> ''"
						   " ORDER BY id", &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		int step;
		while ((step = db_step(st)) == KR_ROW) {
			buf_adds(&body, db_col_text(st, 0));
			buf_addc(&body, '\n');
		}
		db_done(st);
		if (step < 0)
			rc = step;
	}
	if (rc == KR_OK && (rc = db_prepare(c->db, "DELETE FROM incident_fts WHERE rowid = ?1", &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		rc = run_done(st);
	}
	if (rc == KR_OK &&
	    (rc = db_prepare(c->db, "INSERT INTO incident_fts (rowid, title, body, scope) VALUES (?1, ?2, ?3, ?4)",
			     &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, db_fts_doc(c->db, c->a, title));
		db_bind_text(st, 3, db_fts_doc(c->db, c->a, body.p ? body.p : ""));
		db_bind_text(st, 4, db_fts_doc(c->db, c->a, scope.p ? scope.p : ""));
		rc = run_done(st);
	}
	buf_free(&body);
	buf_free(&scope);
	return rc;
}

int incident_reindex_all(struct ctx *c, int64_t *n)
{
	*n = 0;
	if (!c->who.system)
		return KR_EPERM;
	int64_t after = 0;
	for (;;) {
		/* Batches of ids, each batch one transaction. */
		int64_t ids[500];
		size_t k = 0;
		struct db_stmt *st;
		int rc = db_prepare(c->db, "SELECT id FROM cases WHERE id > ?1 ORDER BY id LIMIT 500", &st);
		if (rc)
			return rc;
		db_bind_int(st, 1, after);
		int step;
		while (k < 500 && (step = db_step(st)) == KR_ROW)
			ids[k++] = db_col_int(st, 0);
		db_done(st);
		if (!k)
			return step < 0 ? step : KR_OK;
		if ((rc = tx_begin(c)))
			return rc;
		for (size_t i = 0; rc == KR_OK && i < k; i++)
			rc = case_reindex(c, ids[i]);
		if ((rc = tx_end(c, rc)))
			return rc;
		*n += (int64_t)k;
		after = ids[k - 1];
	}
}

static int add_event(struct ctx *c, int64_t case_id, const char *kind, const char *body, const char *detail,
		     int64_t *id_out)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO case_events (case_id, kind, actor_id, actor_org_id, body, detail, created_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, case_id);
	db_bind_text(st, 2, kind);
	if (c->who.person_id > 0) {
		db_bind_int(st, 3, c->who.person_id);
		db_bind_int(st, 4, c->who.org_id);
	} else {
		db_bind_null(st, 3);
		db_bind_null(st, 4);
	}
	db_bind_text(st, 5, body ? body : "");
	db_bind_text(st, 6, detail ? detail : "");
	db_bind_int(st, 7, c->now);
	int64_t id = one_int(st, &rc);
	if (rc == KR_OK && id_out)
		*id_out = id;
	/* The report (title, description) and every text on the timeline
	 * are searchable from the moment they are written; a support request
	 * adds a recipient (the agency), which the index's scope names. */
	if (rc == KR_OK && (str_eq(kind, "report") || str_eq(kind, "support_request") || (body && *body)))
		rc = case_reindex(c, case_id);
	return rc;
}

static int touch(struct ctx *c, int64_t case_id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "UPDATE cases SET updated_at = ?2 WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, case_id);
	db_bind_int(st, 2, c->now);
	return run_done(st);
}

int incident_targets(struct ctx *c, const char *priority, int64_t *triage_ms, int64_t *resolve_ms)
{
	static const int64_t defaults[][2] = {
		{30LL * 60000, 4LL * 3600000}, {3600000LL, 24LL * 3600000},
		{4LL * 3600000, 72LL * 3600000}, {24LL * 3600000, 7LL * 86400000},
	};
	size_t i = 0;
	while (i < incident_npriorities && !str_eq(incident_priorities[i], priority))
		i++;
	if (i == incident_npriorities)
		return KR_EINVAL;
	*triage_ms = defaults[i][0];
	*resolve_ms = defaults[i][1];
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT triage_ms, resolve_ms FROM case_targets WHERE priority = ?1", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, priority);
	rc = db_step(st);
	if (rc == KR_ROW) {
		*triage_ms = db_col_int(st, 0);
		*resolve_ms = db_col_int(st, 1);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int incident_set_targets(struct ctx *c, const char *priority, int64_t triage_ms, int64_t resolve_ms)
{
	if (!acl_can_coordinate(c))
		return KR_EPERM;
	if (!incident_in(incident_priorities, incident_npriorities, priority) || triage_ms <= 0 ||
	    resolve_ms < triage_ms || resolve_ms > 365LL * 86400000)
		return KR_EINVAL;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"INSERT INTO case_targets (priority, triage_ms, resolve_ms) VALUES (?1, ?2, ?3)"
			" ON CONFLICT (priority) DO UPDATE SET triage_ms = ?2, resolve_ms = ?3",
			&st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, priority);
		db_bind_int(st, 2, triage_ms);
		db_bind_int(st, 3, resolve_ms);
		rc = run_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "incident.targets", "priority", priority, 0,
			   arena_printf(c->a, "%lld/%lld", (long long)triage_ms, (long long)resolve_ms));
	return tx_end(c, rc);
}

/* Schedule the escalation check for a deadline. */
static int schedule_due(struct ctx *c, int64_t case_id, int64_t due)
{
	return job_enqueue(c, "incident_due", arena_printf(c->a, "%lld", (long long)case_id), due);
}

/* ---- notifications ---- */

/* Tell the people who may see a case (except the actor), in-app and by
 * mail.  The mail of a RED/AMBER case carries only its label and a link;
 * only_coordinators narrows to coordinators (escalations). */
static int notify_case(struct ctx *c, int64_t case_id, const char *kind, bool only_coordinators)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT public_id, title, tlp FROM cases WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, case_id);
	rc = db_step(st);
	if (rc != KR_ROW) {
		db_done(st);
		return rc == KR_DONE ? KR_ENOTFOUND : rc;
	}
	const char *pid = db_col_dup(st, 0, c->a), *title = db_col_dup(st, 1, c->a);
	enum tlp tlp;
	if (tlp_parse(db_col_text(st, 2), &tlp))
		tlp = TLP_RED;
	db_done(st);
	rc = db_prepare(c->db,
			"SELECT p.id, p.email, p.locale, COALESCE(ns.mail_important, 1) FROM cases k"
			" JOIN people p ON p.status = 'active' LEFT JOIN notify_settings ns ON ns.person_id = p.id"
			" WHERE k.id = ?2 AND p.id <> ?3 AND (CAST(?4 AS BIGINT) = 0 OR p.role IN ('coordinator', 'admin'))"
			" AND " ACL_CASE_RECIPIENT_PRED " ORDER BY p.id LIMIT 5000",
			&st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_int(st, 2, case_id);
	db_bind_int(st, 3, c->who.person_id > 0 ? c->who.person_id : 0);
	db_bind_int(st, 4, only_coordinators ? 1 : 0);
	struct rcpt {
		int64_t id;
		const char *email, *locale;
		bool mail;
	} *r = arena_alloc(c->a, sizeof(*r) * 5000);
	size_t n = 0;
	while ((rc = db_step(st)) == KR_ROW && n < 5000) {
		r[n].id = db_col_int(st, 0);
		r[n].email = db_col_dup(st, 1, c->a);
		r[n].locale = db_col_dup(st, 2, c->a);
		r[n].mail = db_col_int(st, 3) != 0;
		n++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	const char *skey = arena_printf(c->a, "mail.subject.%s", kind), *bkey = arena_printf(c->a, "mail.body.%s", kind);
	for (size_t i = 0; i < n; i++) {
		if ((rc = db_prepare(c->db, "INSERT INTO notifications (person_id, kind, case_id, created_at)"
					    " VALUES (?1, ?2, ?3, ?4)", &st)))
			return rc;
		db_bind_int(st, 1, r[i].id);
		db_bind_text(st, 2, kind);
		db_bind_int(st, 3, case_id);
		db_bind_int(st, 4, c->now);
		if ((rc = run_done(st)))
			return rc;
		if (!r[i].mail)
			continue;
		const char *lang = r[i].locale;
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s\n\n", tr(lang, bkey));
		const char *subject;
		if (tlp_restricted(tlp)) {
			buf_printf(&b, "[%s] %s\n%s/incidents/%s\n", tlp_label(tlp), tr(lang, "mail.restricted_incident"),
				   mail_base_url(), pid);
			subject = arena_printf(c->a, "[Kairan] %s %s (%s)", tr(lang, skey), pid, tlp_label(tlp));
		} else {
			buf_printf(&b, "%s\n[%s]\n%s/incidents/%s\n", title, tlp_label(tlp), mail_base_url(), pid);
			subject = arena_printf(c->a, "[Kairan] %s %s: %s", tr(lang, skey), pid, title);
		}
		buf_printf(&b, "\n-- \n%s\n%s/account\n", tr(lang, "mail.footer"), mail_base_url());
		rc = mail_queue(c, r[i].email, subject, b.p);
		buf_free(&b);
		if (rc == KR_EINVAL)
			rc = KR_OK; /* an unusable address must not block the case */
		if (rc)
			return rc;
	}
	return KR_OK;
}

/* ---- attachments ---- */

static const char *clean_filename(struct arena *a, const char *name)
{
	if (!name || !*name || !utf8_valid(name, strlen(name)))
		return NULL;
	const char *base = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	char *s = arena_strdup(a, base);
	size_t w = 0;
	for (size_t i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f || ch == '"')
			continue;
		s[w++] = s[i];
	}
	s[w] = 0;
	s = str_trim(s);
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || utf8_len(s, strlen(s)) > 200)
		return NULL;
	return s;
}

static const char *clean_ctype(const char *ct)
{
	if (!ct || strlen(ct) > 100)
		return "application/octet-stream";
	const char *slash = strchr(ct, '/');
	if (!slash || slash == ct || !slash[1])
		return "application/octet-stream";
	for (const char *p = ct; *p && *p != ';'; p++)
		if (!(isalnum((unsigned char)*p) || strchr("/.+-_", *p)))
			return "application/octet-stream";
	return ct;
}

static int check_file(struct ctx *c, const char *filename, size_t len, const char **fn, const char **bad)
{
	if (!(*fn = clean_filename(c->a, filename)))
		return *bad = "filename", KR_EINVAL;
	if (len == 0)
		return *bad = "file", KR_EINVAL;
	if (len > ATTACHMENT_MAX)
		return *bad = "file", KR_ETOOBIG;
	return KR_OK;
}

/* Store a file (inside the caller's transaction). */
static int store_file(struct ctx *c, int64_t case_id, const char *fn, const char *ctype, const void *data,
		      size_t len, const char **att_id)
{
	char sha[65];
	sha256_hex(data, len, sha);
	const char *pid = rand_token(c->a, 16);
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO case_attachments (public_id, case_id, filename, ctype, size, sha256, data,"
			    " uploaded_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, pid);
	db_bind_int(st, 2, case_id);
	db_bind_text(st, 3, fn);
	db_bind_text(st, 4, clean_ctype(ctype));
	db_bind_int(st, 5, (int64_t)len);
	db_bind_text(st, 6, sha);
	db_bind_blob(st, 7, data, len);
	db_bind_int(st, 8, c->who.person_id);
	db_bind_int(st, 9, c->now);
	if ((rc = run_done(st)))
		return rc;
	if ((rc = add_event(c, case_id, "file", fn, sha, NULL)))
		return rc;
	*att_id = pid;
	return KR_OK;
}

int incident_attach(struct ctx *c, const char *public_id, const char *filename, const char *ctype,
		    const void *data, size_t len, const char **att_id, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	*att_id = NULL;
	int64_t id;
	int rc = visible_case(c, public_id, &id);
	if (rc)
		return rc;
	const char *fn;
	if ((rc = check_file(c, filename, len, &fn, bad)))
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	const char *pid = NULL;
	rc = store_file(c, id, fn, ctype, data, len, &pid);
	if (rc == KR_OK)
		rc = touch(c, id);
	if (rc == KR_OK)
		rc = audit(c, "incident.file", "incident", public_id, c->who.org_id, fn);
	rc = tx_end(c, rc);
	if (rc == KR_OK)
		*att_id = pid;
	return rc;
}

int incident_attachments(struct ctx *c, const char *public_id, struct attachment **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int64_t id;
	int rc = visible_case(c, public_id, &id);
	if (rc)
		return rc;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db,
			     "SELECT public_id, filename, ctype, sha256, size, created_at, 0 FROM case_attachments"
			     " WHERE case_id = ?1 ORDER BY created_at, id LIMIT 500",
			     &st)))
		return rc;
	db_bind_int(st, 1, id);
	return attachment_rows(c, st, out, n);
}

int incident_attachment_get(struct ctx *c, const char *att_id, struct attachment *out)
{
	memset(out, 0, sizeof *out);
	if (!att_id || strlen(att_id) > 64)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT id, case_id FROM case_attachments WHERE public_id = ?1", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, att_id);
	rc = db_step(st);
	int64_t aid = 0, kid = 0;
	if (rc == KR_ROW) {
		aid = db_col_int(st, 0);
		kid = db_col_int(st, 1);
	}
	db_done(st);
	if (!aid)
		return rc < 0 ? rc : KR_ENOTFOUND;
	/* Decide visibility before reading a byte of the file. */
	if ((rc = acl_case_visible(c, kid)))
		return rc;
	if ((rc = db_prepare(c->db, "SELECT filename, ctype, sha256, size, created_at, data FROM case_attachments"
				    " WHERE id = ?1", &st)))
		return rc;
	db_bind_int(st, 1, aid);
	rc = db_step(st);
	if (rc == KR_ROW) {
		out->public_id = arena_strdup(c->a, att_id);
		out->filename = db_col_dup(st, 0, c->a);
		out->ctype = db_col_dup(st, 1, c->a);
		out->sha256 = db_col_dup(st, 2, c->a);
		out->size = db_col_int(st, 3);
		out->created_at = db_col_int(st, 4);
		out->data = arena_memdup(c->a, db_col_blob(st, 5), db_col_len(st, 5));
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

/* ---- report ---- */

static int next_public_id(struct ctx *c, const char **out)
{
	char day[20];
	time_format(c->now, 540, day, sizeof day);
	char ymd[9] = {day[0], day[1], day[2], day[3], day[5], day[6], day[8], day[9], 0};
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO counters (name, value) VALUES (?1, 1)"
			    " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, arena_printf(c->a, "case:%lld:%s", (long long)c->space, ymd));
	int64_t n = one_int(st, &rc);
	if (rc)
		return rc;
	if (n > 9999)
		return KR_ECONFLICT;
	*out = arena_printf(c->a, "C-%s-%04lld", ymd, (long long)n);
	return KR_OK;
}

static int add_recipient(struct ctx *c, int64_t case_id, int64_t org_id, const char *via)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "INSERT INTO case_recipients (case_id, org_id, via, added_at)"
				   " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, case_id);
	db_bind_int(st, 2, org_id);
	db_bind_text(st, 3, via);
	db_bind_int(st, 4, c->now);
	return run_done(st);
}

int incident_report(struct ctx *c, const struct incident_input *in, const char **public_id, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	*public_id = NULL;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (!incident_in(incident_kinds, incident_nkinds, in->kind))
		return *bad = "kind", KR_EINVAL;
	if (!valid_line(in->title, 1, INCIDENT_TITLE_MAX))
		return *bad = "title", KR_EINVAL;
	if (!valid_text(in->description, INCIDENT_TEXT_MAX))
		return *bad = "description", KR_EINVAL;
	enum tlp tlp;
	if (tlp_parse(in->tlp, &tlp))
		return *bad = "tlp", KR_EINVAL;
	if (!valid_text(in->impact, INCIDENT_FIELD_MAX))
		return *bad = "impact", KR_EINVAL;
	if (!valid_text(in->affected_systems, INCIDENT_FIELD_MAX))
		return *bad = "affected_systems", KR_EINVAL;
	/* A start time may be a little ahead of our clock, never the future. */
	if (in->started_at < 0 || in->started_at > c->now + 5 * 60000 ||
	    (in->started_at > 0 && in->started_at < 946684800000LL))
		return *bad = "started_at", KR_EINVAL;
	if (in->n_recipients > INCIDENT_RECIPIENTS_MAX)
		return *bad = "recipients", KR_EINVAL;
	struct org cc;
	int rc = org_get(c, "cc", &cc);
	if (rc)
		return rc == KR_ENOTFOUND ? KR_EINVAL : rc;
	int64_t *rid = arena_alloc(c->a, sizeof(int64_t) * (in->n_recipients + 1));
	for (size_t i = 0; i < in->n_recipients; i++) {
		struct org o;
		if (!in->recipients[i] || org_get(c, in->recipients[i], &o) || !str_eq(o.status, "active") ||
		    o.id == c->who.org_id)
			return *bad = "recipients", KR_EINVAL;
		rid[i] = o.id;
		for (size_t j = 0; j < i; j++)
			if (rid[j] == o.id)
				return *bad = "recipients", KR_EINVAL;
	}
	const char *fn = NULL;
	if (in->filename && (rc = check_file(c, in->filename, in->len, &fn, bad)))
		return rc;
	int64_t triage_ms, resolve_ms;
	if ((rc = incident_targets(c, "p3", &triage_ms, &resolve_ms)))
		return rc;

	if ((rc = tx_begin(c)))
		return rc;
	const char *pid = NULL;
	int64_t id = 0;
	struct db_stmt *st = NULL;
	rc = next_public_id(c, &pid);
	if (rc == KR_OK)
		rc = db_prepare(c->db,
				"INSERT INTO cases (space, public_id, kind, reporter_id, reporter_org_id, title, description,"
				" tlp, impact, started_at, affected_systems, class, created_at, updated_at, due_at)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14) RETURNING id",
				&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->space);
		db_bind_text(st, 2, pid);
		db_bind_text(st, 3, in->kind);
		db_bind_int(st, 4, c->who.person_id);
		db_bind_int(st, 5, c->who.org_id);
		db_bind_text(st, 6, in->title);
		db_bind_text(st, 7, in->description ? in->description : "");
		db_bind_text(st, 8, tlp_name(tlp));
		db_bind_text(st, 9, in->impact ? in->impact : "");
		if (in->started_at > 0)
			db_bind_int(st, 10, in->started_at);
		else
			db_bind_null(st, 10);
		db_bind_text(st, 11, in->affected_systems ? in->affected_systems : "");
		/* Questions and support requests start as consultations. */
		db_bind_text(st, 12, str_eq(in->kind, "question") || str_eq(in->kind, "support_request")
					     ? "consultation" : "other");
		db_bind_int(st, 13, c->now);
		db_bind_int(st, 14, c->now + triage_ms);
		id = one_int(st, &rc);
	}
	if (rc == KR_OK && cc.id != c->who.org_id)
		rc = add_recipient(c, id, cc.id, "cc");
	for (size_t i = 0; rc == KR_OK && i < in->n_recipients; i++)
		rc = add_recipient(c, id, rid[i], rid[i] == cc.id ? "cc" : "designated");
	if (rc == KR_OK)
		rc = add_event(c, id, "report", NULL, arena_printf(c->a, "%s %s", in->kind, tlp_label(tlp)), NULL);
	const char *att = NULL;
	if (rc == KR_OK && fn)
		rc = store_file(c, id, fn, in->ctype, in->data, in->len, &att);
	if (rc == KR_OK)
		rc = audit(c, "incident.report", "incident", pid, c->who.org_id, tlp_label(tlp));
	if (rc == KR_OK)
		rc = schedule_due(c, id, c->now + triage_ms);
	if (rc == KR_OK)
		rc = notify_case(c, id, "incident_new", false);
	rc = tx_end(c, rc);
	if (rc == KR_OK)
		*public_id = pid;
	return rc;
}

/* ---- read ---- */

#define CASE_COLS \
	"k.id, k.public_id, k.kind, k.title, k.tlp, k.state, k.priority, k.class, k.assignee_team," \
	" k.affects_event, k.public_visibility, p.login, p.display_name, o.slug, o.name_ja, o.name_en," \
	" k.started_at, k.created_at, k.updated_at, k.triaged_at, k.first_support_at, k.resolved_at," \
	" k.closed_at, k.due_at, k.impact, k.affected_systems"
#define CASE_FROM " FROM cases k JOIN people p ON p.id = k.reporter_id JOIN orgs o ON o.id = k.reporter_org_id"

static bool is_open(const char *state) { return !str_eq(state, "resolved") && !str_eq(state, "closed"); }

static void case_row(struct ctx *c, struct db_stmt *st, struct incident *k)
{
	struct arena *a = c->a;
	k->id = db_col_int(st, 0);
	k->public_id = db_col_dup(st, 1, a);
	k->kind = db_col_dup(st, 2, a);
	k->title = db_col_dup(st, 3, a);
	if (tlp_parse(db_col_text(st, 4), &k->tlp))
		k->tlp = TLP_RED;
	k->state = db_col_dup(st, 5, a);
	k->priority = db_col_dup(st, 6, a);
	k->klass = db_col_dup(st, 7, a);
	k->assignee_team = db_col_dup(st, 8, a);
	k->affects_event = db_col_int(st, 9) != 0;
	k->public_visibility = db_col_int(st, 10) != 0;
	k->reporter = db_col_dup(st, 11, a);
	k->reporter_name = db_col_dup(st, 12, a);
	k->reporter_org = db_col_dup(st, 13, a);
	k->reporter_org_name_ja = db_col_dup(st, 14, a);
	k->reporter_org_name_en = db_col_dup(st, 15, a);
	k->started_at = db_col_int(st, 16);
	k->created_at = db_col_int(st, 17);
	k->updated_at = db_col_int(st, 18);
	k->triaged_at = db_col_int(st, 19);
	k->first_support_at = db_col_int(st, 20);
	k->resolved_at = db_col_int(st, 21);
	k->closed_at = db_col_int(st, 22);
	k->due_at = db_col_int(st, 23);
	k->impact = db_col_dup(st, 24, a);
	k->affected_systems = db_col_dup(st, 25, a);
	k->overdue = is_open(k->state) && k->due_at > 0 && c->now > k->due_at;
	k->time_to_triage = k->triaged_at ? k->triaged_at - k->created_at : -1;
	k->time_to_first_support = k->first_support_at ? k->first_support_at - k->created_at : -1;
	k->time_to_resolve = k->resolved_at ? k->resolved_at - k->created_at : -1;
}

int incident_get(struct ctx *c, const char *public_id, struct incident *out)
{
	memset(out, 0, sizeof *out);
	int64_t id;
	int rc = visible_case(c, public_id, &id);
	if (rc)
		return rc;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db, "SELECT " CASE_COLS ", k.description" CASE_FROM " WHERE k.id = ?1", &st)))
		return rc;
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc == KR_ROW) {
		case_row(c, st, out);
		out->description = db_col_dup(st, 26, c->a);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	if (rc)
		return rc;
	if ((rc = db_prepare(c->db,
			     "SELECT o.slug, o.name_ja, o.name_en, r.via FROM case_recipients r JOIN orgs o ON o.id = r.org_id"
			     " WHERE r.case_id = ?1 ORDER BY r.added_at, o.slug LIMIT 200",
			     &st)))
		return rc;
	db_bind_int(st, 1, id);
	out->recipients = arena_alloc(c->a, sizeof(*out->recipients) * 200);
	while ((rc = db_step(st)) == KR_ROW && out->n_recipients < 200) {
		struct incident_recipient *x = &out->recipients[out->n_recipients++];
		x->org = db_col_dup(st, 0, c->a);
		x->name_ja = db_col_dup(st, 1, c->a);
		x->name_en = db_col_dup(st, 2, c->a);
		x->via = db_col_dup(st, 3, c->a);
	}
	db_done(st);
	out->can_coordinate = acl_can_coordinate(c);
	return rc < 0 ? rc : KR_OK;
}

/* The filter shared by the list, its count and the board: ?1-?3 viewer,
 * ?4 state, ?5 class, ?6 priority, ?7 kind, ?8 reporter org id, ?9 text
 * (FTS match), ?10 affects_event, ?11 public_visibility (0 any, 1 set,
 * 2 clear), ?12 overdue only, ?13 now.  The text is the engine's match
 * text over incident_fts (db_fts_query_within the viewer's organisation,
 * see bind_filter): the hits of the words, then cut down by the acl like
 * every other row, so a hidden case is never a hit and never counted. */
#define CASE_FILTER \
	" WHERE " ACL_CASE_PRED \
	" AND (CAST(?4 AS TEXT) IS NULL OR k.state = ?4)" \
	" AND (CAST(?5 AS TEXT) IS NULL OR k.class = ?5)" \
	" AND (CAST(?6 AS TEXT) IS NULL OR k.priority = ?6)" \
	" AND (CAST(?7 AS TEXT) IS NULL OR k.kind = ?7)" \
	" AND (CAST(?8 AS BIGINT) = 0 OR k.reporter_org_id = ?8)" \
	" AND (CAST(?9 AS TEXT) IS NULL OR k.id IN (SELECT incident_fts.rowid FROM incident_fts" \
	" WHERE incident_fts MATCH ?9))" \
	" AND (CAST(?10 AS BIGINT) = 0 OR k.affects_event = 2 - ?10)" \
	" AND (CAST(?11 AS BIGINT) = 0 OR k.public_visibility = 2 - ?11)" \
	" AND (CAST(?12 AS BIGINT) = 0 OR (k.state NOT IN ('resolved', 'closed') AND k.due_at < ?13))"

static int check_filter(struct ctx *c, const struct incident_filter *f, int64_t *org)
{
	*org = 0;
	if ((!str_empty(f->state) && !incident_in(incident_states, incident_nstates, f->state)) ||
	    (!str_empty(f->klass) && !incident_in(incident_classes, incident_nclasses, f->klass)) ||
	    (!str_empty(f->priority) && !incident_in(incident_priorities, incident_npriorities, f->priority)) ||
	    (!str_empty(f->kind) && !incident_in(incident_kinds, incident_nkinds, f->kind)) ||
	    (f->q && !valid_line(f->q, 0, 200)) || f->affects_event > FLAG_CLEAR ||
	    f->public_visibility > FLAG_CLEAR || f->affects_event < FLAG_ANY || f->public_visibility < FLAG_ANY)
		return KR_EINVAL;
	if (!str_empty(f->org)) {
		struct org o;
		if (org_get(c, f->org, &o))
			return KR_EINVAL;
		*org = o.id;
	}
	return KR_OK;
}

static void bind_filter(struct ctx *c, struct db_stmt *st, const struct incident_filter *f, int64_t org)
{
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, str_empty(f->state) ? NULL : f->state);
	db_bind_text(st, 5, str_empty(f->klass) ? NULL : f->klass);
	db_bind_text(st, 6, str_empty(f->priority) ? NULL : f->priority);
	db_bind_text(st, 7, str_empty(f->kind) ? NULL : f->kind);
	/* The words, restricted to the cases that name the viewer's
	 * organisation (reporter or recipient) in the index's scope column:
	 * a common word then costs what the viewer's own cases cost, not the
	 * whole site's.  A prefilter only - the acl predicate decides. */
	const char *scope[1] = {arena_printf(c->a, "ko%lld", (long long)(c->who.person_id > 0 ? c->who.org_id : 0))};
	const char *match = str_empty(f->q) ? NULL : db_fts_query_within(c->db, c->a, f->q, scope, 1);
	/* Words with nothing searchable in them (only punctuation) find
	 * nothing: an organisation id no row has empties every path alike. */
	db_bind_int(st, 8, !str_empty(f->q) && !match ? -1 : org);
	db_bind_text(st, 9, match);
	db_bind_int(st, 10, f->affects_event);
	db_bind_int(st, 11, f->public_visibility);
	db_bind_int(st, 12, f->overdue ? 1 : 0);
	db_bind_int(st, 13, c->now);
}

int incident_list(struct ctx *c, const struct incident_filter *f, struct incident_page *out)
{
	memset(out, 0, sizeof *out);
	if (c->who.person_id <= 0)
		return KR_EPERM;
	int limit;
	if (page_limit(f->limit, 20, 100, &limit))
		return KR_EINVAL;
	int64_t org;
	int rc = check_filter(c, f, &org);
	if (rc)
		return rc;
	int64_t after_id = 0, after_at = 0;
	if (f->cursor) {
		const char *k;
		if (cursor_parse(c->a, f->cursor, &k, &after_id) || after_id <= 0 ||
		    parse_i64(k, 0, INT64_MAX, &after_at))
			return KR_EINVAL;
	}
	struct db_stmt *st;
	if ((rc = db_prepare(c->db, "SELECT COUNT(*) FROM cases k" CASE_FILTER, &st)))
		return rc;
	bind_filter(c, st, f, org);
	out->total = one_int(st, &rc);
	if (rc)
		return rc;
	if ((rc = db_prepare(c->db,
			     "SELECT " CASE_COLS CASE_FROM CASE_FILTER
			     " AND (CAST(?14 AS BIGINT) = 0 OR k.created_at < ?15 OR (k.created_at = ?15 AND k.id < ?14))"
			     " ORDER BY k.created_at DESC, k.id DESC LIMIT ?16",
			     &st)))
		return rc;
	bind_filter(c, st, f, org);
	db_bind_int(st, 14, after_id);
	db_bind_int(st, 15, after_at);
	db_bind_int(st, 16, limit + 1);
	out->items = arena_alloc(c->a, sizeof(struct incident) * (size_t)(limit + 1));
	while ((rc = db_step(st)) == KR_ROW) {
		if (out->n == (size_t)limit) {
			const struct incident *last = &out->items[out->n - 1];
			out->next_cursor = cursor_make(c->a, arena_printf(c->a, "%lld", (long long)last->created_at),
						       last->id);
			break;
		}
		case_row(c, st, &out->items[out->n++]);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

/* Adds n to the count of key (keys outside the list are not counted). */
static void count_add(struct incident_count *counts, size_t n, const char *key, int64_t add)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(counts[i].key, key)) {
			counts[i].n += add;
			return;
		}
}

static struct incident_count *counts_new(struct ctx *c, const char *const *keys, size_t nkeys)
{
	struct incident_count *out = arena_alloc(c->a, sizeof(*out) * nkeys);
	for (size_t i = 0; i < nkeys; i++)
		out[i] = (struct incident_count){.key = keys[i], .n = 0};
	return out;
}

/* One scan of the visible cases grouped by (state, class, priority,
 * overdue) gives every count of the board: a coordinator's board walks the
 * whole case table once instead of once per column (four scans before).
 * The overdue flag uses the filter's own rule (?12's expression), so with
 * the overdue filter on every row is overdue and the count equals the total,
 * as it did when it was a separate count. */
int incident_board(struct ctx *c, const struct incident_filter *f, struct incident_board *out)
{
	memset(out, 0, sizeof *out);
	if (c->who.person_id <= 0)
		return KR_EPERM;
	int64_t org;
	int rc = check_filter(c, f, &org);
	if (rc)
		return rc;
	out->by_state = counts_new(c, incident_states, incident_nstates);
	out->n_states = incident_nstates;
	out->by_class = counts_new(c, incident_classes, incident_nclasses);
	out->n_classes = incident_nclasses;
	out->by_priority = counts_new(c, incident_priorities, incident_npriorities);
	out->n_priorities = incident_npriorities;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db,
			     "SELECT k.state, k.class, k.priority,"
			     " CASE WHEN k.state NOT IN ('resolved', 'closed') AND k.due_at < ?13 THEN 1 ELSE 0 END,"
			     " COUNT(*) FROM cases k" CASE_FILTER " GROUP BY 1, 2, 3, 4",
			     &st)))
		return rc;
	bind_filter(c, st, f, org);
	while ((rc = db_step(st)) == KR_ROW) {
		int64_t n = db_col_int(st, 4);
		count_add(out->by_state, out->n_states, db_col_text(st, 0), n);
		count_add(out->by_class, out->n_classes, db_col_text(st, 1), n);
		count_add(out->by_priority, out->n_priorities, db_col_text(st, 2), n);
		out->total += n;
		if (db_col_int(st, 3))
			out->overdue += n;
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int incident_measures(struct ctx *c, struct incident_measures *out)
{
	memset(out, 0, sizeof *out);
	if (c->who.person_id <= 0)
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT COUNT(*), COUNT(k.triaged_at), COUNT(k.first_support_at), COUNT(k.resolved_at),"
			    " SUM(CASE WHEN k.state NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END),"
			    " SUM(CASE WHEN k.state NOT IN ('resolved', 'closed') AND k.due_at < ?4 THEN 1 ELSE 0 END),"
			    " CAST(AVG(k.triaged_at - k.created_at) AS BIGINT),"
			    " CAST(AVG(k.first_support_at - k.created_at) AS BIGINT),"
			    " CAST(AVG(k.resolved_at - k.created_at) AS BIGINT)"
			    " FROM cases k WHERE " ACL_CASE_PRED,
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, c->now);
	rc = db_step(st);
	if (rc == KR_ROW) {
		out->cases = db_col_int(st, 0);
		out->triaged = db_col_int(st, 1);
		out->supported = db_col_int(st, 2);
		out->resolved = db_col_int(st, 3);
		out->open = db_col_int(st, 4);
		out->overdue = db_col_int(st, 5);
		out->avg_triage_ms = db_col_null(st, 6) ? -1 : db_col_int(st, 6);
		out->avg_first_support_ms = db_col_null(st, 7) ? -1 : db_col_int(st, 7);
		out->avg_resolve_ms = db_col_null(st, 8) ? -1 : db_col_int(st, 8);
		rc = KR_OK;
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

/* ---- state, triage, messages ---- */

/* Load a visible case for coordination work. */
static int coordinated(struct ctx *c, const char *public_id, struct incident *k)
{
	int rc = incident_get(c, public_id, k);
	if (rc)
		return rc;
	return acl_can_coordinate(c) ? KR_OK : KR_EPERM;
}

/* Apply a state change inside the caller's transaction: stamps the
 * measure times, moves the deadline, records the timeline. */
static int apply_state(struct ctx *c, const struct incident *k, const char *to, const char *note)
{
	int64_t triage_ms, resolve_ms;
	int rc = incident_targets(c, k->priority, &triage_ms, &resolve_ms);
	if (rc)
		return rc;
	bool reopen = !is_open(k->state) && is_open(to);
	int64_t due = is_open(to) ? k->created_at + resolve_ms : 0;
	if (reopen)
		due = c->now + resolve_ms; /* a reopened case gets a fresh clock */
	struct db_stmt *st;
	/* Values decided here, so each parameter has one type on PostgreSQL. */
	rc = db_prepare(c->db,
			"UPDATE cases SET state = ?2, updated_at = ?3,"
			" triaged_at = COALESCE(triaged_at, CAST(?4 AS BIGINT)),"
			" first_support_at = COALESCE(first_support_at, CAST(?5 AS BIGINT)),"
			" resolved_at = CAST(?6 AS BIGINT), closed_at = CAST(?7 AS BIGINT), due_at = CAST(?8 AS BIGINT)"
			" WHERE id = ?1 AND state = ?9",
			&st);
	if (rc)
		return rc;
	bool done = str_eq(to, "resolved") || str_eq(to, "closed");
	db_bind_int(st, 1, k->id);
	db_bind_text(st, 2, to);
	db_bind_int(st, 3, c->now);
	db_bind_int(st, 4, c->now);
	if (str_eq(to, "supporting"))
		db_bind_int(st, 5, c->now);
	else
		db_bind_null(st, 5);
	if (done)
		db_bind_int(st, 6, k->resolved_at ? k->resolved_at : c->now);
	else
		db_bind_null(st, 6);
	if (str_eq(to, "closed"))
		db_bind_int(st, 7, c->now);
	else
		db_bind_null(st, 7);
	if (due)
		db_bind_int(st, 8, due);
	else
		db_bind_null(st, 8);
	db_bind_text(st, 9, k->state);
	rc = db_step(st);
	int64_t changed = db_changes(st);
	db_done(st);
	if (rc != KR_DONE)
		return rc < 0 ? rc : KR_EDB;
	if (changed != 1)
		return KR_ECONFLICT; /* changed under us */
	if ((rc = add_event(c, k->id, "state", note, arena_printf(c->a, "%s -> %s", k->state, to), NULL)))
		return rc;
	if (due && due > c->now && (rc = schedule_due(c, k->id, due)))
		return rc;
	return audit(c, "incident.state", "incident", k->public_id, 0, arena_printf(c->a, "%s -> %s", k->state, to));
}

int incident_set_state(struct ctx *c, const char *public_id, const char *state, const char *note)
{
	struct incident k;
	int rc = coordinated(c, public_id, &k);
	if (rc)
		return rc;
	if (!incident_transition_ok(k.state, state) || (note && !valid_text(note, INCIDENT_TEXT_MAX)))
		return KR_EINVAL;
	if ((rc = tx_begin(c)))
		return rc;
	rc = apply_state(c, &k, state, note);
	if (rc == KR_OK)
		rc = notify_case(c, k.id, "incident_update", false);
	return tx_end(c, rc);
}

int incident_triage(struct ctx *c, const char *public_id, const struct incident_triage *t, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	struct incident k;
	int rc = coordinated(c, public_id, &k);
	if (rc)
		return rc;
	if (t->priority && !incident_in(incident_priorities, incident_npriorities, t->priority))
		return *bad = "priority", KR_EINVAL;
	if (t->klass && !incident_in(incident_classes, incident_nclasses, t->klass))
		return *bad = "class", KR_EINVAL;
	if (t->assignee_team && !valid_line(t->assignee_team, 0, INCIDENT_TEAM_MAX))
		return *bad = "assignee_team", KR_EINVAL;
	if (t->affects_event < FLAG_ANY || t->affects_event > FLAG_CLEAR)
		return *bad = "affects_event", KR_EINVAL;
	if (t->public_visibility < FLAG_ANY || t->public_visibility > FLAG_CLEAR)
		return *bad = "public_visibility", KR_EINVAL;
	const char *prio = t->priority ? t->priority : k.priority;
	int64_t triage_ms, resolve_ms;
	if ((rc = incident_targets(c, prio, &triage_ms, &resolve_ms)))
		return rc;
	bool ae = t->affects_event ? t->affects_event == FLAG_SET : k.affects_event;
	bool pv = t->public_visibility ? t->public_visibility == FLAG_SET : k.public_visibility;
	const char *klass = t->klass ? t->klass : k.klass;
	const char *team = t->assignee_team ? t->assignee_team : k.assignee_team;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	/* The deadline: resolution target from the report (still new: the
	 * triage target); closed and resolved cases have none. */
	int64_t due = is_open(k.state) ? k.created_at + resolve_ms : 0;
	rc = db_prepare(c->db,
			"UPDATE cases SET priority = ?2, class = ?3, assignee_team = ?4, affects_event = ?5,"
			" public_visibility = ?6, due_at = ?7, updated_at = ?8 WHERE id = ?1",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, k.id);
		db_bind_text(st, 2, prio);
		db_bind_text(st, 3, klass);
		db_bind_text(st, 4, team);
		db_bind_int(st, 5, ae);
		db_bind_int(st, 6, pv);
		if (due)
			db_bind_int(st, 7, due);
		else
			db_bind_null(st, 7);
		db_bind_int(st, 8, c->now);
		rc = run_done(st);
	}
	const char *what = arena_printf(c->a, "%s %s%s%s%s%s", prio, klass, ae ? " event" : "", pv ? " public" : "",
					*team ? " team=" : "", team);
	if (rc == KR_OK)
		rc = add_event(c, k.id, "triage", NULL, what, NULL);
	if (rc == KR_OK && str_eq(k.state, "new")) {
		k.priority = prio;
		rc = apply_state(c, &k, "triaged", NULL);
	} else if (rc == KR_OK && due && due > c->now) {
		rc = schedule_due(c, k.id, due);
	}
	if (rc == KR_OK)
		rc = audit(c, "incident.triage", "incident", k.public_id, 0, what);
	return tx_end(c, rc);
}

int incident_message(struct ctx *c, const char *public_id, const char *body, int64_t *event_id)
{
	int64_t id;
	int rc = visible_case(c, public_id, &id);
	if (rc)
		return rc;
	if (!body || !valid_text(body, INCIDENT_TEXT_MAX) || !*str_trim(arena_strdup(c->a, body)))
		return KR_EINVAL;
	if ((rc = tx_begin(c)))
		return rc;
	rc = add_event(c, id, "message", body, NULL, event_id);
	if (rc == KR_OK)
		rc = touch(c, id);
	if (rc == KR_OK)
		rc = audit(c, "incident.message", "incident", public_id, c->who.org_id, NULL);
	if (rc == KR_OK)
		rc = notify_case(c, id, "incident_update", false);
	return tx_end(c, rc);
}

int incident_timeline(struct ctx *c, const char *public_id, struct incident_event **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int64_t id;
	int rc = visible_case(c, public_id, &id);
	if (rc)
		return rc;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db,
			     "SELECT e.id, e.created_at, e.kind, p.login, p.display_name, o.slug, e.body, e.detail"
			     " FROM case_events e LEFT JOIN people p ON p.id = e.actor_id"
			     " LEFT JOIN orgs o ON o.id = e.actor_org_id WHERE e.case_id = ?1"
			     " ORDER BY e.created_at, e.id LIMIT 2000",
			     &st)))
		return rc;
	db_bind_int(st, 1, id);
	struct incident_event *items = arena_alloc(c->a, sizeof(*items) * 2000);
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 2000) {
		struct incident_event *e = &items[k++];
		e->id = db_col_int(st, 0);
		e->created_at = db_col_int(st, 1);
		e->kind = db_col_dup(st, 2, c->a);
		e->actor = db_col_dup(st, 3, c->a);
		e->actor_name = db_col_dup(st, 4, c->a);
		e->actor_org = db_col_dup(st, 5, c->a);
		e->body = db_col_dup(st, 6, c->a);
		e->detail = db_col_dup(st, 7, c->a);
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

/* ---- support requests (R9.3) ---- */

int support_request_create(struct ctx *c, const char *public_id, const char *agency, const char *kind,
			   const char *note, int64_t *id_out, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	struct incident k;
	int rc = coordinated(c, public_id, &k);
	if (rc)
		return rc;
	if (!incident_in(support_kinds, support_nkinds, kind))
		return *bad = "kind", KR_EINVAL;
	if (note && !valid_text(note, INCIDENT_TEXT_MAX))
		return *bad = "note", KR_EINVAL;
	struct org o;
	if (!agency || org_get(c, agency, &o) || !str_eq(o.kind, "security_agency") || !str_eq(o.status, "active"))
		return *bad = "agency", KR_EINVAL;
	if (!is_open(k.state))
		return *bad = "state", KR_EINVAL;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	int64_t id = 0;
	rc = db_prepare(c->db,
			"INSERT INTO support_requests (case_id, agency_org_id, kind, note, requested_by, created_at)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, k.id);
		db_bind_int(st, 2, o.id);
		db_bind_text(st, 3, kind);
		db_bind_text(st, 4, note ? note : "");
		db_bind_int(st, 5, c->who.person_id);
		db_bind_int(st, 6, c->now);
		id = one_int(st, &rc);
	}
	if (rc == KR_OK)
		rc = add_recipient(c, k.id, o.id, "support");
	if (rc == KR_OK)
		rc = add_event(c, k.id, "support_request", note, arena_printf(c->a, "#%lld %s %s", (long long)id, kind,
									       o.slug), NULL);
	if (rc == KR_OK && (rc = db_prepare(c->db,
					    "UPDATE cases SET updated_at = ?2,"
					    " first_support_at = COALESCE(first_support_at, ?2) WHERE id = ?1",
					    &st)) == KR_OK) {
		db_bind_int(st, 1, k.id);
		db_bind_int(st, 2, c->now);
		rc = run_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "incident.support_request", "incident", k.public_id, o.id,
			   arena_printf(c->a, "#%lld %s", (long long)id, kind));
	if (rc == KR_OK)
		rc = notify_case(c, k.id, "incident_support", false);
	rc = tx_end(c, rc);
	if (rc == KR_OK && id_out)
		*id_out = id;
	return rc;
}

#define SR_COLS \
	"s.id, k.public_id, o.slug, o.name_ja, o.name_en, s.kind, s.state, s.note, s.answer, s.created_at," \
	" s.decided_at, s.answered_at"
#define SR_FROM " FROM support_requests s JOIN cases k ON k.id = s.case_id JOIN orgs o ON o.id = s.agency_org_id"

static void sr_row(struct ctx *c, struct db_stmt *st, struct support_request *s)
{
	s->id = db_col_int(st, 0);
	s->case_id = db_col_dup(st, 1, c->a);
	s->agency = db_col_dup(st, 2, c->a);
	s->agency_name_ja = db_col_dup(st, 3, c->a);
	s->agency_name_en = db_col_dup(st, 4, c->a);
	s->kind = db_col_dup(st, 5, c->a);
	s->state = db_col_dup(st, 6, c->a);
	s->note = db_col_dup(st, 7, c->a);
	s->answer = db_col_dup(st, 8, c->a);
	s->created_at = db_col_int(st, 9);
	s->decided_at = db_col_int(st, 10);
	s->answered_at = db_col_int(st, 11);
}

/* A support request whose case the viewer may see; *case_id, *agency out. */
static int sr_load(struct ctx *c, int64_t id, struct support_request *out, int64_t *case_id, int64_t *agency)
{
	memset(out, 0, sizeof *out);
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT s.case_id, s.agency_org_id FROM support_requests s JOIN cases k"
				   " ON k.id = s.case_id WHERE s.id = ?1 AND k.space = ?2", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, c->space);
	rc = db_step(st);
	*case_id = *agency = 0;
	if (rc == KR_ROW) {
		*case_id = db_col_int(st, 0);
		*agency = db_col_int(st, 1);
	}
	db_done(st);
	if (!*case_id)
		return rc < 0 ? rc : KR_ENOTFOUND;
	if ((rc = acl_case_visible(c, *case_id)))
		return rc;
	if ((rc = db_prepare(c->db, "SELECT " SR_COLS SR_FROM " WHERE s.id = ?1", &st)))
		return rc;
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc == KR_ROW) {
		sr_row(c, st, out);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int support_request_get(struct ctx *c, int64_t id, struct support_request *out)
{
	int64_t kid, agency;
	return sr_load(c, id, out, &kid, &agency);
}

int support_request_respond(struct ctx *c, int64_t id, const char *action, const char *text, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	struct support_request s;
	int64_t kid, agency;
	int rc = sr_load(c, id, &s, &kid, &agency);
	if (rc)
		return rc;
	if (c->who.org_id != agency)
		return KR_EPERM; /* only the agency's people answer */
	bool answer = str_eq(action, "answer");
	if (!answer && !str_eq(action, "accept") && !str_eq(action, "decline"))
		return *bad = "action", KR_EINVAL;
	if (answer ? !(str_eq(s.state, "requested") || str_eq(s.state, "accepted")) : !str_eq(s.state, "requested"))
		return *bad = "action", KR_EINVAL;
	if (text && !valid_text(text, INCIDENT_TEXT_MAX))
		return *bad = "text", KR_EINVAL;
	if (answer && (!text || !*str_trim(arena_strdup(c->a, text))))
		return *bad = "text", KR_EINVAL;
	const char *to = answer ? "answered" : str_eq(action, "accept") ? "accepted" : "declined";
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"UPDATE support_requests SET state = ?2, decided_by = COALESCE(decided_by, ?3),"
			" decided_at = COALESCE(decided_at, ?4), answer = CASE WHEN ?2 = 'answered' THEN ?5 ELSE answer END,"
			" answered_at = CASE WHEN ?2 = 'answered' THEN ?4 ELSE answered_at END"
			" WHERE id = ?1 AND state = ?6",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, to);
		db_bind_int(st, 3, c->who.person_id);
		db_bind_int(st, 4, c->now);
		db_bind_text(st, 5, text ? text : "");
		db_bind_text(st, 6, s.state);
		rc = db_step(st);
		int64_t changed = db_changes(st);
		db_done(st);
		rc = rc == KR_DONE ? (changed == 1 ? KR_OK : KR_ECONFLICT) : (rc < 0 ? rc : KR_EDB);
	}
	if (rc == KR_OK)
		rc = add_event(c, kid, "support_answer", text, arena_printf(c->a, "#%lld %s", (long long)id, to), NULL);
	if (rc == KR_OK)
		rc = touch(c, kid);
	if (rc == KR_OK)
		rc = audit(c, "incident.support_respond", "incident", s.case_id, agency,
			   arena_printf(c->a, "#%lld %s", (long long)id, to));
	if (rc == KR_OK)
		rc = notify_case(c, kid, "incident_update", false);
	return tx_end(c, rc);
}

int support_request_list(struct ctx *c, const char *public_id, struct support_request **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	int64_t kid = 0;
	int rc;
	if (public_id && (rc = visible_case(c, public_id, &kid)))
		return rc;
	struct db_stmt *st;
	/* Either one visible case's requests, or those addressed to the
	 * viewer's organisation (whose cases it sees as a recipient). */
	if ((rc = db_prepare(c->db,
			     "SELECT " SR_COLS SR_FROM " WHERE " ACL_CASE_PRED
			     " AND ((CAST(?4 AS BIGINT) > 0 AND s.case_id = ?4) OR (CAST(?4 AS BIGINT) = 0"
			     " AND s.agency_org_id = ?2)) ORDER BY s.created_at DESC, s.id DESC LIMIT 500",
			     &st)))
		return rc;
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, kid);
	struct support_request *items = arena_alloc(c->a, sizeof(*items) * 500);
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 500)
		sr_row(c, st, &items[k++]);
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

/* ---- escalation job ---- */

int incident_run_job(struct ctx *c, const struct job *j)
{
	if (!str_eq(j->kind, "incident_due"))
		return KR_EINVAL;
	int64_t id;
	if (parse_i64(j->payload, 1, INT64_MAX, &id))
		return KR_EINVAL;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT state, due_at, escalated_due, public_id, space FROM cases WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc != KR_ROW) {
		db_done(st);
		return rc == KR_DONE ? KR_OK : rc; /* gone: nothing to do */
	}
	bool open = is_open(db_col_text(st, 0));
	int64_t due = db_col_int(st, 1), done = db_col_int(st, 2);
	const char *pid = db_col_dup(st, 3, c->a);
	int64_t space = db_col_int(st, 4);
	db_done(st);
	/* Met, moved or already escalated: the job has nothing to say. */
	if (!open || !due || due > c->now || done == due)
		return KR_OK;
	struct ctx sc = *c;
	sc.space = space;
	if ((rc = tx_begin(&sc)))
		return rc;
	rc = db_prepare(sc.db, "UPDATE cases SET escalated_due = ?2 WHERE id = ?1", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, due);
		rc = run_done(st);
	}
	if (rc == KR_OK)
		rc = add_event(&sc, id, "escalation", NULL, arena_printf(c->a, "due %lld", (long long)due), NULL);
	if (rc == KR_OK)
		rc = audit(&sc, "incident.escalate", "incident", pid, 0, NULL);
	if (rc == KR_OK)
		rc = notify_case(&sc, id, "incident_overdue", true);
	return tx_end(&sc, rc);
}
