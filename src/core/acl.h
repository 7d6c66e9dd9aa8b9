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
#define ACL_AUDIT_PRED "(CAST(?1 AS BIGINT) = 1 OR a.target_org_id = ?2)"
void acl_audit_binds(const struct ctx *c, int64_t *all, int64_t *org_id);
bool acl_can_see_audit(const struct ctx *c, int64_t target_org_id);

/* Account list (person_list): ?1 = all (0/1), ?2 = org whose accounts the
 * viewer may list, ?3 = the viewer's own person id. */
#define ACL_ACCOUNT_PRED "(CAST(?1 AS BIGINT) = 1 OR p.org_id = ?2 OR p.id = ?3)"
void acl_account_binds(const struct ctx *c, int64_t *all, int64_t *org_id, int64_t *self);

/* ---- Communities and topics (R3, R5) ----
 *
 * Every query of topics binds the viewer as ?1 = person id, ?2 = org id,
 * ?3 = space (acl_viewer_binds); the query's own parameters start at ?4.
 *
 * A person belongs to a community when it is an everyone-community, or
 * their organisation or they themselves are listed in community_members.
 * A topic is visible to P when it is in P's space, not deleted, and
 *   - P wrote it, or
 *   - scope is "community" and P belongs to its home community, or to a
 *     community it was shared into while its TLP is GREEN or CLEAR (RED and
 *     AMBER never travel beyond their recipients, R5.3), or
 *   - scope is "manual", P belongs to the home community and P or P's
 *     organisation is among the selected recipients.
 * No role reads around this (R5.5). */
/* The predicates are written once over a person expression P, an
 * organisation expression O and a space expression S: "?1"/"?2"/"?3" for
 * the viewer, or columns such as "p.id"/"p.org_id" when listing who may see
 * a topic (its recipients).  CROSS JOIN makes SQLite start from the
 * member index (member_type, member_id) instead of scanning every
 * community's members; PostgreSQL treats it as a plain join.  The
 * subqueries are uncorrelated for the viewer's form, so each runs once per
 * statement rather than once per topic row. */
#define ACL_COMMUNITIES_OF(P, O, S)                                                            \
	"(SELECT c_.id FROM communities c_ WHERE c_.space = " S " AND c_.archived_at IS NULL"    \
	" AND c_.everyone = 1"                                                                   \
	" UNION SELECT m_.community_id FROM community_members m_ CROSS JOIN communities c2_"     \
	" WHERE ((m_.member_type = 'org' AND m_.member_id = " O ")"                               \
	" OR (m_.member_type = 'person' AND m_.member_id = " P "))"                               \
	" AND c2_.id = m_.community_id AND c2_.space = " S " AND c2_.archived_at IS NULL)"

#define ACL_TOPIC_PRED_OF(P, O, S)                                                             \
	"(t.space = " S " AND t.deleted_at IS NULL AND CAST(" P " AS BIGINT) > 0 AND ("           \
	"t.author_id = " P                                                                       \
	" OR (t.scope = 'community' AND (t.community_id IN " ACL_COMMUNITIES_OF(P, O, S)          \
	" OR (t.tlp IN ('green', 'clear') AND t.id IN (SELECT s_.topic_id FROM topic_shares s_"   \
	" WHERE s_.community_id IN " ACL_COMMUNITIES_OF(P, O, S) "))))"                           \
	" OR (t.scope = 'manual' AND t.community_id IN " ACL_COMMUNITIES_OF(P, O, S)              \
	" AND t.id IN (SELECT p_.topic_id FROM topic_scope p_"                                    \
	" WHERE (p_.member_type = 'org' AND p_.member_id = " O ")"                                \
	" OR (p_.member_type = 'person' AND p_.member_id = " P ")))))"

#define ACL_MY_COMMUNITIES ACL_COMMUNITIES_OF("?1", "?2", "?3")
#define ACL_TOPIC_PRED ACL_TOPIC_PRED_OF("?1", "?2", "?3")
/* Recipients of topic t: the people p who may see it (must-read status,
 * notifications).  The same rule in a shape that runs well per person:
 * membership as correlated index lookups.  Bind ?1 = space.  The property
 * test holds it against the model like the viewer's predicate. */
#define ACL_MEMBER_OF(C, PA)                                                                   \
	"EXISTS (SELECT 1 FROM communities mc_ WHERE mc_.id = " C " AND mc_.space = ?1"          \
	" AND mc_.archived_at IS NULL AND (mc_.everyone = 1 OR EXISTS (SELECT 1"                 \
	" FROM community_members mm_ WHERE mm_.community_id = mc_.id"                            \
	" AND ((mm_.member_type = 'org' AND mm_.member_id = " PA ".org_id)"                       \
	" OR (mm_.member_type = 'person' AND mm_.member_id = " PA ".id)))))"
/* PA is the alias of the people row (p, q ...). */
#define ACL_TOPIC_RECIPIENT_PRED_OF(PA)                                                        \
	"(t.space = ?1 AND t.deleted_at IS NULL AND (" PA ".id = t.author_id"                    \
	" OR (t.scope = 'community' AND (" ACL_MEMBER_OF("t.community_id", PA)                    \
	" OR (t.tlp IN ('green', 'clear') AND EXISTS (SELECT 1 FROM topic_shares rs_"             \
	" WHERE rs_.topic_id = t.id AND " ACL_MEMBER_OF("rs_.community_id", PA) "))))"            \
	" OR (t.scope = 'manual' AND " ACL_MEMBER_OF("t.community_id", PA)                        \
	" AND EXISTS (SELECT 1 FROM topic_scope rp_ WHERE rp_.topic_id = t.id"                    \
	" AND ((rp_.member_type = 'org' AND rp_.member_id = " PA ".org_id)"                       \
	" OR (rp_.member_type = 'person' AND rp_.member_id = " PA ".id))))))"
#define ACL_TOPIC_RECIPIENT_PRED ACL_TOPIC_RECIPIENT_PRED_OF("p")

struct db_stmt;
/* Bind ?1..?3 for ACL_MY_COMMUNITIES / ACL_TOPIC_PRED.  An anonymous
 * viewer binds person 0, which the predicates never match. */
void acl_viewer_binds(const struct ctx *c, struct db_stmt *st);

/* Membership facts of the viewer in one community, computed in C from
 * the rows (the single-item face; the SQL face is ACL_MY_COMMUNITIES). */
struct acl_membership {
	bool member;      /* belongs (everyone-community or listed) */
	bool moderator;   /* listed with role moderator or owner */
	bool owner;
};
int acl_community_membership(struct ctx *c, int64_t community_id, struct acl_membership *out);
/* acl_community_membership's `moderator` as SQL, for a statement that
 * binds the viewer (?1-?3, acl_viewer_binds): true when community C is a
 * live community of the viewer's space listing the viewer's organisation
 * or the viewer with role moderator or owner.  A condition; as a column
 * wrap it in CASE WHEN ... THEN 1 ELSE 0 END.  test_acl holds it equal to
 * the C face. */
#define ACL_MODERATOR_OF(C)                                                                    \
	"EXISTS (SELECT 1 FROM communities mo_ CROSS JOIN community_members mm_"                  \
	" WHERE mo_.id = " C " AND mo_.space = ?3 AND mo_.archived_at IS NULL"                    \
	" AND mm_.community_id = mo_.id AND mm_.role IN ('moderator', 'owner')"                   \
	" AND ((mm_.member_type = 'org' AND mm_.member_id = ?2)"                                  \
	" OR (mm_.member_type = 'person' AND mm_.member_id = ?1)))"

/* May the viewer see this topic?  Loads the topic's scope, shares and the
 * viewer's memberships and decides in C, independently of ACL_TOPIC_PRED;
 * the randomised property test checks that both always agree.  Returns
 * KR_OK (visible), KR_ENOTFOUND (hidden or missing) or a database error. */
int acl_topic_visible(struct ctx *c, int64_t topic_id);

/* ---- Consultation-desk cases (R9, R5.5) ----
 *
 * A case (alias k) is visible to P when it is in P's space and P's
 * organisation is its reporter or one of its recipients (case_recipients:
 * the organisations the reporter designated, the coordination center -
 * always -, and security agencies asked for support).  Coordinators see
 * cases because their organisation is a recipient, not because of their
 * role.  Binds as for topics: ?1 person, ?2 org, ?3 space
 * (acl_viewer_binds). */
#define ACL_CASE_PRED_OF(P, O, S)                                                              \
	"(k.space = " S " AND CAST(" P " AS BIGINT) > 0 AND (k.reporter_org_id = " O              \
	" OR k.id IN (SELECT r_.case_id FROM case_recipients r_ WHERE r_.org_id = " O ")))"
#define ACL_CASE_PRED ACL_CASE_PRED_OF("?1", "?2", "?3")
/* People p who may see case k (notifications): bind ?1 = space. */
#define ACL_CASE_RECIPIENT_PRED_OF(PA)                                                         \
	"(k.space = ?1 AND (" PA ".org_id = k.reporter_org_id OR EXISTS (SELECT 1"                \
	" FROM case_recipients rr_ WHERE rr_.case_id = k.id AND rr_.org_id = " PA ".org_id)))"
#define ACL_CASE_RECIPIENT_PRED ACL_CASE_RECIPIENT_PRED_OF("p")

/* May the viewer see this case?  Decided in C from the case row and its
 * recipients, independently of ACL_CASE_PRED (the property test keeps
 * them in step).  KR_OK, KR_ENOTFOUND (hidden or missing) or a db error. */
int acl_case_visible(struct ctx *c, int64_t case_id);
/* Coordination work on a visible case (triage, state, support requests,
 * upward reports, sanitised drafts): coordinators and admins. */
bool acl_can_coordinate(const struct ctx *c);

/* ---- STIX objects and TAXII collections (R11.2, R5.3) ----
 *
 * A stored STIX object o (table stix_objects) is visible to a logged-in
 * person P when o is in P's space, P belongs to the community that is o's
 * collection (ACL_MY_COMMUNITIES), and
 *   - o's TLP is not RED, or
 *   - P is a person of the organisation that contributed o.
 * Why RED is narrower than for topics: a STIX object names no recipients,
 * and TAXII hands it to machines that feed other products.  The only
 * recipients we can name are the people of the contributing organisation,
 * so TLP:RED is never served beyond them (R5.3) - not to the community's
 * other members, not to coordinators or admins (R5.5).  AMBER and
 * AMBER+STRICT stay inside the collection's community: its member
 * organisations are the recipients the contributor chose by posting there.
 * Writing (TAXII POST, imports) needs membership with post rights
 * (community.can_post); deleting a version needs, in addition, to be of
 * the contributing organisation or a moderator of the community (and the
 * version must be visible).  Bind ?1..?3 with acl_viewer_binds. */
#define ACL_STIX_PRED                                                                          \
	"(o.space = ?3 AND CAST(?1 AS BIGINT) > 0 AND o.community_id IN " ACL_MY_COMMUNITIES       \
	" AND (o.tlp <> 'red' OR o.org_id = ?2))"
/* ACL_STIX_PRED for a statement confined to one collection: the same
 * rule when the statement also requires o.community_id = C.  Membership
 * is then a fact about C, not about each row, so it is asked as an
 * uncorrelated EXISTS (evaluated once per statement by both engines)
 * instead of an IN test per row; on a 1,000-object TAXII page that is a
 * quarter of the predicate's cost.  Bind ?1..?3 with acl_viewer_binds. */
#define ACL_STIX_COLLECTION_PRED(C)                                                            \
	"(o.community_id = " C " AND o.space = ?3 AND CAST(?1 AS BIGINT) > 0"                    \
	" AND EXISTS (SELECT 1 WHERE " C " IN " ACL_MY_COMMUNITIES ")"                            \
	" AND (o.tlp <> 'red' OR o.org_id = ?2))"
/* May the viewer see the stored version with this row id?  Decided in C
 * from the row and acl_community_membership, independently of
 * ACL_STIX_PRED (the property test checks they agree).  KR_OK (visible),
 * KR_ENOTFOUND (hidden or missing) or a database error. */
int acl_stix_visible(struct ctx *c, int64_t row_id);
/* Imports of indicator files run as jobs (table stix_imports, alias i):
 * an import and its progress and errors are visible to the person who
 * started it, while they are still in the organisation they started it
 * for, in their space, and to no one else (like a TAXII status resource).
 * Bind ?1..?3 with acl_viewer_binds. */
#define ACL_STIX_IMPORT_PRED                                                                   \
	"(i.space = ?3 AND CAST(?1 AS BIGINT) > 0 AND i.person_id = ?1 AND i.org_id = ?2)"

#endif
