/* acl.h - the one place that decides who may see and do what (R2.3, R5.4).
 *
 * Two faces for every kind of item: a single-item decision (acl_can_*) and
 * a SQL predicate with its bound values for lists, counts, searches and
 * exports.  Predicates are string-literal macros (SQL stays literal, see
 * tools/codecheck.c) whose parameters the caller binds from
 * acl_*_binds(); the randomised property test keeps the two faces in step.
 *
 * Roles never read around item scopes (R5.5); the rules here are about the
 * identity objects: organisations, people, invitations, the audit log. */
#ifndef KR_ACL_H
#define KR_ACL_H

#include <stdbool.h>
#include <stdint.h>
#include "core/ctx.h"

bool acl_is_staff(const struct ctx *c);          /* coordinator, admin or system */
bool acl_is_admin(const struct ctx *c);          /* admin or system */
bool acl_logged_in(const struct ctx *c);

/* Manage an organisation's record and invite people into it:
 * staff anywhere; org-admins their own organisation. */
bool acl_can_manage_org(const struct ctx *c, int64_t org_id);
/* Create organisations / decide applications: staff. */
bool acl_can_create_org(const struct ctx *c);
/* Give someone a site role: admins any role; coordinators member or
 * coordinator; org-admins member only and only in their own org. */
bool acl_can_assign_role(const struct ctx *c, int64_t org_id, enum role role, bool org_admin);
/* Manage a person (status, password reset, role): as acl_can_manage_org for
 * their org, and only admins may touch admins. */
bool acl_can_manage_person(const struct ctx *c, int64_t org_id, enum role target_role);
/* Account details (role, status, last login) of people: staff see all,
 * org-admins their org, members only themselves.  Directory contact
 * fields (name, title, e-mail, phone) are visible to every logged-in person. */
bool acl_can_see_account(const struct ctx *c, int64_t org_id, int64_t person_id);

/* Audit log rows visible to the viewer: admins see all; everyone else the
 * rows about their own organisation (R5.5).  Bind ?1 = all (0/1), ?2 = org. */
#define ACL_AUDIT_PRED "(?1 = 1 OR a.target_org_id = ?2)"
void acl_audit_binds(const struct ctx *c, int64_t *all, int64_t *org_id);
bool acl_can_see_audit(const struct ctx *c, int64_t target_org_id);

/* Account list (person_list): ?1 = all (0/1), ?2 = org whose accounts the
 * viewer may list, ?3 = the viewer's own person id. */
#define ACL_ACCOUNT_PRED "(?1 = 1 OR p.org_id = ?2 OR p.id = ?3)"
void acl_account_binds(const struct ctx *c, int64_t *all, int64_t *org_id, int64_t *self);

#endif
