/* acl.c - access decisions for identity objects.  See acl.h. */
#include "core/acl.h"

#include "lib/util.h"
#include "store/db.h"

bool acl_logged_in(const struct ctx *c) { return c->who.system || c->who.person_id > 0; }

bool acl_is_admin(const struct ctx *c) { return c->who.system || c->who.role == ROLE_ADMIN; }

bool acl_is_staff(const struct ctx *c)
{
	return c->who.system || c->who.role == ROLE_ADMIN || c->who.role == ROLE_COORDINATOR;
}

bool acl_can_manage_org(const struct ctx *c, int64_t org_id)
{
	if (acl_is_staff(c))
		return true;
	return c->who.person_id > 0 && c->who.org_admin && c->who.org_id == org_id;
}

bool acl_can_create_org(const struct ctx *c) { return acl_is_staff(c); }

bool acl_can_assign_role(const struct ctx *c, int64_t org_id, enum role role, bool org_admin)
{
	if (acl_is_admin(c))
		return true;
	if (c->who.role == ROLE_COORDINATOR)
		return role == ROLE_MEMBER || role == ROLE_COORDINATOR;
	(void)org_admin;
	return c->who.person_id > 0 && c->who.org_admin && c->who.org_id == org_id &&
	       role == ROLE_MEMBER;
}

bool acl_can_manage_person(const struct ctx *c, int64_t org_id, enum role target_role)
{
	if (target_role == ROLE_ADMIN)
		return acl_is_admin(c);
	if (acl_is_staff(c))
		return true;
	return c->who.person_id > 0 && c->who.org_admin && c->who.org_id == org_id &&
	       target_role == ROLE_MEMBER;
}

bool acl_can_see_account(const struct ctx *c, int64_t org_id, int64_t person_id)
{
	int64_t all, org, self;
	acl_account_binds(c, &all, &org, &self);
	return all || org_id == org || person_id == self;
}

void acl_account_binds(const struct ctx *c, int64_t *all, int64_t *org_id, int64_t *self)
{
	*all = acl_is_staff(c) ? 1 : 0;
	/* -1 never matches an id: members without org-admin list only themselves. */
	*org_id = (c->who.person_id > 0 && c->who.org_admin) ? c->who.org_id : -1;
	*self = c->who.person_id > 0 ? c->who.person_id : -1;
}

void acl_audit_binds(const struct ctx *c, int64_t *all, int64_t *org_id)
{
	*all = acl_is_admin(c) ? 1 : 0;
	*org_id = c->who.person_id > 0 ? c->who.org_id : -1;
}

bool acl_can_see_audit(const struct ctx *c, int64_t target_org_id)
{
	int64_t all, org;
	acl_audit_binds(c, &all, &org);
	return all || (target_org_id > 0 && target_org_id == org);
}

/* ---- communities and topics ---- */

void acl_viewer_binds(const struct ctx *c, struct db_stmt *st)
{
	db_bind_int(st, 1, c->who.person_id > 0 ? c->who.person_id : 0);
	db_bind_int(st, 2, c->who.person_id > 0 ? c->who.org_id : 0);
	db_bind_int(st, 3, c->space);
}

int acl_community_membership(struct ctx *c, int64_t community_id, struct acl_membership *out)
{
	*out = (struct acl_membership){0};
	if (c->who.person_id <= 0)
		return KR_OK;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT space, everyone, archived_at FROM communities WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, community_id);
	rc = db_step(st);
	bool ok = false, everyone = false;
	if (rc == KR_ROW) {
		ok = db_col_int(st, 0) == c->space && db_col_null(st, 2);
		everyone = db_col_int(st, 1) != 0;
		rc = KR_OK;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!ok)
		return KR_OK;
	out->member = everyone;
	rc = db_prepare(c->db,
			"SELECT member_type, member_id, role FROM community_members WHERE community_id = ?1"
			" AND ((member_type = 'org' AND member_id = ?2) OR (member_type = 'person' AND member_id = ?3))",
			&st);
	if (rc)
		return rc;
	db_bind_int(st, 1, community_id);
	db_bind_int(st, 2, c->who.org_id);
	db_bind_int(st, 3, c->who.person_id);
	while ((rc = db_step(st)) == KR_ROW) {
		const char *role = db_col_text(st, 2);
		out->member = true;
		if (str_eq(role, "moderator") || str_eq(role, "owner"))
			out->moderator = true;
		if (str_eq(role, "owner"))
			out->owner = true;
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int acl_topic_visible(struct ctx *c, int64_t topic_id)
{
	if (c->who.person_id <= 0)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT space, deleted_at, author_id, scope, tlp, community_id FROM topics WHERE id = ?1",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, topic_id);
	rc = db_step(st);
	if (rc != KR_ROW) {
		db_done(st);
		return rc == KR_DONE ? KR_ENOTFOUND : rc;
	}
	bool live = db_col_int(st, 0) == c->space && db_col_null(st, 1);
	int64_t author = db_col_int(st, 2), home = db_col_int(st, 5);
	bool manual = str_eq(db_col_text(st, 3), "manual");
	const char *tlp = db_col_text(st, 4);
	bool travels = str_eq(tlp, "green") || str_eq(tlp, "clear");
	db_done(st);
	if (!live)
		return KR_ENOTFOUND;
	if (author == c->who.person_id)
		return KR_OK;
	struct acl_membership m;
	if ((rc = acl_community_membership(c, home, &m)))
		return rc;
	if (!manual) {
		if (m.member)
			return KR_OK;
		if (!travels)
			return KR_ENOTFOUND;
		rc = db_prepare(c->db, "SELECT community_id FROM topic_shares WHERE topic_id = ?1", &st);
		if (rc)
			return rc;
		db_bind_int(st, 1, topic_id);
		int64_t shared[64];
		size_t n = 0;
		bool more = false;
		while ((rc = db_step(st)) == KR_ROW) {
			if (n < KR_ARRAY_LEN(shared))
				shared[n++] = db_col_int(st, 0);
			else
				more = true;
		}
		db_done(st);
		if (rc < 0)
			return rc;
		if (more)
			return KR_EDB; /* sharing caps at 64 communities (topic_share) */
		for (size_t i = 0; i < n; i++) {
			struct acl_membership sm;
			if ((rc = acl_community_membership(c, shared[i], &sm)))
				return rc;
			if (sm.member)
				return KR_OK;
		}
		return KR_ENOTFOUND;
	}
	if (!m.member)
		return KR_ENOTFOUND;
	rc = db_prepare(c->db,
			"SELECT 1 FROM topic_scope WHERE topic_id = ?1 AND ((member_type = 'org' AND member_id = ?2)"
			" OR (member_type = 'person' AND member_id = ?3))",
			&st);
	if (rc)
		return rc;
	db_bind_int(st, 1, topic_id);
	db_bind_int(st, 2, c->who.org_id);
	db_bind_int(st, 3, c->who.person_id);
	rc = db_step(st);
	db_done(st);
	if (rc == KR_ROW)
		return KR_OK;
	return rc == KR_DONE ? KR_ENOTFOUND : rc;
}

/* ---- consultation-desk cases ---- */

bool acl_can_coordinate(const struct ctx *c)
{
	return c->who.system || c->who.role == ROLE_ADMIN || c->who.role == ROLE_COORDINATOR;
}

int acl_case_visible(struct ctx *c, int64_t case_id)
{
	if (c->who.person_id <= 0)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT space, reporter_org_id FROM cases WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, case_id);
	rc = db_step(st);
	if (rc != KR_ROW) {
		db_done(st);
		return rc == KR_DONE ? KR_ENOTFOUND : rc;
	}
	bool here = db_col_int(st, 0) == c->space;
	int64_t reporter = db_col_int(st, 1);
	db_done(st);
	if (!here)
		return KR_ENOTFOUND;
	if (reporter == c->who.org_id)
		return KR_OK;
	rc = db_prepare(c->db, "SELECT org_id FROM case_recipients WHERE case_id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, case_id);
	bool found = false;
	while ((rc = db_step(st)) == KR_ROW)
		if (db_col_int(st, 0) == c->who.org_id)
			found = true;
	db_done(st);
	if (rc < 0)
		return rc;
	return found ? KR_OK : KR_ENOTFOUND;
}

/* ---- STIX objects ---- */

int acl_stix_visible(struct ctx *c, int64_t row_id)
{
	if (c->who.person_id <= 0)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT space, community_id, tlp, org_id FROM stix_objects WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, row_id);
	rc = db_step(st);
	if (rc != KR_ROW) {
		db_done(st);
		return rc == KR_DONE ? KR_ENOTFOUND : rc;
	}
	bool here = db_col_int(st, 0) == c->space;
	int64_t community = db_col_int(st, 1), org = db_col_int(st, 3);
	bool red = str_eq(db_col_text(st, 2), "red");
	db_done(st);
	if (!here)
		return KR_ENOTFOUND;
	if (red && org != c->who.org_id)
		return KR_ENOTFOUND;
	struct acl_membership m;
	if ((rc = acl_community_membership(c, community, &m)))
		return rc;
	return m.member ? KR_OK : KR_ENOTFOUND;
}
