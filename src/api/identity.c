/* identity.c - API handlers for me, orgs, people, audit and invitations. */
#include <string.h>

#include "api/api.h"
#include "core/acl.h"
#include "core/audit.h"
#include "core/org.h"
#include "core/person.h"
#include "core/registration.h"
#include "lib/arena.h"
#include "lib/util.h"

static json_t *org_json(struct request *r, const struct org *o, bool with_people)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s, s:o, s:o}",
			      "id", o->slug, "name_ja", o->name_ja, "name_en", o->name_en, "kind", o->kind,
			      "sector", o->sector, "status", o->status, "contact_email", o->contact_email,
			      "contact_phone", o->contact_phone, "description", o->description ? o->description : "",
			      "created_at", api_time(r, o->created_at), "updated_at", api_time(r, o->updated_at));
	if (with_people)
		json_object_set_new(v, "people", json_integer(o->people));
	return v;
}

/* Account fields only for those who may see the account (acl). */
static json_t *person_json(struct request *r, const struct person *p)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "login", p->login, "org", p->org_slug ? p->org_slug : "",
			      "display_name", p->display_name, "title", p->title ? p->title : "", "email", p->email,
			      "phone", p->phone ? p->phone : "");
	if (acl_can_see_account(&r->ctx, p->org_id, p->id)) {
		json_object_set_new(v, "role", json_string(role_name(p->role)));
		json_object_set_new(v, "org_admin", json_boolean(p->org_admin));
		json_object_set_new(v, "status", json_string(p->status ? p->status : "active"));
		json_object_set_new(v, "locale", json_string(p->locale ? p->locale : "ja"));
		json_object_set_new(v, "tz", json_string(p->tz ? p->tz : "Asia/Tokyo"));
		json_object_set_new(v, "totp_enabled", json_boolean(p->totp_enabled));
		json_object_set_new(v, "created_at", api_time(r, p->created_at));
		json_object_set_new(v, "last_login_at", api_time(r, p->last_login_at));
	}
	return v;
}

static json_t *page_json(json_t *items, const char *next, int64_t total)
{
	json_t *v = json_pack("{s:o, s:o}", "items", items, "next_cursor", next ? json_string(next) : json_null());
	if (total >= 0)
		json_object_set_new(v, "total", json_integer(total));
	return v;
}

int api_me(struct request *r)
{
	struct person p;
	int rc = person_get_by_id(&r->ctx, r->ctx.who.person_id, &p);
	if (rc)
		return req_fail_rc(r, rc);
	return api_send(r, 200, person_json(r, &p));
}

int api_orgs_list(struct request *r)
{
	struct org_filter f = {.kind = req_query(r, "kind"), .sector = req_query(r, "sector"),
			       .q = req_query(r, "q"), .cursor = req_query(r, "cursor")};
	if (api_limit(r, 200, &f.limit))
		return api_fail_field(r, "limit");
	struct org_page pg;
	int rc = org_list(&r->ctx, &f, &pg);
	if (rc)
		return rc == KR_EINVAL ? req_fail(r, 400, "err.bad_request") : req_fail_rc(r, rc);
	json_t *items = json_array();
	for (size_t i = 0; i < pg.n; i++)
		json_array_append_new(items, org_json(r, &pg.items[i], true));
	return api_send(r, 200, page_json(items, pg.next_cursor, pg.total));
}

int api_orgs_get(struct request *r)
{
	struct org o;
	int rc = org_get(&r->ctx, r->params[0], &o);
	if (rc || !str_eq(o.status, "active"))
		return req_fail(r, 404, "err.not_found");
	json_t *v = org_json(r, &o, false);
	struct person *ppl;
	size_t n;
	if (person_contacts(&r->ctx, o.id, &ppl, &n) == KR_OK) {
		json_t *c = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(c, json_pack("{s:s, s:s, s:s, s:s, s:s}", "login", ppl[i].login,
							   "display_name", ppl[i].display_name, "title", ppl[i].title,
							   "email", ppl[i].email, "phone", ppl[i].phone));
		json_object_set_new(v, "contacts", c);
	}
	return api_send(r, 200, v);
}

/* Fill an org from a JSON body; fields absent keep cur's values. */
static int org_from_json(json_t *b, const struct org *cur, struct org *o, const char **bad)
{
	bool err = false;
	static const char *const keys[] = {"id", "name_ja", "name_en", "kind", "sector", "contact_email",
					   "contact_phone", "description"};
	const char **dst[] = {&o->slug, &o->name_ja, &o->name_en, &o->kind, &o->sector, &o->contact_email,
			      &o->contact_phone, &o->description};
	*o = cur ? *cur : (struct org){0};
	for (size_t i = 0; i < KR_ARRAY_LEN(keys); i++) {
		const char *s = api_str(b, keys[i], &err);
		if (err) {
			*bad = keys[i];
			return KR_EINVAL;
		}
		if (s)
			*dst[i] = s;
	}
	/* Unknown members are refused so a typo does not pass silently. */
	const char *k;
	json_t *val;
	json_object_foreach(b, k, val)
	{
		bool known = false;
		for (size_t i = 0; i < KR_ARRAY_LEN(keys); i++)
			known |= !strcmp(k, keys[i]);
		if (!known) {
			*bad = k;
			return KR_EINVAL;
		}
	}
	return KR_OK;
}

int api_orgs_create(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	struct org o;
	const char *bad = NULL;
	int rc = org_from_json(b, NULL, &o, &bad);
	int64_t id = 0;
	if (rc == KR_OK)
		rc = org_create(&r->ctx, &o, &id, &bad);
	if (rc == KR_OK) {
		struct org got;
		rc = org_get_by_id(&r->ctx, id, &got);
		json_decref(b);
		return rc ? req_fail_rc(r, rc) : api_send(r, 201, org_json(r, &got, false));
	}
	bad = bad ? arena_strdup(r->a, bad) : NULL;
	json_decref(b);
	return api_fail(r, rc, bad);
}

int api_orgs_update(struct request *r)
{
	struct org cur;
	int rc = org_get(&r->ctx, r->params[0], &cur);
	if (rc || !acl_can_manage_org(&r->ctx, cur.id))
		return req_fail(r, 404, "err.not_found");
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	struct org o;
	const char *bad = NULL;
	rc = org_from_json(b, &cur, &o, &bad);
	if (rc == KR_OK && !str_eq(o.slug, cur.slug)) {
		rc = KR_EINVAL;
		bad = "id";
	}
	if (rc == KR_OK)
		rc = org_update(&r->ctx, cur.slug, &o, &bad);
	bad = bad ? arena_strdup(r->a, bad) : NULL;
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	struct org got;
	if ((rc = org_get(&r->ctx, cur.slug, &got)))
		return req_fail_rc(r, rc);
	return api_send(r, 200, org_json(r, &got, false));
}

int api_people_list(struct request *r)
{
	struct person_filter f = {.org_slug = req_query(r, "org"), .q = req_query(r, "q"),
				  .status = req_query(r, "status"), .cursor = req_query(r, "cursor")};
	if (api_limit(r, 200, &f.limit))
		return api_fail_field(r, "limit");
	struct person_page pg;
	int rc = person_list(&r->ctx, &f, &pg);
	if (rc)
		return rc == KR_EINVAL ? req_fail(r, 400, "err.bad_request") : req_fail_rc(r, rc);
	json_t *items = json_array();
	for (size_t i = 0; i < pg.n; i++)
		json_array_append_new(items, person_json(r, &pg.items[i]));
	return api_send(r, 200, page_json(items, pg.next_cursor, pg.total));
}

/* A person is visible through the API when the viewer may see their
 * account, or as a directory contact (active people only). */
static int visible_person(struct request *r, const char *login, struct person *p)
{
	int rc = person_get(&r->ctx, login, p);
	if (rc)
		return rc;
	if (!acl_can_see_account(&r->ctx, p->org_id, p->id) && !str_eq(p->status, "active"))
		return KR_ENOTFOUND;
	return KR_OK;
}

int api_people_get(struct request *r)
{
	struct person p;
	if (visible_person(r, r->params[0], &p))
		return req_fail(r, 404, "err.not_found");
	return api_send(r, 200, person_json(r, &p));
}

int api_people_create(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *bad = NULL;
	struct person p = {0};
	p.login = api_str(b, "login", &err);
	const char *org = api_str(b, "org", &err);
	p.email = api_str(b, "email", &err);
	p.display_name = api_str(b, "display_name", &err);
	p.title = api_str(b, "title", &err);
	p.phone = api_str(b, "phone", &err);
	p.locale = api_str(b, "locale", &err);
	p.tz = api_str(b, "tz", &err);
	const char *role = api_str(b, "role", &err);
	const char *password = api_str(b, "password", &err);
	p.org_admin = api_bool(b, "org_admin", false, &err);
	int rc = KR_OK;
	struct org o;
	if (err) {
		rc = KR_EINVAL;
		bad = "body";
	} else if (role && role_parse(role, &p.role)) {
		rc = KR_EINVAL;
		bad = "role";
	} else if (!org || org_get(&r->ctx, org, &o)) {
		rc = KR_EINVAL;
		bad = "org";
	}
	if (!role)
		p.role = ROLE_MEMBER;
	if (rc == KR_OK) {
		p.org_id = o.id;
		rc = person_create(&r->ctx, &p, password, NULL, &bad);
	}
	struct person got;
	if (rc == KR_OK)
		rc = person_get(&r->ctx, p.login, &got);
	bad = bad ? arena_strdup(r->a, bad) : NULL;
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	return api_send(r, 201, person_json(r, &got));
}

int api_people_update(struct request *r)
{
	struct person p;
	if (visible_person(r, r->params[0], &p) || !acl_can_see_account(&r->ctx, p.org_id, p.id))
		return req_fail(r, 404, "err.not_found");
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *role = api_str(b, "role", &err);
	bool has_admin = json_object_get(b, "org_admin") != NULL;
	bool org_admin = api_bool(b, "org_admin", p.org_admin, &err);
	const char *status = api_str(b, "status", &err);
	int rc = KR_OK;
	const char *bad = NULL;
	enum role nr = p.role;
	if (err)
		rc = KR_EINVAL, bad = "body";
	else if (role && role_parse(role, &nr))
		rc = KR_EINVAL, bad = "role";
	else if (status && !str_eq(status, "active") && !str_eq(status, "disabled"))
		rc = KR_EINVAL, bad = "status";
	if (rc == KR_OK && (role || has_admin))
		rc = person_set_role(&r->ctx, p.login, nr, org_admin);
	if (rc == KR_OK && status && !str_eq(status, p.status))
		rc = person_set_status(&r->ctx, p.login, str_eq(status, "active"));
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	struct person got;
	if ((rc = person_get(&r->ctx, p.login, &got)))
		return req_fail_rc(r, rc);
	return api_send(r, 200, person_json(r, &got));
}

int api_audit_list(struct request *r)
{
	struct audit_filter f = {.action = req_query(r, "action"), .actor = req_query(r, "actor"),
				 .org_slug = req_query(r, "org"), .cursor = req_query(r, "cursor")};
	if (api_limit(r, 200, &f.limit))
		return api_fail_field(r, "limit");
	const char *from = req_query(r, "from"), *to = req_query(r, "to");
	if (from && time_parse_date(from, 540, &f.from))
		return api_fail_field(r, "from");
	if (to && time_parse_date(to, 540, &f.to))
		return api_fail_field(r, "to");
	if (to)
		f.to += 24LL * 3600 * 1000; /* inclusive end date */
	struct audit_page pg;
	int rc = audit_list(&r->ctx, &f, &pg);
	if (rc)
		return rc == KR_EINVAL ? req_fail(r, 400, "err.bad_request") : req_fail_rc(r, rc);
	json_t *items = json_array();
	for (size_t i = 0; i < pg.n; i++) {
		struct audit_row *a = &pg.items[i];
		json_array_append_new(items, json_pack("{s:I, s:o, s:s?, s:s?, s:s, s:s, s:s, s:s?, s:s, s:s}", "id",
						       (json_int_t)a->id, "at", api_time(r, a->at), "actor",
						       a->actor_login, "actor_org", a->actor_org, "action", a->action,
						       "target_type", a->target_type, "target_id", a->target_id,
						       "target_org", a->target_org, "ip", a->ip, "detail", a->detail));
	}
	return api_send(r, 200, page_json(items, pg.next_cursor, -1));
}

int api_invitations_create(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *org = api_str(b, "org", &err), *email = api_str(b, "email", &err);
	const char *role = api_str(b, "role", &err);
	bool org_admin = api_bool(b, "org_admin", false, &err);
	enum role ro = ROLE_MEMBER;
	int rc = KR_OK;
	const char *bad = NULL, *token = NULL;
	if (err)
		rc = KR_EINVAL, bad = "body";
	else if (role && role_parse(role, &ro))
		rc = KR_EINVAL, bad = "role";
	else if (!org)
		rc = KR_EINVAL, bad = "org";
	if (rc == KR_OK) {
		rc = invitation_create(&r->ctx, org, email, ro, org_admin, &token);
		if (rc == KR_EINVAL)
			bad = "email";
		if (rc == KR_ENOTFOUND)
			rc = KR_EINVAL, bad = "org";
	}
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	return api_send(r, 201, json_pack("{s:s, s:s}", "token", token, "path",
					    arena_printf(r->a, "/invite/%s", token)));
}
