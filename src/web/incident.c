/* incident.c - pages of the consultation desk (R9): the board and list of
 * cases with filters, the one report form, the case page with its
 * timeline, files and support requests, and the forms that work a case
 * (message, triage, state, support request, an agency's answer).
 * Minimal on purpose; access and validation are core's (incident.h):
 * a hidden case is the same 404 as a missing one. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/incident.h"
#include "core/org.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/web.h"

/* A catalogue label "inc.<prefix>.<value>", the raw value when unknown. */
static const char *label(struct request *r, const char *prefix, const char *v)
{
	if (str_empty(v))
		return "";
	const char *k = arena_printf(r->a, "inc.%s.%s", prefix, v);
	return tr_has(k) ? web_t(r, k) : v;
}

static void select_of(struct request *r, const char *name, const char *label_key, const char *prefix,
		      const char *const *vals, size_t n, const char *cur, const char *first_key)
{
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-%s\">%s</label><select id=\"f-%s\" name=\"%s\">", name,
		    web_t(r, label_key), name, name);
	if (first_key)
		html_printf(&r->out, "<option value=\"\">%s</option>", web_t(r, first_key));
	for (size_t i = 0; i < n; i++)
		html_printf(&r->out, "<option value=\"%s\"%s>%s</option>", vals[i], str_eq(cur, vals[i]) ? " selected" : "",
			    label(r, prefix, vals[i]));
	html_raw(&r->out, "</select></div>");
}

static void textarea(struct request *r, const char *name, const char *label_key, const char *v, int rows)
{
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-%s\">%s</label><textarea id=\"f-%s\" name=\"%s\""
			     " rows=\"%d\">%s</textarea></div>",
		    name, web_t(r, label_key), name, name, rows, v ? v : "");
}

static const char *opt(struct request *r, const char *key)
{
	const char *v = req_query(r, key);
	return str_empty(v) ? NULL : v;
}

int web_incidents(struct request *r)
{
	struct incident_filter f;
	memset(&f, 0, sizeof f);
	f.state = opt(r, "state");
	f.klass = opt(r, "class");
	f.priority = opt(r, "priority");
	f.q = opt(r, "q");
	f.cursor = opt(r, "cursor");
	f.overdue = str_eq(req_query(r, "overdue"), "1");
	f.limit = 50;
	struct incident_page pg;
	int rc = incident_list(&r->ctx, &f, &pg);
	if (rc)
		return rc == KR_EINVAL ? req_fail(r, 400, "err.bad_request") : req_fail_rc(r, rc);
	struct incident_filter bf = f;
	bf.state = NULL;
	bf.cursor = NULL;
	struct incident_board b;
	if ((rc = incident_board(&r->ctx, &bf, &b)))
		return req_fail_rc(r, rc);
	int64_t from = web_from(r);

	page_begin(r, "inc.title");
	html_printf(&r->out, "<h1>%s</h1><p><a class=\"button\" href=\"/incidents/new\">%s</a></p>", web_t(r, "inc.title"),
		    web_t(r, "inc.report"));
	if (web_is_coord(r))
		html_printf(&r->out, "<p><a href=\"/upward-reports\">%s</a></p>", web_t(r, "ur.link"));
	/* The board: counts by state (links filter), overdue. */
	html_raw(&r->out, "<nav class=\"board\" id=\"board\"><ul>");
	for (size_t i = 0; i < b.n_states; i++)
		html_printf(&r->out, "<li><a href=\"%s\">%s <strong>%lld</strong></a></li>",
			    url_path(r->a, "/incidents?state=%s", b.by_state[i].key), label(r, "state", b.by_state[i].key),
			    (long long)b.by_state[i].n);
	html_printf(&r->out, "<li><a href=\"/incidents?overdue=1\">%s <strong>%lld</strong></a></li></ul>",
		    web_t(r, "inc.overdue"), (long long)b.overdue);
	html_raw(&r->out, "<ul class=\"by-class\">");
	for (size_t i = 0; i < b.n_classes; i++)
		if (b.by_class[i].n)
			html_printf(&r->out, "<li><a href=\"%s\">%s <strong>%lld</strong></a></li>",
				    url_path(r->a, "/incidents?class=%s", b.by_class[i].key),
				    label(r, "class", b.by_class[i].key), (long long)b.by_class[i].n);
	html_raw(&r->out, "</ul></nav>");
	html_raw(&r->out, "<form class=\"filters\" method=\"get\" action=\"/incidents\">");
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-q\">%s</label>"
			     "<input id=\"f-q\" name=\"q\" type=\"search\" value=\"%s\"></div>",
		    web_t(r, "inc.search"), f.q ? f.q : "");
	select_of(r, "state", "inc.f.state", "state", incident_states, incident_nstates, f.state, "list.any");
	select_of(r, "class", "inc.f.class", "class", incident_classes, incident_nclasses, f.klass, "list.any");
	select_of(r, "priority", "inc.f.priority", "priority", incident_priorities, incident_npriorities, f.priority,
		  "list.any");
	html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "list.filter"));
	web_range(r, pg.total, from, pg.n);
	if (pg.n) {
		html_printf(&r->out,
			    "<div class=\"table-wrap\"><table class=\"list\" id=\"incidents\"><thead><tr><th>%s</th><th>%s</th>"
			    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
			    web_t(r, "inc.f.id"), web_t(r, "inc.f.title"), web_t(r, "inc.f.state"), web_t(r, "inc.f.class"),
			    web_t(r, "inc.f.priority"), web_t(r, "inc.f.reporter"), web_t(r, "inc.f.reported"));
		for (size_t i = 0; i < pg.n; i++) {
			const struct incident *k = &pg.items[i];
			html_printf(&r->out, "<tr><td><a href=\"%s\">%s</a></td><td>", url_path(r->a, "/incidents/%s", k->public_id),
				    k->public_id);
			html_tlp(&r->out, tlp_name(k->tlp));
			html_printf(&r->out, " %s%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", k->title,
				    k->overdue ? web_t(r, "inc.overdue_mark") : "", label(r, "state", k->state),
				    label(r, "class", k->klass), k->priority,
				    web_org_name(r, k->reporter_org_name_ja, k->reporter_org_name_en), web_time(r, k->created_at));
		}
		html_raw(&r->out, "</tbody></table></div>");
	}
	web_next_page(r, pg.next_cursor, from, pg.n);
	return page_end(r);
}

static int report_form(struct request *r, const char *err_key, const char *bad, int status)
{
	page_begin(r, "inc.report");
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/incidents\">%s</a></p><h1>%s</h1><p>%s</p>",
		    web_t(r, "inc.title"), web_t(r, "inc.report"), web_t(r, "inc.report_help"));
	if (err_key)
		web_form_error(r, err_key, bad);
	html_raw(&r->out, "<form method=\"post\" action=\"/incidents/new\" enctype=\"multipart/form-data\">");
	web_csrf(r);
	select_of(r, "kind", "inc.f.kind", "kind", incident_kinds, incident_nkinds, web_field(r, "kind"), NULL);
	web_input(r, "title", "inc.f.title", "text", web_field(r, "title"), true);
	textarea(r, "description", "inc.f.description", web_field(r, "description"), 6);
	static const char *const tlps[] = {"clear", "green", "amber", "amber+strict", "red"};
	const char *tlp = web_field(r, "tlp");
	select_of(r, "tlp", "inc.f.tlp", "tlp", tlps, 5, *tlp ? tlp : "amber", NULL);
	textarea(r, "impact", "inc.f.impact", web_field(r, "impact"), 2);
	web_input(r, "started_at", "inc.f.started_at", "text", web_field(r, "started_at"), false);
	textarea(r, "affected_systems", "inc.f.systems", web_field(r, "affected_systems"), 2);
	web_input(r, "recipients", "inc.f.recipients", "text", web_field(r, "recipients"), false);
	html_printf(&r->out, "<div class=\"field\"><label for=\"f-file\">%s</label>"
			     "<input id=\"f-file\" name=\"file\" type=\"file\"></div>",
		    web_t(r, "inc.f.file"));
	html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "inc.submit"));
	return page_end_status(r, status);
}

int web_incident_new_get(struct request *r) { return report_form(r, NULL, NULL, 200); }

int web_incident_new_post(struct request *r)
{
	struct incident_input in;
	memset(&in, 0, sizeof in);
	in.kind = web_field(r, "kind");
	in.title = web_field(r, "title");
	in.description = web_field(r, "description");
	in.tlp = web_field(r, "tlp");
	in.impact = web_field(r, "impact");
	in.affected_systems = web_field(r, "affected_systems");
	const char *bad = NULL;
	const char *started = web_field(r, "started_at");
	if (*started && incident_parse_time(started, &in.started_at))
		return report_form(r, "err.invalid_field", "started_at", 422);
	/* Recipients: organisation ids separated by commas or spaces. */
	char *list = arena_strdup(r->a, web_field(r, "recipients"));
	const char **rc_ = arena_alloc(r->a, sizeof(char *) * (INCIDENT_RECIPIENTS_MAX + 1));
	for (char *tok = strtok(list, ", \t\r\n"); tok; tok = strtok(NULL, ", \t\r\n")) {
		if (in.n_recipients == INCIDENT_RECIPIENTS_MAX)
			return report_form(r, "err.invalid_field", "recipients", 422);
		rc_[in.n_recipients++] = tok;
	}
	in.recipients = rc_;
	const struct kv *file = req_file(r, "file");
	if (file && file->len) {
		in.filename = file->filename;
		in.ctype = file->ctype;
		in.data = file->val;
		in.len = file->len;
	}
	const char *pid = NULL;
	int rc = incident_report(&r->ctx, &in, &pid, &bad);
	if (rc)
		return report_form(r, web_rc_key(rc), bad, web_status_for(rc));
	return web_redirect_flash(r, url_path(r->a, "/incidents/%s", pid), "flash.incident_reported");
}

static void facts(struct request *r, const struct incident *k)
{
	html_raw(&r->out, "<section class=\"card\"><dl class=\"facts\" id=\"facts\">");
	html_printf(&r->out, "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd id=\"state\">%s</dd><dt>%s</dt><dd>%s</dd>",
		    web_t(r, "inc.f.kind"), label(r, "kind", k->kind), web_t(r, "inc.f.state"),
		    label(r, "state", k->state), web_t(r, "inc.f.class"), label(r, "class", k->klass));
	html_printf(&r->out, "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>",
		    web_t(r, "inc.f.priority"), k->priority, web_t(r, "inc.f.reporter"),
		    web_org_name(r, k->reporter_org_name_ja, k->reporter_org_name_en), web_t(r, "inc.f.reported"),
		    web_time(r, k->created_at));
	html_printf(&r->out, "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>",
		    web_t(r, "inc.f.started_at"), web_time(r, k->started_at), web_t(r, "inc.f.impact"), k->impact,
		    web_t(r, "inc.f.systems"), k->affected_systems);
	html_printf(&r->out, "<dt>%s</dt><dd>%s%s</dd><dt>%s</dt><dd>%s</dd>", web_t(r, "inc.f.flags"),
		    k->affects_event ? web_t(r, "inc.f.affects_event") : "",
		    k->public_visibility ? web_t(r, "inc.f.public") : "", web_t(r, "inc.f.team"), k->assignee_team);
	html_printf(&r->out, "<dt>%s</dt><dd id=\"due\">%s%s</dd>", web_t(r, "inc.f.due"), web_time(r, k->due_at),
		    k->overdue ? web_t(r, "inc.overdue_mark") : "");
	html_printf(&r->out, "<dt>%s</dt><dd><ul id=\"recipients\">", web_t(r, "inc.f.recipients"));
	for (size_t i = 0; i < k->n_recipients; i++)
		html_printf(&r->out, "<li>%s</li>", web_org_name(r, k->recipients[i].name_ja, k->recipients[i].name_en));
	html_printf(&r->out, "</ul></dd></dl><p class=\"description\">%s</p></section>", k->description);
}

static void action_form(struct request *r, const struct incident *k, const char *what)
{
	html_printf(&r->out, "<form method=\"post\" action=\"%s\" class=\"inline\">",
		    url_path(r->a, "/incidents/%s/%s", k->public_id, what));
	web_csrf(r);
}

int web_incident_page(struct request *r)
{
	struct incident k;
	int rc = incident_get(&r->ctx, r->params[0], &k);
	if (rc)
		return req_fail_rc(r, rc);
	struct incident_event *ev;
	size_t nev = 0, natt = 0, nsr = 0;
	struct attachment *att;
	struct support_request *sr;
	if ((rc = incident_timeline(&r->ctx, k.public_id, &ev, &nev)) ||
	    (rc = incident_attachments(&r->ctx, k.public_id, &att, &natt)) ||
	    (rc = support_request_list(&r->ctx, k.public_id, &sr, &nsr)))
		return req_fail_rc(r, rc);
	page_begin(r, k.title);
	html_printf(&r->out, "<p class=\"crumbs\"><a href=\"/incidents\">%s</a></p><h1>", web_t(r, "inc.title"));
	html_tlp(&r->out, tlp_name(k.tlp));
	html_printf(&r->out, " %s <small>%s</small></h1>", k.title, k.public_id);
	facts(r, &k);

	if (natt) {
		html_printf(&r->out, "<h2>%s</h2><ul id=\"files\">", web_t(r, "inc.files"));
		for (size_t i = 0; i < natt; i++)
			html_printf(&r->out, "<li><a href=\"%s\">%s</a> (%lld B, SHA-256 %s)</li>",
				    url_path(r->a, "/incident-files/%s", att[i].public_id), att[i].filename,
				    (long long)att[i].size, att[i].sha256);
		html_raw(&r->out, "</ul>");
	}
	if (nsr) {
		html_printf(&r->out, "<h2>%s</h2><ul id=\"support\">", web_t(r, "inc.support"));
		for (size_t i = 0; i < nsr; i++) {
			const struct support_request *s = &sr[i];
			html_printf(&r->out, "<li>%s → %s: %s <em>%s</em>", label(r, "support_kind", s->kind),
				    web_org_name(r, s->agency_name_ja, s->agency_name_en), s->note,
				    label(r, "sr_state", s->state));
			if (*s->answer)
				html_printf(&r->out, "<blockquote>%s</blockquote>", s->answer);
			bool open = str_eq(s->state, "requested") || str_eq(s->state, "accepted");
			if (open) {
				/* Only the agency's people may answer; core refuses others. */
				html_printf(&r->out, "<form method=\"post\" action=\"%s\" class=\"inline\">",
					    url_path(r->a, "/support-requests/%lld/answer", (long long)s->id));
				web_csrf(r);
				html_printf(&r->out, "<input type=\"hidden\" name=\"incident\" value=\"%s\">", k.public_id);
				static const char *const acts[] = {"accept", "decline", "answer"};
				select_of(r, "action", "inc.f.action", "action", acts, 3, "answer", NULL);
				textarea(r, "text", "inc.f.answer", "", 2);
				html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "inc.send"));
			}
			html_raw(&r->out, "</li>");
		}
		html_raw(&r->out, "</ul>");
	}

	html_printf(&r->out, "<h2>%s</h2><ol class=\"timeline\" id=\"timeline\">", web_t(r, "inc.timeline"));
	for (size_t i = 0; i < nev; i++)
		html_printf(&r->out, "<li><time>%s</time> <strong>%s</strong> %s <span>%s</span> %s</li>",
			    web_time(r, ev[i].created_at), label(r, "event", ev[i].kind), ev[i].actor,
			    ev[i].detail, ev[i].body);
	html_raw(&r->out, "</ol>");

	action_form(r, &k, "message");
	textarea(r, "body", "inc.f.message", "", 3);
	html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "inc.send"));

	if (k.can_coordinate) {
		html_printf(&r->out, "<h2>%s</h2>", web_t(r, "inc.coordinate"));
		html_printf(&r->out, "<p class=\"actions\"><a class=\"button\" id=\"lesson-link\" href=\"%s\">%s</a> "
				     "<a href=\"/upward-reports\">%s</a></p>",
			    url_path(r->a, "/incidents/%s/lesson", k.public_id), web_t(r, "les.link"), web_t(r, "ur.link"));
		action_form(r, &k, "triage");
		select_of(r, "priority", "inc.f.priority", "priority", incident_priorities, incident_npriorities,
			  k.priority, NULL);
		select_of(r, "class", "inc.f.class", "class", incident_classes, incident_nclasses, k.klass, NULL);
		web_input(r, "assignee_team", "inc.f.team", "text", k.assignee_team, false);
		html_printf(&r->out, "<label><input type=\"checkbox\" name=\"affects_event\" value=\"1\"%s> %s</label> "
				     "<label><input type=\"checkbox\" name=\"public_visibility\" value=\"1\"%s> %s</label> "
				     "<button type=\"submit\">%s</button></form>",
			    k.affects_event ? " checked" : "", web_t(r, "inc.f.affects_event"),
			    k.public_visibility ? " checked" : "", web_t(r, "inc.f.public"), web_t(r, "inc.triage"));
		/* Only the legal next states are offered. */
		const char *next[8];
		size_t nn = 0;
		for (size_t i = 0; i < incident_nstates; i++)
			if (incident_transition_ok(k.state, incident_states[i]))
				next[nn++] = incident_states[i];
		if (nn) {
			action_form(r, &k, "state");
			select_of(r, "state", "inc.f.state", "state", next, nn, NULL, NULL);
			web_input(r, "note", "field.note", "text", NULL, false);
			html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "inc.change_state"));
		}
		struct org_filter of = {.kind = "security_agency", .limit = 200};
		struct org_page op;
		if (org_list(&r->ctx, &of, &op) == KR_OK && op.n) {
			action_form(r, &k, "support");
			html_printf(&r->out, "<div class=\"field\"><label for=\"f-agency\">%s</label>"
					     "<select id=\"f-agency\" name=\"agency\">",
				    web_t(r, "inc.f.agency"));
			for (size_t i = 0; i < op.n; i++)
				html_printf(&r->out, "<option value=\"%s\">%s</option>", op.items[i].slug,
					    web_org_name(r, op.items[i].name_ja, op.items[i].name_en));
			html_raw(&r->out, "</select></div>");
			select_of(r, "kind", "inc.f.support_kind", "support_kind", support_kinds, support_nkinds, NULL,
				  NULL);
			web_input(r, "note", "field.note", "text", NULL, false);
			html_printf(&r->out, "<button type=\"submit\">%s</button></form>", web_t(r, "inc.request_support"));
		}
	}
	return page_end(r);
}

/* After a form on the case page: back to it with a flash, or an error page. */
static int back(struct request *r, const char *pid, int rc, const char *bad)
{
	if (rc == KR_OK)
		return web_redirect_flash(r, url_path(r->a, "/incidents/%s", pid), "flash.saved");
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.invalid_field", web_field_label(r, bad ? bad : "state"));
	return req_fail_rc(r, rc);
}

int web_incident_message(struct request *r)
{
	return back(r, r->params[0], incident_message(&r->ctx, r->params[0], web_field(r, "body"), NULL), "body");
}

int web_incident_state(struct request *r)
{
	const char *note = web_field(r, "note");
	return back(r, r->params[0], incident_set_state(&r->ctx, r->params[0], web_field(r, "state"), *note ? note : NULL),
		    "state");
}

int web_incident_triage(struct request *r)
{
	struct incident_triage t = {
		.priority = web_field(r, "priority"), .klass = web_field(r, "class"),
		.assignee_team = web_field(r, "assignee_team"),
		.affects_event = str_eq(web_field(r, "affects_event"), "1") ? FLAG_SET : FLAG_CLEAR,
		.public_visibility = str_eq(web_field(r, "public_visibility"), "1") ? FLAG_SET : FLAG_CLEAR,
	};
	const char *bad = NULL;
	int rc = incident_triage(&r->ctx, r->params[0], &t, &bad);
	return back(r, r->params[0], rc, bad);
}

int web_incident_support(struct request *r)
{
	const char *bad = NULL, *note = web_field(r, "note");
	int rc = support_request_create(&r->ctx, r->params[0], web_field(r, "agency"), web_field(r, "kind"),
					*note ? note : NULL, NULL, &bad);
	return back(r, r->params[0], rc, bad);
}

int web_support_answer(struct request *r)
{
	int64_t id;
	if (parse_i64(r->params[0], 1, INT64_MAX, &id))
		return req_fail(r, 404, "err.not_found");
	struct support_request s;
	int rc = support_request_get(&r->ctx, id, &s);
	if (rc)
		return req_fail_rc(r, rc);
	const char *bad = NULL, *text = web_field(r, "text");
	rc = support_request_respond(&r->ctx, id, web_field(r, "action"), *text ? text : NULL, &bad);
	return back(r, s.case_id, rc, bad);
}

/* Files are always downloads: never rendered inline, never sniffed. */
int web_incident_file(struct request *r)
{
	struct attachment a;
	int rc = incident_attachment_get(&r->ctx, r->params[0], &a);
	if (rc)
		return req_fail_rc(r, rc);
	return api_send_attachment(r, &a);
}
