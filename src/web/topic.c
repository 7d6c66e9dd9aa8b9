/* topic.c - the topic pages (R4, R5, R7): lists with sort, filters and
 * paging (per community and across communities), the CSV export of a
 * list, the create/edit form with scope and TLP, the topic page with its
 * counts, must-read confirmation, likes, comments, attachments, history
 * and sharing.  Every access decision is core's: a hidden topic comes
 * back as KR_ENOTFOUND and is shown as the same 404 as a missing one. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/community.h"
#include "core/org.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/bytecache.h"
#include "lib/util.h"
#include "web/markdown.h"
#include "web/web.h"

#define CSV_PAGE 100

/* ---- labels ----------------------------------------------------------- */

const char *web_tag_label(struct request *r, const char *tag)
{
	if (str_empty(tag) || !topic_tag_valid(tag))
		return "";
	const char *l = tr_pre(r->lang, "tag.", tag);
	return l ? l : web_t(r, arena_printf(r->a, "tag.%s", tag));
}

const char *web_category_label(struct request *r, const char *cat)
{
	if (str_empty(cat))
		return "";
	const char *l = tr_pre(r->lang, "cat.", cat);
	return l ? l : cat;
}

/* A topic's body.  Until the Markdown renderer lands this is escaped text
 * with its line breaks kept (CSS white-space: pre-wrap); switching to
 * markdown_render() is this one function. */
/* Bodies and comments are Markdown, rendered by the trusted renderer
 * (raw HTML inert, links allow-listed).  A body the renderer refuses
 * (over its limits) is shown as escaped plain text instead. */
static void render_body(struct request *r, const char *text)
{
	struct trusted_html h;
	const char *src = text ? text : "";
	if (markdown_render(r->a, src, strlen(src), &h) == KR_OK) {
		html_raw(&r->out, "<div class=\"md\">");
		html_trusted(&r->out, &h);
		html_raw(&r->out, "</div>");
		return;
	}
	html_printf(&r->out, "<div class=\"md md-plain\">%s</div>", src);
}

/* "7/30 更新" (R4.1): the month and day of the last edit in the viewer's
 * zone. */
static const char *updated_marker(struct request *r, int64_t ms)
{
	const char *t = web_time(r, ms); /* "YYYY-MM-DD HH:MM" */
	int y = 0, m = 0, d = 0;
	if (sscanf(t, "%d-%d-%d", &y, &m, &d) != 3)
		return "";
	char ms_[8], ds[8];
	snprintf(ms_, sizeof ms_, "%d", m);
	snprintf(ds, sizeof ds, "%d", d);
	static const char *const names[] = {"month", "day"};
	const char *const vals[] = {ms_, ds};
	return web_tf(r, "topics.updated_on", names, vals, 2);
}

/* ---- list filters ----------------------------------------------------- */

static const char *opt_q(struct request *r, const char *key)
{
	const char *v = req_query(r, key);
	return str_empty(v) ? NULL : v;
}

/* Read the list's query parameters; 0 or the failure status (400 with the
 * field named).  Dates are YYYY-MM-DD in the viewer's zone, `to`
 * inclusive. */
int web_topic_filter(struct request *r, struct topic_filter *f)
{
	memset(f, 0, sizeof *f);
	f->tag = opt_q(r, "tag");
	f->category = opt_q(r, "category");
	f->tlp = opt_q(r, "tlp");
	f->org = opt_q(r, "org");
	f->cursor = opt_q(r, "cursor");
	f->q = opt_q(r, "q");
	if (f->q && !utf8_valid_text(f->q, strlen(f->q)))
		return req_fail(r, 400, "err.bad_utf8");
	if (f->q && utf8_len(f->q, strlen(f->q)) > 200)
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "q"));
	enum tlp tl;
	if (f->tag && !topic_tag_valid(f->tag))
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "tag"));
	if (f->category && !topic_category_valid(f->category))
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "category"));
	if (f->tlp && tlp_parse(f->tlp, &tl))
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "tlp"));
	const char *sort = opt_q(r, "sort");
	if (sort && topic_sort_parse(sort, &f->sort))
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "sort"));
	if (!sort && f->q)
		f->sort = SORT_RELEVANCE; /* keyword results: best match first */
	int off = web_tz_offset(r);
	const char *from = opt_q(r, "from"), *to = opt_q(r, "to");
	if (from && time_parse_date(from, off, &f->from))
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "from_date"));
	if (to && time_parse_date(to, off, &f->to))
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "to_date"));
	if (to)
		f->to += 24LL * 3600 * 1000;
	const char *lim = req_query(r, "limit");
	if (lim) {
		int64_t n;
		if (parse_i64(lim, 1, 100, &n))
			return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "limit"));
		f->limit = (int)n;
	}
	return 0;
}

/* topic_list with the failures a page shows: junk cursor or unknown
 * organisation -> 400. */
static int list_or_fail(struct request *r, const struct topic_filter *f, struct topic_page *pg)
{
	int rc = topic_list(&r->ctx, f, pg);
	if (rc == KR_EINVAL)
		return req_fail(r, 400, "err.bad_request");
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return 0;
}

static void select_opt(struct request *r, const char *val, const char *label, const char *cur)
{
	html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", val,
		    str_eq(cur, val) ? " selected" : "", label);
}

static void select_tag(struct request *r, const char *name, const char *cur, const char *first_key)
{
	static const char *const tags[] = {"important", "caution", "info"};
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-%s\">%s</label>"
			     "<select id=\"f-%s\" name=\"%s\"><option value=\"\">%s</option>",
		    name, web_t(r, "field.tag"), name, name, web_t(r, first_key));
	for (size_t i = 0; i < KR_ARRAY_LEN(tags); i++)
		select_opt(r, tags[i], web_tag_label(r, tags[i]), cur);
	html_raw(&r->out, "</select></div>");
}

static void select_category(struct request *r, const char *name, const char *cur,
			    const char *first_key)
{
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-%s\">%s</label>"
			     "<select id=\"f-%s\" name=\"%s\"%s><option value=\"\">%s</option>",
		    name, web_t(r, "field.category"), name, name,
		    first_key ? "" : " required", web_t(r, first_key ? first_key : "list.choose"));
	for (size_t i = 0; i < topic_ncategories; i++)
		select_opt(r, topic_categories[i], web_category_label(r, topic_categories[i]), cur);
	html_raw(&r->out, "</select></div>");
}

static const enum tlp all_tlps[] = {TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT, TLP_RED};

/* The fields of the filter form (below). */
static void filter_fields(struct request *r, struct request *q)
{
	static const char *const sorts[] = {"relevance", "updated", "created", "views", "likes"};
	const char *sort = opt_q(q, "sort");
	if (!sort)
		sort = opt_q(q, "q") ? "relevance" : "updated";
	const char *q0 = opt_q(q, "q");
	html_printf(&r->out, "<div class=\"field field-q\"><label for=\"f-q\">%s</label>"
			     "<input id=\"f-q\" name=\"q\" type=\"search\" value=\"%s\" placeholder=\"%s\"></div>"
			     "<div class=\"field\"><label for=\"f-sort\">%s</label><select id=\"f-sort\" name=\"sort\">",
		    web_t(r, "field.q"), q0 ? q0 : "", web_t(r, "search.placeholder"), web_t(r, "field.sort"));
	for (size_t i = 0; i < KR_ARRAY_LEN(sorts); i++)
		select_opt(r, sorts[i], tr_pre(r->lang, "sort.", sorts[i]), sort);
	html_raw(&r->out, "</select></div>");
	select_tag(r, "tag", opt_q(q, "tag"), "list.any");
	select_category(r, "category", opt_q(q, "category"), "list.any");
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-tlp\">TLP</label>"
			     "<select id=\"f-tlp\" name=\"tlp\"><option value=\"\">%s</option>",
		    web_t(r, "list.any"));
	for (size_t i = 0; i < KR_ARRAY_LEN(all_tlps); i++)
		select_opt(r, tlp_name(all_tlps[i]), tlp_label(all_tlps[i]), opt_q(q, "tlp"));
	html_printf(&r->out,
		    "</select></div><div class=\"field\"><label for=\"f-org\">%s</label>"
		    "<input id=\"f-org\" name=\"org\" type=\"text\" value=\"%s\" size=\"12\"></div>"
		    "<div class=\"field\"><label for=\"f-from\">%s</label>"
		    "<input id=\"f-from\" name=\"from\" type=\"date\" value=\"%s\"></div>"
		    "<div class=\"field\"><label for=\"f-to\">%s</label>"
		    "<input id=\"f-to\" name=\"to\" type=\"date\" value=\"%s\"></div>"
		    "<button type=\"submit\">%s</button></form>",
		    web_t(r, "field.org_slug"), opt_q(q, "org") ? opt_q(q, "org") : "",
		    web_t(r, "field.from_date"), opt_q(q, "from") ? opt_q(q, "from") : "",
		    web_t(r, "field.to_date"), opt_q(q, "to") ? opt_q(q, "to") : "",
		    web_t(r, "list.filter"));
}

/* Without any filter in the query (a list as first opened) the fields
 * are the same for every list in one language: their markup, as
 * filter_fields wrote it through the escaping helpers, is kept per
 * language and replayed byte for byte. */
static const char *const filter_keys[] = {"q", "sort", "tag", "category", "tlp", "org", "from", "to"};
static pthread_mutex_t ff_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char lang[8];
	char *html;
	size_t len;
} ff_cache[4];

static bool ff_replay(struct request *r)
{
	bool hit = false;
	pthread_mutex_lock(&ff_mu);
	for (size_t i = 0; i < KR_ARRAY_LEN(ff_cache) && ff_cache[i].html; i++) {
		if (strcmp(ff_cache[i].lang, r->lang) == 0) {
			struct trusted_html t = {.html = ff_cache[i].html, .len = ff_cache[i].len};
			html_trusted(&r->out, &t);
			hit = true;
			break;
		}
	}
	pthread_mutex_unlock(&ff_mu);
	return hit;
}

static void ff_keep(const char *lang, const char *html, size_t len)
{
	if (strlen(lang) >= sizeof ff_cache[0].lang)
		return;
	pthread_mutex_lock(&ff_mu);
	size_t i = 0;
	while (i < KR_ARRAY_LEN(ff_cache) && ff_cache[i].html && strcmp(ff_cache[i].lang, lang) != 0)
		i++;
	if (i < KR_ARRAY_LEN(ff_cache) && !ff_cache[i].html) {
		char *copy = malloc(len + 1);
		if (copy) {
			memcpy(copy, html, len);
			copy[len] = 0;
			strcpy(ff_cache[i].lang, lang);
			ff_cache[i].len = len;
			ff_cache[i].html = copy; /* kept for the life of the process */
		}
	}
	pthread_mutex_unlock(&ff_mu);
}

/* The sort, filter and date-range form above a list. */
static void filter_form(struct request *r, const char *action, struct request *q)
{
	html_printf(&r->out, "<form class=\"filters\" method=\"get\" action=\"%s\" role=\"search\">", action);
	bool plain = r->lang != NULL;
	for (size_t i = 0; i < KR_ARRAY_LEN(filter_keys) && plain; i++)
		plain = opt_q(q, filter_keys[i]) == NULL;
	if (plain && ff_replay(r))
		return;
	size_t start = r->out.len;
	filter_fields(r, q);
	if (plain && r->out.p)
		ff_keep(r->lang, r->out.p + start, r->out.len - start);
}

/* One topic as a list row: tag, title, TLP, community, organisation,
 * dates and counts. */
static void topic_row(struct request *r, const struct topic *t, bool show_community)
{
	html_printf(&r->out, "<li class=\"topic-row%s\"><div class=\"t-title\">",
		    t->pinned ? " pinned" : "");
	html_tlp(&r->out, tlp_name(t->tlp));
	if (t->must_read)
		html_printf(&r->out, " <span class=\"badge badge-must\">%s</span>",
			    web_t(r, "topics.must_read"));
	html_printf(&r->out, " <a href=\"%s\"><span class=\"tag tag-%s\">%s</span>%s</a></div>"
			     "<div class=\"t-meta\">",
		    url_path(r->a, "/topics/%s", t->public_id), t->tag ? t->tag : "none",
		    web_tag_label(r, t->tag), t->title);
	if (show_community)
		html_printf(&r->out, "<a href=\"%s\">%s</a> &middot; ",
			    url_path(r->a, "/c/%s", t->community),
			    web_org_name(r, t->community_name_ja, t->community_name_en));
	html_printf(&r->out, "%s &middot; %s &middot; %s",
		    web_org_name(r, t->author_org_name_ja, t->author_org_name_en),
		    web_category_label(r, t->category), web_time(r, t->created_at));
	if (t->edited_at)
		html_printf(&r->out, " <span class=\"updated\">%s</span>",
			    updated_marker(r, t->edited_at));
	html_printf(&r->out,
		    "</div><div class=\"t-counts\"><span title=\"%s\">%s %lld</span> "
		    "<span title=\"%s\">%s %lld</span> <span title=\"%s\">%s %lld</span></div></li>",
		    web_t(r, "topics.views"), web_t(r, "topics.views"), (long long)t->views,
		    web_t(r, "topics.likes"), web_t(r, "topics.likes"), (long long)t->likes,
		    web_t(r, "topics.comments"), web_t(r, "topics.comments"), (long long)t->comments);
}

void web_topic_items(struct request *r, const struct topic *items, size_t n, bool show_community)
{
	if (!n) {
		html_printf(&r->out, "<p class=\"range\">%s</p>", web_t(r, "list.none"));
		return;
	}
	html_raw(&r->out, "<ul class=\"topics\">");
	for (size_t i = 0; i < n; i++)
		topic_row(r, &items[i], show_community);
	html_raw(&r->out, "</ul>");
}

/* Rendered list rows, reused while topic_list serves the same page from
 * its cache (pg->cache_key and cache_version name the page exactly, see
 * src/core/topic.c) for a viewer with the same language and time offset:
 * the rows depend on nothing else.  The stored markup is what topic_row
 * wrote through the escaping helpers, replayed byte for byte.  At most
 * BYTE_CACHE_SLOTS entries, replaced by hash; a minute at most. */
static struct byte_cache rows_cache = BYTE_CACHE_INIT(60000);

static void topic_items_cached(struct request *r, const struct topic_page *pg, bool show_community)
{
	if (!pg->cache_key) {
		web_topic_items(r, pg->items, pg->n, show_community);
		return;
	}
	const char *key = arena_printf(r->a, "%s|%s|%d|%d|%s", pg->cache_version, r->lang, web_tz_offset(r),
				       show_community ? 1 : 0, pg->cache_key);
	if (byte_cache_append(&rows_cache, key, strlen(key), now_ms(), &r->out))
		return;
	size_t start = r->out.len;
	web_topic_items(r, pg->items, pg->n, show_community);
	if (r->out.p)
		byte_cache_put(&rows_cache, key, strlen(key), r->out.p + start, r->out.len - start, now_ms());
}

/* Pager without a `from` parameter (that name is the date filter here);
 * core tells the position of the first row. */
static void pager(struct request *r, const char *next_cursor)
{
	static const char *const drop[] = {"cursor", NULL};
	html_raw(&r->out, "<nav class=\"pager\">");
	if (req_query(r, "cursor"))
		html_printf(&r->out, "<a href=\"%s\">%s</a> ",
			    web_self_with(r, drop, NULL, NULL, NULL, NULL), web_t(r, "list.first"));
	if (next_cursor)
		html_printf(&r->out, "<a rel=\"next\" href=\"%s\">%s</a>",
			    web_self_with(r, drop, "cursor", next_cursor, NULL, NULL),
			    web_t(r, "list.next"));
	html_raw(&r->out, "</nav>");
}

/* The list section shared by /c/{} and /topics: filters, range, rows,
 * pager and the CSV link.  f was filled by web_topic_filter. */
static void list_section(struct request *r, const char *action, const char *csv,
			 const struct topic_page *pg, bool show_community)
{
	filter_form(r, action, r);
	html_raw(&r->out, "<div class=\"list-head\">");
	web_range_more(r, pg->total, pg->total_more, pg->first ? pg->first : 1, pg->n);
	if (pg->newest_first)
		html_printf(&r->out, "<p class=\"muted\">%s</p>", web_t(r, "search.newest_first"));
	static const char *const drop[] = {"cursor", NULL};
	const char *q = web_self_with(r, drop, NULL, NULL, NULL, NULL);
	const char *qs = strchr(q, '?');
	html_printf(&r->out, "<a class=\"button small\" href=\"%s%s\" download>%s</a></div>", csv,
		    qs ? qs : "", web_t(r, "topics.export_csv"));
	if (pg->n)
		topic_items_cached(r, pg, show_community);
	pager(r, pg->next_cursor);
}

int web_topics(struct request *r)
{
	struct topic_filter f;
	if (web_topic_filter(r, &f))
		return r->status;
	struct topic_page pg;
	if (list_or_fail(r, &f, &pg))
		return r->status;
	page_begin(r, "topics.list_title");
	html_printf(&r->out, "<h1>%s</h1><p class=\"hint\">%s</p>", web_t(r, "topics.list_title"),
		    web_t(r, "topics.list_help"));
	list_section(r, "/topics", "/topics/export.csv", &pg, true);
	return page_end(r);
}

/* The topic list of one community (the body of /c/{}). */
int web_community_topics(struct request *r, const char *slug)
{
	struct topic_filter f;
	if (web_topic_filter(r, &f))
		return r->status;
	f.community = slug;
	struct topic_page pg;
	if (list_or_fail(r, &f, &pg))
		return r->status;
	list_section(r, url_path(r->a, "/c/%s", slug), url_path(r->a, "/c/%s/export.csv", slug), &pg,
		     false);
	return 0;
}

/* ---- CSV export (R7.3) ------------------------------------------------ */

/* One RFC 4180 cell; a cell that a spreadsheet would read as a formula
 * (= + - @ tab CR at the start) gets a leading quote. */
static void csv_cell(struct buf *b, const char *s, bool last)
{
	s = s ? s : "";
	buf_addc(b, '"');
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')
		buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
	buf_adds(b, last ? "\r\n" : ",");
}

static void csv_num(struct buf *b, int64_t n, bool last)
{
	char s[24];
	snprintf(s, sizeof s, "%lld", (long long)n);
	csv_cell(b, s, last);
}

static int export_csv(struct request *r, const char *slug)
{
	struct topic_filter f;
	if (web_topic_filter(r, &f))
		return r->status;
	f.community = slug;
	f.limit = CSV_PAGE;
	f.cursor = NULL; /* the whole list, not the page on screen */
	static const char *const cols[] = {
		"topics.col_id", "field.title_topic", "field.tag", "field.category", "topics.col_tlp",
		"topics.col_community", "field.org_name", "topics.col_author", "topics.col_created",
		"topics.col_updated", "topics.views", "topics.likes", "topics.comments", "topics.col_url"};
	struct buf *b = &r->out;
	buf_reset(b);
	buf_adds(b, "\xEF\xBB\xBF"); /* BOM: Excel reads UTF-8 */
	for (size_t i = 0; i < KR_ARRAY_LEN(cols); i++)
		csv_cell(b, web_t(r, cols[i]), i + 1 == KR_ARRAY_LEN(cols));
	const char *origin = web_origin(r);
	for (;;) {
		struct topic_page pg;
		if (list_or_fail(r, &f, &pg))
			return r->status;
		for (size_t i = 0; i < pg.n; i++) {
			const struct topic *t = &pg.items[i];
			if (t->tlp == TLP_RED)
				continue; /* R5.3: RED is never exported */
			csv_cell(b, t->public_id, false);
			csv_cell(b, t->title, false);
			csv_cell(b, web_tag_label(r, t->tag), false);
			csv_cell(b, web_category_label(r, t->category), false);
			csv_cell(b, tlp_label(t->tlp), false);
			csv_cell(b, web_org_name(r, t->community_name_ja, t->community_name_en), false);
			csv_cell(b, web_org_name(r, t->author_org_name_ja, t->author_org_name_en), false);
			csv_cell(b, t->author_name, false);
			csv_cell(b, web_time(r, t->created_at), false);
			csv_cell(b, web_time(r, t->edited_at), false);
			csv_num(b, t->views, false);
			csv_num(b, t->likes, false);
			csv_num(b, t->comments, false);
			csv_cell(b, arena_printf(r->a, "%s%s", origin,
						 url_path(r->a, "/topics/%s", t->public_id)),
				 true);
		}
		if (!pg.next_cursor)
			break;
		f.cursor = pg.next_cursor;
	}
	resp_header(r, "Content-Disposition",
		    slug ? arena_printf(r->a, "attachment; filename=\"topics-%s.csv\"",
					url_encode(r->a, slug))
			 : "attachment; filename=\"topics.csv\"");
	resp_header(r, "Cache-Control", "no-store");
	r->out_ctype = "text/csv; charset=utf-8";
	r->status = 200;
	return 200;
}

int web_topics_export(struct request *r) { return export_csv(r, NULL); }

int web_community_export(struct request *r)
{
	struct community cm;
	int rc = community_get(&r->ctx, r->params[0], &cm);
	if (rc == KR_OK && !cm.member)
		rc = KR_ENOTFOUND;
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return export_csv(r, cm.slug);
}

/* ---- create and edit ---------------------------------------------------- */

/* Non-empty lines of a textarea (org slugs, logins). */
static const char *const *lines(struct request *r, const char *text, size_t *n)
{
	*n = 0;
	size_t cap = 1;
	for (const char *p = text; *p; p++)
		cap += *p == '\n' || *p == ',' || *p == ' ';
	const char **out = arena_alloc(r->a, sizeof(char *) * cap);
	char *s = arena_strdup(r->a, text);
	for (char *tok = strtok(s, "\r\n, \t"); tok; tok = strtok(NULL, "\r\n, \t"))
		if (*n < cap)
			out[(*n)++] = tok;
	return out;
}

struct topic_form {
	struct topic_input in;
	const char *scope_orgs_text, *scope_people_text;
};

static void form_from_request(struct request *r, struct topic_form *tf)
{
	memset(tf, 0, sizeof *tf);
	struct topic_input *in = &tf->in;
	in->title = web_field(r, "title");
	in->tag = web_field(r, "tag");
	in->audience = web_field(r, "audience");
	in->category = web_field(r, "category");
	in->tlp = web_field(r, "tlp");
	const char *body = req_form(r, "body");
	in->body = body ? body : "";
	in->scope = web_field(r, "scope");
	if (str_empty(in->scope))
		in->scope = "community";
	tf->scope_orgs_text = web_field(r, "scope_orgs");
	tf->scope_people_text = web_field(r, "scope_people");
	if (str_eq(in->scope, "manual")) {
		in->scope_orgs = lines(r, tf->scope_orgs_text, &in->n_scope_orgs);
		in->scope_people = lines(r, tf->scope_people_text, &in->n_scope_people);
	}
	in->must_read = str_eq(req_form(r, "must_read"), "1");
	in->pinned = str_eq(req_form(r, "pinned"), "1");
}

static void radio(struct request *r, const char *name, const char *val, const char *label,
		  const char *help, bool on)
{
	html_printf(&r->out,
		    "<label class=\"choice\"><input type=\"radio\" name=\"%s\" value=\"%s\"%s> "
		    "<span>%s</span>",
		    name, val, on ? " checked" : "", label);
	if (help)
		html_printf(&r->out, "<small>%s</small>", help);
	html_raw(&r->out, "</label>");
}

static void check(struct request *r, const char *name, const char *label_key, bool on)
{
	html_printf(&r->out,
		    "<div class=\"field check\"><input id=\"f-%s\" name=\"%s\" type=\"checkbox\" "
		    "value=\"1\"%s><label for=\"f-%s\">%s</label></div>",
		    name, name, on ? " checked" : "", name, web_t(r, label_key));
}

/* The form for a new topic (cm set) or an edit (t set). */
static int topic_form_page(struct request *r, const struct community *cm, const struct topic *t,
			   const struct topic_form *tf, const char *err_key, const char *bad, int status)
{
	const struct topic_input *in = &tf->in;
	bool is_new = t == NULL;
	page_begin(r, is_new ? "topics.new" : "topics.edit");
	if (is_new)
		html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/communities\">%s</a> / <a href=\"%s\">%s</a></p>"
				     "<h1>%s</h1>",
			    web_t(r, "comm.title"), url_path(r->a, "/c/%s", cm->slug),
			    web_org_name(r, cm->name_ja, cm->name_en), web_t(r, "topics.new"));
	else
		html_printf(&r->out, "<p class=\"crumbs\"><a href=\"%s\">%s</a></p><h1>%s</h1>",
			    url_path(r->a, "/topics/%s", t->public_id), t->title, web_t(r, "topics.edit"));
	html_raw(&r->out, "<section class=\"card form-wide\">");
	if (err_key)
		web_form_error(r, err_key, str_eq(bad, "title") ? "field.title_topic" : bad);
	if (!is_new && t->must_read)
		html_printf(&r->out, "<p class=\"alert alert-info\">%s</p>", web_t(r, "topics.reconfirm_note"));
	html_printf(&r->out, "<form method=\"post\" action=\"%s\" enctype=\"multipart/form-data\">",
		    is_new ? url_path(r->a, "/c/%s/new", cm->slug)
			   : url_path(r->a, "/topics/%s/edit", t->public_id));
	web_csrf(r);
	web_input(r, "title", "field.title_topic", "text", in->title, true);
	html_raw(&r->out, "<div class=\"grid3\">");
	select_tag(r, "tag", in->tag, "tag.none");
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-audience\">%s</label>"
			     "<select id=\"f-audience\" name=\"audience\">",
		    web_t(r, "field.audience"));
	select_opt(r, "professional", web_t(r, "aud.professional"), in->audience ? in->audience : "professional");
	select_opt(r, "general", web_t(r, "aud.general"), in->audience ? in->audience : "professional");
	html_raw(&r->out, "</select></div>");
	select_category(r, "category", in->category, NULL);
	html_raw(&r->out, "</div>");

	html_printf(&r->out, "<fieldset class=\"tlp-pick\"><legend>%s *</legend>", web_t(r, "field.tlp"));
	enum tlp cur = TLP_AMBER;
	if (!str_empty(in->tlp) && tlp_parse(in->tlp, &cur))
		cur = TLP_AMBER;
	for (size_t i = 0; i < KR_ARRAY_LEN(all_tlps); i++) {
		const char *name = tlp_name(all_tlps[i]);
		html_printf(&r->out, "<label class=\"choice\"><input type=\"radio\" name=\"tlp\" value=\"%s\"%s> ",
			    name, all_tlps[i] == cur ? " checked" : "");
		html_tlp(&r->out, name);
		html_printf(&r->out, "<small>%s</small></label>",
			    web_t(r, arena_printf(r->a, "tlp.help.%d", (int)all_tlps[i])));
	}
	html_raw(&r->out, "</fieldset>");

	if (is_new) {
		bool manual = str_eq(in->scope, "manual");
		html_printf(&r->out, "<fieldset><legend>%s</legend>", web_t(r, "field.scope"));
		radio(r, "scope", "community", web_t(r, "scope.community"), NULL, !manual);
		radio(r, "scope", "manual", web_t(r, "scope.manual"), web_t(r, "scope.manual_help"), manual);
		html_printf(&r->out,
			    "<div class=\"grid2 tight\"><div class=\"field\"><label for=\"f-scope_orgs\">%s</label>"
			    "<textarea id=\"f-scope_orgs\" name=\"scope_orgs\" rows=\"3\">%s</textarea></div>"
			    "<div class=\"field\"><label for=\"f-scope_people\">%s</label>"
			    "<textarea id=\"f-scope_people\" name=\"scope_people\" rows=\"3\">%s</textarea></div></div>"
			    "</fieldset>",
			    web_t(r, "scope.orgs"), tf->scope_orgs_text ? tf->scope_orgs_text : "",
			    web_t(r, "scope.people"), tf->scope_people_text ? tf->scope_people_text : "");
	}
	if (web_is_coord(r))
		check(r, "must_read", "field.must_read", in->must_read);
	if ((is_new && cm->moderator) || (!is_new && t->can_moderate))
		check(r, "pinned", "field.pinned", in->pinned);
	html_printf(&r->out,
		    "<div class=\"field\"><label for=\"f-body\">%s</label>"
		    "<textarea id=\"f-body\" name=\"body\" rows=\"12\">%s</textarea>"
		    "<p class=\"hint\">%s</p></div>",
		    web_t(r, "field.body"), in->body ? in->body : "", web_t(r, "topics.body_help"));
	if (is_new)
		html_printf(&r->out,
			    "<div class=\"field\"><label for=\"f-file\">%s</label>"
			    "<input id=\"f-file\" name=\"file\" type=\"file\"><p class=\"hint\">%s</p></div>",
			    web_t(r, "field.file"), web_t(r, "topics.file_help"));
	html_printf(&r->out, "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    web_t(r, is_new ? "topics.post" : "form.save"));
	return page_end_status(r, status);
}

/* A community the viewer may post in, or the failure already set. */
static int postable(struct request *r, struct community *cm)
{
	int rc = community_get(&r->ctx, r->params[0], cm);
	if (rc == KR_OK && !cm->member)
		rc = KR_ENOTFOUND;
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	if (!cm->can_post)
		return req_fail(r, 403, "err.forbidden");
	return 0;
}

int web_topic_new_get(struct request *r)
{
	struct community cm;
	if (postable(r, &cm))
		return r->status;
	struct topic_form tf;
	memset(&tf, 0, sizeof tf);
	tf.in.scope = "community";
	return topic_form_page(r, &cm, NULL, &tf, NULL, NULL, 200);
}

/* Status for a refused form: a value no form control can produce (a
 * forged select or radio) is a bad request; a text the person typed is
 * 422; text over the size limit is 413. */
static int form_status(int rc, const char *bad, const struct topic_input *in)
{
	if (rc == KR_EINVAL && bad &&
	    (str_eq(bad, "tlp") || str_eq(bad, "category") || str_eq(bad, "tag") ||
	     str_eq(bad, "audience")))
		return 400;
	if (rc == KR_EINVAL && str_eq(bad, "body") && in->body &&
	    utf8_len(in->body, strlen(in->body)) > TOPIC_BODY_MAX)
		return 413;
	if (rc == KR_EINVAL && str_eq(bad, "title") && in->title &&
	    utf8_len(in->title, strlen(in->title)) > TOPIC_TITLE_MAX)
		return 413;
	return web_status_for(rc);
}

int web_topic_new_post(struct request *r)
{
	struct community cm;
	if (postable(r, &cm))
		return r->status;
	struct topic_form tf;
	form_from_request(r, &tf);
	tf.in.community = cm.slug;
	/* The file is checked before anything is stored, so a refused file
	 * leaves no topic behind. */
	const struct kv *file = req_file(r, "file");
	if (file && file->len == 0 && str_empty(file->filename))
		file = NULL;
	if (file && (file->len == 0 || str_empty(file->filename)))
		return topic_form_page(r, &cm, NULL, &tf, "err.invalid_field", "file", 422);
	if (file && file->len > ATTACHMENT_MAX)
		return topic_form_page(r, &cm, NULL, &tf, "err.too_big", "file", 413);
	const char *pid = NULL, *bad = NULL;
	int rc = topic_create(&r->ctx, &tf.in, &pid, &bad);
	if (rc != KR_OK) {
		int st = form_status(rc, bad, &tf.in);
		return topic_form_page(r, &cm, NULL, &tf, st == 413 ? "err.too_big" : web_rc_key(rc), bad, st);
	}
	if (file) {
		const char *apid = NULL;
		rc = attachment_add(&r->ctx, pid, 0, file->filename, file->ctype, file->val, file->len,
				    &apid, &bad);
		if (rc != KR_OK)
			return web_redirect_flash(r, url_path(r->a, "/topics/%s", pid),
						  "flash.attachment_failed");
	}
	return web_redirect_flash(r, url_path(r->a, "/topics/%s", pid), "flash.topic_created");
}

static int load_topic(struct request *r, struct topic *t)
{
	int rc = topic_get(&r->ctx, r->params[0], t);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return 0;
}

int web_topic_edit_get(struct request *r)
{
	struct topic t;
	if (load_topic(r, &t))
		return r->status;
	if (!t.can_edit)
		return req_fail(r, 403, "err.forbidden");
	struct topic_form tf;
	memset(&tf, 0, sizeof tf);
	tf.in.title = t.title;
	tf.in.tag = t.tag;
	tf.in.audience = t.audience;
	tf.in.category = t.category;
	tf.in.tlp = tlp_name(t.tlp);
	tf.in.body = t.body;
	tf.in.must_read = t.must_read;
	tf.in.pinned = t.pinned;
	return topic_form_page(r, NULL, &t, &tf, NULL, NULL, 200);
}

int web_topic_edit_post(struct request *r)
{
	struct topic t;
	if (load_topic(r, &t))
		return r->status;
	if (!t.can_edit)
		return req_fail(r, 403, "err.forbidden");
	struct topic_form tf;
	form_from_request(r, &tf);
	/* The checkboxes are only on the form for those allowed to change
	 * them; for the others the stored value stands. */
	if (!web_is_coord(r))
		tf.in.must_read = t.must_read;
	if (!t.can_moderate)
		tf.in.pinned = t.pinned;
	const char *bad = NULL;
	bool reconfirm = false;
	int rc = topic_edit(&r->ctx, t.public_id, &tf.in, &bad, &reconfirm);
	if (rc != KR_OK) {
		int st = form_status(rc, bad, &tf.in);
		return topic_form_page(r, NULL, &t, &tf, st == 413 ? "err.too_big" : web_rc_key(rc), bad, st);
	}
	return web_redirect_flash(r, url_path(r->a, "/topics/%s", t.public_id),
				  reconfirm ? "flash.topic_saved_reconfirm" : "flash.saved");
}

/* ---- the topic page ----------------------------------------------------- */

static void post_button(struct request *r, const char *action, const char *label, const char *cls,
			const char *confirm_key)
{
	if (confirm_key)
		html_printf(&r->out, "<form method=\"post\" action=\"%s\" class=\"inline-btn\" data-confirm=\"%s\">",
			    action, web_t(r, confirm_key));
	else
		html_printf(&r->out, "<form method=\"post\" action=\"%s\" class=\"inline-btn\">", action);
	web_csrf(r);
	html_printf(&r->out, "<button type=\"submit\" class=\"%s\">%s</button></form>", cls, label);
}

static void read_status_section(struct request *r, const struct topic *t)
{
	struct read_status *rs = NULL;
	size_t n = 0;
	if (topic_read_status(&r->ctx, t->public_id, &rs, &n) != KR_OK || n == 0)
		return;
	html_printf(&r->out, "<section class=\"card\" id=\"read-status\"><h2>%s</h2><ul class=\"read-status\">",
		    web_t(r, "topics.read_status"));
	for (size_t i = 0; i < n; i++)
		html_printf(&r->out, "<li><span>%s</span> <strong%s>%lld / %lld</strong></li>",
			    web_org_name(r, rs[i].org_name_ja, rs[i].org_name_en),
			    rs[i].confirmed >= rs[i].total ? " class=\"done\"" : "",
			    (long long)rs[i].confirmed, (long long)rs[i].total);
	html_raw(&r->out, "</ul></section>");
}

static void comments_section(struct request *r, const struct topic *t)
{
	struct comment *cs = NULL;
	size_t n = 0;
	if (comment_list_loaded(&r->ctx, t, &cs, &n) != KR_OK)
		n = 0;
	html_printf(&r->out, "<section id=\"comments\"><h2>%s (%lld)</h2>", web_t(r, "topics.comments"),
		    (long long)t->comments);
	html_raw(&r->out, "<ol class=\"comments\">");
	for (size_t i = 0; i < n; i++) {
		const struct comment *c = &cs[i];
		html_printf(&r->out, "<li class=\"comment\" id=\"comment-%lld\"><p class=\"c-meta\"><strong>%s</strong> "
				     "<span>%s</span> &middot; <time>%s</time></p>",
			    (long long)c->id, c->deleted ? "" : c->author_name,
			    c->deleted ? "" : web_org_name(r, c->author_org_name_ja, c->author_org_name_en),
			    web_time(r, c->created_at));
		if (c->deleted) {
			html_printf(&r->out, "<p class=\"muted\">%s</p></li>", web_t(r, "topics.comment_deleted"));
			continue;
		}
		render_body(r, c->body);
		if (c->can_delete)
			post_button(r, arena_printf(r->a, "/comments/%lld/delete?next=%s", (long long)c->id,
						    url_path(r->a, "/topics/%s", t->public_id)),
				    web_t(r, "form.delete"), "small danger", "topics.comment_delete_confirm");
		html_raw(&r->out, "</li>");
	}
	html_raw(&r->out, "</ol>");
	html_printf(&r->out, "<form method=\"post\" action=\"%s\" class=\"comment-form\">",
		    url_path(r->a, "/topics/%s/comments", t->public_id));
	web_csrf(r);
	html_printf(&r->out,
		    "<div class=\"field\"><label for=\"f-comment\">%s</label>"
		    "<textarea id=\"f-comment\" name=\"body\" rows=\"4\" required></textarea></div>"
		    "<button type=\"submit\" class=\"primary\">%s</button></form></section>",
		    web_t(r, "topics.add_comment"), web_t(r, "topics.post_comment"));
}

static void share_section(struct request *r, const struct topic *t)
{
	if ((t->tlp != TLP_GREEN && t->tlp != TLP_CLEAR) || str_eq(t->scope, "manual"))
		return;
	/* Most readers moderate nothing but (at most) the topic's own
	 * community: one cheap read spares them the list of their communities
	 * with a membership check each. */
	if (!topic_may_share_elsewhere(&r->ctx, t))
		return;
	struct community *ms = NULL;
	size_t n = 0;
	if (community_list_mine(&r->ctx, &ms, &n) != KR_OK)
		return;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ms[i].moderator && !str_eq(ms[i].slug, t->community);
	if (!k)
		return;
	html_printf(&r->out, "<details class=\"card share\"><summary>%s</summary><p class=\"hint\">%s</p>"
			     "<form method=\"post\" action=\"%s\" class=\"inline\">",
		    web_t(r, "topics.share"), web_t(r, "topics.share_help"),
		    url_path(r->a, "/topics/%s/share", t->public_id));
	web_csrf(r);
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-community\">%s</label>"
			     "<select id=\"f-community\" name=\"community\">",
		    web_t(r, "topics.col_community"));
	for (size_t i = 0; i < n; i++)
		if (ms[i].moderator && !str_eq(ms[i].slug, t->community))
			select_opt(r, ms[i].slug, web_org_name(r, ms[i].name_ja, ms[i].name_en), NULL);
	html_printf(&r->out, "</select></div><button type=\"submit\">%s</button></form></details>",
		    web_t(r, "topics.share_submit"));
}

int web_topic_page(struct request *r)
{
	struct topic t;
	if (load_topic(r, &t))
		return r->status;
	/* Counted in memory and written in batches; the count shown includes
	 * this view. */
	if (topic_record_view(&r->ctx, t.id) == KR_OK)
		t.views++;
	page_begin(r, t.title);
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"%s\">%s</a></p><article class=\"topic\">"
			     "<header class=\"topic-head\"><div class=\"badges\">",
		    url_path(r->a, "/c/%s", t.community),
		    web_org_name(r, t.community_name_ja, t.community_name_en));
	html_tlp(&r->out, tlp_name(t.tlp));
	if (t.must_read)
		html_printf(&r->out, " <span class=\"badge badge-must\">%s</span>", web_t(r, "topics.must_read"));
	if (t.pinned)
		html_printf(&r->out, " <span class=\"badge\">%s</span>", web_t(r, "topics.pinned"));
	html_printf(&r->out, " <span class=\"badge badge-muted\">%s</span> <span class=\"badge badge-muted\">%s</span>",
		    web_category_label(r, t.category),
		    web_t(r, str_eq(t.audience, "general") ? "aud.general" : "aud.professional"));
	html_printf(&r->out, "</div><h1><span class=\"tag tag-%s\">%s</span>%s</h1>",
		    t.tag ? t.tag : "none", web_tag_label(r, t.tag), t.title);
	static const char *const by[] = {"person", "org"};
	const char *const by_vals[] = {t.author_name,
				       web_org_name(r, t.author_org_name_ja, t.author_org_name_en)};
	html_printf(&r->out, "<p class=\"t-meta\"><code>%s</code> &middot; %s &middot; <time>%s</time>",
		    t.public_id, web_tf(r, "topics.author_of_org", by, by_vals, 2), web_time(r, t.created_at));
	if (t.edited_at)
		html_printf(&r->out, " <span class=\"updated\" title=\"%s\">%s</span>", web_time(r, t.edited_at),
			    updated_marker(r, t.edited_at));
	if (str_eq(t.scope, "manual"))
		html_printf(&r->out, " &middot; <span class=\"badge badge-muted\">%s</span>", web_t(r, "scope.manual"));
	html_printf(&r->out,
		    "</p><ul class=\"counts\"><li>%s <strong>%lld</strong></li><li>%s <strong>%lld</strong></li>"
		    "<li>%s <strong id=\"like-count\">%lld</strong></li><li>%s <strong>%lld</strong></li></ul></header>",
		    web_t(r, "topics.views"), (long long)t.views, web_t(r, "topics.readers"), (long long)t.readers,
		    web_t(r, "topics.likes"), (long long)t.likes, web_t(r, "topics.comments"), (long long)t.comments);
	if (t.must_read && !t.confirmed)
		html_printf(&r->out, "<p class=\"alert alert-info\">%s</p>", web_t(r, "topics.must_read_help"));
	render_body(r, t.body);

	struct attachment *att = NULL;
	size_t na = 0;
	if (attachment_list_loaded(&r->ctx, &t, &att, &na) == KR_OK && na) {
		html_printf(&r->out, "<section class=\"attachments\"><h2>%s</h2><ul>", web_t(r, "topics.attachments"));
		for (size_t i = 0; i < na; i++)
			html_printf(&r->out, "<li><a href=\"%s\" download>%s</a> <span class=\"muted\">%lld B &middot; SHA-256 <code>%.16s…</code></span></li>",
				    url_path(r->a, "/attachments/%s", att[i].public_id), att[i].filename,
				    (long long)att[i].size, att[i].sha256);
		html_raw(&r->out, "</ul></section>");
	}

	html_raw(&r->out, "<div class=\"topic-actions\">");
	post_button(r, url_path(r->a, "/topics/%s/like", t.public_id),
		    web_t(r, t.liked ? "topics.unlike" : "topics.like"), t.liked ? "liked" : "", NULL);
	if (t.must_read) {
		if (t.confirmed)
			html_printf(&r->out, "<span class=\"badge badge-ok\">%s</span>", web_t(r, "topics.confirmed"));
		else
			post_button(r, url_path(r->a, "/topics/%s/confirm", t.public_id), web_t(r, "topics.confirm"),
				    "primary", NULL);
	}
	if (t.can_edit) {
		html_printf(&r->out, "<a class=\"button\" href=\"%s\">%s</a>",
			    url_path(r->a, "/topics/%s/edit", t.public_id), web_t(r, "form.edit"));
		post_button(r, url_path(r->a, "/topics/%s/delete", t.public_id), web_t(r, "form.delete"), "danger",
			    "topics.delete_confirm");
	}
	if (t.version > 1)
		html_printf(&r->out, "<a class=\"button\" href=\"%s\">%s</a>",
			    url_path(r->a, "/topics/%s/history", t.public_id), web_t(r, "topics.history"));
	html_raw(&r->out, "</div></article>");
	if (t.must_read)
		read_status_section(r, &t);
	share_section(r, &t);
	comments_section(r, &t);
	return page_end(r);
}

/* ---- actions ------------------------------------------------------------ */

static int back_to_topic(struct request *r, const char *pid, const char *flash)
{
	return web_redirect_flash(r, url_path(r->a, "/topics/%s", pid), flash);
}

int web_topic_like(struct request *r)
{
	struct topic t;
	if (load_topic(r, &t))
		return r->status;
	int rc = topic_like(&r->ctx, t.public_id, !t.liked);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return back_to_topic(r, t.public_id, NULL);
}

int web_topic_confirm(struct request *r)
{
	int rc = topic_confirm(&r->ctx, r->params[0]);
	if (rc == KR_EINVAL)
		return req_fail(r, 400, "err.bad_request");
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return back_to_topic(r, r->params[0], "flash.confirmed");
}

int web_topic_delete(struct request *r)
{
	struct topic t;
	if (load_topic(r, &t))
		return r->status;
	int rc = topic_delete(&r->ctx, t.public_id);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, url_path(r->a, "/c/%s", t.community), "flash.topic_deleted");
}

int web_topic_share(struct request *r)
{
	const char *to = web_field(r, "community");
	int rc = topic_share(&r->ctx, r->params[0], to);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "community"));
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return back_to_topic(r, r->params[0], "flash.shared");
}

int web_comment_add(struct request *r)
{
	const char *body = req_form(r, "body");
	int64_t id = 0;
	int rc = comment_add(&r->ctx, r->params[0], body ? body : "", &id);
	if (rc == KR_EINVAL) {
		if (body && utf8_len(body, strlen(body)) > TOPIC_BODY_MAX)
			return req_fail(r, 413, "err.too_big");
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, "comment"));
	}
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return resp_redirect(r, arena_printf(r->a, "%s#comment-%lld",
					     url_path(r->a, "/topics/%s", r->params[0]), (long long)id));
}

int web_comment_delete(struct request *r)
{
	int64_t id;
	if (parse_i64(r->params[0], 1, INT64_MAX, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = comment_delete(&r->ctx, id);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	return resp_redirect(r, web_next(r, "/topics"));
}

int web_topic_history(struct request *r)
{
	struct topic t;
	if (load_topic(r, &t))
		return r->status;
	struct topic_version *vs = NULL;
	size_t n = 0;
	int rc = topic_history(&r->ctx, t.public_id, &vs, &n);
	if (rc != KR_OK)
		return req_fail_rc(r, rc);
	page_begin(r, "topics.history");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"%s\">%s</a></p><h1>%s</h1>",
		    url_path(r->a, "/topics/%s", t.public_id), t.title, web_t(r, "topics.history"));
	if (!n)
		html_printf(&r->out, "<p class=\"range\">%s</p>", web_t(r, "list.none"));
	for (size_t i = 0; i < n; i++) {
		html_printf(&r->out, "<section class=\"card version\"><h2>%s %d</h2><p class=\"t-meta\">%s &middot; %s ",
			    web_t(r, "topics.version"), vs[i].version, vs[i].editor ? vs[i].editor : "",
			    web_time(r, vs[i].edited_at));
		html_tlp(&r->out, vs[i].tlp);
		html_printf(&r->out, "</p><h3>%s</h3>", vs[i].title);
		render_body(r, vs[i].body);
		html_raw(&r->out, "</section>");
	}
	return page_end(r);
}
