/* incident_digest.c - the consultation desk's daily situation digest
 * (R9.6) for one person: counts over the cases, support requests and
 * coordination-center topics they may see.  See incident_digest.h. */
#include "core/incident_digest.h"

#include <stdio.h>
#include <string.h>

#include "core/acl.h"
#include "core/incident.h"
#include "core/mail.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "store/db.h"
#include "web/i18n.h"

static bool open_state(const char *s) { return !str_eq(s, "resolved") && !str_eq(s, "closed"); }

static int class_index(const char *k)
{
	for (size_t i = 0; i < incident_nclasses; i++)
		if (str_eq(incident_classes[i], k))
			return (int)i;
	return -1;
}

static int state_index(const char *s)
{
	for (size_t i = 0; i < incident_nstates; i++)
		if (str_eq(incident_states[i], s))
			return (int)i;
	return -1;
}

/* One COUNT(*) with the viewer bound as ?1-?3 and the window as ?4, ?5. */
static int count_one(struct ctx *c, struct db_stmt *st, int64_t since, int64_t until, int64_t *out)
{
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, since);
	db_bind_int(st, 5, until);
	int rc = db_step(st);
	*out = rc == KR_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	return rc == KR_ROW ? KR_OK : (rc < 0 ? rc : KR_EDB);
}

int incident_digest_get(struct ctx *c, int64_t since, int64_t until, struct incident_digest *out)
{
	memset(out, 0, sizeof *out);
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (since < 0 || until <= since)
		return KR_EINVAL;
	out->since = since;
	out->until = until;
	out->n_classes = incident_nclasses;
	out->by_class = arena_alloc(c->a, sizeof(*out->by_class) * incident_nclasses);
	memset(out->by_class, 0, sizeof(*out->by_class) * incident_nclasses);
	for (size_t i = 0; i < incident_nclasses; i++)
		out->by_class[i].klass = incident_classes[i];
	out->open_by_state = arena_alloc(c->a, sizeof(int64_t) * incident_nstates);
	memset(out->open_by_state, 0, sizeof(int64_t) * incident_nstates);

	/* Per class and state: new and resolved in the window, open now.
	 * Only rows that count for something are grouped. */
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT k.class, k.state,"
			    " SUM(CASE WHEN k.created_at >= ?4 AND k.created_at < ?5 THEN 1 ELSE 0 END),"
			    " SUM(CASE WHEN k.resolved_at >= ?4 AND k.resolved_at < ?5 THEN 1 ELSE 0 END),"
			    " COUNT(*) FROM cases k WHERE " ACL_CASE_PRED
			    " AND ((k.created_at >= ?4 AND k.created_at < ?5)"
			    " OR (k.resolved_at >= ?4 AND k.resolved_at < ?5)"
			    " OR k.state NOT IN ('resolved', 'closed'))"
			    " GROUP BY k.class, k.state",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, since);
	db_bind_int(st, 5, until);
	while ((rc = db_step(st)) == KR_ROW) {
		int ci = class_index(db_col_text(st, 0)), si = state_index(db_col_text(st, 1));
		if (ci < 0 || si < 0)
			continue; /* values the core never writes */
		struct incident_digest_class *x = &out->by_class[ci];
		x->new_n += db_col_int(st, 2);
		x->resolved_n += db_col_int(st, 3);
		if (open_state(incident_states[si])) {
			x->open_n += db_col_int(st, 4);
			out->open_by_state[si] += db_col_int(st, 4);
		}
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < incident_nclasses; i++) {
		out->total.new_n += out->by_class[i].new_n;
		out->total.open_n += out->by_class[i].open_n;
		out->total.resolved_n += out->by_class[i].resolved_n;
	}

	/* The center's activity: answers to support requests on the cases
	 * the person sees, and the coordination center's topics they may read. */
	if ((rc = db_prepare(c->db,
			     "SELECT COUNT(*) FROM support_requests s JOIN cases k ON k.id = s.case_id"
			     " WHERE s.answered_at >= ?4 AND s.answered_at < ?5 AND " ACL_CASE_PRED,
			     &st)))
		return rc;
	if ((rc = count_one(c, st, since, until, &out->support_answered)))
		return rc;
	if ((rc = db_prepare(c->db,
			     "SELECT COUNT(*) FROM topics t JOIN orgs o ON o.id = t.author_org_id"
			     " WHERE o.kind = 'coordination_center' AND t.created_at >= ?4 AND t.created_at < ?5"
			     " AND " ACL_TOPIC_PRED,
			     &st)))
		return rc;
	if ((rc = count_one(c, st, since, until, &out->cc_topics)))
		return rc;

	/* The new cases by name, newest first. */
	if ((rc = db_prepare(c->db,
			     "SELECT k.public_id, k.title, k.tlp, k.class, k.state FROM cases k"
			     " WHERE k.created_at >= ?4 AND k.created_at < ?5 AND " ACL_CASE_PRED
			     " ORDER BY k.created_at DESC, k.id DESC LIMIT ?6",
			     &st)))
		return rc;
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, since);
	db_bind_int(st, 5, until);
	db_bind_int(st, 6, INCIDENT_DIGEST_CASES);
	out->new_cases = arena_alloc(c->a, sizeof(*out->new_cases) * INCIDENT_DIGEST_CASES);
	while ((rc = db_step(st)) == KR_ROW && out->n_new_cases < INCIDENT_DIGEST_CASES) {
		struct incident_digest_case *k = &out->new_cases[out->n_new_cases++];
		k->public_id = db_col_dup(st, 0, c->a);
		k->title = db_col_dup(st, 1, c->a);
		if (tlp_parse(db_col_text(st, 2), &k->tlp))
			k->tlp = TLP_RED;
		k->klass = db_col_dup(st, 3, c->a);
		k->state = db_col_dup(st, 4, c->a);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

bool incident_digest_empty(const struct incident_digest *d)
{
	return !d->total.new_n && !d->total.open_n && !d->total.resolved_n && !d->support_answered &&
	       !d->cc_topics;
}

static const char *label(const char *lang, const char *prefix, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "%s%s", prefix, key);
	return tr(lang, k);
}

void incident_digest_mail(struct buf *b, const char *lang, const struct incident_digest *d)
{
	const char *url = mail_base_url();
	buf_printf(b, "== %s ==\n%s\n\n", tr(lang, "digest.title"), tr(lang, "digest.scope"));
	buf_printf(b, "%s: %lld / %s: %lld / %s: %lld\n", tr(lang, "digest.new"), (long long)d->total.new_n,
		   tr(lang, "digest.open"), (long long)d->total.open_n, tr(lang, "digest.resolved"),
		   (long long)d->total.resolved_n);
	bool head = false;
	for (size_t i = 0; i < d->n_classes; i++) {
		const struct incident_digest_class *x = &d->by_class[i];
		if (!x->new_n && !x->open_n && !x->resolved_n)
			continue;
		if (!head)
			buf_printf(b, "%s (%s / %s / %s)\n", tr(lang, "digest.by_class"), tr(lang, "digest.new"),
				   tr(lang, "digest.open"), tr(lang, "digest.resolved"));
		head = true;
		/* label() is a catalogue text; the key is one of incident_classes. */
		buf_printf(b, "  %s: %lld / %lld / %lld\n", label(lang, "inc.class.", x->klass), (long long)x->new_n,
			   (long long)x->open_n, (long long)x->resolved_n);
	}
	if (d->total.open_n) {
		buf_printf(b, "%s:", tr(lang, "digest.open_by_state"));
		bool first = true;
		for (size_t i = 0; i < incident_nstates; i++)
			if (d->open_by_state[i]) {
				buf_printf(b, "%s %s %lld", first ? "" : ",", label(lang, "inc.state.", incident_states[i]),
					   (long long)d->open_by_state[i]);
				first = false;
			}
		buf_addc(b, '\n');
	}
	buf_printf(b, "%s: %lld\n%s: %lld\n", tr(lang, "digest.support_answered"), (long long)d->support_answered,
		   tr(lang, "digest.cc_topics"), (long long)d->cc_topics);
	if (d->n_new_cases) {
		buf_printf(b, "\n%s\n", tr(lang, "digest.new_cases"));
		for (size_t i = 0; i < d->n_new_cases; i++) {
			const struct incident_digest_case *k = &d->new_cases[i];
			/* RED and AMBER: id, label and link only - never the title (R8.2). */
			if (tlp_restricted(k->tlp))
				buf_printf(b, "%s [%s] %s\n%s/incidents/%s\n", k->public_id, tlp_label(k->tlp),
					   tr(lang, "mail.restricted_incident"), url, k->public_id);
			else
				buf_printf(b, "%s [%s] %s\n%s/incidents/%s\n", k->public_id, tlp_label(k->tlp), k->title, url,
					   k->public_id);
		}
		if (d->total.new_n > (int64_t)d->n_new_cases)
			buf_printf(b, "%s\n", tr(lang, "digest.more"));
	}
	buf_printf(b, "\n%s: %s/incidents\n", tr(lang, "digest.list"), url);
}
