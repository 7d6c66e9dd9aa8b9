/* demo_stix.c - demo indicators (see demo_stix.h).  Every value comes from
 * a fixed generator so two demo databases hold the same objects. */
#include "core/demo_stix.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stix.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

struct gen {
	uint64_t s;
	unsigned serial;
};

static uint32_t next(struct gen *g)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return (uint32_t)(g->s >> 11);
}

/* A version-4-shaped UUID from a counter: the same on every run. */
static const char *demo_id(struct arena *a, struct gen *g, const char *type)
{
	char in[64], h[65];
	snprintf(in, sizeof in, "kairan-demo-stix:%u", g->serial++);
	sha256_hex(in, strlen(in), h);
	h[12] = '4';
	h[16] = "89ab"[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3];
	return arena_printf(a, "%s--%.8s-%.4s-%.4s-%.4s-%.12s", type, h, h + 8, h + 12, h + 16, h + 20);
}

static const char *const nets[] = {"192.0.2", "198.51.100", "203.0.113"};
static const char *const words[] = {"update", "login",  "cdn",    "mail",  "secure", "portal",
				     "ticket", "stream", "verify", "games", "relay",  "files"};
static const char *const tlp_green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
static const char *const tlp_amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

static json_t *make_indicator(struct arena *a, struct gen *g, const char *when, const char **value_out)
{
	const char *pattern, *name;
	uint32_t r = next(g);
	switch (r % 4) {
	case 0:
		name = arena_printf(a, "%s.%u", nets[r % 3], (r >> 8) % 254 + 1);
		pattern = arena_printf(a, "[ipv4-addr:value = '%s']", name);
		break;
	case 1:
		name = arena_printf(a, "%s-%u.%s.example", words[r % 12], (r >> 8) % 1000, words[(r >> 4) % 12]);
		pattern = arena_printf(a, "[domain-name:value = '%s']", name);
		break;
	case 2:
		name = arena_printf(a, "http://%s%u.example/%s.php", words[r % 12], (r >> 8) % 100,
				    words[(r >> 12) % 12]);
		pattern = arena_printf(a, "[url:value = '%s']", name);
		break;
	default: {
		char in[32], h[65];
		snprintf(in, sizeof in, "demo-sample-%u", r);
		sha256_hex(in, strlen(in), h);
		name = arena_strdup(a, h);
		pattern = arena_printf(a, "[file:hashes.'SHA-256' = '%s']", h);
		break;
	}
	}
	*value_out = name;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s, s:i, s:[s]}", "type", "indicator",
			      "spec_version", "2.1", "id", demo_id(a, g, "indicator"), "created", when, "modified", when,
			      "name", name, "indicator_types", "malicious-activity", "pattern", pattern,
			      "pattern_type", "stix", "valid_from", when, "confidence", (int)(40 + r % 60),
			      "object_marking_refs", (r % 5 == 0) ? tlp_amber : tlp_green);
	return o;
}

/* The first active person of an organisation, as a viewer. */
static int act_as(struct ctx *c, const char *org_slug, struct ctx *out)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT p.id, p.org_id FROM people p JOIN orgs o ON o.id = p.org_id"
			    " WHERE o.slug = ?1 AND p.status = 'active' ORDER BY p.id LIMIT 1",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, org_slug);
	rc = db_step(st);
	*out = *c;
	out->who = (struct viewer){.role = ROLE_MEMBER, .locale = "ja", .login = "demo"};
	if (rc == KR_ROW) {
		out->who.person_id = db_col_int(st, 0);
		out->who.org_id = db_col_int(st, 1);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

static int post(struct ctx *c, const char *org, const char *collection, json_t *objs, size_t *n)
{
	struct ctx as;
	int rc = act_as(c, org, &as);
	if (rc == KR_OK) {
		json_t *env = json_pack("{s:O}", "objects", objs);
		char *doc = env ? json_dumps(env, JSON_COMPACT) : NULL;
		json_decref(env);
		struct stix_status st;
		rc = doc ? stix_ingest(&as, collection, doc, strlen(doc), STIX_DOC_ENVELOPE, &st) : KR_ENOMEM;
		if (rc == KR_OK)
			*n += st.success;
		free(doc);
	}
	json_decref(objs);
	return rc;
}

int demo_stix_load(struct ctx *c, size_t *n)
{
	*n = 0;
	if (!c->who.system)
		return KR_EPERM;
	struct gen g = {.s = 0x2020cafe, .serial = 1};
	struct arena *a = c->a;
	int rc = KR_OK;
	/* CTI vendors: 500 indicators each, in their own information community. */
	for (int v = 1; rc == KR_OK && v <= 5; v++) {
		json_t *objs = json_array();
		for (int i = 0; i < 500; i++) {
			const char *value;
			char when[40];
			snprintf(when, sizeof when, "2020-0%d-%02dT%02d:00:00.000Z", 1 + i % 7, 1 + i % 28, i % 24);
			json_array_append_new(objs, make_indicator(a, &g, when, &value));
		}
		char org[16], coll[24];
		snprintf(org, sizeof org, "cti-%d", v);
		snprintf(coll, sizeof coll, "info-cti-%d", v);
		rc = post(c, org, coll, objs, n);
	}
	/* The coordination center's IoC list: a malware family, 120
	 * indicators pointing at it, in the professional community. */
	const char *ind_ids[120];
	if (rc == KR_OK) {
		json_t *objs = json_array();
		const char *mal = demo_id(a, &g, "malware");
		json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:[s]}", "type", "malware",
						      "spec_version", "2.1", "id", mal, "created",
						      "2020-07-01T00:00:00.000Z", "modified", "2020-07-01T00:00:00.000Z",
						      "name", "DemoWiper", "is_family", 1, "malware_types", "wiper"));
		for (int i = 0; i < 120; i++) {
			const char *value;
			json_t *o = make_indicator(a, &g, "2020-07-02T09:00:00.000Z", &value);
			ind_ids[i] = arena_strdup(a, json_string_value(json_object_get(o, "id")));
			json_object_set_new(o, "description", json_string("対処調整センター IoC リスト 2020-07"));
			json_array_append_new(objs, o);
			json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
							      "relationship", "spec_version", "2.1", "id",
							      demo_id(a, &g, "relationship"), "created",
							      "2020-07-02T09:00:00.000Z", "modified",
							      "2020-07-02T09:00:00.000Z", "relationship_type", "indicates",
							      "source_ref", ind_ids[i], "target_ref", mal));
		}
		rc = post(c, "cc", "professional", objs, n);
	}
	/* Sightings of the list by ten critical-service providers. */
	for (int p = 1; rc == KR_OK && p <= 10; p++) {
		json_t *objs = json_array();
		for (int i = 0; i < 10; i++) {
			uint32_t r = next(&g);
			json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "type",
							      "sighting", "spec_version", "2.1", "id",
							      demo_id(a, &g, "sighting"), "created", "2020-07-03T10:00:00.000Z",
							      "modified", "2020-07-03T10:00:00.000Z", "sighting_of_ref",
							      ind_ids[r % 120], "count", (int)(1 + r % 20), "first_seen",
							      "2020-07-03T01:00:00Z", "last_seen", "2020-07-03T09:00:00Z"));
		}
		char org[16];
		snprintf(org, sizeof org, "cs-%03d", p);
		rc = post(c, org, "consultation", objs, n);
	}
	return rc;
}
