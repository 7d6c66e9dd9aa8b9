/* community.h - communities (R3): built-in ones, member-made ones,
 * membership by organisation or person, moderators. */
#ifndef KR_COMMUNITY_H
#define KR_COMMUNITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/ctx.h"

struct community {
	int64_t id;
	const char *slug;        /* public id */
	const char *kind;        /* general professional consultation cc_contact manuals observation vendor member */
	const char *name_ja, *name_en, *description;
	bool everyone;           /* every participant is a member */
	const char *join_policy; /* open | invite */
	const char *post_policy; /* members | moderators */
	int64_t owner_org_id;
	int64_t created_at;
	/* The viewer's standing (filled by get and list). */
	bool member, moderator, owner, can_post;
};

/* The built-in communities of R3.1 for the current space, created when
 * missing; the coordination center (org slug "cc") moderates them.
 * Idempotent.  System only. */
int community_init_builtin(struct ctx *c);
/* The per-organisation ones: the private observation-notice community
 * (every org) and the information-provision community (CTI vendors).
 * Called by org_create inside its transaction. */
int community_init_for_org(struct ctx *c, int64_t org_id, const char *slug, const char *name_ja,
			   const char *name_en, const char *kind);

/* Member-made community (R3.2); the creator becomes its owner.  slug
 * [a-z0-9-]{2,64}.  KR_EINVAL + *bad. */
int community_create(struct ctx *c, const struct community *in, int64_t *id_out, const char **bad);
/* A community the viewer belongs to, or an open one (to join).  Others
 * are KR_ENOTFOUND. */
int community_get(struct ctx *c, const char *slug, struct community *out);
/* The viewer's communities, built-in first then by name. */
int community_list_mine(struct ctx *c, struct community **out, size_t *n);
/* Open communities the viewer could join. */
int community_list_open(struct ctx *c, struct community **out, size_t *n);
int community_join(struct ctx *c, const char *slug);
int community_leave(struct ctx *c, const char *slug);

struct community_member {
	const char *type;        /* org | person */
	const char *id;          /* org slug or person login */
	const char *name;        /* org name or display name (viewer's language) */
	const char *role;        /* member | moderator | owner */
	int64_t added_at;
};
/* Members of a community the viewer belongs to. */
int community_members(struct ctx *c, const char *slug, struct community_member **out, size_t *n);
/* Moderators/owners (and admins, audited) add or change a member.
 * type "org" takes an org slug, "person" a login; role member|moderator|owner. */
int community_set_member(struct ctx *c, const char *slug, const char *type, const char *who, const char *role);
int community_remove_member(struct ctx *c, const char *slug, const char *type, const char *who);

#endif
