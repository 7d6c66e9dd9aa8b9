/* json.c - helpers shared by the API handlers: body parsing under caps,
 * typed member access, responses, paging parameters, error mapping. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/util.h"


json_t *api_body(struct request *r)
{
	if (!r->body || r->body_len == 0) {
		req_fail_detail(r, 400, "err.bad_request", "empty body: a JSON object is required");
		return NULL;
	}
	const char *ct = r->content_type ? r->content_type : "";
	if (strncmp(ct, "application/json", 16) != 0) {
		req_fail_detail(r, 415, "err.bad_request", "Content-Type must be application/json");
		return NULL;
	}
	if (!utf8_valid(r->body, r->body_len)) {
		req_fail(r, 400, "err.bad_utf8");
		return NULL;
	}
	json_error_t e;
	json_t *v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
	if (!v) {
		req_fail_detail(r, 400, "err.bad_request",
				arena_printf(r->a, "invalid JSON at line %d column %d: %s", e.line, e.column, e.text));
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		req_fail_detail(r, 400, "err.bad_request", "the body must be a JSON object");
		return NULL;
	}
	return v;
}

const char *api_str(json_t *o, const char *key, bool *err)
{
	json_t *m = json_object_get(o, key);
	if (!m || json_is_null(m))
		return NULL;
	if (!json_is_string(m)) {
		*err = true;
		return NULL;
	}
	/* jansson strings may hold NUL bytes; those are refused. */
	const char *s = json_string_value(m);
	if (strlen(s) != json_string_length(m)) {
		*err = true;
		return NULL;
	}
	return s;
}

bool api_bool(json_t *o, const char *key, bool def, bool *err)
{
	json_t *m = json_object_get(o, key);
	if (!m || json_is_null(m))
		return def;
	if (!json_is_boolean(m)) {
		*err = true;
		return def;
	}
	return json_is_true(m);
}

int api_send(struct request *r, int status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	if (!s)
		return req_fail(r, 500, "err.internal");
	buf_reset(&r->out);
	buf_adds(&r->out, s);
	free(s);
	r->out_ctype = "application/json; charset=utf-8";
	r->status = status;
	return status;
}

int api_limit(struct request *r, int max, int *out)
{
	*out = 0;
	const char *s = req_query(r, "limit");
	if (!s)
		return KR_OK;
	int64_t n;
	if (parse_i64(s, 1, max, &n))
		return KR_EINVAL;
	*out = (int)n;
	return KR_OK;
}

int api_fail_field(struct request *r, const char *field)
{
	return req_fail_detail(r, 400, "err.invalid_field", field);
}

int api_fail(struct request *r, int rc, const char *bad)
{
	if (rc == KR_EINVAL && bad)
		return api_fail_field(r, bad);
	if (rc == KR_ECONFLICT && bad)
		return req_fail_detail(r, 409, "err.conflict", bad);
	return req_fail_rc(r, rc);
}

json_t *api_time(struct request *r, int64_t ms)
{
	(void)r;
	if (ms <= 0)
		return json_null();
	char b[40];
	time_rfc3339(ms, b, sizeof b);
	return json_string(b);
}

int api_send_out(struct request *r, int status, const struct jw *w)
{
	if (w->bad || w->depth != 0) {
		buf_reset(&r->out);
		return req_fail(r, 500, "err.internal");
	}
	r->out_ctype = "application/json; charset=utf-8";
	r->status = status;
	return status;
}
