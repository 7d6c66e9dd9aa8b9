/* audit.h - the append-only audit log (R2.3, R5.5). */
#ifndef KR_AUDIT_H
#define KR_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"
#include "lib/kr.h"

/* Append one row inside the caller's open transaction.  action is a dotted
 * name ("person.create"), target_org_id the organisation affected (0 for
 * none) so its people can see the row. */
int audit(struct ctx *c, const char *action, const char *target_type,
	  const char *target_id, int64_t target_org_id, const char *detail);

struct audit_row {
	int64_t id, at;
	const char *actor_login, *actor_org;
	const char *action, *target_type, *target_id, *target_org;
	const char *ip, *detail;
};

struct audit_filter {
	const char *action;       /* prefix, e.g. "person." */
	const char *actor;        /* login */
	const char *org_slug;     /* affected organisation */
	int64_t from, to;         /* epoch ms, 0 = open */
	const char *cursor;
	int limit;
};

struct audit_page {
	struct audit_row *items;
	size_t n;
	const char *next_cursor;
};

/* Admins see every row; everyone else the rows about their own
 * organisation (acl_audit_filter decides). Newest first, keyset paged. */
int audit_list(struct ctx *c, const struct audit_filter *f, struct audit_page *out);

#endif
