/* home.c - the front page: a welcome with the way in for visitors, and
 * for a logged-in person their organisation and the places they go next.
 * (Communities and topics join this page when those modules land.) */
#include "core/auth.h"
#include "core/org.h"
#include "lib/util.h"
#include "web/web.h"

static void tile(struct request *r, const char *href, const char *title_key, const char *text_key)
{
	html_printf(&r->out, "<li class=\"tile\"><a href=\"%s\"><strong>%s</strong><span>%s</span></a></li>",
		    href, web_t(r, title_key), web_t(r, text_key));
}

int web_home(struct request *r)
{
	if (r->mfa_pending)
		return resp_redirect(r, "/login/totp");
	page_begin(r, "home.title");
	if (!web_logged_in(r)) {
		html_printf(&r->out,
			    "<section class=\"hero\"><h1>%s</h1><p class=\"lead\">%s</p>"
			    "<p class=\"actions\"><a class=\"button primary\" href=\"/login\">%s</a> "
			    "<a class=\"button\" href=\"/register\">%s</a></p></section>",
			    web_t(r, "home.welcome"), web_t(r, "home.lead"), web_t(r, "nav.login"),
			    web_t(r, "home.apply"));
		return page_end(r);
	}
	html_printf(&r->out, "<h1>%s</h1>", web_t(r, "home.hello"));
	struct org o;
	if (r->ctx.who.org_id && org_get_by_id(&r->ctx, r->ctx.who.org_id, &o) == KR_OK)
		html_printf(&r->out,
			    "<p class=\"lead\">%s <strong>%s</strong> &middot; "
			    "<a href=\"%s\">%s</a></p>",
			    r->ctx.who.name ? r->ctx.who.name : r->ctx.who.login,
			    web_org_name(r, o.name_ja, o.name_en), url_path(r->a, "/orgs/%s", o.slug),
			    web_t(r, "home.my_org"));
	web_home_sections(r);
	html_raw(&r->out, "<ul class=\"tiles\">");
	tile(r, "/orgs", "nav.directory", "home.dir_text");
	tile(r, "/account", "nav.account", "home.account_text");
	tile(r, "/admin/audit", "audit.title", "home.audit_text");
	if (web_is_org_admin(r))
		tile(r, "/admin", "nav.admin", "home.admin_text");
	html_raw(&r->out, "</ul>");
	return page_end(r);
}
