/* person.c - people: roles, profiles, status and passwords (R1.2). */
#include "core/person.h"

#include <string.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/auth.h"
#include "core/common.h"
#include "core/org.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_ADMIN: return "admin";
	case ROLE_COORDINATOR: return "coordinator";
	case ROLE_MEMBER: return "member";
	case ROLE_NONE: break;
	}
	return "none";
}

int role_parse(const char *s, enum role *out)
{
	if (str_eq(s, "member"))
		*out = ROLE_MEMBER;
	else if (str_eq(s, "coordinator"))
		*out = ROLE_COORDINATOR;
	else if (str_eq(s, "admin"))
		*out = ROLE_ADMIN;
	else
		return KR_EINVAL;
	return KR_OK;
}

/* Zones without daylight saving, so a fixed offset is exact.  Zones with
 * DST need the tz database and are left for when a user asks for one. */
static const struct {
	const char *name;
	int offset;
} zones[] = {
	{"Asia/Tokyo", 540},      {"UTC", 0},
	{"Asia/Seoul", 540},      {"Asia/Shanghai", 480},
	{"Asia/Taipei", 480},     {"Asia/Singapore", 480},
	{"Asia/Manila", 480},     {"Asia/Bangkok", 420},
	{"Asia/Jakarta", 420},    {"Asia/Kolkata", 330},
	{"Asia/Dubai", 240},      {"Australia/Brisbane", 600},
	{"Pacific/Honolulu", -600},
};

const char *const tz_names[] = {
	"Asia/Tokyo", "UTC", "Asia/Seoul", "Asia/Shanghai", "Asia/Taipei", "Asia/Singapore",
	"Asia/Manila", "Asia/Bangkok", "Asia/Jakarta", "Asia/Kolkata", "Asia/Dubai",
	"Australia/Brisbane", "Pacific/Honolulu",
};
const size_t tz_nnames = KR_ARRAY_LEN(tz_names);

int tz_offset_min(const char *tz, int *out)
{
	for (size_t i = 0; i < KR_ARRAY_LEN(zones); i++)
		if (str_eq(tz, zones[i].name)) {
			*out = zones[i].offset;
			return KR_OK;
		}
	*out = 540;
	return KR_EINVAL;
}

static bool locale_ok(const char *l) { return str_eq(l, "ja") || str_eq(l, "en"); }

static int validate_profile(const struct person *in, const char **bad)
{
	if (!valid_line(in->display_name, 1, 100))
		return *bad = "display_name", KR_EINVAL;
	if (!valid_email(in->email))
		return *bad = "email", KR_EINVAL;
	if (!valid_line(in->title, 0, 100))
		return *bad = "title", KR_EINVAL;
	if (!valid_line(in->phone, 0, 40))
		return *bad = "phone", KR_EINVAL;
	if (in->locale && !locale_ok(in->locale))
		return *bad = "locale", KR_EINVAL;
	int off;
	if (in->tz && tz_offset_min(in->tz, &off))
		return *bad = "tz", KR_EINVAL;
	return KR_OK;
}

static int insert_person(struct ctx *c, const struct person *in, const char *pw_hash,
			 int64_t *id_out, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	if (!valid_ident(in->login, 3, 64))
		return *bad = "login", KR_EINVAL;
	int rc = validate_profile(in, bad);
	if (rc)
		return rc;
	if (in->role < ROLE_MEMBER || in->role > ROLE_ADMIN)
		return *bad = "role", KR_EINVAL;
	struct org o;
	if ((rc = org_get_by_id(c, in->org_id, &o)))
		return *bad = "org", rc == KR_ENOTFOUND ? KR_EINVAL : rc;
	if (!acl_can_assign_role(c, in->org_id, in->role, in->org_admin))
		return KR_EPERM;
	/* Only staff may make org-admins of other organisations; an org-admin
	 * may name another org-admin in their own. */
	if (in->org_admin && !acl_can_manage_org(c, in->org_id))
		return KR_EPERM;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st = NULL;
	rc = db_prepare(c->db,
			"INSERT INTO people (org_id, login, email, display_name, title, phone, locale, tz,"
			" role, org_admin, status, pw_hash, created_at, updated_at)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'active', ?11, ?12, ?12) RETURNING id",
			&st);
	if (rc)
		goto done;
	db_bind_int(st, 1, in->org_id);
	db_bind_text(st, 2, in->login);
	db_bind_text(st, 3, in->email);
	db_bind_text(st, 4, in->display_name);
	db_bind_text(st, 5, in->title ? in->title : "");
	db_bind_text(st, 6, in->phone ? in->phone : "");
	db_bind_text(st, 7, in->locale ? in->locale : "ja");
	db_bind_text(st, 8, in->tz ? in->tz : "Asia/Tokyo");
	db_bind_text(st, 9, role_name(in->role));
	db_bind_int(st, 10, in->org_admin ? 1 : 0);
	db_bind_text(st, 11, pw_hash);
	db_bind_int(st, 12, c->now);
	rc = db_step(st);
	if (rc == KR_ROW) {
		int64_t id = db_col_int(st, 0);
		if (id_out)
			*id_out = id;
		db_done(st);
		st = NULL;
		rc = audit(c, "person.create", "person", in->login, in->org_id, role_name(in->role));
	} else if (rc == KR_ECONFLICT) {
		*bad = "login_or_email";
	} else if (rc == KR_DONE) {
		rc = KR_EDB;
	}
done:
	db_done(st);
	return tx_end(c, rc);
}

int person_create(struct ctx *c, const struct person *in, const char *password,
		  int64_t *id_out, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	char hash[256];
	const char *h = NULL;
	if (password) {
		if (auth_password_ok(password))
			return *bad = "password", KR_EINVAL;
		if (auth_hash_password(password, hash, sizeof hash))
			return KR_ENOMEM;
		h = hash;
	}
	return insert_person(c, in, h, id_out, bad);
}

int person_create_hashed(struct ctx *c, const struct person *in, const char *pw_hash,
			 int64_t *id_out, const char **bad)
{
	return insert_person(c, in, pw_hash, id_out, bad);
}

#define PERSON_COLS \
	"p.id, p.org_id, p.login, p.email, p.display_name, p.title, p.phone, p.locale, p.tz," \
	" p.role, p.org_admin, p.status, p.totp_enabled, p.created_at, p.last_login_at," \
	" o.slug, o.name_ja, o.name_en"

static void person_row(struct db_stmt *st, struct arena *a, struct person *p)
{
	p->id = db_col_int(st, 0);
	p->org_id = db_col_int(st, 1);
	p->login = db_col_dup(st, 2, a);
	p->email = db_col_dup(st, 3, a);
	p->display_name = db_col_dup(st, 4, a);
	p->title = db_col_dup(st, 5, a);
	p->phone = db_col_dup(st, 6, a);
	p->locale = db_col_dup(st, 7, a);
	p->tz = db_col_dup(st, 8, a);
	if (role_parse(db_col_text(st, 9), &p->role))
		p->role = ROLE_MEMBER;
	p->org_admin = db_col_int(st, 10) != 0;
	p->status = db_col_dup(st, 11, a);
	p->totp_enabled = db_col_int(st, 12) != 0;
	p->created_at = db_col_int(st, 13);
	p->last_login_at = db_col_int(st, 14);
	p->org_slug = db_col_dup(st, 15, a);
	p->org_name_ja = db_col_dup(st, 16, a);
	p->org_name_en = db_col_dup(st, 17, a);
}

struct person_fill {
	struct arena *a;
	struct person *out;
};

static void person_fill_cb(struct db_stmt *st, void *ud)
{
	struct person_fill *f = ud;
	person_row(st, f->a, f->out);
}

static int person_fetch(struct ctx *c, struct db_stmt *st, struct person *out)
{
	struct person_fill f = {c->a, out};
	return db_fetch(st, person_fill_cb, &f);
}

int person_get(struct ctx *c, const char *login, struct person *out)
{
	memset(out, 0, sizeof *out);
	if (!valid_line(login, 1, 64))
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT " PERSON_COLS " FROM people p JOIN orgs o ON o.id = p.org_id"
			    " WHERE p.login = ?1",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, login);
	return person_fetch(c, st, out);
}

int person_get_by_id(struct ctx *c, int64_t id, struct person *out)
{
	memset(out, 0, sizeof *out);
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT " PERSON_COLS " FROM people p JOIN orgs o ON o.id = p.org_id"
			    " WHERE p.id = ?1",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	return person_fetch(c, st, out);
}

int person_list(struct ctx *c, const struct person_filter *f, struct person_page *out)
{
	memset(out, 0, sizeof *out);
	if (!acl_logged_in(c))
		return KR_EPERM;
	int limit;
	if (page_limit(f->limit, 50, 200, &limit))
		return KR_EINVAL;
	if ((f->q && !valid_line(f->q, 0, 100)) || (f->org_slug && !valid_line(f->org_slug, 0, 64)))
		return KR_EINVAL;
	if (f->status && !str_eq(f->status, "active") && !str_eq(f->status, "disabled"))
		return KR_EINVAL;
	const char *after = NULL;
	int64_t after_id = 0;
	if (f->cursor && cursor_parse(c->a, f->cursor, &after, &after_id))
		return KR_EINVAL;
	int64_t all, org, self;
	acl_account_binds(c, &all, &org, &self);
	const char *like = str_empty(f->q) ? NULL : like_pattern(c->a, f->q);
	const char *slug = str_empty(f->org_slug) ? NULL : f->org_slug;
	const char *status = str_empty(f->status) ? NULL : f->status;

#define PERSON_FILTER \
	" FROM people p JOIN orgs o ON o.id = p.org_id WHERE " ACL_ACCOUNT_PRED \
	" AND (CAST(?4 AS TEXT) IS NULL OR o.slug = ?4) AND (CAST(?5 AS TEXT) IS NULL OR p.status = ?5)" \
	" AND (CAST(?6 AS TEXT) IS NULL OR p.login LIKE ?6 ESCAPE '\\' OR lower(p.display_name) LIKE ?6 ESCAPE '\\'" \
	" OR lower(p.email) LIKE ?6 ESCAPE '\\')"

	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT COUNT(*)" PERSON_FILTER, &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, all);
	db_bind_int(st, 2, org);
	db_bind_int(st, 3, self);
	db_bind_text(st, 4, slug);
	db_bind_text(st, 5, status);
	db_bind_text(st, 6, like);
	if (db_step(st) == KR_ROW)
		out->total = db_col_int(st, 0);
	db_done(st);

	rc = db_prepare(c->db,
			"SELECT " PERSON_COLS PERSON_FILTER
			" AND (CAST(?7 AS TEXT) IS NULL OR p.login > ?7) ORDER BY p.login LIMIT ?8",
			&st);
	if (rc)
		return rc;
	db_bind_int(st, 1, all);
	db_bind_int(st, 2, org);
	db_bind_int(st, 3, self);
	db_bind_text(st, 4, slug);
	db_bind_text(st, 5, status);
	db_bind_text(st, 6, like);
	db_bind_text(st, 7, after);
	db_bind_int(st, 8, limit + 1);
	out->items = arena_alloc(c->a, sizeof(struct person) * (size_t)(limit + 1));
	while ((rc = db_step(st)) == KR_ROW) {
		if (out->n == (size_t)limit) {
			out->next_cursor = cursor_make(c->a, out->items[out->n - 1].login, 0);
			break;
		}
		person_row(st, c->a, &out->items[out->n++]);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
#undef PERSON_FILTER
}

int person_contacts(struct ctx *c, int64_t org_id, struct person **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!acl_logged_in(c))
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT id, login, display_name, title, email, phone, org_admin FROM people"
			    " WHERE org_id = ?1 AND status = 'active' ORDER BY display_name, id LIMIT 500",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, org_id);
	struct person *items = arena_alloc(c->a, sizeof(*items) * 500);
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 500) {
		struct person *p = &items[k++];
		p->id = db_col_int(st, 0);
		p->org_id = org_id;
		p->login = db_col_dup(st, 1, c->a);
		p->display_name = db_col_dup(st, 2, c->a);
		p->title = db_col_dup(st, 3, c->a);
		p->email = db_col_dup(st, 4, c->a);
		p->phone = db_col_dup(st, 5, c->a);
		p->org_admin = db_col_int(st, 6) != 0;
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

int person_update_profile(struct ctx *c, const struct person *in, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	int rc = validate_profile(in, bad);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"UPDATE people SET display_name = ?1, email = ?2, title = ?3, phone = ?4,"
			" locale = ?5, tz = ?6, updated_at = ?7 WHERE id = ?8",
			&st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, in->display_name);
		db_bind_text(st, 2, in->email);
		db_bind_text(st, 3, in->title ? in->title : "");
		db_bind_text(st, 4, in->phone ? in->phone : "");
		db_bind_text(st, 5, in->locale ? in->locale : "ja");
		db_bind_text(st, 6, in->tz ? in->tz : "Asia/Tokyo");
		db_bind_int(st, 7, c->now);
		db_bind_int(st, 8, c->who.person_id);
		rc = db_step(st);
		if (rc == KR_DONE)
			rc = KR_OK;
		else if (rc == KR_ECONFLICT)
			*bad = "email";
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "person.profile", "person", c->who.login, c->who.org_id, NULL);
	return tx_end(c, rc);
}

/* End every session and API key of a person (disable, password reset). */
static int revoke_credentials(struct ctx *c, int64_t person_id, bool keys)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "DELETE FROM sessions WHERE person_id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, person_id);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	if (rc || !keys)
		return rc;
	rc = db_prepare(c->db, "UPDATE api_keys SET revoked_at = ?1 WHERE person_id = ?2 AND revoked_at IS NULL", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->now);
	db_bind_int(st, 2, person_id);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

/* Look up a person the viewer may manage; hidden accounts are "not found". */
static int managed_person(struct ctx *c, const char *login, struct person *p)
{
	int rc = person_get(c, login, p);
	if (rc)
		return rc;
	if (!acl_can_see_account(c, p->org_id, p->id))
		return KR_ENOTFOUND;
	if (!acl_can_manage_person(c, p->org_id, p->role))
		return KR_EPERM;
	return KR_OK;
}

int person_set_role(struct ctx *c, const char *login, enum role role, bool org_admin)
{
	struct person p;
	int rc = managed_person(c, login, &p);
	if (rc)
		return rc;
	if (role < ROLE_MEMBER || role > ROLE_ADMIN)
		return KR_EINVAL;
	if (!acl_can_assign_role(c, p.org_id, role, org_admin) ||
	    (org_admin != p.org_admin && !acl_can_manage_org(c, p.org_id)))
		return KR_EPERM;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "UPDATE people SET role = ?1, org_admin = ?2, updated_at = ?3 WHERE id = ?4", &st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, role_name(role));
		db_bind_int(st, 2, org_admin ? 1 : 0);
		db_bind_int(st, 3, c->now);
		db_bind_int(st, 4, p.id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "person.role", "person", p.login, p.org_id,
			   arena_printf(c->a, "%s%s", role_name(role), org_admin ? "+org_admin" : ""));
	return tx_end(c, rc);
}

int person_set_status(struct ctx *c, const char *login, bool active)
{
	struct person p;
	int rc = managed_person(c, login, &p);
	if (rc)
		return rc;
	if (p.id == c->who.person_id && !active)
		return KR_EINVAL; /* nobody locks themselves out */
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "UPDATE people SET status = ?1, failed_logins = 0, locked_until = 0,"
			       " updated_at = ?2 WHERE id = ?3", &st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, active ? "active" : "disabled");
		db_bind_int(st, 2, c->now);
		db_bind_int(st, 3, p.id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK && !active)
		rc = revoke_credentials(c, p.id, true);
	if (rc == KR_OK)
		rc = audit(c, active ? "person.enable" : "person.disable", "person", p.login, p.org_id, NULL);
	return tx_end(c, rc);
}

static int store_password(struct ctx *c, int64_t person_id, const char *password)
{
	char hash[256];
	if (auth_hash_password(password, hash, sizeof hash))
		return KR_ENOMEM;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "UPDATE people SET pw_hash = ?1, failed_logins = 0, locked_until = 0,"
				   " updated_at = ?2 WHERE id = ?3", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, c->now);
	db_bind_int(st, 3, person_id);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

int person_reset_password(struct ctx *c, const char *login, const char *password)
{
	if (auth_password_ok(password))
		return KR_EINVAL;
	struct person p;
	int rc = managed_person(c, login, &p);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	rc = store_password(c, p.id, password);
	if (rc == KR_OK)
		rc = revoke_credentials(c, p.id, false);
	if (rc == KR_OK)
		rc = audit(c, "person.password_reset", "person", p.login, p.org_id, NULL);
	return tx_end(c, rc);
}

int person_change_password(struct ctx *c, const char *old, const char *password)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (auth_password_ok(password))
		return KR_EINVAL;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT pw_hash FROM people WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->who.person_id);
	char *hash = NULL;
	if (db_step(st) == KR_ROW)
		hash = db_col_dup(st, 0, c->a);
	db_done(st);
	if (!hash || !old || !auth_check_password(hash, old))
		return KR_EAUTH;
	if ((rc = tx_begin(c)))
		return rc;
	rc = store_password(c, c->who.person_id, password);
	/* Other sessions end; this one stays (the caller re-validates it). */
	if (rc == KR_OK) {
		rc = db_prepare(c->db, "DELETE FROM sessions WHERE person_id = ?1 AND id <> ?2", &st);
		if (rc == KR_OK) {
			db_bind_int(st, 1, c->who.person_id);
			db_bind_int(st, 2, c->who.session_id);
			rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
			db_done(st);
		}
	}
	if (rc == KR_OK)
		rc = audit(c, "person.password_change", "person", c->who.login, c->who.org_id, NULL);
	return tx_end(c, rc);
}
