/* test_misp.c - MISP event JSON to STIX 2.1 (core/stix_misp.h) and the
 * IDS-rule/MISP-feed exports (core/stix_rules.h).
 *
 * The parser alone: real-shaped events (attributes, composite types,
 * objects, tags, list and response wrappers) give the expected patterns,
 * markings and UUIDv5 ids, and the result passes stix_check; hostile
 * documents (bad JSON, wrong shapes, deep nesting, bad UTF-8, duplicate
 * keys, huge attribute lists, values with quotes) are refused with the
 * place named or mapped safely.  With a database (both engines): import
 * is all or nothing, a second import adds nothing, and the rule and feed
 * exports leave TLP:RED out and keep sids stable.  first_seen/last_seen
 * become valid_from (indicators; last_seen kept as x_misp_last_seen, not
 * valid_until) and first/last_observed (observed-data); MISP distribution
 * 0 ("your organisation only") becomes TLP:RED at any level, which the
 * store shows to the importer's organisation alone. */
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
#include <jansson.h>

#include "core/acl.h"
#include "core/community.h"
#include "core/org.h"
#include "core/person.h"
#include "core/stix.h"
#include "core/stix_misp.h"
#include "core/stix_rules.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

/* A MISP event as MISP 2.4 exports it (trimmed to the fields we read,
 * plus some we ignore). */
static const char real_event[] =
	"{\"Event\":{\"id\":\"1234\",\"orgc_id\":\"2\",\"org_id\":\"1\",\"date\":\"2023-11-14\",\"threat_level_id\":\"2\","
	"\"info\":\"OSINT - Railway phishing\",\"published\":true,\"uuid\":\"5E6B322A-9F80-4E2F-9F2A-3CAB0A0A0A01\","
	"\"attribute_count\":\"6\",\"analysis\":\"2\",\"timestamp\":\"1700000100\",\"distribution\":\"3\","
	"\"publish_timestamp\":\"1700000200\",\"sharing_group_id\":\"0\",\"disable_correlation\":false,"
	"\"Org\":{\"id\":\"1\",\"name\":\"ORGNAME\",\"uuid\":\"5c0f1b34-0c7c-4d0a-8f6a-00000000000a\"},"
	"\"Orgc\":{\"id\":\"2\",\"name\":\"CIRCL\",\"uuid\":\"55f6ea5e-2c60-40e5-964f-47a8950d210f\"},"
	"\"Tag\":[{\"id\":\"1\",\"name\":\"tlp:green\",\"colour\":\"#33FF00\",\"exportable\":true},"
	"{\"id\":\"7\",\"name\":\"misp-galaxy:threat-actor=\\\"Sofacy\\\"\",\"colour\":\"#0088cc\"},"
	"{\"name\":\"tlp:ex:chr\"}],"
	"\"Attribute\":["
	"{\"id\":\"1\",\"type\":\"ip-dst\",\"category\":\"Network activity\",\"to_ids\":true,"
	"\"uuid\":\"0d3b5c5a-1111-4a4a-8b8b-000000000001\",\"event_id\":\"1234\",\"distribution\":\"5\","
	"\"timestamp\":\"1700000000\",\"comment\":\"C2\",\"sharing_group_id\":\"0\",\"deleted\":false,"
	"\"disable_correlation\":false,\"object_id\":\"0\",\"object_relation\":null,\"first_seen\":null,"
	"\"last_seen\":null,\"value\":\"198.51.100.77\",\"Galaxy\":[],\"ShadowAttribute\":[]},"
	"{\"type\":\"domain|ip\",\"to_ids\":\"1\",\"uuid\":\"0d3b5c5a-1111-4a4a-8b8b-000000000002\","
	"\"timestamp\":1700000001,\"value\":\"pair.example|192.0.2.56\",\"Tag\":[{\"name\":\"TLP:AMBER\"}]},"
	"{\"type\":\"filename|sha256\",\"to_ids\":true,\"uuid\":\"0d3b5c5a-1111-4a4a-8b8b-000000000003\","
	"\"timestamp\":\"1700000002\",\"value\":\"o'brien.exe|4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877\"},"
	"{\"type\":\"ip-dst\",\"to_ids\":false,\"uuid\":\"0d3b5c5a-1111-4a4a-8b8b-000000000004\","
	"\"timestamp\":\"1700000003\",\"value\":\"198.51.100.78\"},"
	"{\"type\":\"domain\",\"to_ids\":false,\"uuid\":\"0d3b5c5a-1111-4a4a-8b8b-000000000005\","
	"\"timestamp\":\"1700000003\",\"value\":\"seen.example\"},"
	"{\"type\":\"domain\",\"to_ids\":false,\"uuid\":\"0d3b5c5a-1111-4a4a-8b8b-000000000006\","
	"\"timestamp\":\"1700000003\",\"value\":\"seen.example\"},"
	"{\"type\":\"text\",\"to_ids\":false,\"uuid\":\"0d3b5c5a-1111-4a4a-8b8b-000000000007\","
	"\"timestamp\":\"1700000003\",\"value\":\"free text\"},"
	"{\"type\":\"ip-dst\",\"to_ids\":true,\"uuid\":\"0d3b5c5a-1111-4a4a-8b8b-000000000008\","
	"\"timestamp\":\"1700000003\",\"value\":\"192.0.2.250\",\"deleted\":true}"
	"],\"Object\":[{\"id\":\"9\",\"name\":\"email\",\"meta-category\":\"network\","
	"\"uuid\":\"7a1c7e2e-2222-4b4b-9c9c-000000000001\",\"timestamp\":\"1700000050\",\"Attribute\":["
	"{\"type\":\"email-src\",\"object_relation\":\"from\",\"to_ids\":true,\"uuid\":\"7a1c7e2e-2222-4b4b-9c9c-000000000011\","
	"\"timestamp\":\"1700000050\",\"value\":\"phisher@bad.example\"},"
	"{\"type\":\"email-subject\",\"object_relation\":\"subject\",\"to_ids\":false,"
	"\"uuid\":\"7a1c7e2e-2222-4b4b-9c9c-000000000012\",\"timestamp\":\"1700000050\",\"value\":\"Invoice\"},"
	"{\"type\":\"email-dst\",\"object_relation\":\"to\",\"to_ids\":false,"
	"\"uuid\":\"7a1c7e2e-2222-4b4b-9c9c-000000000013\",\"timestamp\":\"1700000050\",\"value\":\"ops@rail.example\"}"
	"]}]}}";

static json_t *parse_ok(struct arena *a, const char *doc, struct stix_misp *m)
{
	int rc = stix_misp_parse(a, doc, strlen(doc), m);
	if (rc)
		for (size_t i = 0; i < m->nproblems; i++)
			fprintf(stderr, "problem: %s\n", m->problems[i]);
	assert_int_equal(rc, KR_OK);
	struct stix_status st;
	rc = stix_check(a, m->doc, m->doc_len, STIX_DOC_ENVELOPE, &st);
	for (size_t i = 0; rc && i < st.total; i++)
		if (st.items[i].reason)
			fprintf(stderr, "%s: %s\n", m->origin[i], st.items[i].reason);
	assert_int_equal(rc, KR_OK);
	json_t *env = json_loads(m->doc, 0, NULL);
	assert_non_null(env);
	return env;
}

static json_t *by_name(json_t *env, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach (json_object_get(env, "objects"), i, o)
		if (str_eq(json_string_value(json_object_get(o, "name")), name))
			return o;
	return NULL;
}

static size_t count_type(json_t *env, const char *type)
{
	size_t i, n = 0;
	json_t *o;
	json_array_foreach (json_object_get(env, "objects"), i, o)
		n += str_eq(json_string_value(json_object_get(o, "type")), type);
	return n;
}

static bool has_problem(const struct stix_misp *m, const char *needle)
{
	for (size_t i = 0; i < m->nproblems; i++)
		if (strstr(m->problems[i], needle))
			return true;
	for (size_t i = 0; i < m->nproblems; i++)
		fprintf(stderr, "  problem: %s\n", m->problems[i]);
	return false;
}

static void test_digests(void **state)
{
	(void)state;
	char h[33], u[37];
	digest_md5_hex("", 0, h);
	assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
	digest_md5_hex("The quick brown fox jumps over the lazy dog", 43, h);
	assert_string_equal(h, "9e107d9d372bb6826bd81d3542a419d6");
	unsigned char s[20];
	digest_sha1("abc", 3, s);
	char sx[41];
	hex_encode(s, 20, sx);
	assert_string_equal(sx, "a9993e364706816aba3e25717850c26c9cd0d89d");
	/* 56 bytes: the padding spills into a second block */
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	digest_sha1(two, strlen(two), s);
	hex_encode(s, 20, sx);
	assert_string_equal(sx, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	/* Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") */
	digest_uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", 10, u);
	assert_string_equal(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
	/* a long name takes the heap path and stays deterministic */
	char big[2000];
	memset(big, 'x', sizeof big);
	char u1[37], u2[37];
	digest_uuid5(STIX_MISP_NS, big, sizeof big, u1);
	digest_uuid5(STIX_MISP_NS, big, sizeof big, u2);
	assert_string_equal(u1, u2);
	assert_int_equal(u1[14], '5');
}

static void test_real_event(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_misp m;
	json_t *env = parse_ok(a, real_event, &m);
	assert_int_equal(m.events, 1);
	assert_int_equal(m.indicators, 4); /* 3 attributes + the email object */
	assert_int_equal(m.observed, 3);
	assert_int_equal(m.reports, 1);
	assert_int_equal(m.skipped, 2); /* text, deleted */
	json_t *ip = by_name(env, "ip-dst: 198.51.100.77");
	assert_non_null(ip);
	assert_string_equal(json_string_value(json_object_get(ip, "pattern")), "[ipv4-addr:value = '198.51.100.77']");
	char want[37];
	digest_uuid5(STIX_MISP_NS, "indicator:0d3b5c5a-1111-4a4a-8b8b-000000000001",
		     strlen("indicator:0d3b5c5a-1111-4a4a-8b8b-000000000001"), want);
	assert_string_equal(json_string_value(json_object_get(ip, "id")) + strlen("indicator--"), want);
	assert_string_equal(json_string_value(json_object_get(ip, "modified")), "2023-11-14T22:13:20.000000Z");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ip, "object_marking_refs"), 0)),
			    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
	assert_null(json_object_get(ip, "labels"));
	json_t *pair = by_name(env, "domain|ip: pair.example|192.0.2.56");
	assert_string_equal(json_string_value(json_object_get(pair, "pattern")),
			    "[domain-name:value = 'pair.example'] AND [ipv4-addr:value = '192.0.2.56']");
	assert_string_equal(json_string_value(json_array_get(json_object_get(pair, "object_marking_refs"), 0)),
			    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
	json_t *f = by_name(env, "filename|sha256: o'brien.exe|4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877");
	assert_non_null(f);
	assert_string_equal(json_string_value(json_object_get(f, "pattern")),
			    "[file:name = 'o\\'brien.exe' AND file:hashes.'SHA-256' = "
			    "'4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']");
	json_t *em = by_name(env, "email: phisher@bad.example");
	assert_non_null(em);
	assert_string_equal(json_string_value(json_object_get(em, "pattern")),
			    "[email-message:from_ref.value = 'phisher@bad.example' AND email-message:subject = 'Invoice'"
			    " AND email-message:to_refs[*].value = 'ops@rail.example']");
	/* the two seen.example attributes share one observable */
	assert_int_equal(count_type(env, "domain-name"), 1);
	assert_int_equal(count_type(env, "ipv4-addr"), 1);
	json_t *rep = by_name(env, "OSINT - Railway phishing");
	assert_non_null(rep);
	assert_int_equal(json_array_size(json_object_get(rep, "object_refs")), 7);
	/* the event's galaxy tag travels as the report's label */
	assert_string_equal(json_string_value(json_array_get(json_object_get(rep, "labels"), 0)),
			    "misp-galaxy:threat-actor=\"Sofacy\"");
	assert_string_equal(json_string_value(json_array_get(json_object_get(rep, "labels"), 1)), "tlp:ex:chr");
	assert_string_equal(json_string_value(json_object_get(rep, "published")), "2023-11-14T22:16:40.000000Z");
	/* the same input gives the same text: ids and times are MISP's */
	struct stix_misp m2;
	assert_int_equal(stix_misp_parse(a, real_event, strlen(real_event), &m2), KR_OK);
	assert_string_equal(m.doc, m2.doc);
	json_decref(env);
	arena_free(a);
}

static void test_shapes(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_misp m;
	const char *ev = "{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a02\",\"date\":\"2024-01-02\","
			 "\"Attribute\":[{\"type\":\"url\",\"value\":\"http://x.example/\",\"to_ids\":true}]}";
	/* a bare event, a list, {"Event"} in a list, {"response":[...]} */
	json_t *e = parse_ok(a, ev, &m);
	assert_int_equal(m.indicators, 1);
	/* no timestamp: the event's date; no attribute uuid: derived */
	json_t *u = by_name(e, "url: http://x.example/");
	assert_string_equal(json_string_value(json_object_get(u, "created")), "2024-01-02T00:00:00.000000Z");
	json_decref(e);
	char *list = arena_printf(a, "[%s,{\"Event\":%s}]", ev, ev);
	assert_int_equal(stix_misp_parse(a, list, strlen(list), &m), KR_OK);
	assert_int_equal(m.events, 2);
	/* the same event twice: the same ids twice, which the store refuses */
	struct stix_status st;
	assert_int_equal(stix_check(a, m.doc, m.doc_len, STIX_DOC_ENVELOPE, &st), KR_EINVAL);
	char *resp = arena_printf(a, "{\"response\":[{\"Event\":%s}]}", ev);
	e = parse_ok(a, resp, &m);
	json_decref(e);
	/* every IP-ish shape, CIDR and IPv6 */
	const char *ips = "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a03\",\"timestamp\":\"1700000000\","
			  "\"Attribute\":["
			  "{\"type\":\"ip-src\",\"value\":\"2001:db8::/32\",\"to_ids\":true},"
			  "{\"type\":\"ip-src|port\",\"value\":\"2001:db8::1|53\",\"to_ids\":true},"
			  "{\"type\":\"hostname|port\",\"value\":\"h.example|8080\",\"to_ids\":true},"
			  "{\"type\":\"AS\",\"value\":\"AS64496\",\"to_ids\":true},"
			  "{\"type\":\"mutex\",\"value\":\"Global\\\\abc\",\"to_ids\":true},"
			  "{\"type\":\"sha1\",\"value\":\"86f7e437faa5a7fce15d1ddcb9eaeaea377667b8\",\"to_ids\":false},"
			  "{\"type\":\"x509-fingerprint-sha1\",\"value\":\"86f7e437faa5a7fce15d1ddcb9eaeaea377667b8\",\"to_ids\":true}"
			  "]}}";
	e = parse_ok(a, ips, &m);
	assert_string_equal(json_string_value(json_object_get(by_name(e, "ip-src: 2001:db8::/32"), "pattern")),
			    "[ipv6-addr:value = '2001:db8::/32']");
	assert_string_equal(json_string_value(json_object_get(by_name(e, "ip-src|port: 2001:db8::1|53"), "pattern")),
			    "[ipv6-addr:value = '2001:db8::1'] AND [network-traffic:src_port = 53]");
	assert_string_equal(json_string_value(json_object_get(by_name(e, "AS: AS64496"), "pattern")),
			    "[autonomous-system:number = 64496]");
	assert_string_equal(json_string_value(json_object_get(by_name(e, "mutex: Global\\abc"), "pattern")),
			    "[mutex:name = 'Global\\\\abc']");
	assert_int_equal(count_type(e, "file"), 1); /* the sha1 without to_ids */
	json_decref(e);
	arena_free(a);
}

static void test_hostile(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_misp m;
	static const struct {
		const char *doc, *needle;
	} cases[] = {
		{"", "not valid JSON"},
		{"{\"Event\": {\"uuid\": \"x\",\n \"Attribute\": [}", "line 2, column"},
		{"{\"Event\":1}", "not a MISP event object"},
		{"{\"hello\":1}", "not a MISP event"},
		{"[]", "no MISP event"},
		{"42", "not valid JSON"},
		{"{\"Event\":{\"uuid\":\"x\",\"timestamp\":\"1\"}}", "uuid is missing"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\"}}", "needs a timestamp"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":\"-5\"}}", "epoch seconds"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Attribute\":[1]}}",
		 "event 1 attribute 1: not a JSON object"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Attribute\":"
		 "[{\"type\":\"ip-dst\",\"value\":\"1.2.3.4\",\"to_ids\":\"maybe\"}]}}",
		 "to_ids must be true or false"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Attribute\":"
		 "[{\"type\":\"ip-dst\",\"value\":\"\"}]}}",
		 "the value is empty"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Attribute\":"
		 "[{\"type\":\"ip-dst\",\"value\":\"1.2.3.4\\n5.6.7.8\"}]}}",
		 "spans lines"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Attribute\":"
		 "[{\"type\":\"domain|ip\",\"value\":\"nobar.example\"}]}}",
		 "two parts separated by |"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Object\":"
		 "[{\"name\":\"file\",\"Attribute\":[]}]}}",
		 "event 1 object 1 (file): uuid is missing"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Tag\":\"tlp:red\"}}",
		 "Tag must be a list"},
		{"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\"}}",
		 "duplicate object key"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = stix_misp_parse(a, cases[i].doc, strlen(cases[i].doc), &m);
		if (rc != KR_EINVAL || !has_problem(&m, cases[i].needle))
			fail_msg("case %zu (%s): rc %d, wanted \"%s\"", i, cases[i].doc, rc, cases[i].needle);
		assert_null(m.doc);
	}
	/* deep nesting, bad UTF-8, a string over 1 MiB */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(stix_misp_parse(a, deep, sizeof deep, &m), KR_EINVAL);
	assert_true(has_problem(&m, "nested deeper"));
	assert_int_equal(stix_misp_parse(a, "{\"a\":\"\xff\"}", 8, &m), KR_EINVAL);
	assert_true(has_problem(&m, "UTF-8"));
	size_t n = 2 * 1024 * 1024;
	char *huge = malloc(n + 8);
	huge[0] = '"';
	memset(huge + 1, 'a', n);
	huge[n + 1] = '"';
	assert_int_equal(stix_misp_parse(a, huge, n + 2, &m), KR_EINVAL);
	assert_true(has_problem(&m, "longer than 1 MiB"));
	free(huge);
	/* more attributes than a document may make objects: refused, named */
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Attribute\":[");
	for (int i = 0; i < STIX_MAX_OBJECTS + 5; i++)
		buf_printf(&b, "%s{\"type\":\"ip-dst\",\"value\":\"10.%d.%d.%d\",\"to_ids\":true}", i ? "," : "",
			   (i >> 16) & 255, (i >> 8) & 255, i & 255);
	buf_adds(&b, "]}}");
	assert_int_equal(stix_misp_parse(a, b.p, b.len, &m), KR_EINVAL);
	assert_true(has_problem(&m, "more than 100000 STIX objects"));
	buf_free(&b);
	/* a pattern-breaking value is escaped, not injected */
	const char *inj = "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Attribute\":"
			  "[{\"type\":\"url\",\"value\":\"http://x.example/']  OR [ipv4-addr:value = '0.0.0.0/0\",\"to_ids\":true}]}}";
	json_t *e = parse_ok(a, inj, &m);
	json_t *o = json_array_get(json_object_get(e, "objects"), 0);
	assert_string_equal(json_string_value(json_object_get(o, "pattern")),
			    "[url:value = 'http://x.example/\\']  OR [ipv4-addr:value = \\'0.0.0.0/0']");
	json_decref(e);
	/* an invalid value is parsed, and the STIX checks refuse it */
	const char *bad = "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01\",\"timestamp\":1,\"Attribute\":"
			  "[{\"type\":\"md5\",\"value\":\"not-a-hash\",\"to_ids\":true}]}}";
	assert_int_equal(stix_misp_parse(a, bad, strlen(bad), &m), KR_OK);
	struct stix_status st;
	assert_int_equal(stix_check(a, m.doc, m.doc_len, STIX_DOC_ENVELOPE, &st), KR_EINVAL);
	assert_non_null(st.items[0].reason);
	assert_string_equal(m.origin[0], "event 1 attribute 1 (md5 not-a-hash)");
	arena_free(a);
}

/* ---- with a database ---- */

static struct ctx as(struct testenv *f, const char *login)
{
	struct ctx c = testenv_as(f, login, "en");
	c.now = now_ms();
	return c;
}

static int setup(void **state)
{
	struct testenv *f = calloc(1, sizeof *f);
	testenv_open(f, "misp");
	testenv_org(f, "cc", NULL, NULL, "coordination_center", NULL);
	assert_int_equal(community_init_builtin(&f->sys), KR_OK);
	int64_t rail = testenv_org(f, "rail", NULL, NULL, "critical_service", NULL);
	int64_t other = testenv_org(f, "other", NULL, NULL, "venue", NULL);
	testenv_person(f, rail, "rail1", NULL, ROLE_MEMBER);
	testenv_person(f, other, "other1", NULL, ROLE_MEMBER);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	testenv_close(*state);
	free(*state);
	return 0;
}

static int64_t count_objects(struct testenv *f)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT COUNT(*) FROM stix_objects", &st), KR_OK);
	assert_int_equal(db_step(st), KR_ROW);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static char *drain(struct ctx *c, struct stix_rules *e)
{
	struct buf b = BUF_INIT;
	int rc;
	while ((rc = stix_rules_next(c, e, &b)) == 1)
		;
	assert_int_equal(rc, 0);
	char *s = arena_strndup(c->a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return s;
}

static void test_import_and_exports(void **state)
{
	struct testenv *f = *state;
	struct ctx rail = as(f, "rail1"), other = as(f, "other1");
	struct stix_misp m;
	struct stix_status st;
	/* one bad attribute: nothing stored, the attribute named */
	const char *bad = "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a09\",\"timestamp\":1,\"Attribute\":["
			  "{\"type\":\"ip-dst\",\"value\":\"192.0.2.1\",\"to_ids\":true},"
			  "{\"type\":\"ip-dst\",\"value\":\"192.0.2.300\",\"to_ids\":true}]}}";
	assert_int_equal(stix_import_misp(&rail, "consultation", bad, strlen(bad), &m, &st), KR_EINVAL);
	assert_true(has_problem(&m, "event 1 attribute 2 (ip-dst 192.0.2.300): invalid STIX pattern"));
	assert_int_equal(count_objects(f), 0);
	/* the real event, twice: the second adds nothing */
	assert_int_equal(stix_import_misp(&rail, "consultation", real_event, strlen(real_event), &m, &st), KR_OK);
	int64_t n = count_objects(f);
	assert_int_equal(n, (int64_t)m.nobjects);
	assert_int_equal(stix_import_misp(&rail, "consultation", real_event, strlen(real_event), &m, &st), KR_OK);
	assert_int_equal(count_objects(f), n);
	/* rights: general is the moderators' */
	assert_int_equal(stix_import_misp(&rail, "general", real_event, strlen(real_event), &m, &st), KR_EPERM);

	/* Suricata: green and amber rules, stable sids */
	struct stix_rules e = {.fmt = STIX_RULES_SURICATA};
	char *rules = drain(&other, &e);
	assert_non_null(strstr(rules, "alert ip $HOME_NET any <> 198.51.100.77 any (msg:\"Kairan consultation TLP:GREEN"));
	assert_non_null(strstr(rules, "TLP:AMBER domain-name pair.example"));
	struct stix_rules e2 = {.fmt = STIX_RULES_SURICATA};
	assert_string_equal(strstr(drain(&other, &e2), "\nalert"), strstr(rules, "\nalert"));
	struct stix_rules sn = {.fmt = STIX_RULES_SNORT, .sid_base = 5000};
	char *snort = drain(&other, &sn);
	assert_non_null(strstr(snort, "content:\"|04|pair|07|example|00|\""));
	assert_null(strstr(snort, "sid:1000000"));

	/* feed: the manifest names the event that hashes.csv points at */
	struct stix_rules man = {.fmt = STIX_FEED_MANIFEST};
	char *mtext = drain(&other, &man);
	json_t *mj = json_loads(mtext, 0, NULL);
	assert_non_null(mj);
	assert_true(json_object_size(mj) >= 2); /* green and amber buckets */
	struct stix_rules hs = {.fmt = STIX_FEED_HASHES};
	char *htext = drain(&other, &hs);
	char md5[33];
	digest_md5_hex("198.51.100.77", 13, md5);
	const char *line = strstr(htext, md5);
	assert_non_null(line);
	char uuid[37];
	snprintf(uuid, sizeof uuid, "%s", line + 33);
	assert_non_null(json_object_get(mj, uuid));
	struct stix_rules ev = {0};
	assert_int_equal(stix_feed_event_find(&other, uuid, &ev), KR_OK);
	char *etext = drain(&other, &ev);
	json_t *ej = json_loads(etext, 0, NULL);
	assert_non_null(ej);
	json_t *evo = json_object_get(ej, "Event");
	assert_string_equal(json_string_value(json_object_get(evo, "uuid")), uuid);
	assert_string_equal(json_string_value(json_object_get(evo, "timestamp")),
			    json_string_value(json_object_get(json_object_get(mj, uuid), "timestamp")));
	assert_true(json_array_size(json_object_get(evo, "Attribute")) > 0);
	/* the event goes back in as MISP */
	assert_int_equal(stix_import_misp(&rail, "consultation", etext, strlen(etext), &m, &st), KR_OK);
	json_decref(ej);
	json_decref(mj);
	/* a uuid of another shape, or of nobody's bucket */
	assert_int_equal(stix_feed_event_find(&other, "5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01", &ev), KR_ENOTFOUND);
	char red[37];
	snprintf(red, sizeof red, "%s", uuid);
	red[28] = '4';
	assert_int_equal(stix_feed_event_find(&other, red, &ev), KR_ENOTFOUND);
}


/* Objects added over 40 days: the manifest has one event per day (more
 * days than one chunk walks), the event files hold every value once, and
 * hashes.csv points each value at its day's event. */
static void test_feed_over_days(void **state)
{
	struct testenv *f = *state;
	struct ctx rail = as(f, "rail1"), other = as(f, "other1");
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a0d\",\"timestamp\":1700000000,"
		     "\"Tag\":[{\"name\":\"tlp:green\"}],\"Attribute\":[");
	for (int i = 0; i < 120; i++)
		buf_printf(&b, "%s{\"type\":\"ip-dst\",\"value\":\"10.9.0.%d\",\"to_ids\":true}", i ? "," : "", i);
	buf_adds(&b, "]}}");
	struct stix_misp m;
	struct stix_status st;
	assert_int_equal(stix_import_misp(&rail, "consultation", b.p, b.len, &m, &st), KR_OK);
	buf_free(&b);
	assert_int_equal(db_exec(f->db, "UPDATE stix_objects SET date_added_us = date_added_us - (id % 40) * 86400000000"),
			 KR_OK);
	struct stix_rules man = {.fmt = STIX_FEED_MANIFEST};
	json_t *mj = json_loads(drain(&other, &man), 0, NULL);
	assert_non_null(mj);
	assert_int_equal(json_object_size(mj), 40);
	size_t total = 0;
	const char *u;
	json_t *entry;
	json_object_foreach (mj, u, entry) {
		assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(entry, "Tag"), 0), "name")),
				    "tlp:green");
		struct stix_rules ev = {0};
		assert_int_equal(stix_feed_event_find(&other, u, &ev), KR_OK);
		json_t *ej = json_loads(drain(&other, &ev), 0, NULL);
		assert_non_null(ej);
		json_t *evo = json_object_get(ej, "Event");
		assert_string_equal(json_string_value(json_object_get(evo, "date")),
				    json_string_value(json_object_get(entry, "date")));
		assert_string_equal(json_string_value(json_object_get(evo, "timestamp")),
				    json_string_value(json_object_get(entry, "timestamp")));
		total += json_array_size(json_object_get(evo, "Attribute"));
		json_decref(ej);
	}
	assert_int_equal(total, 120);
	struct stix_rules hs = {.fmt = STIX_FEED_HASHES};
	char *h = drain(&other, &hs);
	size_t lines = 0;
	for (char *p = h; (p = strchr(p, '\n')); p++) {
		char uuid[37];
		snprintf(uuid, sizeof uuid, "%s", p - 36);
		assert_non_null(json_object_get(mj, uuid));
		lines++;
	}
	assert_int_equal(lines, 120);
	json_decref(mj);
}

#define RED_ID "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define GREEN_ID "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

static const char *marking(json_t *o)
{
	return json_string_value(json_array_get(json_object_get(o, "object_marking_refs"), 0));
}

static const char *prop(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char seen_event[] =
	"{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0b01\",\"timestamp\":\"1700000100\","
	"\"distribution\":\"1\",\"Tag\":[{\"name\":\"tlp:green\"}],\"Attribute\":["
	"{\"type\":\"ip-dst\",\"to_ids\":true,\"value\":\"192.0.2.11\",\"timestamp\":\"1700000000\","
	"\"first_seen\":\"2023-11-14T09:35:05.123456+09:00\",\"last_seen\":\"2023-11-20T00:00:00Z\"},"
	"{\"type\":\"domain\",\"to_ids\":false,\"value\":\"seen-both.example\",\"timestamp\":\"1700000000\","
	"\"first_seen\":\"2023-11-01T00:00:00.000000+00:00\",\"last_seen\":\"2023-11-02 12:00:00\"},"
	"{\"type\":\"domain\",\"to_ids\":false,\"value\":\"seen-last.example\",\"timestamp\":\"1700000000\","
	"\"first_seen\":null,\"last_seen\":\"2023-11-03T00:00:00.5-0130\"},"
	"{\"type\":\"ip-dst\",\"to_ids\":true,\"value\":\"192.0.2.12\",\"timestamp\":\"1700000000\",\"distribution\":\"0\"},"
	"{\"type\":\"ip-dst\",\"to_ids\":true,\"value\":\"192.0.2.13\",\"timestamp\":\"1700000000\",\"distribution\":5},"
	"{\"type\":\"ip-dst\",\"to_ids\":true,\"value\":\"192.0.2.14\",\"timestamp\":\"1700000000\"}],"
	"\"Object\":[{\"name\":\"domain-ip\",\"uuid\":\"7a1c7e2e-2222-4b4b-9c9c-0000000000b1\",\"distribution\":0,"
	"\"timestamp\":\"1700000050\",\"Attribute\":[{\"type\":\"domain\",\"to_ids\":true,\"value\":\"obj.example\","
	"\"first_seen\":\"2023-10-01T00:00:00Z\"},{\"type\":\"ip-dst\",\"to_ids\":false,\"value\":\"192.0.2.15\","
	"\"first_seen\":\"2023-09-01T00:00:00Z\",\"last_seen\":\"2023-12-01T00:00:00Z\"}]}]}}";

static void test_seen_and_distribution(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_misp m;
	json_t *env = parse_ok(a, seen_event, &m);
	/* An indicator: valid_from is first_seen (in UTC); last_seen is
	 * not an expiry. */
	json_t *i1 = by_name(env, "ip-dst: 192.0.2.11");
	assert_non_null(i1);
	assert_string_equal(prop(i1, "valid_from"), "2023-11-14T00:35:05.123456Z");
	assert_null(json_object_get(i1, "valid_until"));
	assert_string_equal(prop(i1, "x_misp_last_seen"), "2023-11-20T00:00:00.000000Z");
	assert_string_equal(prop(i1, "created"), "2023-11-14T22:13:20.000000Z");
	/* Without first_seen, valid_from stays the attribute's timestamp. */
	json_t *i4 = by_name(env, "ip-dst: 192.0.2.14");
	assert_string_equal(prop(i4, "valid_from"), prop(i4, "created"));
	assert_null(json_object_get(i4, "x_misp_last_seen"));
	/* Observed data: first/last observed; one stands in for the other. */
	size_t i;
	json_t *o, *both = NULL, *last = NULL, *obj = NULL;
	json_array_foreach (json_object_get(env, "objects"), i, o) {
		if (!str_eq(prop(o, "type"), "observed-data"))
			continue;
		const char *fo = prop(o, "first_observed");
		if (str_eq(fo, "2023-11-01T00:00:00.000000Z"))
			both = o;
		else if (str_eq(fo, "2023-11-03T01:30:00.500000Z"))
			last = o;
	}
	assert_non_null(both);
	assert_string_equal(prop(both, "last_observed"), "2023-11-02T12:00:00.000000Z");
	assert_non_null(last);
	assert_string_equal(prop(last, "last_observed"), "2023-11-03T01:30:00.500000Z");
	/* Distribution 0 at the attribute: RED although the event is green;
	 * 5 (inherit) and none: the event's green. */
	assert_string_equal(marking(by_name(env, "ip-dst: 192.0.2.12")), RED_ID);
	assert_string_equal(marking(by_name(env, "ip-dst: 192.0.2.13")), GREEN_ID);
	assert_string_equal(marking(i4), GREEN_ID);
	/* ... at the object: its indicator is RED; its valid_from the
	 * earliest first_seen of its attributes. */
	obj = by_name(env, "domain-ip: obj.example");
	assert_non_null(obj);
	assert_string_equal(marking(obj), RED_ID);
	assert_string_equal(prop(obj, "valid_from"), "2023-09-01T00:00:00.000000Z");
	assert_string_equal(prop(obj, "x_misp_last_seen"), "2023-12-01T00:00:00.000000Z");
	json_array_foreach (json_object_get(env, "objects"), i, o)
		if (str_eq(prop(o, "type"), "report"))
			assert_string_equal(marking(o), GREEN_ID);
	json_decref(env);

	/* ... at the event: everything RED, the tlp:green tag notwithstanding. */
	const char *ev0 = "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0b02\",\"timestamp\":1700000000,"
			  "\"distribution\":\"0\",\"Tag\":[{\"name\":\"tlp:green\"}],\"Attribute\":["
			  "{\"type\":\"ip-dst\",\"to_ids\":true,\"value\":\"192.0.2.21\",\"distribution\":\"3\"},"
			  "{\"type\":\"domain\",\"to_ids\":false,\"value\":\"org-only.example\"}]}}";
	env = parse_ok(a, ev0, &m);
	size_t sdos = 0;
	json_array_foreach (json_object_get(env, "objects"), i, o) {
		const char *t = prop(o, "type");
		if (str_eq(t, "indicator") || str_eq(t, "observed-data") || str_eq(t, "report")) {
			assert_string_equal(marking(o), RED_ID);
			sdos++;
		}
	}
	assert_int_equal(sdos, 3);
	json_decref(env);

	/* Bad values are refused with the place named. */
	static const struct {
		const char *attr, *needle;
	} bad[] = {
		{"\"first_seen\":\"yesterday\"", "attribute 1 (ip-dst 192.0.2.31): first_seen must be an ISO 8601 time"},
		{"\"last_seen\":\"2023-13-01T00:00:00Z\"", "last_seen must be an ISO 8601 time"},
		{"\"last_seen\":\"2023-11-01T00:00:00+25:00\"", "last_seen must be an ISO 8601 time"},
		{"\"first_seen\":1700000000", "first_seen must be an ISO 8601 time"},
		{"\"first_seen\":\"2023-11-02T00:00:00Z\",\"last_seen\":\"2023-11-01T00:00:00Z\"",
		 "last_seen is earlier than first_seen"},
		{"\"distribution\":\"7\"", "distribution must be one of MISP's sharing levels 0 to 5"},
		{"\"distribution\":-1", "distribution must be one of"},
		{"\"distribution\":\"org\"", "distribution must be one of"},
		{"\"distribution\":true", "distribution must be one of"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		const char *doc = arena_printf(a,
					      "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0b03\",\"timestamp\":1,"
					      "\"Attribute\":[{\"type\":\"ip-dst\",\"to_ids\":true,\"value\":\"192.0.2.31\",%s}]}}",
					      bad[k].attr);
		assert_int_equal(stix_misp_parse(a, doc, strlen(doc), &m), KR_EINVAL);
		assert_true(has_problem(&m, bad[k].needle));
	}
	const char *evbad = "{\"Event\":{\"uuid\":\"5e6b322a-9f80-4e2f-9f2a-3cab0a0a0b04\",\"timestamp\":1,"
			    "\"distribution\":9,\"Attribute\":[{\"type\":\"ip-dst\",\"value\":\"192.0.2.32\"}]}}";
	assert_int_equal(stix_misp_parse(a, evbad, strlen(evbad), &m), KR_EINVAL);
	assert_true(has_problem(&m, "event 1: distribution must be one of"));
	arena_free(a);
}

/* The row id of the latest version of a STIX object. */
static int64_t row_of(struct testenv *f, const char *stix_id)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT id FROM stix_objects WHERE stix_id = ?1 AND is_latest = 1", &st),
			 KR_OK);
	db_bind_text(st, 1, stix_id);
	assert_int_equal(db_step(st), KR_ROW);
	int64_t id = db_col_int(st, 0);
	db_done(st);
	return id;
}

/* Distribution 0 stored: the importer's organisation sees it, another
 * member organisation of the collection does not; the same import's
 * green objects both do. */
static void test_org_only_stays_in_the_org(void **state)
{
	struct testenv *f = *state;
	struct ctx rail = as(f, "rail1"), other = as(f, "other1");
	struct stix_misp m;
	struct stix_status st;
	assert_int_equal(stix_import_misp(&rail, "consultation", seen_event, strlen(seen_event), &m, &st), KR_OK);
	json_t *env = json_loads(m.doc, 0, NULL);
	assert_non_null(env);
	const char *red = prop(by_name(env, "ip-dst: 192.0.2.12"), "id");
	const char *obj = prop(by_name(env, "domain-ip: obj.example"), "id");
	const char *green = prop(by_name(env, "ip-dst: 192.0.2.13"), "id");
	assert_int_equal(acl_stix_visible(&rail, row_of(f, red)), KR_OK);
	assert_int_equal(acl_stix_visible(&rail, row_of(f, obj)), KR_OK);
	assert_int_equal(acl_stix_visible(&other, row_of(f, green)), KR_OK);
	assert_int_equal(acl_stix_visible(&other, row_of(f, red)), KR_ENOTFOUND);
	assert_int_equal(acl_stix_visible(&other, row_of(f, obj)), KR_ENOTFOUND);
	json_decref(env);
}

int main(void)
{
	log_set_level(getenv("KAIRAN_TEST_LOG") ? LOG_DEBUG : LOG_WARN);
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_real_event),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_seen_and_distribution),
	};
	const struct CMUnitTest db[] = {
		cmocka_unit_test_setup_teardown(test_import_and_exports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed_over_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_org_only_stays_in_the_org, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("misp/parser", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("misp/sqlite", db, NULL, NULL);
	testenv_pg_url = getenv("KAIRAN_TEST_PG_URL");
	if (testenv_pg_url)
		failed += cmocka_run_group_tests_name("misp/postgres", db, NULL, NULL);
	return failed;
}
