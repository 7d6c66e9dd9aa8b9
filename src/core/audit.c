/* audit.c - the append-only audit log.  Rows are only ever inserted; there
 * is no update or delete path anywhere in the program. */
#include "core/audit.h"

#include <string.h>

#include "core/acl.h"
#include "core/common.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

int audit(struct ctx *c, const char *action, const char *target_type,
	  const char *target_id, int64_t target_org_id, const char *detail)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO audit_log (at, actor_id, actor_org_id, action, target_type,"
			    " target_id, target_org_id, ip, detail)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->now);
	if (c->who.person_id > 0) {
		db_bind_int(st, 2, c->who.person_id);
		db_bind_int(st, 3, c->who.org_id);
	} else {
		db_bind_null(st, 2);
		db_bind_null(st, 3);
	}
	db_bind_text(st, 4, action);
	db_bind_text(st, 5, target_type ? target_type : "");
	db_bind_text(st, 6, target_id ? target_id : "");
	if (target_org_id > 0)
		db_bind_int(st, 7, target_org_id);
	else
		db_bind_null(st, 7);
	db_bind_text(st, 8, c->ip ? c->ip : "");
	db_bind_text(st, 9, detail ? detail : "");
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

int audit_list(struct ctx *c, const struct audit_filter *f, struct audit_page *out)
{
	memset(out, 0, sizeof *out);
	if (!acl_logged_in(c))
		return KR_EPERM;
	int limit;
	if (page_limit(f->limit, 50, 200, &limit))
		return KR_EINVAL;
	if ((f->action && !valid_line(f->action, 0, 64)) || (f->actor && !valid_line(f->actor, 0, 64)) ||
	    (f->org_slug && !valid_line(f->org_slug, 0, 64)))
		return KR_EINVAL;
	const char *ck = NULL;
	int64_t before_id = 0, before_at = 0;
	if (f->cursor) {
		if (cursor_parse(c->a, f->cursor, &ck, &before_id) ||
		    parse_i64(ck, 0, INT64_MAX, &before_at))
			return KR_EINVAL;
	}
	int64_t all, org;
	acl_audit_binds(c, &all, &org);
	const char *action_like = NULL;
	if (!str_empty(f->action)) {
		/* Prefix match on the dotted action name. */
		const char *pat = like_pattern(c->a, f->action);
		action_like = pat + 1; /* drop the leading % */
	}
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT a.id, a.at, pa.login, oa.slug, a.action, a.target_type, a.target_id,"
			    " ot.slug, a.ip, a.detail"
			    " FROM audit_log a"
			    " LEFT JOIN people pa ON pa.id = a.actor_id"
			    " LEFT JOIN orgs oa ON oa.id = a.actor_org_id"
			    " LEFT JOIN orgs ot ON ot.id = a.target_org_id"
			    " WHERE " ACL_AUDIT_PRED
			    " AND (CAST(?3 AS TEXT) IS NULL OR a.action LIKE ?3 ESCAPE '\\')"
			    " AND (CAST(?4 AS TEXT) IS NULL OR pa.login = ?4)"
			    " AND (CAST(?5 AS TEXT) IS NULL OR ot.slug = ?5)"
			    " AND (CAST(?6 AS BIGINT) = 0 OR a.at >= ?6) AND (CAST(?7 AS BIGINT) = 0 OR a.at < ?7)"
			    " AND (CAST(?8 AS BIGINT) = 0 OR a.at < ?8 OR (a.at = ?8 AND a.id < ?9))"
			    " ORDER BY a.at DESC, a.id DESC LIMIT ?10",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, all);
	db_bind_int(st, 2, org);
	db_bind_text(st, 3, action_like);
	db_bind_text(st, 4, str_empty(f->actor) ? NULL : f->actor);
	db_bind_text(st, 5, str_empty(f->org_slug) ? NULL : f->org_slug);
	db_bind_int(st, 6, f->from);
	db_bind_int(st, 7, f->to);
	db_bind_int(st, 8, before_at);
	db_bind_int(st, 9, before_id);
	db_bind_int(st, 10, limit + 1);
	out->items = arena_alloc(c->a, sizeof(struct audit_row) * (size_t)(limit + 1));
	while ((rc = db_step(st)) == KR_ROW) {
		if (out->n == (size_t)limit) {
			struct audit_row *last = &out->items[out->n - 1];
			out->next_cursor = cursor_make(c->a, arena_printf(c->a, "%lld", (long long)last->at), last->id);
			break;
		}
		struct audit_row *r = &out->items[out->n++];
		r->id = db_col_int(st, 0);
		r->at = db_col_int(st, 1);
		r->actor_login = db_col_dup(st, 2, c->a);
		r->actor_org = db_col_dup(st, 3, c->a);
		r->action = db_col_dup(st, 4, c->a);
		r->target_type = db_col_dup(st, 5, c->a);
		r->target_id = db_col_dup(st, 6, c->a);
		r->target_org = db_col_dup(st, 7, c->a);
		r->ip = db_col_dup(st, 8, c->a);
		r->detail = db_col_dup(st, 9, c->a);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}
