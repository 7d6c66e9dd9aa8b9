/* taxii.c - TAXII 2.1 handlers (OASIS TAXII Version 2.1, sections 4-5).
 * See taxii.h.  Nothing here decides access or touches SQL: collections,
 * queries, ingest and status come from core/stix.h, which applies acl.h. */
#include "taxii/taxii.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/common.h"
#include "core/stix.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jwrite.h"
#include "lib/util.h"

#define TAXII_TYPE "application/taxii+json;version=2.1"
#define STIX_TYPE "application/stix+json;version=2.1"

/* ---- media types (TAXII 2.1 section 1.6.8) ---- */

/* Is one media range (type/subtype plus parameters) a TAXII 2.1 type?
 * want_any: also take the wildcards of an Accept header. */
static bool taxii_media(const char *range, size_t n, bool want_any)
{
	char buf[256];
	if (n >= sizeof buf)
		return false;
	memcpy(buf, range, n);
	buf[n] = 0;
	char *save = NULL, *type = strtok_r(buf, ";", &save);
	if (!type)
		return false;
	type = str_trim(type);
	const char *version = NULL;
	bool q_zero = false;
	for (char *p = strtok_r(NULL, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		p = str_trim(p);
		char *eq = strchr(p, '=');
		if (!eq)
			continue;
		*eq = 0;
		char *k = str_trim(p), *v = str_trim(eq + 1);
		size_t vn = strlen(v);
		if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') { /* RFC 7231 quoted-string */
			v[vn - 1] = 0;
			v++;
		}
		if (!strcasecmp(k, "version"))
			version = v;
		else if (!strcasecmp(k, "q"))
			q_zero = strtod(v, NULL) <= 0.0;
	}
	if (q_zero)
		return false;
	if (want_any && (!strcmp(type, "*/*") || !strcasecmp(type, "application/*")))
		return true;
	return !strcasecmp(type, "application/taxii+json") && (!version || !strcmp(version, "2.1"));
}

/* 406 unless Accept names a TAXII 2.1 media type (a plain
 * application/taxii+json counts; no Accept accepts anything). */
static bool accept_ok(struct request *r)
{
	const char *a = req_header(r, "Accept");
	if (!a)
		return true;
	while (*a) {
		const char *e = strchr(a, ',');
		size_t n = e ? (size_t)(e - a) : strlen(a);
		if (taxii_media(a, n, true))
			return true;
		if (!e)
			break;
		a = e + 1;
	}
	return false;
}

static int not_acceptable(struct request *r)
{
	return req_fail_detail(r, 406, "err.not_acceptable", "Accept must include " TAXII_TYPE);
}

/* ---- output ---- */

static int send_json(struct request *r, int status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(v);
	if (!s)
		return req_fail(r, 500, "err.internal");
	buf_reset(&r->out);
	buf_adds(&r->out, s);
	free(s);
	r->out_ctype = TAXII_TYPE;
	r->status = status;
	return status;
}

/* Finish an answer written into r->out through w (500 if the writer went
 * bad: a string that is not UTF-8, which the store never hands out). */
static int send_out(struct request *r, int status, const struct jw *w)
{
	if (w->bad || w->depth) {
		buf_reset(&r->out);
		return req_fail(r, 500, "err.internal");
	}
	r->out_ctype = TAXII_TYPE;
	r->status = status;
	return status;
}

/* X-TAXII-Date-Added-First/Last (TAXII 3.2): every 200 of the objects,
 * object, versions and manifest endpoints carries both, as microsecond
 * timestamps.  Rows come in date_added order, so the first and last row
 * are the bounds.  An empty page has no object to name: both headers are
 * then the lower bound the page started from (added_after or the next
 * cursor, else the epoch), so a client that resumes with
 * added_after=<Last> misses nothing and is not sent anything twice. */
static void date_headers(struct request *r, size_t n, int64_t first_us, int64_t last_us, int64_t empty_us)
{
	char t[40];
	stix_format_time(n ? first_us : empty_us, t, sizeof t);
	resp_header(r, "X-TAXII-Date-Added-First", arena_strdup(r->a, t));
	stix_format_time(n ? last_us : empty_us, t, sizeof t);
	resp_header(r, "X-TAXII-Date-Added-Last", arena_strdup(r->a, t));
}

static int fail_rc(struct request *r, int rc, const char *bad)
{
	if (rc == KR_EINVAL && bad)
		return req_fail_detail(r, 400, "err.bad_request",
				       arena_printf(r->a, "invalid query parameter: %s", bad));
	if (rc == KR_EPERM)
		return req_fail(r, 403, "err.forbidden");
	return req_fail_rc(r, rc);
}

/* The collection named by params[0], or a failure already set. */
static int load_collection(struct request *r, struct stix_collection *col)
{
	if (!accept_ok(r))
		return not_acceptable(r);
	int rc = stix_collection_get(&r->ctx, r->params[0], col);
	if (rc)
		return fail_rc(r, rc, NULL);
	return 0;
}

/* TAXII 3.4: added_after, limit and next are single values and no
 * match[<field>] may occur twice; a request that repeats one is
 * malformed.  Returns the repeated key, or NULL. */
static const char *repeated_param(const struct request *r)
{
	for (size_t i = 0; i < r->nquery; i++) {
		const char *k = r->query[i].key;
		if (strcmp(k, "added_after") && strcmp(k, "limit") && strcmp(k, "next") && strncmp(k, "match[", 6))
			continue;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->query[j].key, k))
				return k;
	}
	return NULL;
}

/* TAXII 3.4.1 match[version]: "all" stands alone, and no keyword or
 * timestamp occurs twice (2024-01-01T00:00:00Z and ...00.000Z are the
 * same version).  The values themselves are checked by stix_query. */
static const char *version_list_error(struct arena *a, const char *s)
{
	if (!s)
		return NULL;
	char *copy = arena_strdup(a, s), *save = NULL;
	const char *v[STIX_MAX_MATCH + 1];
	int64_t us[STIX_MAX_MATCH + 1];
	size_t n = 0;
	bool all = false;
	for (char *t = strtok_r(copy, ",", &save); t && n <= STIX_MAX_MATCH; t = strtok_r(NULL, ",", &save)) {
		t = str_trim(t);
		if (!*t)
			continue;
		all |= !strcmp(t, "all");
		v[n] = t;
		if (stix_parse_time(t, &us[n]))
			us[n] = INT64_MIN;
		for (size_t j = 0; j < n; j++)
			if (!strcmp(v[j], t) || (us[n] != INT64_MIN && us[j] == us[n]))
				return "match[version] names the same version twice";
		n++;
	}
	if (all && n > 1)
		return "match[version]=all cannot be combined with other versions";
	return NULL;
}

/* The date_added a page starts after: added_after or the next cursor
 * (stix_query's cursor: the date_added in microseconds and a row id),
 * whichever is later; 0 (the epoch) without either.  Only called once
 * stix_query has accepted both. */
static int64_t page_floor(struct request *r, const struct stix_query *q)
{
	int64_t lo = 0, t;
	if (q->added_after && !stix_parse_time(q->added_after, &t) && t > lo)
		lo = t;
	const char *key;
	int64_t id;
	if (q->next && !cursor_parse(r->a, q->next, &key, &id) && !parse_i64(key, 0, INT64_MAX, &t) && t > lo)
		lo = t;
	return lo;
}

/* The query parameters every listing endpoint shares (section 3.4). */
static int read_query(struct request *r, struct stix_query *q, const struct stix_collection *col)
{
	memset(q, 0, sizeof *q);
	const char *rep = repeated_param(r);
	if (rep)
		return req_fail_detail(r, 400, "err.bad_request",
				       arena_printf(r->a, "query parameter given more than once: %s", rep));
	q->community_id = col->community_id;
	q->added_after = req_query(r, "added_after");
	q->next = req_query(r, "next");
	q->match_id = req_query(r, "match[id]");
	q->match_type = req_query(r, "match[type]");
	q->match_version = req_query(r, "match[version]");
	q->match_spec_version = req_query(r, "match[spec_version]");
	const char *verr = version_list_error(r->a, q->match_version);
	if (verr)
		return req_fail_detail(r, 400, "err.bad_request", verr);
	const char *l = req_query(r, "limit");
	if (l) {
		int64_t n;
		if (parse_i64(l, 1, INT32_MAX, &n))
			return req_fail_detail(r, 400, "err.bad_request", "limit must be a positive integer");
		q->limit = n > STIX_PAGE_MAX ? STIX_PAGE_MAX : (int)n;
	}
	return 0;
}

/* ---- discovery, API root, collections ---- */

int taxii_discovery(struct request *r)
{
	if (!accept_ok(r))
		return not_acceptable(r);
	/* TAXII 4.1.1: an API root URL is an HTTPS absolute URL or a relative
	 * one.  Behind TLS the absolute form helps clients that do not resolve
	 * relative URLs; over plain HTTP (tests, a local port) only the
	 * relative form is allowed. */
	const char *host = req_header(r, "Host");
	const char *root = "/taxii2/api/";
	if (r->https && host && valid_line(host, 1, 255) && !strpbrk(host, "/\\ @?#"))
		root = arena_printf(r->a, "https://%s/taxii2/api/", host);
	json_t *v = json_pack("{s:s, s:s, s:s, s:[s]}", "title", "Kairan TAXII 2.1", "description",
			      "Indicators shared in the communities you belong to", "default", root, "api_roots", root);
	return send_json(r, 200, v);
}

int taxii_api_root(struct request *r)
{
	if (!accept_ok(r))
		return not_acceptable(r);
	json_t *v = json_pack("{s:s, s:s, s:[s], s:I}", "title", "Kairan", "description",
			      "One collection per community you belong to", "versions", TAXII_TYPE,
			      "max_content_length", (json_int_t)TAXII_BODY_LIMIT);
	return send_json(r, 200, v);
}

static json_t *collection_json(const struct stix_collection *c)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", c->uuid, "title", c->title ? c->title : c->slug,
			      "alias", c->slug, "can_read", c->can_read, "can_write", c->can_write, "media_types",
			      STIX_TYPE);
	if (v && !str_empty(c->description))
		json_object_set_new(v, "description", json_string(c->description));
	return v;
}

int taxii_collections(struct request *r)
{
	if (!accept_ok(r))
		return not_acceptable(r);
	struct stix_collection *v;
	size_t n;
	int rc = stix_collections(&r->ctx, &v, &n);
	if (rc)
		return fail_rc(r, rc, NULL);
	json_t *out = json_object(), *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, collection_json(&v[i]));
	if (n)
		json_object_set_new(out, "collections", list);
	else
		json_decref(list);
	return send_json(r, 200, out);
}

int taxii_collection(struct request *r)
{
	struct stix_collection col;
	int st = load_collection(r, &col);
	if (st)
		return st;
	return send_json(r, 200, collection_json(&col));
}

/* ---- objects ---- */

static void add_json_string(struct buf *b, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	buf_adds(b, t ? t : "\"\"");
	free(t);
	json_decref(j);
}

/* Room left in front of the objects for the envelope's head
 * ({"more":true,"next":"<cursor>","objects":[ is under 100 bytes). */
#define ENVELOPE_HEAD_ROOM 160
/* The output buffer is sized from the first object (a page's objects are
 * usually alike), so the page is not copied again as the buffer grows;
 * never more than this up front. */
#define ENVELOPE_RESERVE_MAX (4u * 1024 * 1024)

struct envelope {
	struct buf *out;
	size_t n, limit;
};

/* One stored object into the envelope: its text as stored (compact,
 * already valid JSON), copied once from the database row to the body. */
static int envelope_add(void *arg, const struct stix_obj_text *o)
{
	struct envelope *e = arg;
	struct buf *b = e->out;
	if (e->n == 0) {
		size_t want = (o->json_len + 1) * e->limit + 16;
		buf_grow(b, want < ENVELOPE_RESERVE_MAX ? want : ENVELOPE_RESERVE_MAX);
	}
	buf_grow(b, o->json_len + 1); /* then one copy, no per-byte work */
	if (e->n++)
		b->p[b->len++] = ',';
	memcpy(b->p + b->len, o->json, o->json_len);
	b->len += o->json_len;
	b->p[b->len] = 0;
	return KR_OK;
}

/* The envelope of a page (TAXII 3.7), streamed from the store: the
 * objects go into r->out behind room for the head, which is written in
 * front of them once the page says whether there is more; the response
 * is sent from the buffer as it is (resp_skip).  404 for an object id
 * with nothing visible (unless paging through its versions). */
static int send_envelope(struct request *r, const struct stix_query *q)
{
	buf_reset(&r->out);
	buf_grow(&r->out, ENVELOPE_HEAD_ROOM);
	memset(r->out.p, ' ', ENVELOPE_HEAD_ROOM);
	r->out.len = ENVELOPE_HEAD_ROOM;
	r->out.p[r->out.len] = 0;
	struct envelope e = {.out = &r->out, .limit = (size_t)(q->limit > 0 ? q->limit : STIX_PAGE_DEFAULT)};
	struct stix_page_info pg;
	const char *bad = NULL;
	int rc = stix_query_each(&r->ctx, q, envelope_add, &e, &pg, &bad);
	if (rc) {
		buf_reset(&r->out);
		return fail_rc(r, rc, bad);
	}
	if (q->object_id && pg.n == 0 && !q->next) {
		buf_reset(&r->out);
		return req_fail(r, 404, "err.not_found");
	}
	struct buf head = BUF_INIT;
	buf_adds(&head, pg.more ? "{\"more\":true,\"next\":" : "{\"more\":false");
	if (pg.more)
		add_json_string(&head, pg.next);
	if (pg.n) {
		buf_adds(&head, ",\"objects\":[");
		buf_adds(&r->out, "]}");
	} else {
		buf_addc(&r->out, '}');
	}
	size_t skip;
	if (head.len <= ENVELOPE_HEAD_ROOM) {
		skip = ENVELOPE_HEAD_ROOM - head.len;
		memcpy(r->out.p + skip, head.p, head.len);
	} else { /* cannot happen with the store's cursors; stay correct anyway */
		struct buf all = BUF_INIT;
		buf_add(&all, head.p, head.len);
		buf_add(&all, r->out.p + ENVELOPE_HEAD_ROOM, r->out.len - ENVELOPE_HEAD_ROOM);
		buf_free(&r->out);
		r->out = all;
		skip = 0;
	}
	buf_free(&head);
	resp_skip(r, skip);
	int64_t floor_us = page_floor(r, q);
	date_headers(r, pg.n, pg.first_added_us, pg.last_added_us, floor_us);
	r->out_ctype = TAXII_TYPE;
	r->status = 200;
	return 200;
}

static int list(struct request *r, const char *object_id, bool versions_default, int mode)
{
	struct stix_collection col;
	int st = load_collection(r, &col);
	if (st)
		return st;
	if (!col.can_read)
		return req_fail(r, 403, "err.forbidden");
	struct stix_query q;
	if ((st = read_query(r, &q, &col)))
		return st;
	q.object_id = object_id;
	q.all_versions = versions_default;
	if (object_id && (q.match_id || (mode == 2 && q.match_version)))
		return req_fail_detail(r, 400, "err.bad_request", "this endpoint does not take that filter");
	if (mode == 0)
		return send_envelope(r, &q);
	struct stix_page pg;
	const char *bad = NULL;
	int rc = stix_query(&r->ctx, &q, &pg, &bad);
	if (rc)
		return fail_rc(r, rc, bad);
	if (mode == 2 && object_id && pg.n == 0 && !q.next)
		return req_fail(r, 404, "err.not_found");
	/* Written straight into the answer: a manifest page is up to 10,000
	 * entries, which a tree per entry made the slowest TAXII page. */
	buf_reset(&r->out);
	struct jw w;
	jw_init(&w, &r->out);
	jw_obj(&w);
	jw_key(&w, "more");
	jw_bool(&w, pg.more);
	if (pg.more) {
		jw_key(&w, "next");
		jw_str(&w, pg.next);
	}
	if (pg.n) {
		jw_key(&w, mode == 1 ? "objects" : "versions");
		jw_arr(&w);
	}
	for (size_t i = 0; i < pg.n; i++) {
		const struct stix_row *x = &pg.rows[i];
		if (mode == 1) {
			char t[40];
			stix_format_time(x->date_added_us, t, sizeof t);
			jw_obj(&w);
			jw_key(&w, "id");
			jw_str(&w, x->stix_id);
			jw_key(&w, "date_added");
			jw_str(&w, t);
			jw_key(&w, "version");
			jw_str(&w, x->version);
			jw_key(&w, "media_type");
			jw_str(&w, STIX_TYPE);
			jw_obj_end(&w);
		} else {
			jw_str(&w, x->version);
		}
	}
	if (pg.n)
		jw_arr_end(&w);
	jw_obj_end(&w);
	date_headers(r, pg.n, pg.n ? pg.rows[0].date_added_us : 0, pg.n ? pg.rows[pg.n - 1].date_added_us : 0,
		     page_floor(r, &q));
	return send_out(r, 200, &w);
}

int taxii_objects_get(struct request *r) { return list(r, NULL, false, 0); }
int taxii_object_get(struct request *r) { return list(r, r->params[1], false, 0); }
int taxii_manifest(struct request *r) { return list(r, NULL, false, 1); }
int taxii_versions(struct request *r) { return list(r, r->params[1], true, 2); }

/* One entry of a status resource's successes or failures (TAXII 4.3.1). */
struct status_entry {
	const char *id, *version, *message;
};

struct status_lists {
	struct status_entry *succ, *fail;
	size_t nsucc, nfail;
};

/* The status resource, written straight into r->out (a 10k-object POST
 * answers with 10k entries).  Lists are never empty in TAXII: an empty
 * one is left out.  id and version are required in an entry; an object
 * without created or modified (an SCO) has no version of its own, and
 * the store dates it by when it was added: the request's timestamp. */
static int send_status(struct request *r, int http, const struct stix_status_row *s, const struct status_lists *l)
{
	char ts[40];
	stix_format_time(s->request_us, ts, sizeof ts);
	buf_reset(&r->out);
	struct jw w;
	jw_init(&w, &r->out);
	jw_obj(&w);
	jw_key(&w, "id");
	jw_str(&w, s->uuid);
	jw_key(&w, "status");
	jw_str(&w, "complete");
	jw_key(&w, "request_timestamp");
	jw_str(&w, ts);
	jw_key(&w, "total_count");
	jw_int(&w, s->total);
	jw_key(&w, "success_count");
	jw_int(&w, s->success);
	jw_key(&w, "failure_count");
	jw_int(&w, s->failure);
	jw_key(&w, "pending_count");
	jw_int(&w, 0);
	for (int k = 0; k < 2; k++) {
		const struct status_entry *e = k ? l->fail : l->succ;
		size_t n = k ? l->nfail : l->nsucc;
		if (!n)
			continue;
		jw_key(&w, k ? "failures" : "successes");
		jw_arr(&w);
		for (size_t i = 0; i < n; i++) {
			jw_obj(&w);
			jw_key(&w, "id");
			jw_str(&w, e[i].id ? e[i].id : "");
			jw_key(&w, "version");
			jw_str(&w, e[i].version ? e[i].version : ts);
			if (e[i].message) {
				jw_key(&w, "message");
				jw_str(&w, e[i].message);
			}
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
	}
	jw_obj_end(&w);
	return send_out(r, http, &w);
}

/* The lists of a stored status (its details column, as record_status in
 * core/stix.c wrote them). */
static void stored_lists(struct arena *a, const char *details, struct status_lists *l)
{
	memset(l, 0, sizeof *l);
	json_t *d = details ? json_loads(details, 0, NULL) : NULL;
	for (int k = 0; k < 2; k++) {
		json_t *list = json_object_get(d, k ? "failures" : "successes");
		size_t n = json_array_size(list);
		struct status_entry *e = n ? arena_alloc(a, n * sizeof *e) : NULL;
		for (size_t i = 0; i < n; i++) {
			json_t *x = json_array_get(list, i);
			e[i] = (struct status_entry){
			    .id = arena_strdup(a, json_string_value(json_object_get(x, "id"))),
			    .version = arena_strdup(a, json_string_value(json_object_get(x, "version"))),
			    .message = arena_strdup(a, json_string_value(json_object_get(x, "message")))};
		}
		if (k) {
			l->fail = e;
			l->nfail = n;
		} else {
			l->succ = e;
			l->nsucc = n;
		}
	}
	json_decref(d);
}

/* The lists of an ingest just done, from its items: the same entries
 * record_status stored, without reading them back. */
static void ingest_lists(struct arena *a, const struct stix_status *st, bool stored, struct status_lists *l)
{
	memset(l, 0, sizeof *l);
	l->succ = arena_alloc(a, (st->total + 1) * sizeof *l->succ);
	l->fail = arena_alloc(a, (st->total + 1) * sizeof *l->fail);
	for (size_t i = 0; i < st->total; i++) {
		const struct stix_item *it = &st->items[i];
		struct status_entry e = {it->id, it->version, NULL};
		if (it->reason || !stored) {
			e.message = it->reason ? it->reason : STIX_NOT_STORED;
			l->fail[l->nfail++] = e;
		} else {
			l->succ[l->nsucc++] = e;
		}
	}
}

int taxii_objects_post(struct request *r)
{
	if (!accept_ok(r))
		return not_acceptable(r);
	const char *ct = r->content_type;
	if (!ct || !taxii_media(ct, strlen(ct), false))
		return req_fail_detail(r, 415, "err.unsupported_media", "Content-Type must be " TAXII_TYPE);
	struct stix_collection col;
	int rc = stix_collection_get(&r->ctx, r->params[0], &col);
	if (rc)
		return fail_rc(r, rc, NULL);
	if (!col.can_write)
		return req_fail(r, 403, "err.forbidden");
	struct stix_status st;
	rc = stix_ingest(&r->ctx, col.slug, r->body ? r->body : "", r->body_len, STIX_DOC_ENVELOPE, &st);
	if (rc == KR_EINVAL && st.error)
		return req_fail_detail(r, st.not_envelope ? 422 : 400, st.not_envelope ? "err.unprocessable"
										 : "err.bad_request",
				       st.error);
	if (rc && rc != KR_EINVAL)
		return fail_rc(r, rc, NULL);
	struct stix_status_row row = {.uuid = st.uuid, .request_us = st.request_us, .total = (int64_t)st.total,
				      .success = (int64_t)st.success, .failure = (int64_t)st.failure};
	struct status_lists l;
	ingest_lists(r->a, &st, rc == KR_OK, &l);
	return send_status(r, 202, &row, &l);
}

/* TAXII 5.7: the mandatory answers by the client's rights - neither
 * read nor write: 404; one of them: 403; both: the delete itself (403
 * when the object is someone else's to delete, 404 when nothing visible
 * matched).  A collection the viewer is not a member of is not there. */
int taxii_object_delete(struct request *r)
{
	struct stix_collection col;
	int st = load_collection(r, &col);
	if (st)
		return st;
	if (!col.can_read && !col.can_write)
		return req_fail(r, 404, "err.not_found");
	if (!col.can_read || !col.can_write)
		return req_fail(r, 403, "err.forbidden");
	const char *rep = repeated_param(r);
	if (rep)
		return req_fail_detail(r, 400, "err.bad_request",
				       arena_printf(r->a, "query parameter given more than once: %s", rep));
	const char *verr = version_list_error(r->a, req_query(r, "match[version]"));
	if (verr)
		return req_fail_detail(r, 400, "err.bad_request", verr);
	const char *bad = NULL;
	int rc = stix_delete(&r->ctx, col.community_id, r->params[1], req_query(r, "match[version]"),
			     req_query(r, "match[spec_version]"), &bad);
	if (rc)
		return fail_rc(r, rc, bad);
	buf_reset(&r->out);
	r->out_ctype = TAXII_TYPE;
	r->status = 200;
	return 200;
}

int taxii_status(struct request *r)
{
	if (!accept_ok(r))
		return not_acceptable(r);
	struct stix_status_row row;
	int rc = stix_status_get(&r->ctx, r->params[0], &row);
	if (rc)
		return fail_rc(r, rc, NULL);
	struct status_lists l;
	stored_lists(r->a, row.details, &l);
	return send_status(r, 200, &row, &l);
}
