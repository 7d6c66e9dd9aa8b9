/* layout.c - the page frame (head, header, navigation, language switch,
 * flash message, footer) and the small helpers every page family uses.
 * This is one of the two trusted renderers: its markup is literal, and
 * every value it writes goes through html_printf's escaping. */
#include <string.h>

#include "core/person.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"
#include "core/mail.h"

const char *web_t(const struct request *r, const char *key) { return tr(r->lang, key); }

const char *web_tf(struct request *r, const char *key, const char *const *names,
		   const char *const *vals, size_t n)
{
	const char *m = tr(r->lang, key);
	struct buf b = BUF_INIT;
	const char *p = m;
	while (*p) {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!close) {
			buf_adds(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(open - p));
		size_t len = (size_t)(close - open - 1), i = 0;
		while (i < n && !(strlen(names[i]) == len && memcmp(names[i], open + 1, len) == 0))
			i++;
		if (i < n)
			buf_adds(&b, vals[i] ? vals[i] : "");
		else
			buf_add(&b, open, (size_t)(close - open + 1));
		p = close + 1;
	}
	char *out = arena_strndup(r->a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

bool web_logged_in(const struct request *r)
{
	return r->ctx.who.person_id != 0 && !r->mfa_pending;
}

bool web_is_coord(const struct request *r)
{
	return web_logged_in(r) && r->ctx.who.role >= ROLE_COORDINATOR;
}

bool web_is_org_admin(const struct request *r)
{
	return web_logged_in(r) && (r->ctx.who.org_admin || r->ctx.who.role >= ROLE_COORDINATOR);
}

const char *web_org_name(const struct request *r, const char *ja, const char *en)
{
	bool want_en = r->lang && strcmp(r->lang, "en") == 0;
	const char *first = want_en ? en : ja, *second = want_en ? ja : en;
	return !str_empty(first) ? first : (second ? second : "");
}

int web_tz_offset(struct request *r)
{
	int off = 9 * 60;
	const char *tz = r->ctx.who.tz;
	if (str_empty(tz) || tz_offset_min(tz, &off) != KR_OK)
		off = 9 * 60; /* Asia/Tokyo (R18) */
	return off;
}

const char *web_time(struct request *r, int64_t ms)
{
	if (ms <= 0)
		return "";
	char *out = arena_alloc(r->a, 32);
	time_format(ms, web_tz_offset(r), out, 32);
	return out;
}

const char *web_field(struct request *r, const char *key)
{
	const char *v = req_form(r, key);
	if (!v)
		return "";
	return str_trim(arena_strdup(r->a, v));
}

/* A local path that cannot leave the site: "/x" but not "//x" or "/\x". */
static bool local_path(const char *p)
{
	if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\')
		return false;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || c == '\\')
			return false;
	}
	return true;
}

const char *web_next(struct request *r, const char *fallback)
{
	const char *n = req_form(r, "next");
	if (!n)
		n = req_query(r, "next");
	return local_path(n) ? n : fallback;
}

/* Append the query parameters of r except the dropped keys. */
static void add_query(struct request *r, struct buf *b, const char *const *drop, bool *first)
{
	for (size_t i = 0; i < r->nquery; i++) {
		const struct kv *q = &r->query[i];
		if (q->filename || !q->key)
			continue;
		bool skip = strcmp(q->key, "flash") == 0;
		for (size_t d = 0; drop && drop[d] && !skip; d++)
			skip = strcmp(q->key, drop[d]) == 0;
		if (skip)
			continue;
		buf_addc(b, *first ? '?' : '&');
		*first = false;
		buf_adds(b, url_encode(r->a, q->key));
		buf_addc(b, '=');
		buf_adds(b, url_encode(r->a, q->val ? q->val : ""));
	}
}

/* The path re-encoded segment by segment (r->path is decoded). */
static void add_path(struct request *r, struct buf *b)
{
	const char *p = r->path ? r->path : "/";
	while (*p) {
		if (*p == '/') {
			buf_addc(b, '/');
			p++;
			continue;
		}
		size_t n = strcspn(p, "/");
		buf_adds(b, url_encode(r->a, arena_strndup(r->a, p, n)));
		p += n;
	}
	if (b->len == 0)
		buf_addc(b, '/');
}

const char *web_self_with(struct request *r, const char *const *drop, const char *k1,
			  const char *v1, const char *k2, const char *v2)
{
	struct buf b = BUF_INIT;
	bool first = true;
	add_path(r, &b);
	add_query(r, &b, drop, &first);
	const char *ks[2] = {k1, k2}, *vs[2] = {v1, v2};
	for (int i = 0; i < 2; i++) {
		if (!ks[i] || !vs[i])
			continue;
		buf_addc(&b, first ? '?' : '&');
		first = false;
		buf_adds(&b, url_encode(r->a, ks[i]));
		buf_addc(&b, '=');
		buf_adds(&b, url_encode(r->a, vs[i]));
	}
	char *s = arena_strndup(r->a, b.p, b.len);
	buf_free(&b);
	return s;
}

const char *web_self(struct request *r) { return web_self_with(r, NULL, NULL, NULL, NULL, NULL); }

/* The configured public URL (base_url, else the listen address), never
 * the request's Host header: links handed out (invitations) must not be
 * steerable by whoever sends the request. */
const char *web_origin(struct request *r)
{
	(void)r;
	return mail_base_url();
}

int web_redirect_flash(struct request *r, const char *path, const char *flash_key)
{
	if (!flash_key)
		return resp_redirect(r, path);
	return resp_redirect(r, arena_printf(r->a, "%s%cflash=%s", path,
					     strchr(path, '?') ? '&' : '?',
					     url_encode(r->a, flash_key)));
}

void web_csrf(struct request *r)
{
	html_printf(&r->out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
		    r->csrf ? r->csrf : "");
}

const char *web_field_label(struct request *r, const char *bad)
{
	if (str_empty(bad))
		return "";
	if (tr_has(bad))
		return web_t(r, bad);
	const char *k = arena_printf(r->a, "field.%s", bad);
	return tr_has(k) ? web_t(r, k) : bad;
}

void web_form_error(struct request *r, const char *msg_key, const char *bad)
{
	html_printf(&r->out, "<div class=\"alert alert-error\" role=\"alert\"><p>%s</p>",
		    web_t(r, msg_key));
	if (!str_empty(bad))
		html_printf(&r->out, "<p>%s<strong>%s</strong></p>", web_t(r, "form.check_field"),
			    web_field_label(r, bad));
	html_raw(&r->out, "</div>");
}

void web_input(struct request *r, const char *name, const char *label_key, const char *type,
	       const char *value, bool required)
{
	const char *auto_c = "off";
	if (strcmp(type, "password") == 0)
		auto_c = strcmp(name, "password") == 0 && str_eq(r->path, "/login")
				 ? "current-password"
				 : "new-password";
	else if (strcmp(name, "email") == 0 || strcmp(name, "contact_email") == 0)
		auto_c = "email";
	else if (strcmp(name, "login") == 0)
		auto_c = "username";
	html_printf(&r->out,
		    "<div class=\"field\"><label for=\"f-%s\">%s%s</label>"
		    "<input id=\"f-%s\" name=\"%s\" type=\"%s\" value=\"%s\" autocomplete=\"%s\"%s>"
		    "</div>",
		    name, web_t(r, label_key), required ? " *" : "", name, name, type,
		    value ? value : "", auto_c, required ? " required" : "");
}

const char *web_rc_key(int rc)
{
	switch (rc) {
	case KR_EINVAL: return "err.invalid_field";
	case KR_ENOTFOUND: return "err.not_found";
	case KR_EPERM: return "err.forbidden";
	case KR_ECONFLICT: return "err.conflict";
	case KR_EBUSY: return "err.unavailable";
	case KR_ETOOBIG: return "err.too_big";
	case KR_EAUTH: return "err.auth";
	case KR_ELOCKED: return "err.locked";
	case KR_EUNAVAIL: return "err.unavailable";
	default: return "err.internal";
	}
}

int web_status_for(int rc)
{
	switch (rc) {
	case KR_EINVAL: return 422;
	case KR_ENOTFOUND: return 404;
	case KR_EPERM: return 403;
	case KR_ECONFLICT: return 409;
	case KR_ETOOBIG: return 413;
	case KR_EAUTH: return 401;
	case KR_ELOCKED: return 429;
	case KR_EBUSY:
	case KR_EUNAVAIL: return 503;
	default: return 500;
	}
}

static void nav_link(struct request *r, const char *href, const char *key, const char *section)
{
	const char *path = r->path ? r->path : "/";
	bool cur = strcmp(section, "/") == 0 ? strcmp(path, "/") == 0
					     : strncmp(path, section, strlen(section)) == 0;
	html_printf(&r->out, "<li><a href=\"%s\"%s>%s</a></li>", href,
		    cur ? " aria-current=page" : "", web_t(r, key));
}

static void lang_switch(struct request *r)
{
	html_printf(&r->out,
		    "<form class=\"lang\" method=\"post\" action=\"/lang\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"next\" value=\"%s\">",
		    r->csrf ? r->csrf : "", web_self(r));
	bool en = strcmp(r->lang, "en") == 0;
	html_printf(&r->out,
		    "<button type=\"submit\" name=\"lang\" value=\"ja\" lang=\"ja\"%s>日本語</button>"
		    "<button type=\"submit\" name=\"lang\" value=\"en\" lang=\"en\"%s>English</button>"
		    "</form>",
		    en ? "" : " aria-pressed=true", en ? " aria-pressed=true" : "");
}

static void flash(struct request *r)
{
	const char *k = req_query(r, "flash");
	if (!k || strncmp(k, "flash.", 6) != 0 || !tr_has(k))
		return;
	html_printf(&r->out, "<div class=\"alert alert-ok\" role=\"status\">%s</div>", web_t(r, k));
}

void page_begin(struct request *r, const char *title)
{
	const char *t = tr_has(title) ? web_t(r, title) : (title ? title : "");
	buf_reset(&r->out);
	/* Room for a typical page at once instead of doubling up to it from
	 * 256 bytes (a topic list is about 16 KB). */
	buf_grow(&r->out, 16 * 1024);
	html_printf(&r->out,
		    "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>%s - %s</title>"
		    "<link rel=\"stylesheet\" href=\"/assets/app.css\">"
		    "<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">"
		    "<script src=\"/assets/app.js\" defer></script>"
		    "</head><body>",
		    r->lang, t, web_t(r, "site.name"));
	html_printf(&r->out,
		    "<a class=\"skip\" href=\"#main\">%s</a>"
		    "<header class=\"site\"><div class=\"bar\">"
		    "<a class=\"brand\" href=\"/\"><img src=\"/assets/favicon.svg\" alt=\"\" "
		    "width=\"28\" height=\"28\"><span class=\"name\">Kairan</span>"
		    "<span class=\"kanji\" lang=\"ja\">回覧</span></a>",
		    web_t(r, "nav.skip"));
	html_printf(&r->out, "<nav aria-label=\"%s\"><ul>", web_t(r, "nav.label"));
	if (web_logged_in(r)) {
		nav_link(r, "/", "nav.home", "/");
		nav_link(r, "/communities", "nav.communities", "/c");
		nav_link(r, "/topics", "nav.topics", "/topics");
		nav_link(r, "/incidents", "nav.incidents", "/incidents");
		nav_link(r, "/indicators", "nav.indicators", "/indicators");
		nav_link(r, "/orgs", "nav.directory", "/orgs");
		if (web_is_org_admin(r))
			nav_link(r, "/admin", "nav.admin", "/admin");
		nav_link(r, "/account", "nav.account", "/account");
	} else if (!r->ctx.who.person_id) {
		nav_link(r, "/login", "nav.login", "/login");
		nav_link(r, "/register", "nav.register", "/register");
	}
	if (r->ctx.who.person_id) {
		html_printf(&r->out,
			    "<li><form method=\"post\" action=\"/logout\">"
			    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			    "<button type=\"submit\" class=\"linkish\">%s</button></form></li>",
			    r->csrf ? r->csrf : "", web_t(r, "nav.logout"));
	}
	html_raw(&r->out, "</ul></nav>");
	lang_switch(r);
	html_raw(&r->out, "</div>");
	if (web_logged_in(r))
		html_printf(&r->out, "<p class=\"who\">%s <span class=\"org\">%s</span></p>",
			    r->ctx.who.name ? r->ctx.who.name : r->ctx.who.login,
			    r->ctx.who.org_name ? r->ctx.who.org_name : "");
	html_raw(&r->out, "</header><main id=\"main\">");
	flash(r);
}

int page_end_status(struct request *r, int status)
{
	html_printf(&r->out,
		    "</main><footer class=\"site\"><p>%s</p>"
		    "<p class=\"tz\">%s</p></footer></body></html>\n",
		    web_t(r, "site.footer"),
		    web_logged_in(r) && !str_empty(r->ctx.who.tz) ? r->ctx.who.tz : "Asia/Tokyo");
	r->out_ctype = "text/html; charset=utf-8";
	r->status = status;
	return status;
}

int page_end(struct request *r) { return page_end_status(r, 200); }
