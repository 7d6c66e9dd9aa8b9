/* login.c - logging in and out: password, the second factor (TOTP or a
 * recovery code), and TOTP enrolment with its one-time recovery codes.
 * The rules (throttling, lockout, which roles must enrol) are core/auth's;
 * these pages only carry the forms and the cookie. */
#include <string.h>

#include <sodium.h>

#include "core/auth.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"
#include "web/web.h"

#define COOKIE_SESSION "kr_session"

static void login_form(struct request *r, const char *login, const char *err_key)
{
	page_begin(r, "login.title");
	html_printf(&r->out, "<section class=\"narrow card\"><h1>%s</h1>", web_t(r, "login.title"));
	if (err_key)
		web_form_error(r, err_key, NULL);
	html_raw(&r->out, "<form method=\"post\" action=\"/login\">");
	web_csrf(r);
	html_printf(&r->out, "<input type=\"hidden\" name=\"next\" value=\"%s\">",
		    web_next(r, "/"));
	web_input(r, "login", "field.login", "text", login, true);
	web_input(r, "password", "field.password", "password", NULL, true);
	html_printf(&r->out,
		    "<button type=\"submit\" class=\"primary\">%s</button></form>"
		    "<p class=\"muted\">%s <a href=\"/register\">%s</a></p></section>",
		    web_t(r, "login.submit"), web_t(r, "login.no_account"),
		    web_t(r, "nav.register"));
}

int web_login_get(struct request *r)
{
	if (web_logged_in(r))
		return resp_redirect(r, web_next(r, "/"));
	if (r->mfa_pending)
		return resp_redirect(r, "/login/totp");
	login_form(r, NULL, NULL);
	return page_end(r);
}

int web_login_post(struct request *r)
{
	const char *login = web_field(r, "login");
	const char *pw = req_form(r, "password");
	if (str_empty(login) || str_empty(pw)) {
		login_form(r, login, "login.missing");
		return page_end_status(r, 422);
	}
	struct login_result res;
	memset(&res, 0, sizeof res);
	int rc = auth_login(&r->ctx, login, pw, req_header(r, "User-Agent"), &res);
	if (rc != KR_OK) {
		const char *key = rc == KR_ELOCKED ? "err.locked"
				  : rc == KR_EAUTH ? "login.failed"
						   : web_rc_key(rc);
		login_form(r, login, key);
		return page_end_status(r, web_status_for(rc == KR_EINVAL ? KR_EAUTH : rc));
	}
	/* A new session: a fresh cookie, so a fixed token cannot survive. */
	resp_cookie(r, COOKIE_SESSION, res.token, 0);
	const char *next = web_next(r, "/");
	if (res.mfa_enrol)
		return resp_redirect(r, "/totp/enrol");
	if (res.mfa_needed)
		return resp_redirect(r, url_path(r->a, "/login/totp?next=%s", next));
	return resp_redirect(r, next);
}

static void totp_form(struct request *r, const char *err_key)
{
	page_begin(r, "login.totp_title");
	html_printf(&r->out, "<section class=\"narrow card\"><h1>%s</h1><p>%s</p>",
		    web_t(r, "login.totp_title"), web_t(r, "login.totp_help"));
	if (err_key)
		web_form_error(r, err_key, NULL);
	html_raw(&r->out, "<form method=\"post\" action=\"/login/totp\">");
	web_csrf(r);
	html_printf(&r->out,
		    "<input type=\"hidden\" name=\"next\" value=\"%s\">"
		    "<div class=\"field\"><label for=\"f-code\">%s</label>"
		    "<input id=\"f-code\" name=\"code\" type=\"text\" inputmode=\"text\" "
		    "autocomplete=\"one-time-code\" maxlength=\"32\" required autofocus></div>"
		    "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    web_next(r, "/"), web_t(r, "field.code"), web_t(r, "login.verify"));
}

int web_totp_get(struct request *r)
{
	if (!r->mfa_pending)
		return resp_redirect(r, r->ctx.who.person_id ? "/" : "/login");
	/* A person whose role requires a second factor they have not set up
	 * yet cannot enter a code: send them to enrolment instead. */
	struct person p;
	if (person_get(&r->ctx, r->ctx.who.login, &p) == KR_OK && !p.totp_enabled)
		return resp_redirect(r, "/totp/enrol");
	totp_form(r, NULL);
	return page_end(r);
}

int web_totp_post(struct request *r)
{
	const char *tok = req_cookie(r, COOKIE_SESSION);
	const char *code = web_field(r, "code");
	if (!r->mfa_pending || !tok)
		return resp_redirect(r, "/login");
	if (str_empty(code)) {
		totp_form(r, "login.code_missing");
		return page_end_status(r, 422);
	}
	int rc = auth_totp_verify(&r->ctx, tok, code);
	if (rc != KR_OK) {
		totp_form(r, rc == KR_ELOCKED ? "err.locked" : "login.code_bad");
		return page_end_status(r, rc == KR_ELOCKED ? 429 : 401);
	}
	return resp_redirect(r, web_next(r, "/"));
}

int web_logout(struct request *r)
{
	const char *tok = req_cookie(r, COOKIE_SESSION);
	if (tok && r->ctx.who.person_id)
		auth_logout(&r->ctx, tok);
	resp_cookie(r, COOKIE_SESSION, "", -1);
	return web_redirect_flash(r, "/login", "flash.logged_out");
}

/* data: URL of the QR image; an <img> keeps the SVG out of the page's
 * DOM, so nothing in it can script the page. */
static const char *qr_data_url(struct request *r, const char *svg)
{
	if (!svg)
		return NULL;
	size_t n = strlen(svg);
	size_t b64n = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = arena_alloc(r->a, b64n);
	sodium_bin2base64(b64, b64n, (const unsigned char *)svg, n,
			  sodium_base64_VARIANT_ORIGINAL);
	return arena_printf(r->a, "data:image/svg+xml;base64,%s", b64);
}

static int enrol_form(struct request *r, const char *secret, const char *uri, const char *err_key,
		      int status)
{
	page_begin(r, "totp.title");
	html_printf(&r->out, "<section class=\"narrow card\"><h1>%s</h1>", web_t(r, "totp.title"));
	if (r->mfa_pending)
		html_printf(&r->out, "<p class=\"alert alert-info\">%s</p>",
			    web_t(r, "totp.required"));
	if (err_key)
		web_form_error(r, err_key, NULL);
	html_printf(&r->out, "<ol class=\"steps\"><li>%s</li><li>%s</li></ol>",
		    web_t(r, "totp.step1"), web_t(r, "totp.step2"));
	const char *img = uri ? qr_data_url(r, auth_qr_svg(&r->ctx, uri)) : NULL;
	if (img)
		html_printf(&r->out,
			    "<p class=\"qr\"><img src=\"%s\" alt=\"%s\" width=\"220\" "
			    "height=\"220\"></p>",
			    img, web_t(r, "totp.qr_alt"));
	html_printf(&r->out,
		    "<p>%s</p><p><code id=\"totp-secret\" class=\"secret\">%s</code></p>",
		    web_t(r, "totp.manual"), secret);
	html_raw(&r->out, "<form method=\"post\" action=\"/totp/enrol\">");
	web_csrf(r);
	html_printf(&r->out,
		    "<input type=\"hidden\" name=\"secret\" value=\"%s\">"
		    "<div class=\"field\"><label for=\"f-code\">%s</label>"
		    "<input id=\"f-code\" name=\"code\" type=\"text\" inputmode=\"numeric\" "
		    "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" required>"
		    "</div><button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    secret, web_t(r, "field.code"), web_t(r, "totp.enable"));
	return page_end_status(r, status);
}

int web_enrol_get(struct request *r)
{
	if (!r->ctx.who.person_id)
		return resp_redirect(r, "/login?next=/totp/enrol");
	struct person p;
	if (!r->mfa_pending && person_get(&r->ctx, r->ctx.who.login, &p) == KR_OK && p.totp_enabled)
		return web_redirect_flash(r, "/account", "flash.totp_already");
	const char *secret = NULL, *uri = NULL;
	/* Leave the page's read snapshot: making a secret may write. */
	db_rollback(r->ctx.db);
	int rc = auth_totp_new(&r->ctx, &secret, &uri);
	if (rc == KR_ECONFLICT)
		return web_redirect_flash(r, "/account", "flash.totp_already");
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return enrol_form(r, secret, uri, NULL, 200);
}

/* The otpauth URI is rebuilt from the posted secret so a failed attempt
 * shows the same QR code again. */
static const char *enrol_uri(struct request *r, const char *secret)
{
	return url_path(r->a,
			"otpauth://totp/Kairan:%s?secret=%s&issuer=Kairan&algorithm=SHA1&digits=6&period=30",
			r->ctx.who.login ? r->ctx.who.login : "user", secret);
}

int web_enrol_post(struct request *r)
{
	const char *tok = req_cookie(r, COOKIE_SESSION);
	if (!r->ctx.who.person_id || !tok)
		return resp_redirect(r, "/login");
	const char *secret = web_field(r, "secret");
	const char *code = web_field(r, "code");
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz234567=";
	if (str_empty(secret) || strlen(secret) > 128 || strspn(secret, b32) != strlen(secret))
		return req_fail(r, 400, "err.bad_request");
	const char **codes = NULL;
	size_t ncodes = 0;
	int rc = auth_totp_enable(&r->ctx, tok, secret, code, &codes, &ncodes);
	if (rc == KR_EAUTH || rc == KR_EINVAL)
		return enrol_form(r, secret, enrol_uri(r, secret), "totp.bad_code", 422);
	if (rc != KR_OK)
		return enrol_form(r, secret, enrol_uri(r, secret), web_rc_key(rc),
				  web_status_for(rc));
	/* The session is now complete; the layout should show the full
	 * navigation on this page already. */
	r->mfa_pending = false;
	page_begin(r, "totp.codes_title");
	html_printf(&r->out,
		    "<section class=\"narrow card\"><h1>%s</h1><p class=\"alert alert-ok\">%s</p>"
		    "<p>%s</p><ul class=\"codes\" id=\"recovery-codes\">",
		    web_t(r, "totp.codes_title"), web_t(r, "totp.enabled"), web_t(r, "totp.codes_help"));
	for (size_t i = 0; i < ncodes; i++)
		html_printf(&r->out, "<li><code>%s</code></li>", codes[i]);
	html_printf(&r->out, "</ul><p><a class=\"button primary\" href=\"/\">%s</a></p></section>",
		    web_t(r, "totp.continue"));
	return page_end(r);
}
