/* account.c - a person's own account: profile (name, title, phone,
 * e-mail, language, time zone), password, second factor, "log out
 * everywhere" and API keys (a new key is shown once, then only its
 * prefix). */
#include <string.h>

#include "core/auth.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"

#define COOKIE_SESSION "kr_session"

static void select_locale(struct request *r, const char *cur)
{
	html_printf(&r->out,
		    "<div class=\"field\"><label for=\"f-locale\">%s</label>"
		    "<select id=\"f-locale\" name=\"locale\">"
		    "<option value=\"ja\"%s>日本語</option><option value=\"en\"%s>English</option>"
		    "</select></div>",
		    web_t(r, "field.locale"), str_eq(cur, "en") ? "" : " selected",
		    str_eq(cur, "en") ? " selected" : "");
}

static void select_tz(struct request *r, const char *cur)
{
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-tz\">%s</label>"
			     "<select id=\"f-tz\" name=\"tz\">",
		    web_t(r, "field.tz"));
	for (size_t i = 0; i < tz_nnames; i++)
		html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", tz_names[i],
			    str_eq(cur, tz_names[i]) ? " selected" : "", tz_names[i]);
	html_raw(&r->out, "</select></div>");
}

/* The whole account page; p holds the values to show (stored or the
 * user's rejected input), err/bad/section describe a failed form. */
static int account_page(struct request *r, const struct person *p, const char *section,
			const char *err_key, const char *bad, int status)
{
	page_begin(r, "acct.title");
	html_printf(&r->out, "<h1>%s</h1><div class=\"grid2\">", web_t(r, "acct.title"));

	/* Profile */
	html_printf(&r->out, "<section class=\"card\" id=\"profile\"><h2>%s</h2>",
		    web_t(r, "acct.profile"));
	if (err_key && str_eq(section, "profile"))
		web_form_error(r, err_key, bad);
	html_printf(&r->out, "<dl class=\"facts\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>"
			     "<dt>%s</dt><dd>%s</dd></dl>",
		    web_t(r, "field.login"), p->login, web_t(r, "field.org"),
		    web_org_name(r, p->org_name_ja, p->org_name_en), web_t(r, "field.role"),
		    web_t(r, arena_printf(r->a, "role.%s", role_name(p->role))));
	html_raw(&r->out, "<form method=\"post\" action=\"/account\">");
	web_csrf(r);
	web_input(r, "display_name", "field.display_name", "text", p->display_name, true);
	web_input(r, "title", "field.job_title", "text", p->title, false);
	web_input(r, "email", "field.email", "email", p->email, true);
	web_input(r, "phone", "field.phone", "tel", p->phone, false);
	select_locale(r, p->locale);
	select_tz(r, p->tz);
	html_printf(&r->out, "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    web_t(r, "form.save"));

	/* Password */
	html_printf(&r->out, "<section class=\"card\" id=\"password\"><h2>%s</h2>",
		    web_t(r, "acct.password"));
	if (err_key && str_eq(section, "password"))
		web_form_error(r, err_key, bad);
	html_raw(&r->out, "<form method=\"post\" action=\"/account/password\">");
	web_csrf(r);
	web_input(r, "old_password", "field.old_password", "password", NULL, true);
	web_input(r, "password", "field.new_password", "password", NULL, true);
	web_input(r, "password2", "field.password2", "password", NULL, true);
	html_printf(&r->out, "<p class=\"hint\">%s</p><button type=\"submit\">%s</button></form></section>",
		    web_t(r, "acct.password_rule"), web_t(r, "acct.change_password"));

	/* Second factor and sessions */
	html_printf(&r->out, "<section class=\"card\" id=\"security\"><h2>%s</h2><p>%s</p>",
		    web_t(r, "acct.security"),
		    web_t(r, p->totp_enabled ? "acct.totp_on" : "acct.totp_off"));
	if (!p->totp_enabled)
		html_printf(&r->out, "<p><a class=\"button\" href=\"/totp/enrol\">%s</a></p>",
			    web_t(r, "acct.totp_enrol"));
	html_printf(&r->out, "<form method=\"post\" action=\"/account/logout-all\" data-confirm=\"%s\">",
		    web_t(r, "acct.logout_all_confirm"));
	web_csrf(r);
	html_printf(&r->out, "<p class=\"hint\">%s</p><button type=\"submit\">%s</button></form>"
			     "<p><a href=\"/admin/audit\">%s</a></p></section>",
		    web_t(r, "acct.logout_all_help"), web_t(r, "acct.logout_all"),
		    web_t(r, "acct.audit_link"));

	web_notify_settings_section(r);

	/* API keys */
	html_printf(&r->out, "<section class=\"card\" id=\"apikeys\"><h2>%s</h2><p class=\"hint\">%s</p>",
		    web_t(r, "acct.apikeys"), web_t(r, "acct.apikeys_help"));
	if (err_key && str_eq(section, "apikeys"))
		web_form_error(r, err_key, bad);
	struct apikey_info *keys = NULL;
	size_t nkeys = 0;
	if (auth_apikey_list(&r->ctx, &keys, &nkeys) == KR_OK && nkeys) {
		html_printf(&r->out, "<div class=\"table-wrap\"><table><thead><tr><th>%s</th><th>%s</th>"
				     "<th>%s</th><th>%s</th><th></th></tr></thead><tbody>",
			    web_t(r, "field.label"), web_t(r, "acct.key_prefix"),
			    web_t(r, "acct.created"), web_t(r, "acct.last_used"));
		for (size_t i = 0; i < nkeys; i++) {
			const struct apikey_info *k = &keys[i];
			html_printf(&r->out, "<tr><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td><td>",
				    k->label, k->prefix, web_time(r, k->created_at),
				    web_time(r, k->last_used_at));
			if (k->revoked_at) {
				html_printf(&r->out, "<span class=\"badge\">%s</span>",
					    web_t(r, "acct.revoked"));
			} else {
				html_printf(&r->out,
					    "<form method=\"post\" action=\"%s\" data-confirm=\"%s\">",
					    url_path(r->a, "/account/apikeys/%s/revoke", k->prefix),
					    web_t(r, "acct.revoke_confirm"));
				web_csrf(r);
				html_printf(&r->out, "<button type=\"submit\" class=\"danger small\">%s</button></form>",
					    web_t(r, "acct.revoke"));
			}
			html_raw(&r->out, "</td></tr>");
		}
		html_raw(&r->out, "</tbody></table></div>");
	}
	html_raw(&r->out, "<form method=\"post\" action=\"/account/apikeys\" class=\"inline\">");
	web_csrf(r);
	web_input(r, "label", "field.label", "text", NULL, true);
	html_printf(&r->out, "<button type=\"submit\">%s</button></form></section></div>",
		    web_t(r, "acct.new_key"));
	return page_end_status(r, status);
}

static int load_self(struct request *r, struct person *p)
{
	int rc = person_get(&r->ctx, r->ctx.who.login, p);
	return rc;
}

int web_account_get(struct request *r)
{
	struct person p;
	int rc = load_self(r, &p);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return account_page(r, &p, NULL, NULL, NULL, 200);
}

int web_account_post(struct request *r)
{
	struct person p;
	int rc = load_self(r, &p);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	p.display_name = web_field(r, "display_name");
	p.title = web_field(r, "title");
	p.phone = web_field(r, "phone");
	p.email = web_field(r, "email");
	p.locale = web_field(r, "locale");
	p.tz = web_field(r, "tz");
	const char *bad = NULL;
	rc = person_update_profile(&r->ctx, &p, &bad);
	if (rc != KR_OK)
		return account_page(r, &p, "profile", web_rc_key(rc), bad, web_status_for(rc));
	/* Answer the redirect in the language just chosen. */
	resp_cookie(r, "lang", str_eq(p.locale, "en") ? "en" : "ja", 365LL * 24 * 3600);
	return web_redirect_flash(r, "/account", "flash.saved");
}

int web_account_password(struct request *r)
{
	struct person p;
	int rc = load_self(r, &p);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	const char *old = req_form(r, "old_password");
	const char *pw = req_form(r, "password");
	const char *pw2 = req_form(r, "password2");
	if (str_empty(old) || str_empty(pw))
		return account_page(r, &p, "password", "err.invalid_field",
				    str_empty(old) ? "old_password" : "password", 422);
	if (pw2 && !str_eq(pw, pw2))
		return account_page(r, &p, "password", "acct.password_mismatch", "password2", 422);
	rc = person_change_password(&r->ctx, old, pw);
	if (rc == KR_EAUTH)
		return account_page(r, &p, "password", "acct.old_wrong", "old_password", 422);
	if (rc == KR_EINVAL)
		return account_page(r, &p, "password", "acct.password_rule", "password", 422);
	if (rc != KR_OK)
		return account_page(r, &p, "password", web_rc_key(rc), NULL, web_status_for(rc));
	return web_redirect_flash(r, "/account", "flash.password_changed");
}

int web_account_logout_all(struct request *r)
{
	int rc = auth_logout_all(&r->ctx);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	resp_cookie(r, COOKIE_SESSION, "", -1);
	return web_redirect_flash(r, "/login", "flash.logged_out_all");
}

int web_apikey_create(struct request *r)
{
	const char *label = web_field(r, "label");
	const char *key = NULL;
	int rc = str_empty(label) ? KR_EINVAL
				  : auth_apikey_create(&r->ctx, r->ctx.who.login, label, &key);
	if (rc != KR_OK) {
		struct person p;
		int rc2 = load_self(r, &p);
		if (rc2 != KR_OK)
			return req_fail_rc(r, rc2);
		return account_page(r, &p, "apikeys", web_rc_key(rc), "label", web_status_for(rc));
	}
	page_begin(r, "acct.key_created");
	html_printf(&r->out,
		    "<section class=\"narrow card\"><h1>%s</h1><p class=\"alert alert-info\">%s</p>"
		    "<p><code id=\"api-key\" class=\"secret\">%s</code></p>"
		    "<p><a class=\"button primary\" href=\"/account#apikeys\">%s</a></p></section>",
		    web_t(r, "acct.key_created"), web_t(r, "acct.key_once"), key,
		    web_t(r, "form.back"));
	return page_end(r);
}

int web_apikey_revoke(struct request *r)
{
	int rc = auth_apikey_revoke(&r->ctx, r->params[0]);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, "/account", "flash.key_revoked");
}
