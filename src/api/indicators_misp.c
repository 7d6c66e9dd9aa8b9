/* indicators_misp.c - the JSON API's MISP and IDS-rule routes over the
 * STIX store (SPEC R11.3): MISP event import, Suricata/Snort rule exports
 * and the MISP feed (manifest.json, hashes.csv, event files).  See
 * indicators.h for the routes; core/stix_misp.h and core/stix_rules.h for
 * what is made.  Exports stream: each chunk is one call of the core's
 * *_next function on this thread's connection with an arena of its own. */
#include "api/indicators.h"
#include "api/api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/stix.h"
#include "core/stix_misp.h"
#include "core/stix_rules.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "store/db.h"

int api_indicators_import_misp(struct request *r)
{
	struct stix_collection col;
	int rc = api_indicators_import_target(r, "application/json", &col);
	if (rc)
		return rc;
	struct stix_misp m;
	struct stix_status st;
	rc = stix_import_misp(&r->ctx, col.slug, r->body ? r->body : "", r->body_len, &m, &st);
	if (rc == KR_EINVAL) {
		json_t *lines = json_array();
		for (size_t i = 0; i < m.nproblems; i++)
			json_array_append_new(lines, json_string(m.problems[i]));
		return api_indicators_rejected(
			r, "Nothing was imported: correct these events and attributes and send the file again.", lines);
	}
	if (rc)
		return req_fail_rc(r, rc);
	json_t *skips = json_array();
	for (size_t i = 0; i < m.nskips; i++)
		json_array_append_new(skips, json_pack("{s:s, s:I}", "reason", m.skips[i].reason,
						       "count", (json_int_t)m.skips[i].count));
	return api_send(r, 201,
		    json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "imported", (json_int_t)st.success,
			      "status_id", st.uuid, "events", (json_int_t)m.events, "attributes",
			      (json_int_t)m.attributes, "indicators", (json_int_t)m.indicators, "observed_data",
			      (json_int_t)m.observed, "reports", (json_int_t)m.reports, "skipped",
			      (json_int_t)m.skipped, "skipped_reasons", skips));
}

static int rules_next(struct ctx *c, void *e, struct buf *out)
{
	return stix_rules_next(c, e, out);
}

static int rules_start(struct request *r, struct stix_rules *e, const char *ctype, const char *filename)
{
	return api_indicators_stream(r, rules_next, e, &e->stage, ctype, filename);
}

int api_indicators_export_rules(struct request *r, bool snort)
{
	struct stix_rules *e = arena_alloc(r->a, sizeof *e);
	int st = api_indicators_collection(r, &e->community_id);
	if (st)
		return st;
	const char *base = req_query(r, "sid_base");
	if (base && parse_i64(base, 1, 4000000000LL, &e->sid_base))
		return req_fail_detail(r, 400, "err.invalid_field", "sid_base");
	e->fmt = snort ? STIX_RULES_SNORT : STIX_RULES_SURICATA;
	return rules_start(r, e, "text/plain; charset=utf-8", snort ? "kairan-snort.rules" : "kairan-suricata.rules");
}

int api_indicators_misp_feed(struct request *r)
{
	const char *name = r->params[0];
	struct stix_rules *e = arena_alloc(r->a, sizeof *e);
	int st = api_indicators_collection(r, &e->community_id);
	if (st)
		return st;
	if (str_eq(name, "manifest.json")) {
		e->fmt = STIX_FEED_MANIFEST;
		return rules_start(r, e, "application/json", NULL);
	}
	if (str_eq(name, "hashes.csv")) {
		e->fmt = STIX_FEED_HASHES;
		return rules_start(r, e, "text/csv; charset=utf-8", NULL);
	}
	size_t n = name ? strlen(name) : 0;
	if (n != 41 || strcmp(name + 36, ".json") != 0)
		return req_fail(r, 404, "err.not_found");
	int rc = stix_feed_event_find(&r->ctx, arena_strndup(r->a, name, 36), e);
	if (rc)
		return req_fail_rc(r, rc);
	return rules_start(r, e, "application/json", NULL);
}
