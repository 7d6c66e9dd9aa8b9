/* directory.c - the directory of organisations and their contacts (R1.4):
 * who to call in an incident.  Filters by kind and sector, a name search,
 * and keyset paging shown as "N件中 a〜b".  Visibility is core's. */
#include <stdio.h>
#include <string.h>

#include "core/org.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"


/* "kind.<k>" / "sector.<s>" from the catalogue; the raw value when a
 * newer core knows a kind this catalogue does not. */
const char *web_kind_label(struct request *r, const char *kind)
{
	if (str_empty(kind))
		return "";
	const char *k = arena_printf(r->a, "kind.%s", kind);
	return tr_has(k) ? web_t(r, k) : kind;
}

const char *web_sector_label(struct request *r, const char *sector)
{
	if (str_empty(sector))
		return "";
	const char *k = arena_printf(r->a, "sector.%s", sector);
	return tr_has(k) ? web_t(r, k) : sector;
}

/* Shared with admin.c: <select> of kinds / sectors with an "any" or
 * "none" first option. */
void web_select_kind(struct request *r, const char *name, const char *cur, const char *first_key)
{
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-%s\">%s</label>"
			     "<select id=\"f-%s\" name=\"%s\"><option value=\"\">%s</option>",
		    name, web_t(r, "field.kind"), name, name, web_t(r, first_key));
	for (size_t i = 0; i < org_nkinds; i++)
		html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", org_kinds[i],
			    str_eq(cur, org_kinds[i]) ? " selected" : "",
			    web_kind_label(r, org_kinds[i]));
	html_raw(&r->out, "</select></div>");
}

void web_select_sector(struct request *r, const char *name, const char *cur, const char *first_key)
{
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-%s\">%s</label>"
			     "<select id=\"f-%s\" name=\"%s\"><option value=\"\">%s</option>",
		    name, web_t(r, "field.sector"), name, name, web_t(r, first_key));
	for (size_t i = 0; i < org_nsectors; i++)
		html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", org_sectors[i],
			    str_eq(cur, org_sectors[i]) ? " selected" : "",
			    web_sector_label(r, org_sectors[i]));
	html_raw(&r->out, "</select></div>");
}

/* "63件中 1〜20" / "1–20 of 63". */
void web_range(struct request *r, int64_t total, int64_t from, size_t n)
{
	web_range_more(r, total, false, from, n);
}

void web_range_more(struct request *r, int64_t total, bool more, int64_t from, size_t n)
{
	if (total <= 0 || n == 0) {
		html_printf(&r->out, "<p class=\"range\">%s</p>", web_t(r, "list.none"));
		return;
	}
	char a[24], b[24], t[24];
	snprintf(a, sizeof a, "%lld", (long long)from);
	snprintf(b, sizeof b, "%lld", (long long)(from + (int64_t)n - 1));
	snprintf(t, sizeof t, "%lld", (long long)total);
	static const char *const names[] = {"from", "to", "total"};
	const char *const vals[] = {a, b, t};
	html_printf(&r->out, "<p class=\"range\">%s</p>",
		    web_tf(r, more ? "list.range_more" : "list.range", names, vals, 3));
}

/* Where a page starts: the `from` parameter carried next to the cursor. */
int64_t web_from(struct request *r)
{
	int64_t from = 1;
	const char *f = req_query(r, "from");
	if (!f || !req_query(r, "cursor") || parse_i64(f, 1, INT64_MAX / 2, &from) != KR_OK)
		from = 1;
	return from;
}

/* Link to the next page, or nothing on the last. */
void web_next_page(struct request *r, const char *cursor, int64_t from, size_t n)
{
	static const char *const drop[] = {"cursor", "from", NULL};
	html_raw(&r->out, "<nav class=\"pager\">");
	if (req_query(r, "cursor"))
		html_printf(&r->out, "<a href=\"%s\">%s</a> ",
			    web_self_with(r, drop, NULL, NULL, NULL, NULL), web_t(r, "list.first"));
	if (cursor) {
		char nf[24];
		snprintf(nf, sizeof nf, "%lld", (long long)(from + (int64_t)n));
		html_printf(&r->out, "<a rel=\"next\" href=\"%s\">%s</a>",
			    web_self_with(r, drop, "cursor", cursor, "from", nf), web_t(r, "list.next"));
	}
	html_raw(&r->out, "</nav>");
}

int web_orgs(struct request *r)
{
	struct org_filter f;
	memset(&f, 0, sizeof f);
	f.kind = req_query(r, "kind");
	f.sector = req_query(r, "sector");
	f.q = req_query(r, "q");
	f.cursor = req_query(r, "cursor");
	f.limit = 50;
	if (str_empty(f.kind))
		f.kind = NULL;
	if (str_empty(f.sector))
		f.sector = NULL;
	if (str_empty(f.q))
		f.q = NULL;
	if (str_empty(f.cursor))
		f.cursor = NULL;
	if ((f.kind && !org_kind_valid(f.kind)) || (f.sector && !org_sector_valid(f.sector)))
		return req_fail(r, 400, "err.bad_request");
	struct org_page pg;
	memset(&pg, 0, sizeof pg);
	int rc = org_list(&r->ctx, &f, &pg);
	if (rc == KR_EINVAL)
		return req_fail(r, 400, "err.bad_request");
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	int64_t from = web_from(r);

	page_begin(r, "dir.title");
	html_printf(&r->out, "<h1>%s</h1><form class=\"filters\" method=\"get\" action=\"/orgs\">",
		    web_t(r, "dir.title"));
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-q\">%s</label>"
			     "<input id=\"f-q\" name=\"q\" type=\"search\" value=\"%s\"></div>",
		    web_t(r, "dir.search"), f.q ? f.q : "");
	web_select_kind(r, "kind", f.kind, "list.any");
	web_select_sector(r, "sector", f.sector, "list.any");
	html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "list.filter"));
	web_range(r, pg.total, from, pg.n);
	if (pg.n) {
		html_printf(&r->out,
			    "<div class=\"table-wrap\"><table class=\"list\"><thead><tr><th>%s</th>"
			    "<th>%s</th><th>%s</th><th class=\"num\">%s</th></tr></thead><tbody>",
			    web_t(r, "field.org_name"), web_t(r, "field.kind"),
			    web_t(r, "field.sector"), web_t(r, "dir.people"));
		for (size_t i = 0; i < pg.n; i++) {
			const struct org *o = &pg.items[i];
			html_printf(&r->out,
				    "<tr><td data-label=\"%s\"><a href=\"%s\">%s</a> %s</td>"
				    "<td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td>"
				    "<td class=\"num\" data-label=\"%s\">%lld</td></tr>",
				    web_t(r, "field.org_name"), url_path(r->a, "/orgs/%s", o->slug),
				    web_org_name(r, o->name_ja, o->name_en),
				    str_eq(o->status, "disabled") ? web_t(r, "status.disabled_paren") : "",
				    web_t(r, "field.kind"),
				    web_kind_label(r, o->kind), web_t(r, "field.sector"),
				    web_sector_label(r, o->sector), web_t(r, "dir.people"),
				    (long long)o->people);
		}
		html_raw(&r->out, "</tbody></table></div>");
	}
	web_next_page(r, pg.next_cursor, from, pg.n);
	return page_end(r);
}

int web_org_page(struct request *r)
{
	struct org o;
	int rc = org_get(&r->ctx, r->params[0], &o);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	page_begin(r, web_org_name(r, o.name_ja, o.name_en));
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/orgs\">%s</a></p><h1>%s</h1>",
		    web_t(r, "dir.title"), web_org_name(r, o.name_ja, o.name_en));
	if (str_eq(o.status, "disabled"))
		html_printf(&r->out, "<p class=\"badge badge-muted\">%s</p>",
			    web_t(r, "status.disabled"));
	html_printf(&r->out, "<section class=\"card\"><dl class=\"facts\">"
			     "<dt>%s</dt><dd lang=\"ja\">%s</dd><dt>%s</dt><dd lang=\"en\">%s</dd>"
			     "<dt>%s</dt><dd>%s</dd>",
		    web_t(r, "field.name_ja"), o.name_ja, web_t(r, "field.name_en"), o.name_en,
		    web_t(r, "field.kind"), web_kind_label(r, o.kind));
	if (!str_empty(o.sector))
		html_printf(&r->out, "<dt>%s</dt><dd>%s</dd>", web_t(r, "field.sector"),
			    web_sector_label(r, o.sector));
	if (!str_empty(o.contact_email))
		html_printf(&r->out, "<dt>%s</dt><dd><a href=\"%s\">%s</a></dd>",
			    web_t(r, "field.contact_email"),
			    url_safe_href(arena_printf(r->a, "mailto:%s", o.contact_email)),
			    o.contact_email);
	if (!str_empty(o.contact_phone))
		html_printf(&r->out, "<dt>%s</dt><dd>%s</dd>", web_t(r, "field.contact_phone"),
			    o.contact_phone);
	html_raw(&r->out, "</dl>");
	if (!str_empty(o.description))
		html_printf(&r->out, "<p class=\"description\">%s</p>", o.description);
	html_raw(&r->out, "</section>");
	if (web_is_coord(r))
		html_printf(&r->out, "<p><a class=\"button\" href=\"%s\">%s</a></p>",
			    url_path(r->a, "/admin/orgs/%s/edit", o.slug), web_t(r, "adm.edit_org"));

	/* Contacts (R1.4): who to call there in an incident. */
	struct person *pp = NULL;
	size_t np = 0;
	if (person_contacts(&r->ctx, o.id, &pp, &np) == KR_OK && np) {
		html_printf(&r->out,
			    "<h2>%s</h2><div class=\"table-wrap\"><table class=\"list\"><thead><tr>"
			    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
			    web_t(r, "dir.contacts"), web_t(r, "field.display_name"),
			    web_t(r, "field.job_title"), web_t(r, "field.email"), web_t(r, "field.phone"));
		for (size_t i = 0; i < np; i++) {
			const struct person *p = &pp[i];
			html_printf(&r->out,
				    "<tr><td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td>"
				    "<td data-label=\"%s\"><a href=\"%s\">%s</a></td>"
				    "<td data-label=\"%s\">%s</td></tr>",
				    web_t(r, "field.display_name"), p->display_name,
				    web_t(r, "field.job_title"), p->title ? p->title : "",
				    web_t(r, "field.email"),
				    url_safe_href(arena_printf(r->a, "mailto:%s", p->email ? p->email : "")),
				    p->email ? p->email : "", web_t(r, "field.phone"),
				    p->phone ? p->phone : "");
		}
		html_raw(&r->out, "</tbody></table></div>");
	} else {
		html_printf(&r->out, "<h2>%s</h2><p class=\"range\">%s</p>", web_t(r, "dir.contacts"),
			    web_t(r, "list.none"));
	}
	return page_end(r);
}
