/* indicator.c - the indicator pages (R11): the list of the STIX objects a
 * person may see with filters, value search and keyset paging, export
 * links; one object with its pattern, TLP, values and their correlation
 * counts, sightings, versions and its STIX JSON; importing a bundle or a
 * CSV list, inline for small files and as a job with a refreshing status
 * page for large ones.  Every access decision is core's (stix.h,
 * stix_query.h): a hidden object is the same 404 as a missing one. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stix.h"
#include "core/stix_query.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"

/* Files up to this size are imported while the person waits; larger
 * ones (or when asked) run as a job with a status page. */
#define IMPORT_INLINE_MAX (256 * 1024)

static const char *const value_kinds[] = {"ipv4-addr", "ipv6-addr", "domain-name", "url",     "email-addr",
					  "file-name", "md5",       "sha-1",       "sha-256", "sha-512"};
static const char *const blocklist_kinds[] = {"ipv4-addr", "domain-name", "url", "sha-256", "md5"};
static const char *const tlps[] = {"clear", "green", "amber", "amber+strict", "red"};
static const char *const types[] = {"indicator", "any", "observed-data", "sighting", "malware",
				    "threat-actor", "campaign", "attack-pattern", "report", "relationship",
				    "ipv4-addr", "domain-name", "url", "file"};

static const char *opt_q(struct request *r, const char *key)
{
	const char *v = req_query(r, key);
	return str_empty(v) ? NULL : v;
}

static const char *kind_label(struct request *r, const char *kind)
{
	const char *k = arena_printf(r->a, "ind.kind.%s", kind ? kind : "");
	return tr_has(k) ? web_t(r, k) : (kind ? kind : "");
}

static const char *type_label(struct request *r, const char *type)
{
	const char *k = arena_printf(r->a, "ind.type.%s", type ? type : "");
	return tr_has(k) ? web_t(r, k) : (type ? type : "");
}

static const char *us_time(struct request *r, int64_t us)
{
	return us > 0 ? web_time(r, us / 1000) : "";
}

static void select_opt(struct request *r, const char *val, const char *label, const char *cur)
{
	html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", val, str_eq(cur, val) ? " selected" : "", label);
}

/* ---- list ---------------------------------------------------------------- */

static void filter_form(struct request *r, const struct stix_collection *cols, size_t ncols)
{
	const char *v;
	html_printf(&r->out,
		    "<form class=\"filters\" method=\"get\" action=\"/indicators\" role=\"search\">"
		    "<div class=\"field field-q\"><label for=\"f-value\">%s</label>"
		    "<input id=\"f-value\" name=\"value\" type=\"search\" value=\"%s\" placeholder=\"%s\"></div>"
		    "<div class=\"field\"><label for=\"f-match\">%s</label><select id=\"f-match\" name=\"match\">",
		    web_t(r, "ind.value"), (v = opt_q(r, "value")) ? v : "", web_t(r, "ind.value_placeholder"),
		    web_t(r, "ind.match"));
	const char *match = opt_q(r, "match");
	select_opt(r, "exact", web_t(r, "ind.match.exact"), match ? match : "exact");
	select_opt(r, "prefix", web_t(r, "ind.match.prefix"), match);
	html_printf(&r->out, "</select></div><div class=\"field\"><label for=\"f-collection\">%s</label>"
			     "<select id=\"f-collection\" name=\"collection\"><option value=\"\">%s</option>",
		    web_t(r, "ind.collection"), web_t(r, "list.any"));
	for (size_t i = 0; i < ncols; i++)
		select_opt(r, cols[i].slug, cols[i].title, opt_q(r, "collection"));
	html_printf(&r->out, "</select></div><div class=\"field\"><label for=\"f-kind\">%s</label>"
			     "<select id=\"f-kind\" name=\"kind\"><option value=\"\">%s</option>",
		    web_t(r, "ind.kind"), web_t(r, "list.any"));
	for (size_t i = 0; i < KR_ARRAY_LEN(value_kinds); i++)
		select_opt(r, value_kinds[i], kind_label(r, value_kinds[i]), opt_q(r, "kind"));
	html_printf(&r->out, "</select></div><div class=\"field\"><label for=\"f-type\">%s</label>"
			     "<select id=\"f-type\" name=\"type\">",
		    web_t(r, "ind.type"));
	for (size_t i = 0; i < KR_ARRAY_LEN(types); i++)
		select_opt(r, types[i], type_label(r, types[i]), opt_q(r, "type") ? opt_q(r, "type") : "indicator");
	html_printf(&r->out, "</select></div><div class=\"field\"><label for=\"f-tlp\">TLP</label>"
			     "<select id=\"f-tlp\" name=\"tlp\"><option value=\"\">%s</option>",
		    web_t(r, "list.any"));
	for (size_t i = 0; i < KR_ARRAY_LEN(tlps); i++) {
		char up[20];
		snprintf(up, sizeof up, "TLP:%s", tlps[i]);
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		select_opt(r, tlps[i], up, opt_q(r, "tlp"));
	}
	html_printf(&r->out,
		    "</select></div><div class=\"field\"><label for=\"f-org\">%s</label>"
		    "<input id=\"f-org\" name=\"org\" type=\"text\" value=\"%s\" size=\"12\"></div>"
		    "<div class=\"field\"><label for=\"f-since\">%s</label>"
		    "<input id=\"f-since\" name=\"since\" type=\"date\" value=\"%s\"></div>"
		    "<div class=\"field\"><label for=\"f-until\">%s</label>"
		    "<input id=\"f-until\" name=\"until\" type=\"date\" value=\"%s\"></div>"
		    "<button type=\"submit\">%s</button></form>",
		    web_t(r, "ind.source_org"), opt_q(r, "org") ? opt_q(r, "org") : "", web_t(r, "ind.since"),
		    opt_q(r, "since") ? opt_q(r, "since") : "", web_t(r, "ind.until"),
		    opt_q(r, "until") ? opt_q(r, "until") : "", web_t(r, "list.filter"));
}

/* Export links: the current collection's, or every collection's where
 * the format allows it (a STIX bundle is one collection). */
static void export_links(struct request *r, const char *slug)
{
	html_printf(&r->out, "<section class=\"card\" id=\"exports\"><h2>%s</h2><p>", web_t(r, "ind.exports"));
	if (slug) {
		html_printf(&r->out, "<a class=\"button small\" href=\"/indicators/export?format=stix&amp;collection=%s\">%s</a> ",
			    url_encode(r->a, slug), web_t(r, "ind.export_stix"));
		html_printf(&r->out, "<a class=\"button small\" href=\"/indicators/export?format=csv&amp;collection=%s\">%s</a> ",
			    url_encode(r->a, slug), web_t(r, "ind.export_csv"));
	} else {
		html_printf(&r->out, "<a class=\"button small\" href=\"/indicators/export?format=csv\">%s</a> ",
			    web_t(r, "ind.export_csv"));
	}
	html_printf(&r->out, "</p><p>%s: ", web_t(r, "ind.blocklists"));
	for (size_t i = 0; i < KR_ARRAY_LEN(blocklist_kinds); i++) {
		const char *href = url_path(r->a, "/indicators/blocklist/%s", blocklist_kinds[i]);
		if (slug)
			href = arena_printf(r->a, "%s?collection=%s", href, url_encode(r->a, slug));
		html_printf(&r->out, "<a href=\"%s\">%s</a>%s", href, kind_label(r, blocklist_kinds[i]),
			    i + 1 < KR_ARRAY_LEN(blocklist_kinds) ? " &middot; " : "");
	}
	html_raw(&r->out, "</p></section>");
	if (!slug)
		html_printf(&r->out, "<p class=\"hint\">%s</p>", web_t(r, "ind.export_hint"));
}

static const char *detail_href(struct request *r, const struct stix_list_row *row)
{
	return arena_printf(r->a, "%s?collection=%s", url_path(r->a, "/indicators/%s", row->stix_id),
			    url_encode(r->a, row->collection_slug));
}

static void list_rows(struct request *r, const struct stix_list_page *pg)
{
	html_printf(&r->out,
		    "<div class=\"table-wrap\"><table class=\"list indicators\"><thead><tr><th>TLP</th><th>%s</th>"
		    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		    web_t(r, "ind.name"), web_t(r, "ind.values"), web_t(r, "ind.collection"),
		    web_t(r, "ind.source_org"), web_t(r, "ind.added"));
	for (size_t i = 0; i < pg->n; i++) {
		const struct stix_list_row *row = &pg->rows[i];
		html_raw(&r->out, "<tr><td data-label=\"TLP\">");
		html_tlp(&r->out, row->tlp);
		html_printf(&r->out, "</td><td data-label=\"%s\"><a href=\"%s\">%s</a>", web_t(r, "ind.name"),
			    detail_href(r, row), !str_empty(row->name) ? row->name : row->stix_id);
		if (!str_eq(row->type, "indicator"))
			html_printf(&r->out, " <span class=\"badge badge-muted\">%s</span>", type_label(r, row->type));
		if (row->pattern)
			html_printf(&r->out, "<br><code class=\"pattern\">%s</code>", row->pattern);
		html_printf(&r->out, "</td><td data-label=\"%s\">", web_t(r, "ind.values"));
		if (row->first_value)
			html_printf(&r->out, "<span class=\"muted\">%s</span> <code>%s</code>%s", kind_label(r, row->first_kind),
				    row->first_value, row->nvalues > 1 ? arena_printf(r->a, " +%lld", (long long)(row->nvalues - 1)) : "");
		html_printf(&r->out, "</td><td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td>"
				     "<td data-label=\"%s\">%s</td></tr>",
			    web_t(r, "ind.collection"), web_org_name(r, row->collection_ja, row->collection_en),
			    web_t(r, "ind.source_org"), web_org_name(r, row->org_ja, row->org_en), web_t(r, "ind.added"),
			    us_time(r, row->date_added_us));
	}
	html_raw(&r->out, "</tbody></table></div>");
}

int web_indicators(struct request *r)
{
	struct stix_collection *cols = NULL;
	size_t ncols = 0;
	int rc = stix_collections(&r->ctx, &cols, &ncols);
	if (rc)
		return req_fail_rc(r, rc);
	struct stix_list_filter f;
	memset(&f, 0, sizeof f);
	const char *slug = opt_q(r, "collection");
	if (slug) {
		struct stix_collection col;
		if ((rc = stix_collection_by_slug(&r->ctx, slug, &col)))
			return req_fail_rc(r, rc);
		f.community_id = col.community_id;
	}
	f.type = opt_q(r, "type");
	f.kind = opt_q(r, "kind");
	f.tlp = opt_q(r, "tlp");
	f.org = opt_q(r, "org");
	f.value = opt_q(r, "value");
	const char *match = opt_q(r, "match");
	if (match && !str_eq(match, "exact") && !str_eq(match, "prefix"))
		return req_fail_detail(r, 400, "err.invalid_field", web_t(r, "ind.match"));
	f.prefix = str_eq(match, "prefix");
	int off = web_tz_offset(r);
	const char *since = opt_q(r, "since"), *until = opt_q(r, "until");
	if (since && time_parse_date(since, off, &f.since_ms))
		return req_fail_detail(r, 400, "err.invalid_field", web_t(r, "ind.since"));
	if (until && time_parse_date(until, off, &f.until_ms))
		return req_fail_detail(r, 400, "err.invalid_field", web_t(r, "ind.until"));
	if (until)
		f.until_ms += 24LL * 3600 * 1000;
	const char *cur = opt_q(r, "cursor");
	if (cur && parse_i64(cur, 1, INT64_MAX, &f.cursor))
		return req_fail_detail(r, 400, "err.invalid_field", "cursor");
	const char *lim = opt_q(r, "limit");
	if (lim) {
		int64_t n;
		if (parse_i64(lim, 1, STIX_LIST_MAX, &n))
			return req_fail_detail(r, 400, "err.invalid_field", "limit");
		f.limit = (int)n;
	}
	struct stix_list_page pg;
	const char *bad = NULL;
	rc = stix_list(&r->ctx, &f, &pg, &bad);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.invalid_field", bad ? bad : "");
	if (rc)
		return req_fail_rc(r, rc);

	page_begin(r, "ind.title");
	html_printf(&r->out, "<div class=\"page-head\"><h1>%s</h1><div class=\"actions\">"
			     "<a class=\"button primary\" href=\"/indicators/import\">%s</a></div></div>"
			     "<p class=\"hint\">%s</p>",
		    web_t(r, "ind.title"), web_t(r, "ind.import"), web_t(r, "ind.help"));
	if (!ncols) {
		html_printf(&r->out, "<p class=\"range\" id=\"empty\">%s</p>", web_t(r, "ind.no_collections"));
		return page_end(r);
	}
	filter_form(r, cols, ncols);
	int64_t from = web_from(r);
	html_raw(&r->out, "<div class=\"list-head\" id=\"range\">");
	if (pg.n)
		web_range_more(r, pg.total, pg.total_more, from, pg.n);
	html_raw(&r->out, "</div>");
	if (!pg.n) {
		bool filtered = f.value || f.kind || f.tlp || f.org || since || until || slug || cur ||
				(f.type && !str_eq(f.type, "indicator"));
		html_printf(&r->out, "<p class=\"range\" id=\"empty\">%s</p>",
			    web_t(r, filtered ? "ind.none_match" : "ind.none_yet"));
	} else {
		list_rows(r, &pg);
	}
	web_next_page(r, pg.next_cursor ? arena_printf(r->a, "%lld", (long long)pg.next_cursor) : NULL, from, pg.n);
	export_links(r, slug);
	return page_end(r);
}

/* ---- one object ---------------------------------------------------------- */

static void fact(struct request *r, const char *key, const char *val)
{
	if (!str_empty(val))
		html_printf(&r->out, "<dt>%s</dt><dd>%s</dd>", web_t(r, key), val);
}

static const char *value_list_href(struct request *r, const char *kind, const char *value)
{
	return arena_printf(r->a, "/indicators?type=any&kind=%s&value=%s", url_encode(r->a, kind), url_encode(r->a, value));
}

static void values_section(struct request *r, const struct stix_detail *d)
{
	html_printf(&r->out, "<section class=\"card\" id=\"values\"><h2>%s</h2>", web_t(r, "ind.values"));
	if (!d->nvalues) {
		html_printf(&r->out, "<p class=\"muted\">%s</p></section>", web_t(r, "ind.no_values"));
		return;
	}
	html_printf(&r->out,
		    "<p class=\"hint\">%s</p><div class=\"table-wrap\"><table class=\"list\"><thead><tr><th>%s</th><th>%s</th>"
		    "<th class=\"num\">%s</th><th class=\"num\">%s</th><th class=\"num\">%s</th><th class=\"num\">%s</th>"
		    "</tr></thead><tbody>",
		    web_t(r, "ind.corr_help"), web_t(r, "ind.kind"), web_t(r, "ind.value"), web_t(r, "ind.corr_objects"),
		    web_t(r, "ind.corr_orgs"), web_t(r, "ind.corr_collections"), web_t(r, "ind.corr_topics"));
	for (size_t i = 0; i < d->nvalues; i++) {
		const struct stix_value_corr *v = &d->values[i];
		const char *href = value_list_href(r, v->kind, v->value);
		html_printf(&r->out,
			    "<tr class=\"corr\"><td data-label=\"%s\">%s</td><td data-label=\"%s\"><code>%s</code></td>"
			    "<td class=\"num\" data-label=\"%s\"><a href=\"%s\">%lld</a></td>"
			    "<td class=\"num\" data-label=\"%s\"><a href=\"%s\">%lld</a></td>"
			    "<td class=\"num\" data-label=\"%s\"><a href=\"%s\">%lld</a></td>",
			    web_t(r, "ind.kind"), kind_label(r, v->kind), web_t(r, "ind.value"), v->value,
			    web_t(r, "ind.corr_objects"), href, (long long)v->corr.objects, web_t(r, "ind.corr_orgs"), href,
			    (long long)v->corr.orgs, web_t(r, "ind.corr_collections"), href, (long long)v->corr.collections);
		html_printf(&r->out, "<td class=\"num\" data-label=\"%s\"><a href=\"/topics?q=%s\">%lld</a></td></tr>",
			    web_t(r, "ind.corr_topics"), url_encode(r->a, v->value), (long long)v->corr.topics);
	}
	html_raw(&r->out, "</tbody></table></div></section>");
}

static void sightings_section(struct request *r, const struct stix_detail *d)
{
	html_printf(&r->out, "<section class=\"card\" id=\"sightings\"><h2>%s</h2>", web_t(r, "ind.sightings"));
	if (!d->nsightings) {
		html_printf(&r->out, "<p class=\"muted\">%s</p></section>", web_t(r, "ind.no_sightings"));
		return;
	}
	html_printf(&r->out,
		    "<div class=\"table-wrap\"><table class=\"list\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		    "<th>%s</th><th class=\"num\">%s</th></tr></thead><tbody>",
		    web_t(r, "ind.source_org"), web_t(r, "ind.first_seen"), web_t(r, "ind.last_seen"),
		    web_t(r, "ind.collection"), web_t(r, "ind.count"));
	for (size_t i = 0; i < d->nsightings; i++) {
		const struct stix_sighting *s = &d->sightings[i];
		html_printf(&r->out,
			    "<tr><td data-label=\"%s\"><a href=\"%s?collection=%s\">%s</a></td><td data-label=\"%s\">%s</td>"
			    "<td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td><td class=\"num\" data-label=\"%s\">%s</td></tr>",
			    web_t(r, "ind.source_org"), url_path(r->a, "/indicators/%s", s->stix_id),
			    url_encode(r->a, s->collection_slug), web_org_name(r, s->org_ja, s->org_en),
			    web_t(r, "ind.first_seen"), s->first_seen ? s->first_seen : "", web_t(r, "ind.last_seen"),
			    s->last_seen ? s->last_seen : "", web_t(r, "ind.collection"), s->collection_slug,
			    web_t(r, "ind.count"), s->count >= 0 ? arena_printf(r->a, "%lld", (long long)s->count) : "");
	}
	html_raw(&r->out, "</tbody></table></div></section>");
}

static void versions_section(struct request *r, const struct stix_detail *d, int64_t shown_row)
{
	html_printf(&r->out, "<section class=\"card\" id=\"versions\"><h2>%s</h2><ul>", web_t(r, "ind.versions"));
	for (size_t i = 0; i < d->nversions; i++) {
		const struct stix_version *v = &d->versions[i];
		const char *label = str_empty(v->version) ? us_time(r, v->date_added_us) : v->version;
		if (v->row_id == shown_row)
			html_printf(&r->out, "<li><strong>%s</strong> (%s)%s</li>", label, web_t(r, "ind.shown"),
				    v->latest ? arena_printf(r->a, " %s", web_t(r, "ind.latest")) : "");
		else
			html_printf(&r->out, "<li><a href=\"%s?collection=%s&amp;version=%lld\">%s</a>%s</li>",
				    url_path(r->a, "/indicators/%s", d->row.stix_id), url_encode(r->a, d->row.collection_slug),
				    (long long)v->version_us, label,
				    v->latest ? arena_printf(r->a, " %s", web_t(r, "ind.latest")) : "");
	}
	html_raw(&r->out, "</ul></section>");
}

int web_indicator_page(struct request *r)
{
	const char *slug = opt_q(r, "collection"), *ver = opt_q(r, "version");
	int64_t version_us = 0;
	if (ver && parse_i64(ver, 1, INT64_MAX, &version_us))
		return req_fail(r, 404, "err.not_found");
	struct stix_detail d;
	int rc = stix_detail_get(&r->ctx, r->params[0], slug, version_us, &d);
	if (rc == KR_EINVAL)
		rc = KR_ENOTFOUND; /* a malformed id is just an id that is not there */
	if (rc)
		return req_fail_rc(r, rc);
	const struct stix_list_row *row = &d.row;
	const char *title = !str_empty(row->name) ? row->name : row->stix_id;
	page_begin(r, title);
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/indicators\">%s</a> / <a href=\"/indicators?collection=%s\">%s</a></p>"
			     "<div class=\"page-head\"><h1>",
		    web_t(r, "ind.title"), url_encode(r->a, row->collection_slug),
		    web_org_name(r, row->collection_ja, row->collection_en));
	html_tlp(&r->out, row->tlp);
	html_printf(&r->out, " <span id=\"ind-name\">%s</span></h1></div>", title);
	html_raw(&r->out, "<section class=\"card\" id=\"facts\"><dl class=\"facts\">");
	fact(r, "ind.type", type_label(r, row->type));
	html_printf(&r->out, "<dt>%s</dt><dd><code>%s</code></dd>", web_t(r, "ind.stix_id"), row->stix_id);
	html_printf(&r->out, "<dt>TLP</dt><dd>");
	html_tlp(&r->out, row->tlp);
	html_raw(&r->out, "</dd>");
	if (row->pattern)
		html_printf(&r->out, "<dt>%s</dt><dd><code class=\"pattern\">%s</code></dd>", web_t(r, "ind.pattern"),
			    row->pattern);
	fact(r, "ind.collection", web_org_name(r, row->collection_ja, row->collection_en));
	html_printf(&r->out, "<dt>%s</dt><dd><a href=\"%s\">%s</a></dd>", web_t(r, "ind.source_org"),
		    url_path(r->a, "/orgs/%s", row->org_slug), web_org_name(r, row->org_ja, row->org_en));
	fact(r, "ind.valid_from", row->valid_from_ms ? web_time(r, row->valid_from_ms) : NULL);
	fact(r, "ind.valid_until", row->valid_until_ms ? web_time(r, row->valid_until_ms) : NULL);
	if (d.confidence >= 0)
		html_printf(&r->out, "<dt>%s</dt><dd>%lld / 100</dd>", web_t(r, "ind.confidence"), (long long)d.confidence);
	fact(r, "ind.created", d.created);
	fact(r, "ind.modified", d.modified);
	fact(r, "ind.added", us_time(r, row->date_added_us));
	html_raw(&r->out, "</dl>");
	if (!str_empty(d.description))
		html_printf(&r->out, "<p class=\"description\" id=\"ind-description\">%s</p>", d.description);
	html_raw(&r->out, "</section>");
	if (d.nelsewhere) {
		html_printf(&r->out, "<p class=\"hint\" id=\"elsewhere\">%s: ", web_t(r, "ind.elsewhere"));
		for (size_t i = 0; i < d.nelsewhere; i++)
			html_printf(&r->out, "%s<a href=\"%s?collection=%s\">%s</a>", i ? ", " : "",
				    url_path(r->a, "/indicators/%s", row->stix_id), url_encode(r->a, d.elsewhere[i].collection_slug),
				    web_org_name(r, d.elsewhere[i].collection_ja, d.elsewhere[i].collection_en));
		html_raw(&r->out, "</p>");
	}
	values_section(r, &d);
	sightings_section(r, &d);
	versions_section(r, &d, row->row_id);
	/* The object as received, indented for reading; escaped like any text. */
	json_error_t e;
	json_t *o = json_loads(d.json, 0, &e);
	char *pretty = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	html_printf(&r->out, "<section class=\"card\" id=\"stix-json\"><h2>%s</h2><div class=\"md\"><pre><code>%s</code></pre></div></section>",
		    web_t(r, "ind.json"), pretty ? pretty : d.json);
	free(pretty);
	return page_end(r);
}

/* ---- import -------------------------------------------------------------- */

static int import_form(struct request *r, const char *err, const char *detail, const char *const *lines,
		       size_t nlines, int status)
{
	struct stix_collection *cols = NULL;
	size_t ncols = 0;
	int rc = stix_collections(&r->ctx, &cols, &ncols);
	if (rc)
		return req_fail_rc(r, rc);
	page_begin(r, "ind.import");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/indicators\">%s</a></p><h1>%s</h1>"
			     "<p class=\"hint\">%s</p>",
		    web_t(r, "ind.title"), web_t(r, "ind.import"), web_t(r, "ind.import_help"));
	if (err) {
		html_printf(&r->out, "<div class=\"alert alert-error\" role=\"alert\" id=\"import-errors\"><p>%s%s%s</p>",
			    web_t(r, err), detail ? ": " : "", detail ? detail : "");
		if (nlines) {
			html_raw(&r->out, "<ul>");
			for (size_t i = 0; i < nlines; i++)
				html_printf(&r->out, "<li>%s</li>", lines[i]);
			html_raw(&r->out, "</ul>");
		}
		html_raw(&r->out, "</div>");
	}
	size_t nw = 0;
	for (size_t i = 0; i < ncols; i++)
		nw += cols[i].can_write;
	if (!nw) {
		html_printf(&r->out, "<p class=\"range\" id=\"empty\">%s</p>", web_t(r, "ind.no_writable"));
		return page_end_status(r, status);
	}
	html_raw(&r->out, "<section class=\"card narrow\"><form method=\"post\" action=\"/indicators/import\" "
			  "enctype=\"multipart/form-data\">");
	web_csrf(r);
	const char *cur = req_form(r, "collection") ? req_form(r, "collection") : req_query(r, "collection");
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-collection\">%s</label>"
			     "<select id=\"f-collection\" name=\"collection\" required>",
		    web_t(r, "ind.collection"));
	for (size_t i = 0; i < ncols; i++)
		if (cols[i].can_write)
			select_opt(r, cols[i].slug, cols[i].title, cur);
	const char *fmt = req_form(r, "format");
	html_printf(&r->out, "</select></div><div class=\"field\"><label for=\"f-format\">%s</label>"
			     "<select id=\"f-format\" name=\"format\">",
		    web_t(r, "ind.format"));
	select_opt(r, "auto", web_t(r, "ind.format.auto"), fmt ? fmt : "auto");
	select_opt(r, "stix", web_t(r, "ind.format.stix"), fmt);
	select_opt(r, "csv", web_t(r, "ind.format.csv"), fmt);
	html_printf(&r->out,
		    "</select></div><div class=\"field\"><label for=\"f-file\">%s</label>"
		    "<input id=\"f-file\" name=\"file\" type=\"file\" accept=\".json,.csv,.txt,application/json,text/csv\" required>"
		    "</div><div class=\"field\"><label><input type=\"checkbox\" name=\"background\" value=\"1\"> %s</label></div>"
		    "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    web_t(r, "ind.file"), web_t(r, "ind.background"), web_t(r, "ind.import_submit"));
	return page_end_status(r, status);
}

int web_indicator_import_get(struct request *r)
{
	return import_form(r, NULL, NULL, NULL, 0, 200);
}

/* A bundle starts with '{' (after white space and a byte-order mark). */
static const char *sniff(const char *p, size_t n)
{
	size_t i = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && p[i] == '{' ? "stix" : "csv";
}

/* The reasons of a rejected file, for the form's error box. */
static const char *const *reasons(struct request *r, const struct stix_status *st, bool csv, size_t *n)
{
	size_t cap = 1, k = 0;
	for (size_t i = 0; i < st->total; i++)
		cap += st->items[i].reason != NULL;
	if (cap > 201)
		cap = 201;
	const char **out = arena_alloc(r->a, sizeof *out * cap);
	if (st->error)
		out[k++] = st->error;
	for (size_t i = 0; i < st->total && k < cap; i++) {
		const struct stix_item *it = &st->items[i];
		if (!it->reason)
			continue;
		out[k++] = csv ? it->reason
			       : arena_printf(r->a, "objects[%zu]%s%s%s: %s", i, it->id ? " (" : "", it->id ? it->id : "",
					      it->id ? ")" : "", it->reason);
	}
	*n = k;
	return out;
}

int web_indicator_import_post(struct request *r)
{
	const char *slug = web_field(r, "collection");
	const char *fmt = web_field(r, "format");
	const struct kv *file = req_file(r, "file");
	if (str_empty(slug))
		return import_form(r, "err.invalid_field", web_t(r, "ind.collection"), NULL, 0, 422);
	if (!file || file->len == 0)
		return import_form(r, "ind.err_no_file", NULL, NULL, 0, 422);
	if (str_empty(fmt) || str_eq(fmt, "auto"))
		fmt = sniff(file->val, file->len);
	if (!str_eq(fmt, "stix") && !str_eq(fmt, "csv"))
		return import_form(r, "err.invalid_field", web_t(r, "ind.format"), NULL, 0, 422);
	struct stix_collection col;
	int rc = stix_collection_by_slug(&r->ctx, slug, &col);
	if (rc == KR_OK && !col.can_write)
		rc = KR_EPERM;
	if (rc)
		return import_form(r, web_rc_key(rc), NULL, NULL, 0, web_status_for(rc));
	if (!utf8_valid(file->val, file->len) || memchr(file->val, 0, file->len))
		return import_form(r, "ind.err_not_text", NULL, NULL, 0, 422);

	if (file->len > IMPORT_INLINE_MAX || str_eq(web_field(r, "background"), "1")) {
		const char *uuid = NULL;
		rc = stix_import_start(&r->ctx, col.slug, fmt, file->filename, file->val, file->len, &uuid);
		if (rc)
			return import_form(r, web_rc_key(rc), NULL, NULL, 0, web_status_for(rc));
		return resp_redirect(r, url_path(r->a, "/indicators/import/%s", uuid));
	}
	struct stix_status st;
	bool csv = str_eq(fmt, "csv");
	rc = csv ? stix_import_csv(&r->ctx, col.slug, file->val, file->len, &st)
		 : stix_ingest(&r->ctx, col.slug, file->val, file->len, STIX_DOC_BUNDLE, &st);
	if (rc == KR_EINVAL) {
		size_t n = 0;
		const char *const *lines = reasons(r, &st, csv, &n);
		return import_form(r, "ind.err_rejected", NULL, lines, n, 422);
	}
	if (rc)
		return import_form(r, web_rc_key(rc), NULL, NULL, 0, web_status_for(rc));
	page_begin(r, "ind.import_done");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/indicators\">%s</a></p><h1>%s</h1>"
			     "<div class=\"alert alert-ok\" role=\"status\" id=\"import-result\">%s: <strong>%lld</strong></div>"
			     "<p><a class=\"button primary\" href=\"/indicators?collection=%s\">%s</a> "
			     "<a class=\"button\" href=\"/indicators/import\">%s</a></p>",
		    web_t(r, "ind.title"), web_t(r, "ind.import_done"), web_t(r, "ind.stored"), (long long)st.total,
		    url_encode(r->a, col.slug), web_t(r, "ind.show_collection"), web_t(r, "ind.import_more"));
	return page_end(r);
}

int web_indicator_import_status(struct request *r)
{
	struct stix_import_info in;
	int rc = stix_import_get(&r->ctx, r->params[0], &in);
	if (rc)
		return req_fail_rc(r, rc);
	bool pending = str_eq(in.state, "queued") || str_eq(in.state, "running");
	if (pending)
		resp_header(r, "Refresh", "2");
	page_begin(r, "ind.import_status");
	if (pending)
		html_raw(&r->out, "<meta http-equiv=\"refresh\" content=\"2\">");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/indicators\">%s</a> / <a href=\"/indicators/import\">%s</a></p>"
			     "<h1>%s</h1><dl class=\"facts\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>"
			     "<dt>%s</dt><dd id=\"import-state\" data-state=\"%s\">%s</dd>",
		    web_t(r, "ind.title"), web_t(r, "ind.import"), web_t(r, "ind.import_status"), web_t(r, "ind.file"),
		    str_empty(in.filename) ? "-" : in.filename, web_t(r, "ind.collection"),
		    web_org_name(r, in.collection_ja, in.collection_en),
		    web_t(r, "ind.state"), in.state, web_t(r, arena_printf(r->a, "ind.state.%s", in.state)));
	if (in.total > 0 || !pending)
		html_printf(&r->out, "<dt>%s</dt><dd id=\"import-progress\">%lld / %lld</dd></dl>",
			    web_t(r, "ind.processed"), (long long)in.processed, (long long)in.total);
	else
		html_printf(&r->out, "<dt>%s</dt><dd id=\"import-progress\">%s</dd></dl>", web_t(r, "ind.processed"),
			    web_t(r, "ind.reading"));
	if (pending) {
		if (in.total > 0)
			html_printf(&r->out, "<progress max=\"%lld\" value=\"%lld\"></progress>", (long long)in.total,
				    (long long)in.processed);
		else
			html_raw(&r->out, "<progress></progress>");
		html_printf(&r->out, "<p class=\"hint\">%s</p>", web_t(r, "ind.refreshing"));
	} else if (str_eq(in.state, "done")) {
		html_printf(&r->out, "<div class=\"alert alert-ok\" role=\"status\" id=\"import-result\">%s: <strong>%lld</strong></div>"
				     "<p><a class=\"button primary\" href=\"/indicators?collection=%s\">%s</a></p>",
			    web_t(r, "ind.stored"), (long long)in.stored, url_encode(r->a, in.collection_slug),
			    web_t(r, "ind.show_collection"));
	} else {
		html_printf(&r->out, "<div class=\"alert alert-error\" role=\"alert\" id=\"import-errors\"><p>%s</p><ul>",
			    web_t(r, "ind.err_rejected"));
		char *errs = arena_strdup(r->a, in.errors ? in.errors : "");
		for (char *save = NULL, *line = strtok_r(errs, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			html_printf(&r->out, "<li>%s</li>", line);
		html_printf(&r->out, "</ul></div><p><a class=\"button\" href=\"/indicators/import\">%s</a></p>",
			    web_t(r, "ind.import_more"));
	}
	return page_end(r);
}
