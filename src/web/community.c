/* community.c - the community pages (R3): the communities one belongs to
 * and the open ones to join, creating a community, one community with its
 * topic list, its members (moderators manage them), and the logged-in
 * part of the home page (R3.3).  Who may see or change what is core's. */
#include <string.h>

#include "core/community.h"
#include "core/notify.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"

static const char *cname(struct request *r, const struct community *m)
{
	return web_org_name(r, m->name_ja, m->name_en);
}

static const char *role_key(const struct community *m)
{
	if (m->owner)
		return "comm.role.owner";
	if (m->moderator)
		return "comm.role.moderator";
	if (m->member)
		return "comm.role.member";
	return "comm.role.none";
}

static void community_cards(struct request *r, const struct community *ms, size_t n, bool join)
{
	if (!n) {
		html_printf(&r->out, "<p class=\"range\">%s</p>", web_t(r, "list.none"));
		return;
	}
	html_raw(&r->out, "<ul class=\"tiles communities\">");
	for (size_t i = 0; i < n; i++) {
		const struct community *m = &ms[i];
		html_printf(&r->out, "<li class=\"tile\"><a href=\"%s\"><strong>%s</strong><span>%s</span></a>",
			    url_path(r->a, "/c/%s", m->slug), cname(r, m),
			    join ? (m->description ? m->description : "") : web_t(r, role_key(m)));
		if (join) {
			html_printf(&r->out, "<form method=\"post\" action=\"%s\" class=\"inline-btn\">",
				    url_path(r->a, "/c/%s/join", m->slug));
			web_csrf(r);
			html_printf(&r->out, "<button type=\"submit\" class=\"small\">%s</button></form>",
				    web_t(r, "comm.join"));
		}
		html_raw(&r->out, "</li>");
	}
	html_raw(&r->out, "</ul>");
}

int web_communities(struct request *r)
{
	struct community *mine = NULL, *open = NULL;
	size_t nm = 0, no = 0;
	int rc = community_list_mine(&r->ctx, &mine, &nm);
	if (rc == KR_OK)
		rc = community_list_open(&r->ctx, &open, &no);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	page_begin(r, "comm.title");
	html_printf(&r->out, "<h1>%s</h1><p><a class=\"button primary\" href=\"/communities/new\">%s</a> "
			     "<a class=\"button\" href=\"/topics\">%s</a></p><h2>%s</h2>",
		    web_t(r, "comm.title"), web_t(r, "comm.new"), web_t(r, "topics.list_title"),
		    web_t(r, "comm.mine"));
	community_cards(r, mine, nm, false);
	html_printf(&r->out, "<h2>%s</h2>", web_t(r, "comm.open"));
	community_cards(r, open, no, true);
	return page_end(r);
}

static int new_form(struct request *r, const struct community *in, const char *err, const char *bad,
		    int status)
{
	page_begin(r, "comm.new");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/communities\">%s</a></p><h1>%s</h1>"
			     "<section class=\"card narrow\">",
		    web_t(r, "comm.title"), web_t(r, "comm.new"));
	if (err)
		web_form_error(r, err, bad);
	html_raw(&r->out, "<form method=\"post\" action=\"/communities/new\">");
	web_csrf(r);
	web_input(r, "slug", "field.comm_slug", "text", in->slug, true);
	web_input(r, "name_ja", "field.name_ja", "text", in->name_ja, true);
	web_input(r, "name_en", "field.name_en", "text", in->name_en, true);
	html_printf(&r->out,
		    "<div class=\"field\"><label for=\"f-description\">%s</label>"
		    "<textarea id=\"f-description\" name=\"description\" rows=\"3\">%s</textarea></div>"
		    "<div class=\"field\"><label for=\"f-join_policy\">%s</label><select id=\"f-join_policy\" name=\"join_policy\">"
		    "<option value=\"invite\"%s>%s</option><option value=\"open\"%s>%s</option></select></div>"
		    "<div class=\"field\"><label for=\"f-post_policy\">%s</label><select id=\"f-post_policy\" name=\"post_policy\">"
		    "<option value=\"members\"%s>%s</option><option value=\"moderators\"%s>%s</option></select></div>"
		    "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    web_t(r, "field.description"), in->description ? in->description : "",
		    web_t(r, "field.join_policy"), str_eq(in->join_policy, "open") ? "" : " selected",
		    web_t(r, "comm.join.invite"), str_eq(in->join_policy, "open") ? " selected" : "",
		    web_t(r, "comm.join.open"), web_t(r, "field.post_policy"),
		    str_eq(in->post_policy, "moderators") ? "" : " selected", web_t(r, "comm.post.members"),
		    str_eq(in->post_policy, "moderators") ? " selected" : "", web_t(r, "comm.post.moderators"),
		    web_t(r, "adm.create"));
	return page_end_status(r, status);
}

int web_community_new_get(struct request *r)
{
	struct community in;
	memset(&in, 0, sizeof in);
	return new_form(r, &in, NULL, NULL, 200);
}

int web_community_new_post(struct request *r)
{
	struct community in;
	memset(&in, 0, sizeof in);
	in.slug = web_field(r, "slug");
	in.name_ja = web_field(r, "name_ja");
	in.name_en = web_field(r, "name_en");
	in.description = web_field(r, "description");
	in.join_policy = web_field(r, "join_policy");
	in.post_policy = web_field(r, "post_policy");
	int64_t id = 0;
	const char *bad = NULL;
	int rc = community_create(&r->ctx, &in, &id, &bad);
	if (rc != KR_OK)
		return new_form(r, &in, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, url_path(r->a, "/c/%s", in.slug), "flash.community_created");
}

int web_community_page(struct request *r)
{
	struct community cm;
	int rc = community_get(&r->ctx, r->params[0], &cm);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	page_begin(r, cname(r, &cm));
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/communities\">%s</a></p>"
			     "<div class=\"page-head\"><h1>%s</h1><div class=\"actions\">",
		    web_t(r, "comm.title"), cname(r, &cm));
	if (cm.can_post)
		html_printf(&r->out, "<a class=\"button primary\" href=\"%s\">%s</a>",
			    url_path(r->a, "/c/%s/new", cm.slug), web_t(r, "topics.new"));
	if (cm.member)
		html_printf(&r->out, "<a class=\"button\" href=\"%s\">%s</a>",
			    url_path(r->a, "/c/%s/members", cm.slug), web_t(r, "comm.members"));
	html_raw(&r->out, "</div></div>");
	html_printf(&r->out, "<section class=\"card comm-info\">");
	if (!str_empty(cm.description))
		html_printf(&r->out, "<p class=\"description\">%s</p>", cm.description);
	html_printf(&r->out, "<p class=\"t-meta\">%s: <strong>%s</strong> &middot; %s</p>",
		    web_t(r, "comm.my_role"), web_t(r, role_key(&cm)),
		    web_t(r, str_eq(cm.join_policy, "open") ? "comm.join.open" : "comm.join.invite"));
	if (!cm.member && str_eq(cm.join_policy, "open")) {
		html_printf(&r->out, "<form method=\"post\" action=\"%s\">", url_path(r->a, "/c/%s/join", cm.slug));
		web_csrf(r);
		html_printf(&r->out, "<button type=\"submit\" class=\"primary\">%s</button></form>",
			    web_t(r, "comm.join"));
	} else if (cm.member && !cm.everyone && !cm.owner) {
		html_printf(&r->out, "<form method=\"post\" action=\"%s\" data-confirm=\"%s\">",
			    url_path(r->a, "/c/%s/leave", cm.slug), web_t(r, "comm.leave_confirm"));
		web_csrf(r);
		html_printf(&r->out, "<button type=\"submit\" class=\"small\">%s</button></form>",
			    web_t(r, "comm.leave"));
	}
	html_raw(&r->out, "</section>");
	if (cm.member) {
		if (web_community_topics(r, cm.slug))
			return r->status;
	}
	return page_end(r);
}

int web_community_join(struct request *r)
{
	int rc = community_join(&r->ctx, r->params[0]);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, url_path(r->a, "/c/%s", r->params[0]), "flash.joined");
}

int web_community_leave(struct request *r)
{
	int rc = community_leave(&r->ctx, r->params[0]);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, "/communities", "flash.left");
}

static void member_role_select(struct request *r, const char *id, const char *cur)
{
	static const char *const roles[] = {"member", "moderator", "owner"};
	html_printf(&r->out, "<select name=\"role\" id=\"%s\" aria-label=\"%s\">", id, web_t(r, "field.role"));
	for (size_t i = 0; i < KR_ARRAY_LEN(roles); i++)
		html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", roles[i],
			    str_eq(cur, roles[i]) ? " selected" : "",
			    tr_pre(r->lang, "comm.role.", roles[i]));
	html_raw(&r->out, "</select>");
}

int web_community_members(struct request *r)
{
	struct community cm;
	int rc = community_get(&r->ctx, r->params[0], &cm);
	if (rc == KR_OK && !cm.member)
		rc = KR_ENOTFOUND;
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	struct community_member *ms = NULL;
	size_t n = 0;
	if ((rc = community_members(&r->ctx, cm.slug, &ms, &n)) != KR_OK)
		return req_fail_rc(r, rc);
	bool mod = cm.moderator || r->ctx.who.role >= ROLE_ADMIN;
	page_begin(r, "comm.members");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/communities\">%s</a> / <a href=\"%s\">%s</a></p><h1>%s</h1>",
		    web_t(r, "comm.title"), url_path(r->a, "/c/%s", cm.slug), cname(r, &cm),
		    web_t(r, "comm.members"));
	if (cm.everyone)
		html_printf(&r->out, "<p class=\"hint\">%s</p>", web_t(r, "comm.everyone"));
	if (n) {
		html_printf(&r->out, "<div class=\"table-wrap\"><table class=\"list\"><thead><tr><th>%s</th><th>%s</th>"
				     "<th>%s</th><th>%s</th>",
			    web_t(r, "comm.member_name"), web_t(r, "comm.member_type"), web_t(r, "field.role"),
			    web_t(r, "comm.added"));
		if (mod)
			html_raw(&r->out, "<th></th>");
		html_raw(&r->out, "</tr></thead><tbody>");
		const char *action = url_path(r->a, "/c/%s/members", cm.slug);
		const char *raction = url_path(r->a, "/c/%s/members/remove", cm.slug);
		for (size_t i = 0; i < n; i++) {
			const struct community_member *m = &ms[i];
			bool org = str_eq(m->type, "org");
			html_printf(&r->out,
				    "<tr><td data-label=\"%s\">%s <code>%s</code></td><td data-label=\"%s\">%s</td>"
				    "<td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td>",
				    web_t(r, "comm.member_name"), m->name, m->id, web_t(r, "comm.member_type"),
				    web_t(r, org ? "comm.type.org" : "comm.type.person"), web_t(r, "field.role"),
				    web_t(r, arena_printf(r->a, "comm.role.%s", m->role)), web_t(r, "comm.added"),
				    web_time(r, m->added_at));
			if (mod) {
				html_printf(&r->out, "<td class=\"member-actions\"><form method=\"post\" action=\"%s\" class=\"inline-btn\">", action);
				web_csrf(r);
				html_printf(&r->out, "<input type=\"hidden\" name=\"type\" value=\"%s\">"
						     "<input type=\"hidden\" name=\"who\" value=\"%s\">",
					    m->type, m->id);
				member_role_select(r, arena_printf(r->a, "role-%zu", i), m->role);
				html_printf(&r->out, "<button type=\"submit\" class=\"small\">%s</button></form>"
						     "<form method=\"post\" action=\"%s\" class=\"inline-btn\" data-confirm=\"%s\">",
					    web_t(r, "comm.change"), raction, web_t(r, "comm.remove_confirm"));
				web_csrf(r);
				html_printf(&r->out, "<input type=\"hidden\" name=\"type\" value=\"%s\">"
						     "<input type=\"hidden\" name=\"who\" value=\"%s\">"
						     "<button type=\"submit\" class=\"small danger\">%s</button></form></td>",
					    m->type, m->id, web_t(r, "comm.remove"));
			}
			html_raw(&r->out, "</tr>");
		}
		html_raw(&r->out, "</tbody></table></div>");
	} else {
		html_printf(&r->out, "<p class=\"range\">%s</p>", web_t(r, "list.none"));
	}
	if (mod && !cm.everyone) {
		html_printf(&r->out, "<section class=\"card\"><h2>%s</h2><form method=\"post\" action=\"%s\" class=\"inline\">",
			    web_t(r, "comm.add_member"), url_path(r->a, "/c/%s/members", cm.slug));
		web_csrf(r);
		html_printf(&r->out,
			    "<div class=\"field\"><label for=\"f-type\">%s</label><select id=\"f-type\" name=\"type\">"
			    "<option value=\"org\">%s</option><option value=\"person\">%s</option></select></div>"
			    "<div class=\"field\"><label for=\"f-who\">%s</label><input id=\"f-who\" name=\"who\" type=\"text\" required></div>"
			    "<div class=\"field\"><label for=\"f-role\">%s</label>",
			    web_t(r, "comm.member_type"), web_t(r, "comm.type.org"), web_t(r, "comm.type.person"),
			    web_t(r, "comm.who"), web_t(r, "field.role"));
		member_role_select(r, "f-role", "member");
		html_printf(&r->out, "</div><button type=\"submit\">%s</button></form></section>",
			    web_t(r, "comm.add"));
	}
	return page_end(r);
}

static int member_change(struct request *r, bool remove)
{
	const char *type = web_field(r, "type");
	const char *who = web_field(r, "who");
	if ((!str_eq(type, "org") && !str_eq(type, "person")) || str_empty(who))
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "comm.who"));
	int rc = remove ? community_remove_member(&r->ctx, r->params[0], type, who)
			: community_set_member(&r->ctx, r->params[0], type, who, web_field(r, "role"));
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "comm.who"));
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, url_path(r->a, "/c/%s/members", r->params[0]), "flash.saved");
}

int web_community_member_set(struct request *r) { return member_change(r, false); }
int web_community_member_remove(struct request *r) { return member_change(r, true); }

/* ---- home (R3.3) -------------------------------------------------------- */

static void home_topics(struct request *r, const char *title_key, const char *id,
			const struct topic_filter *f, const char *more)
{
	struct topic_page pg;
	if (topic_list(&r->ctx, f, &pg) != KR_OK)
		return;
	html_printf(&r->out, "<section class=\"home-block\" id=\"%s\"><h2>%s</h2>", id, web_t(r, title_key));
	web_topic_items(r, pg.items, pg.n, true);
	if (more && pg.next_cursor)
		html_printf(&r->out, "<p><a href=\"%s\">%s</a></p>", more, web_t(r, "home.more"));
	html_raw(&r->out, "</section>");
}

void web_home_sections(struct request *r)
{
	struct notification *ns = NULL;
	size_t nn = 0;
	int64_t unread = 0;
	if (notification_list(&r->ctx, &ns, &nn, &unread) == KR_OK)
		html_printf(&r->out, "<p class=\"%s\" id=\"unread\"><a href=\"/notifications\">%s: <strong>%lld</strong></a></p>",
			    unread > 0 ? "alert alert-info" : "range", web_t(r, "notice.unread"),
			    (long long)unread);

	struct topic_filter f;
	memset(&f, 0, sizeof f);
	f.must_read_pending = true;
	f.limit = 10;
	home_topics(r, "home.must_read", "must-read", &f, NULL);

	memset(&f, 0, sizeof f);
	f.tag = "important";
	f.limit = 5;
	html_raw(&r->out, "<div class=\"grid2\">");
	/* Pinned announcements first, then by last update. */
	struct topic_page pg;
	if (topic_list(&r->ctx, &f, &pg) == KR_OK) {
		html_printf(&r->out, "<section class=\"home-block\" id=\"important\"><h2>%s</h2>",
			    web_t(r, "home.important"));
		struct topic *sorted = arena_alloc(r->a, sizeof(struct topic) * (pg.n + 1));
		size_t k = 0;
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < pg.n; i++)
				if (pg.items[i].pinned == (pass == 0))
					sorted[k++] = pg.items[i];
		web_topic_items(r, sorted, k, true);
		if (pg.next_cursor)
			html_printf(&r->out, "<p><a href=\"/topics?tag=important\">%s</a></p>", web_t(r, "home.more"));
		html_raw(&r->out, "</section>");
	}
	memset(&f, 0, sizeof f);
	f.sort = SORT_CREATED;
	f.limit = 10;
	home_topics(r, "home.new_topics", "new-topics", &f, "/topics?sort=created");
	html_raw(&r->out, "</div>");

	struct community *ms = NULL;
	size_t n = 0;
	if (community_list_mine(&r->ctx, &ms, &n) == KR_OK) {
		html_printf(&r->out, "<section class=\"home-block\" id=\"my-communities\"><h2>%s</h2>",
			    web_t(r, "comm.mine"));
		community_cards(r, ms, n, false);
		html_raw(&r->out, "</section>");
	}
}
