/* notify.c - in-app notifications, notification mail and the daily
 * digest.  Who is told is decided by the acl (ACL_TOPIC_RECIPIENT_PRED):
 * nobody hears of a topic they may not see. */
#include "core/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acl.h"
#include "core/common.h"
#include "core/incident.h"
#include "core/incident_digest.h"
#include "core/mail.h"
#include "core/stix_query.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"
#include "web/i18n.h"

#define MUSTREAD_REMIND_MS (24LL * 3600 * 1000)
#define MUSTREAD_ESCALATE_MS (72LL * 3600 * 1000)

struct tinfo {
	const char *public_id, *title, *tag, *community_ja, *community_en;
	enum tlp tlp;
	bool must_read;
	int64_t author;
};

static int load_topic(struct ctx *c, int64_t id, struct tinfo *t)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT t.public_id, t.title, t.tag, cm.name_ja, cm.name_en, t.tlp, t.must_read, t.author_id"
			    " FROM topics t JOIN communities cm ON cm.id = t.community_id WHERE t.id = ?1",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc == KR_ROW) {
		t->public_id = db_col_dup(st, 0, c->a);
		t->title = db_col_dup(st, 1, c->a);
		t->tag = db_col_dup(st, 2, c->a);
		t->community_ja = db_col_dup(st, 3, c->a);
		t->community_en = db_col_dup(st, 4, c->a);
		if (tlp_parse(db_col_text(st, 5), &t->tlp))
			t->tlp = TLP_RED;
		t->must_read = db_col_int(st, 6) != 0;
		t->author = db_col_int(st, 7);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

/* The mail text for one topic.  RED and AMBER: the label and a link only. */
static void topic_mail(struct buf *b, const char *lang, const struct tinfo *t)
{
	const char *url = mail_base_url();
	if (tlp_restricted(t->tlp)) {
		buf_printf(b, "[%s] %s\n%s/topics/%s\n", tlp_label(t->tlp), tr(lang, "mail.restricted_topic"), url,
			   t->public_id);
		return;
	}
	const char *tag = str_eq(t->tag, "important") ? "【重要】" : str_eq(t->tag, "caution") ? "【注意】"
			  : str_eq(t->tag, "info") ? "【情報】" : "";
	buf_printf(b, "%s%s\n[%s] %s\n%s/topics/%s\n", tag, t->title, tlp_label(t->tlp),
		   str_eq(lang, "en") ? t->community_en : t->community_ja, url, t->public_id);
}

static const char *subject_for(struct arena *a, const char *lang, const char *kind, const struct tinfo *t)
{
	const char *k = str_eq(kind, "must_read") ? "mail.subject.must_read"
			: str_eq(kind, "reply") ? "mail.subject.reply"
			: str_eq(kind, "reminder") ? "mail.subject.reminder"
			: str_eq(kind, "escalation") ? "mail.subject.escalation" : "mail.subject.important";
	/* The subject never carries a restricted topic's title. */
	if (tlp_restricted(t->tlp))
		return arena_printf(a, "[Kairan] %s (%s)", tr(lang, k), tlp_label(t->tlp));
	return arena_printf(a, "[Kairan] %s: %s", tr(lang, k), t->title);
}

/* Notify the given people (rows of a prepared recipient query). */
static int fan_out(struct ctx *c, struct db_stmt *st, const char *kind, int64_t topic_id, const struct tinfo *t)
{
	struct rcpt {
		int64_t id;
		const char *email, *locale;
		bool mail;
	};
	size_t cap = 256, n = 0;
	struct rcpt *r = arena_alloc(c->a, sizeof(*r) * cap);
	int rc;
	while ((rc = db_step(st)) == KR_ROW) {
		if (n == cap) {
			struct rcpt *nr = arena_alloc(c->a, sizeof(*r) * cap * 2);
			memcpy(nr, r, sizeof(*r) * cap);
			r = nr;
			cap *= 2;
		}
		r[n].id = db_col_int(st, 0);
		r[n].email = db_col_dup(st, 1, c->a);
		r[n].locale = db_col_dup(st, 2, c->a);
		r[n].mail = db_col_int(st, 3) != 0;
		n++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = db_prepare(c->db, "INSERT INTO notifications (person_id, kind, topic_id, created_at)"
					    " VALUES (?1, ?2, ?3, ?4)", &st)))
			return rc;
		db_bind_int(st, 1, r[i].id);
		db_bind_text(st, 2, kind);
		db_bind_int(st, 3, topic_id);
		db_bind_int(st, 4, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
		if (rc)
			return rc;
		if (!r[i].mail)
			continue;
		struct buf b = BUF_INIT;
		const char *bk = str_eq(kind, "reply") ? "mail.body.reply"
				 : str_eq(kind, "reminder") ? "mail.body.reminder"
				 : str_eq(kind, "escalation") ? "mail.body.escalation" : "mail.body.topic";
		buf_printf(&b, "%s\n\n", tr(r[i].locale, bk));
		topic_mail(&b, r[i].locale, t);
		buf_printf(&b, "\n-- \n%s\n%s/account\n", tr(r[i].locale, "mail.footer"), mail_base_url());
		rc = mail_queue(c, r[i].email, subject_for(c->a, r[i].locale, kind, t), b.p);
		buf_free(&b);
		if (rc == KR_EINVAL)
			rc = KR_OK; /* an unusable address must not block the topic */
		if (rc)
			return rc;
	}
	return KR_OK;
}

int notify_topic_created(struct ctx *c, int64_t topic_id)
{
	struct tinfo t;
	int rc = load_topic(c, topic_id, &t);
	if (rc)
		return rc;
	bool important = str_eq(t.tag, "important");
	if (!t.must_read && !important)
		return KR_OK;
	const char *kind = t.must_read ? "must_read" : "important";
	struct db_stmt *st;
	if ((rc = db_prepare(c->db,
			     "SELECT p.id, p.email, p.locale,"
			     " CASE WHEN ?3 = 1 THEN COALESCE(ns.mail_must_read, 1) ELSE COALESCE(ns.mail_important, 1) END"
			     " FROM topics t JOIN people p ON p.status = 'active'"
			     " LEFT JOIN notify_settings ns ON ns.person_id = p.id"
			     " WHERE t.id = ?2 AND p.id <> t.author_id AND " ACL_TOPIC_RECIPIENT_PRED " ORDER BY p.id",
			     &st)))
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_int(st, 2, topic_id);
	db_bind_int(st, 3, t.must_read ? 1 : 0);
	if ((rc = fan_out(c, st, kind, topic_id, &t)))
		return rc;
	if (!t.must_read)
		return KR_OK;
	/* Must-read follow-up: a reminder to those who have not confirmed
	 * after a day, and their organisation's org-admins after three. */
	const char *payload = arena_printf(c->a, "%lld", (long long)topic_id);
	if ((rc = job_enqueue(c, "mustread_remind", payload, c->now + MUSTREAD_REMIND_MS)))
		return rc;
	return job_enqueue(c, "mustread_escalate", payload, c->now + MUSTREAD_ESCALATE_MS);
}

/* Recipients of a must-read topic who have not confirmed its current
 * version (for reminders), or the org-admins of their organisations (for
 * escalation).  Both are computed when the job runs, so confirmations
 * made meanwhile count and nobody new is told of a topic they cannot see. */
static int mustread_followup(struct ctx *c, int64_t topic_id, bool escalate)
{
	struct tinfo t;
	int rc = load_topic(c, topic_id, &t);
	if (rc == KR_ENOTFOUND)
		return KR_OK;
	if (rc)
		return rc;
	struct db_stmt *st;
	if (!escalate)
		rc = db_prepare(c->db,
				"SELECT p.id, p.email, p.locale, COALESCE(ns.mail_must_read, 1)"
				" FROM topics t JOIN people p ON p.status = 'active'"
				" LEFT JOIN notify_settings ns ON ns.person_id = p.id"
				" WHERE t.id = ?2 AND t.must_read = 1 AND p.id <> t.author_id AND " ACL_TOPIC_RECIPIENT_PRED
				" AND NOT EXISTS (SELECT 1 FROM topic_reads r WHERE r.topic_id = t.id AND r.person_id = p.id"
				" AND r.version >= t.read_version) ORDER BY p.id",
				&st);
	else
		/* Org-admins (who can see the topic) of organisations with
		 * recipients who have not confirmed. */
		rc = db_prepare(c->db,
				"SELECT p.id, p.email, p.locale, 1 FROM topics t JOIN people p ON p.status = 'active'"
				" AND p.org_admin = 1"
				" WHERE t.id = ?2 AND t.must_read = 1 AND " ACL_TOPIC_RECIPIENT_PRED
				" AND EXISTS (SELECT 1 FROM people q WHERE q.org_id = p.org_id AND q.status = 'active'"
				" AND q.id <> t.author_id AND " ACL_TOPIC_RECIPIENT_PRED_OF("q")
				" AND NOT EXISTS (SELECT 1 FROM topic_reads r WHERE r.topic_id = t.id"
				" AND r.person_id = q.id AND r.version >= t.read_version))"
				" ORDER BY p.id",
				&st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_int(st, 2, topic_id);
	return fan_out(c, st, escalate ? "escalation" : "reminder", topic_id, &t);
}

int notify_comment(struct ctx *c, int64_t topic_id)
{
	struct tinfo t;
	int rc = load_topic(c, topic_id, &t);
	if (rc)
		return rc;
	struct db_stmt *st;
	/* The author and everyone who commented, except the commenter, and
	 * only while they may still see the topic. */
	if ((rc = db_prepare(c->db,
			     "SELECT p.id, p.email, p.locale, COALESCE(ns.mail_replies, 1)"
			     " FROM topics t JOIN people p ON p.status = 'active'"
			     " LEFT JOIN notify_settings ns ON ns.person_id = p.id"
			     " WHERE t.id = ?2 AND p.id <> ?3 AND (p.id = t.author_id OR EXISTS (SELECT 1 FROM comments k"
			     " WHERE k.topic_id = t.id AND k.author_id = p.id AND k.deleted_at IS NULL))"
			     " AND " ACL_TOPIC_RECIPIENT_PRED " ORDER BY p.id",
			     &st)))
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_int(st, 2, topic_id);
	db_bind_int(st, 3, c->who.person_id);
	return fan_out(c, st, "reply", topic_id, &t);
}

int notification_list(struct ctx *c, struct notification **out, size_t *n, int64_t *unread)
{
	*out = NULL;
	*n = 0;
	*unread = 0;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	struct db_stmt *st;
	/* Only topics the viewer may still see (scope can shrink later). */
	int rc = db_prepare(c->db,
			    "SELECT * FROM (SELECT nf.id, nf.created_at, nf.kind, t.public_id, t.title, nf.read_at, 0 AS is_case"
			    " FROM notifications nf JOIN topics t ON t.id = nf.topic_id"
			    " WHERE nf.person_id = ?1 AND " ACL_TOPIC_PRED
			    " UNION ALL SELECT nf.id, nf.created_at, nf.kind, k.public_id, k.title, nf.read_at, 1"
			    " FROM notifications nf JOIN cases k ON k.id = nf.case_id"
			    " WHERE nf.person_id = ?1 AND " ACL_CASE_PRED ") x"
			    " ORDER BY created_at DESC, id DESC LIMIT 50",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	struct notification *items = arena_alloc(c->a, sizeof(*items) * 50);
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 50) {
		items[k].id = db_col_int(st, 0);
		items[k].created_at = db_col_int(st, 1);
		items[k].kind = db_col_dup(st, 2, c->a);
		items[k].topic = db_col_dup(st, 3, c->a);
		items[k].title = db_col_dup(st, 4, c->a);
		items[k].read = !db_col_null(st, 5);
		items[k].is_case = db_col_int(st, 6) != 0;
		k++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if ((rc = db_prepare(c->db,
			     "SELECT (SELECT COUNT(*) FROM notifications nf JOIN topics t ON t.id = nf.topic_id"
			     " WHERE nf.person_id = ?1 AND nf.read_at IS NULL AND " ACL_TOPIC_PRED ")"
			     " + (SELECT COUNT(*) FROM notifications nf JOIN cases k ON k.id = nf.case_id"
			     " WHERE nf.person_id = ?1 AND nf.read_at IS NULL AND " ACL_CASE_PRED ")",
			     &st)))
		return rc;
	acl_viewer_binds(c, st);
	if (db_step(st) == KR_ROW)
		*unread = db_col_int(st, 0);
	db_done(st);
	*out = items;
	*n = k;
	return KR_OK;
}

int notification_mark_all_read(struct ctx *c)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "UPDATE notifications SET read_at = ?2 WHERE person_id = ?1 AND read_at IS NULL", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->who.person_id);
		db_bind_int(st, 2, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	return tx_end(c, rc);
}

int notify_settings_get(struct ctx *c, struct notify_settings *out)
{
	*out = (struct notify_settings){true, true, true, true};
	if (c->who.person_id <= 0)
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT mail_must_read, mail_important, mail_replies, mail_digest FROM notify_settings"
			    " WHERE person_id = ?1",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->who.person_id);
	if ((rc = db_step(st)) == KR_ROW) {
		out->must_read = db_col_int(st, 0) != 0;
		out->important = db_col_int(st, 1) != 0;
		out->replies = db_col_int(st, 2) != 0;
		out->digest = db_col_int(st, 3) != 0;
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int notify_settings_set(struct ctx *c, const struct notify_settings *in)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"INSERT INTO notify_settings (person_id, mail_must_read, mail_important, mail_replies, mail_digest)"
			" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (person_id) DO UPDATE SET mail_must_read = ?2,"
			" mail_important = ?3, mail_replies = ?4, mail_digest = ?5",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->who.person_id);
		db_bind_int(st, 2, in->must_read);
		db_bind_int(st, 3, in->important);
		db_bind_int(st, 4, in->replies);
		db_bind_int(st, 5, in->digest);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	return tx_end(c, rc);
}

int notify_digest(struct ctx *c, int64_t since, size_t *sent)
{
	*sent = 0;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT p.id, p.org_id, p.email, p.locale FROM people p"
			    " LEFT JOIN notify_settings ns ON ns.person_id = p.id"
			    " WHERE p.status = 'active' AND COALESCE(ns.mail_digest, 1) = 1 ORDER BY p.id",
			    &st);
	if (rc)
		return rc;
	struct person_row {
		int64_t id, org;
		const char *email, *locale;
	};
	size_t cap = 1024, n = 0;
	struct person_row *ps = arena_alloc(c->a, sizeof(*ps) * cap);
	while ((rc = db_step(st)) == KR_ROW) {
		if (n == cap) {
			struct person_row *np = arena_alloc(c->a, sizeof(*ps) * cap * 2);
			memcpy(np, ps, sizeof(*ps) * cap);
			ps = np;
			cap *= 2;
		}
		ps[n].id = db_col_int(st, 0);
		ps[n].org = db_col_int(st, 1);
		ps[n].email = db_col_dup(st, 2, c->a);
		ps[n].locale = db_col_dup(st, 3, c->a);
		n++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		/* Each person's digest is computed as that person (acl). */
		struct ctx pc = *c;
		pc.tx_depth = 0;
		pc.who = (struct viewer){.person_id = ps[i].id, .org_id = ps[i].org, .locale = ps[i].locale};
		if ((rc = db_prepare(c->db,
				     "SELECT t.public_id, t.title, t.tag, cm.name_ja, cm.name_en, t.tlp FROM topics t"
				     " JOIN communities cm ON cm.id = t.community_id"
				     " WHERE t.created_at >= ?4 AND " ACL_TOPIC_PRED
				     " ORDER BY t.created_at DESC, t.id DESC LIMIT 100",
				     &st)))
			return rc;
		acl_viewer_binds(&pc, st);
		db_bind_int(st, 4, since);
		struct buf b = BUF_INIT;
		int count = 0;
		/* The consultation desk's situation first (R9.6, counts over the
		 * cases this person may see; core/incident_digest.c). */
		struct incident_digest d;
		bool cases = incident_digest_get(&pc, since, c->now > since ? c->now + 1 : since + 1, &d) == KR_OK &&
			     !incident_digest_empty(&d);
		if (cases) {
			incident_digest_mail(&b, ps[i].locale, &d);
			buf_addc(&b, '\n');
		}
		while (db_step(st) == KR_ROW) {
			struct tinfo t = {0};
			t.public_id = db_col_text(st, 0);
			t.title = db_col_text(st, 1);
			t.tag = db_col_text(st, 2);
			t.community_ja = db_col_text(st, 3);
			t.community_en = db_col_text(st, 4);
			if (tlp_parse(db_col_text(st, 5), &t.tlp))
				t.tlp = TLP_RED;
			if (!count++)
				buf_printf(&b, "%s\n\n", tr(ps[i].locale, "mail.body.digest"));
			topic_mail(&b, ps[i].locale, &t);
			buf_addc(&b, '\n');
		}
		db_done(st);
		if (count || cases) {
			buf_printf(&b, "-- \n%s\n%s/account\n", tr(ps[i].locale, "mail.footer"), mail_base_url());
			const char *subject = count ? arena_printf(c->a, "[Kairan] %s (%d)", tr(ps[i].locale, "mail.subject.digest"), count)
						    : arena_printf(c->a, "[Kairan] %s", tr(ps[i].locale, "mail.subject.digest"));
			rc = mail_queue(c, ps[i].email, subject, b.p);
			if (rc == KR_OK)
				(*sent)++;
		}
		buf_free(&b);
		if (rc && rc != KR_EINVAL)
			return rc;
	}
	return KR_OK;
}

/* The next 08:00 Asia/Tokyo (23:00 UTC) after now. */
static int64_t next_digest_time(int64_t now)
{
	int64_t day = 86400000LL, at = 23LL * 3600000;
	int64_t t = (now / day) * day + at;
	return t > now ? t : t + day;
}

int notify_schedule_digest(struct ctx *c)
{
	int64_t when = next_digest_time(c->now);
	char key[32];
	snprintf(key, sizeof key, "%lld", (long long)when);
	bool yes;
	int rc = job_pending(c, "digest", key, &yes);
	if (rc || yes)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	rc = job_enqueue(c, "digest", key, when);
	return tx_end(c, rc);
}

int notify_run_job(struct ctx *c, const struct job *j)
{
	if (str_eq(j->kind, "mail"))
		return mail_send_job(c, j->payload);
	if (str_eq(j->kind, "digest")) {
		int64_t at;
		if (parse_i64(j->payload, 0, INT64_MAX, &at))
			at = c->now;
		size_t sent = 0;
		int rc = tx_begin(c);
		if (rc)
			return rc;
		rc = notify_digest(c, at - 86400000LL, &sent);
		rc = tx_end(c, rc);
		if (rc == KR_OK)
			log_info("msg=\"digest queued\" mails=%zu", sent);
		return rc;
	}
	if (str_eq(j->kind, "mustread_remind") || str_eq(j->kind, "mustread_escalate")) {
		int64_t id;
		if (parse_i64(j->payload, 1, INT64_MAX, &id))
			return KR_EINVAL;
		int rc = tx_begin(c);
		if (rc)
			return rc;
		rc = mustread_followup(c, id, str_eq(j->kind, "mustread_escalate"));
		return tx_end(c, rc);
	}
	if (str_eq(j->kind, "incident_due"))
		return incident_run_job(c, j);
	if (str_eq(j->kind, "stix_import"))
		return stix_import_run_job(c, j);
	if (str_eq(j->kind, "incident_reindex")) {
		/* Queued by migration 6 on a site that already had cases,
		 * and by migration 13 on a PostgreSQL one. */
		int64_t n = 0;
		int rc = incident_reindex_all(c, &n);
		if (rc == KR_OK)
			log_info("msg=\"cases reindexed\" cases=%lld", (long long)n);
		return rc;
	}
	if (str_eq(j->kind, "topic_reindex")) {
		/* Queued by migration 13 (compound search tokens) on a
		 * PostgreSQL site that already had topics. */
		int64_t n = 0;
		int rc = topic_reindex_all(c, &n);
		if (rc == KR_OK)
			log_info("msg=\"topics reindexed\" topics=%lld", (long long)n);
		return rc;
	}
	log_warn("msg=\"unknown job kind\" kind=%s", j->kind);
	return KR_EINVAL;
}
