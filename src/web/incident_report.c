/* incident_report.c - what leaves the consultation desk, in the web UI:
 * the AM/PM upward reports to the higher coordination center (R9.4: the
 * list, the form that picks the flagged cases, the printable report with
 * its CSV and sending log) and the review step of a sanitised
 * lesson-learned topic (R9.5: the case's text before and after, the
 * strings found with a keep/strip choice each, extra terms, publish).
 * Coordinators only: everyone else meets the same 404 as a missing page,
 * so the pages do not even say they exist.  Rules are core's
 * (incident.h); this file only turns forms into calls. */
#include <string.h>

#include "core/community.h"
#include "core/incident.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "web/i18n.h"
#include "web/web.h"

#define CANDIDATES_MAX 100

/* Every value of a repeated form key, in order. */
static const char **form_all(struct request *r, const char *key, size_t max, size_t *n)
{
	const char **v = arena_alloc(r->a, sizeof(char *) * (max + 1));
	*n = 0;
	for (size_t i = 0; i < r->nform; i++)
		if (!r->form[i].filename && str_eq(r->form[i].key, key)) {
			if (*n == max)
				return NULL;
			v[(*n)++] = r->form[i].val;
		}
	return v;
}

static int not_found(struct request *r) { return req_fail(r, 404, "err.not_found"); }

/* ---- upward reports (R9.4) ---- */

int web_upward_reports(struct request *r)
{
	if (!web_is_coord(r))
		return not_found(r);
	struct upward_report *u;
	size_t n;
	int rc = upward_report_list(&r->ctx, &u, &n);
	if (rc)
		return req_fail_rc(r, rc);
	page_begin(r, "ur.title");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/incidents\">%s</a></p><h1>%s</h1><p>%s</p>"
			     "<p><a class=\"button\" href=\"/upward-reports/new\">%s</a></p>",
		    web_t(r, "inc.title"), web_t(r, "ur.title"), web_t(r, "ur.help"), web_t(r, "ur.new"));
	if (!n) {
		html_printf(&r->out, "<p class=\"empty\">%s</p>", web_t(r, "ur.none"));
		return page_end(r);
	}
	html_printf(&r->out,
		    "<div class=\"table-wrap\"><table class=\"list\" id=\"upward-reports\"><thead><tr><th>%s</th>"
		    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		    web_t(r, "ur.f.id"), web_t(r, "ur.f.date"), web_t(r, "ur.f.period"), web_t(r, "ur.f.issued"),
		    web_t(r, "ur.f.by"), web_t(r, "ur.f.sent"));
	for (size_t i = 0; i < n; i++)
		html_printf(&r->out,
			    "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			    "<td>%s %s</td></tr>",
			    url_path(r->a, "/upward-reports/%s", u[i].public_id), u[i].public_id, u[i].report_date,
			    web_t(r, str_eq(u[i].period, "am") ? "ur.am" : "ur.pm"), web_time(r, u[i].created_at),
			    u[i].created_by, u[i].sent_to, web_time(r, u[i].sent_at));
	html_raw(&r->out, "</tbody></table></div>");
	return page_end(r);
}

/* The flagged, visible, non-RED cases a report may carry (newest first,
 * each once): those with event impact, then those publicly visible. */
static int candidates(struct request *r, struct incident **out, size_t *n)
{
	struct incident *all = arena_alloc(r->a, sizeof(*all) * 2 * CANDIDATES_MAX);
	*n = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct incident_filter f;
		memset(&f, 0, sizeof f);
		if (pass == 0)
			f.affects_event = FLAG_SET;
		else
			f.public_visibility = FLAG_SET;
		f.limit = CANDIDATES_MAX;
		struct incident_page pg;
		int rc = incident_list(&r->ctx, &f, &pg);
		if (rc)
			return rc;
		for (size_t i = 0; i < pg.n; i++) {
			bool dup = false;
			for (size_t j = 0; j < *n && !dup; j++)
				dup = all[j].id == pg.items[i].id;
			if (!dup && pg.items[i].tlp != TLP_RED)
				all[(*n)++] = pg.items[i];
		}
	}
	*out = all;
	return KR_OK;
}

static bool chosen(const char *const *sel, size_t nsel, const char *id)
{
	for (size_t i = 0; i < nsel; i++)
		if (str_eq(sel[i], id))
			return true;
	return false;
}

/* The form.  sel NULL: pre-select what core would pick by default (open,
 * or updated in the last 24 hours); else the ticks the person sent. */
static int upward_form(struct request *r, const char *err_key, const char *bad, int status,
		       const char *const *sel, size_t nsel)
{
	struct incident *ks;
	size_t nk;
	int rc = candidates(r, &ks, &nk);
	if (rc)
		return req_fail_rc(r, rc);
	const char *period = web_field(r, "period");
	const char *date = web_field(r, "date");
	char today[24];
	int64_t local = r->ctx.now + 540LL * 60000;   /* the report's day and half-day are JST */
	if (!*date) {
		time_format(r->ctx.now, 540, today, sizeof today);
		today[10] = 0;
		date = today;
	}
	if (!*period)
		period = (local / 3600000) % 24 < 12 ? "am" : "pm";
	page_begin(r, "ur.new");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/upward-reports\">%s</a></p><h1>%s</h1><p>%s</p>",
		    web_t(r, "ur.title"), web_t(r, "ur.new"), web_t(r, "ur.new_help"));
	if (err_key)
		web_form_error(r, err_key, bad);
	html_raw(&r->out, "<form method=\"post\" action=\"/upward-reports/new\" id=\"upward-form\">");
	web_csrf(r);
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-period\">%s</label><select id=\"f-period\" name=\"period\">"
			     "<option value=\"am\"%s>%s</option><option value=\"pm\"%s>%s</option></select></div>",
		    web_t(r, "ur.f.period"), str_eq(period, "am") ? " selected" : "", web_t(r, "ur.am"),
		    str_eq(period, "pm") ? " selected" : "", web_t(r, "ur.pm"));
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-date\">%s</label>"
			     "<input id=\"f-date\" name=\"date\" type=\"date\" value=\"%s\" required></div>",
		    web_t(r, "ur.f.date"), date);
	html_printf(&r->out, "<fieldset id=\"candidates\"><legend>%s</legend>", web_t(r, "ur.f.cases"));
	if (!nk)
		html_printf(&r->out, "<p class=\"empty\">%s</p>", web_t(r, "ur.no_candidates"));
	for (size_t i = 0; i < nk; i++) {
		const struct incident *k = &ks[i];
		bool on = sel ? chosen(sel, nsel, k->public_id)
			      : (!str_eq(k->state, "resolved") && !str_eq(k->state, "closed")) ||
					k->updated_at >= r->ctx.now - 86400000LL;
		html_printf(&r->out,
			    "<div class=\"field check\"><input id=\"c-%s\" name=\"case\" type=\"checkbox\" value=\"%s\"%s>"
			    "<label for=\"c-%s\">%s ",
			    k->public_id, k->public_id, on ? " checked" : "", k->public_id, k->public_id);
		html_tlp(&r->out, tlp_name(k->tlp));
		html_printf(&r->out, " %s <small>%s%s%s</small></label></div>", k->title,
			    k->affects_event ? web_t(r, "inc.f.affects_event") : "",
			    k->affects_event && k->public_visibility ? " / " : "",
			    k->public_visibility ? web_t(r, "inc.f.public") : "");
	}
	html_printf(&r->out, "<p><small>%s</small></p></fieldset><button type=\"submit\">%s</button></form>",
		    web_t(r, "ur.none_ticked"), web_t(r, "ur.issue"));
	return page_end_status(r, status);
}

int web_upward_new_get(struct request *r)
{
	if (!web_is_coord(r))
		return not_found(r);
	return upward_form(r, NULL, NULL, 200, NULL, 0);
}

int web_upward_new_post(struct request *r)
{
	if (!web_is_coord(r))
		return not_found(r);
	size_t n;
	const char **cases = form_all(r, "case", 200, &n);
	if (!cases)
		return upward_form(r, "err.invalid_field", "cases", 422, NULL, 0);
	const char *pid = NULL, *bad = NULL;
	int rc = upward_report_create(&r->ctx, web_field(r, "period"), web_field(r, "date"), cases, n, &pid, &bad);
	if (rc == KR_EINVAL)
		return upward_form(r, "err.invalid_field", bad, 422, cases, n);
	if (rc)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, url_path(r->a, "/upward-reports/%s", pid), "flash.upward_issued");
}

/* One record of the report's CSV as issued (RFC 4180 quoting, CRLF);
 * *p moves past it.  Fields live in the arena. */
static size_t csv_record(struct arena *a, const char **p, const char **f, size_t max)
{
	size_t n = 0;
	const char *s = *p;
	struct buf b = BUF_INIT;
	while (*s && n < max) {
		buf_reset(&b);
		if (*s == '"') {
			for (s++; *s; s++) {
				if (*s == '"' && s[1] == '"')
					buf_addc(&b, *s++);
				else if (*s == '"')
					break;
				else
					buf_addc(&b, *s);
			}
			if (*s == '"')
				s++;
		} else {
			while (*s && *s != ',' && *s != '\r' && *s != '\n')
				buf_addc(&b, *s++);
		}
		f[n++] = arena_strdup(a, b.p ? b.p : "");
		if (*s == ',') {
			s++;
			continue;
		}
		while (*s == '\r' || *s == '\n')
			s++;
		break;
	}
	buf_free(&b);
	*p = s;
	return n;
}

/* The report as issued, as a document of its own: no site navigation,
 * its headings in both languages whatever the issuer's (it goes to the
 * higher center as it is; the words are the catalogue's),
 * a stylesheet made for paper; the screen-only parts (back, CSV, the
 * sending form) are hidden when printed. */
int web_upward_page(struct request *r)
{
	if (!web_is_coord(r))
		return not_found(r);
	struct upward_report u;
	int rc = upward_report_get(&r->ctx, r->params[0], &u);
	struct upward_send *sends = NULL;
	size_t ns = 0;
	if (rc == KR_OK)
		rc = upward_report_sends(&r->ctx, u.public_id, &sends, &ns);
	if (rc)
		return req_fail_rc(r, rc);
	bool am = str_eq(u.period, "am");
	buf_reset(&r->out);
	html_printf(&r->out,
		    "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>%s</title><link rel=\"stylesheet\" href=\"/assets/report.css\">"
		    "<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\"></head><body class=\"report\">",
		    r->lang, u.public_id);
	html_printf(&r->out, "<div class=\"screen-only toolbar\"><a href=\"/upward-reports\">%s</a> "
			     "<a class=\"button\" id=\"csv\" href=\"%s\">%s</a> <span>%s</span></div>",
		    web_t(r, "ur.back"), url_path(r->a, "/upward-reports/%s/csv", u.public_id), web_t(r, "ur.csv"),
		    web_t(r, "ur.print_hint"));
	const char *title = am ? "ur.doc.title_am" : "ur.doc.title_pm";
	html_printf(&r->out, "<main id=\"report\"><h1>%s<br><span lang=\"en\">%s</span></h1>", tr("ja", title),
		    tr("en", title));
	html_printf(&r->out,
		    "<dl class=\"meta\"><dt>%s / %s</dt><dd id=\"report-id\">%s</dd>"
		    "<dt>%s / %s</dt><dd>%s</dd><dt>%s / %s</dt><dd>%s (%s)</dd>"
		    "<dt>%s / %s</dt><dd id=\"case-count\">%zu</dd></dl>",
		    tr("ja", "ur.f.id"), tr("en", "ur.f.id"), u.public_id, tr("ja", "ur.f.date"), tr("en", "ur.f.date"),
		    u.report_date, tr("ja", "ur.f.issued"), tr("en", "ur.f.issued"), web_time(r, u.created_at),
		    u.created_by, tr("ja", "ur.doc.cases"), tr("en", "ur.doc.cases"), u.n_cases);
	const char *p = u.csv ? u.csv : "";
	if (!strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	const char *head[16], *row[16];
	size_t nh = csv_record(r->a, &p, head, 16);
	if (!u.n_cases || !nh) {
		html_printf(&r->out, "<p class=\"empty\">%s / %s</p>", tr("ja", "ur.doc.empty"), tr("en", "ur.doc.empty"));
	} else {
		html_raw(&r->out, "<table class=\"cases\" id=\"report-cases\"><thead><tr>");
		for (size_t i = 0; i < nh; i++)
			html_printf(&r->out, "<th>%s</th>", head[i]);
		html_raw(&r->out, "</tr></thead><tbody>");
		while (*p) {
			size_t nr = csv_record(r->a, &p, row, 16);
			if (!nr)
				break;
			html_raw(&r->out, "<tr>");
			for (size_t i = 0; i < nh; i++)
				html_printf(&r->out, "<td>%s</td>", i < nr ? row[i] : "");
			html_raw(&r->out, "</tr>");
		}
		html_raw(&r->out, "</tbody></table>");
	}
	html_printf(&r->out, "<section id=\"sending\"><h2>%s / %s</h2>", tr("ja", "ur.doc.sending"),
		    tr("en", "ur.doc.sending"));
	if (!ns)
		html_printf(&r->out, "<p class=\"empty\">%s / %s</p>", tr("ja", "ur.doc.not_sent"),
			    tr("en", "ur.doc.not_sent"));
	else
		html_raw(&r->out, "<ul id=\"sends\">");
	for (size_t i = 0; i < ns; i++)
		html_printf(&r->out, "<li>%s → %s (%s)</li>", web_time(r, sends[i].at), sends[i].to, sends[i].by);
	if (ns)
		html_raw(&r->out, "</ul>");
	html_printf(&r->out, "<form class=\"screen-only\" method=\"post\" action=\"%s\" id=\"send-form\">",
		    url_path(r->a, "/upward-reports/%s/send", u.public_id));
	web_csrf(r);
	html_printf(&r->out, "<label for=\"f-to\">%s</label> <input id=\"f-to\" name=\"to\" type=\"text\" required"
			     " maxlength=\"200\"> <button type=\"submit\">%s</button></form></section></main></body></html>\n",
		    web_t(r, "ur.f.to"), web_t(r, "ur.log_send"));
	r->out_ctype = "text/html; charset=utf-8";
	r->status = 200;
	return 200;
}

int web_upward_csv(struct request *r)
{
	if (!web_is_coord(r))
		return not_found(r);
	struct upward_report u;
	int rc = upward_report_get(&r->ctx, r->params[0], &u);
	if (rc)
		return req_fail_rc(r, rc);
	resp_header(r, "Content-Disposition", arena_printf(r->a, "attachment; filename=\"%s.csv\"", u.public_id));
	resp_header(r, "X-Content-Type-Options", "nosniff");
	return resp_bytes(r, 200, "text/csv; charset=utf-8", u.csv, strlen(u.csv));
}

int web_upward_send(struct request *r)
{
	if (!web_is_coord(r))
		return not_found(r);
	int rc = upward_report_send(&r->ctx, r->params[0], web_field(r, "to"));
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.invalid_field", web_t(r, "ur.f.to"));
	if (rc)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, url_path(r->a, "/upward-reports/%s", r->params[0]), "flash.upward_sent");
}

/* ---- sanitised lesson-learned topics (R9.5) ---- */

/* Extra terms: one a line (or comma-separated). */
static const char **extra_terms(struct request *r, size_t *n)
{
	char *s = arena_strdup(r->a, web_field(r, "extra"));
	const char **v = arena_alloc(r->a, sizeof(char *) * (LESSON_EXTRA_MAX + 2));
	*n = 0;
	for (char *tok = strtok(s, ",\r\n"); tok; tok = strtok(NULL, ",\r\n")) {
		tok = str_trim(tok);
		if (!*tok)
			continue;
		if (*n == LESSON_EXTRA_MAX + 1)
			break; /* core refuses more than the maximum */
		v[(*n)++] = tok;
	}
	return v;
}

/* What the reviewer keeps: the strings the page listed ("listed") that
 * were not ticked "strip".  A string the reviewer has not seen yet (found
 * only by a new extra term) is stripped. */
static int keep_list(struct request *r, const char ***keep, size_t *nkeep)
{
	size_t ns, nl;
	const char **strip = form_all(r, "strip", LESSON_KEEP_MAX, &ns);
	const char **listed = form_all(r, "listed", LESSON_KEEP_MAX, &nl);
	if (!strip || !listed)
		return KR_EINVAL;
	*keep = arena_alloc(r->a, sizeof(char *) * (nl + 1));
	*nkeep = 0;
	for (size_t i = 0; i < nl; i++)
		if (!chosen(strip, ns, listed[i]))
			(*keep)[(*nkeep)++] = listed[i];
	return KR_OK;
}

static int lesson_page(struct request *r, const struct lesson_review *lr, const char *extra_text, const char *title,
		       const char *body, const char *err_key, const char *bad, int status)
{
	struct community *cms;
	size_t ncm;
	int rc = community_list_mine(&r->ctx, &cms, &ncm);
	if (rc)
		return req_fail_rc(r, rc);
	const char *pid = r->params[0];
	page_begin(r, "les.title");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"%s\">%s</a></p><h1>%s</h1><p>%s</p>",
		    url_path(r->a, "/incidents/%s", pid), pid, web_t(r, "les.title"), web_t(r, "les.help"));
	if (err_key)
		web_form_error(r, err_key, bad);
	html_printf(&r->out, "<div class=\"side-by-side\"><section><h2>%s</h2><pre id=\"original\">%s\n\n%s</pre></section>"
			     "<section><h2>%s</h2><pre id=\"sanitised\">%s\n\n%s</pre></section></div>",
		    web_t(r, "les.original"), lr->orig_title, lr->orig_body, web_t(r, "les.sanitised"), lr->title,
		    lr->body);
	html_printf(&r->out, "<form method=\"post\" action=\"%s\" id=\"lesson-form\">",
		    url_path(r->a, "/incidents/%s/lesson", pid));
	web_csrf(r);
	html_printf(&r->out, "<fieldset id=\"found\"><legend>%s</legend>", web_t(r, "les.found"));
	if (!lr->n_found)
		html_printf(&r->out, "<p class=\"empty\">%s</p>", web_t(r, "les.none_found"));
	for (size_t i = 0; i < lr->n_found; i++) {
		const struct sanitised_item *it = &lr->found[i];
		html_printf(&r->out,
			    "<div class=\"field check\"><input type=\"hidden\" name=\"listed\" value=\"%s\">"
			    "<input id=\"s-%zu\" name=\"strip\" type=\"checkbox\" value=\"%s\"%s>"
			    "<label for=\"s-%zu\"><code>%s</code> <small>%s → %s</small></label></div>",
			    it->original, i, it->original, it->kept ? "" : " checked", i, it->original,
			    web_t(r, arena_printf(r->a, "les.kind.%s", it->kind)), it->placeholder);
	}
	html_printf(&r->out, "<p><small>%s</small></p></fieldset>", web_t(r, "les.strip_help"));
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-extra\">%s</label>"
			     "<textarea id=\"f-extra\" name=\"extra\" rows=\"3\">%s</textarea></div>",
		    web_t(r, "les.extra"), extra_text);
	html_printf(&r->out, "<button type=\"submit\" name=\"action\" value=\"preview\">%s</button>",
		    web_t(r, "les.preview"));
	web_input(r, "title", "inc.f.title", "text", title, true);
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-body\">%s</label>"
			     "<textarea id=\"f-body\" name=\"body\" rows=\"16\">%s</textarea></div>",
		    web_t(r, "les.body"), body);
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-community\">%s</label>"
			     "<select id=\"f-community\" name=\"community\">",
		    web_t(r, "les.community"));
	const char *cur = web_field(r, "community");
	for (size_t i = 0; i < ncm; i++)
		if (cms[i].can_post)
			html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", cms[i].slug,
				    str_eq(cur, cms[i].slug) ? " selected" : "",
				    web_org_name(r, cms[i].name_ja, cms[i].name_en));
	html_raw(&r->out, "</select></div>");
	static const char *const tlps[] = {"clear", "green", "amber", "amber+strict"};
	const char *tlp = web_field(r, "tlp");
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-tlp\">%s</label><select id=\"f-tlp\" name=\"tlp\">",
		    web_t(r, "inc.f.tlp"));
	for (size_t i = 0; i < KR_ARRAY_LEN(tlps); i++)
		html_printf(&r->out, "<option value=\"%s\"%s>TLP:%s</option>", tlps[i],
			    str_eq(*tlp ? tlp : "green", tlps[i]) ? " selected" : "", tlps[i]);
	html_printf(&r->out, "</select></div><p><small>%s</small></p>"
			     "<button type=\"submit\" name=\"action\" value=\"publish\">%s</button></form>",
		    web_t(r, "les.publish_help"), web_t(r, "les.publish"));
	return page_end_status(r, status);
}

int web_lesson_get(struct request *r)
{
	if (!web_is_coord(r))
		return not_found(r);
	struct lesson_review lr;
	int rc = incident_lesson_review(&r->ctx, r->params[0], NULL, 0, NULL, 0, &lr);
	if (rc)
		return rc == KR_EPERM ? not_found(r) : req_fail_rc(r, rc);
	return lesson_page(r, &lr, "", lr.title, lr.body, NULL, NULL, 200);
}

int web_lesson_post(struct request *r)
{
	if (!web_is_coord(r))
		return not_found(r);
	size_t nextra, nkeep = 0;
	const char **extra = extra_terms(r, &nextra), **keep = NULL;
	struct lesson_review lr;
	int rc = nextra > LESSON_EXTRA_MAX ? KR_EINVAL : keep_list(r, &keep, &nkeep);
	if (rc == KR_OK)
		rc = incident_lesson_review(&r->ctx, r->params[0], keep, nkeep, extra, nextra, &lr);
	if (rc == KR_EINVAL) {
		/* Show the page again without the choices that failed. */
		if ((rc = incident_lesson_review(&r->ctx, r->params[0], NULL, 0, NULL, 0, &lr)))
			return rc == KR_EPERM ? not_found(r) : req_fail_rc(r, rc);
		return lesson_page(r, &lr, web_field(r, "extra"), lr.title, lr.body, "err.invalid_field", "extra", 422);
	}
	if (rc)
		return rc == KR_EPERM ? not_found(r) : req_fail_rc(r, rc);
	/* Preview: the text again from the case, by the new choices. */
	if (!str_eq(web_field(r, "action"), "publish"))
		return lesson_page(r, &lr, web_field(r, "extra"), lr.title, lr.body, NULL, NULL, 200);
	const char *body = req_form(r, "body");
	struct lesson_input in = {
		.keep = keep, .nkeep = nkeep, .extra = extra, .nextra = nextra, .title = web_field(r, "title"),
		.body = body ? body : "", .community = web_field(r, "community"), .tlp = web_field(r, "tlp"),
	};
	const char *tid = NULL, *bad = NULL;
	rc = incident_lesson_publish(&r->ctx, r->params[0], &in, &tid, &bad);
	if (rc == KR_EINVAL || rc == KR_EPERM)
		return lesson_page(r, &lr, web_field(r, "extra"), in.title, in.body, web_rc_key(rc), bad,
				   web_status_for(rc) == 403 ? 403 : 422);
	if (rc)
		return req_fail_rc(r, rc);
	return web_redirect_flash(r, url_path(r->a, "/topics/%s", tid), "flash.lesson_published");
}
