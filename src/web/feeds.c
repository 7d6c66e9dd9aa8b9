/* feeds.c - the coordinators' page of TAXII 2.1 feeds (federation, SPEC
 * R11.5): every feed with the outcome of its last pull, a form to add
 * one, and per feed "pull now", "edit" (its own page: every setting but
 * the owner; the key is never shown, a blank key field keeps it) and
 * "remove".  The remote API key is
 * write-only here as everywhere: the page says only whether one is set.
 * Access is the route's (ACC_COORD) and core/federation.c's. */
#include "web/feeds.h"

#include <string.h>

#include "core/community.h"
#include "core/federation.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"

/* The message key labelling a field core named in *bad. */
static const char *bad_label(const char *bad)
{
	static const char *const keys[][2] = {
		{"name", "feed.f.name"}, {"url", "feed.f.url"}, {"collection", "feed.f.collection"},
		{"owner", "feed.f.owner"}, {"auth_user", "feed.f.user"}, {"secret", "feed.f.secret"},
		{"interval", "feed.f.interval"}, {"page_size", "feed.f.page_size"},
		{"tls_verify", "feed.f.insecure"}, {"enabled", "feed.f.enabled"},
	};
	for (size_t i = 0; bad && i < sizeof keys / sizeof keys[0]; i++)
		if (str_eq(bad, keys[i][0]))
			return keys[i][1];
	return bad;
}

static void feed_rows(struct request *r, const struct feed *v, size_t n)
{
	if (!n) {
		html_printf(&r->out, "<p class=\"empty\">%s</p>", web_t(r, "feed.none"));
		return;
	}
	html_printf(&r->out,
		    "<div class=\"table-wrap\"><table class=\"list\" id=\"feeds\"><thead><tr><th>%s</th>"
		    "<th>%s</th><th>%s</th><th>%s</th><th class=\"num\">%s</th><th>%s</th><th></th>"
		    "</tr></thead><tbody>",
		    web_t(r, "feed.f.name"), web_t(r, "feed.f.collection"), web_t(r, "feed.last_run"),
		    web_t(r, "feed.status"), web_t(r, "feed.objects"), web_t(r, "feed.f.secret"));
	for (size_t i = 0; i < n; i++) {
		const struct feed *f = &v[i];
		html_printf(&r->out,
			    "<tr id=\"feed-%lld\"><td data-label=\"%s\"><strong>%s</strong><br><code>%s</code> %s</td>"
			    "<td data-label=\"%s\">%s<br><span class=\"hint\">%s %s %s</span></td>"
			    "<td data-label=\"%s\">%s</td>",
			    (long long)f->id, web_t(r, "feed.f.name"), f->name, f->url,
			    f->tls_verify ? "" : web_t(r, "feed.tls_off"), web_t(r, "feed.f.collection"),
			    f->collection, web_t(r, "feed.as"), f->owner_login,
			    f->enabled ? "" : web_t(r, "feed.disabled"), web_t(r, "feed.last_run"),
			    f->last_run_at ? web_time(r, f->last_run_at) : web_t(r, "feed.never"));
		if (!f->last_run_at)
			html_printf(&r->out, "<td data-label=\"%s\">-</td>", web_t(r, "feed.status"));
		else if (f->last_error[0])
			html_printf(&r->out, "<td data-label=\"%s\" class=\"feed-error\"><strong>%s</strong> %s</td>",
				    web_t(r, "feed.status"), web_t(r, "feed.failed"), f->last_error);
		else
			html_printf(&r->out, "<td data-label=\"%s\" class=\"feed-ok\">%s</td>",
				    web_t(r, "feed.status"), web_t(r, "feed.ok"));
		html_printf(&r->out,
			    "<td class=\"num\" data-label=\"%s\">%lld / %lld</td><td data-label=\"%s\">%s</td><td>",
			    web_t(r, "feed.objects"), (long long)f->last_pulled, (long long)f->total_pulled,
			    web_t(r, "feed.f.secret"), web_t(r, f->has_secret ? "feed.secret_set" : "feed.secret_none"));
		html_printf(&r->out, "<form method=\"post\" action=\"%s\">",
			    url_path(r->a, "/admin/feeds/%lld/pull", (long long)f->id));
		web_csrf(r);
		html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "feed.pull_now"));
		html_printf(&r->out, "<a class=\"button\" href=\"%s\">%s</a> ",
			    url_path(r->a, "/admin/feeds/%lld/edit", (long long)f->id), web_t(r, "feed.edit"));
		html_printf(&r->out, "<form method=\"post\" action=\"%s\">",
			    url_path(r->a, "/admin/feeds/%lld/remove", (long long)f->id));
		web_csrf(r);
		html_printf(&r->out, "<button type=\"submit\" class=\"danger\">%s</button></form></td></tr>",
			    web_t(r, "feed.remove"));
	}
	html_raw(&r->out, "</tbody></table></div>");
}

static void add_form(struct request *r, bool again)
{
	html_printf(&r->out, "<section class=\"card\" id=\"add-feed\"><h2>%s</h2><p class=\"hint\">%s</p>"
			     "<form method=\"post\" action=\"/admin/feeds\">",
		    web_t(r, "feed.add"), web_t(r, "feed.add_help"));
	web_csrf(r);
	web_input(r, "name", "feed.f.name", "text", again ? web_field(r, "name") : NULL, true);
	web_input(r, "url", "feed.f.url", "url", again ? web_field(r, "url") : NULL, true);
	struct community *cms = NULL;
	size_t n = 0;
	if (community_list_mine(&r->ctx, &cms, &n))
		n = 0;
	const char *cur = again ? web_field(r, "collection") : "";
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-collection\">%s *</label>"
			     "<select id=\"f-collection\" name=\"collection\" required>",
		    web_t(r, "feed.f.collection"));
	for (size_t i = 0; i < n; i++)
		if (cms[i].can_post)
			html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", cms[i].slug,
				    str_eq(cur, cms[i].slug) ? " selected" : "",
				    web_org_name(r, cms[i].name_ja, cms[i].name_en));
	html_raw(&r->out, "</select></div>");
	web_input(r, "auth_user", "feed.f.user", "text", again ? web_field(r, "auth_user") : NULL, false);
	web_input(r, "secret", "feed.f.secret", "password", NULL, false);
	web_input(r, "interval", "feed.f.interval", "number", again ? web_field(r, "interval") : "3600", true);
	web_input(r, "page_size", "feed.f.page_size", "number", again ? web_field(r, "page_size") : "500", true);
	bool insecure = again && str_eq(web_field(r, "insecure"), "1");
	html_printf(&r->out,
		    "<div class=\"field check\"><input id=\"f-insecure\" name=\"insecure\" type=\"checkbox\" "
		    "value=\"1\"%s><label for=\"f-insecure\">%s</label></div>"
		    "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    insecure ? " checked" : "", web_t(r, "feed.f.insecure"), web_t(r, "feed.add"));
}

static int feeds_page(struct request *r, const char *err_key, const char *bad, int status)
{
	struct feed *v;
	size_t n;
	int rc = feed_list(&r->ctx, &v, &n);
	if (rc)
		return req_fail_rc(r, rc);
	page_begin(r, "feed.title");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/admin\">%s</a></p><h1>%s</h1><p class=\"hint\">%s</p>",
		    web_t(r, "adm.title"), web_t(r, "feed.title"), web_t(r, "feed.intro"));
	if (err_key)
		web_form_error(r, err_key, bad_label(bad));
	feed_rows(r, v, n);
	add_form(r, err_key != NULL);
	return page_end_status(r, status);
}

int web_feeds(struct request *r) { return feeds_page(r, NULL, NULL, 200); }

/* A number field: 0 when empty, -1 when not a number. */
static int num_field(struct request *r, const char *key)
{
	const char *s = web_field(r, key);
	int64_t v;
	if (!*s)
		return 0;
	return parse_i64(s, 1, 100000000, &v) ? -1 : (int)v;
}

int web_feed_add(struct request *r)
{
	struct feed_new in = {
		.name = web_field(r, "name"),
		.url = web_field(r, "url"),
		.collection = web_field(r, "collection"),
		.auth_user = web_field(r, "auth_user"),
		.auth_secret = req_form(r, "secret"),
		.tls_verify = !str_eq(web_field(r, "insecure"), "1"),
		.interval_s = num_field(r, "interval"),
		.page_size = num_field(r, "page_size"),
	};
	const char *bad = NULL;
	int64_t id;
	int rc;
	if (in.interval_s < 0)
		rc = KR_EINVAL, bad = "interval";
	else if (in.page_size < 0)
		rc = KR_EINVAL, bad = "page_size";
	else
		rc = feed_create(&r->ctx, &in, &id, &bad);
	if (rc == KR_ECONFLICT)
		return feeds_page(r, "feed.name_taken", "name", 409);
	if (rc)
		return feeds_page(r, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, "/admin/feeds", "flash.feed_added");
}

static int feed_id(struct request *r, int64_t *id)
{
	return parse_i64(r->params[0], 1, INT64_MAX, id);
}

int web_feed_pull(struct request *r)
{
	int64_t id;
	if (feed_id(r, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = feed_pull_soon(&r->ctx, id);
	if (rc)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, "/admin/feeds", "flash.feed_queued");
}

int web_feed_remove(struct request *r)
{
	int64_t id;
	if (feed_id(r, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = feed_remove(&r->ctx, id);
	if (rc)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, "/admin/feeds", "flash.feed_removed");
}

/* ---- editing one feed ---- */

/* The edit page: the current settings, or what was sent when err_key
 * says why it was refused (nothing was changed then). */
static int edit_page(struct request *r, const struct feed *f, const char *err_key, const char *bad, int status)
{
	bool again = err_key != NULL;
	page_begin(r, "feed.edit_title");
	html_printf(&r->out,
		    "<p class=\"crumbs\"><a href=\"/admin\">%s</a> / <a href=\"/admin/feeds\">%s</a></p>"
		    "<h1>%s: %s</h1><p class=\"hint\">%s</p>",
		    web_t(r, "adm.title"), web_t(r, "feed.title"), web_t(r, "feed.edit_title"), f->name,
		    web_t(r, "feed.edit_help"));
	if (err_key)
		web_form_error(r, err_key, bad_label(bad));
	const char *action = url_path(r->a, "/admin/feeds/%lld/edit", (long long)f->id);
	html_printf(&r->out, "<section class=\"card\" id=\"edit-feed\"><form method=\"post\" action=\"%s\">", action);
	web_csrf(r);
	web_input(r, "name", "feed.f.name", "text", again ? web_field(r, "name") : f->name, true);
	web_input(r, "url", "feed.f.url", "url", again ? web_field(r, "url") : f->url, true);
	struct community *cms = NULL;
	size_t n = 0;
	if (community_list_mine(&r->ctx, &cms, &n))
		n = 0;
	const char *cur = again ? web_field(r, "collection") : f->collection;
	bool listed = false;
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-collection\">%s *</label>"
			     "<select id=\"f-collection\" name=\"collection\" required>",
		    web_t(r, "feed.f.collection"));
	for (size_t i = 0; i < n; i++)
		if (cms[i].can_post) {
			listed = listed || str_eq(cur, cms[i].slug);
			html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", cms[i].slug,
				    str_eq(cur, cms[i].slug) ? " selected" : "",
				    web_org_name(r, cms[i].name_ja, cms[i].name_en));
		}
	/* The feed's collection stays choosable even where the editor may
	 * not post (the owner may). */
	if (!listed && *cur)
		html_printf(&r->out, "<option value=\"%s\" selected>%s</option>", cur, cur);
	html_raw(&r->out, "</select></div>");
	web_input(r, "auth_user", "feed.f.user", "text", again ? web_field(r, "auth_user") : f->auth_user, false);
	html_printf(&r->out, "<p class=\"hint\">%s %s</p>", web_t(r, "feed.f.secret"),
		    web_t(r, f->has_secret ? "feed.secret_keep" : "feed.secret_none"));
	web_input(r, "secret", "feed.f.secret_new", "password", NULL, false);
	bool clear = again && str_eq(web_field(r, "clear_secret"), "1");
	html_printf(&r->out,
		    "<div class=\"field check\"><input id=\"f-clear_secret\" name=\"clear_secret\" type=\"checkbox\" "
		    "value=\"1\"%s><label for=\"f-clear_secret\">%s</label></div>",
		    clear ? " checked" : "", web_t(r, "feed.f.clear_secret"));
	web_input(r, "interval", "feed.f.interval", "number",
		  again ? web_field(r, "interval") : arena_printf(r->a, "%d", f->interval_s), true);
	web_input(r, "page_size", "feed.f.page_size", "number",
		  again ? web_field(r, "page_size") : arena_printf(r->a, "%d", f->page_size), true);
	bool insecure = again ? str_eq(web_field(r, "insecure"), "1") : !f->tls_verify;
	bool enabled = again ? str_eq(web_field(r, "enabled"), "1") : f->enabled;
	html_printf(&r->out,
		    "<div class=\"field check\"><input id=\"f-insecure\" name=\"insecure\" type=\"checkbox\" "
		    "value=\"1\"%s><label for=\"f-insecure\">%s</label></div>"
		    "<div class=\"field check\"><input id=\"f-enabled\" name=\"enabled\" type=\"checkbox\" "
		    "value=\"1\"%s><label for=\"f-enabled\">%s</label></div>"
		    "<p class=\"hint\">%s</p>"
		    "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    insecure ? " checked" : "", web_t(r, "feed.f.insecure"), enabled ? " checked" : "",
		    web_t(r, "feed.f.enabled"), web_t(r, "feed.edit_reset"), web_t(r, "feed.save"));
	return page_end_status(r, status);
}

int web_feed_edit_form(struct request *r)
{
	int64_t id;
	struct feed f;
	if (feed_id(r, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = feed_get(&r->ctx, id, &f);
	return rc ? req_fail_rc(r, rc) : edit_page(r, &f, NULL, NULL, 200);
}

int web_feed_edit(struct request *r)
{
	int64_t id;
	struct feed f;
	if (feed_id(r, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = feed_get(&r->ctx, id, &f);
	if (rc)
		return req_fail_rc(r, rc);
	/* The form shows every setting, so every field is taken as sent:
	 * an unticked box means off.  Only a blank key keeps the key. */
	struct feed_edit in = {
		.name = web_field(r, "name"),
		.url = web_field(r, "url"),
		.collection = web_field(r, "collection"),
		.auth_user = web_field(r, "auth_user"),
		.auth_secret = req_form(r, "secret"),
		.clear_secret = str_eq(web_field(r, "clear_secret"), "1"),
		.tls_verify = str_eq(web_field(r, "insecure"), "1") ? 0 : 1,
		.enabled = str_eq(web_field(r, "enabled"), "1") ? 1 : 0,
		.interval_s = num_field(r, "interval"),
		.page_size = num_field(r, "page_size"),
	};
	const char *bad = NULL;
	/* Empty number fields would mean "keep" to the core: here they are
	 * required, so an empty one is an error like a bad one. */
	if (in.interval_s <= 0)
		rc = KR_EINVAL, bad = "interval";
	else if (in.page_size <= 0)
		rc = KR_EINVAL, bad = "page_size";
	else
		rc = feed_update(&r->ctx, id, &in, NULL, &bad);
	if (rc == KR_ECONFLICT)
		return edit_page(r, &f, "feed.name_taken", "name", 409);
	if (rc == KR_ENOTFOUND || rc == KR_EPERM)
		return req_fail_rc(r, rc);
	if (rc)
		return edit_page(r, &f, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, "/admin/feeds", "flash.feed_saved");
}
