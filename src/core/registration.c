/* registration.c - applications to join (approved by the coordination
 * center) and invitations by link (R1.3). */
#include "core/registration.h"

#include <string.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/auth.h"
#include "core/common.h"
#include "core/org.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

#define INVITE_TTL_MS (7LL * 24 * 60 * 60 * 1000)

static char *token_hash(struct arena *a, const char *token)
{
	char *h = arena_alloc(a, 65);
	sha256_hex(token, strlen(token), h);
	return h;
}

int application_submit(struct ctx *c, const struct application *in, int64_t *id_out, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	if (!valid_line(in->org_name_ja, 1, 200))
		return *bad = "org_name_ja", KR_EINVAL;
	if (!valid_line(in->org_name_en, 1, 200))
		return *bad = "org_name_en", KR_EINVAL;
	if (!org_kind_valid(in->kind) || str_eq(in->kind, "coordination_center"))
		return *bad = "kind", KR_EINVAL;
	bool needs = str_eq(in->kind, "critical_service");
	if ((needs && !org_sector_valid(in->sector)) ||
	    (!needs && !str_empty(in->sector) && !org_sector_valid(in->sector)))
		return *bad = "sector", KR_EINVAL;
	if (!valid_line(in->contact_name, 1, 100))
		return *bad = "contact_name", KR_EINVAL;
	if (!valid_email(in->contact_email))
		return *bad = "contact_email", KR_EINVAL;
	if (!valid_ident(in->login, 3, 64))
		return *bad = "login", KR_EINVAL;
	if (!valid_text(in->message, 2000))
		return *bad = "message", KR_EINVAL;
	if (!in->terms_accepted)
		return *bad = "terms", KR_EINVAL;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	/* A flood of applications from one address is throttled by the
	 * caller's rate limits; here we only refuse an exact duplicate. */
	struct db_stmt *st;
	rc = db_prepare(c->db, "SELECT COUNT(*) FROM applications WHERE contact_email = ?1 AND status = 'pending'", &st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, in->contact_email);
		if (db_step(st) == KR_ROW && db_col_int(st, 0) > 0) {
			*bad = "contact_email";
			rc = KR_ECONFLICT;
		}
		db_done(st);
	}
	if (rc == KR_OK)
		rc = db_prepare(c->db,
				"INSERT INTO applications (org_name_ja, org_name_en, kind, sector, contact_name,"
				" contact_email, login, message, terms_accepted_at, status, created_at)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?9) RETURNING id",
				&st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, in->org_name_ja);
		db_bind_text(st, 2, in->org_name_en);
		db_bind_text(st, 3, in->kind);
		db_bind_text(st, 4, str_empty(in->sector) ? NULL : in->sector);
		db_bind_text(st, 5, in->contact_name);
		db_bind_text(st, 6, in->contact_email);
		db_bind_text(st, 7, in->login);
		db_bind_text(st, 8, in->message ? in->message : "");
		db_bind_int(st, 9, c->now);
		rc = db_step(st);
		if (rc == KR_ROW) {
			int64_t id = db_col_int(st, 0);
			if (id_out)
				*id_out = id;
			rc = KR_OK;
			db_done(st);
			rc = audit(c, "application.submit", "application", arena_printf(c->a, "%lld", (long long)id),
				   0, in->org_name_en);
		} else {
			db_done(st);
			if (rc == KR_DONE)
				rc = KR_EDB;
		}
	}
	return tx_end(c, rc);
}

#define APP_COLS \
	"id, org_name_ja, org_name_en, kind, sector, contact_name, contact_email, login, message," \
	" status, created_at, decided_at, decision_note"

static void app_row(struct db_stmt *st, struct arena *a, struct application *p)
{
	p->id = db_col_int(st, 0);
	p->org_name_ja = db_col_dup(st, 1, a);
	p->org_name_en = db_col_dup(st, 2, a);
	p->kind = db_col_dup(st, 3, a);
	p->sector = db_col_dup(st, 4, a);
	p->contact_name = db_col_dup(st, 5, a);
	p->contact_email = db_col_dup(st, 6, a);
	p->login = db_col_dup(st, 7, a);
	p->message = db_col_dup(st, 8, a);
	p->status = db_col_dup(st, 9, a);
	p->created_at = db_col_int(st, 10);
	p->decided_at = db_col_int(st, 11);
	p->decision_note = db_col_dup(st, 12, a);
	p->terms_accepted = true;
}

int application_list(struct ctx *c, const char *status, struct application **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!acl_can_create_org(c))
		return KR_EPERM;
	if (status && !str_eq(status, "pending") && !str_eq(status, "approved") && !str_eq(status, "rejected"))
		return KR_EINVAL;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT " APP_COLS " FROM applications WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1)"
			    " ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, created_at DESC, id DESC LIMIT 200",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, status);
	struct application *items = arena_alloc(c->a, sizeof(*items) * 200);
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 200)
		app_row(st, c->a, &items[k++]);
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}

static int app_get(struct ctx *c, int64_t id, struct application *out)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT " APP_COLS " FROM applications WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc == KR_ROW) {
		app_row(st, c->a, out);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

static int set_app_status(struct ctx *c, int64_t id, const char *status, const char *note, int64_t org_id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "UPDATE applications SET status = ?1, decided_by = ?2, decided_at = ?3,"
			    " decision_note = ?4, org_id = ?5 WHERE id = ?6 AND status = 'pending'",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, status);
	if (c->who.person_id > 0)
		db_bind_int(st, 2, c->who.person_id);
	else
		db_bind_null(st, 2);
	db_bind_int(st, 3, c->now);
	db_bind_text(st, 4, note ? note : "");
	if (org_id > 0)
		db_bind_int(st, 5, org_id);
	else
		db_bind_null(st, 5);
	db_bind_int(st, 6, id);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	if (rc == KR_OK && db_changes(st) != 1)
		rc = KR_ECONFLICT; /* decided meanwhile */
	db_done(st);
	return rc;
}

/* Insert an invitation inside the caller's transaction. */
static int insert_invitation(struct ctx *c, int64_t org_id, const char *email, enum role role,
			     bool org_admin, const char **token)
{
	const char *tok = rand_token(c->a, 32);
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO invitations (token_hash, org_id, email, role, org_admin, invited_by,"
			    " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, token_hash(c->a, tok));
	db_bind_int(st, 2, org_id);
	db_bind_text(st, 3, email);
	db_bind_text(st, 4, role_name(role));
	db_bind_int(st, 5, org_admin ? 1 : 0);
	db_bind_int(st, 6, c->who.person_id > 0 ? c->who.person_id : 1);
	db_bind_int(st, 7, c->now);
	db_bind_int(st, 8, c->now + INVITE_TTL_MS);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	if (rc == KR_OK)
		*token = tok;
	return rc;
}

int application_approve(struct ctx *c, int64_t id, const char *slug, const char **invite_token)
{
	*invite_token = NULL;
	if (!acl_can_create_org(c))
		return KR_EPERM;
	struct application ap;
	int rc = app_get(c, id, &ap);
	if (rc)
		return rc;
	if (!str_eq(ap.status, "pending"))
		return KR_ECONFLICT;
	struct org o = {0};
	o.slug = slug;
	o.name_ja = ap.org_name_ja;
	o.name_en = ap.org_name_en;
	o.kind = ap.kind;
	o.sector = ap.sector;
	o.contact_email = ap.contact_email;
	o.contact_phone = "";
	o.description = "";
	/* One transaction: the organisation, the decision and the invitation
	 * appear together or not at all. */
	int64_t org_id = 0;
	const char *bad;
	if ((rc = tx_begin(c)))
		return rc;
	rc = org_create(c, &o, &org_id, &bad);
	if (rc == KR_OK)
		rc = set_app_status(c, id, "approved", "", org_id);
	if (rc == KR_OK)
		rc = insert_invitation(c, org_id, ap.contact_email, ROLE_MEMBER, true, invite_token);
	if (rc == KR_OK)
		rc = audit(c, "application.approve", "application", arena_printf(c->a, "%lld", (long long)id),
			   org_id, slug);
	rc = tx_end(c, rc);
	if (rc)
		*invite_token = NULL;
	return rc;
}

int application_reject(struct ctx *c, int64_t id, const char *note)
{
	if (!acl_can_create_org(c))
		return KR_EPERM;
	if (!valid_text(note, 2000))
		return KR_EINVAL;
	struct application ap;
	int rc = app_get(c, id, &ap);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	rc = set_app_status(c, id, "rejected", note, 0);
	if (rc == KR_OK)
		rc = audit(c, "application.reject", "application", arena_printf(c->a, "%lld", (long long)id), 0,
			   note);
	return tx_end(c, rc);
}

int invitation_create(struct ctx *c, const char *org_slug, const char *email, enum role role,
		      bool org_admin, const char **token)
{
	*token = NULL;
	struct org o;
	int rc = org_get(c, org_slug, &o);
	if (rc)
		return rc;
	if (!acl_can_manage_org(c, o.id) || !acl_can_assign_role(c, o.id, role, org_admin))
		return KR_EPERM;
	if (!valid_email(email))
		return KR_EINVAL;
	if ((rc = tx_begin(c)))
		return rc;
	rc = insert_invitation(c, o.id, email, role, org_admin, token);
	if (rc == KR_OK)
		rc = audit(c, "invitation.create", "invitation", email, o.id, role_name(role));
	rc = tx_end(c, rc);
	if (rc)
		*token = NULL;
	return rc;
}

int invitation_get(struct ctx *c, const char *token, struct invitation *out)
{
	memset(out, 0, sizeof *out);
	if (!token || strlen(token) < 20 || strlen(token) > 100)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT i.id, o.slug, o.name_ja, o.name_en, i.email, i.role, i.org_admin,"
			    " i.created_at, i.expires_at, i.accepted_at"
			    " FROM invitations i JOIN orgs o ON o.id = i.org_id"
			    " WHERE i.token_hash = ?1 AND i.accepted_at IS NULL AND i.expires_at > ?2",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, token_hash(c->a, token));
	db_bind_int(st, 2, c->now);
	rc = db_step(st);
	if (rc == KR_ROW) {
		out->id = db_col_int(st, 0);
		out->org_slug = db_col_dup(st, 1, c->a);
		out->org_name = db_col_dup(st, 2, c->a);
		out->email = db_col_dup(st, 4, c->a);
		out->role = db_col_dup(st, 5, c->a);
		out->org_admin = db_col_int(st, 6) != 0;
		out->created_at = db_col_int(st, 7);
		out->expires_at = db_col_int(st, 8);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int invitation_accept(struct ctx *c, const char *token, const char *login, const char *display_name,
		      const char *password, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	struct invitation inv;
	int rc = invitation_get(c, token, &inv);
	if (rc)
		return rc;
	if (auth_password_ok(password))
		return *bad = "password", KR_EINVAL;
	struct org o;
	if ((rc = org_get(c, inv.org_slug, &o)))
		return rc;
	struct person p = {0};
	p.org_id = o.id;
	p.login = login;
	p.email = inv.email;
	p.display_name = display_name;
	p.title = "";
	p.phone = "";
	if (role_parse(inv.role, &p.role))
		p.role = ROLE_MEMBER;
	p.org_admin = inv.org_admin;
	char hash[256];
	if (auth_hash_password(password, hash, sizeof hash))
		return KR_ENOMEM;
	/* The invitation is the authority here: the person is created by the
	 * platform on the inviter's behalf (checked when it was issued). */
	struct ctx sys = *c;
	sys.who = (struct viewer){0};
	sys.who.system = true;
	if ((rc = tx_begin(&sys)))
		return rc;
	int64_t pid = 0;
	rc = person_create_hashed(&sys, &p, hash, &pid, bad);
	if (rc == KR_OK) {
		struct db_stmt *st;
		rc = db_prepare(c->db, "UPDATE invitations SET accepted_at = ?1, person_id = ?2"
				       " WHERE id = ?3 AND accepted_at IS NULL", &st);
		if (rc == KR_OK) {
			db_bind_int(st, 1, c->now);
			db_bind_int(st, 2, pid);
			db_bind_int(st, 3, inv.id);
			rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
			if (rc == KR_OK && db_changes(st) != 1)
				rc = KR_ECONFLICT;
			db_done(st);
		}
	}
	if (rc == KR_OK)
		rc = audit(&sys, "invitation.accept", "person", login, o.id, inv.email);
	return tx_end(&sys, rc);
}
