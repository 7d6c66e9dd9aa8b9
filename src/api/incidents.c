/* incidents.c - API handlers for the consultation desk (R9, R0.4): cases,
 * their timeline, files and support requests, the triage board, upward
 * reports and sanitised drafts, so an organisation's own ticketing can
 * file and follow cases automatically.  Visibility and roles are the
 * core's: a hidden case is a 404 exactly like a missing one. */
#include <sodium.h>
#include <string.h>

#include "api/api.h"
#include "core/incident.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "web/html.h"

static json_t *opt_time(struct request *r, int64_t ms) { return api_time(r, ms); }

static json_t *opt_ms(int64_t v) { return v < 0 ? json_null() : json_integer(v); }

static json_t *incident_json(struct request *r, const struct incident *k, bool full)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:s, s:o, s:o, s:o,"
			      " s:o, s:o, s:o, s:o, s:b}",
			      "id", k->public_id, "kind", k->kind, "title", k->title, "tlp", tlp_name(k->tlp), "state",
			      k->state, "priority", k->priority, "class", k->klass, "assignee_team", k->assignee_team,
			      "affects_event", k->affects_event, "public_visibility", k->public_visibility, "reporter",
			      k->reporter, "reporter_org", k->reporter_org, "reporter_org_name",
			      str_eq(r->lang, "en") ? k->reporter_org_name_en : k->reporter_org_name_ja, "started_at",
			      opt_time(r, k->started_at), "created_at", opt_time(r, k->created_at), "updated_at",
			      opt_time(r, k->updated_at), "triaged_at", opt_time(r, k->triaged_at), "first_support_at",
			      opt_time(r, k->first_support_at), "resolved_at", opt_time(r, k->resolved_at), "due_at",
			      opt_time(r, k->due_at), "overdue", k->overdue);
	json_object_set_new(v, "measures", json_pack("{s:o, s:o, s:o}", "time_to_triage_ms", opt_ms(k->time_to_triage),
						      "time_to_first_support_ms", opt_ms(k->time_to_first_support),
						      "time_to_resolve_ms", opt_ms(k->time_to_resolve)));
	if (full) {
		json_object_set_new(v, "description", json_string(k->description ? k->description : ""));
		json_object_set_new(v, "impact", json_string(k->impact ? k->impact : ""));
		json_object_set_new(v, "affected_systems", json_string(k->affected_systems ? k->affected_systems : ""));
		json_object_set_new(v, "closed_at", opt_time(r, k->closed_at));
		json_object_set_new(v, "can_coordinate", json_boolean(k->can_coordinate));
		json_t *a = json_array();
		for (size_t i = 0; i < k->n_recipients; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "org", k->recipients[i].org, "name_ja",
							   k->recipients[i].name_ja, "name_en", k->recipients[i].name_en,
							   "via", k->recipients[i].via));
		json_object_set_new(v, "recipients", a);
	}
	return v;
}

static json_t *support_json(struct request *r, const struct support_request *s)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)s->id, "incident",
			 s->case_id, "agency", s->agency, "kind", s->kind, "state", s->state, "note", s->note, "answer",
			 s->answer, "created_at", opt_time(r, s->created_at), "decided_at", opt_time(r, s->decided_at),
			 "answered_at", opt_time(r, s->answered_at));
}

/* A JSON boolean member as a tri-state flag; *err when not a boolean. */
static enum flag_sel flag_member(json_t *b, const char *key, bool *err)
{
	json_t *m = json_object_get(b, key);
	if (!m || json_is_null(m))
		return FLAG_ANY;
	if (!json_is_boolean(m)) {
		*err = true;
		return FLAG_ANY;
	}
	return json_is_true(m) ? FLAG_SET : FLAG_CLEAR;
}

/* An array of strings (at most max); NULL + *err on anything else. */
static const char **str_array(struct request *r, json_t *b, const char *key, size_t max, size_t *n, bool *err)
{
	*n = 0;
	json_t *arr = json_object_get(b, key);
	if (!arr || json_is_null(arr))
		return NULL;
	if (!json_is_array(arr) || json_array_size(arr) > max) {
		*err = true;
		return NULL;
	}
	size_t k = json_array_size(arr);
	const char **v = arena_alloc(r->a, sizeof(char *) * (k + 1));
	for (size_t i = 0; i < k; i++) {
		json_t *e = json_array_get(arr, i);
		if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e)) {
			*err = true;
			return NULL;
		}
		v[i] = arena_strdup(r->a, json_string_value(e));
	}
	*n = k;
	return v;
}

int api_incidents_create(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	struct incident_input in = {0};
	bool err = false;
	const char *bad = NULL;
	in.kind = api_str(b, "kind", &err);
	if (err)
		bad = "kind";
	in.title = api_str(b, "title", &err);
	if (err && !bad)
		bad = "title";
	in.description = api_str(b, "description", &err);
	if (err && !bad)
		bad = "description";
	in.tlp = api_str(b, "tlp", &err);
	if (err && !bad)
		bad = "tlp";
	in.impact = api_str(b, "impact", &err);
	if (err && !bad)
		bad = "impact";
	in.affected_systems = api_str(b, "affected_systems", &err);
	if (err && !bad)
		bad = "affected_systems";
	const char *started = api_str(b, "started_at", &err);
	if ((err || (started && incident_parse_time(started, &in.started_at))) && !bad)
		bad = "started_at";
	in.recipients = str_array(r, b, "recipients", INCIDENT_RECIPIENTS_MAX, &in.n_recipients, &err);
	if (err && !bad)
		bad = "recipients";
	/* Optional file: {"filename", "content_type", "content_base64"}. */
	json_t *att = json_object_get(b, "attachment");
	if (!bad && att && !json_is_null(att)) {
		bool e2 = false;
		const char *b64 = json_is_object(att) ? api_str(att, "content_base64", &e2) : NULL;
		in.filename = json_is_object(att) ? api_str(att, "filename", &e2) : NULL;
		in.ctype = json_is_object(att) ? api_str(att, "content_type", &e2) : NULL;
		size_t cap = b64 ? strlen(b64) / 4 * 3 + 3 : 0, len = 0;
		unsigned char *data = cap ? arena_alloc(r->a, cap) : NULL;
		if (e2 || !b64 || !in.filename ||
		    sodium_base642bin(data, cap, b64, strlen(b64), "\n\r ", &len, NULL, sodium_base64_VARIANT_ORIGINAL))
			bad = "attachment";
		in.data = data;
		in.len = len;
		in.filename = arena_strdup(r->a, in.filename);
		in.ctype = arena_strdup(r->a, in.ctype);
	}
	const char *pid = NULL;
	int rc = KR_EINVAL;
	if (!bad) {
		in.kind = arena_strdup(r->a, in.kind);
		in.title = arena_strdup(r->a, in.title);
		in.description = arena_strdup(r->a, in.description);
		in.tlp = arena_strdup(r->a, in.tlp);
		in.impact = arena_strdup(r->a, in.impact);
		in.affected_systems = arena_strdup(r->a, in.affected_systems);
		rc = incident_report(&r->ctx, &in, &pid, &bad);
		bad = bad ? arena_strdup(r->a, bad) : NULL;
	}
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	struct incident k;
	if ((rc = incident_get(&r->ctx, pid, &k)))
		return req_fail_rc(r, rc);
	return api_send(r, 201, incident_json(r, &k, true));
}

/* List and board filters from the query string; 0 or the failure status. */
static int incident_filter_q(struct request *r, struct incident_filter *f)
{
	memset(f, 0, sizeof *f);
	f->state = req_query(r, "state");
	f->klass = req_query(r, "class");
	f->priority = req_query(r, "priority");
	f->kind = req_query(r, "kind");
	f->org = req_query(r, "org");
	f->q = req_query(r, "q");
	f->cursor = req_query(r, "cursor");
	static const char *const flags[] = {"affects_event", "public_visibility", "overdue"};
	enum flag_sel *dst[] = {&f->affects_event, &f->public_visibility, NULL};
	for (int i = 0; i < 3; i++) {
		const char *v = req_query(r, flags[i]);
		if (!v)
			continue;
		if (!str_eq(v, "true") && !str_eq(v, "false"))
			return api_fail_field(r, flags[i]);
		if (dst[i])
			*dst[i] = str_eq(v, "true") ? FLAG_SET : FLAG_CLEAR;
		else
			f->overdue = str_eq(v, "true");
	}
	if (api_limit(r, 100, &f->limit))
		return api_fail_field(r, "limit");
	return 0;
}

int api_incidents_list(struct request *r)
{
	struct incident_filter f;
	if (incident_filter_q(r, &f))
		return r->status;
	struct incident_page pg;
	int rc = incident_list(&r->ctx, &f, &pg);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *a = json_array();
	for (size_t i = 0; i < pg.n; i++)
		json_array_append_new(a, incident_json(r, &pg.items[i], false));
	return api_send(r, 200, json_pack("{s:o, s:o, s:I}", "items", a, "next_cursor",
					    pg.next_cursor ? json_string(pg.next_cursor) : json_null(), "total",
					    (json_int_t)pg.total));
}

static json_t *counts_json(const struct incident_count *c, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, c[i].key, json_integer(c[i].n));
	return o;
}

int api_incidents_board(struct request *r)
{
	struct incident_filter f;
	if (incident_filter_q(r, &f))
		return r->status;
	struct incident_board b;
	int rc = incident_board(&r->ctx, &f, &b);
	if (rc)
		return req_fail_rc(r, rc);
	struct incident_measures m;
	if ((rc = incident_measures(&r->ctx, &m)))
		return req_fail_rc(r, rc);
	return api_send(r, 200,
			json_pack("{s:I, s:I, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}}", "total",
				  (json_int_t)b.total, "overdue", (json_int_t)b.overdue, "by_state",
				  counts_json(b.by_state, b.n_states), "by_class", counts_json(b.by_class, b.n_classes),
				  "by_priority", counts_json(b.by_priority, b.n_priorities), "measures", "cases",
				  (json_int_t)m.cases, "triaged", (json_int_t)m.triaged, "supported",
				  (json_int_t)m.supported, "resolved", (json_int_t)m.resolved, "open", (json_int_t)m.open,
				  "avg_time_to_triage_ms", opt_ms(m.avg_triage_ms), "avg_time_to_first_support_ms",
				  opt_ms(m.avg_first_support_ms), "avg_time_to_resolve_ms", opt_ms(m.avg_resolve_ms)));
}

int api_incidents_get(struct request *r)
{
	struct incident k;
	int rc = incident_get(&r->ctx, r->params[0], &k);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *v = incident_json(r, &k, true);
	struct incident_event *ev;
	size_t n;
	if ((rc = incident_timeline(&r->ctx, k.public_id, &ev, &n))) {
		json_decref(v);
		return req_fail_rc(r, rc);
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)ev[i].id,
						   "kind", ev[i].kind, "actor", ev[i].actor, "actor_org", ev[i].actor_org,
						   "body", ev[i].body, "detail", ev[i].detail, "at",
						   opt_time(r, ev[i].created_at)));
	json_object_set_new(v, "timeline", a);
	struct attachment *at;
	if (incident_attachments(&r->ctx, k.public_id, &at, &n) == KR_OK) {
		a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", at[i].public_id, "filename",
							   at[i].filename, "content_type", at[i].ctype, "size",
							   (json_int_t)at[i].size, "sha256", at[i].sha256));
		json_object_set_new(v, "attachments", a);
	}
	struct support_request *sr;
	if (support_request_list(&r->ctx, k.public_id, &sr, &n) == KR_OK) {
		a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, support_json(r, &sr[i]));
		json_object_set_new(v, "support_requests", a);
	}
	return api_send(r, 200, v);
}

/* PATCH: triage fields (coordinators). */
int api_incidents_update(struct request *r)
{
	struct incident cur;
	int rc = incident_get(&r->ctx, r->params[0], &cur);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	struct incident_triage t = {0};
	bool err = false;
	const char *bad = NULL;
	static const char *const allowed[] = {"priority", "class", "assignee_team", "affects_event", "public_visibility"};
	const char *key;
	json_t *val;
	json_object_foreach(b, key, val)
	{
		bool ok = false;
		for (size_t i = 0; i < KR_ARRAY_LEN(allowed); i++)
			ok |= !strcmp(key, allowed[i]);
		if (!ok && !bad)
			bad = arena_strdup(r->a, key); /* other fields are fixed at reporting */
	}
	t.priority = arena_strdup(r->a, api_str(b, "priority", &err));
	if (err && !bad)
		bad = "priority";
	t.klass = arena_strdup(r->a, api_str(b, "class", &err));
	if (err && !bad)
		bad = "class";
	t.assignee_team = arena_strdup(r->a, api_str(b, "assignee_team", &err));
	if (err && !bad)
		bad = "assignee_team";
	t.affects_event = flag_member(b, "affects_event", &err);
	if (err && !bad)
		bad = "affects_event";
	t.public_visibility = flag_member(b, "public_visibility", &err);
	if (err && !bad)
		bad = "public_visibility";
	json_decref(b);
	rc = bad ? KR_EINVAL : incident_triage(&r->ctx, cur.public_id, &t, &bad);
	if (rc)
		return api_fail(r, rc, bad);
	struct incident k;
	if ((rc = incident_get(&r->ctx, cur.public_id, &k)))
		return req_fail_rc(r, rc);
	return api_send(r, 200, incident_json(r, &k, true));
}

int api_incidents_message(struct request *r)
{
	int64_t id;
	struct incident k;
	int rc = incident_get(&r->ctx, r->params[0], &k);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *body = api_str(b, "body", &err);
	rc = err || !body ? KR_EINVAL : incident_message(&r->ctx, k.public_id, body, &id);
	json_decref(b);
	if (rc == KR_EINVAL)
		return api_fail_field(r, "body");
	if (rc)
		return req_fail_rc(r, rc);
	return api_send(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int api_incidents_state(struct request *r)
{
	struct incident k;
	int rc = incident_get(&r->ctx, r->params[0], &k);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *state = api_str(b, "state", &err);
	const char *note = api_str(b, "note", &err);
	rc = err || !state ? KR_EINVAL : incident_set_state(&r->ctx, k.public_id, state, note);
	json_decref(b);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.invalid_field", "state");
	if (rc)
		return req_fail_rc(r, rc);
	if ((rc = incident_get(&r->ctx, k.public_id, &k)))
		return req_fail_rc(r, rc);
	return api_send(r, 200, incident_json(r, &k, true));
}

int api_incidents_support(struct request *r)
{
	struct incident k;
	int rc = incident_get(&r->ctx, r->params[0], &k);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *agency = api_str(b, "agency", &err), *kind = api_str(b, "kind", &err),
		   *note = api_str(b, "note", &err);
	const char *bad = NULL;
	int64_t id = 0;
	rc = err ? KR_EINVAL : support_request_create(&r->ctx, k.public_id, agency, kind, note, &id, &bad);
	bad = bad ? arena_strdup(r->a, bad) : (err ? "body" : NULL);
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	struct support_request s;
	if ((rc = support_request_get(&r->ctx, id, &s)))
		return req_fail_rc(r, rc);
	return api_send(r, 201, support_json(r, &s));
}

int api_support_list(struct request *r)
{
	struct support_request *s;
	size_t n;
	int rc = support_request_list(&r->ctx, NULL, &s, &n);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, support_json(r, &s[i]));
	return api_send(r, 200, json_pack("{s:o, s:n}", "items", a, "next_cursor"));
}

int api_support_get(struct request *r)
{
	int64_t id;
	if (parse_i64(r->params[0], 1, INT64_MAX, &id))
		return req_fail(r, 404, "err.not_found");
	struct support_request s;
	int rc = support_request_get(&r->ctx, id, &s);
	if (rc)
		return req_fail_rc(r, rc);
	return api_send(r, 200, support_json(r, &s));
}

int api_support_answer(struct request *r)
{
	int64_t id;
	if (parse_i64(r->params[0], 1, INT64_MAX, &id))
		return req_fail(r, 404, "err.not_found");
	struct support_request s;
	int rc = support_request_get(&r->ctx, id, &s);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *action = api_str(b, "action", &err), *text = api_str(b, "text", &err);
	const char *bad = NULL;
	rc = err ? KR_EINVAL : support_request_respond(&r->ctx, id, action, text, &bad);
	bad = bad ? arena_strdup(r->a, bad) : (err ? "body" : NULL);
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	if ((rc = support_request_get(&r->ctx, id, &s)))
		return req_fail_rc(r, rc);
	return api_send(r, 200, support_json(r, &s));
}

/* multipart/form-data with a "file" part. */
int api_incidents_attach(struct request *r)
{
	struct incident k;
	int rc = incident_get(&r->ctx, r->params[0], &k);
	if (rc)
		return req_fail_rc(r, rc);
	const struct kv *f = req_file(r, "file");
	if (!f)
		return api_fail_field(r, "file");
	const char *pid = NULL, *bad = NULL;
	rc = incident_attach(&r->ctx, k.public_id, f->filename, f->ctype, f->val, f->len, &pid, &bad);
	if (rc)
		return api_fail(r, rc, bad);
	return api_send(r, 201, json_pack("{s:s}", "id", pid));
}

int api_incident_attachment_download(struct request *r)
{
	struct attachment a;
	int rc = incident_attachment_get(&r->ctx, r->params[0], &a);
	if (rc)
		return req_fail_rc(r, rc);
	return api_send_attachment(r, &a);
}

int api_incidents_draft(struct request *r)
{
	struct sanitised_draft d;
	int rc = incident_sanitised_draft(&r->ctx, r->params[0], &d);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *a = json_array();
	for (size_t i = 0; i < d.n_removed; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "kind", d.removed[i].kind, "original",
						   d.removed[i].original, "placeholder", d.removed[i].placeholder));
	return api_send(r, 200, json_pack("{s:s, s:s, s:s, s:o}", "title", d.title, "body", d.body, "category",
					    "incident", "removed", a));
}

static json_t *upward_json(struct request *r, const struct upward_report *u, bool full)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "id", u->public_id, "period", u->period, "date",
			      u->report_date, "created_by", u->created_by, "created_at", opt_time(r, u->created_at),
			      "sent_to", u->sent_to, "sent_at", opt_time(r, u->sent_at));
	if (full) {
		json_t *a = json_array();
		for (size_t i = 0; i < u->n_cases; i++)
			json_array_append_new(a, json_string(u->cases[i]));
		json_object_set_new(v, "incidents", a);
		json_object_set_new(v, "text", json_string(u->body));
	}
	return v;
}

int api_upward_create(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *bad = NULL;
	const char *period = arena_strdup(r->a, api_str(b, "period", &err));
	if (err)
		bad = "period";
	const char *date = arena_strdup(r->a, api_str(b, "date", &err));
	if (err && !bad)
		bad = "date";
	const char *to = arena_strdup(r->a, api_str(b, "send_to", &err));
	if (err && !bad)
		bad = "send_to";
	size_t n = 0;
	const char **cases = str_array(r, b, "incidents", 200, &n, &err);
	if (err && !bad)
		bad = "incidents";
	json_decref(b);
	const char *pid = NULL;
	int rc = bad ? KR_EINVAL : upward_report_create(&r->ctx, period, date, cases, n, &pid, &bad);
	if (rc == KR_EINVAL && str_eq(bad, "cases"))
		bad = "incidents";
	if (rc == KR_OK && to && (rc = upward_report_send(&r->ctx, pid, to)) == KR_EINVAL)
		bad = "send_to";
	if (rc)
		return api_fail(r, rc, bad);
	struct upward_report u;
	if ((rc = upward_report_get(&r->ctx, pid, &u)))
		return req_fail_rc(r, rc);
	return api_send(r, 201, upward_json(r, &u, true));
}

int api_upward_list(struct request *r)
{
	struct upward_report *u;
	size_t n;
	int rc = upward_report_list(&r->ctx, &u, &n);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, upward_json(r, &u[i], false));
	return api_send(r, 200, json_pack("{s:o, s:n}", "items", a, "next_cursor"));
}

/* /upward-reports/{id}, {id}.csv (bilingual CSV) or {id}.txt (printable). */
int api_upward_get(struct request *r)
{
	const char *id = r->params[0];
	size_t len = strlen(id);
	int fmt = 0;
	if (len > 4 && !strcmp(id + len - 4, ".csv"))
		fmt = 1;
	else if (len > 4 && !strcmp(id + len - 4, ".txt"))
		fmt = 2;
	if (fmt)
		id = arena_strndup(r->a, id, len - 4);
	struct upward_report u;
	int rc = upward_report_get(&r->ctx, id, &u);
	if (rc)
		return req_fail_rc(r, rc);
	if (fmt == 0)
		return api_send(r, 200, upward_json(r, &u, true));
	resp_header(r, "Content-Disposition",
		    arena_printf(r->a, "attachment; filename=\"%s.%s\"", u.public_id, fmt == 1 ? "csv" : "txt"));
	if (fmt == 1)
		return resp_bytes(r, 200, "text/csv; charset=utf-8", u.csv, strlen(u.csv));
	return resp_bytes(r, 200, "text/plain; charset=utf-8", u.body, strlen(u.body));
}

int api_upward_send(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *to = api_str(b, "to", &err);
	int rc = err || !to ? KR_EINVAL : upward_report_send(&r->ctx, r->params[0], to);
	json_decref(b);
	if (rc == KR_EINVAL)
		return api_fail_field(r, "to");
	if (rc)
		return req_fail_rc(r, rc);
	struct upward_report u;
	if ((rc = upward_report_get(&r->ctx, r->params[0], &u)))
		return req_fail_rc(r, rc);
	return api_send(r, 200, upward_json(r, &u, false));
}
