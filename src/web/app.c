/* app.c - the application's hooks into the HTTP layer: who is calling
 * (session cookie, pre-session CSRF cookie, API key), which language to
 * answer in, the read snapshot for GET pages (the session is read inside
 * it), error rendering in each output kind, and the end-of-request
 * cleanup.  Also the two tiny routes
 * every page depends on: /assets/{} and POST /lang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "core/auth.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"
#include "web/assets.h"
#include "web/web.h"

#define COOKIE_SESSION "kr_session"
#define COOKIE_PRE "kr_pre"
#define COOKIE_LANG "lang"

static const char *norm_lang(const char *l)
{
	if (!l)
		return NULL;
	if (strcmp(l, "en") == 0)
		return "en";
	if (strcmp(l, "ja") == 0)
		return "ja";
	return NULL;
}

/* Anonymous forms use a double-submit token: the same random value in a
 * cookie and in the form, which a cross-site page can neither read nor
 * set. */
static void pre_session_csrf(struct request *r)
{
	const char *pre = req_cookie(r, COOKIE_PRE);
	if (pre && strlen(pre) >= 16 && strlen(pre) <= 64) {
		r->csrf = pre;
		return;
	}
	const char *tok = rand_token(r->a, 18);
	resp_cookie(r, COOKIE_PRE, tok, 0);
	r->csrf = tok;
}

/* A write owed by the session or key check (once a minute per session,
 * or an expired session to delete) runs outside the page's read snapshot:
 * end it, write, and open a fresh one. */
static int owed_write(struct request *r, bool snapshot, const struct session_check *chk,
		      int64_t key_touch)
{
	if (snapshot)
		db_rollback(r->ctx.db);
	int rc = chk ? auth_session_write(&r->ctx, chk) : auth_apikey_touch(&r->ctx, key_touch);
	if (rc != KR_OK)
		log_warn("session/key bookkeeping: %s", kr_strerror(rc));
	return snapshot ? db_begin_read(r->ctx.db) : KR_OK;
}

static int auth_by_session(struct request *r, bool snapshot)
{
	const char *tok = req_cookie(r, COOKIE_SESSION);
	if (tok && *tok) {
		const char *csrf = NULL;
		bool pending = false;
		struct session_check chk;
		int rc = auth_session_read(&r->ctx, tok, &csrf, &pending, &chk);
		int wrc = chk.expired || chk.touch ? owed_write(r, snapshot, &chk, 0) : KR_OK;
		if (wrc != KR_OK)
			return wrc;
		if (rc == KR_OK) {
			r->csrf = csrf;
			r->mfa_pending = pending;
			return KR_OK;
		}
		/* Expired or unknown: forget it so the browser stops sending
		 * it, and continue as an anonymous visitor. */
		memset(&r->ctx.who, 0, sizeof r->ctx.who);
		resp_cookie(r, COOKIE_SESSION, "", -1);
	}
	pre_session_csrf(r);
	return KR_OK;
}

/* "Basic base64(user:key)" -> key, or NULL. */
static const char *basic_password(struct request *r, const char *v)
{
	const char *b64 = v + 6;
	while (*b64 == ' ')
		b64++;
	size_t n = strlen(b64);
	if (n == 0 || n > 1024)
		return NULL;
	unsigned char *bin = arena_alloc(r->a, n + 1);
	size_t binlen = 0;
	if (sodium_base642bin(bin, n, b64, n, NULL, &binlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return NULL;
	bin[binlen] = 0;
	if (memchr(bin, 0, binlen))
		return NULL;
	char *colon = strchr((char *)bin, ':');
	return colon ? colon + 1 : NULL;
}

static int auth_by_key(struct request *r, bool basic_too, bool snapshot)
{
	const char *v = req_header(r, "Authorization");
	if (!v)
		return KR_OK;
	const char *key = NULL;
	if (strncasecmp(v, "Bearer ", 7) == 0) {
		key = v + 7;
		while (*key == ' ')
			key++;
	} else if (basic_too && strncasecmp(v, "Basic ", 6) == 0) {
		key = basic_password(r, v);
	}
	if (!key || !*key)
		return KR_OK;
	int64_t touch = 0;
	if (auth_apikey_read(&r->ctx, key, &touch) != KR_OK)
		memset(&r->ctx.who, 0, sizeof r->ctx.who);
	return touch ? owed_write(r, snapshot, NULL, touch) : KR_OK;
}

int app_authenticate(struct request *r, enum auth_kind kind)
{
	r->ctx.db = db_thread();
	if (!r->ctx.db && kind != AUTH_NONE)
		return KR_EUNAVAIL;
	if (!r->ctx.a)
		r->ctx.a = r->a;

	/* A GET page is drawn from one read snapshot, opened first so the
	 * session or key is read inside it too: one read transaction per
	 * request, not an autocommit read before it. */
	bool snapshot = kind != AUTH_NONE && r->ctx.db &&
			(strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0);
	int rc = KR_OK;
	if (snapshot && (rc = db_begin_read(r->ctx.db)) != KR_OK) {
		log_warn("read transaction: %s", kr_strerror(rc));
		return KR_EUNAVAIL;
	}

	switch (kind) {
	case AUTH_SESSION:
		rc = auth_by_session(r, snapshot);
		break;
	case AUTH_BEARER:
		rc = auth_by_key(r, false, snapshot);
		break;
	case AUTH_BASIC_OR_BEARER:
		rc = auth_by_key(r, true, snapshot);
		break;
	case AUTH_NONE:
		break;
	}
	if (rc != KR_OK) {
		log_warn("read transaction: %s", kr_strerror(rc));
		return KR_EUNAVAIL;
	}

	const char *lang = NULL;
	if (r->ctx.who.person_id)
		lang = norm_lang(r->ctx.who.locale);
	if (!lang)
		lang = norm_lang(req_cookie(r, COOKIE_LANG));
	if (!lang)
		lang = i18n_pick(req_header(r, "Accept-Language"));
	r->lang = lang;
	return KR_OK;
}

void app_finish(struct request *r)
{
	if (r && r->ctx.db && db_in_tx(r->ctx.db))
		db_rollback(r->ctx.db);
}

/* "err.not_found" -> "not_found". */
static const char *err_code(const char *key)
{
	if (!key)
		return "internal";
	const char *dot = strrchr(key, '.');
	return dot ? dot + 1 : key;
}

static const char *default_key(int status)
{
	switch (status) {
	case 400: return "err.bad_request";
	case 401: return "err.login_required";
	case 403: return "err.forbidden";
	case 404: return "err.not_found";
	case 405: return "err.method";
	case 409: return "err.conflict";
	case 413: return "err.too_big";
	case 423:
	case 429: return "err.locked";
	case 503: return "err.unavailable";
	default: return "err.internal";
	}
}

/* JSON errors: {"error":{"code","message"}} (R0.6), plus "field" for a
 * validation failure (the detail names the field) or "detail" otherwise.
 * TAXII: the error resource of TAXII 2.1 section 3.6.1. */
static void render_json(struct request *r, bool taxii, const char *key, const char *msg)
{
	json_t *j;
	char st[16];
	snprintf(st, sizeof st, "%d", r->status);
	const char *detail = r->err_detail;
	if (taxii) {
		/* TAXII 3.6.1: title required; error_code is the
		 * application's own, the same key the JSON API uses. */
		j = json_pack("{s:s, s:s, s:s}", "title", msg, "error_code", err_code(key), "http_status", st);
		if (j && detail)
			json_object_set_new(j, "description", json_string(detail));
	} else {
		bool field = strcmp(key, "err.invalid_field") == 0;
		json_t *e = json_pack("{s:s, s:s}", "code", field ? "invalid" : err_code(key),
				      "message", msg);
		if (e && detail)
			json_object_set_new(e, field ? "field" : "detail", json_string(detail));
		j = e ? json_pack("{s:o}", "error", e) : NULL;
	}
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (s) {
		buf_adds(&r->out, s);
		free(s);
	} else {
		buf_adds(&r->out, "{\"error\":{\"code\":\"internal\",\"message\":\"\"}}");
	}
	json_decref(j);
	r->out_ctype = taxii ? "application/taxii+json;version=2.1"
			     : "application/json; charset=utf-8";
}

static void render_html(struct request *r, const char *msg)
{
	int status = r->status;
	/* Errors raised before authentication (404 of an unknown path...)
	 * still get a working language switch for anonymous visitors. */
	if (!r->csrf && !req_cookie(r, COOKIE_SESSION) && r->a)
		pre_session_csrf(r);
	page_begin(r, "err.title");
	html_printf(&r->out, "<section class=\"error-page\"><h1>%s</h1><p class=\"status\">%d</p>"
			     "<p>%s</p>",
		    web_t(r, "err.title"), status, msg);
	if (r->err_detail)
		html_printf(&r->out, "<p class=\"detail\">%s</p>", r->err_detail);
	if (status == 401 && !r->ctx.who.person_id)
		html_printf(&r->out, "<p><a class=\"button\" href=\"%s\">%s</a></p>",
			    url_path(r->a, "/login?next=%s", web_self(r)), web_t(r, "nav.login"));
	else if (r->mfa_pending)
		html_printf(&r->out, "<p><a class=\"button\" href=\"/login/totp\">%s</a></p>",
			    web_t(r, "login.totp_title"));
	html_printf(&r->out, "<p><a href=\"/\">%s</a></p></section>", web_t(r, "err.home"));
	page_end_status(r, status);
}

/* No route matched: answer in the kind the path's face speaks, so a
 * script calling a wrong /api/ URL still gets JSON and a TAXII client a
 * TAXII error. */
static enum out_kind kind_for_path(const char *path)
{
	if (!path)
		return OUT_HTML;
	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0)
		return OUT_JSON;
	if (strncmp(path, "/taxii2/", 8) == 0)
		return OUT_TAXII;
	if (strncmp(path, "/assets/", 8) == 0)
		return OUT_RAW;
	return OUT_HTML;
}

void app_render_error(struct request *r)
{
	/* A handler that answered 4xx with its own page (a form re-shown
	 * with its error, status 422) did not call req_fail: keep its body. */
	if (!r->err_key && r->out.len > 0 && r->status >= 400)
		return;
	if (!r->lang)
		r->lang = i18n_pick(req_header(r, "Accept-Language"));
	if (r->status < 400)
		r->status = 500;
	const char *key = r->err_key && tr_has(r->err_key) ? r->err_key : default_key(r->status);
	const char *msg = tr(r->lang, key);
	buf_reset(&r->out);
	enum out_kind kind = r->route ? r->route->out : kind_for_path(r->path);
	switch (kind) {
	case OUT_HTML:
		render_html(r, msg);
		break;
	case OUT_JSON:
		render_json(r, false, key, msg);
		break;
	case OUT_TAXII:
		render_json(r, true, key, msg);
		break;
	case OUT_RAW:
		buf_adds(&r->out, msg);
		buf_addc(&r->out, '\n');
		r->out_ctype = "text/plain; charset=utf-8";
		break;
	}
}

static const char *asset_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return "application/octet-stream";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	if (strcmp(dot, ".ico") == 0)
		return "image/x-icon";
	if (strcmp(dot, ".txt") == 0)
		return "text/plain; charset=utf-8";
	return "application/octet-stream";
}

int web_assets(struct request *r)
{
	const char *name = r->nparams > 0 ? r->params[0] : NULL;
	if (!name)
		return req_fail(r, 404, "err.not_found");
	for (size_t i = 0; i < nassets; i++) {
		if (strcmp(assets[i].name, name) != 0)
			continue;
		/* Assets change only with the binary; a week is safe for a
		 * deploy cadence of days and avoids revalidation traffic. */
		resp_header(r, "Cache-Control", "public, max-age=604800");
		return resp_bytes(r, 200, asset_type(name), assets[i].data, assets[i].len);
	}
	return req_fail(r, 404, "err.not_found");
}

/* POST /lang: remember the choice in a cookie and, for a logged-in
 * person, in their profile so it follows them to other devices. */
int web_lang(struct request *r)
{
	const char *lang = norm_lang(req_form(r, "lang"));
	if (!lang)
		return req_fail(r, 400, "err.bad_request");
	resp_cookie(r, COOKIE_LANG, lang, 365LL * 24 * 3600);
	if (web_logged_in(r)) {
		struct person p;
		if (person_get(&r->ctx, r->ctx.who.login, &p) == KR_OK) {
			const char *bad = NULL;
			p.locale = lang;
			int rc = person_update_profile(&r->ctx, &p, &bad);
			if (rc != KR_OK)
				log_warn("lang: profile update: %s", kr_strerror(rc));
		}
	}
	return resp_redirect(r, web_next(r, "/"));
}
