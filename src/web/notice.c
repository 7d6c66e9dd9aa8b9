/* notice.c - in-app notifications (R8.1): the list with its unread mark,
 * "mark all as read", and the notification settings shown on the account
 * page (must-read, important, replies, daily digest).  Titles come from
 * core only while the viewer may still see the topic. */
#include <string.h>

#include "core/notify.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"

int web_notifications(struct request *r)
{
	struct notification *ns = NULL;
	size_t n = 0;
	int64_t unread = 0;
	int rc = notification_list(&r->ctx, &ns, &n, &unread);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	page_begin(r, "notice.title");
	html_printf(&r->out, "<div class=\"page-head\"><h1>%s</h1><div class=\"actions\">", web_t(r, "notice.title"));
	if (unread > 0) {
		html_raw(&r->out, "<form method=\"post\" action=\"/notifications/read\">");
		web_csrf(r);
		html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "notice.mark_read"));
	}
	html_printf(&r->out, "<a class=\"button\" href=\"/account#notify\">%s</a></div></div>",
		    web_t(r, "notice.settings"));
	html_printf(&r->out, "<p class=\"range\">%s: %lld</p>", web_t(r, "notice.unread"), (long long)unread);
	if (!n) {
		html_printf(&r->out, "<p class=\"range\">%s</p>", web_t(r, "list.none"));
		return page_end(r);
	}
	html_raw(&r->out, "<ul class=\"notices\">");
	for (size_t i = 0; i < n; i++) {
		const struct notification *x = &ns[i];
		const char *k = arena_printf(r->a, "notice.kind.%s", x->kind ? x->kind : "");
		html_printf(&r->out, "<li class=\"%s\"><span class=\"badge%s\">%s</span> ",
			    x->read ? "read" : "unread", x->read ? " badge-muted" : "",
			    tr_has(k) ? web_t(r, k) : (x->kind ? x->kind : ""));
		if (!str_empty(x->topic) && !str_empty(x->title))
			html_printf(&r->out, "<a href=\"%s\">%s</a>", url_path(r->a, "/topics/%s", x->topic),
				    x->title);
		else
			html_printf(&r->out, "<span class=\"muted\">%s</span>", web_t(r, "notice.gone"));
		html_printf(&r->out, " <time class=\"muted\">%s</time></li>", web_time(r, x->created_at));
	}
	html_raw(&r->out, "</ul>");
	return page_end(r);
}

int web_notifications_read(struct request *r)
{
	int rc = notification_mark_all_read(&r->ctx);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, "/notifications", "flash.notices_read");
}

static void check(struct request *r, const char *name, const char *label_key, bool on)
{
	html_printf(&r->out,
		    "<div class=\"field check\"><input id=\"f-n-%s\" name=\"%s\" type=\"checkbox\" "
		    "value=\"1\"%s><label for=\"f-n-%s\">%s</label></div>",
		    name, name, on ? " checked" : "", name, web_t(r, label_key));
}

/* The settings card on the account page. */
void web_notify_settings_section(struct request *r)
{
	struct notify_settings s;
	if (notify_settings_get(&r->ctx, &s) != KR_OK)
		return;
	html_printf(&r->out, "<section class=\"card\" id=\"notify\"><h2>%s</h2><p class=\"hint\">%s</p>"
			     "<form method=\"post\" action=\"/account/notifications\">",
		    web_t(r, "notice.settings"), web_t(r, "notice.settings_help"));
	web_csrf(r);
	check(r, "must_read", "notice.set.must_read", s.must_read);
	check(r, "important", "notice.set.important", s.important);
	check(r, "replies", "notice.set.replies", s.replies);
	check(r, "digest", "notice.set.digest", s.digest);
	html_printf(&r->out, "<button type=\"submit\">%s</button></form>"
			     "<p><a href=\"/notifications\">%s</a></p></section>",
		    web_t(r, "form.save"), web_t(r, "notice.title"));
}

int web_notify_settings_post(struct request *r)
{
	struct notify_settings s;
	memset(&s, 0, sizeof s);
	s.must_read = str_eq(req_form(r, "must_read"), "1");
	s.important = str_eq(req_form(r, "important"), "1");
	s.replies = str_eq(req_form(r, "replies"), "1");
	s.digest = str_eq(req_form(r, "digest"), "1");
	int rc = notify_settings_set(&r->ctx, &s);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return resp_redirect(r, "/account?flash=flash.saved#notify");
}
