/* topic.c - topics and everything hanging off them: scope, TLP, comments,
 * attachments, likes, views, must-read confirmations, history, sharing.
 *
 * Visibility of one topic is decided by acl_topic_visible(), or, where the
 * topic is read anyway (topic_get), by ACL_TOPIC_PRED in the same
 * statement; every list and count uses ACL_TOPIC_PRED.  A hidden topic answers exactly like a
 * missing one (KR_ENOTFOUND) on every path, including likes, comments and
 * attachments. */
#include "core/topic.h"

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/common.h"
#include "core/community.h"
#include "core/notify.h"
#include "core/org.h"
#include "core/person.h"
#include "core/viewer_cache.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "store/db.h"

/* ---- TLP, categories, tags ---- */

static const char *const tlp_names[] = {"clear", "green", "amber", "amber+strict", "red"};
static const char *const tlp_labels[] = {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"};

int tlp_parse(const char *s, enum tlp *out)
{
	if (!s)
		return KR_EINVAL;
	char b[32];
	size_t n = strlen(s);
	if (n >= sizeof b)
		return KR_EINVAL;
	for (size_t i = 0; i <= n; i++)
		b[i] = (char)tolower((unsigned char)s[i]);
	const char *p = b;
	if (!strncmp(p, "tlp:", 4))
		p += 4;
	if (!strcmp(p, "clear") || !strcmp(p, "white"))
		*out = TLP_CLEAR;
	else if (!strcmp(p, "green"))
		*out = TLP_GREEN;
	else if (!strcmp(p, "amber"))
		*out = TLP_AMBER;
	else if (!strcmp(p, "amber+strict") || !strcmp(p, "amber_strict") || !strcmp(p, "amber-strict"))
		*out = TLP_AMBER_STRICT;
	else if (!strcmp(p, "red"))
		*out = TLP_RED;
	else
		return KR_EINVAL;
	return KR_OK;
}

const char *tlp_name(enum tlp t) { return tlp_names[t]; }
const char *tlp_label(enum tlp t) { return tlp_labels[t]; }
bool tlp_restricted(enum tlp t) { return t >= TLP_AMBER; }

const char *const topic_categories[] = {
	"vulnerability", "attack_foresight", "malware", "alert", "observation", "incident",
	"event_schedule", "emergency",
};
const size_t topic_ncategories = KR_ARRAY_LEN(topic_categories);

bool topic_category_valid(const char *s)
{
	for (size_t i = 0; s && i < topic_ncategories; i++)
		if (!strcmp(s, topic_categories[i]))
			return true;
	return false;
}

bool topic_tag_valid(const char *s)
{
	return str_eq(s, "important") || str_eq(s, "caution") || str_eq(s, "info");
}

int topic_sort_parse(const char *s, enum topic_sort *out)
{
	if (!s || str_eq(s, "updated"))
		*out = SORT_UPDATED;
	else if (str_eq(s, "created"))
		*out = SORT_CREATED;
	else if (str_eq(s, "views"))
		*out = SORT_VIEWS;
	else if (str_eq(s, "likes"))
		*out = SORT_LIKES;
	else if (str_eq(s, "relevance"))
		*out = SORT_RELEVANCE;
	else
		return KR_EINVAL;
	return KR_OK;
}

/* ---- helpers ---- */

static int topic_reindex(struct ctx *c, int64_t id);

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

/* Is (person, org) a member of community id?  Used for manual recipients,
 * who must be inside the community (R5.1). */
static int member_of(struct ctx *c, int64_t community, const char *type, int64_t id, int64_t org, bool *yes)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT COUNT(*) FROM communities cm WHERE cm.id = ?1 AND (cm.everyone = 1 OR EXISTS ("
			    "SELECT 1 FROM community_members m WHERE m.community_id = cm.id AND"
			    " ((m.member_type = 'org' AND m.member_id = ?3)"
			    " OR (m.member_type = ?2 AND m.member_id = ?4))))",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, community);
	db_bind_text(st, 2, type);
	db_bind_int(st, 3, org);
	db_bind_int(st, 4, id);
	*yes = one_int(st, &rc) > 0;
	return rc;
}

/* Next public id: YYYYMMDD (Asia/Tokyo) + a per-day counter. */
static int next_public_id(struct ctx *c, const char **out)
{
	char day[20];
	time_format(c->now, 540, day, sizeof day); /* "YYYY-MM-DD HH:MM" */
	char ymd[9] = {day[0], day[1], day[2], day[3], day[5], day[6], day[8], day[9], 0};
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO counters (name, value) VALUES (?1, 1)"
			    " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, arena_printf(c->a, "topic:%lld:%s", (long long)c->space, ymd));
	int64_t n = one_int(st, &rc);
	if (rc)
		return rc;
	if (n > 999999)
		return KR_ECONFLICT;
	*out = arena_printf(c->a, "%s-%06lld", ymd, (long long)n);
	return KR_OK;
}

/* JISP titles carry their tag as text ("【重要】..."); people keep writing
 * them so.  A leading tag becomes the tag field (when none was chosen) and
 * leaves the title, so it is shown once. */
static void split_title_tag(struct topic_input *in)
{
	static const struct {
		const char *text, *tag;
	} tags[] = {{"【重要】", "important"}, {"【注意】", "caution"}, {"【情報】", "info"}};
	if (!in->title)
		return;
	for (size_t i = 0; i < KR_ARRAY_LEN(tags); i++) {
		size_t n = strlen(tags[i].text);
		if (strncmp(in->title, tags[i].text, n) != 0)
			continue;
		if (str_empty(in->tag))
			in->tag = tags[i].tag;
		if (str_eq(in->tag, tags[i].tag)) {
			const char *t = in->title + n;
			while (*t == ' ')
				t++;
			if (*t)
				in->title = t;
		}
		return;
	}
}

/* Fields shared by create and edit. */
static int validate_fields(struct topic_input *in, enum tlp *tlp, const char **bad)
{
	split_title_tag(in);
	if (!valid_line(in->title, 1, TOPIC_TITLE_MAX))
		return *bad = "title", KR_EINVAL;
	if (!str_empty(in->tag) && !topic_tag_valid(in->tag))
		return *bad = "tag", KR_EINVAL;
	if (in->audience && !str_eq(in->audience, "general") && !str_eq(in->audience, "professional"))
		return *bad = "audience", KR_EINVAL;
	if (!topic_category_valid(in->category))
		return *bad = "category", KR_EINVAL;
	if (tlp_parse(in->tlp, tlp))
		return *bad = "tlp", KR_EINVAL;
	if (!valid_text(in->body, TOPIC_BODY_MAX))
		return *bad = "body", KR_EINVAL;
	return KR_OK;
}

/* ---- create ---- */

int topic_create(struct ctx *c, const struct topic_input *in, const char **public_id, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	*public_id = NULL;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	struct community cm;
	int rc = community_get(c, in->community, &cm);
	if (rc == KR_ENOTFOUND || (rc == KR_OK && !cm.member))
		return *bad = "community", KR_EINVAL;
	if (rc)
		return rc;
	if (!cm.can_post)
		return KR_EPERM;
	enum tlp tlp;
	struct topic_input norm = *in;
	if ((rc = validate_fields(&norm, &tlp, bad)))
		return rc;
	in = &norm;
	bool manual = str_eq(in->scope, "manual");
	if (in->scope && !manual && !str_eq(in->scope, "community"))
		return *bad = "scope", KR_EINVAL;
	if (manual && in->n_scope_orgs + in->n_scope_people == 0)
		return *bad = "scope", KR_EINVAL;
	if (in->n_scope_orgs + in->n_scope_people > TOPIC_SCOPE_MAX)
		return *bad = "scope", KR_EINVAL;
	if (in->must_read && !acl_is_staff(c))
		return *bad = "must_read", KR_EPERM;
	if (in->pinned && !cm.moderator)
		return *bad = "pinned", KR_EPERM;

	/* Resolve and check manual recipients before writing anything. */
	size_t nr = manual ? in->n_scope_orgs + in->n_scope_people : 0;
	int64_t *rid = arena_alloc(c->a, sizeof(int64_t) * (nr + 1));
	for (size_t i = 0; i < nr; i++) {
		bool is_org = i < in->n_scope_orgs;
		const char *ref = is_org ? in->scope_orgs[i] : in->scope_people[i - in->n_scope_orgs];
		int64_t org = 0;
		if (is_org) {
			struct org o;
			if (org_get(c, ref, &o) || !str_eq(o.status, "active"))
				return *bad = "scope", KR_EINVAL;
			rid[i] = org = o.id;
		} else {
			struct person p;
			if (person_get(c, ref, &p) || !str_eq(p.status, "active"))
				return *bad = "scope", KR_EINVAL;
			rid[i] = p.id;
			org = p.org_id;
		}
		bool in_it;
		if ((rc = member_of(c, cm.id, is_org ? "org" : "person", rid[i], org, &in_it)))
			return rc;
		if (!in_it)
			return *bad = "scope", KR_EINVAL;
	}

	if ((rc = tx_begin(c)))
		return rc;
	const char *pid = NULL;
	int64_t id = 0;
	rc = next_public_id(c, &pid);
	struct db_stmt *st = NULL;
	if (rc == KR_OK)
		rc = db_prepare(c->db,
				"INSERT INTO topics (space, public_id, community_id, author_id, author_org_id, title,"
				" tag, audience, category, tlp, scope, body, must_read, pinned, created_at, updated_at,"
				" last_activity_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
				" ?15, ?15, ?15) RETURNING id",
				&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->space);
		db_bind_text(st, 2, pid);
		db_bind_int(st, 3, cm.id);
		db_bind_int(st, 4, c->who.person_id);
		db_bind_int(st, 5, c->who.org_id);
		db_bind_text(st, 6, in->title);
		db_bind_text(st, 7, str_empty(in->tag) ? NULL : in->tag);
		db_bind_text(st, 8, in->audience ? in->audience : "professional");
		db_bind_text(st, 9, in->category);
		db_bind_text(st, 10, tlp_name(tlp));
		db_bind_text(st, 11, manual ? "manual" : "community");
		db_bind_text(st, 12, in->body ? in->body : "");
		db_bind_int(st, 13, in->must_read ? 1 : 0);
		db_bind_int(st, 14, in->pinned ? 1 : 0);
		db_bind_int(st, 15, c->now);
		id = one_int(st, &rc);
	}
	for (size_t i = 0; rc == KR_OK && i < nr; i++) {
		rc = db_prepare(c->db,
				"INSERT INTO topic_scope (topic_id, member_type, member_id) VALUES (?1, ?2, ?3)"
				" ON CONFLICT DO NOTHING",
				&st);
		if (rc)
			break;
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, i < in->n_scope_orgs ? "org" : "person");
		db_bind_int(st, 3, rid[i]);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "topic.create", "topic", pid, c->who.org_id, tlp_label(tlp));
	if (rc == KR_OK)
		rc = topic_reindex(c, id);
	/* Told in the same transaction: no topic without its notices. */
	if (rc == KR_OK)
		rc = notify_topic_created(c, id);
	rc = tx_end(c, rc);
	if (rc == KR_OK)
		*public_id = pid;
	return rc;
}

/* ---- read ---- */

#define TOPIC_COLS \
	"t.id, t.public_id, cm.slug AS c_slug, cm.name_ja AS c_name_ja, cm.name_en AS c_name_en, a.login," \
	" a.display_name, ao.slug AS o_slug, ao.name_ja AS o_name_ja, ao.name_en AS o_name_en, t.title, t.tag, t.audience, t.category, t.scope, t.tlp," \
	" t.must_read, t.pinned, t.version, t.read_version, t.created_at, t.updated_at, t.edited_at," \
	" t.last_activity_at, t.view_count, t.reader_count, t.like_count, t.comment_count"
#define TOPIC_FROM \
	" FROM topics t JOIN communities cm ON cm.id = t.community_id" \
	" JOIN people a ON a.id = t.author_id JOIN orgs ao ON ao.id = t.author_org_id"

static void topic_row(struct db_stmt *st, struct arena *a, struct topic *t)
{
	t->id = db_col_int(st, 0);
	t->public_id = db_col_dup(st, 1, a);
	t->community = db_col_dup(st, 2, a);
	t->community_name_ja = db_col_dup(st, 3, a);
	t->community_name_en = db_col_dup(st, 4, a);
	t->author = db_col_dup(st, 5, a);
	t->author_name = db_col_dup(st, 6, a);
	t->author_org = db_col_dup(st, 7, a);
	t->author_org_name_ja = db_col_dup(st, 8, a);
	t->author_org_name_en = db_col_dup(st, 9, a);
	t->title = db_col_dup(st, 10, a);
	t->tag = db_col_dup(st, 11, a);
	t->audience = db_col_dup(st, 12, a);
	t->category = db_col_dup(st, 13, a);
	t->scope = db_col_dup(st, 14, a);
	if (tlp_parse(db_col_text(st, 15), &t->tlp))
		t->tlp = TLP_RED; /* unreadable label: fail closed */
	t->must_read = db_col_int(st, 16) != 0;
	t->pinned = db_col_int(st, 17) != 0;
	t->version = (int)db_col_int(st, 18);
	t->read_version = (int)db_col_int(st, 19);
	t->created_at = db_col_int(st, 20);
	t->updated_at = db_col_int(st, 21);
	t->edited_at = db_col_int(st, 22);
	t->last_activity_at = db_col_int(st, 23);
	t->views = db_col_int(st, 24);
	t->readers = db_col_int(st, 25);
	t->likes = db_col_int(st, 26);
	t->comments = db_col_int(st, 27);
}

/* Find a topic's id by public id in the viewer's space, visible or not. */
static int topic_id_of(struct ctx *c, const char *public_id, int64_t *id)
{
	if (!public_id || strlen(public_id) != 15)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT id FROM topics WHERE space = ?1 AND public_id = ?2", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_text(st, 2, public_id);
	*id = one_int(st, &rc);
	return rc;
}

/* Resolve a public id to a visible topic id (hidden == missing). */
static int visible_id(struct ctx *c, const char *public_id, int64_t *id)
{
	int rc = topic_id_of(c, public_id, id);
	if (rc)
		return rc;
	return acl_topic_visible(c, *id);
}

/* One statement finds the topic by public id and decides its visibility
 * with the acl's SQL face, instead of an id lookup, the single-item
 * decision's three reads and then the topic read: a topic page is read
 * often, and on PostgreSQL every statement is a round trip.  The face is
 * the recipient one (ACL_TOPIC_RECIPIENT_PRED over the viewer's people
 * row; the property test holds it equal to the model, like
 * ACL_TOPIC_PRED): for one topic its membership checks are a few index
 * lookups, where ACL_TOPIC_PRED would first build the viewer's whole
 * community set (temporary tables on SQLite).  Hidden and missing both
 * return no row.  ?1 space, ?2 viewer person id, ?3 public id. */
#define TOPIC_GET_SQL \
	"SELECT " TOPIC_COLS ", t.body," \
	" (SELECT COUNT(*) FROM topic_likes l WHERE l.topic_id = t.id AND l.person_id = p.id)," \
	" (SELECT COUNT(*) FROM topic_reads r WHERE r.topic_id = t.id AND r.person_id = p.id" \
	" AND r.version >= t.read_version), t.community_id" TOPIC_FROM \
	" JOIN people p ON p.id = ?2" \
	" WHERE t.space = ?1 AND t.public_id = ?3 AND " ACL_TOPIC_RECIPIENT_PRED

/* acl_community_membership, kept in the viewer cache (a topic page asks
 * it on every view; communities and community_members change
 * topic_list_version, see core/viewer_cache.h). */
static int membership(struct ctx *c, int64_t community_id, struct acl_membership *ms)
{
	const char *version = NULL, *key = NULL;
	if (topic_list_version(c, &version) == KR_OK) {
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)community_id);
		key = vc_key(c, "membership", id);
	}
	int64_t v = 0;
	if (key && vc_get(key, version, &v)) {
		*ms = (struct acl_membership){.member = v & 1, .moderator = (v >> 1) & 1, .owner = (v >> 2) & 1};
		return KR_OK;
	}
	int rc = acl_community_membership(c, community_id, ms);
	if (rc == KR_OK && key)
		vc_put(key, version, (ms->member ? 1 : 0) | (ms->moderator ? 2 : 0) | (ms->owner ? 4 : 0));
	return rc;
}

int topic_get(struct ctx *c, const char *public_id, struct topic *out)
{
	memset(out, 0, sizeof *out);
	if (c->who.person_id <= 0 || !public_id || strlen(public_id) != 15)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "" TOPIC_GET_SQL, &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_int(st, 2, c->who.person_id);
	db_bind_text(st, 3, public_id);
	int64_t cid = 0;
	rc = db_step(st);
	if (rc == KR_ROW) {
		topic_row(st, c->a, out);
		out->body = db_col_dup(st, 28, c->a);
		out->liked = db_col_int(st, 29) > 0;
		out->confirmed = db_col_int(st, 30) > 0;
		cid = db_col_int(st, 31);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	if (rc)
		return rc;
	/* Standing in the home community (the acl's single-item face). */
	struct acl_membership ms = {0};
	if ((rc = membership(c, cid, &ms)))
		return rc;
	out->can_moderate = ms.moderator;
	out->can_edit = ms.moderator || str_eq(out->author, c->who.login);
	return KR_OK;
}

/* topic_get_full (the API's topic answer): TOPIC_GET_SQL's row plus the
 * viewer's moderator standing in the home community (the acl's SQL face of
 * acl_community_membership) and whether any attachment rows exist, so a
 * topic without attachments is one statement instead of four.  ?1-?3
 * viewer, ?4 public id. */
#define TOPIC_GET_FULL_SQL \
	"SELECT " TOPIC_COLS ", t.body," \
	" (SELECT COUNT(*) FROM topic_likes l WHERE l.topic_id = t.id AND l.person_id = ?1)," \
	" (SELECT COUNT(*) FROM topic_reads r WHERE r.topic_id = t.id AND r.person_id = ?1" \
	" AND r.version >= t.read_version), t.community_id," \
	" CASE WHEN " ACL_MODERATOR_OF("t.community_id") " THEN 1 ELSE 0 END," \
	" CASE WHEN EXISTS (SELECT 1 FROM attachments x WHERE x.topic_id = t.id AND x.deleted_at IS NULL)" \
	" THEN 1 ELSE 0 END" TOPIC_FROM \
	" WHERE t.space = ?3 AND t.public_id = ?4 AND " ACL_TOPIC_PRED

int topic_get_full(struct ctx *c, const char *public_id, struct topic *out, struct attachment **att,
		   size_t *natt)
{
	memset(out, 0, sizeof *out);
	*att = NULL;
	*natt = 0;
	if (c->who.person_id <= 0 || !public_id || strlen(public_id) != 15)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "" TOPIC_GET_FULL_SQL, &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, public_id);
	bool any = false;
	rc = db_step(st);
	if (rc == KR_ROW) {
		topic_row(st, c->a, out);
		out->body = db_col_dup(st, 28, c->a);
		out->liked = db_col_int(st, 29) > 0;
		out->confirmed = db_col_int(st, 30) > 0;
		out->can_moderate = db_col_int(st, 32) != 0;
		any = db_col_int(st, 33) != 0;
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	if (rc)
		return rc;
	out->can_edit = out->can_moderate || str_eq(out->author, c->who.login);
	return any ? attachment_list_loaded(c, out, att, natt) : KR_OK;
}

/* Views are counted in memory and written in batches (topic_flush_views,
 * run by the job worker every few seconds and at shutdown): a write per
 * page view would serialise every reader on SQLite's single writer.  A
 * crash loses at most the last few seconds of view counts. */
#define VIEW_BUF 4096

struct pending_view {
	int64_t topic_id, person_id, first_at, last_at, n;
};

static pthread_mutex_t views_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pending_view views_buf[VIEW_BUF];
static size_t views_n;

/* Write a batch of views in one transaction; distinct readers are those
 * whose first view this is (the upsert's count equals what was added). */
static int write_views(struct ctx *c, const struct pending_view *v, size_t n)
{
	if (!n)
		return KR_OK;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	for (size_t i = 0; rc == KR_OK && i < n; i++) {
		struct db_stmt *st;
		rc = db_prepare(c->db,
				"INSERT INTO topic_views (topic_id, person_id, first_at, last_at, views)"
				" VALUES (?1, ?2, ?3, ?4, ?5)"
				" ON CONFLICT (topic_id, person_id) DO UPDATE SET last_at = ?4,"
				" views = topic_views.views + ?5 RETURNING views",
				&st);
		if (rc)
			break;
		db_bind_int(st, 1, v[i].topic_id);
		db_bind_int(st, 2, v[i].person_id);
		db_bind_int(st, 3, v[i].first_at);
		db_bind_int(st, 4, v[i].last_at);
		db_bind_int(st, 5, v[i].n);
		int64_t views = one_int(st, &rc);
		if (rc == KR_ENOTFOUND)
			rc = KR_OK; /* the topic is gone: nothing to count */
		if (rc)
			break;
		if ((rc = db_prepare(c->db,
				     "UPDATE topics SET view_count = view_count + ?2, reader_count = reader_count + ?3"
				     " WHERE id = ?1",
				     &st)))
			break;
		db_bind_int(st, 1, v[i].topic_id);
		db_bind_int(st, 2, v[i].n);
		db_bind_int(st, 3, views == v[i].n ? 1 : 0);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	return tx_end(c, rc);
}

int topic_flush_views(struct ctx *c)
{
	static struct pending_view batch[VIEW_BUF];
	static pthread_mutex_t flush_mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&flush_mu); /* one flusher at a time owns batch */
	pthread_mutex_lock(&views_mu);
	size_t n = views_n;
	memcpy(batch, views_buf, n * sizeof batch[0]);
	views_n = 0;
	pthread_mutex_unlock(&views_mu);
	int rc = write_views(c, batch, n);
	if (rc && n) {
		/* Put them back for the next flush rather than lose them. */
		pthread_mutex_lock(&views_mu);
		size_t room = VIEW_BUF - views_n;
		size_t k = n < room ? n : room;
		memcpy(views_buf + views_n, batch, k * sizeof batch[0]);
		views_n += k;
		pthread_mutex_unlock(&views_mu);
	}
	pthread_mutex_unlock(&flush_mu);
	return rc;
}

int topic_record_view(struct ctx *c, int64_t topic_id)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	bool full = false;
	pthread_mutex_lock(&views_mu);
	size_t i;
	for (i = views_n; i > 0; i--)
		if (views_buf[i - 1].topic_id == topic_id && views_buf[i - 1].person_id == c->who.person_id)
			break;
	if (i > 0) {
		struct pending_view *v = &views_buf[i - 1];
		v->n++;
		if (c->now > v->last_at)
			v->last_at = c->now;
		if (c->now < v->first_at)
			v->first_at = c->now;
	} else if (views_n < VIEW_BUF) {
		views_buf[views_n++] = (struct pending_view){topic_id, c->who.person_id, c->now, c->now, 1};
	} else {
		full = true;
	}
	pthread_mutex_unlock(&views_mu);
	if (!full)
		return KR_OK;
	/* The buffer is full (a burst between flushes): write it now. */
	int rc = topic_flush_views(c);
	if (rc)
		return rc;
	struct pending_view one = {topic_id, c->who.person_id, c->now, c->now, 1};
	return write_views(c, &one, 1);
}

int topic_like(struct ctx *c, const char *public_id, bool on)
{
	int64_t id;
	int rc = visible_id(c, public_id, &id);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	if (on)
		rc = db_prepare(c->db, "INSERT INTO topic_likes (topic_id, person_id, at) VALUES (?1, ?2, ?3)"
				       " ON CONFLICT DO NOTHING", &st);
	else
		rc = db_prepare(c->db, "DELETE FROM topic_likes WHERE topic_id = ?1 AND person_id = ?2"
				       " AND CAST(?3 AS BIGINT) >= 0", &st);
	int64_t changed = 0;
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, c->who.person_id);
		db_bind_int(st, 3, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		changed = db_changes(st);
		db_done(st);
	}
	if (rc == KR_OK && changed &&
	    (rc = db_prepare(c->db, "UPDATE topics SET like_count = like_count + ?2 WHERE id = ?1", &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, on ? 1 : -1);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK && changed)
		rc = audit(c, on ? "topic.like" : "topic.unlike", "topic", public_id, c->who.org_id, NULL);
	return tx_end(c, rc);
}

int topic_confirm(struct ctx *c, const char *public_id)
{
	struct topic t;
	int rc = topic_get(c, public_id, &t);
	if (rc)
		return rc;
	if (!t.must_read)
		return KR_EINVAL;
	if (t.confirmed)
		return KR_OK;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"INSERT INTO topic_reads (topic_id, person_id, org_id, version, confirmed_at)"
			" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (topic_id, person_id)"
			" DO UPDATE SET version = ?4, confirmed_at = ?5",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, t.id);
		db_bind_int(st, 2, c->who.person_id);
		db_bind_int(st, 3, c->who.org_id);
		db_bind_int(st, 4, t.read_version);
		db_bind_int(st, 5, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "topic.confirm", "topic", public_id, c->who.org_id, NULL);
	return tx_end(c, rc);
}

/* ---- edit, delete, share ---- */

int topic_edit(struct ctx *c, const char *public_id, const struct topic_input *in, const char **bad,
	       bool *reconfirm)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	*reconfirm = false;
	struct topic t;
	int rc = topic_get(c, public_id, &t);
	if (rc)
		return rc;
	if (!t.can_edit)
		return KR_EPERM;
	struct topic_input merged = *in;
	if (!merged.category)
		merged.category = t.category;
	if (!merged.tlp)
		merged.tlp = tlp_name(t.tlp);
	if (!merged.audience)
		merged.audience = t.audience;
	enum tlp tlp;
	if ((rc = validate_fields(&merged, &tlp, bad)))
		return rc;
	if (merged.must_read != t.must_read && !acl_is_staff(c))
		return *bad = "must_read", KR_EPERM;
	if (merged.pinned != t.pinned && !t.can_moderate)
		return *bad = "pinned", KR_EPERM;
	bool substance = !str_eq(merged.title, t.title) || !str_eq(merged.body ? merged.body : "", t.body) ||
			 tlp != t.tlp;
	*reconfirm = merged.must_read && substance;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"INSERT INTO topic_versions (topic_id, version, title, tag, category, tlp, body, edited_by,"
			" edited_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, t.id);
		db_bind_int(st, 2, t.version);
		db_bind_text(st, 3, t.title);
		db_bind_text(st, 4, t.tag);
		db_bind_text(st, 5, t.category);
		db_bind_text(st, 6, tlp_name(t.tlp));
		db_bind_text(st, 7, t.body);
		db_bind_int(st, 8, c->who.person_id);
		db_bind_int(st, 9, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = db_prepare(c->db,
				"UPDATE topics SET title = ?2, tag = ?3, audience = ?4, category = ?5, tlp = ?6, body = ?7,"
				" must_read = ?8, pinned = ?9, version = version + 1,"
				" read_version = CASE WHEN ?10 = 1 THEN version + 1 ELSE read_version END,"
				" edited_at = ?11, updated_at = ?11, last_activity_at = ?11 WHERE id = ?1 AND version = ?12",
				&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, t.id);
		db_bind_text(st, 2, merged.title);
		db_bind_text(st, 3, str_empty(merged.tag) ? NULL : merged.tag);
		db_bind_text(st, 4, merged.audience);
		db_bind_text(st, 5, merged.category);
		db_bind_text(st, 6, tlp_name(tlp));
		db_bind_text(st, 7, merged.body ? merged.body : "");
		db_bind_int(st, 8, merged.must_read ? 1 : 0);
		db_bind_int(st, 9, merged.pinned ? 1 : 0);
		db_bind_int(st, 10, *reconfirm ? 1 : 0);
		db_bind_int(st, 11, c->now);
		db_bind_int(st, 12, t.version);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		if (rc == KR_OK && db_changes(st) != 1)
			rc = KR_ECONFLICT; /* edited concurrently */
		db_done(st);
	}
	if (rc == KR_OK)
		rc = topic_reindex(c, t.id);
	if (rc == KR_OK)
		rc = audit(c, "topic.edit", "topic", public_id, c->who.org_id,
			   arena_printf(c->a, "v%d %s", t.version + 1, tlp_label(tlp)));
	return tx_end(c, rc);
}

int topic_delete(struct ctx *c, const char *public_id)
{
	struct topic t;
	int rc = topic_get(c, public_id, &t);
	if (rc)
		return rc;
	if (!t.can_edit)
		return KR_EPERM;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "UPDATE topics SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, t.id);
		db_bind_int(st, 2, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = topic_reindex(c, t.id);
	if (rc == KR_OK)
		rc = audit(c, "topic.delete", "topic", public_id, c->who.org_id, t.title);
	return tx_end(c, rc);
}

int topic_share(struct ctx *c, const char *public_id, const char *community)
{
	struct topic t;
	int rc = topic_get(c, public_id, &t);
	if (rc)
		return rc;
	if (tlp_restricted(t.tlp) || str_eq(t.scope, "manual"))
		return KR_EPERM; /* R5.3: RED/AMBER and hand-picked audiences stay put */
	struct community to;
	if ((rc = community_get(c, community, &to)))
		return rc == KR_ENOTFOUND ? KR_EINVAL : rc;
	if (!to.moderator)
		return KR_EPERM;
	if (str_eq(to.slug, t.community))
		return KR_EINVAL;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db, "SELECT COUNT(*) FROM topic_shares WHERE topic_id = ?1", &st)))
		return rc;
	db_bind_int(st, 1, t.id);
	int64_t n = one_int(st, &rc);
	if (rc)
		return rc;
	if (n >= 64)
		return KR_ETOOBIG;
	if ((rc = tx_begin(c)))
		return rc;
	rc = db_prepare(c->db, "INSERT INTO topic_shares (topic_id, community_id, shared_by, shared_at)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, t.id);
		db_bind_int(st, 2, to.id);
		db_bind_int(st, 3, c->who.person_id);
		db_bind_int(st, 4, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = topic_reindex(c, t.id);
	if (rc == KR_OK)
		rc = audit(c, "topic.share", "topic", public_id, c->who.org_id, to.slug);
	return tx_end(c, rc);
}

bool topic_may_share_elsewhere(struct ctx *c, const struct topic *t)
{
	if (c->who.person_id <= 0)
		return false;
	/* Kept in the viewer cache: community_members and communities change
	 * topic_list_version (core/viewer_cache.h). */
	const char *version = NULL, *key = NULL;
	if (topic_list_version(c, &version) == KR_OK)
		key = vc_key(c, "share-elsewhere", t->community);
	int64_t v = 0;
	if (key && vc_get(key, version, &v))
		return v != 0;
	struct db_stmt *st;
	if (db_prepare(c->db,
		       "SELECT COUNT(*) FROM community_members m JOIN communities cm ON cm.id = m.community_id"
		       " WHERE m.role IN ('moderator', 'owner') AND ((m.member_type = 'org' AND m.member_id = ?1)"
		       " OR (m.member_type = 'person' AND m.member_id = ?2)) AND cm.slug <> ?3",
		       &st))
		return true; /* unknown: let the caller take the exact path */
	db_bind_int(st, 1, c->who.org_id);
	db_bind_int(st, 2, c->who.person_id);
	db_bind_text(st, 3, t->community ? t->community : "");
	int rc;
	int64_t k = one_int(st, &rc);
	if (rc == KR_OK && key)
		vc_put(key, version, k > 0);
	return rc != KR_OK || k > 0;
}

/* ---- lists ---- */

/* The filters shared by the counts and every sort, so they always agree.
 * ?1-?3 viewer (acl), ?4 community id (0 = all of mine), ?5 tag,
 * ?6 category, ?7 tlp, ?8 author org id, ?9/?10 created range,
 * ?11 must-read pending only. */
#define TOPIC_CONDS_REST \
	" AND (CAST(?5 AS TEXT) IS NULL OR t.tag = ?5)" \
	" AND (CAST(?6 AS TEXT) IS NULL OR t.category = ?6)" \
	" AND (CAST(?7 AS TEXT) IS NULL OR t.tlp = ?7)" \
	" AND (CAST(?8 AS BIGINT) = 0 OR t.author_org_id = ?8)" \
	" AND (CAST(?9 AS BIGINT) = 0 OR t.created_at >= ?9)" \
	" AND (CAST(?10 AS BIGINT) = 0 OR t.created_at < ?10)" \
	" AND (CAST(?11 AS BIGINT) = 0 OR (t.must_read = 1 AND NOT EXISTS (SELECT 1 FROM topic_reads r" \
	" WHERE r.topic_id = t.id AND r.person_id = ?1 AND r.version >= t.read_version)))"
/* A community's list is its own topics and the GREEN/CLEAR ones shared
 * into it (R3.4).  For plain lists the two halves are separate statements
 * (below) so each walks its own index; search joins them in one. */
#define TOPIC_CONDS \
	ACL_TOPIC_PRED \
	" AND (CAST(?4 AS BIGINT) = 0 OR t.community_id = ?4 OR (t.scope = 'community'" \
	" AND t.tlp IN ('green', 'clear') AND EXISTS (SELECT 1 FROM topic_shares sh" \
	" WHERE sh.topic_id = t.id AND sh.community_id = ?4)))" TOPIC_CONDS_REST
#define TOPIC_WHERE_ALL " WHERE CAST(?4 AS BIGINT) = 0 AND " ACL_TOPIC_PRED TOPIC_CONDS_REST
#define TOPIC_WHERE_HOME " WHERE t.community_id = ?4 AND " ACL_TOPIC_PRED TOPIC_CONDS_REST
#define TOPIC_WHERE_SHARED \
	" WHERE t.id IN (SELECT sh.topic_id FROM topic_shares sh WHERE sh.community_id = ?4)" \
	" AND t.scope = 'community' AND t.tlp IN ('green', 'clear') AND " ACL_TOPIC_PRED TOPIC_CONDS_REST

/* Counts stop at TOPIC_COUNT_CAP + 1 rows: past that a list says "200+"
 * instead of paying for an exact count of every visible row (each counted
 * row is a table read through the acl: on 1M topics counting to 1,000 cost
 * 7 ms a page, most of the page). */
#define TOPIC_COUNT_CAP 200
#define TOPIC_COUNT_ALL "SELECT COUNT(*) FROM (SELECT 1 FROM topics t" TOPIC_WHERE_ALL " LIMIT 201) x"
#define TOPIC_COUNT_COMMUNITY \
	"SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM topics t" TOPIC_WHERE_HOME " LIMIT 201) h)" \
	" + (SELECT COUNT(*) FROM (SELECT 1 FROM topics t" TOPIC_WHERE_SHARED " LIMIT 201) s)"
/* The same count for an unfiltered community list (the page everyone
 * opens): without the filter terms, which are all true when nothing is
 * filtered, the statement reads only columns of the topics_list_acl index
 * (migration 8), so counting 201 rows never touches the table.  Same acl
 * predicate, same result as TOPIC_COUNT_COMMUNITY with empty filters. */
#define TOPIC_WHERE_HOME_PLAIN " WHERE t.community_id = ?4 AND " ACL_TOPIC_PRED
#define TOPIC_WHERE_SHARED_PLAIN \
	" WHERE t.id IN (SELECT sh.topic_id FROM topic_shares sh WHERE sh.community_id = ?4)" \
	" AND t.scope = 'community' AND t.tlp IN ('green', 'clear') AND " ACL_TOPIC_PRED
#define TOPIC_COUNT_COMMUNITY_PLAIN \
	"SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM topics t" TOPIC_WHERE_HOME_PLAIN " LIMIT 201) h)" \
	" + (SELECT COUNT(*) FROM (SELECT 1 FROM topics t" TOPIC_WHERE_SHARED_PLAIN " LIMIT 201) s)"

/* Keyword search: the FTS table joined to the same filter; ?12 = the
 * engine's match text (db_fts_query), ?13 = limit, ?14 = offset. */
#define TOPIC_SEARCH_FROM \
	" FROM topic_fts JOIN topics t ON t.id = topic_fts.rowid JOIN communities cm ON cm.id = t.community_id" \
	" JOIN people a ON a.id = t.author_id JOIN orgs ao ON ao.id = t.author_org_id" \
	" WHERE topic_fts MATCH ?12 AND " TOPIC_CONDS
#define TOPIC_SEARCH_MAX 10000
#define TOPIC_SEARCH_COUNT_CAP TOPIC_COUNT_CAP

/* Keyset pages on (COL DESC, id DESC): ?12 = last id (0 = first page),
 * ?13 = last key, ?14 = limit.  NAME is COL's output column name. */
#define TOPIC_KEYSET(COL) " AND (CAST(?12 AS BIGINT) = 0 OR " COL " < ?13 OR (" COL " = ?13 AND t.id < ?12))"
#define TOPIC_PAGE_ALL(COL) \
	"SELECT " TOPIC_COLS TOPIC_FROM TOPIC_WHERE_ALL TOPIC_KEYSET(COL) " ORDER BY " COL " DESC, t.id DESC LIMIT ?14"
#define TOPIC_PAGE_COMMUNITY(COL, NAME) \
	"SELECT * FROM (SELECT " TOPIC_COLS TOPIC_FROM TOPIC_WHERE_HOME TOPIC_KEYSET(COL) \
	" ORDER BY " COL " DESC, t.id DESC LIMIT ?14) h" \
	" UNION ALL SELECT * FROM (SELECT " TOPIC_COLS TOPIC_FROM TOPIC_WHERE_SHARED TOPIC_KEYSET(COL) \
	" ORDER BY " COL " DESC, t.id DESC LIMIT ?14) s" \
	" ORDER BY " NAME " DESC, id DESC LIMIT ?14"

/* One literal statement per sort order and list kind (SQL stays literal
 * and each keeps the plan that walks its index). */
static int prepare_page(struct ctx *c, enum topic_sort sort, bool community, struct db_stmt **st)
{
	if (community) {
		switch (sort) {
		case SORT_CREATED: return db_prepare(c->db, "" TOPIC_PAGE_COMMUNITY("t.created_at", "created_at"), st);
		case SORT_VIEWS: return db_prepare(c->db, "" TOPIC_PAGE_COMMUNITY("t.view_count", "view_count"), st);
		case SORT_LIKES: return db_prepare(c->db, "" TOPIC_PAGE_COMMUNITY("t.like_count", "like_count"), st);
		case SORT_UPDATED:
		case SORT_RELEVANCE: break;
		}
		return db_prepare(c->db, "" TOPIC_PAGE_COMMUNITY("t.last_activity_at", "last_activity_at"), st);
	}
	switch (sort) {
	case SORT_CREATED: return db_prepare(c->db, "" TOPIC_PAGE_ALL("t.created_at"), st);
	case SORT_VIEWS: return db_prepare(c->db, "" TOPIC_PAGE_ALL("t.view_count"), st);
	case SORT_LIKES: return db_prepare(c->db, "" TOPIC_PAGE_ALL("t.like_count"), st);
	case SORT_UPDATED:
	case SORT_RELEVANCE: break;
	}
	return db_prepare(c->db, "" TOPIC_PAGE_ALL("t.last_activity_at"), st);
}

static int64_t sort_key(const struct topic *t, enum topic_sort s)
{
	switch (s) {
	case SORT_CREATED: return t->created_at;
	case SORT_VIEWS: return t->views;
	case SORT_LIKES: return t->likes;
	case SORT_UPDATED:
	case SORT_RELEVANCE: break;
	}
	return t->last_activity_at;
}

static void bind_filter(struct ctx *c, struct db_stmt *st, int64_t community, const struct topic_filter *f,
			int64_t org)
{
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, community);
	db_bind_text(st, 5, str_empty(f->tag) ? NULL : f->tag);
	db_bind_text(st, 6, str_empty(f->category) ? NULL : f->category);
	enum tlp tl;
	db_bind_text(st, 7, (!str_empty(f->tlp) && tlp_parse(f->tlp, &tl) == KR_OK) ? tlp_name(tl) : NULL);
	db_bind_int(st, 8, org);
	db_bind_int(st, 9, f->from);
	db_bind_int(st, 10, f->to);
	db_bind_int(st, 11, f->must_read_pending ? 1 : 0);
}

/* Keyword search: ranked by relevance (bm25 / ts_rank) unless another
 * sort is asked for; paged by position (a rank is no keyset). */
static int topic_search(struct ctx *c, const struct topic_filter *f, int64_t community, int64_t org, int limit,
			int64_t pos, bool has_cursor, struct topic_page *out)
{
	if (!valid_line(f->q, 1, 200))
		return KR_EINVAL;
	if (has_cursor && pos <= 0)
		return KR_EINVAL;
	out->first = pos + 1;
	/* Prefilter by the viewer's communities and authorship (kc<id>,
	 * kp<id> tokens in the scope column, see topic_reindex), so a common
	 * word does not drag every topic of the site through the access
	 * predicate.  A superset of what the acl allows; the acl still runs. */
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT x.id FROM " ACL_MY_COMMUNITIES " x ORDER BY x.id", &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	size_t ntok = 0, cap = 64;
	const char **tok = arena_alloc(c->a, sizeof(char *) * cap);
	tok[ntok++] = arena_printf(c->a, "kp%lld", (long long)c->who.person_id);
	while ((rc = db_step(st)) == KR_ROW) {
		if (ntok == cap) {
			const char **n2 = arena_alloc(c->a, sizeof(char *) * cap * 2);
			memcpy(n2, tok, sizeof(char *) * cap);
			tok = n2;
			cap *= 2;
		}
		tok[ntok++] = arena_printf(c->a, "kc%lld", (long long)db_col_int(st, 0));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	const char *match = db_fts_query_within(c->db, c->a, f->q, tok, ntok);
	if (!match || pos >= TOPIC_SEARCH_MAX)
		return KR_OK; /* nothing searchable: no results */
	rc = db_prepare(c->db, "SELECT COUNT(*) FROM (SELECT 1" TOPIC_SEARCH_FROM " LIMIT 201) x", &st);
	if (rc)
		return rc;
	bind_filter(c, st, community, f, org);
	db_bind_text(st, 12, match);
	out->total = one_int(st, &rc);
	if (rc)
		return rc;
	/* Ranking or sorting scores every match; for a word in thousands of
	 * topics that costs hundreds of milliseconds.  Past the cap the newest
	 * matches come first, in the index's own order, which stops after a
	 * page (out->newest_first tells the page to say so). */
	if (out->total > TOPIC_SEARCH_COUNT_CAP) {
		out->total = TOPIC_SEARCH_COUNT_CAP;
		out->total_more = true;
		out->newest_first = true;
	}
	/* One literal statement per order (see prepare_page). */
#define TOPIC_SEARCH_PAGE(ORDER) "SELECT " TOPIC_COLS TOPIC_SEARCH_FROM " ORDER BY " ORDER ", t.id DESC LIMIT ?13 OFFSET ?14"
	/* rowid alone (it is the topic id): an extra sort key would make the
	 * engine sort every match instead of reading the index backwards. */
	if (out->newest_first)
		rc = db_prepare(c->db, "SELECT " TOPIC_COLS TOPIC_SEARCH_FROM
				       " ORDER BY topic_fts.rowid DESC LIMIT ?13 OFFSET ?14", &st);
	else switch (f->sort) {
	case SORT_CREATED: rc = db_prepare(c->db, "" TOPIC_SEARCH_PAGE("t.created_at DESC"), &st); break;
	case SORT_VIEWS: rc = db_prepare(c->db, "" TOPIC_SEARCH_PAGE("t.view_count DESC"), &st); break;
	case SORT_LIKES: rc = db_prepare(c->db, "" TOPIC_SEARCH_PAGE("t.like_count DESC"), &st); break;
	case SORT_UPDATED: rc = db_prepare(c->db, "" TOPIC_SEARCH_PAGE("t.last_activity_at DESC"), &st); break;
	case SORT_RELEVANCE: rc = db_prepare(c->db, "" TOPIC_SEARCH_PAGE("topic_fts.rank"), &st); break;
	}
#undef TOPIC_SEARCH_PAGE
	if (rc)
		return rc;
	bind_filter(c, st, community, f, org);
	db_bind_text(st, 12, match);
	db_bind_int(st, 13, limit + 1);
	db_bind_int(st, 14, pos);
	out->items = arena_alloc(c->a, sizeof(struct topic) * (size_t)(limit + 1));
	while ((rc = db_step(st)) == KR_ROW) {
		if (out->n == (size_t)limit) {
			const struct topic *last = &out->items[out->n - 1];
			out->next_cursor = cursor_make(c->a, arena_printf(c->a, "0:%lld", (long long)(pos + limit)),
						       last->id);
			break;
		}
		topic_row(st, c->a, &out->items[out->n++]);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

/* Re-index one topic for search: its title, and its body followed by its
 * comments.  Runs inside the caller's transaction. */
static int topic_reindex(struct ctx *c, int64_t id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT title, body, deleted_at, community_id, author_id FROM topics WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	char *title = NULL;
	struct buf body = BUF_INIT, scope = BUF_INIT;
	bool deleted = false;
	if ((rc = db_step(st)) == KR_ROW) {
		title = db_col_dup(st, 0, c->a);
		buf_adds(&body, db_col_text(st, 1));
		deleted = !db_col_null(st, 2);
		/* Where the topic lives and who wrote it, as tokens the search
		 * prefilter matches (topic_search); access is still decided by
		 * the acl on every hit. */
		buf_printf(&scope, "kc%lld kp%lld", (long long)db_col_int(st, 3), (long long)db_col_int(st, 4));
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	if (rc == KR_OK && !deleted &&
	    (rc = db_prepare(c->db, "SELECT community_id FROM topic_shares WHERE topic_id = ?1 ORDER BY community_id",
			     &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		while (db_step(st) == KR_ROW)
			buf_printf(&scope, " kc%lld", (long long)db_col_int(st, 0));
		db_done(st);
	}
	if (rc == KR_OK && !deleted &&
	    (rc = db_prepare(c->db, "SELECT body FROM comments WHERE topic_id = ?1 AND deleted_at IS NULL"
				    " ORDER BY id", &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		while (db_step(st) == KR_ROW) {
			buf_addc(&body, '\n');
			buf_adds(&body, db_col_text(st, 0));
		}
		db_done(st);
	}
	if (rc == KR_OK && (rc = db_prepare(c->db, "DELETE FROM topic_fts WHERE rowid = ?1", &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK && !deleted &&
	    (rc = db_prepare(c->db, "INSERT INTO topic_fts (rowid, title, body, scope) VALUES (?1, ?2, ?3, ?4)", &st)) ==
		    KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, db_fts_doc(c->db, c->a, title));
		db_bind_text(st, 3, db_fts_doc(c->db, c->a, body.p ? body.p : ""));
		db_bind_text(st, 4, db_fts_doc(c->db, c->a, scope.p ? scope.p : ""));
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	buf_free(&body);
	buf_free(&scope);
	return rc;
}

/* The id of the community a list is filtered by, when the viewer belongs
 * to it (KR_ENOTFOUND otherwise, like a missing one): the slug lookup and
 * the membership decision in one statement through the acl's SQL face
 * (ACL_MY_COMMUNITIES, which the property test holds against the model),
 * instead of community_get's three reads - on PostgreSQL each a round trip
 * of every uncached list page. */
static int list_community_id(struct ctx *c, const char *slug, int64_t *id)
{
	if (!valid_line(slug, 1, 80))
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT c.id FROM communities c WHERE c.space = ?3 AND c.slug = ?4"
				   " AND c.archived_at IS NULL AND c.id IN " ACL_MY_COMMUNITIES, &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, slug);
	*id = one_int(st, &rc);
	return rc;
}

static int topic_list_db(struct ctx *c, const struct topic_filter *f, struct topic_page *out)
{
	memset(out, 0, sizeof *out);
	if (c->who.person_id <= 0)
		return KR_EPERM;
	int limit;
	if (page_limit(f->limit, 20, 100, &limit))
		return KR_EINVAL;
	enum tlp tl;
	if ((!str_empty(f->tag) && !topic_tag_valid(f->tag)) ||
	    (!str_empty(f->category) && !topic_category_valid(f->category)) ||
	    (!str_empty(f->tlp) && tlp_parse(f->tlp, &tl)) || f->from < 0 || f->to < 0 ||
	    f->sort < SORT_UPDATED || f->sort > SORT_RELEVANCE)
		return KR_EINVAL;
	int64_t community = 0, org = 0;
	int rc;
	if (!str_empty(f->community) && (rc = list_community_id(c, f->community, &community)))
		return rc;
	if (!str_empty(f->org)) {
		struct org o;
		if (org_get(c, f->org, &o))
			return KR_EINVAL;
		org = o.id;
	}
	/* Cursor: key "<sortkey>:<position>" and the last id. */
	int64_t after_id = 0, after_key = 0, pos = 0;
	if (f->cursor) {
		const char *k;
		if (cursor_parse(c->a, f->cursor, &k, &after_id) || after_id <= 0)
			return KR_EINVAL;
		long long kk, pp;
		char tail;
		if (sscanf(k, "%lld:%lld%c", &kk, &pp, &tail) != 2 || pp < 0)
			return KR_EINVAL;
		after_key = kk;
		pos = pp;
	}
	struct db_stmt *st;
	if (!str_empty(f->q))
		return topic_search(c, f, community, org, limit, pos, after_id != 0, out);
	if ((rc = prepare_page(c, f->sort, community != 0, &st)))
		return rc;
	bind_filter(c, st, community, f, org);
	db_bind_int(st, 12, after_id);
	db_bind_int(st, 13, after_key);
	db_bind_int(st, 14, limit + 1);
	out->items = arena_alloc(c->a, sizeof(struct topic) * (size_t)(limit + 1));
	out->first = pos + 1;
	while ((rc = db_step(st)) == KR_ROW) {
		if (out->n == (size_t)limit) {
			const struct topic *last = &out->items[out->n - 1];
			out->next_cursor = cursor_make(c->a,
						       arena_printf(c->a, "%lld:%lld", (long long)sort_key(last, f->sort),
								    (long long)(pos + (int64_t)out->n)),
						       last->id);
			break;
		}
		topic_row(st, c->a, &out->items[out->n++]);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* A first page that holds the whole list is its own count (same
	 * statement, same transaction); otherwise count, capped. */
	if (pos == 0 && !out->next_cursor) {
		out->total = (int64_t)out->n;
		return KR_OK;
	}
	bool plain = str_empty(f->tag) && str_empty(f->category) && str_empty(f->tlp) && org == 0 &&
		     f->from == 0 && f->to == 0 && !f->must_read_pending;
	if (community && plain)
		rc = db_prepare(c->db, "" TOPIC_COUNT_COMMUNITY_PLAIN, &st);
	else if (community)
		rc = db_prepare(c->db, "" TOPIC_COUNT_COMMUNITY, &st);
	else
		rc = db_prepare(c->db, "" TOPIC_COUNT_ALL, &st);
	if (rc)
		return rc;
	if (community && plain) {
		acl_viewer_binds(c, st);
		db_bind_int(st, 4, community);
	} else {
		bind_filter(c, st, community, f, org);
	}
	out->total = one_int(st, &rc);
	if (rc)
		return rc;
	if (out->total > TOPIC_COUNT_CAP) {
		out->total = TOPIC_COUNT_CAP;
		out->total_more = true;
	}
	return KR_OK;
}

int topic_history(struct ctx *c, const char *public_id, struct topic_version **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int64_t id;
	int rc = visible_id(c, public_id, &id);
	if (rc)
		return rc;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db,
			     "SELECT v.version, v.title, v.tlp, v.body, p.display_name, v.edited_at FROM topic_versions v"
			     " JOIN people p ON p.id = v.edited_by WHERE v.topic_id = ?1 ORDER BY v.version DESC LIMIT 200",
			     &st)))
		return rc;
	db_bind_int(st, 1, id);
	size_t cap = 0;
	struct topic_version *items = arena_grow(c->a, NULL, 0, &cap, sizeof(*items));
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 200) {
		items = arena_grow(c->a, items, k, &cap, sizeof(*items));
		items[k].version = (int)db_col_int(st, 0);
		items[k].title = db_col_dup(st, 1, c->a);
		items[k].tlp = db_col_dup(st, 2, c->a);
		items[k].body = db_col_dup(st, 3, c->a);
		items[k].editor = db_col_dup(st, 4, c->a);
		items[k].edited_at = db_col_int(st, 5);
		k++;
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

int topic_read_status(struct ctx *c, const char *public_id, struct read_status **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct topic t;
	int rc = topic_get(c, public_id, &t);
	if (rc)
		return rc;
	if (!t.must_read)
		return KR_EINVAL;
	bool all = t.can_edit;
	struct db_stmt *st;
	/* Recipients are the active people the acl lets see the topic. */
	rc = db_prepare(c->db,
			"SELECT o.slug, o.name_ja, o.name_en, COUNT(*),"
			" SUM(CASE WHEN EXISTS (SELECT 1 FROM topic_reads r WHERE r.topic_id = t.id"
			" AND r.person_id = p.id AND r.version >= t.read_version) THEN 1 ELSE 0 END)"
			" FROM topics t JOIN people p ON p.status = 'active' JOIN orgs o ON o.id = p.org_id"
			" WHERE t.id = ?2 AND p.id <> t.author_id AND " ACL_TOPIC_RECIPIENT_PRED
			" AND (CAST(?3 AS BIGINT) = 0 OR p.org_id = ?3)"
			" GROUP BY o.slug, o.name_ja, o.name_en ORDER BY o.name_en LIMIT 2000",
			&st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_int(st, 2, t.id);
	db_bind_int(st, 3, all ? 0 : c->who.org_id);
	size_t cap = 0;
	struct read_status *items = arena_grow(c->a, NULL, 0, &cap, sizeof(*items));
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 2000) {
		items = arena_grow(c->a, items, k, &cap, sizeof(*items));
		items[k].org = db_col_dup(st, 0, c->a);
		items[k].org_name_ja = db_col_dup(st, 1, c->a);
		items[k].org_name_en = db_col_dup(st, 2, c->a);
		items[k].total = db_col_int(st, 3);
		items[k].confirmed = db_col_int(st, 4);
		k++;
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

/* ---- comments ---- */

#define COMMENT_MAX 20000

int comment_add(struct ctx *c, const char *public_id, const char *body, int64_t *id_out)
{
	int64_t tid;
	int rc = visible_id(c, public_id, &tid);
	if (rc)
		return rc;
	if (!body || !valid_text(body, COMMENT_MAX) || !*str_trim(arena_strdup(c->a, body)))
		return KR_EINVAL;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	int64_t id = 0;
	rc = db_prepare(c->db,
			"INSERT INTO comments (topic_id, author_id, author_org_id, body, created_at)"
			" VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, tid);
		db_bind_int(st, 2, c->who.person_id);
		db_bind_int(st, 3, c->who.org_id);
		db_bind_text(st, 4, body);
		db_bind_int(st, 5, c->now);
		id = one_int(st, &rc);
	}
	if (rc == KR_OK && (rc = db_prepare(c->db,
					    "UPDATE topics SET comment_count = comment_count + 1,"
					    " last_activity_at = ?2 WHERE id = ?1",
					    &st)) == KR_OK) {
		db_bind_int(st, 1, tid);
		db_bind_int(st, 2, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = topic_reindex(c, tid);
	if (rc == KR_OK)
		rc = audit(c, "comment.add", "topic", public_id, c->who.org_id, NULL);
	if (rc == KR_OK)
		rc = notify_comment(c, tid);
	rc = tx_end(c, rc);
	if (rc == KR_OK && id_out)
		*id_out = id;
	return rc;
}

/* The comments of topic tid; moderator: the viewer moderates its home
 * community (who may delete which comment). */
static int comments_of(struct ctx *c, int64_t tid, bool moderator, struct comment **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int rc;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db,
			     "SELECT cm.id, p.login, p.display_name, o.name_ja, o.name_en, cm.body, cm.created_at,"
			     " cm.edited_at, cm.deleted_at FROM comments cm JOIN people p ON p.id = cm.author_id"
			     " JOIN orgs o ON o.id = cm.author_org_id WHERE cm.topic_id = ?1"
			     " ORDER BY cm.created_at, cm.id LIMIT 1000",
			     &st)))
		return rc;
	db_bind_int(st, 1, tid);
	size_t cap = 0;
	struct comment *items = arena_grow(c->a, NULL, 0, &cap, sizeof(*items));
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 1000) {
		items = arena_grow(c->a, items, k, &cap, sizeof(*items));
		struct comment *m = &items[k++];
		m->id = db_col_int(st, 0);
		m->author = db_col_dup(st, 1, c->a);
		m->author_name = db_col_dup(st, 2, c->a);
		m->author_org_name_ja = db_col_dup(st, 3, c->a);
		m->author_org_name_en = db_col_dup(st, 4, c->a);
		m->deleted = !db_col_null(st, 8);
		m->body = m->deleted ? "" : db_col_dup(st, 5, c->a);
		m->created_at = db_col_int(st, 6);
		m->edited_at = db_col_int(st, 7);
		m->can_delete = !m->deleted && (moderator || str_eq(m->author, c->who.login));
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

int comment_list(struct ctx *c, const char *public_id, struct comment **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int64_t tid;
	int rc = visible_id(c, public_id, &tid);
	if (rc)
		return rc;
	struct acl_membership ms = {0};
	struct db_stmt *st;
	if ((rc = db_prepare(c->db, "SELECT community_id FROM topics WHERE id = ?1", &st)))
		return rc;
	db_bind_int(st, 1, tid);
	int64_t cid = one_int(st, &rc);
	if (rc == KR_OK)
		rc = acl_community_membership(c, cid, &ms);
	if (rc)
		return rc;
	return comments_of(c, tid, ms.moderator, out, n);
}

int comment_list_loaded(struct ctx *c, const struct topic *t, struct comment **out, size_t *n)
{
	return comments_of(c, t->id, t->can_moderate, out, n);
}

int comment_delete(struct ctx *c, int64_t comment_id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT t.public_id, cm.author_id FROM comments cm JOIN topics t ON t.id = cm.topic_id"
			    " WHERE cm.id = ?1 AND cm.deleted_at IS NULL AND t.space = ?2",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, comment_id);
	db_bind_int(st, 2, c->space);
	rc = db_step(st);
	const char *pid = NULL;
	int64_t author = 0;
	if (rc == KR_ROW) {
		pid = db_col_dup(st, 0, c->a);
		author = db_col_int(st, 1);
	}
	db_done(st);
	if (!pid)
		return rc == KR_DONE ? KR_ENOTFOUND : rc;
	struct topic t;
	if ((rc = topic_get(c, pid, &t)))
		return rc;
	if (author != c->who.person_id && !t.can_moderate)
		return KR_EPERM;
	if ((rc = tx_begin(c)))
		return rc;
	rc = db_prepare(c->db, "UPDATE comments SET deleted_at = ?2 WHERE id = ?1", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, comment_id);
		db_bind_int(st, 2, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK && (rc = db_prepare(c->db, "UPDATE topics SET comment_count = comment_count - 1"
						   " WHERE id = ?1", &st)) == KR_OK) {
		db_bind_int(st, 1, t.id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = topic_reindex(c, t.id);
	if (rc == KR_OK)
		rc = audit(c, "comment.delete", "topic", pid, c->who.org_id,
			   arena_printf(c->a, "%lld", (long long)comment_id));
	return tx_end(c, rc);
}

/* ---- attachments ---- */

/* Keep the last path component, drop control characters, cap the length;
 * the name is only ever shown escaped and sent in Content-Disposition. */
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
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return NULL;
	if (utf8_len(s, strlen(s)) > 200)
		return NULL;
	return s;
}

/* A media type of the form type/subtype with token characters; anything
 * else is stored as application/octet-stream.  It is never used to render
 * the file inline (downloads are always attachments). */
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

int attachment_add(struct ctx *c, const char *topic_public_id, int64_t comment_id, const char *filename,
		   const char *ctype, const void *data, size_t len, const char **public_id, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	*public_id = NULL;
	struct topic t;
	int rc = topic_get(c, topic_public_id, &t);
	if (rc)
		return rc;
	/* Files on the topic itself: those who may edit it; on a comment: its author. */
	struct db_stmt *st;
	if (comment_id) {
		if ((rc = db_prepare(c->db, "SELECT author_id FROM comments WHERE id = ?1 AND topic_id = ?2"
					    " AND deleted_at IS NULL", &st)))
			return rc;
		db_bind_int(st, 1, comment_id);
		db_bind_int(st, 2, t.id);
		int64_t author = one_int(st, &rc);
		if (rc)
			return rc == KR_ENOTFOUND ? KR_EINVAL : rc;
		if (author != c->who.person_id)
			return KR_EPERM;
	} else if (!t.can_edit) {
		return KR_EPERM;
	}
	const char *fn = clean_filename(c->a, filename);
	if (!fn)
		return *bad = "filename", KR_EINVAL;
	if (len == 0)
		return *bad = "file", KR_EINVAL;
	if (len > ATTACHMENT_MAX)
		return *bad = "file", KR_ETOOBIG;
	char sha[65];
	sha256_hex(data, len, sha);
	const char *pid = rand_token(c->a, 16);
	if ((rc = tx_begin(c)))
		return rc;
	rc = db_prepare(c->db,
			"INSERT INTO attachments (public_id, topic_id, comment_id, filename, ctype, size, sha256, data,"
			" uploaded_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			&st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, pid);
		db_bind_int(st, 2, t.id);
		if (comment_id)
			db_bind_int(st, 3, comment_id);
		else
			db_bind_null(st, 3);
		db_bind_text(st, 4, fn);
		db_bind_text(st, 5, clean_ctype(ctype));
		db_bind_int(st, 6, (int64_t)len);
		db_bind_text(st, 7, sha);
		db_bind_blob(st, 8, data, len);
		db_bind_int(st, 9, c->who.person_id);
		db_bind_int(st, 10, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "attachment.add", "topic", topic_public_id, c->who.org_id,
			   arena_printf(c->a, "%s %s", fn, sha));
	rc = tx_end(c, rc);
	if (rc == KR_OK)
		*public_id = pid;
	return rc;
}

static int attachments_of(struct ctx *c, int64_t topic_id, struct attachment **out, size_t *n);

int attachment_list(struct ctx *c, int64_t topic_id, struct attachment **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int rc = acl_topic_visible(c, topic_id);
	if (rc)
		return rc;
	return attachments_of(c, topic_id, out, n);
}

int attachment_list_loaded(struct ctx *c, const struct topic *t, struct attachment **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return attachments_of(c, t->id, out, n);
}

static int attachments_of(struct ctx *c, int64_t topic_id, struct attachment **out, size_t *n)
{
	int rc;
	struct db_stmt *st;
	if ((rc = db_prepare(c->db,
			     "SELECT a.public_id, a.filename, a.ctype, a.sha256, a.size, a.created_at, a.comment_id"
			     " FROM attachments a LEFT JOIN comments cm ON cm.id = a.comment_id"
			     " WHERE a.topic_id = ?1 AND a.deleted_at IS NULL AND cm.deleted_at IS NULL"
			     " ORDER BY a.created_at, a.id LIMIT 500",
			     &st)))
		return rc;
	db_bind_int(st, 1, topic_id);
	return attachment_rows(c, st, out, n);
}

int attachment_rows(struct ctx *c, struct db_stmt *st, struct attachment **out, size_t *n)
{
	size_t cap = 0;
	struct attachment *items = arena_grow(c->a, NULL, 0, &cap, sizeof(*items));
	size_t k = 0;
	int rc;
	while ((rc = db_step(st)) == KR_ROW && k < 500) {
		items = arena_grow(c->a, items, k, &cap, sizeof(*items));
		struct attachment *x = &items[k++];
		x->public_id = db_col_dup(st, 0, c->a);
		x->filename = db_col_dup(st, 1, c->a);
		x->ctype = db_col_dup(st, 2, c->a);
		x->sha256 = db_col_dup(st, 3, c->a);
		x->size = db_col_int(st, 4);
		x->created_at = db_col_int(st, 5);
		x->comment_id = db_col_int(st, 6);
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

int attachment_get(struct ctx *c, const char *public_id, struct attachment *out)
{
	memset(out, 0, sizeof *out);
	if (!public_id || strlen(public_id) > 64)
		return KR_ENOTFOUND;
	/* Decide visibility before reading a single byte of the file. */
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT a.id, a.topic_id FROM attachments a LEFT JOIN comments cm ON cm.id = a.comment_id"
			    " WHERE a.public_id = ?1 AND a.deleted_at IS NULL AND cm.deleted_at IS NULL",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, public_id);
	rc = db_step(st);
	int64_t aid = 0, tid = 0;
	if (rc == KR_ROW) {
		aid = db_col_int(st, 0);
		tid = db_col_int(st, 1);
	}
	db_done(st);
	if (!aid)
		return rc == KR_DONE ? KR_ENOTFOUND : (rc < 0 ? rc : KR_ENOTFOUND);
	if ((rc = acl_topic_visible(c, tid)))
		return rc;
	if ((rc = db_prepare(c->db,
			     "SELECT filename, ctype, sha256, size, created_at, comment_id, data FROM attachments"
			     " WHERE id = ?1",
			     &st)))
		return rc;
	db_bind_int(st, 1, aid);
	rc = db_step(st);
	if (rc == KR_ROW) {
		out->public_id = arena_strdup(c->a, public_id);
		out->filename = db_col_dup(st, 0, c->a);
		out->ctype = db_col_dup(st, 1, c->a);
		out->sha256 = db_col_dup(st, 2, c->a);
		out->size = db_col_int(st, 3);
		out->created_at = db_col_int(st, 4);
		out->comment_id = db_col_int(st, 5);
		out->data = arena_memdup(c->a, db_col_blob(st, 6), db_col_len(st, 6));
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int topic_reindex_all(struct ctx *c, int64_t *n)
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
		int rc = db_prepare(c->db, "SELECT id FROM topics WHERE id > ?1 ORDER BY id LIMIT 500", &st);
		if (rc)
			return rc;
		db_bind_int(st, 1, after);
		while (k < 500 && db_step(st) == KR_ROW)
			ids[k++] = db_col_int(st, 0);
		db_done(st);
		if (!k)
			return KR_OK;
		if ((rc = tx_begin(c)))
			return rc;
		/* Each batch's copies and tsvector literals in an arena of
		 * its own: a whole site's would be gigabytes on PostgreSQL. */
		struct arena *keep = c->a;
		c->a = arena_new();
		for (size_t i = 0; rc == KR_OK && i < k; i++)
			rc = topic_reindex(c, ids[i]);
		arena_free(c->a);
		c->a = keep;
		if ((rc = tx_end(c, rc)))
			return rc;
		*n += (int64_t)k;
		after = ids[k - 1];
	}
}

/* ---- list cache ----
 *
 * A list page is the same for the same viewer, list and paging until
 * something it was read from changes, and people open the same lists over
 * and over (a community's first page above all).  Entries are per viewer:
 * the key holds the space, the person, their organisation and role
 * (everything the acl predicate binds, and more) and every filter, sort,
 * cursor and limit, so an entry is only ever served to the viewer it was
 * computed for.  Validity: each entry is stored with the values of
 * topic_list_version read first in the same transaction as the list
 * (migration 8).  Triggers give one of those rows a fresh random value in
 * the same transaction as any write to any table the list statements read
 * - topics, topic_shares, topic_scope, topic_reads, communities,
 * community_members, people, orgs - on every node and from every tool, so
 * an entry is served only while the rows it was computed from are
 * unchanged: a membership removed, a scope narrowed or a topic deleted
 * changes the values in the very commit that makes the change visible.
 * Reading the values first means a list is never older than the values it
 * is stored under.  Values a rolled-back transaction wrote are never seen
 * again (62 random bits), and entries also expire after a minute.  Keyword
 * search is not cached.  Per viewer rather than per group of viewers with
 * equal memberships: the predicate also matches the person themself
 * (authorship, person-scoped recipients, must-read state), so a group
 * signature would need those facts read per request too.  Memory: at most
 * LC_SLOTS entries of one page each, replaced by hash. */
#define LC_SLOTS 256
#define LC_TTL_MS 60000

struct lc_entry {
	uint64_t hash;
	char *key, *version;
	int64_t at;
	char *blob;          /* items[n] then their strings */
	size_t len;
	struct topic_page pg; /* items and next_cursor point into blob */
};
static pthread_mutex_t lc_mu = PTHREAD_MUTEX_INITIALIZER;
static struct lc_entry lc_slots[LC_SLOTS];

static const size_t lc_str_fields[] = {
	offsetof(struct topic, public_id), offsetof(struct topic, community),
	offsetof(struct topic, community_name_ja), offsetof(struct topic, community_name_en),
	offsetof(struct topic, author), offsetof(struct topic, author_name), offsetof(struct topic, author_org),
	offsetof(struct topic, author_org_name_ja), offsetof(struct topic, author_org_name_en),
	offsetof(struct topic, title), offsetof(struct topic, tag), offsetof(struct topic, audience),
	offsetof(struct topic, category), offsetof(struct topic, scope), offsetof(struct topic, body),
};

static const char **lc_field(struct topic *t, size_t k) { return (const char **)(void *)((char *)t + lc_str_fields[k]); }

/* One row on SQLite, 16 on PostgreSQL (see migration 8). */
/* The version last read by this thread, with the read snapshot it was
 * read in: inside one snapshot it cannot change, and a page asks more
 * than once (community_get, topic_list). */
static _Thread_local struct {
	uint64_t snapshot;
	char v[512];
} lv_memo;

int topic_list_version(struct ctx *c, const char **out)
{
	uint64_t snap = db_read_snapshot(c->db);
	if (snap && lv_memo.snapshot == snap) {
		*out = arena_strdup(c->a, lv_memo.v);
		return KR_OK;
	}
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT v FROM topic_list_version ORDER BY id", &st);
	if (rc)
		return rc;
	struct buf b = BUF_INIT;
	while ((rc = db_step(st)) == KR_ROW) {
		buf_add_i64(&b, db_col_int(st, 0));
		buf_addc(&b, ',');
	}
	db_done(st);
	if (rc == KR_DONE)
		rc = b.len ? KR_OK : KR_ENOTFOUND;
	if (rc == KR_OK) {
		*out = arena_strndup(c->a, b.p, b.len);
		if (snap && b.len < sizeof lv_memo.v) {
			memcpy(lv_memo.v, b.p, b.len + 1);
			lv_memo.snapshot = snap;
		}
	}
	buf_free(&b);
	return rc;
}

static void lc_add_str(struct buf *b, const char *s)
{
	if (!s) {
		buf_adds(b, "-");
		return;
	}
	size_t n = strlen(s);
	buf_add_i64(b, (int64_t)n);
	buf_addc(b, ':');
	buf_add(b, s, n);
}

/* Numbers each followed by '|' (no printf: this runs on every list). */
static void lc_add_nums(struct buf *b, const int64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_add_i64(b, v[i]);
		buf_addc(b, '|');
	}
}

static char *lc_key(struct ctx *c, const struct topic_filter *f)
{
	struct buf b = BUF_INIT;
	buf_grow(&b, 128);
	const int64_t who[] = {c->space, c->who.person_id, c->who.org_id, (int64_t)c->who.role,
			       c->who.org_admin ? 1 : 0, c->who.system ? 1 : 0};
	lc_add_nums(&b, who, KR_ARRAY_LEN(who));
	lc_add_str(&b, str_empty(f->community) ? NULL : f->community);
	lc_add_str(&b, str_empty(f->tag) ? NULL : f->tag);
	lc_add_str(&b, str_empty(f->category) ? NULL : f->category);
	lc_add_str(&b, str_empty(f->tlp) ? NULL : f->tlp);
	lc_add_str(&b, str_empty(f->org) ? NULL : f->org);
	lc_add_str(&b, f->cursor);
	buf_addc(&b, '|');
	const int64_t rest[] = {f->from, f->to, (int64_t)f->sort, f->must_read_pending ? 1 : 0, f->limit};
	lc_add_nums(&b, rest, KR_ARRAY_LEN(rest));
	char *k = arena_strndup(c->a, b.p, b.len);
	buf_free(&b);
	return k;
}

/* Copy a cached page into the request's arena, its pointers moved along. */
static bool lc_get(struct ctx *c, const char *key, uint64_t h, const char *version, struct topic_page *out)
{
	bool hit = false;
	pthread_mutex_lock(&lc_mu);
	struct lc_entry *e = &lc_slots[h % LC_SLOTS];
	if (e->key && e->hash == h && now_ms() - e->at < LC_TTL_MS && strcmp(e->version, version) == 0 &&
	    strcmp(e->key, key) == 0) {
		char *nb = arena_alloc_raw(c->a, e->len ? e->len : 1);
		memcpy(nb, e->blob, e->len);
		*out = e->pg;
		out->items = (struct topic *)(void *)nb;
		for (size_t i = 0; i < out->n; i++)
			for (size_t k = 0; k < KR_ARRAY_LEN(lc_str_fields); k++) {
				const char **fp = lc_field(&out->items[i], k);
				if (*fp)
					*fp = nb + (*fp - e->blob);
			}
		if (e->pg.next_cursor)
			out->next_cursor = nb + (e->pg.next_cursor - e->blob);
		hit = true;
	}
	pthread_mutex_unlock(&lc_mu);
	return hit;
}

static void lc_put(const char *key, uint64_t h, const char *version, const struct topic_page *pg)
{
	size_t len = sizeof(struct topic) * pg->n;
	for (size_t i = 0; i < pg->n; i++)
		for (size_t k = 0; k < KR_ARRAY_LEN(lc_str_fields); k++) {
			const char *sv = *lc_field((struct topic *)&pg->items[i], k);
			if (sv)
				len += strlen(sv) + 1;
		}
	if (pg->next_cursor)
		len += strlen(pg->next_cursor) + 1;
	char *blob = malloc(len ? len : 1);
	char *key_copy = strdup(key), *version_copy = strdup(version);
	if (!blob || !key_copy || !version_copy) {
		free(blob);
		free(key_copy);
		free(version_copy);
		return;
	}
	struct topic *items = (struct topic *)(void *)blob;
	if (pg->n)
		memcpy(items, pg->items, sizeof(struct topic) * pg->n);
	char *p = blob + sizeof(struct topic) * pg->n;
	for (size_t i = 0; i < pg->n; i++)
		for (size_t k = 0; k < KR_ARRAY_LEN(lc_str_fields); k++) {
			const char **fp = lc_field(&items[i], k);
			if (*fp) {
				size_t n = strlen(*fp) + 1;
				memcpy(p, *fp, n);
				*fp = p;
				p += n;
			}
		}
	struct topic_page copy = *pg;
	copy.items = items;
	copy.cache_key = copy.cache_version = NULL;
	if (pg->next_cursor) {
		size_t n = strlen(pg->next_cursor) + 1;
		memcpy(p, pg->next_cursor, n);
		copy.next_cursor = p;
	}
	pthread_mutex_lock(&lc_mu);
	struct lc_entry *e = &lc_slots[h % LC_SLOTS];
	char *old_blob = e->blob, *old_key = e->key, *old_version = e->version;
	*e = (struct lc_entry){.hash = h, .key = key_copy, .version = version_copy, .at = now_ms(),
			       .blob = blob, .len = len, .pg = copy};
	pthread_mutex_unlock(&lc_mu);
	free(old_blob);
	free(old_key);
	free(old_version);
}

int topic_list(struct ctx *c, const struct topic_filter *f, struct topic_page *out)
{
	memset(out, 0, sizeof *out);
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (!str_empty(f->q))
		return topic_list_db(c, f, out);
	const char *version = NULL;
	const char *key = NULL;
	uint64_t h = 0;
	if (topic_list_version(c, &version) == KR_OK) {
		key = lc_key(c, f);
		h = str_hash64(key);
		if (lc_get(c, key, h, version, out)) {
			out->cache_key = key;
			out->cache_version = version;
			return KR_OK;
		}
	}
	int rc = topic_list_db(c, f, out);
	if (rc == KR_OK && key) {
		lc_put(key, h, version, out);
		out->cache_key = key;
		out->cache_version = version;
	}
	return rc;
}
