/* register.c - joining the platform (R1.3): an organisation's application
 * (approved later by the coordination center) and accepting an
 * invitation link.  Both are anonymous forms protected by the
 * pre-session CSRF cookie. */
#include <string.h>

#include "core/registration.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"

static void textarea(struct request *r, const char *name, const char *label_key, const char *v)
{
	html_printf(&r->out,
		    "<div class=\"field\"><label for=\"f-%s\">%s</label>"
		    "<textarea id=\"f-%s\" name=\"%s\" rows=\"5\">%s</textarea></div>",
		    name, web_t(r, label_key), name, name, v ? v : "");
}

static int register_form(struct request *r, const struct application *a, const char *err_key,
			 const char *bad, int status)
{
	page_begin(r, "reg.title");
	html_printf(&r->out, "<section class=\"narrow card\"><h1>%s</h1><p>%s</p>",
		    web_t(r, "reg.title"), web_t(r, "reg.intro"));
	if (err_key)
		web_form_error(r, err_key, bad);
	html_raw(&r->out, "<form method=\"post\" action=\"/register\">");
	web_csrf(r);
	html_printf(&r->out, "<fieldset><legend>%s</legend>", web_t(r, "reg.org"));
	web_input(r, "org_name_ja", "field.name_ja", "text", a->org_name_ja, true);
	web_input(r, "org_name_en", "field.name_en", "text", a->org_name_en, true);
	web_select_kind(r, "kind", a->kind, "list.choose");
	web_select_sector(r, "sector", a->sector, "list.not_applicable");
	html_printf(&r->out, "</fieldset><fieldset><legend>%s</legend>", web_t(r, "reg.contact"));
	web_input(r, "contact_name", "field.contact_name", "text", a->contact_name, true);
	web_input(r, "contact_email", "field.email", "email", a->contact_email, true);
	web_input(r, "login", "field.desired_login", "text", a->login, true);
	html_printf(&r->out, "<p class=\"hint\">%s</p>", web_t(r, "reg.login_rule"));
	textarea(r, "message", "field.message", a->message);
	html_printf(&r->out,
		    "</fieldset><div class=\"field check\"><input id=\"f-terms\" name=\"terms\" "
		    "type=\"checkbox\" value=\"1\"%s required><label for=\"f-terms\">%s</label></div>"
		    "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    a->terms_accepted ? " checked" : "", web_t(r, "reg.terms"),
		    web_t(r, "reg.submit"));
	return page_end_status(r, status);
}

int web_register_get(struct request *r)
{
	struct application a;
	memset(&a, 0, sizeof a);
	return register_form(r, &a, NULL, NULL, 200);
}

int web_register_post(struct request *r)
{
	struct application a;
	memset(&a, 0, sizeof a);
	a.org_name_ja = web_field(r, "org_name_ja");
	a.org_name_en = web_field(r, "org_name_en");
	a.kind = web_field(r, "kind");
	a.sector = web_field(r, "sector");
	if (str_empty(a.sector))
		a.sector = NULL;
	a.contact_name = web_field(r, "contact_name");
	a.contact_email = web_field(r, "contact_email");
	a.login = web_field(r, "login");
	a.message = web_field(r, "message");
	/* "1" from our form; a browser's default "on" or any value counts. */
	a.terms_accepted = !str_empty(req_form(r, "terms")) && !str_eq(req_form(r, "terms"), "0");
	const char *bad = NULL;
	int64_t id = 0;
	int rc = application_submit(&r->ctx, &a, &id, &bad);
	if (rc == KR_EINVAL && !a.terms_accepted && str_empty(bad))
		bad = "terms";
	if (rc != KR_OK)
		return register_form(r, &a, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, "/", "flash.applied");
}

static int invite_form(struct request *r, const struct invitation *inv, const char *login,
		       const char *name, const char *err_key, const char *bad, int status)
{
	page_begin(r, "inv.title");
	html_printf(&r->out, "<section class=\"narrow card\"><h1>%s</h1><p>%s</p>"
			     "<dl class=\"facts\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd></dl>",
		    web_t(r, "inv.title"), web_t(r, "inv.intro"), web_t(r, "field.org"),
		    inv->org_name ? inv->org_name : inv->org_slug, web_t(r, "field.email"),
		    inv->email ? inv->email : "");
	if (err_key)
		web_form_error(r, err_key, bad);
	html_printf(&r->out, "<form method=\"post\" action=\"%s\">",
		    url_path(r->a, "/invite/%s", r->params[0]));
	web_csrf(r);
	web_input(r, "login", "field.login", "text", login, true);
	html_printf(&r->out, "<p class=\"hint\">%s</p>", web_t(r, "reg.login_rule"));
	web_input(r, "display_name", "field.display_name", "text", name, true);
	web_input(r, "password", "field.new_password", "password", NULL, true);
	web_input(r, "password2", "field.password2", "password", NULL, true);
	html_printf(&r->out, "<p class=\"hint\">%s</p><button type=\"submit\" class=\"primary\">%s</button>"
			     "</form></section>",
		    web_t(r, "acct.password_rule"), web_t(r, "inv.submit"));
	return page_end_status(r, status);
}

int web_invite_get(struct request *r)
{
	struct invitation inv;
	memset(&inv, 0, sizeof inv);
	int rc = invitation_get(&r->ctx, r->params[0], &inv);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return invite_form(r, &inv, NULL, NULL, NULL, NULL, 200);
}

int web_invite_post(struct request *r)
{
	struct invitation inv;
	memset(&inv, 0, sizeof inv);
	int rc = invitation_get(&r->ctx, r->params[0], &inv);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	const char *login = web_field(r, "login");
	const char *name = web_field(r, "display_name");
	const char *pw = req_form(r, "password");
	const char *pw2 = req_form(r, "password2");
	if (pw2 && !str_eq(pw, pw2))
		return invite_form(r, &inv, login, name, "acct.password_mismatch", "password2", 422);
	const char *bad = NULL;
	rc = invitation_accept(&r->ctx, r->params[0], login, name, pw ? pw : "", &bad);
	if (rc != KR_OK)
		return invite_form(r, &inv, login, name, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, "/login", "flash.invite_accepted");
}
