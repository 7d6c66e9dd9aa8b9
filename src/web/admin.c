/* admin.c - administration pages (R15): organisations, people,
 * applications, invitations and the audit-log viewer.  Coordinators and
 * admins see everything here; org-admins get the people pages for their
 * own organisation.  Every decision about who may do what is core's: a
 * refused call comes back as KR_EPERM/KR_ENOTFOUND and is shown as such. */
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/org.h"
#include "core/person.h"
#include "core/registration.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"

static const char *opt_q(struct request *r, const char *key)
{
	const char *v = req_query(r, key);
	return str_empty(v) ? NULL : v;
}

int web_admin(struct request *r)
{
	page_begin(r, "adm.title");
	html_printf(&r->out, "<h1>%s</h1><ul class=\"tiles\">", web_t(r, "adm.title"));
	if (web_is_coord(r)) {
		size_t napps = 0;
		struct application *apps = NULL;
		if (application_list(&r->ctx, "pending", &apps, &napps) != KR_OK)
			napps = 0;
		html_printf(&r->out,
			    "<li class=\"tile\"><a href=\"/admin/applications\"><strong>%s</strong>"
			    "<span>%s: %zu</span></a></li>",
			    web_t(r, "adm.applications"), web_t(r, "adm.pending"), napps);
		html_printf(&r->out,
			    "<li class=\"tile\"><a href=\"/admin/orgs\"><strong>%s</strong>"
			    "<span>%s</span></a></li>",
			    web_t(r, "adm.orgs"), web_t(r, "adm.orgs_text"));
		html_printf(&r->out,
			    "<li class=\"tile\"><a href=\"/admin/feeds\"><strong>%s</strong>"
			    "<span>%s</span></a></li>",
			    web_t(r, "feed.title"), web_t(r, "feed.tile"));
	}
	html_printf(&r->out,
		    "<li class=\"tile\"><a href=\"/admin/people\"><strong>%s</strong><span>%s</span></a></li>"
		    "<li class=\"tile\"><a href=\"/admin/audit\"><strong>%s</strong><span>%s</span></a></li>"
		    "</ul>",
		    web_t(r, "adm.people"), web_t(r, "adm.people_text"), web_t(r, "audit.title"),
		    web_t(r, "home.audit_text"));
	return page_end(r);
}

/* ---- organisations ---------------------------------------------------- */

int web_admin_orgs(struct request *r)
{
	struct org_filter f;
	memset(&f, 0, sizeof f);
	f.kind = opt_q(r, "kind");
	f.sector = opt_q(r, "sector");
	f.q = opt_q(r, "q");
	f.cursor = opt_q(r, "cursor");
	f.limit = 100;
	if ((f.kind && !org_kind_valid(f.kind)) || (f.sector && !org_sector_valid(f.sector)))
		return req_fail(r, 400, "err.bad_request");
	struct org_page pg;
	memset(&pg, 0, sizeof pg);
	int rc = org_list(&r->ctx, &f, &pg);
	if (rc == KR_EINVAL)
		return req_fail(r, 400, "err.bad_request");
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	int64_t from = web_from(r);
	page_begin(r, "adm.orgs");
	html_printf(&r->out,
		    "<p class=\"crumbs\"><a href=\"/admin\">%s</a></p><h1>%s</h1>"
		    "<p><a class=\"button primary\" href=\"/admin/orgs/new\">%s</a></p>"
		    "<form class=\"filters\" method=\"get\" action=\"/admin/orgs\">"
		    "<div class=\"field\"><label for=\"f-q\">%s</label>"
		    "<input id=\"f-q\" name=\"q\" type=\"search\" value=\"%s\"></div>",
		    web_t(r, "adm.title"), web_t(r, "adm.orgs"), web_t(r, "adm.new_org"),
		    web_t(r, "dir.search"), f.q ? f.q : "");
	web_select_kind(r, "kind", f.kind, "list.any");
	web_select_sector(r, "sector", f.sector, "list.any");
	html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "list.filter"));
	web_range(r, pg.total, from, pg.n);
	if (pg.n) {
		html_printf(&r->out,
			    "<div class=\"table-wrap\"><table class=\"list\"><thead><tr><th>%s</th>"
			    "<th>%s</th><th>%s</th><th>%s</th><th class=\"num\">%s</th><th></th>"
			    "</tr></thead><tbody>",
			    web_t(r, "field.org_name"), web_t(r, "field.slug"), web_t(r, "field.kind"),
			    web_t(r, "field.status"), web_t(r, "dir.people"));
		for (size_t i = 0; i < pg.n; i++) {
			const struct org *o = &pg.items[i];
			html_printf(&r->out,
				    "<tr><td data-label=\"%s\"><a href=\"%s\">%s</a></td>"
				    "<td data-label=\"%s\"><code>%s</code></td><td data-label=\"%s\">%s</td>"
				    "<td data-label=\"%s\">%s</td><td class=\"num\" data-label=\"%s\">%lld</td>"
				    "<td><a href=\"%s\">%s</a></td></tr>",
				    web_t(r, "field.org_name"), url_path(r->a, "/orgs/%s", o->slug),
				    web_org_name(r, o->name_ja, o->name_en), web_t(r, "field.slug"),
				    o->slug, web_t(r, "field.kind"), web_kind_label(r, o->kind),
				    web_t(r, "field.status"),
				    web_t(r, str_eq(o->status, "disabled") ? "status.disabled"
									   : "status.active"),
				    web_t(r, "dir.people"), (long long)o->people,
				    url_path(r->a, "/admin/orgs/%s/edit", o->slug), web_t(r, "adm.edit"));
		}
		html_raw(&r->out, "</tbody></table></div>");
	}
	web_next_page(r, pg.next_cursor, from, pg.n);
	return page_end(r);
}

static void role_select(struct request *r, const char *name, enum role cur)
{
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-%s\">%s</label>"
			     "<select id=\"f-%s\" name=\"%s\">",
		    name, web_t(r, "field.role"), name, name);
	static const enum role roles[] = {ROLE_MEMBER, ROLE_COORDINATOR, ROLE_ADMIN};
	for (size_t i = 0; i < KR_ARRAY_LEN(roles); i++) {
		/* Only admins hand out the admin role; core refuses anyway,
		 * the form just does not offer it. */
		if (roles[i] == ROLE_ADMIN && r->ctx.who.role != ROLE_ADMIN)
			continue;
		if (roles[i] == ROLE_COORDINATOR && !web_is_coord(r))
			continue;
		html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", role_name(roles[i]),
			    roles[i] == cur ? " selected" : "",
			    web_t(r, arena_printf(r->a, "role.%s", role_name(roles[i]))));
	}
	html_raw(&r->out, "</select></div>");
}

static void checkbox(struct request *r, const char *name, const char *label_key, bool on)
{
	html_printf(&r->out,
		    "<div class=\"field check\"><input id=\"f-%s\" name=\"%s\" type=\"checkbox\" "
		    "value=\"1\"%s><label for=\"f-%s\">%s</label></div>",
		    name, name, on ? " checked" : "", name, web_t(r, label_key));
}

static void invite_form(struct request *r, const char *slug)
{
	html_printf(&r->out, "<section class=\"card\" id=\"invite\"><h2>%s</h2><p class=\"hint\">%s</p>"
			     "<form method=\"post\" action=\"%s\">",
		    web_t(r, "adm.invite"), web_t(r, "adm.invite_help"),
		    url_path(r->a, "/admin/orgs/%s/invite", slug));
	web_csrf(r);
	web_input(r, "email", "field.email", "email", NULL, true);
	role_select(r, "role", ROLE_MEMBER);
	checkbox(r, "org_admin", "field.org_admin", false);
	html_printf(&r->out, "<button type=\"submit\">%s</button></form></section>",
		    web_t(r, "adm.invite_send"));
}

static int org_form(struct request *r, const struct org *o, bool is_new, const char *err_key,
		    const char *bad, int status)
{
	page_begin(r, is_new ? "adm.new_org" : "adm.edit_org");
	html_printf(&r->out,
		    "<p class=\"crumbs\"><a href=\"/admin\">%s</a> / <a href=\"/admin/orgs\">%s</a></p>"
		    "<h1>%s</h1><div class=\"grid2\"><section class=\"card\">",
		    web_t(r, "adm.title"), web_t(r, "adm.orgs"),
		    is_new ? web_t(r, "adm.new_org") : web_org_name(r, o->name_ja, o->name_en));
	if (err_key)
		web_form_error(r, err_key, bad);
	html_printf(&r->out, "<form method=\"post\" action=\"%s\">",
		    is_new ? "/admin/orgs/new" : url_path(r->a, "/admin/orgs/%s/edit", o->slug));
	web_csrf(r);
	if (is_new) {
		web_input(r, "slug", "field.slug", "text", o->slug, true);
		html_printf(&r->out, "<p class=\"hint\">%s</p>", web_t(r, "adm.slug_rule"));
	} else {
		html_printf(&r->out, "<dl class=\"facts\"><dt>%s</dt><dd><code>%s</code></dd></dl>",
			    web_t(r, "field.slug"), o->slug);
	}
	web_input(r, "name_ja", "field.name_ja", "text", o->name_ja, true);
	web_input(r, "name_en", "field.name_en", "text", o->name_en, true);
	web_select_kind(r, "kind", o->kind, "list.choose");
	web_select_sector(r, "sector", o->sector, "list.not_applicable");
	web_input(r, "contact_email", "field.contact_email", "email", o->contact_email, false);
	web_input(r, "contact_phone", "field.contact_phone", "tel", o->contact_phone, false);
	html_printf(&r->out,
		    "<div class=\"field\"><label for=\"f-description\">%s</label>"
		    "<textarea id=\"f-description\" name=\"description\" rows=\"4\">%s</textarea></div>",
		    web_t(r, "field.description"), o->description ? o->description : "");
	if (!is_new) {
		bool dis = str_eq(o->status, "disabled");
		html_printf(&r->out,
			    "<div class=\"field\"><label for=\"f-status\">%s</label>"
			    "<select id=\"f-status\" name=\"status\"><option value=\"active\"%s>%s</option>"
			    "<option value=\"disabled\"%s>%s</option></select></div>",
			    web_t(r, "field.status"), dis ? "" : " selected",
			    web_t(r, "status.active"), dis ? " selected" : "",
			    web_t(r, "status.disabled"));
	}
	html_printf(&r->out, "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    web_t(r, is_new ? "adm.create" : "form.save"));
	if (!is_new)
		invite_form(r, o->slug);
	html_raw(&r->out, "</div>");
	return page_end_status(r, status);
}

static void org_from_form(struct request *r, struct org *o)
{
	o->name_ja = web_field(r, "name_ja");
	o->name_en = web_field(r, "name_en");
	o->kind = web_field(r, "kind");
	o->sector = web_field(r, "sector");
	if (str_empty(o->sector))
		o->sector = NULL;
	o->contact_email = web_field(r, "contact_email");
	o->contact_phone = web_field(r, "contact_phone");
	o->description = web_field(r, "description");
}

int web_admin_org_new_get(struct request *r)
{
	struct org o;
	memset(&o, 0, sizeof o);
	return org_form(r, &o, true, NULL, NULL, 200);
}

int web_admin_org_new_post(struct request *r)
{
	struct org o;
	memset(&o, 0, sizeof o);
	o.slug = web_field(r, "slug");
	o.status = "active";
	org_from_form(r, &o);
	int64_t id = 0;
	const char *bad = NULL;
	int rc = org_create(&r->ctx, &o, &id, &bad);
	if (rc == KR_ECONFLICT && !bad)
		bad = "slug";
	if (rc != KR_OK)
		return org_form(r, &o, true, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, url_path(r->a, "/orgs/%s", o.slug), "flash.org_created");
}

int web_admin_org_edit_get(struct request *r)
{
	struct org o;
	int rc = org_get(&r->ctx, r->params[0], &o);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return org_form(r, &o, false, NULL, NULL, 200);
}

int web_admin_org_edit_post(struct request *r)
{
	struct org o;
	int rc = org_get(&r->ctx, r->params[0], &o);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	org_from_form(r, &o);
	const char *st = web_field(r, "status");
	if (str_eq(st, "active") || str_eq(st, "disabled"))
		o.status = st;
	const char *bad = NULL;
	rc = org_update(&r->ctx, o.slug, &o, &bad);
	if (rc != KR_OK)
		return org_form(r, &o, false, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, url_path(r->a, "/orgs/%s", o.slug), "flash.saved");
}

/* The link is shown once to the inviting person, who sends it on
 * (mail delivery of invitations arrives with the notifications module). */
static int show_invite_link(struct request *r, const char *title_key, const char *token,
			    const char *back)
{
	const char *link = arena_printf(r->a, "%s%s", web_origin(r),
					url_path(r->a, "/invite/%s", token));
	page_begin(r, title_key);
	html_printf(&r->out,
		    "<section class=\"narrow card\"><h1>%s</h1><p class=\"alert alert-ok\">%s</p>"
		    "<p><code id=\"invite-link\" class=\"secret\">%s</code></p>"
		    "<p><a class=\"button primary\" href=\"%s\">%s</a></p></section>",
		    web_t(r, title_key), web_t(r, "adm.invite_link_help"), link, back,
		    web_t(r, "form.back"));
	return page_end(r);
}

int web_admin_org_invite(struct request *r)
{
	const char *slug = r->params[0];
	const char *email = web_field(r, "email");
	enum role role = ROLE_MEMBER;
	if (role_parse(web_field(r, "role"), &role) != KR_OK)
		return req_fail(r, 400, "err.bad_request");
	bool oa = str_eq(req_form(r, "org_admin"), "1");
	const char *token = NULL;
	int rc = invitation_create(&r->ctx, slug, email, role, oa, &token);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 422, "err.invalid_field", web_field_label(r, "email"));
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return show_invite_link(r, "adm.invite_created", token,
				web_is_coord(r) ? url_path(r->a, "/admin/orgs/%s/edit", slug)
						: "/admin/people");
}

/* ---- people ----------------------------------------------------------- */

/* The organisation an org-admin manages (their own), or NULL. */
static const struct org *own_org(struct request *r)
{
	struct org *o = arena_alloc(r->a, sizeof *o);
	if (!r->ctx.who.org_id || org_get_by_id(&r->ctx, r->ctx.who.org_id, o) != KR_OK)
		return NULL;
	return o;
}

static void person_actions(struct request *r, const struct person *p)
{
	const char *next = web_self(r);
	html_printf(&r->out, "<details class=\"actions\"><summary>%s</summary>",
		    web_t(r, "adm.actions"));
	/* status */
	bool active = !str_eq(p->status, "disabled");
	html_printf(&r->out, "<form method=\"post\" action=\"%s\" data-confirm=\"%s\">",
		    url_path(r->a, "/admin/people/%s/status", p->login),
		    web_t(r, active ? "adm.disable_confirm" : "adm.enable_confirm"));
	web_csrf(r);
	html_printf(&r->out,
		    "<input type=\"hidden\" name=\"next\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"active\" value=\"%s\">"
		    "<button type=\"submit\" class=\"%s small\">%s</button></form>",
		    next, active ? "0" : "1", active ? "danger" : "", 
		    web_t(r, active ? "adm.disable" : "adm.enable"));
	/* role */
	html_printf(&r->out, "<form method=\"post\" action=\"%s\">",
		    url_path(r->a, "/admin/people/%s/role", p->login));
	web_csrf(r);
	html_printf(&r->out, "<input type=\"hidden\" name=\"next\" value=\"%s\">", next);
	role_select(r, arena_printf(r->a, "role-%lld", (long long)p->id), p->role);
	checkbox(r, arena_printf(r->a, "oa-%lld", (long long)p->id), "field.org_admin", p->org_admin);
	html_printf(&r->out, "<button type=\"submit\" class=\"small\">%s</button></form>",
		    web_t(r, "adm.set_role"));
	/* password reset */
	html_printf(&r->out, "<form method=\"post\" action=\"%s\">",
		    url_path(r->a, "/admin/people/%s/password", p->login));
	web_csrf(r);
	html_printf(&r->out, "<input type=\"hidden\" name=\"next\" value=\"%s\">", next);
	web_input(r, arena_printf(r->a, "pw-%lld", (long long)p->id), "field.new_password",
		  "password", NULL, true);
	html_printf(&r->out, "<button type=\"submit\" class=\"small\">%s</button></form></details>",
		    web_t(r, "adm.reset_password"));
}

int web_admin_people(struct request *r)
{
	struct person_filter f;
	memset(&f, 0, sizeof f);
	const struct org *mine = NULL;
	if (web_is_coord(r)) {
		f.org_slug = opt_q(r, "org");
	} else {
		mine = own_org(r);
		if (!mine)
			return req_fail(r, 403, "err.forbidden");
		f.org_slug = mine->slug;
	}
	f.q = opt_q(r, "q");
	f.status = opt_q(r, "status");
	f.cursor = opt_q(r, "cursor");
	f.limit = 100;
	if (f.status && !str_eq(f.status, "active") && !str_eq(f.status, "disabled"))
		return req_fail(r, 400, "err.bad_request");
	struct person_page pg;
	memset(&pg, 0, sizeof pg);
	int rc = person_list(&r->ctx, &f, &pg);
	if (rc == KR_EINVAL)
		return req_fail(r, 400, "err.bad_request");
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	int64_t from = web_from(r);

	page_begin(r, "adm.people");
	html_printf(&r->out,
		    "<p class=\"crumbs\"><a href=\"/admin\">%s</a></p><h1>%s</h1>"
		    "<p><a class=\"button primary\" href=\"%s\">%s</a></p>",
		    web_t(r, "adm.title"), web_t(r, "adm.people"),
		    f.org_slug && web_is_coord(r) ? url_path(r->a, "/admin/people/new?org=%s", f.org_slug)
						  : "/admin/people/new",
		    web_t(r, "adm.new_person"));
	html_raw(&r->out, "<form class=\"filters\" method=\"get\" action=\"/admin/people\">");
	if (web_is_coord(r))
		html_printf(&r->out, "<div class=\"field\"><label for=\"f-org\">%s</label>"
				     "<input id=\"f-org\" name=\"org\" type=\"text\" value=\"%s\"></div>",
			    web_t(r, "field.org_slug"), f.org_slug ? f.org_slug : "");
	html_printf(&r->out,
		    "<div class=\"field\"><label for=\"f-q\">%s</label>"
		    "<input id=\"f-q\" name=\"q\" type=\"search\" value=\"%s\"></div>"
		    "<div class=\"field\"><label for=\"f-status\">%s</label><select id=\"f-status\" name=\"status\">"
		    "<option value=\"\">%s</option><option value=\"active\"%s>%s</option>"
		    "<option value=\"disabled\"%s>%s</option></select></div>"
		    "<button type=\"submit\">%s</button></form>",
		    web_t(r, "adm.people_search"), f.q ? f.q : "", web_t(r, "field.status"),
		    web_t(r, "list.any"), str_eq(f.status, "active") ? " selected" : "",
		    web_t(r, "status.active"), str_eq(f.status, "disabled") ? " selected" : "",
		    web_t(r, "status.disabled"), web_t(r, "list.filter"));
	web_range(r, pg.total, from, pg.n);
	if (pg.n) {
		html_printf(&r->out,
			    "<div class=\"table-wrap\"><table class=\"list people\"><thead><tr>"
			    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th></th>"
			    "</tr></thead><tbody>",
			    web_t(r, "field.display_name"), web_t(r, "field.login"),
			    web_t(r, "field.org"), web_t(r, "field.role"), web_t(r, "field.status"),
			    web_t(r, "adm.last_login"));
		for (size_t i = 0; i < pg.n; i++) {
			const struct person *p = &pg.items[i];
			const char *role = web_t(r, arena_printf(r->a, "role.%s", role_name(p->role)));
			html_printf(&r->out,
				    "<tr><td data-label=\"%s\">%s</td><td data-label=\"%s\"><code>%s</code></td>"
				    "<td data-label=\"%s\">%s</td><td data-label=\"%s\">%s%s%s</td>"
				    "<td data-label=\"%s\">%s%s</td><td data-label=\"%s\">%s</td><td>",
				    web_t(r, "field.display_name"), p->display_name,
				    web_t(r, "field.login"), p->login, web_t(r, "field.org"),
				    web_org_name(r, p->org_name_ja, p->org_name_en),
				    web_t(r, "field.role"), role, p->org_admin ? " / " : "",
				    p->org_admin ? web_t(r, "field.org_admin") : "",
				    web_t(r, "field.status"),
				    web_t(r, str_eq(p->status, "disabled") ? "status.disabled"
									   : "status.active"),
				    p->totp_enabled ? " · TOTP" : "", web_t(r, "adm.last_login"),
				    web_time(r, p->last_login_at));
			if (!str_eq(p->login, r->ctx.who.login))
				person_actions(r, p);
			html_raw(&r->out, "</td></tr>");
		}
		html_raw(&r->out, "</tbody></table></div>");
	}
	web_next_page(r, pg.next_cursor, from, pg.n);
	if (mine)
		invite_form(r, mine->slug);
	return page_end(r);
}

static int person_form(struct request *r, const struct person *p, const char *org_slug,
		       const char *err_key, const char *bad, int status)
{
	page_begin(r, "adm.new_person");
	html_printf(&r->out,
		    "<p class=\"crumbs\"><a href=\"/admin\">%s</a> / <a href=\"/admin/people\">%s</a></p>"
		    "<section class=\"narrow card\"><h1>%s</h1>",
		    web_t(r, "adm.title"), web_t(r, "adm.people"), web_t(r, "adm.new_person"));
	if (err_key)
		web_form_error(r, err_key, bad);
	html_raw(&r->out, "<form method=\"post\" action=\"/admin/people/new\">");
	web_csrf(r);
	if (web_is_coord(r))
		web_input(r, "org", "field.org_slug", "text", org_slug, true);
	web_input(r, "login", "field.login", "text", p->login, true);
	html_printf(&r->out, "<p class=\"hint\">%s</p>", web_t(r, "reg.login_rule"));
	web_input(r, "display_name", "field.display_name", "text", p->display_name, true);
	web_input(r, "email", "field.email", "email", p->email, true);
	role_select(r, "role", p->role ? p->role : ROLE_MEMBER);
	checkbox(r, "org_admin", "field.org_admin", p->org_admin);
	web_input(r, "password", "field.initial_password", "password", NULL, false);
	html_printf(&r->out, "<p class=\"hint\">%s</p><button type=\"submit\" class=\"primary\">%s</button>"
			     "</form></section>",
		    web_t(r, "adm.password_optional"), web_t(r, "adm.create"));
	return page_end_status(r, status);
}

int web_admin_person_new_get(struct request *r)
{
	struct person p;
	memset(&p, 0, sizeof p);
	return person_form(r, &p, opt_q(r, "org"), NULL, NULL, 200);
}

int web_admin_person_new_post(struct request *r)
{
	struct person p;
	memset(&p, 0, sizeof p);
	p.login = web_field(r, "login");
	p.display_name = web_field(r, "display_name");
	p.email = web_field(r, "email");
	p.locale = r->lang;
	p.tz = "Asia/Tokyo";
	p.status = "active";
	p.org_admin = str_eq(req_form(r, "org_admin"), "1");
	if (role_parse(web_field(r, "role"), &p.role) != KR_OK)
		p.role = ROLE_MEMBER;
	const char *slug = NULL;
	struct org o;
	if (web_is_coord(r)) {
		slug = web_field(r, "org");
		if (str_empty(slug) || org_get(&r->ctx, slug, &o) != KR_OK)
			return person_form(r, &p, slug, "err.invalid_field", "org", 422);
	} else {
		const struct org *mine = own_org(r);
		if (!mine)
			return req_fail(r, 403, "err.forbidden");
		o = *mine;
	}
	p.org_id = o.id;
	const char *pw = req_form(r, "password");
	int64_t id = 0;
	const char *bad = NULL;
	int rc = person_create(&r->ctx, &p, str_empty(pw) ? NULL : pw, &id, &bad);
	if (rc == KR_ECONFLICT && !bad)
		bad = "login";
	if (rc != KR_OK)
		return person_form(r, &p, slug, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, url_path(r->a, "/admin/people?org=%s", o.slug),
				  "flash.person_created");
}

int web_admin_person_status(struct request *r)
{
	/* active=1|0 from our form; status=active|disabled also accepted. */
	const char *a = web_field(r, "active");
	const char *st = web_field(r, "status");
	bool on;
	if (str_eq(a, "1") || str_eq(st, "active"))
		on = true;
	else if (str_eq(a, "0") || str_eq(st, "disabled"))
		on = false;
	else
		return req_fail(r, 400, "err.bad_request");
	int rc = person_set_status(&r->ctx, r->params[0], on);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, web_next(r, "/admin/people"), "flash.saved");
}

/* The role form's field names carry the person's id so several forms on
 * one page keep distinct label ids; take the first role-* / oa-* field. */
static const char *prefixed_field(struct request *r, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < r->nform; i++)
		if (r->form[i].key && strncmp(r->form[i].key, prefix, n) == 0 && !r->form[i].filename)
			return r->form[i].val;
	return NULL;
}

int web_admin_person_role(struct request *r)
{
	enum role role;
	const char *rs = prefixed_field(r, "role");
	if (!rs || role_parse(rs, &role) != KR_OK)
		return req_fail(r, 400, "err.bad_request");
	const char *oa = prefixed_field(r, "oa-");
	if (!oa)
		oa = req_form(r, "org_admin");
	int rc = person_set_role(&r->ctx, r->params[0], role, str_eq(oa, "1"));
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, web_next(r, "/admin/people"), "flash.saved");
}

int web_admin_person_password(struct request *r)
{
	const char *pw = prefixed_field(r, "pw-");
	if (!pw)
		pw = req_form(r, "password");
	if (str_empty(pw))
		return req_fail_detail(r, 422, "err.invalid_field", web_t(r, "field.new_password"));
	int rc = person_reset_password(&r->ctx, r->params[0], pw);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 422, "err.invalid_field", web_t(r, "acct.password_rule"));
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, web_next(r, "/admin/people"), "flash.password_reset");
}

/* ---- applications ----------------------------------------------------- */

int web_admin_applications(struct request *r)
{
	const char *st = opt_q(r, "status");
	if (!st)
		st = "pending";
	if (!str_eq(st, "pending") && !str_eq(st, "approved") && !str_eq(st, "rejected"))
		return req_fail(r, 400, "err.bad_request");
	struct application *apps = NULL;
	size_t n = 0;
	int rc = application_list(&r->ctx, st, &apps, &n);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	page_begin(r, "adm.applications");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/admin\">%s</a></p><h1>%s</h1>"
			     "<nav class=\"tabs\">",
		    web_t(r, "adm.title"), web_t(r, "adm.applications"));
	static const char *const sts[] = {"pending", "approved", "rejected"};
	for (size_t i = 0; i < KR_ARRAY_LEN(sts); i++)
		html_printf(&r->out, "<a href=\"%s\"%s>%s</a> ",
			    url_path(r->a, "/admin/applications?status=%s", sts[i]),
			    str_eq(st, sts[i]) ? " aria-current=page" : "",
			    web_t(r, arena_printf(r->a, "appst.%s", sts[i])));
	html_raw(&r->out, "</nav>");
	if (!n)
		html_printf(&r->out, "<p class=\"range\">%s</p>", web_t(r, "list.none"));
	for (size_t i = 0; i < n; i++) {
		const struct application *a = &apps[i];
		html_printf(&r->out,
			    "<article class=\"card application\"><h2>%s <span lang=\"en\">/ %s</span></h2>"
			    "<dl class=\"facts\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>"
			    "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd><code>%s</code></dd>"
			    "<dt>%s</dt><dd>%s</dd></dl>",
			    a->org_name_ja, a->org_name_en, web_t(r, "field.kind"),
			    web_kind_label(r, a->kind), web_t(r, "field.sector"),
			    web_sector_label(r, a->sector), web_t(r, "field.contact_name"),
			    a->contact_name, web_t(r, "field.email"), a->contact_email,
			    web_t(r, "field.desired_login"), a->login, web_t(r, "adm.applied_at"),
			    web_time(r, a->created_at));
		if (!str_empty(a->message))
			html_printf(&r->out, "<blockquote class=\"description\">%s</blockquote>", a->message);
		if (!str_empty(a->decision_note))
			html_printf(&r->out, "<p><strong>%s:</strong> %s</p>", web_t(r, "field.note"),
				    a->decision_note);
		if (str_eq(a->status, "pending")) {
			char id[24];
			snprintf(id, sizeof id, "%lld", (long long)a->id);
			html_printf(&r->out, "<div class=\"grid2\"><form method=\"post\" action=\"%s\">",
				    url_path(r->a, "/admin/applications/%s/approve", id));
			web_csrf(r);
			web_input(r, arena_printf(r->a, "slug-%s", id), "field.slug", "text", NULL, true);
			html_printf(&r->out, "<p class=\"hint\">%s</p><button type=\"submit\" class=\"primary\">%s</button>"
					     "</form><form method=\"post\" action=\"%s\" data-confirm=\"%s\">",
				    web_t(r, "adm.slug_rule"), web_t(r, "adm.approve"),
				    url_path(r->a, "/admin/applications/%s/reject", id),
				    web_t(r, "adm.reject_confirm"));
			web_csrf(r);
			html_printf(&r->out,
				    "<div class=\"field\"><label for=\"f-note-%s\">%s</label>"
				    "<textarea id=\"f-note-%s\" name=\"note\" rows=\"2\"></textarea></div>"
				    "<button type=\"submit\" class=\"danger\">%s</button></form></div>",
				    id, web_t(r, "field.note"), id, web_t(r, "adm.reject"));
		}
		html_raw(&r->out, "</article>");
	}
	return page_end(r);
}

static int app_id(struct request *r, int64_t *id)
{
	return parse_i64(r->params[0], 1, INT64_MAX, id);
}

int web_admin_app_approve(struct request *r)
{
	int64_t id;
	if (app_id(r, &id) != KR_OK)
		return req_fail(r, 404, "err.not_found");
	const char *slug = prefixed_field(r, "slug");
	const char *token = NULL;
	int rc = application_approve(&r->ctx, id, slug ? str_trim(arena_strdup(r->a, slug)) : "",
				     &token);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 422, "err.invalid_field", web_t(r, "field.slug"));
	if (rc == KR_ECONFLICT)
		return req_fail_detail(r, 409, "err.conflict", web_t(r, "field.slug"));
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return show_invite_link(r, "adm.approved", token, "/admin/applications");
}

int web_admin_app_reject(struct request *r)
{
	int64_t id;
	if (app_id(r, &id) != KR_OK)
		return req_fail(r, 404, "err.not_found");
	int rc = application_reject(&r->ctx, id, web_field(r, "note"));
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, "/admin/applications", "flash.rejected");
}

/* ---- audit log -------------------------------------------------------- */

int web_audit(struct request *r)
{
	struct audit_filter f;
	memset(&f, 0, sizeof f);
	f.action = opt_q(r, "action");
	f.actor = opt_q(r, "actor");
	f.org_slug = opt_q(r, "org");
	f.cursor = opt_q(r, "cursor");
	f.limit = 100;
	int off = web_tz_offset(r);
	const char *df = opt_q(r, "from_date"), *dt = opt_q(r, "to_date");
	if (!df)
		df = opt_q(r, "from");
	if (!dt)
		dt = opt_q(r, "to");
	if (df && time_parse_date(df, off, &f.from) != KR_OK)
		return req_fail_detail(r, 400, "err.bad_request", web_t(r, "field.from_date"));
	if (dt) {
		if (time_parse_date(dt, off, &f.to) != KR_OK)
			return req_fail_detail(r, 400, "err.bad_request", web_t(r, "field.to_date"));
		f.to += 24LL * 3600 * 1000; /* the whole "to" day */
	}
	struct audit_page pg;
	memset(&pg, 0, sizeof pg);
	int rc = audit_list(&r->ctx, &f, &pg);
	if (rc == KR_EINVAL)
		return req_fail(r, 400, "err.bad_request");
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	page_begin(r, "audit.title");
	html_printf(&r->out,
		    "<h1>%s</h1><p class=\"hint\">%s</p>"
		    "<form class=\"filters\" method=\"get\" action=\"/admin/audit\">"
		    "<div class=\"field\"><label for=\"f-action\">%s</label>"
		    "<input id=\"f-action\" name=\"action\" type=\"text\" value=\"%s\" placeholder=\"person.\"></div>"
		    "<div class=\"field\"><label for=\"f-actor\">%s</label>"
		    "<input id=\"f-actor\" name=\"actor\" type=\"text\" value=\"%s\"></div>"
		    "<div class=\"field\"><label for=\"f-org\">%s</label>"
		    "<input id=\"f-org\" name=\"org\" type=\"text\" value=\"%s\"></div>"
		    "<div class=\"field\"><label for=\"f-from\">%s</label>"
		    "<input id=\"f-from\" name=\"from_date\" type=\"date\" value=\"%s\"></div>"
		    "<div class=\"field\"><label for=\"f-to\">%s</label>"
		    "<input id=\"f-to\" name=\"to_date\" type=\"date\" value=\"%s\"></div>"
		    "<button type=\"submit\">%s</button></form>",
		    web_t(r, "audit.title"), web_t(r, "audit.help"), web_t(r, "audit.action"),
		    f.action ? f.action : "", web_t(r, "audit.actor"), f.actor ? f.actor : "",
		    web_t(r, "field.org_slug"), f.org_slug ? f.org_slug : "",
		    web_t(r, "field.from_date"), df ? df : "", web_t(r, "field.to_date"),
		    dt ? dt : "", web_t(r, "list.filter"));
	if (!pg.n) {
		html_printf(&r->out, "<p class=\"range\">%s</p>", web_t(r, "list.none"));
	} else {
		html_printf(&r->out,
			    "<div class=\"table-wrap\"><table class=\"list audit\"><thead><tr>"
			    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
			    "</tr></thead><tbody>",
			    web_t(r, "audit.when"), web_t(r, "audit.actor"), web_t(r, "audit.action_col"),
			    web_t(r, "audit.target"), web_t(r, "audit.ip"), web_t(r, "audit.detail"));
		for (size_t i = 0; i < pg.n; i++) {
			const struct audit_row *a = &pg.items[i];
			html_printf(&r->out,
				    "<tr><td data-label=\"%s\">%s</td><td data-label=\"%s\">%s"
				    "<span class=\"muted\"> %s</span></td><td data-label=\"%s\"><code>%s</code></td>"
				    "<td data-label=\"%s\">%s %s <span class=\"muted\">%s</span></td>"
				    "<td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td></tr>",
				    web_t(r, "audit.when"), web_time(r, a->at), web_t(r, "audit.actor"),
				    a->actor_login ? a->actor_login : web_t(r, "audit.system"),
				    a->actor_org ? a->actor_org : "", web_t(r, "audit.action_col"),
				    a->action, web_t(r, "audit.target"),
				    a->target_type ? a->target_type : "", a->target_id ? a->target_id : "",
				    a->target_org ? a->target_org : "", web_t(r, "audit.ip"),
				    a->ip ? a->ip : "", web_t(r, "audit.detail"),
				    a->detail ? a->detail : "");
		}
		html_raw(&r->out, "</tbody></table></div>");
	}
	static const char *const drop[] = {"cursor", NULL};
	if (pg.next_cursor || f.cursor) {
		html_raw(&r->out, "<nav class=\"pager\">");
		if (f.cursor)
			html_printf(&r->out, "<a href=\"%s\">%s</a> ",
				    web_self_with(r, drop, NULL, NULL, NULL, NULL), web_t(r, "list.first"));
		if (pg.next_cursor)
			html_printf(&r->out, "<a rel=\"next\" href=\"%s\">%s</a>",
				    web_self_with(r, drop, "cursor", pg.next_cursor, NULL, NULL),
				    web_t(r, "list.next"));
		html_raw(&r->out, "</nav>");
	}
	return page_end(r);
}
