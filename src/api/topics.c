/* topics.c - API handlers for communities, topics, comments and
 * attachments.  Visibility is the core's (acl): a hidden topic is a 404
 * exactly like a missing one. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/community.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/bytecache.h"
#include "lib/util.h"
#include "web/html.h"

static json_t *community_json(const struct community *m)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:b, s:b}", "id", m->slug, "kind", m->kind,
			 "name_ja", m->name_ja, "name_en", m->name_en, "description", m->description ? m->description : "",
			 "everyone", m->everyone, "join_policy", m->join_policy, "post_policy", m->post_policy,
			 "member", m->member, "moderator", m->moderator, "can_post", m->can_post);
}

int api_communities_list(struct request *r)
{
	struct community *items;
	size_t n;
	int rc = community_list_mine(&r->ctx, &items, &n);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, community_json(&items[i]));
	/* Every community a person belongs to fits one page (capped at 500). */
	return api_send(r, 200, json_pack("{s:o, s:n}", "items", a, "next_cursor"));
}

int api_communities_get(struct request *r)
{
	struct community m;
	if (community_get(&r->ctx, r->params[0], &m))
		return req_fail(r, 404, "err.not_found");
	return api_send(r, 200, community_json(&m));
}

/* A topic's members, written straight into the answer (no jansson tree:
 * the list is the API's most read answer).  The object is left open so a
 * caller can add members; the order is the one clients have always seen. */
static void topic_members(struct jw *w, const struct topic *t, bool full)
{
	jw_obj(w);
	jw_key(w, "id"), jw_str(w, t->public_id);
	jw_key(w, "community"), jw_str(w, t->community);
	jw_key(w, "author"), jw_str(w, t->author);
	jw_key(w, "author_org"), jw_str(w, t->author_org);
	jw_key(w, "title"), jw_str(w, t->title);
	jw_key(w, "tag"), jw_str(w, t->tag);
	jw_key(w, "audience"), jw_str(w, t->audience);
	jw_key(w, "category"), jw_str(w, t->category);
	jw_key(w, "tlp"), jw_str(w, tlp_name(t->tlp));
	jw_key(w, "scope"), jw_str(w, t->scope);
	jw_key(w, "must_read"), jw_bool(w, t->must_read);
	jw_key(w, "pinned"), jw_bool(w, t->pinned);
	jw_key(w, "views"), jw_int(w, t->views);
	jw_key(w, "readers"), jw_int(w, t->readers);
	jw_key(w, "likes"), jw_int(w, t->likes);
	jw_key(w, "comments"), jw_int(w, t->comments);
	jw_key(w, "created_at"), jw_time(w, t->created_at);
	jw_key(w, "updated_at"), jw_time(w, t->updated_at);
	jw_key(w, "edited_at"), jw_time(w, t->edited_at);
	jw_key(w, "last_activity_at"), jw_time(w, t->last_activity_at);
	if (full) {
		jw_key(w, "body"), jw_str(w, t->body ? t->body : "");
		jw_key(w, "version"), jw_int(w, t->version);
		jw_key(w, "liked"), jw_bool(w, t->liked);
		jw_key(w, "confirmed"), jw_bool(w, t->confirmed);
		jw_key(w, "can_edit"), jw_bool(w, t->can_edit);
	}
}

/* The answer for one topic, with `reconfirm` when asked (PATCH). */
static int send_topic(struct request *r, int status, const struct topic *t, const bool *reconfirm)
{
	struct jw w;
	buf_reset(&r->out);
	jw_init(&w, &r->out);
	topic_members(&w, t, true);
	if (reconfirm)
		jw_key(&w, "reconfirm"), jw_bool(&w, *reconfirm);
	jw_obj_end(&w);
	return api_send_out(r, status, &w);
}

/* A list page: {"items": [...], "next_cursor", "total", "total_more",
 * then "first" (list) or "newest_first" (search)}. */
static int send_page(struct request *r, const struct topic_page *pg, bool search)
{
	struct jw w;
	buf_reset(&r->out);
	jw_init(&w, &r->out);
	jw_obj(&w);
	jw_key(&w, "items");
	jw_arr(&w);
	for (size_t i = 0; i < pg->n; i++) {
		topic_members(&w, &pg->items[i], false);
		if (search)
			jw_key(&w, "type"), jw_str(&w, "topic");
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "next_cursor"), jw_str(&w, pg->next_cursor);
	jw_key(&w, "total"), jw_int(&w, pg->total);
	jw_key(&w, "total_more"), jw_bool(&w, pg->total_more);
	if (search)
		jw_key(&w, "newest_first"), jw_bool(&w, pg->newest_first);
	else
		jw_key(&w, "first"), jw_int(&w, pg->first);
	jw_obj_end(&w);
	return api_send_out(r, 200, &w);
}

/* Filters shared by the JSON list and the CSV export. */
int api_topic_filter(struct request *r, struct topic_filter *f)
{
	memset(f, 0, sizeof *f);
	f->community = req_query(r, "community");
	f->tag = req_query(r, "tag");
	f->category = req_query(r, "category");
	f->tlp = req_query(r, "tlp");
	f->org = req_query(r, "org");
	f->cursor = req_query(r, "cursor");
	f->must_read_pending = str_eq(req_query(r, "must_read"), "pending");
	f->q = req_query(r, "q");
	if (topic_sort_parse(req_query(r, "sort"), &f->sort))
		return api_fail_field(r, "sort");
	if (!req_query(r, "sort") && !str_empty(f->q))
		f->sort = SORT_RELEVANCE;
	const char *from = req_query(r, "from"), *to = req_query(r, "to");
	if (from && time_parse_date(from, 540, &f->from))
		return api_fail_field(r, "from");
	if (to && time_parse_date(to, 540, &f->to))
		return api_fail_field(r, "to");
	if (to)
		f->to += 24LL * 3600 * 1000;
	if (api_limit(r, 100, &f->limit))
		return api_fail_field(r, "limit");
	return 0;
}

/* Written list answers, reused while topic_list serves the same page from
 * its cache: pg->cache_key and cache_version name the page exactly (see
 * src/core/topic.c; the key holds the viewer, so an answer is only ever
 * replayed to the viewer it was written for), and the answer depends on
 * nothing else.  A lib/bytecache.h cache (entries replaced by hash); a minute at
 * most, like the page cache itself. */
static struct byte_cache answer_cache = BYTE_CACHE_INIT(60000);

static int send_page_cached(struct request *r, const struct topic_page *pg)
{
	if (!pg->cache_key || !pg->cache_version)
		return send_page(r, pg, false);
	const char *key = arena_printf(r->a, "%s|%s", pg->cache_version, pg->cache_key);
	buf_reset(&r->out);
	if (byte_cache_append(&answer_cache, key, strlen(key), now_ms(), &r->out)) {
		r->out_ctype = "application/json; charset=utf-8";
		r->status = 200;
		return 200;
	}
	int status = send_page(r, pg, false);
	if (status == 200 && r->out.p)
		byte_cache_put(&answer_cache, key, strlen(key), r->out.p, r->out.len, now_ms());
	return status;
}

int api_topics_list(struct request *r)
{
	struct topic_filter f;
	if (api_topic_filter(r, &f))
		return r->status;
	struct topic_page pg;
	int rc = topic_list(&r->ctx, &f, &pg);
	if (rc == KR_EINVAL)
		return req_fail(r, 400, "err.bad_request");
	if (rc)
		return req_fail_rc(r, rc);
	return send_page_cached(r, &pg);
}

int api_topics_get(struct request *r)
{
	struct topic t;
	struct attachment *att;
	size_t n;
	int rc = topic_get_full(&r->ctx, r->params[0], &t, &att, &n);
	if (rc)
		return req_fail_rc(r, rc);
	topic_record_view(&r->ctx, t.id);
	struct jw w;
	buf_reset(&r->out);
	jw_init(&w, &r->out);
	topic_members(&w, &t, true);
	jw_key(&w, "attachments");
	jw_arr(&w);
	for (size_t i = 0; i < n; i++) {
		jw_obj(&w);
		jw_key(&w, "id"), jw_str(&w, att[i].public_id);
		jw_key(&w, "filename"), jw_str(&w, att[i].filename);
		jw_key(&w, "content_type"), jw_str(&w, att[i].ctype);
		jw_key(&w, "size"), jw_int(&w, att[i].size);
		jw_key(&w, "sha256"), jw_str(&w, att[i].sha256);
		jw_key(&w, "comment");
		if (att[i].comment_id)
			jw_int(&w, att[i].comment_id);
		else
			jw_null(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	return api_send_out(r, 200, &w);
}

/* Read topic fields from a JSON body; scope lists as string arrays. */
static int topic_input_json(struct request *r, json_t *b, struct topic_input *in, const char **bad)
{
	bool err = false;
	memset(in, 0, sizeof *in);
	in->community = api_str(b, "community", &err);
	in->title = api_str(b, "title", &err);
	in->tag = api_str(b, "tag", &err);
	in->audience = api_str(b, "audience", &err);
	in->category = api_str(b, "category", &err);
	in->tlp = api_str(b, "tlp", &err);
	in->body = api_str(b, "body", &err);
	in->scope = api_str(b, "scope", &err);
	in->must_read = api_bool(b, "must_read", false, &err);
	in->pinned = api_bool(b, "pinned", false, &err);
	if (err)
		return *bad = "body", KR_EINVAL;
	static const char *const lists[] = {"scope_orgs", "scope_people"};
	for (int k = 0; k < 2; k++) {
		json_t *arr = json_object_get(b, lists[k]);
		if (!arr || json_is_null(arr))
			continue;
		if (!json_is_array(arr) || json_array_size(arr) > TOPIC_SCOPE_MAX)
			return *bad = lists[k], KR_EINVAL;
		size_t n = json_array_size(arr);
		const char **v = arena_alloc(r->a, sizeof(char *) * (n + 1));
		for (size_t i = 0; i < n; i++) {
			json_t *e = json_array_get(arr, i);
			if (!json_is_string(e))
				return *bad = lists[k], KR_EINVAL;
			v[i] = arena_strdup(r->a, json_string_value(e));
		}
		if (k == 0) {
			in->scope_orgs = v;
			in->n_scope_orgs = n;
		} else {
			in->scope_people = v;
			in->n_scope_people = n;
		}
	}
	return KR_OK;
}

int api_topics_create(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	struct topic_input in;
	const char *bad = NULL, *pid = NULL;
	int rc = topic_input_json(r, b, &in, &bad);
	if (rc == KR_OK)
		rc = topic_create(&r->ctx, &in, &pid, &bad);
	bad = bad ? arena_strdup(r->a, bad) : NULL;
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	struct topic t;
	if ((rc = topic_get(&r->ctx, pid, &t)))
		return req_fail_rc(r, rc);
	return send_topic(r, 201, &t, NULL);
}

int api_topics_update(struct request *r)
{
	struct topic cur;
	int rc = topic_get(&r->ctx, r->params[0], &cur);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	struct topic_input in;
	const char *bad = NULL;
	rc = topic_input_json(r, b, &in, &bad);
	bool must_read_given = json_object_get(b, "must_read") != NULL;
	bool pinned_given = json_object_get(b, "pinned") != NULL;
	/* PATCH: absent members keep their values. */
	if (!in.title)
		in.title = cur.title;
	if (!json_object_get(b, "tag"))
		in.tag = cur.tag;
	if (!in.body)
		in.body = cur.body;
	if (!must_read_given)
		in.must_read = cur.must_read;
	if (!pinned_given)
		in.pinned = cur.pinned;
	bool reconfirm = false;
	if (rc == KR_OK && (in.community || in.scope || in.n_scope_orgs || in.n_scope_people)) {
		rc = KR_EINVAL;
		bad = "scope"; /* where and to whom is fixed at creation */
	}
	if (rc == KR_OK)
		rc = topic_edit(&r->ctx, cur.public_id, &in, &bad, &reconfirm);
	bad = bad ? arena_strdup(r->a, bad) : NULL;
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	struct topic t;
	if ((rc = topic_get(&r->ctx, cur.public_id, &t)))
		return req_fail_rc(r, rc);
	return send_topic(r, 200, &t, &reconfirm);
}

int api_topics_delete(struct request *r)
{
	int rc = topic_delete(&r->ctx, r->params[0]);
	if (rc)
		return req_fail_rc(r, rc);
	r->status = 204;
	return 204;
}

int api_topics_like(struct request *r)
{
	bool on = !str_eq(r->method, "DELETE");
	int rc = topic_like(&r->ctx, r->params[0], on);
	if (rc)
		return req_fail_rc(r, rc);
	struct topic t;
	if ((rc = topic_get(&r->ctx, r->params[0], &t)))
		return req_fail_rc(r, rc);
	return api_send(r, 200, json_pack("{s:b, s:I}", "liked", t.liked, "likes", (json_int_t)t.likes));
}

int api_topics_confirm(struct request *r)
{
	int rc = topic_confirm(&r->ctx, r->params[0]);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.bad_request", "not a must-read topic");
	if (rc)
		return req_fail_rc(r, rc);
	return api_send(r, 200, json_pack("{s:b}", "confirmed", 1));
}

int api_topics_share(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *to = api_str(b, "community", &err);
	int rc = err || !to ? KR_EINVAL : topic_share(&r->ctx, r->params[0], to);
	json_decref(b);
	if (rc == KR_EINVAL)
		return api_fail_field(r, "community");
	if (rc)
		return req_fail_rc(r, rc);
	return api_send(r, 200, json_pack("{s:b}", "shared", 1));
}

int api_topics_read_status(struct request *r)
{
	struct read_status *rs;
	size_t n;
	int rc = topic_read_status(&r->ctx, r->params[0], &rs, &n);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.bad_request", "not a must-read topic");
	if (rc)
		return req_fail_rc(r, rc);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:I}", "org", rs[i].org, "name_ja",
						   rs[i].org_name_ja, "name_en", rs[i].org_name_en, "confirmed",
						   (json_int_t)rs[i].confirmed, "total", (json_int_t)rs[i].total));
	return api_send(r, 200, json_pack("{s:o}", "items", a));
}

int api_comments_list(struct request *r)
{
	struct comment *items;
	size_t n;
	int rc = comment_list(&r->ctx, r->params[0], &items, &n);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:b, s:o}", "id", (json_int_t)items[i].id,
						   "author", items[i].author, "author_name", items[i].author_name,
						   "body", items[i].body, "deleted", items[i].deleted, "created_at",
						   api_time(r, items[i].created_at)));
	return api_send(r, 200, json_pack("{s:o, s:n}", "items", a, "next_cursor"));
}

int api_comments_create(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	bool err = false;
	const char *body = api_str(b, "body", &err);
	int64_t id = 0;
	int rc = err || !body ? KR_EINVAL : comment_add(&r->ctx, r->params[0], body, &id);
	json_decref(b);
	if (rc == KR_EINVAL)
		return api_fail_field(r, "body");
	if (rc)
		return req_fail_rc(r, rc);
	return api_send(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int api_comments_delete(struct request *r)
{
	int64_t id;
	if (parse_i64(r->params[0], 1, INT64_MAX, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = comment_delete(&r->ctx, id);
	if (rc)
		return req_fail_rc(r, rc);
	r->status = 204;
	return 204;
}

/* multipart/form-data with a "file" part (and optional "comment"). */
int api_attachments_create(struct request *r)
{
	const struct kv *f = req_file(r, "file");
	if (!f)
		return api_fail_field(r, "file");
	int64_t comment = 0;
	const char *cs = req_form(r, "comment");
	if (cs && parse_i64(cs, 1, INT64_MAX, &comment))
		return api_fail_field(r, "comment");
	const char *pid = NULL, *bad = NULL;
	int rc = attachment_add(&r->ctx, r->params[0], comment, f->filename, f->ctype, f->val, f->len, &pid, &bad);
	if (rc)
		return api_fail(r, rc, bad);
	return api_send(r, 201, json_pack("{s:s}", "id", pid));
}

/* Files are always downloads: never rendered inline, never sniffed. */
int api_send_attachment(struct request *r, const struct attachment *a)
{
	/* RFC 6266/5987: the UTF-8 name percent-encoded; the plain filename
	 * parameter stays ASCII-only so no header injection or mojibake. */
	resp_header(r, "Content-Disposition",
		    arena_printf(r->a, "attachment; filename=\"download\"; filename*=UTF-8''%s",
				 url_encode(r->a, a->filename)));
	/* On top of the site-wide policy: nothing in the file may run. */
	resp_header(r, "Content-Security-Policy", "default-src 'none'; sandbox");
	resp_header(r, "X-Kairan-SHA256", a->sha256);
	return resp_bytes(r, 200, "application/octet-stream", a->data, (size_t)a->size);
}

int api_attachment_download(struct request *r)
{
	struct attachment a;
	int rc = attachment_get(&r->ctx, r->params[0], &a);
	if (rc)
		return req_fail_rc(r, rc);
	return api_send_attachment(r, &a);
}

/* GET /api/v1/search?q= (R0.6): everything the caller may see that matches;
 * today that is topics (titles, bodies, comments), best match first. */
int api_search(struct request *r)
{
	struct topic_filter f;
	if (api_topic_filter(r, &f))
		return r->status;
	if (str_empty(f.q))
		return api_fail_field(r, "q");
	struct topic_page pg;
	int rc = topic_list(&r->ctx, &f, &pg);
	if (rc == KR_EINVAL)
		return req_fail(r, 400, "err.bad_request");
	if (rc)
		return req_fail_rc(r, rc);
	return send_page(r, &pg, true);
}
