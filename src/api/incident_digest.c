/* incident_digest.c - GET /api/v1/incidents/digest: the consultation
 * desk's situation over the last 24 hours (R9.6), the numbers of the home
 * page's incident overview and the daily digest mail, for the caller's
 * visible cases only (see core/incident_digest.h). */
#include "api/api.h"
#include "core/incident.h"
#include "core/incident_digest.h"
#include "core/topic.h"

int api_incidents_digest(struct request *r)
{
	struct incident_digest d;
	int64_t now = r->ctx.now;
	int rc = incident_digest_get(&r->ctx, now - INCIDENT_DIGEST_WINDOW_MS, now + 1, &d);
	if (rc)
		return req_fail_rc(r, rc);
	json_t *by_class = json_object(), *by_state = json_object(), *cases = json_array();
	for (size_t i = 0; i < d.n_classes; i++)
		json_object_set_new(by_class, d.by_class[i].klass,
				    json_pack("{s:I, s:I, s:I}", "new", (json_int_t)d.by_class[i].new_n, "open",
					      (json_int_t)d.by_class[i].open_n, "resolved", (json_int_t)d.by_class[i].resolved_n));
	for (size_t i = 0; i < incident_nstates; i++)
		if (d.open_by_state[i])
			json_object_set_new(by_state, incident_states[i], json_integer(d.open_by_state[i]));
	for (size_t i = 0; i < d.n_new_cases; i++)
		json_array_append_new(cases, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", d.new_cases[i].public_id, "title",
						       d.new_cases[i].title, "tlp", tlp_name(d.new_cases[i].tlp), "class",
						       d.new_cases[i].klass, "state", d.new_cases[i].state));
	return api_send(r, 200,
			json_pack("{s:o, s:o, s:{s:I, s:I, s:I}, s:o, s:o, s:I, s:I, s:o}", "since", api_time(r, d.since),
				  "until", api_time(r, now), "total", "new", (json_int_t)d.total.new_n, "open",
				  (json_int_t)d.total.open_n, "resolved", (json_int_t)d.total.resolved_n, "by_class",
				  by_class, "open_by_state", by_state, "support_answered", (json_int_t)d.support_answered,
				  "cc_topics", (json_int_t)d.cc_topics, "new_cases", cases));
}
