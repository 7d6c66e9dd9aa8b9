/* community.c - communities: the built-in ones of R3.1, member-made ones
 * (R3.2), membership by organisation or person, moderators.  Visibility
 * of a community follows membership (acl); open communities can be seen
 * in order to join them. */
#include "core/community.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/common.h"
#include "core/org.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "store/db.h"

struct builtin {
	const char *slug, *kind, *name_ja, *name_en, *post;
};

/* R3.1.  Everyone belongs to these; the coordination center moderates. */
static const struct builtin builtins[] = {
	{"general", "general", "情報提供(一般)", "Information (general)", "moderators"},
	{"professional", "professional", "情報提供(プロ)", "Information (professional)", "moderators"},
	{"consultation", "consultation", "そうだんの窓口", "Consultation desk", "members"},
	{"cc-contact", "cc_contact", "対処調整センター連絡窓口", "Coordination-center contact", "members"},
	{"manuals", "manuals", "マニュアル・FAQ", "Manuals and FAQ", "moderators"},
};

static int insert_community(struct ctx *c, const char *slug, const char *kind, const char *name_ja,
			    const char *name_en, const char *desc, bool everyone, const char *join,
			    const char *post, int64_t owner_org, int64_t *id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO communities (space, slug, kind, name_ja, name_en, description, everyone,"
			    " join_policy, post_policy, owner_org_id, created_by, created_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_text(st, 2, slug);
	db_bind_text(st, 3, kind);
	db_bind_text(st, 4, name_ja);
	db_bind_text(st, 5, name_en);
	db_bind_text(st, 6, desc ? desc : "");
	db_bind_int(st, 7, everyone ? 1 : 0);
	db_bind_text(st, 8, join);
	db_bind_text(st, 9, post);
	if (owner_org > 0)
		db_bind_int(st, 10, owner_org);
	else
		db_bind_null(st, 10);
	if (c->who.person_id > 0)
		db_bind_int(st, 11, c->who.person_id);
	else
		db_bind_null(st, 11);
	db_bind_int(st, 12, c->now);
	rc = db_step(st);
	if (rc == KR_ROW) {
		*id = db_col_int(st, 0);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_EDB;
	}
	db_done(st);
	return rc;
}

static int insert_member(struct ctx *c, int64_t community, const char *type, int64_t who, const char *role)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO community_members (community_id, member_type, member_id, role, added_by, added_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
			    " ON CONFLICT (community_id, member_type, member_id) DO UPDATE SET role = ?4",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, community);
	db_bind_text(st, 2, type);
	db_bind_int(st, 3, who);
	db_bind_text(st, 4, role);
	if (c->who.person_id > 0)
		db_bind_int(st, 5, c->who.person_id);
	else
		db_bind_null(st, 5);
	db_bind_int(st, 6, c->now);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

static int find_id(struct ctx *c, const char *slug, int64_t *id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT id FROM communities WHERE space = ?1 AND slug = ?2", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_text(st, 2, slug);
	rc = db_step(st);
	if (rc == KR_ROW) {
		*id = db_col_int(st, 0);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int community_init_builtin(struct ctx *c)
{
	if (!c->who.system)
		return KR_EPERM;
	struct org cc;
	int rc = org_get(c, "cc", &cc);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	for (size_t i = 0; rc == KR_OK && i < KR_ARRAY_LEN(builtins); i++) {
		const struct builtin *b = &builtins[i];
		int64_t id;
		rc = find_id(c, b->slug, &id);
		if (rc == KR_ENOTFOUND) {
			rc = insert_community(c, b->slug, b->kind, b->name_ja, b->name_en, "", true, "invite",
					      b->post, cc.id, &id);
			if (rc == KR_OK)
				rc = insert_member(c, id, "org", cc.id, "moderator");
			if (rc == KR_OK)
				rc = audit(c, "community.create", "community", b->slug, cc.id, NULL);
		}
	}
	return tx_end(c, rc);
}

int community_init_for_org(struct ctx *c, int64_t org_id, const char *slug, const char *name_ja,
			   const char *name_en, const char *kind)
{
	int64_t cc_id = 0, id;
	struct org cc;
	if (org_get(c, "cc", &cc) == KR_OK)
		cc_id = cc.id;
	/* The private observation-notice community: the organisation and the
	 * coordination center (which posts the notices) only (R3.1, R10). */
	const char *oslug = arena_printf(c->a, "obs-%s", slug);
	int rc = insert_community(c, oslug, "observation", arena_printf(c->a, "観測情報通知：%s", name_ja),
				  arena_printf(c->a, "Observation notices: %s", name_en), "", false, "invite",
				  "moderators", org_id, &id);
	if (rc == KR_OK)
		rc = insert_member(c, id, "org", org_id, "member");
	if (rc == KR_OK && cc_id > 0 && cc_id != org_id)
		rc = insert_member(c, id, "org", cc_id, "moderator");
	/* A CTI vendor's information-provision community: everyone reads,
	 * the vendor posts (R3.1). */
	if (rc == KR_OK && str_eq(kind, "cti_vendor")) {
		rc = insert_community(c, arena_printf(c->a, "info-%s", slug), "vendor",
				      arena_printf(c->a, "情報提供：%s", name_ja),
				      arena_printf(c->a, "Information from %s", name_en), "", true, "invite",
				      "moderators", org_id, &id);
		if (rc == KR_OK)
			rc = insert_member(c, id, "org", org_id, "owner");
		if (rc == KR_OK && cc_id > 0)
			rc = insert_member(c, id, "org", cc_id, "moderator");
	}
	return rc;
}

#define COMMUNITY_COLS \
	"c.id, c.slug, c.kind, c.name_ja, c.name_en, c.description, c.everyone, c.join_policy," \
	" c.post_policy, c.owner_org_id, c.created_at"

static void community_row(struct db_stmt *st, struct arena *a, struct community *m)
{
	m->id = db_col_int(st, 0);
	m->slug = db_col_dup(st, 1, a);
	m->kind = db_col_dup(st, 2, a);
	m->name_ja = db_col_dup(st, 3, a);
	m->name_en = db_col_dup(st, 4, a);
	m->description = db_col_dup(st, 5, a);
	m->everyone = db_col_int(st, 6) != 0;
	m->join_policy = db_col_dup(st, 7, a);
	m->post_policy = db_col_dup(st, 8, a);
	m->owner_org_id = db_col_int(st, 9);
	m->created_at = db_col_int(st, 10);
}

/* Fill the viewer's standing from acl. */
static int standing(struct ctx *c, struct community *m)
{
	struct acl_membership ms;
	int rc = acl_community_membership(c, m->id, &ms);
	if (rc)
		return rc;
	m->member = ms.member;
	m->moderator = ms.moderator;
	m->owner = ms.owner;
	m->can_post = ms.member && (str_eq(m->post_policy, "members") || ms.moderator);
	return KR_OK;
}

/* ---- community_get's cache ----
 *
 * A community page reads its community and the viewer's standing in it
 * (three statements) on every view.  Both come only from communities and
 * community_members, whose every write changes topic_list_version in the
 * same commit (migration 8, see topic_list's cache in core/topic.c), so a
 * result stored under the version read before computing it is exact for
 * as long as the version is unchanged: a membership removed, a role
 * changed or a community archived is seen on the very next request.
 * Entries are per viewer (space, person, organisation, slug) and expire
 * after a minute; at most CC_SLOTS, replaced by hash. */
#define CC_SLOTS 256
#define CC_TTL_MS 60000

struct cc_entry {
	uint64_t hash;
	char *key, *version;
	int64_t at;
	struct community cm; /* strings point into blob */
	char *blob;
};
static pthread_mutex_t cc_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cc_entry cc_slots[CC_SLOTS];

static const size_t cc_str_fields[] = {
	offsetof(struct community, slug), offsetof(struct community, kind),
	offsetof(struct community, name_ja), offsetof(struct community, name_en),
	offsetof(struct community, description), offsetof(struct community, join_policy),
	offsetof(struct community, post_policy),
};

static const char **cc_field(struct community *m, size_t k)
{
	return (const char **)(void *)((char *)m + cc_str_fields[k]);
}

static char *cc_key(struct ctx *c, const char *slug)
{
	struct buf b = BUF_INIT;
	buf_add_i64(&b, c->space);
	buf_addc(&b, '|');
	buf_add_i64(&b, c->who.person_id);
	buf_addc(&b, '|');
	buf_add_i64(&b, c->who.org_id);
	buf_addc(&b, '|');
	buf_adds(&b, slug);
	char *k = arena_strndup(c->a, b.p, b.len);
	buf_free(&b);
	return k;
}


static bool cc_get(struct ctx *c, const char *key, uint64_t h, const char *version, struct community *out)
{
	bool hit = false;
	pthread_mutex_lock(&cc_mu);
	struct cc_entry *e = &cc_slots[h % CC_SLOTS];
	if (e->key && e->hash == h && now_ms() - e->at < CC_TTL_MS && strcmp(e->version, version) == 0 &&
	    strcmp(e->key, key) == 0) {
		*out = e->cm;
		for (size_t k = 0; k < KR_ARRAY_LEN(cc_str_fields); k++)
			*cc_field(out, k) = arena_strdup(c->a, *cc_field(&e->cm, k));
		hit = true;
	}
	pthread_mutex_unlock(&cc_mu);
	return hit;
}

static void cc_put(const char *key, uint64_t h, const char *version, const struct community *cm)
{
	size_t len = 0;
	for (size_t k = 0; k < KR_ARRAY_LEN(cc_str_fields); k++) {
		const char *v = *cc_field((struct community *)cm, k);
		len += v ? strlen(v) + 1 : 0;
	}
	char *blob = malloc(len ? len : 1), *key_copy = strdup(key), *version_copy = strdup(version);
	if (!blob || !key_copy || !version_copy) {
		free(blob);
		free(key_copy);
		free(version_copy);
		return;
	}
	struct community copy = *cm;
	char *p = blob;
	for (size_t k = 0; k < KR_ARRAY_LEN(cc_str_fields); k++) {
		const char **fp = cc_field(&copy, k);
		if (*fp) {
			size_t n = strlen(*fp) + 1;
			memcpy(p, *fp, n);
			*fp = p;
			p += n;
		}
	}
	pthread_mutex_lock(&cc_mu);
	struct cc_entry *e = &cc_slots[h % CC_SLOTS];
	char *old_blob = e->blob, *old_key = e->key, *old_version = e->version;
	*e = (struct cc_entry){.hash = h, .key = key_copy, .version = version_copy, .at = now_ms(),
			       .cm = copy, .blob = blob};
	pthread_mutex_unlock(&cc_mu);
	free(old_blob);
	free(old_key);
	free(old_version);
}

static int community_get_db(struct ctx *c, const char *slug, struct community *out)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT " COMMUNITY_COLS " FROM communities c WHERE c.space = ?1 AND c.slug = ?2"
			    " AND c.archived_at IS NULL",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_text(st, 2, slug);
	rc = db_step(st);
	if (rc == KR_ROW) {
		community_row(st, c->a, out);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	if (rc)
		return rc;
	return standing(c, out);
}

int community_get(struct ctx *c, const char *slug, struct community *out)
{
	memset(out, 0, sizeof *out);
	if (!valid_line(slug, 1, 80) || c->who.person_id <= 0)
		return KR_ENOTFOUND;
	const char *version = NULL, *key = NULL;
	uint64_t h = 0;
	int rc;
	if (topic_list_version(c, &version) == KR_OK) {
		key = cc_key(c, slug);
		h = str_hash64(key);
		if (cc_get(c, key, h, version, out))
			goto found;
	}
	if ((rc = community_get_db(c, slug, out))) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	if (key)
		cc_put(key, h, version, out);
found:
	if (!out->member && !str_eq(out->join_policy, "open")) {
		memset(out, 0, sizeof *out);
		return KR_ENOTFOUND;
	}
	return KR_OK;
}

int community_list_mine(struct ctx *c, struct community **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT " COMMUNITY_COLS
			    " FROM communities c WHERE c.id IN " ACL_MY_COMMUNITIES
			    " ORDER BY CASE c.kind WHEN 'general' THEN 0 WHEN 'professional' THEN 1"
			    " WHEN 'consultation' THEN 2 WHEN 'cc_contact' THEN 3 WHEN 'manuals' THEN 4"
			    " WHEN 'vendor' THEN 5 WHEN 'observation' THEN 6 ELSE 7 END, c.name_en, c.id LIMIT 500",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	size_t cap = 0;
	struct community *items = arena_grow(c->a, NULL, 0, &cap, sizeof(*items));
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 500) {
		items = arena_grow(c->a, items, k, &cap, sizeof(*items));
		community_row(st, c->a, &items[k]);
		items[k].member = true;
		k++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* Moderator flags for the (few) communities listed. */
	for (size_t i = 0; i < k; i++)
		if ((rc = standing(c, &items[i])))
			return rc;
	*out = items;
	*n = k;
	return KR_OK;
}

int community_list_open(struct ctx *c, struct community **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT " COMMUNITY_COLS " FROM communities c WHERE c.space = ?3 AND c.archived_at IS NULL"
			    " AND c.join_policy = 'open' AND c.id NOT IN " ACL_MY_COMMUNITIES
			    " ORDER BY c.name_en, c.id LIMIT 500",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	size_t cap = 0;
	struct community *items = arena_grow(c->a, NULL, 0, &cap, sizeof(*items));
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 500) {
		items = arena_grow(c->a, items, k, &cap, sizeof(*items));
		community_row(st, c->a, &items[k++]);
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

int community_create(struct ctx *c, const struct community *in, int64_t *id_out, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	/* Built-in prefixes stay reserved for the platform. */
	if (!valid_ident(in->slug, 2, 64) || strchr(in->slug, '.') || strchr(in->slug, '_') ||
	    !strncmp(in->slug, "obs-", 4) || !strncmp(in->slug, "info-", 5))
		return *bad = "slug", KR_EINVAL;
	for (size_t i = 0; i < KR_ARRAY_LEN(builtins); i++)
		if (str_eq(in->slug, builtins[i].slug))
			return *bad = "slug", KR_ECONFLICT;
	if (!valid_line(in->name_ja, 1, 100))
		return *bad = "name_ja", KR_EINVAL;
	if (!valid_line(in->name_en, 1, 100))
		return *bad = "name_en", KR_EINVAL;
	if (!valid_text(in->description, 2000))
		return *bad = "description", KR_EINVAL;
	const char *join = in->join_policy ? in->join_policy : "invite";
	const char *post = in->post_policy ? in->post_policy : "members";
	if (!str_eq(join, "open") && !str_eq(join, "invite"))
		return *bad = "join_policy", KR_EINVAL;
	if (!str_eq(post, "members") && !str_eq(post, "moderators"))
		return *bad = "post_policy", KR_EINVAL;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	int64_t id = 0;
	rc = insert_community(c, in->slug, "member", in->name_ja, in->name_en, in->description, false, join,
			      post, c->who.org_id, &id);
	if (rc == KR_ECONFLICT)
		*bad = "slug";
	if (rc == KR_OK)
		rc = insert_member(c, id, "person", c->who.person_id, "owner");
	if (rc == KR_OK)
		rc = audit(c, "community.create", "community", in->slug, c->who.org_id, in->name_en);
	rc = tx_end(c, rc);
	if (rc == KR_OK && id_out)
		*id_out = id;
	return rc;
}

int community_join(struct ctx *c, const char *slug)
{
	struct community m;
	int rc = community_get(c, slug, &m);
	if (rc)
		return rc;
	if (m.member)
		return KR_OK;
	if (!str_eq(m.join_policy, "open"))
		return KR_EPERM;
	if ((rc = tx_begin(c)))
		return rc;
	rc = insert_member(c, m.id, "person", c->who.person_id, "member");
	if (rc == KR_OK)
		rc = audit(c, "community.join", "community", m.slug, c->who.org_id, c->who.login);
	return tx_end(c, rc);
}

int community_leave(struct ctx *c, const char *slug)
{
	struct community m;
	int rc = community_get(c, slug, &m);
	if (rc)
		return rc;
	if (m.everyone)
		return KR_EPERM; /* built-in: everyone stays */
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "DELETE FROM community_members WHERE community_id = ?1 AND member_type = 'person'"
			       " AND member_id = ?2", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, m.id);
		db_bind_int(st, 2, c->who.person_id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "community.leave", "community", m.slug, c->who.org_id, c->who.login);
	return tx_end(c, rc);
}

int community_members(struct ctx *c, const char *slug, struct community_member **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct community m;
	int rc = community_get(c, slug, &m);
	if (rc)
		return rc;
	if (!m.member)
		return KR_ENOTFOUND;
	bool en = str_eq(c->who.locale, "en");
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"SELECT cm.member_type, COALESCE(o.slug, p.login), o.name_ja, o.name_en, p.display_name,"
			" cm.role, cm.added_at FROM community_members cm"
			" LEFT JOIN orgs o ON cm.member_type = 'org' AND o.id = cm.member_id"
			" LEFT JOIN people p ON cm.member_type = 'person' AND p.id = cm.member_id"
			" WHERE cm.community_id = ?1"
			" ORDER BY CASE cm.role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END,"
			" cm.member_type, COALESCE(o.name_en, p.display_name) LIMIT 2000",
			&st);
	if (rc)
		return rc;
	db_bind_int(st, 1, m.id);
	size_t cap = 0;
	struct community_member *items = arena_grow(c->a, NULL, 0, &cap, sizeof(*items));
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 2000) {
		items = arena_grow(c->a, items, k, &cap, sizeof(*items));
		struct community_member *x = &items[k++];
		x->type = db_col_dup(st, 0, c->a);
		x->id = db_col_dup(st, 1, c->a);
		x->name = str_eq(x->type, "org") ? db_col_dup(st, en ? 3 : 2, c->a) : db_col_dup(st, 4, c->a);
		x->role = db_col_dup(st, 5, c->a);
		x->added_at = db_col_int(st, 6);
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

/* Resolve a member reference to (id, affected org). */
static int resolve_member(struct ctx *c, const char *type, const char *who, int64_t *id, int64_t *org)
{
	if (str_eq(type, "org")) {
		struct org o;
		int rc = org_get(c, who, &o);
		*id = o.id;
		*org = o.id;
		return rc == KR_ENOTFOUND ? KR_EINVAL : rc;
	}
	if (str_eq(type, "person")) {
		struct person p;
		int rc = person_get(c, who, &p);
		*id = p.id;
		*org = p.org_id;
		return rc == KR_ENOTFOUND ? KR_EINVAL : rc;
	}
	return KR_EINVAL;
}

/* Moderators manage membership; admins may too (R5.5), always audited with
 * the affected organisation so its people see the change. */
static int may_manage_members(struct ctx *c, const struct community *m, bool owner_change)
{
	if (acl_is_admin(c))
		return KR_OK;
	if (owner_change ? m->owner : m->moderator)
		return KR_OK;
	return KR_EPERM;
}

int community_set_member(struct ctx *c, const char *slug, const char *type, const char *who, const char *role)
{
	struct community m;
	int rc = community_get(c, slug, &m);
	if (rc == KR_ENOTFOUND && acl_is_admin(c)) {
		/* Admins manage communities they are not in. */
		int64_t id;
		if ((rc = find_id(c, slug, &id)))
			return rc;
		m.id = id;
		m.slug = slug;
	} else if (rc) {
		return rc;
	}
	if (!str_eq(role, "member") && !str_eq(role, "moderator") && !str_eq(role, "owner"))
		return KR_EINVAL;
	if ((rc = may_manage_members(c, &m, str_eq(role, "owner"))))
		return rc;
	int64_t id, org;
	if ((rc = resolve_member(c, type, who, &id, &org)))
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	rc = insert_member(c, m.id, type, id, role);
	if (rc == KR_OK)
		rc = audit(c, "community.member_set", "community", m.slug, org,
			   arena_printf(c->a, "%s:%s:%s", type, who, role));
	return tx_end(c, rc);
}

int community_remove_member(struct ctx *c, const char *slug, const char *type, const char *who)
{
	struct community m;
	int rc = community_get(c, slug, &m);
	if (rc == KR_ENOTFOUND && acl_is_admin(c)) {
		int64_t cid;
		if ((rc = find_id(c, slug, &cid)))
			return rc;
		m.id = cid;
		m.slug = slug;
	} else if (rc) {
		return rc;
	}
	if ((rc = may_manage_members(c, &m, false)))
		return rc;
	int64_t id, org;
	if ((rc = resolve_member(c, type, who, &id, &org)))
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "DELETE FROM community_members WHERE community_id = ?1 AND member_type = ?2"
			       " AND member_id = ?3", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, m.id);
		db_bind_text(st, 2, type);
		db_bind_int(st, 3, id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		if (rc == KR_OK && db_changes(st) == 0)
			rc = KR_ENOTFOUND;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "community.member_remove", "community", m.slug, org,
			   arena_printf(c->a, "%s:%s", type, who));
	return tx_end(c, rc);
}
