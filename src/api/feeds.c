/* feeds.c - JSON API v1 over core/federation.h (see api/feeds.h). */
#include "api/feeds.h"

#include <stddef.h>
#include <string.h>

#include "api/api.h"
#include "core/federation.h"
#include "lib/arena.h"
#include "lib/util.h"

static json_t *feed_json(struct request *r, const struct feed *f)
{
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(f->id));
	json_object_set_new(j, "name", json_string(f->name));
	json_object_set_new(j, "url", json_string(f->url));
	json_object_set_new(j, "collection", json_string(f->collection));
	json_object_set_new(j, "owner", json_string(f->owner_login));
	json_object_set_new(j, "auth_user", json_string(f->auth_user));
	json_object_set_new(j, "has_secret", json_boolean(f->has_secret));
	json_object_set_new(j, "tls_verify", json_boolean(f->tls_verify));
	json_object_set_new(j, "enabled", json_boolean(f->enabled));
	json_object_set_new(j, "interval_s", json_integer(f->interval_s));
	json_object_set_new(j, "page_size", json_integer(f->page_size));
	json_object_set_new(j, "added_after", f->cursor[0] ? json_string(f->cursor) : json_null());
	json_object_set_new(j, "last_run_at", api_time(r, f->last_run_at));
	json_object_set_new(j, "last_ok_at", api_time(r, f->last_ok_at));
	json_object_set_new(j, "last_error", f->last_error[0] ? json_string(f->last_error) : json_null());
	json_object_set_new(j, "last_pulled", json_integer(f->last_pulled));
	json_object_set_new(j, "total_pulled", json_integer(f->total_pulled));
	json_object_set_new(j, "runs", json_integer(f->runs));
	json_object_set_new(j, "created_at", api_time(r, f->created_at));
	return j;
}

static int feed_param(struct request *r, int64_t *id)
{
	return parse_i64(r->params[0], 1, INT64_MAX, id);
}

int api_feeds_list(struct request *r)
{
	struct feed *v;
	size_t n;
	int rc = feed_list(&r->ctx, &v, &n);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, feed_json(r, &v[i]));
	return api_send(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

/* An optional integer member: 0 when absent. */
static int int_member(json_t *b, const char *key, int *out)
{
	json_t *m = json_object_get(b, key);
	*out = 0;
	if (!m || json_is_null(m))
		return KR_OK;
	if (!json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 100000000)
		return KR_EINVAL;
	*out = (int)json_integer_value(m);
	return KR_OK;
}

int api_feeds_create(struct request *r)
{
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	struct feed_new in = {0};
	bool err = false;
	const char *bad = NULL;
	in.name = api_str(b, "name", &err);
	if (err)
		bad = "name";
	in.url = api_str(b, "url", &err);
	if (err && !bad)
		bad = "url";
	in.collection = api_str(b, "collection", &err);
	if (err && !bad)
		bad = "collection";
	in.owner_login = api_str(b, "owner", &err);
	if (err && !bad)
		bad = "owner";
	in.auth_user = api_str(b, "auth_user", &err);
	if (err && !bad)
		bad = "auth_user";
	in.auth_secret = api_str(b, "secret", &err);
	if (err && !bad)
		bad = "secret";
	in.tls_verify = api_bool(b, "tls_verify", true, &err);
	if (err && !bad)
		bad = "tls_verify";
	in.disabled = !api_bool(b, "enabled", true, &err);
	if (err && !bad)
		bad = "enabled";
	if (!bad && int_member(b, "interval_s", &in.interval_s))
		bad = "interval";
	if (!bad && int_member(b, "page_size", &in.page_size))
		bad = "page_size";
	int64_t id = 0;
	int rc = bad ? KR_EINVAL : feed_create(&r->ctx, &in, &id, &bad);
	bad = bad ? arena_strdup(r->a, bad) : NULL;
	json_decref(b);
	if (rc)
		return api_fail(r, rc, bad);
	struct feed f;
	if ((rc = feed_get(&r->ctx, id, &f)))
		return req_fail_rc(r, rc);
	resp_header(r, "Location", arena_printf(r->a, "/api/v1/feeds/%lld", (long long)id));
	return api_send(r, 201, feed_json(r, &f));
}

int api_feeds_get(struct request *r)
{
	int64_t id;
	struct feed f;
	if (feed_param(r, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = feed_get(&r->ctx, id, &f);
	return rc ? req_fail_rc(r, rc) : api_send(r, 200, feed_json(r, &f));
}

int api_feeds_delete(struct request *r)
{
	int64_t id;
	if (feed_param(r, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = feed_remove(&r->ctx, id);
	if (rc)
		return req_fail_rc(r, rc);
	r->status = 204;
	return 204;
}

int api_feeds_pull(struct request *r)
{
	int64_t id;
	if (feed_param(r, &id))
		return req_fail(r, 404, "err.not_found");
	int rc = feed_pull_soon(&r->ctx, id);
	return rc ? req_fail_rc(r, rc) : api_send(r, 202, json_pack("{s:b}", "queued", 1));
}

/* PATCH: only the members given change.  Unknown members are refused
 * (a misspelt one must not look accepted), as is anything of the wrong
 * type; "secret": "" keeps the key, null removes it. */
int api_feeds_update(struct request *r)
{
	int64_t id;
	if (feed_param(r, &id))
		return req_fail(r, 404, "err.not_found");
	json_t *b = api_body(r);
	if (!b)
		return r->status;
	static const char *const known[] = {"name", "url", "collection", "owner", "auth_user", "secret",
					    "tls_verify", "enabled", "interval_s", "page_size"};
	const char *bad = NULL;
	const char *key;
	json_t *v;
	json_object_foreach (b, key, v) {
		bool ok = false;
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			ok = ok || str_eq(key, known[i]);
		if (!ok && !bad)
			bad = arena_strdup(r->a, key);
	}
	struct feed_edit in = {.tls_verify = -1, .enabled = -1};
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
		{"name", offsetof(struct feed_edit, name)},
		{"url", offsetof(struct feed_edit, url)},
		{"collection", offsetof(struct feed_edit, collection)},
		{"owner", offsetof(struct feed_edit, owner_login)},
		{"auth_user", offsetof(struct feed_edit, auth_user)},
	};
	for (size_t i = 0; !bad && i < sizeof strs / sizeof strs[0]; i++) {
		bool err = false;
		const char *s = api_str(b, strs[i].key, &err);
		if (err)
			bad = strs[i].key;
		else
			*(const char **)((char *)&in + strs[i].off) = s ? arena_strdup(r->a, s) : NULL;
	}
	json_t *sv = json_object_get(b, "secret");
	if (!bad && sv && json_is_null(sv))
		in.clear_secret = true;
	else if (!bad && sv && !json_is_string(sv))
		bad = "secret";
	else if (!bad && sv)
		in.auth_secret = arena_strdup(r->a, json_string_value(sv));
	static const char *const bools[] = {"tls_verify", "enabled"};
	for (size_t i = 0; !bad && i < 2; i++) {
		json_t *m = json_object_get(b, bools[i]);
		if (m && !json_is_boolean(m))
			bad = bools[i];
		else if (m)
			*(i ? &in.enabled : &in.tls_verify) = json_is_true(m) ? 1 : 0;
	}
	/* A number out of range goes to the core as such (0 would mean keep). */
	static const char *const nums[][2] = {{"interval_s", "interval"}, {"page_size", "page_size"}};
	for (size_t i = 0; !bad && i < 2; i++) {
		json_t *m = json_object_get(b, nums[i][0]);
		if (!m)
			continue;
		if (!json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 100000000)
			bad = nums[i][1];
		else
			*(i ? &in.page_size : &in.interval_s) = (int)json_integer_value(m);
	}
	json_decref(b);
	int rc = KR_EINVAL;
	if (!bad) {
		rc = feed_update(&r->ctx, id, &in, NULL, &bad);
		bad = bad ? arena_strdup(r->a, bad) : NULL;
	}
	if (rc == KR_ENOTFOUND || rc == KR_EPERM)
		return req_fail_rc(r, rc);
	if (rc)
		return api_fail(r, rc, bad);
	struct feed f;
	if ((rc = feed_get(&r->ctx, id, &f)))
		return req_fail_rc(r, rc);
	return api_send(r, 200, feed_json(r, &f));
}
