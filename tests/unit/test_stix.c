/* test_stix.c - the STIX 2.1 store at the core level, on both engines:
 * validation of good objects, of each required property missing, of bad
 * ids, timestamps and patterns, of hostile documents (deep nesting, huge
 * strings, duplicate ids and keys, bad UTF-8) rejected with a reason and
 * nothing stored; ingest (values, TLP, versions, idempotence, rights) and
 * the TAXII queries (latest/all versions, keyset paging, added_after,
 * match filters, TLP:RED kept to its organisation, delete). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testenv.h"

#include "core/auth.h"
#include "core/community.h"
#include "core/demo.h"
#include "core/demo_stix.h"
#include "core/org.h"
#include "core/person.h"
#include "core/stix.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

static struct ctx as(struct testenv *f, const char *login)
{
	struct ctx c = testenv_as(f, login, "en");
	c.now = now_ms();
	return c;
}

/* A fresh database with the coordination center and the built-in
 * communities (what `kairan demo` starts from); the cc's id. */
static int64_t open_site(struct testenv *f)
{
	testenv_open(f, "stix");
	int64_t cc = testenv_org(f, "cc", NULL, NULL, "coordination_center", NULL);
	assert_int_equal(community_init_builtin(&f->sys), KR_OK);
	return cc;
}

static int setup_site(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	open_site(f);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	int64_t cc = open_site(f);
	int64_t rail = testenv_org(f, "rail", NULL, NULL, "critical_service", NULL);
	int64_t other = testenv_org(f, "other", NULL, NULL, "venue", NULL);
	testenv_person(f, cc, "coord", NULL, ROLE_COORDINATOR);
	testenv_person(f, rail, "rail1", NULL, ROLE_MEMBER);
	testenv_person(f, rail, "rail2", NULL, ROLE_MEMBER);
	testenv_person(f, other, "other1", NULL, ROLE_MEMBER);
	struct ctx rail1 = as(f, "rail1");
	struct community cm = {.slug = "rail-isac", .name_ja = "rail-isac", .name_en = "Rail ISAC",
			       .description = "", .join_policy = "invite", .post_policy = "members"};
	const char *bad = NULL;
	assert_int_equal(community_create(&rail1, &cm, NULL, &bad), KR_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	testenv_close(*state);
	free(*state);
	return 0;
}

#define IND_ID "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
#define IND                                                                                   \
	"{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" IND_ID "\","               \
	"\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","   \
	"\"indicator_types\":[\"malicious-activity\"],\"name\":\"Poison Ivy Malware\","        \
	"\"pattern\":\"[file:hashes.'SHA-256' = "                                              \
	"'4BAC27393BDD9777CE02453256C5577CD02275510B2227F473D03F533924F877']\","                \
	"\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\"}"

static const char *good[] = {
	IND,
	"{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"198.51.100.3\"}",
	"{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b\","
	"\"created\":\"2016-04-06T20:07:09.000Z\",\"modified\":\"2016-04-06T20:07:09.000Z\",\"name\":\"Poison Ivy\","
	"\"is_family\":true}",
	"{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad\","
	"\"created\":\"2016-04-06T20:06:37.000Z\",\"modified\":\"2016-04-06T20:06:37.000Z\","
	"\"relationship_type\":\"indicates\",\"source_ref\":\"" IND_ID "\","
	"\"target_ref\":\"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b\"}",
	"{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--ee20065d-2555-424f-ad9e-0f8428623c75\","
	"\"created\":\"2016-04-06T20:08:31.000Z\",\"modified\":\"2016-04-06T20:08:31.000Z\","
	"\"sighting_of_ref\":\"" IND_ID "\",\"count\":3}",
	"{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"identity--311b2d2d-f010-4473-83ec-1edf84858f4c\","
	"\"created\":\"2015-12-21T19:59:11Z\",\"modified\":\"2015-12-21T19:59:11Z\",\"name\":\"Cole Powers\","
	"\"identity_class\":\"individual\"}",
	"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\","
	"\"id\":\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\",\"created\":\"2017-01-20T00:00:00.000Z\","
	"\"definition_type\":\"tlp\",\"name\":\"TLP:GREEN\",\"definition\":{\"tlp\":\"green\"}}",
	"{\"type\":\"observed-data\",\"spec_version\":\"2.1\",\"id\":\"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf\","
	"\"created\":\"2016-04-06T19:58:16.000Z\",\"modified\":\"2016-04-06T19:58:16.000Z\","
	"\"first_observed\":\"2015-12-21T19:00:00Z\",\"last_observed\":\"2015-12-21T19:00:00Z\","
	"\"number_observed\":50,\"object_refs\":[\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\"]}",
	"{\"type\":\"report\",\"spec_version\":\"2.1\",\"id\":\"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3\","
	"\"created\":\"2015-12-21T19:59:11.000Z\",\"modified\":\"2015-12-21T19:59:11.000Z\",\"name\":\"The Black Vine\","
	"\"published\":\"2016-01-20T17:00:00.000Z\",\"object_refs\":[\"" IND_ID "\"]}",
	"{\"type\":\"threat-actor\",\"spec_version\":\"2.1\",\"id\":\"threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
	"\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\",\"name\":\"Evil Org\"}",
	"{\"type\":\"file\",\"id\":\"file--e277603e-1060-5ad4-9937-c26c97f1ca68\",\"name\":\"a.exe\","
	"\"hashes\":{\"MD5\":\"D41D8CD98F00B204E9800998ECF8427E\"}}",
};

static void expect_bad(struct testenv *f, const char *json, const char *needle)
{
	const char *reason = NULL;
	int rc = stix_check_object(f->a, json, strlen(json), &reason);
	if (rc != KR_EINVAL || !reason || !strstr(reason, needle))
		fail_msg("expected rejection containing \"%s\" for %s, got rc=%d reason=%s", needle, json, rc,
			 reason ? reason : "(none)");
}

/* Remove one "key":value member from an object's text (values without
 * nested commas only). */
static char *without(struct arena *a, const char *json, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(json, pat);
	assert_non_null(p);
	const char *e = p + strlen(pat);
	int depth = 0;
	bool str = false;
	for (; *e; e++) {
		if (str) {
			if (*e == '\\')
				e++;
			else if (*e == '"')
				str = false;
			continue;
		}
		if (*e == '"')
			str = true;
		else if (*e == '[' || *e == '{')
			depth++;
		else if (*e == ']' || *e == '}') {
			if (depth-- == 0)
				break;
		} else if (*e == ',' && depth == 0)
			break;
	}
	struct buf b = BUF_INIT;
	if (*e == ',') {
		buf_add(&b, json, (size_t)(p - json));
		buf_adds(&b, e + 1);
	} else { /* last member: drop the comma before it */
		buf_add(&b, json, (size_t)(p - json - 1));
		buf_adds(&b, e);
	}
	char *out = arena_strdup(a, b.p);
	buf_free(&b);
	return out;
}

static void test_validation(void **state)
{
	struct testenv *f = *state;
	const char *reason;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int rc = stix_check_object(f->a, good[i], strlen(good[i]), &reason);
		if (rc != KR_OK)
			fail_msg("good object %zu rejected: %s", i, reason);
	}
	/* each required property missing */
	static const struct {
		int obj;
		const char *prop;
	} req[] = {
		{0, "type"}, {0, "spec_version"}, {0, "id"}, {0, "created"}, {0, "modified"}, {0, "pattern"},
		{0, "pattern_type"}, {0, "valid_from"}, {1, "value"}, {2, "is_family"}, {2, "name"},
		{3, "relationship_type"}, {3, "source_ref"}, {3, "target_ref"}, {4, "sighting_of_ref"}, {5, "name"},
		{6, "created"}, {7, "first_observed"}, {7, "last_observed"}, {7, "number_observed"},
		{7, "object_refs"}, {8, "name"}, {8, "published"}, {8, "object_refs"}, {9, "name"},
	};
	for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
		char *j = without(f->a, good[req[i].obj], req[i].prop);
		expect_bad(f, j, req[i].prop);
	}
	/* ids */
	expect_bad(f, "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--nope\",\"value\":\"198.51.100.1\"}", "id must be");
	expect_bad(f, "{\"type\":\"ipv4-addr\",\"id\":\"domain-name--ff26c055-6336-5bc5-b98d-13d6226742dd\","
		      "\"value\":\"198.51.100.1\"}", "id must be");
	expect_bad(f, "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--FF26C055-6336-5bc5-b98d-13d6226742dd\","
		      "\"value\":\"198.51.100.1\"}", "id must be");
	expect_bad(f, "{\"type\":\"Bad_Type\",\"id\":\"Bad_Type--ff26c055-6336-5bc5-b98d-13d6226742dd\"}", "type-name");
	expect_bad(f, "{\"type\":\"relationship\",\"spec_version\":\"2.1\","
		      "\"id\":\"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad\",\"created\":\"2016-04-06T20:06:37Z\","
		      "\"modified\":\"2016-04-06T20:06:37Z\",\"relationship_type\":\"x\",\"source_ref\":\"nope\","
		      "\"target_ref\":\"" IND_ID "\"}", "source_ref");
	/* timestamps */
	static const char *const bad_times[] = {"2016-04-06 20:03:48Z", "2016-04-06T20:03:48", "2016-04-06T20:03:48+09:00",
						"2016-13-06T20:03:48Z", "2015-02-29T00:00:00Z", "2016-04-06T25:00:00Z",
						"2016-04-06T20:03:48.Z", "yesterday"};
	for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
		char *j = arena_printf(f->a, "{\"type\":\"threat-actor\",\"spec_version\":\"2.1\","
				       "\"id\":\"threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"created\":\"%s\","
				       "\"modified\":\"2016-04-06T20:03:48Z\",\"name\":\"x\"}", bad_times[i]);
		expect_bad(f, j, "created is not an RFC 3339");
	}
	expect_bad(f, "{\"type\":\"threat-actor\",\"spec_version\":\"2.1\","
		      "\"id\":\"threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"created\":\"2016-04-06T20:03:48Z\","
		      "\"modified\":\"2016-04-05T20:03:48Z\",\"name\":\"x\"}", "earlier than created");
	/* patterns */
	static const char *const bad_patterns[] = {
		"[file:hashes.'SHA-256' = 'abc'",
		"[ipv4-addr:value = '198.51.100.1' AND domain-name:value = 'example.com']",
		"[ipv4-addr:value = '999.1.1.1']",
		"ipv4-addr:value = '198.51.100.1'",
	};
	for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
		char *j = arena_printf(f->a, "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" IND_ID "\","
				       "\"created\":\"2016-04-06T20:03:48Z\",\"modified\":\"2016-04-06T20:03:48Z\","
				       "\"pattern\":\"%s\",\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\"}",
				       bad_patterns[i]);
		expect_bad(f, j, "invalid STIX pattern");
	}
	/* another pattern language is not ours to parse */
	const char *sigma = "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" IND_ID "\","
			    "\"created\":\"2016-04-06T20:03:48Z\",\"modified\":\"2016-04-06T20:03:48Z\","
			    "\"pattern\":\"title: x\",\"pattern_type\":\"sigma\",\"valid_from\":\"2016-01-01T00:00:00Z\"}";
	assert_int_equal(stix_check_object(f->a, sigma, strlen(sigma), &reason), KR_OK);
	expect_bad(f, "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" IND_ID "\","
		      "\"created\":\"2016-04-06T20:03:48Z\",\"modified\":\"2016-04-06T20:03:48Z\","
		      "\"pattern\":\"[url:value = 'http://example.com/']\",\"pattern_type\":\"stix\","
		      "\"valid_from\":\"2016-01-01T00:00:00Z\",\"valid_until\":\"2015-01-01T00:00:00Z\"}", "valid_until");
	expect_bad(f, "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\","
		      "\"value\":\"198.51.100.3\",\"spec_version\":\"2.0\"}", "spec_version");
	expect_bad(f, "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b\","
		      "\"created\":\"2016-04-06T20:07:09Z\",\"modified\":\"2016-04-06T20:07:09Z\",\"is_family\":false,"
		      "\"confidence\":101}", "confidence");
	expect_bad(f, "[1,2]", "JSON object");
}

static struct stix_status ingest(struct ctx *c, const char *coll, const char *doc, int want)
{
	struct stix_status st;
	int rc = stix_ingest(c, coll, doc, strlen(doc), STIX_DOC_BUNDLE, &st);
	if (rc != want)
		fail_msg("ingest: rc=%d want %d (%s; first reason %s)", rc, want, st.error ? st.error : "-",
			 st.total && st.items[0].reason ? st.items[0].reason : "-");
	return st;
}

static int64_t count(struct testenv *f, const char *what)
{
	struct db_stmt *st;
	int rc = str_eq(what, "values") ? db_prepare(f->db, "SELECT COUNT(*) FROM stix_values", &st)
					: db_prepare(f->db, "SELECT COUNT(*) FROM stix_objects", &st);
	assert_int_equal(rc, KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static char *bundle(struct arena *a, const char *objs)
{
	return arena_printf(a, "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\","
			       "\"objects\":[%s]}", objs);
}

static void test_hostile(void **state)
{
	struct testenv *f = *state;
	struct ctx rail1 = as(f, "rail1");
	struct buf b = BUF_INIT;
	/* deep nesting inside an otherwise good object */
	buf_adds(&b, "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[");
	buf_add(&b, good[1], strlen(good[1]) - 1);
	buf_adds(&b, ",\"x_deep\":");
	for (int i = 0; i < 5000; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 5000; i++)
		buf_addc(&b, ']');
	buf_adds(&b, "}]}");
	struct stix_status st = ingest(&rail1, "consultation", b.p, KR_EINVAL);
	assert_non_null(strstr(st.error, "nested"));
	/* a 2 MiB string */
	buf_reset(&b);
	buf_adds(&b, "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[");
	buf_add(&b, good[1], strlen(good[1]) - 1);
	buf_adds(&b, ",\"x_big\":\"");
	for (int i = 0; i < 2 * 1024 * 1024; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "\"}]}");
	st = ingest(&rail1, "consultation", b.p, KR_EINVAL);
	assert_non_null(strstr(st.error, "longer"));
	buf_free(&b);
	/* duplicate id+version */
	st = ingest(&rail1, "consultation", bundle(f->a, arena_printf(f->a, "%s,%s,%s", good[1], good[2], good[1])),
		    KR_EINVAL);
	assert_int_equal(st.total, 3);
	assert_non_null(st.items[2].reason);
	assert_non_null(strstr(st.items[2].reason, "duplicate"));
	/* duplicate keys, bad UTF-8, NUL escapes, not JSON */
	ingest(&rail1, "consultation",
	       "{\"type\":\"bundle\",\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\"}",
	       KR_EINVAL);
	ingest(&rail1, "consultation",
	       "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[{\"type\":"
	       "\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"\xff\xfe\"}]}",
	       KR_EINVAL);
	ingest(&rail1, "consultation",
	       "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[{\"type\":"
	       "\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"a\\u0000b\"}]}",
	       KR_EINVAL);
	ingest(&rail1, "consultation", "{\"type\":\"bundle\"", KR_EINVAL);
	ingest(&rail1, "consultation", "[]", KR_EINVAL);
	/* one bad object among good ones: nothing stored */
	char *bad_ind = without(f->a, good[0], "valid_from");
	st = ingest(&rail1, "consultation",
		    bundle(f->a, arena_printf(f->a, "%s,%s,%s", good[1], good[2], bad_ind)), KR_EINVAL);
	assert_int_equal(st.failure, 3);
	assert_null(st.items[0].reason);
	assert_non_null(strstr(st.items[2].reason, "valid_from"));
	assert_int_equal(count(f, "objects"), 0);
	assert_int_equal(count(f, "values"), 0);
}

static struct stix_page query(struct ctx *c, struct stix_query q)
{
	struct stix_page pg;
	const char *bad = NULL;
	int rc = stix_query(c, &q, &pg, &bad);
	if (rc)
		fail_msg("query: %d (%s)", rc, bad ? bad : "-");
	return pg;
}

static int64_t coll_id(struct ctx *c, const char *slug)
{
	struct stix_collection *v;
	size_t n;
	assert_int_equal(stix_collections(c, &v, &n), KR_OK);
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i].slug, slug)) {
			struct stix_collection one;
			assert_int_equal(stix_collection_get(c, v[i].uuid, &one), KR_OK);
			assert_int_equal(one.community_id, v[i].community_id);
			return v[i].community_id;
		}
	return 0;
}

static void test_ingest_and_query(void **state)
{
	struct testenv *f = *state;
	struct ctx rail1 = as(f, "rail1"), rail2 = as(f, "rail2"), other1 = as(f, "other1"), coord = as(f, "coord");
	struct buf all = BUF_INIT;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (i)
			buf_addc(&all, ',');
		buf_adds(&all, good[i]);
	}
	struct stix_status st = ingest(&rail1, "consultation", bundle(f->a, all.p), KR_OK);
	buf_free(&all);
	size_t n = sizeof good / sizeof good[0];
	assert_int_equal(st.success, n);
	assert_non_null(st.uuid);
	assert_int_equal(count(f, "objects"), (int64_t)n);
	/* values: the pattern's hash (lowercased), the ipv4, the file's name and md5 */
	struct db_stmt *q;
	assert_int_equal(db_prepare(f->db, "SELECT kind, value FROM stix_values ORDER BY kind, value", &q), KR_OK);
	struct buf got = BUF_INIT;
	while (db_step(q) == KR_ROW)
		buf_printf(&got, "%s=%s;", db_col_text(q, 0), db_col_text(q, 1));
	db_done(q);
	assert_string_equal(got.p, "file-name=a.exe;ipv4-addr=198.51.100.3;md5=d41d8cd98f00b204e9800998ecf8427e;"
				   "sha-256=4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877;");
	buf_free(&got);
	/* the same bundle again: successes, no duplicates */
	st = ingest(&rail1, "consultation", bundle(f->a, good[1]), KR_OK);
	assert_int_equal(count(f, "objects"), (int64_t)n);
	struct stix_status_row sr;
	assert_int_equal(stix_status_get(&rail1, st.uuid, &sr), KR_OK);
	assert_int_equal(sr.success, 1);
	assert_int_equal(stix_status_get(&other1, st.uuid, &sr), KR_ENOTFOUND);

	/* a newer version of the indicator, and a RED one from rail */
	const char *v2 = "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" IND_ID "\","
			 "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2017-01-01T00:00:00.000Z\","
			 "\"pattern\":\"[domain-name:value = 'evil.example']\",\"pattern_type\":\"stix\","
			 "\"valid_from\":\"2016-01-01T00:00:00Z\"}";
	const char *red = "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
			  "\"id\":\"indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
			  "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
			  "\"pattern\":\"[ipv4-addr:value = '203.0.113.9']\",\"pattern_type\":\"stix\","
			  "\"valid_from\":\"2016-01-01T00:00:00Z\","
			  "\"object_marking_refs\":[\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\"]}";
	ingest(&rail1, "consultation", bundle(f->a, arena_printf(f->a, "%s,%s", v2, red)), KR_OK);
	int64_t cons = coll_id(&rail1, "consultation");
	assert_true(cons > 0);
	/* latest only by default; both with all_versions */
	struct stix_page pg = query(&rail1, (struct stix_query){.community_id = cons, .object_id = IND_ID});
	assert_int_equal(pg.n, 1);
	assert_string_equal(pg.rows[0].version, "2017-01-01T00:00:00.000Z");
	pg = query(&rail1, (struct stix_query){.community_id = cons, .object_id = IND_ID, .all_versions = true});
	assert_int_equal(pg.n, 2);
	pg = query(&rail1, (struct stix_query){.community_id = cons, .object_id = IND_ID, .match_version = "first"});
	assert_int_equal(pg.n, 1);
	assert_string_equal(pg.rows[0].version, "2016-04-06T20:03:48.000Z");
	pg = query(&rail1, (struct stix_query){.community_id = cons, .object_id = IND_ID,
					       .match_version = "2016-04-06T20:03:48Z"});
	assert_int_equal(pg.n, 1);
	/* RED: rail's people see it; other1 and the coordinator do not */
	const char *red_id = "indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
	assert_int_equal(query(&rail2, (struct stix_query){.community_id = cons, .object_id = red_id}).n, 1);
	assert_int_equal(query(&other1, (struct stix_query){.community_id = cons, .object_id = red_id}).n, 0);
	assert_int_equal(query(&coord, (struct stix_query){.community_id = cons, .object_id = red_id}).n, 0);
	pg = query(&rail1, (struct stix_query){.community_id = cons, .match_type = "indicator"});
	assert_int_equal(pg.n, 2);
	pg = query(&other1, (struct stix_query){.community_id = cons, .match_type = "indicator,ipv4-addr"});
	assert_int_equal(pg.n, 2); /* latest indicator + the ipv4; not the RED one */
	/* keyset paging through everything */
	size_t seen = 0;
	const char *next = NULL;
	int pages = 0;
	do {
		pg = query(&rail1, (struct stix_query){.community_id = cons, .limit = 3, .next = next});
		seen += pg.n;
		assert_true(pg.more == (pg.next != NULL));
		next = pg.next;
		pages++;
	} while (next && pages < 100);
	assert_int_equal(seen, n + 1); /* n objects, the indicator counted once, + RED */
	/* added_after the first bundle's date: only the second bundle */
	pg = query(&rail1, (struct stix_query){.community_id = cons, .limit = 1});
	char t[40];
	stix_format_time(pg.rows[0].date_added_us, t, sizeof t);
	pg = query(&rail1, (struct stix_query){.community_id = cons, .added_after = t});
	assert_int_equal(pg.n, 2);
	const char *bad;
	struct stix_page junk;
	assert_int_equal(stix_query(&rail1, &(struct stix_query){.community_id = cons, .added_after = "junk"}, &junk, &bad),
			 KR_EINVAL);
	assert_string_equal(bad, "added_after");
	assert_int_equal(stix_query(&rail1, &(struct stix_query){.community_id = cons, .next = "junk"}, &junk, &bad),
			 KR_EINVAL);
	assert_string_equal(bad, "next");
	assert_int_equal(stix_query(&rail1, &(struct stix_query){.community_id = cons, .limit = -1}, &junk, &bad),
			 KR_EINVAL);

	/* rights: other1 cannot write to rail-isac (not a member) nor general (moderators) */
	st = ingest(&other1, "rail-isac", bundle(f->a, good[1]), KR_ENOTFOUND);
	st = ingest(&other1, "general", bundle(f->a, good[1]), KR_EPERM);
	/* delete: other1 may not delete rail's object; rail2 may; then it is gone */
	assert_int_equal(stix_delete(&other1, cons, IND_ID, NULL, NULL, NULL), KR_EPERM);
	assert_int_equal(stix_delete(&other1, cons, red_id, NULL, NULL, NULL), KR_ENOTFOUND);
	assert_int_equal(stix_delete(&rail2, cons, IND_ID, "last", NULL, NULL), KR_OK);
	pg = query(&rail1, (struct stix_query){.community_id = cons, .object_id = IND_ID});
	assert_int_equal(pg.n, 1); /* the first version is now the latest */
	assert_string_equal(pg.rows[0].version, "2016-04-06T20:03:48.000Z");
	assert_int_equal(stix_delete(&rail2, cons, IND_ID, NULL, NULL, NULL), KR_OK);
	assert_int_equal(stix_delete(&rail2, cons, IND_ID, NULL, NULL, NULL), KR_ENOTFOUND);

	/* more versions than a page: all listed through paging, all deleted */
	struct buf many = BUF_INIT;
	for (int i = 0; i < STIX_PAGE_MAX + 5; i++)
		buf_printf(&many, "%s{\"type\":\"threat-actor\",\"spec_version\":\"2.1\","
			   "\"id\":\"threat-actor--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
			   "\"created\":\"2016-01-01T00:00:00Z\",\"modified\":\"2016-01-01T00:00:%02d.%03dZ\","
			   "\"name\":\"v%d\"}", i ? "," : "", i / 1000, i % 1000, i);
	ingest(&rail1, "consultation", bundle(f->a, many.p), KR_OK);
	buf_free(&many);
	const char *ta = "threat-actor--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
	pg = query(&rail1, (struct stix_query){.community_id = cons, .object_id = ta, .all_versions = true,
					       .limit = STIX_PAGE_MAX});
	assert_int_equal(pg.n, STIX_PAGE_MAX);
	assert_true(pg.more);
	pg = query(&rail1, (struct stix_query){.community_id = cons, .object_id = ta, .all_versions = true,
					       .limit = STIX_PAGE_MAX, .next = pg.next});
	assert_int_equal(pg.n, 5);
	pg = query(&rail1, (struct stix_query){.community_id = cons, .object_id = ta});
	assert_int_equal(pg.n, 1);
	assert_string_equal(pg.rows[0].version, "2016-01-01T00:00:01.004Z");
	assert_int_equal(stix_delete(&rail2, cons, ta, NULL, NULL, NULL), KR_OK);
	assert_int_equal(query(&rail1, (struct stix_query){.community_id = cons, .object_id = ta,
							   .all_versions = true}).n, 0);
}

/* Objects are stored as received, compacted: whitespace between tokens
 * goes, strings (with their spaces, braces and escapes) stay byte for
 * byte, key order stays.  A document whose "objects" key is spelled with
 * an escape takes the re-serialising path and stores the same text. */
static const char *stored_json(struct testenv *f, const char *sid)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT json FROM stix_objects WHERE stix_id = ?1", &st), KR_OK);
	db_bind_text(st, 1, sid);
	assert_int_equal(db_step(st), KR_ROW);
	const char *s = db_col_dup(st, 0, f->a);
	db_done(st);
	return s;
}

static void test_stored_text(void **state)
{
	struct testenv *f = *state;
	struct ctx rail1 = as(f, "rail1");
	const char *doc =
		"{ \"type\" : \"bundle\",\n  \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\n"
		"  \"objects\" : [\n    {\n      \"type\": \"indicator\", \"spec_version\": \"2.1\",\n"
		"      \"id\": \"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\r\n"
		"      \"created\": \"2016-04-06T20:03:48.000Z\", \"modified\": \"2016-04-06T20:03:48.000Z\",\n"
		"      \"name\": \"a { b } [ c ] \\\" d\\\\\", \"labels\": [ \"x\" , \"y\" ],\n"
		"      \"pattern\": \"[ipv4-addr:value = '198.51.100.7']\", \"pattern_type\": \"stix\",\n"
		"      \"valid_from\": \"2016-01-01T00:00:00Z\"\n    }\t]\n}\n";
	ingest(&rail1, "consultation", doc, KR_OK);
	assert_string_equal(stored_json(f, "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
			    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
			    "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
			    "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
			    "\"name\":\"a { b } [ c ] \\\" d\\\\\",\"labels\":[\"x\",\"y\"],"
			    "\"pattern\":\"[ipv4-addr:value = '198.51.100.7']\",\"pattern_type\":\"stix\","
			    "\"valid_from\":\"2016-01-01T00:00:00Z\"}");
	const char *esc = "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\","
			  "\"\\u006fbjects\":[{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\","
			  "\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"198.51.100.8\"}]}";
	ingest(&rail1, "consultation", esc, KR_OK);
	assert_string_equal(stored_json(f, "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"),
			    "{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\","
			    "\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"198.51.100.8\"}");
	/* a status resource of a stored document lists every object */
	struct stix_status st = ingest(&rail1, "consultation", doc, KR_OK);
	struct stix_status_row sr;
	assert_int_equal(stix_status_get(&rail1, st.uuid, &sr), KR_OK);
	assert_string_equal(sr.details, "{\"successes\":[{\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
					"\"version\":\"2016-04-06T20:03:48.000Z\"}],\"failures\":[]}");
}

static void test_time(void **state)
{
	(void)state;
	int64_t us;
	assert_int_equal(stix_parse_time("1970-01-01T00:00:00Z", &us), KR_OK);
	assert_int_equal(us, 0);
	assert_int_equal(stix_parse_time("2016-04-06T20:03:48.123456789Z", &us), KR_OK);
	char t[40];
	stix_format_time(us, t, sizeof t);
	assert_string_equal(t, "2016-04-06T20:03:48.123456Z");
	assert_int_equal(stix_parse_time("2016-02-29T00:00:00.1Z", &us), KR_OK);
	stix_format_time(us, t, sizeof t);
	assert_string_equal(t, "2016-02-29T00:00:00.100000Z");
	assert_int_equal(stix_parse_time("2016-04-06T20:03:48.1234567890Z", &us), KR_EINVAL);
	assert_int_equal(stix_parse_time("", &us), KR_EINVAL);
	assert_int_equal(stix_parse_time(NULL, &us), KR_EINVAL);
}

static int64_t count_where(struct testenv *f, int which)
{
	struct db_stmt *st;
	int rc;
	if (which == 0)
		rc = db_prepare(f->db, "SELECT COUNT(*) FROM stix_values WHERE kind = 'ipv4-addr' AND value NOT LIKE '192.0.2.%'"
				       " AND value NOT LIKE '198.51.100.%' AND value NOT LIKE '203.0.113.%'", &st);
	else if (which == 1)
		rc = db_prepare(f->db, "SELECT COUNT(*) FROM stix_values WHERE kind IN ('domain-name', 'url')"
				       " AND value NOT LIKE '%.example' AND value NOT LIKE 'http://%.example/%'", &st);
	else
		rc = db_prepare(f->db, "SELECT COUNT(*) FROM stix_values", &st);
	assert_int_equal(rc, KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static void test_demo(void **state)
{
	struct testenv *f = *state;
	char hash[256];
	assert_int_equal(auth_hash_password("demo-password-for-tests", hash, sizeof hash), KR_OK);
	struct demo_stats ds;
	assert_int_equal(demo_load(&f->sys, hash, &ds), KR_OK);
	size_t n = 0;
	assert_int_equal(demo_stix_load(&f->sys, &n), KR_OK);
	assert_int_equal(n, 5 * 500 + 1 + 2 * 120 + 10 * 10);
	int64_t objects = count(f, "objects");
	assert_true(objects > 2700); /* a few generated values repeat: same pattern, new id */
	assert_int_equal(count_where(f, 0), 0); /* documentation ranges only */
	assert_int_equal(count_where(f, 1), 0); /* example domains only */
	assert_true(count_where(f, 2) > 2500);
	/* deterministic: loading again adds nothing */
	assert_int_equal(demo_stix_load(&f->sys, &n), KR_OK);
	assert_int_equal(count(f, "objects"), objects);
	/* a vendor's collection is readable by anyone, e.g. the demo's rail-member */
	struct ctx rail1 = as(f, "rail-member");
	struct stix_collection col;
	assert_int_equal(stix_collection_by_slug(&rail1, "info-cti-1", &col), KR_OK);
	assert_false(col.can_write);
	struct stix_page pg = query(&rail1, (struct stix_query){.community_id = col.community_id, .limit = 1000});
	assert_int_equal(pg.n, 500);
}

/* Everything stored of one collection, in a canonical order: objects
 * (without row ids and dates added) with their values. */
static char *dump_collection(struct testenv *f, int64_t comm)
{
	struct buf b = BUF_INIT;
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db,
				    "SELECT o.stix_id, o.version_us, o.is_latest, o.is_first, o.type, o.tlp,"
				    " COALESCE(o.confidence, -1), COALESCE(o.valid_from, -1), o.json,"
				    " COALESCE(v.kind, ''), COALESCE(v.value, '')"
				    " FROM stix_objects o LEFT JOIN stix_values v ON v.object_id = o.id"
				    " WHERE o.community_id = ?1 ORDER BY o.stix_id, o.version_us, v.kind, v.value",
				    &st),
			 KR_OK);
	db_bind_int(st, 1, comm);
	while (db_step(st) == KR_ROW)
		buf_printf(&b, "%s|%lld|%lld|%lld|%s|%s|%lld|%lld|%s|%s|%s\n", db_col_text(st, 0),
			   (long long)db_col_int(st, 1), (long long)db_col_int(st, 2), (long long)db_col_int(st, 3),
			   db_col_text(st, 4), db_col_text(st, 5), (long long)db_col_int(st, 6),
			   (long long)db_col_int(st, 7), db_col_text(st, 8), db_col_text(st, 9), db_col_text(st, 10));
	db_done(st);
	char *out = arena_strdup(f->a, b.p ? b.p : "");
	buf_free(&b);
	return out;
}

/* An indicator (two values) or a file (two hashes): version v of id n. */
static const char *batch_obj(struct arena *a, int n, int v)
{
	if (n % 5 == 4)
		return arena_printf(a,
				    "{\"type\":\"file\",\"id\":\"file--0000%04d-1060-5ad4-9937-c26c97f1ca68\","
				    "\"name\":\"f%d.exe\",\"hashes\":{\"MD5\":\"%032d\",\"SHA-1\":\"%040d\"}}",
				    n, n, n, n);
	return arena_printf(a,
			    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
			    "\"id\":\"indicator--0000%04d-17d4-4cbf-938f-98ee46b3cd3f\","
			    "\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"2020-01-%02dT00:00:00.000Z\","
			    "\"pattern\":\"[ipv4-addr:value = '198.51.100.%d'] OR [domain-name:value = 'h%d.example']\","
			    "\"pattern_type\":\"stix\",\"valid_from\":\"2020-01-01T00:00:00Z\",\"confidence\":%d}",
			    n, v, n % 250, n, n % 100);
}

/* A document's rows go in by statements of 16 objects and 32 values; what
 * is stored must be exactly what storing each object in a document of
 * its own stores (row by row), with stored ids updated mid-batch, exact
 * repeats skipped, and a tail that does not fill a batch. */
static void test_batched_rows(void **state)
{
	struct testenv *f = *state;
	struct ctx rail1 = as(f, "rail1");
	struct community cm = {.slug = "rail-b", .name_ja = "rail-b", .name_en = "Rail B", .description = "",
			       .join_policy = "invite", .post_policy = "members"};
	const char *bad = NULL;
	assert_int_equal(community_create(&rail1, &cm, NULL, &bad), KR_OK);
	/* stored first, in both: versions 1 of ids 0..4 */
	struct buf pre = BUF_INIT;
	for (int n = 0; n < 5; n++)
		buf_printf(&pre, "%s%s", n ? "," : "", batch_obj(f->a, n, 1));
	ingest(&rail1, "rail-isac", bundle(f->a, pre.p), KR_OK);
	ingest(&rail1, "rail-b", bundle(f->a, pre.p), KR_OK);
	buf_free(&pre);
	/* then 45 objects: new versions of ids 1 and 3 (at 20 and 37: inside
	 * a batch, and in the tail), a repeat of id 2 version 1 (at 8), an
	 * older version of id 0, and new ids */
	const char *objs[45];
	for (int i = 0; i < 45; i++)
		objs[i] = batch_obj(f->a, 100 + i, 1 + i % 20);
	objs[8] = batch_obj(f->a, 2, 1);
	objs[20] = batch_obj(f->a, 1, 9);
	objs[30] = batch_obj(f->a, 0, 1); /* the same, stored: a repeat too */
	objs[37] = batch_obj(f->a, 3, 7);
	objs[40] = batch_obj(f->a, 3, 3);
	struct buf all = BUF_INIT;
	for (int i = 0; i < 45; i++)
		buf_printf(&all, "%s%s", i ? "," : "", objs[i]);
	struct stix_status st = ingest(&rail1, "rail-isac", bundle(f->a, all.p), KR_OK);
	assert_int_equal(st.success, 45);
	buf_free(&all);
	for (int i = 0; i < 45; i++)
		ingest(&rail1, "rail-b", bundle(f->a, objs[i]), KR_OK);
	char *batched = dump_collection(f, coll_id(&rail1, "rail-isac"));
	char *single = dump_collection(f, coll_id(&rail1, "rail-b"));
	assert_string_equal(batched, single);
	/* and it is what was meant: 5 + 43 rows (two repeats), two values each,
	 * and a name besides for each of the 10 files */
	size_t lines = 0;
	for (const char *p = batched; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2 * (5 + 43) + 10);
	assert_non_null(strstr(batched, "indicator--00000003-17d4-4cbf-938f-98ee46b3cd3f|1578355200000000|1|0|"));
}

int main(void)
{
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_and_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batched_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_site, teardown),
	};
	int failed = cmocka_run_group_tests_name("stix/sqlite", tests, NULL, NULL);
	testenv_pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (testenv_pg_url)
		failed += cmocka_run_group_tests_name("stix/postgres", tests, NULL, NULL);
	return failed;
}
