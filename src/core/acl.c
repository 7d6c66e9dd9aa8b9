/* acl.c - access decisions for identity objects.  See acl.h. */
#include "core/acl.h"

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
