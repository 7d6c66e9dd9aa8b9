/* indicators.c - indicator exports over the JSON API.  See indicators.h.
 * The handler checks the request and starts a stream; each chunk is one
 * call of stix_export_next on this thread's connection with an arena of
 * its own, so memory stays flat whatever the export's size. */
#include "api/indicators.h"
#include "api/api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/stix.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

/* One streamed export: the core's *_next function and its state. */
struct stream {
	api_export_next_fn next;
	void *state;
	int *stage;
};

/* Each chunk runs on this thread's connection with an arena of its own. */
static int stream_chunk(struct request *r, void *ud, struct buf *out)
{
	struct stream *s = ud;
	struct db *db = db_thread();
	if (!db)
		return KR_EUNAVAIL;
	struct arena *a = arena_new();
	struct ctx c = r->ctx;
	c.db = db;
	c.a = a;
	c.tx_depth = 0;
	int rc = s->next(&c, s->state, out);
	arena_free(a);
	return rc;
}

int api_indicators_collection(struct request *r, int64_t *id)
{
	*id = 0;
	const char *slug = req_query(r, "collection");
	if (!slug)
		return 0;
	struct stix_collection col;
	int rc = stix_collection_by_slug(&r->ctx, slug, &col);
	if (rc)
		return req_fail_rc(r, rc);
	*id = col.community_id;
	return 0;
}

int api_indicators_stream(struct request *r, api_export_next_fn next, void *state, int *stage, const char *ctype,
			  const char *filename)
{
	/* The first chunk runs now, so a failure is still a clean error. */
	struct buf first = BUF_INIT;
	int rc = next(&r->ctx, state, &first);
	if (rc < 0) {
		buf_free(&first);
		return req_fail_rc(r, rc);
	}
	struct stream *s = arena_alloc(r->a, sizeof *s);
	*s = (struct stream){next, state, stage};
	if (filename)
		resp_header(r, "Content-Disposition", arena_printf(r->a, "attachment; filename=\"%s\"", filename));
	resp_header(r, "Cache-Control", "no-store");
	resp_stream(r, 200, ctype, stream_chunk, s);
	/* resp_stream emptied r->out; the first chunk goes out before the rest. */
	buf_add(&r->out, first.p ? first.p : "", first.len);
	buf_free(&first);
	if (rc == 0)
		*stage = 2;
	return 200;
}

static int export_next(struct ctx *c, void *e, struct buf *out)
{
	return stix_export_next(c, e, out);
}

static int start(struct request *r, struct stix_export *e, const char *ctype, const char *filename)
{
	return api_indicators_stream(r, export_next, e, &e->stage, ctype, filename);
}

int api_indicators_export(struct request *r)
{
	const char *fmt = req_query(r, "format");
	struct stix_export *e = arena_alloc(r->a, sizeof *e);
	int st = api_indicators_collection(r, &e->community_id);
	if (st)
		return st;
	if (str_eq(fmt, "stix")) {
		if (!e->community_id)
			return req_fail_detail(r, 400, "err.invalid_field", "collection");
		e->fmt = STIX_EXPORT_BUNDLE;
		return start(r, e, "application/stix+json;version=2.1", NULL);
	}
	if (str_eq(fmt, "suricata") || str_eq(fmt, "snort"))
		return api_indicators_export_rules(r, str_eq(fmt, "snort"));
	if (str_eq(fmt, "csv")) {
		e->fmt = STIX_EXPORT_CSV;
		return start(r, e, "text/csv; charset=utf-8", "indicators.csv");
	}
	return req_fail_detail(r, 400, "err.invalid_field", "format");
}

int api_indicators_import_target(struct request *r, const char *ctype, struct stix_collection *col)
{
	const char *ct = r->content_type;
	if (!ct || strncasecmp(ct, ctype, strlen(ctype)) != 0)
		return req_fail_detail(r, 415, "err.unsupported_media",
				       arena_printf(r->a, "Content-Type must be %s", ctype));
	const char *slug = req_query(r, "collection");
	if (!slug)
		return req_fail_detail(r, 400, "err.invalid_field", "collection");
	int rc = stix_collection_by_slug(&r->ctx, slug, col);
	if (rc)
		return req_fail_rc(r, rc);
	if (!col->can_write)
		return req_fail(r, 403, "err.forbidden");
	return 0;
}

int api_indicators_rejected(struct request *r, const char *message, json_t *lines)
{
	json_t *e = json_pack("{s:s, s:s, s:o}", "code", "invalid", "message", message, "lines", lines);
	return api_send(r, 422, json_pack("{s:o}", "error", e));
}

int api_indicators_blocklist(struct request *r)
{
	if (!stix_value_kind_ok(r->params[0]))
		return req_fail_detail(r, 400, "err.invalid_field", "kind");
	struct stix_export *e = arena_alloc(r->a, sizeof *e);
	int st = api_indicators_collection(r, &e->community_id);
	if (st)
		return st;
	e->fmt = STIX_EXPORT_BLOCKLIST;
	e->kind = arena_strdup(r->a, r->params[0]);
	return start(r, e, "text/plain; charset=utf-8", NULL);
}

int api_indicators_import(struct request *r)
{
	const char *format = req_query(r, "format");
	if (str_eq(format, "misp"))
		return api_indicators_import_misp(r);
	if (format && !str_eq(format, "csv"))
		return req_fail_detail(r, 400, "err.invalid_field", "format");
	struct stix_collection col;
	int rc = api_indicators_import_target(r, "text/csv", &col);
	if (rc)
		return rc;
	struct stix_status st;
	rc = stix_import_csv(&r->ctx, col.slug, r->body ? r->body : "", r->body_len, &st);
	if (rc == KR_EINVAL) {
		json_t *lines = json_array();
		for (size_t i = 0; i < st.total && json_array_size(lines) < 1000; i++)
			if (st.items[i].reason)
				json_array_append_new(lines, json_string(st.items[i].reason));
		if (st.error)
			json_array_append_new(lines, json_string(st.error));
		return api_indicators_rejected(r, "Nothing was imported: correct these rows and send the file again.",
					       lines);
	}
	if (rc)
		return req_fail_rc(r, rc);
	return api_send(r, 201, json_pack("{s:I, s:s}", "imported", (json_int_t)st.success, "status_id", st.uuid));
}

int api_indicators_correlation(struct request *r)
{
	const char *value = req_query(r, "value"), *kind = req_query(r, "kind");
	struct stix_correlation cr;
	int rc = stix_correlate(&r->ctx, kind, value, &cr);
	if (rc == KR_EINVAL)
		return req_fail_detail(r, 400, "err.invalid_field", kind && !stix_value_kind_ok(kind) ? "kind" : "value");
	if (rc)
		return req_fail_rc(r, rc);
	json_t *v = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I}", "value", value, "kind", kind ? json_string(kind) : json_null(),
			      "objects", (json_int_t)cr.objects, "organisations", (json_int_t)cr.orgs, "collections",
			      (json_int_t)cr.collections, "topics", (json_int_t)cr.topics);
	return api_send(r, 200, v);
}
