/* home.c - the front page: a welcome with the way in for visitors, and
 * for a logged-in person their organisation, the incident overview (the
 * consultation desk's daily digest, R9.6), communities and topics, and the
 * places they go next. */
#include "core/auth.h"
#include "core/incident.h"
#include "core/incident_digest.h"
#include "core/org.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/i18n.h"
#include "web/web.h"

static const char *inc_label(struct request *r, const char *prefix, const char *v)
{
	const char *k = arena_printf(r->a, "inc.%s.%s", prefix, v);
	return tr_has(k) ? web_t(r, k) : v;
}

/* "インシデント状況 / Incident overview": the numbers of the mail digest
 * over the last 24 hours, for the cases this person may see only (see
 * incident_digest.h: no center-wide totals). */
static void incident_overview(struct request *r)
{
	struct incident_digest d;
	int64_t now = r->ctx.now;
	if (incident_digest_get(&r->ctx, now - INCIDENT_DIGEST_WINDOW_MS, now, &d) != KR_OK)
		return; /* the rest of the page still helps */
	html_printf(&r->out, "<section class=\"home-block\" id=\"incident-overview\"><h2>%s</h2><p class=\"range\">%s</p>",
		    web_t(r, "digest.title"), web_t(r, "digest.scope"));
	if (incident_digest_empty(&d)) {
		html_printf(&r->out, "<p id=\"digest-none\">%s</p><p><a href=\"/incidents\">%s</a></p></section>",
			    web_t(r, "digest.none"), web_t(r, "digest.list"));
		return;
	}
	html_printf(&r->out,
		    "<div class=\"table-wrap\"><table class=\"counts\"><thead><tr><th>%s</th><th class=\"num\">%s</th>"
		    "<th class=\"num\">%s</th><th class=\"num\">%s</th></tr></thead><tbody>",
		    web_t(r, "inc.f.class"), web_t(r, "digest.new"), web_t(r, "digest.open"), web_t(r, "digest.resolved"));
	for (size_t i = 0; i < d.n_classes; i++) {
		const struct incident_digest_class *x = &d.by_class[i];
		if (!x->new_n && !x->open_n && !x->resolved_n)
			continue;
		html_printf(&r->out,
			    "<tr data-class=\"%s\"><td><a href=\"%s\">%s</a></td><td class=\"num\">%lld</td>"
			    "<td class=\"num\">%lld</td><td class=\"num\">%lld</td></tr>",
			    x->klass, url_path(r->a, "/incidents?class=%s", x->klass), inc_label(r, "class", x->klass),
			    (long long)x->new_n, (long long)x->open_n, (long long)x->resolved_n);
	}
	html_printf(&r->out,
		    "<tr class=\"total\" id=\"digest-total\"><th>%s</th><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
		    "<td class=\"num\">%lld</td></tr></tbody></table></div>",
		    web_t(r, "digest.total"), (long long)d.total.new_n, (long long)d.total.open_n,
		    (long long)d.total.resolved_n);
	if (d.total.open_n) {
		html_printf(&r->out, "<p id=\"digest-open-states\">%s:", web_t(r, "digest.open_by_state"));
		for (size_t i = 0; i < incident_nstates; i++)
			if (d.open_by_state[i])
				html_printf(&r->out, " <a href=\"%s\">%s <strong>%lld</strong></a>",
					    url_path(r->a, "/incidents?state=%s", incident_states[i]),
					    inc_label(r, "state", incident_states[i]), (long long)d.open_by_state[i]);
		html_raw(&r->out, "</p>");
	}
	html_printf(&r->out,
		    "<ul class=\"digest-activity\"><li id=\"digest-support\">%s: <strong>%lld</strong></li>"
		    "<li id=\"digest-cc-topics\">%s: <strong>%lld</strong></li></ul>",
		    web_t(r, "digest.support_answered"), (long long)d.support_answered, web_t(r, "digest.cc_topics"),
		    (long long)d.cc_topics);
	if (d.n_new_cases) {
		html_printf(&r->out, "<h3>%s</h3><ul class=\"digest-new\">", web_t(r, "digest.new_cases"));
		for (size_t i = 0; i < d.n_new_cases; i++) {
			const struct incident_digest_case *k = &d.new_cases[i];
			html_printf(&r->out, "<li><a href=\"%s\">%s</a> ", url_path(r->a, "/incidents/%s", k->public_id),
				    k->public_id);
			html_tlp(&r->out, tlp_name(k->tlp));
			html_printf(&r->out, " %s <small>%s &middot; %s</small></li>", k->title,
				    inc_label(r, "class", k->klass), inc_label(r, "state", k->state));
		}
		html_raw(&r->out, "</ul>");
	}
	html_printf(&r->out, "<p><a href=\"/incidents\">%s</a></p></section>", web_t(r, "digest.list"));
}

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
	incident_overview(r);
	html_raw(&r->out, "<ul class=\"tiles\">");
	tile(r, "/orgs", "nav.directory", "home.dir_text");
	tile(r, "/account", "nav.account", "home.account_text");
	tile(r, "/admin/audit", "audit.title", "home.audit_text");
	if (web_is_org_admin(r))
		tile(r, "/admin", "nav.admin", "home.admin_text");
	html_raw(&r->out, "</ul>");
	return page_end(r);
}
