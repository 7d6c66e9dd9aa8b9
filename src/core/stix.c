/* stix.c - STIX 2.1 validation, ingest and the TAXII queries.  See stix.h.
 *
 * Validation follows the STIX 2.1 specification's common properties
 * (section 3.2), identifier and timestamp formats (2.9, 3.1), and the
 * required properties of each object type the store keeps; indicator
 * patterns of pattern_type "stix" go through the full pattern parser
 * (stix_pattern.h). */
#include "core/stix.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/common.h"
#include "core/community.h"
#include "core/stix_pattern.h"
#include "core/stix_walk.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jread.h"
#include "lib/util.h"
#include "store/db.h"

static const char *const tlp_names[] = {"clear", "green", "amber", "amber+strict", "red"};

const char *stix_tlp_name(enum stix_tlp t)
{
	return (unsigned)t < KR_ARRAY_LEN(tlp_names) ? tlp_names[t] : "red";
}

/* The fixed TLP marking-definition ids: TLP 1.0 (STIX 2.1 section 7.2.1.4)
 * and TLP 2.0 (the OASIS TLP 2.0 extension's marking definitions). */
static const struct {
	const char *id;
	enum stix_tlp tlp;
} tlp_ids[] = {
	{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", STIX_TLP_CLEAR}, /* 1.0 white */
	{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", STIX_TLP_GREEN},
	{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", STIX_TLP_AMBER},
	{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", STIX_TLP_RED},
	{"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", STIX_TLP_CLEAR}, /* 2.0 */
	{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", STIX_TLP_GREEN},
	{"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", STIX_TLP_AMBER},
	{"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", STIX_TLP_AMBER_STRICT},
	{"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", STIX_TLP_RED},
};

/* ---- time ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int stix_parse_time(const char *s, int64_t *us)
{
	int y, mo, d, h, mi, se;
	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return KR_EINVAL;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return KR_EINVAL;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return KR_EINVAL;
	const char *p = s + 19;
	int64_t frac = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		while (*p >= '0' && *p <= '9') {
			if (n < 6)
				frac = frac * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			return KR_EINVAL;
		for (; n < 6; n++)
			frac *= 10;
	}
	if (p[0] != 'Z' || p[1])
		return KR_EINVAL;
	if (se == 60)
		se = 59; /* a leap second orders with the second before it */
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	*us = secs * 1000000 + frac;
	return KR_OK;
}

void stix_format_time(int64_t us, char *out, size_t outsz)
{
	time_t secs = (time_t)(us / 1000000);
	int64_t frac = us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- identifiers and property checks ---- */

/* Type names (STIX 2.1 section 3.1): 3-250 characters of a-z, 0-9 and
 * hyphen; no leading or trailing hyphen... we also forbid "--". */
static bool valid_type_name(const char *t)
{
	size_t n = strlen(t);
	if (n < 3 || n > 250 || t[0] == '-' || t[n - 1] == '-' || strstr(t, "--"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '-'))
			return false;
	return true;
}

static bool valid_uuid(const char *u)
{
	if (strlen(u) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return false;
		} else if (!((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'f'))) {
			return false;
		}
	}
	/* RFC 4122 variant (10xx) */
	return u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b';
}

/* "type--uuid"; when want_type is set the prefix must equal it. */
static bool valid_identifier(const char *s, const char *want_type)
{
	const char *sep = strstr(s, "--");
	if (!sep)
		return false;
	size_t tl = (size_t)(sep - s);
	char type[256];
	if (tl >= sizeof type)
		return false;
	memcpy(type, s, tl);
	type[tl] = 0;
	if (!valid_type_name(type))
		return false;
	if (want_type && strcmp(type, want_type) != 0)
		return false;
	return valid_uuid(sep + 2);
}

enum kind { K_SDO, K_SRO, K_SCO, K_META };

/* strcmp's equality behind a first-byte test: the type tables are
 * scanned once or twice per object of a 10000-object document, and
 * almost every entry differs in its first byte. */
static inline bool name_is(const char *a, const char *b) { return a[0] == b[0] && !strcmp(a, b); }

static const char *const sco_types[] = {
	"artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
	"file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
	"software", "url", "user-account", "windows-registry-key", "x509-certificate",
};

static enum kind kind_of(const char *type)
{
	for (size_t i = 0; i < KR_ARRAY_LEN(sco_types); i++)
		if (name_is(type, sco_types[i]))
			return K_SCO;
	if (!strcmp(type, "relationship") || !strcmp(type, "sighting"))
		return K_SRO;
	if (!strcmp(type, "marking-definition") || !strcmp(type, "language-content") ||
	    !strcmp(type, "extension-definition"))
		return K_META;
	return K_SDO; /* the named SDOs and custom objects */
}

/* Required properties per type beyond the common ones. */
static const struct {
	const char *type;
	const char *props[4];
} required[] = {
	{"attack-pattern", {"name"}},
	{"campaign", {"name"}},
	{"course-of-action", {"name"}},
	{"grouping", {"context", "object_refs"}},
	{"identity", {"name"}},
	{"incident", {"name"}},
	{"indicator", {"pattern", "pattern_type", "valid_from"}},
	{"infrastructure", {"name"}},
	{"intrusion-set", {"name"}},
	{"malware", {"is_family"}},
	{"malware-analysis", {"product"}},
	{"note", {"content", "object_refs"}},
	{"observed-data", {"first_observed", "last_observed", "number_observed"}},
	{"opinion", {"opinion", "object_refs"}},
	{"report", {"name", "published", "object_refs"}},
	{"threat-actor", {"name"}},
	{"tool", {"name"}},
	{"vulnerability", {"name"}},
	{"relationship", {"relationship_type", "source_ref", "target_ref"}},
	{"sighting", {"sighting_of_ref"}},
	{"language-content", {"object_ref", "object_modified", "contents"}},
	{"extension-definition", {"name", "schema", "version", "extension_types"}},
	{"autonomous-system", {"number"}},
	{"directory", {"path"}},
	{"domain-name", {"value"}},
	{"email-addr", {"value"}},
	{"email-message", {"is_multipart"}},
	{"ipv4-addr", {"value"}},
	{"ipv6-addr", {"value"}},
	{"mac-addr", {"value"}},
	{"mutex", {"name"}},
	{"network-traffic", {"protocols"}},
	{"url", {"value"}},
	{"windows-registry-key", {NULL}},
};

/* Properties whose value is a timestamp, and ones that are identifiers. */
static const char *const time_props[] = {
	"created", "modified", "valid_from", "valid_until", "first_seen", "last_seen",
	"first_observed", "last_observed", "published", "object_modified",
};
static const char *const ref_props[] = {"created_by_ref", "source_ref", "target_ref", "sighting_of_ref",
					 "object_ref"};
static const char *const refs_props[] = {"object_refs", "object_marking_refs", "where_sighted_refs",
					  "observed_data_refs"};

struct check {
	struct arena *a;
	const char *reason;
	struct stix_pattern *pattern; /* an indicator's parsed pattern */
};

/* fmt is a literal with one %s (checked by the compiler through
 * arena_printf's format attribute). */
#define fail(k, fmt, arg) ((k)->reason = arena_printf((k)->a, fmt, str_or_empty(arg)), KR_EINVAL)
static const char *str_or_empty(const char *s) { return s ? s : ""; }

static bool is_str(const struct jr_value *o, const char *key) { return jr_is_string(jr_get(o, key)); }

static int check_time_prop(struct check *k, const struct jr_value *o, const char *key, int64_t *us)
{
	const struct jr_value *v = jr_get(o, key);
	if (!v)
		return KR_OK;
	if (!jr_is_string(v) || stix_parse_time(jr_str(v), us))
		return fail(k, "%s is not an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)", key);
	return KR_OK;
}

static int check_object(struct check *k, const struct jr_value *o)
{
	if (!jr_is_object(o))
		return fail(k, "an object must be a JSON object%s", NULL);
	const struct jr_value *tv = jr_get(o, "type");
	if (!jr_is_string(tv))
		return fail(k, "missing required property: type%s", NULL);
	const char *type = jr_str(tv);
	if (!valid_type_name(type))
		return fail(k, "type \"%s\" breaks the type-name rules (3-250 of a-z 0-9 -)", type);
	if (!strcmp(type, "bundle"))
		return fail(k, "a bundle cannot contain a bundle%s", NULL);
	const struct jr_value *idv = jr_get(o, "id");
	if (!idv)
		return fail(k, "missing required property: id%s", NULL);
	if (!jr_is_string(idv) || !valid_identifier(jr_str(idv), type))
		return fail(k, "id must be \"%s--\" followed by a lowercase RFC 4122 UUID", type);
	enum kind kind = kind_of(type);
	const struct jr_value *sv = jr_get(o, "spec_version");
	if (sv || kind != K_SCO) {
		if (!sv)
			return fail(k, "missing required property: spec_version%s", NULL);
		if (!jr_is_string(sv) || strcmp(jr_str(sv), "2.1") != 0)
			return fail(k, "spec_version must be \"2.1\"%s", NULL);
	}
	int64_t created = 0, modified = 0, t1 = 0, t2 = 0;
	if (kind != K_SCO) {
		if (!jr_get(o, "created"))
			return fail(k, "missing required property: created%s", NULL);
		if (kind != K_META || !strcmp(type, "language-content") || !strcmp(type, "extension-definition"))
			if (!jr_get(o, "modified"))
				return fail(k, "missing required property: modified%s", NULL);
	}
	for (size_t i = 0; i < KR_ARRAY_LEN(time_props); i++) {
		int64_t us = 0;
		if (check_time_prop(k, o, time_props[i], &us))
			return KR_EINVAL;
		if (i == 0) /* time_props[0] is "created", [1] "modified" */
			created = us;
		else if (i == 1)
			modified = us;
	}
	if (jr_get(o, "modified") && jr_get(o, "created") && modified < created)
		return fail(k, "modified is earlier than created%s", NULL);
	for (size_t i = 0; i < KR_ARRAY_LEN(required); i++) {
		if (!name_is(required[i].type, type))
			continue;
		for (int j = 0; j < 4 && required[i].props[j]; j++)
			if (!jr_get(o, required[i].props[j]))
				return fail(k, "missing required property: %s", required[i].props[j]);
	}
	for (size_t i = 0; i < KR_ARRAY_LEN(ref_props); i++) {
		const struct jr_value *v = jr_get(o, ref_props[i]);
		if (v && (!jr_is_string(v) || !valid_identifier(jr_str(v), NULL)))
			return fail(k, "%s must be an identifier (type--UUID)", ref_props[i]);
	}
	for (size_t i = 0; i < KR_ARRAY_LEN(refs_props); i++) {
		const struct jr_value *v = jr_get(o, refs_props[i]);
		if (!v)
			continue;
		if (!jr_is_array(v))
			return fail(k, "%s must be a list of identifiers", refs_props[i]);
		bool marking = !strcmp(refs_props[i], "object_marking_refs");
		if (!strcmp(refs_props[i], "object_refs") && jr_len(v) == 0)
			return fail(k, "object_refs must not be empty%s", NULL);
		size_t x;
		const struct jr_value *e;
		jr_array_foreach (v, x, e)
			if (!jr_is_string(e) ||
			    !valid_identifier(jr_str(e), marking ? "marking-definition" : NULL))
				return fail(k, "%s must be a list of identifiers", refs_props[i]);
	}
	const struct jr_value *cv = jr_get(o, "confidence");
	if (cv && (!jr_is_int(cv) || jr_int(cv) < 0 || jr_int(cv) > 100))
		return fail(k, "confidence must be an integer from 0 to 100%s", NULL);
	const struct jr_value *rv = jr_get(o, "revoked");
	if (rv && !jr_is_bool(rv))
		return fail(k, "revoked must be a boolean%s", NULL);
	const struct jr_value *lv = jr_get(o, "labels");
	if (lv) {
		size_t x;
		const struct jr_value *e;
		if (!jr_is_array(lv))
			return fail(k, "labels must be a list of strings%s", NULL);
		jr_array_foreach (lv, x, e)
			if (!jr_is_string(e))
				return fail(k, "labels must be a list of strings%s", NULL);
	}

	/* type-specific rules */
	if (!strcmp(type, "indicator")) {
		if (!is_str(o, "pattern") || !is_str(o, "pattern_type"))
			return fail(k, "pattern and pattern_type must be strings%s", NULL);
		check_time_prop(k, o, "valid_from", &t1);
		if (jr_get(o, "valid_until")) {
			check_time_prop(k, o, "valid_until", &t2);
			if (t2 <= t1)
				return fail(k, "valid_until must be later than valid_from%s", NULL);
		}
		if (!strcmp(jr_str(jr_get(o, "pattern_type")), "stix")) {
			const struct jr_value *pv = jr_get(o, "pattern");
			struct stix_pattern *p;
			struct stix_error err;
			if (stix_pattern_parse(k->a, jr_str(pv), jr_str_len(pv), &p, &err))
				return fail(k, "invalid STIX pattern: %s", err.msg);
			k->pattern = p;
		}
	} else if (!strcmp(type, "malware")) {
		const struct jr_value *f = jr_get(o, "is_family");
		if (!jr_is_bool(f))
			return fail(k, "is_family must be a boolean%s", NULL);
		if (jr_is_true(f) && !is_str(o, "name"))
			return fail(k, "missing required property: name (is_family is true)%s", NULL);
	} else if (!strcmp(type, "observed-data")) {
		const struct jr_value *n = jr_get(o, "number_observed");
		if (!jr_is_int(n) || jr_int(n) < 1 || jr_int(n) > 999999999)
			return fail(k, "number_observed must be an integer from 1 to 999999999%s", NULL);
		if (!jr_get(o, "object_refs") && !jr_get(o, "objects"))
			return fail(k, "missing required property: object_refs%s", NULL);
		check_time_prop(k, o, "first_observed", &t1);
		check_time_prop(k, o, "last_observed", &t2);
		if (t2 < t1)
			return fail(k, "last_observed is earlier than first_observed%s", NULL);
	} else if (!strcmp(type, "sighting")) {
		const struct jr_value *n = jr_get(o, "count");
		if (n && (!jr_is_int(n) || jr_int(n) < 0 || jr_int(n) > 999999999))
			return fail(k, "count must be an integer from 0 to 999999999%s", NULL);
		const char *of = jr_str(jr_get(o, "sighting_of_ref"));
		char st[64];
		const char *sep = strstr(of, "--");
		snprintf(st, sizeof st, "%.*s", (int)(sep - of), of);
		if (kind_of(st) != K_SDO)
			return fail(k, "sighting_of_ref must refer to an SDO%s", NULL);
	} else if (!strcmp(type, "relationship")) {
		if (!is_str(o, "relationship_type"))
			return fail(k, "relationship_type must be a string%s", NULL);
	} else if (!strcmp(type, "marking-definition")) {
		if (!jr_get(o, "definition_type") && !jr_get(o, "extensions"))
			return fail(k, "missing required property: definition_type (or extensions)%s", NULL);
	} else if (!strcmp(type, "file")) {
		if (!jr_get(o, "hashes") && !jr_get(o, "name"))
			return fail(k, "a file needs hashes or name%s", NULL);
	} else if (kind == K_SCO && jr_get(o, "value") && !is_str(o, "value")) {
		return fail(k, "value must be a string%s", NULL);
	}
	const struct jr_value *h = jr_get(o, "hashes");
	if (h) {
		size_t x;
		const struct jr_value *hk, *hv;
		if (!jr_is_object(h) || jr_len(h) == 0)
			return fail(k, "hashes must be a non-empty dictionary%s", NULL);
		jr_object_foreach (h, x, hk, hv)
			if (!jr_is_string(hv))
				return fail(k, "hash %s must be a string", jr_str(hk));
	}
	return KR_OK;
}

/* ---- documents ---- */

static const char *version_of(const struct jr_value *o)
{
	const struct jr_value *v = jr_get(o, "modified");
	if (!jr_is_string(v))
		v = jr_get(o, "created");
	return jr_str(v);
}

static int item_key_cmp(const struct stix_item *a, const struct stix_item *b)
{
	int c = strcmp(a->id, b->id);
	return c ? c : strcmp(a->version ? a->version : "", b->version ? b->version : "");
}

/* By (id, version), then document order. */
static int item_cmp(const void *x, const void *y)
{
	const struct stix_item *a = *(struct stix_item *const *)x, *b = *(struct stix_item *const *)y;
	int c = item_key_cmp(a, b);
	return c ? c : (a < b ? -1 : a > b);
}

/* The reader's limits are the documents': over the depth or string cap
 * is reported in the caps' own words ("nested deeper than 32 levels", "a
 * string is longer than 1 MiB"), anything else as not JSON. */
static const struct jr_options stix_json = {STIX_MAX_DEPTH, STIX_MAX_STRING, 0, STIX_MAX_VALUES};

/* Parse and check; on success *root is the parsed document (in a, like
 * everything st points to) and st->items describe each object. */
static int parse_doc(struct arena *a, const char *doc, size_t len, enum stix_doc kind,
		     struct stix_status *st, const struct jr_value **root)
{
	memset(st, 0, sizeof *st);
	*root = NULL;
	if (len > STIX_MAX_DOC)
		return st->error = "the document is larger than 32 MiB", KR_EINVAL;
	struct jr_error jerr;
	/* Any JSON value parses, so that 5 or null is "not an envelope"
	 * (TAXII: 422) rather than "not JSON" (400). */
	const struct jr_value *j;
	int prc = jr_parse(a, doc, len, &stix_json, &j, &jerr);
	if (prc == KR_ENOMEM) /* the server's trouble, not the document's */
		return KR_ENOMEM;
	if (prc == KR_ETOOBIG)
		return st->error = arena_strdup(a, jerr.text), KR_EINVAL;
	if (prc)
		return st->error = arena_printf(a, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
						jerr.column),
		       KR_EINVAL;
	*root = j;
	const struct jr_value *objs = jr_get(j, "objects");
	if (kind == STIX_DOC_ENVELOPE) {
		if (!jr_is_object(j) || jr_get(j, "type") || (objs && !jr_is_array(objs)))
			return st->not_envelope = true,
			       st->error = "the body is not a TAXII 2.1 envelope ({\"objects\": [...]})", KR_EINVAL;
	} else {
		const struct jr_value *t = jr_get(j, "type"), *id = jr_get(j, "id");
		if (!jr_is_string(t) || strcmp(jr_str(t), "bundle") != 0)
			return st->not_envelope = true, st->error = "the document is not a STIX bundle", KR_EINVAL;
		if (!jr_is_string(id) || !valid_identifier(jr_str(id), "bundle"))
			return st->error = "the bundle's id must be \"bundle--\" followed by a UUID", KR_EINVAL;
		if (objs && !jr_is_array(objs))
			return st->error = "the bundle's objects must be a list", KR_EINVAL;
	}
	size_t n = jr_len(objs);
	if (n > STIX_MAX_OBJECTS)
		return st->error = "more than 100000 objects in one document", KR_EINVAL;
	/* A list entry that is not a JSON object makes the document itself
	 * malformed (TAXII 3.7: objects holds STIX objects): 422, not a
	 * per-object failure that a status resource would have to name. */
	for (size_t i = 0; i < n; i++)
		if (!jr_is_object(jr_at(objs, i)))
			return st->not_envelope = true,
			       st->error = arena_printf(a, "objects[%zu] is not a JSON object", i), KR_EINVAL;
	st->total = n;
	st->items = arena_alloc(a, sizeof(struct stix_item) * (n + 1));
	struct check k = {a, NULL, NULL};
	for (size_t i = 0; i < n; i++) {
		const struct jr_value *o = jr_at(objs, i);
		struct stix_item *it = &st->items[i];
		/* the tree lives in a too: no copies */
		it->id = jr_str(jr_get(o, "id"));
		it->version = version_of(o);
		k.reason = NULL;
		k.pattern = NULL;
		if (check_object(&k, o))
			it->reason = k.reason;
		it->pattern = k.pattern;
	}
	/* The same version twice in one document is ambiguous: which copy?
	 * Sorted by (id, version) so a large document costs n log n. */
	struct stix_item **ord = arena_alloc(a, sizeof *ord * (n + 1));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!st->items[i].reason && st->items[i].id)
			ord[m++] = &st->items[i];
	qsort(ord, m, sizeof *ord, item_cmp);
	for (size_t i = 1; i < m; i++)
		if (!item_key_cmp(ord[i - 1], ord[i])) /* ord[i] comes later in the document */
			ord[i]->reason = "duplicate: the same id and version appear twice in the document";
	for (size_t i = 0; i < n; i++) {
		if (st->items[i].reason)
			st->failure++;
		else
			st->success++;
	}
	return st->failure ? KR_EINVAL : KR_OK;
}

int stix_check(struct arena *a, const char *doc, size_t len, enum stix_doc kind, struct stix_status *st)
{
	const struct jr_value *root;
	return parse_doc(a, doc, len, kind, st, &root);
}

int stix_check_object(struct arena *a, const char *json, size_t len, const char **reason)
{
	*reason = NULL;
	struct jr_error jerr;
	const struct jr_value *j;
	int prc = jr_parse(a, json, len, &stix_json, &j, &jerr);
	if (prc == KR_ENOMEM)
		return KR_ENOMEM;
	if (prc == KR_ETOOBIG)
		return *reason = arena_strdup(a, jerr.text), KR_EINVAL;
	if (prc)
		return *reason = arena_printf(a, "not valid JSON: %s", jerr.text), KR_EINVAL;
	/* An object's text is an object or array, as jansson's default
	 * (no JSON_DECODE_ANY) had it. */
	if (!jr_is_object(j) && !jr_is_array(j))
		return *reason = "not valid JSON: '[' or '{' expected", KR_EINVAL;
	struct check k = {a, NULL, NULL};
	int rc = check_object(&k, j);
	*reason = k.reason;
	return rc;
}

/* ---- ingest ---- */

struct values {
	struct arena *a;
	const char **kind, **value;
	size_t n, cap;
};

static void add_value(void *ud, const char *kind, const char *value)
{
	struct values *v = ud;
	if (!value || !*value || strlen(value) > 2048)
		return;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->kind[i], kind) && !strcmp(v->value[i], value))
			return;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 8;
		const char **k = arena_alloc(v->a, nc * sizeof *k), **s = arena_alloc(v->a, nc * sizeof *s);
		if (v->n) {
			memcpy(k, v->kind, v->n * sizeof *k);
			memcpy(s, v->value, v->n * sizeof *s);
		}
		v->kind = k;
		v->value = s;
		v->cap = nc;
	}
	v->kind[v->n] = arena_strdup(v->a, kind);
	v->value[v->n++] = arena_strdup(v->a, value);
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* pattern: the indicator's pattern as validation parsed it (NULL for
 * other objects and other pattern languages). */
static void extract_values(struct arena *a, const struct jr_value *o, const struct stix_pattern *pattern,
			   struct values *v)
{
	const char *type = jr_str(jr_get(o, "type"));
	if (!strcmp(type, "indicator")) {
		if (pattern)
			stix_pattern_values(pattern, add_value, v);
		return;
	}
	static const char *const simple[] = {"ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr"};
	for (size_t i = 0; i < KR_ARRAY_LEN(simple); i++)
		if (!strcmp(type, simple[i]) && is_str(o, "value"))
			add_value(v, type, jr_str(jr_get(o, "value")));
	if (!strcmp(type, "file")) {
		if (is_str(o, "name"))
			add_value(v, "file-name", jr_str(jr_get(o, "name")));
		const struct jr_value *h = jr_get(o, "hashes");
		size_t i;
		const struct jr_value *hk, *hv;
		jr_object_foreach (h, i, hk, hv) {
			char *k = arena_strdup(a, jr_str(hk)), *val = arena_strdup(a, jr_str(hv));
			lower(k);
			lower(val);
			add_value(v, k, val);
		}
	}
}

static enum stix_tlp tlp_of(const struct jr_value *o)
{
	const struct jr_value *refs = jr_get(o, "object_marking_refs");
	enum stix_tlp t = STIX_TLP_GREEN; /* the collection default */
	bool marked = false;
	size_t i;
	const struct jr_value *e;
	jr_array_foreach (refs, i, e) {
		for (size_t x = 0; x < KR_ARRAY_LEN(tlp_ids); x++) {
			if (strcmp(jr_str(e), tlp_ids[x].id) != 0)
				continue;
			if (!marked || tlp_ids[x].tlp > t)
				t = tlp_ids[x].tlp;
			marked = true;
		}
	}
	return t;
}

/* Collection UUIDs are derived from (space, slug) so they stay stable
 * without a column: the same name on every node and after a restore.
 * TAXII 2.1 (section 2, identifier) wants a version 4 UUID: the hash
 * bits stand in for the random ones, with the v4 version nibble. */
static const char *collection_uuid(struct arena *a, int64_t space, const char *slug)
{
	char in[160], h[65];
	snprintf(in, sizeof in, "kairan-taxii-collection:%lld:%s", (long long)space, slug);
	sha256_hex(in, strlen(in), h);
	h[12] = '4';                                     /* version nibble */
	h[16] = "89ab"[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3]; /* RFC 4122 variant */
	return arena_printf(a, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* s[0..n) without the whitespace between tokens. */
static void compact_json(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	buf_grow(b, n + 1);
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '"') {
			size_t j = i + 1;
			while (j < n && s[j] != '"')
				j += s[j] == '\\' ? 2 : 1;
			buf_add(b, s + i, j + 1 - i);
			i = j;
		} else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
			buf_addc(b, ch);
		}
	}
	buf_addc(b, 0);
	b->len--;
}

/* The versions of one id, from the stored rows and the document
 * together: a new row is the latest when its version is the highest of
 * them, the first when it is the lowest.  update_stored is set on one item
 * of the id (its first in the document) when stored rows lose a flag. */
struct known_versions {
	int64_t max, min;
	bool update_stored;
};

#define PROBE_BATCH 32

static int64_t item_version_us(const struct stix_item *it)
{
	int64_t us = 0;
	if (it->version)
		stix_parse_time(it->version, &us);
	return us;
}

/* Fill known[] for every item of a valid document: its id's stored
 * versions come from one query per batch of ids (not one per object:
 * fewer statements on SQLite, fewer round trips on PostgreSQL), and the
 * document's own versions of the id are folded in, so that an id posted
 * in many versions at once is not re-flagged once per version. */
static int probe_versions(struct ctx *c, int64_t community_id, const struct stix_status *st,
			  struct known_versions *known)
{
	size_t n = st->total;
	const struct stix_item **ord = malloc(sizeof *ord * (n + 1));
	if (!ord)
		return KR_ENOMEM;
	for (size_t i = 0; i < n; i++)
		ord[i] = &st->items[i];
	qsort(ord, n, sizeof *ord, item_cmp);
	int rc = KR_OK;
	/* groups of equal ids in ord: g0..g1 */
	size_t batch_start[PROBE_BATCH], batch_end[PROBE_BATCH];
	for (size_t i = 0; i < n && rc == KR_OK;) {
		size_t m = 0;
		while (i < n && m < PROBE_BATCH) {
			size_t j = i + 1;
			while (j < n && !strcmp(ord[j]->id, ord[i]->id))
				j++;
			int64_t lo = INT64_MAX, hi = INT64_MIN;
			for (size_t k = i; k < j; k++) {
				int64_t v = item_version_us(ord[k]);
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
			for (size_t k = i; k < j; k++)
				known[ord[k] - st->items] = (struct known_versions){hi, lo, false};
			batch_start[m] = i;
			batch_end[m++] = j;
			i = j;
		}
		struct db_stmt *q;
		rc = db_prepare(c->db,
				"SELECT stix_id, COUNT(*), MIN(version_us), MAX(version_us) FROM stix_objects"
				" WHERE community_id = ?1 AND stix_id IN (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
				" ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30,"
				" ?31, ?32, ?33) GROUP BY stix_id",
				&q);
		if (rc)
			break;
		db_bind_int(q, 1, community_id);
		for (size_t k = 0; k < PROBE_BATCH; k++) {
			if (k < m)
				db_bind_text(q, 2 + (int)k, ord[batch_start[k]]->id);
			else
				db_bind_null(q, 2 + (int)k);
		}
		while ((rc = db_step(q)) == KR_ROW) {
			const char *sid = db_col_text(q, 0);
			int64_t nver = db_col_int(q, 1), vmin = db_col_int(q, 2), vmax = db_col_int(q, 3);
			for (size_t k = 0; k < m; k++) {
				if (nver == 0 || strcmp(ord[batch_start[k]]->id, sid) != 0)
					continue;
				struct known_versions *kv = &known[ord[batch_start[k]] - st->items];
				bool clear = kv->max > vmax || kv->min < vmin;
				int64_t hi = kv->max > vmax ? kv->max : vmax, lo = kv->min < vmin ? kv->min : vmin;
				size_t first = st->total;
				for (size_t x = batch_start[k]; x < batch_end[k]; x++) {
					size_t idx = (size_t)(ord[x] - st->items);
					known[idx].max = hi;
					known[idx].min = lo;
					known[idx].update_stored = false;
					first = idx < first ? idx : first;
				}
				known[first].update_stored = clear;
			}
		}
		db_done(q);
		rc = rc == KR_DONE ? KR_OK : rc;
	}
	free(ord);
	return rc;
}

/* ---- storing the rows of a document ----
 *
 * Rows go in by statements of many rows: 16 objects, 32 values per
 * INSERT.  On PostgreSQL every statement is a round trip (a 10k-object
 * POST made 20k of them, most of its time); on SQLite it saves the
 * per-statement work.  What does not fill a batch goes one row at a time. */
#define OBJ_BATCH 16
#define OBJ_PARAMS 18
#define VALUE_BATCH 32

#define STIX_OBJ_INSERT                                                                                \
	"INSERT INTO stix_objects (space, community_id, stix_id, type, spec_version, created, modified,"   \
	" version_us, is_latest, is_first, date_added_us, org_id, person_id, tlp, confidence, valid_from," \
	" valid_until, json) VALUES "
#define STIX_OBJ_TAIL " ON CONFLICT (community_id, stix_id, version_us) DO NOTHING RETURNING id, stix_id, version_us"
/* The parameter numbers of OBJ_BATCH rows of OBJ_PARAMS and of
 * VALUE_BATCH rows of 3, spelled out: SQL stays a literal (the build
 * checks it) and PostgreSQL needs numbered parameters. */
#define STIX_OBJ_ROWS_16 \
	"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)" \
	", (?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36)" \
	", (?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50, ?51, ?52, ?53, ?54)" \
	", (?55, ?56, ?57, ?58, ?59, ?60, ?61, ?62, ?63, ?64, ?65, ?66, ?67, ?68, ?69, ?70, ?71, ?72)" \
	", (?73, ?74, ?75, ?76, ?77, ?78, ?79, ?80, ?81, ?82, ?83, ?84, ?85, ?86, ?87, ?88, ?89, ?90)" \
	", (?91, ?92, ?93, ?94, ?95, ?96, ?97, ?98, ?99, ?100, ?101, ?102, ?103, ?104, ?105, ?106, ?107, ?108)" \
	", (?109, ?110, ?111, ?112, ?113, ?114, ?115, ?116, ?117, ?118, ?119, ?120, ?121, ?122, ?123, ?124, ?125, ?126)" \
	", (?127, ?128, ?129, ?130, ?131, ?132, ?133, ?134, ?135, ?136, ?137, ?138, ?139, ?140, ?141, ?142, ?143, ?144)" \
	", (?145, ?146, ?147, ?148, ?149, ?150, ?151, ?152, ?153, ?154, ?155, ?156, ?157, ?158, ?159, ?160, ?161, ?162)" \
	", (?163, ?164, ?165, ?166, ?167, ?168, ?169, ?170, ?171, ?172, ?173, ?174, ?175, ?176, ?177, ?178, ?179, ?180)" \
	", (?181, ?182, ?183, ?184, ?185, ?186, ?187, ?188, ?189, ?190, ?191, ?192, ?193, ?194, ?195, ?196, ?197, ?198)" \
	", (?199, ?200, ?201, ?202, ?203, ?204, ?205, ?206, ?207, ?208, ?209, ?210, ?211, ?212, ?213, ?214, ?215, ?216)" \
	", (?217, ?218, ?219, ?220, ?221, ?222, ?223, ?224, ?225, ?226, ?227, ?228, ?229, ?230, ?231, ?232, ?233, ?234)" \
	", (?235, ?236, ?237, ?238, ?239, ?240, ?241, ?242, ?243, ?244, ?245, ?246, ?247, ?248, ?249, ?250, ?251, ?252)" \
	", (?253, ?254, ?255, ?256, ?257, ?258, ?259, ?260, ?261, ?262, ?263, ?264, ?265, ?266, ?267, ?268, ?269, ?270)" \
	", (?271, ?272, ?273, ?274, ?275, ?276, ?277, ?278, ?279, ?280, ?281, ?282, ?283, ?284, ?285, ?286, ?287, ?288)"
#define STIX_VALUE_ROWS_32 \
	"(?1, ?2, ?3)" ", (?4, ?5, ?6)" ", (?7, ?8, ?9)" ", (?10, ?11, ?12)" \
	", (?13, ?14, ?15)" ", (?16, ?17, ?18)" ", (?19, ?20, ?21)" ", (?22, ?23, ?24)" \
	", (?25, ?26, ?27)" ", (?28, ?29, ?30)" ", (?31, ?32, ?33)" ", (?34, ?35, ?36)" \
	", (?37, ?38, ?39)" ", (?40, ?41, ?42)" ", (?43, ?44, ?45)" ", (?46, ?47, ?48)" \
	", (?49, ?50, ?51)" ", (?52, ?53, ?54)" ", (?55, ?56, ?57)" ", (?58, ?59, ?60)" \
	", (?61, ?62, ?63)" ", (?64, ?65, ?66)" ", (?67, ?68, ?69)" ", (?70, ?71, ?72)" \
	", (?73, ?74, ?75)" ", (?76, ?77, ?78)" ", (?79, ?80, ?81)" ", (?82, ?83, ?84)" \
	", (?85, ?86, ?87)" ", (?88, ?89, ?90)" ", (?91, ?92, ?93)" ", (?94, ?95, ?96)"

/* One object's row. */
struct obj_row {
	const struct jr_value *o;
	const struct stix_pattern *pattern;
	const char *sid, *type, *spec, *created, *modified, *tlp, *text;
	int64_t ver_us, conf, vf, vu;
	bool has_conf, has_vf, has_vu, latest, first;
	int64_t id; /* stix_objects.id once inserted; 0 when it was already stored */
};

/* text: the object as received, compacted (its span, in the arena);
 * known: where its version falls among its id's stored ones. */
static void row_of(const struct jr_value *o, const struct stix_pattern *pattern, const char *text,
		   const struct known_versions *known, struct obj_row *r)
{
	*r = (struct obj_row){.o = o, .pattern = pattern, .text = text};
	r->sid = jr_str(jr_get(o, "id"));
	r->type = jr_str(jr_get(o, "type"));
	const struct jr_value *sv = jr_get(o, "spec_version");
	r->spec = jr_is_string(sv) ? jr_str(sv) : "2.1";
	r->created = jr_str(jr_get(o, "created"));
	r->modified = jr_str(jr_get(o, "modified"));
	r->tlp = stix_tlp_name(tlp_of(o));
	/* An object without timestamps (an SCO: its id is derived from its
	 * contents) has a single version; posting it again changes nothing. */
	const char *ver = version_of(o);
	if (ver)
		stix_parse_time(ver, &r->ver_us);
	r->latest = r->ver_us >= known->max;
	r->first = r->ver_us <= known->min;
	int64_t tmp;
	if ((r->has_vf = is_str(o, "valid_from") && !stix_parse_time(jr_str(jr_get(o, "valid_from")), &tmp)))
		r->vf = tmp / 1000;
	if ((r->has_vu = is_str(o, "valid_until") && !stix_parse_time(jr_str(jr_get(o, "valid_until")), &tmp)))
		r->vu = tmp / 1000;
	const struct jr_value *cv = jr_get(o, "confidence");
	if ((r->has_conf = jr_is_int(cv)))
		r->conf = jr_int(cv);
}

static void bind_opt(struct db_stmt *st, int idx, bool has, int64_t v)
{
	if (has)
		db_bind_int(st, idx, v);
	else
		db_bind_null(st, idx);
}

/* Row r into parameters base+1 .. base+OBJ_PARAMS, in STIX_OBJ_INSERT's
 * column order. */
static void bind_row(struct ctx *c, struct db_stmt *st, int base, int64_t community_id, int64_t added_us,
		     const struct obj_row *r)
{
	db_bind_int(st, base + 1, c->space);
	db_bind_int(st, base + 2, community_id);
	db_bind_text(st, base + 3, r->sid);
	db_bind_text(st, base + 4, r->type);
	db_bind_text(st, base + 5, r->spec);
	db_bind_text(st, base + 6, r->created);
	db_bind_text(st, base + 7, r->modified);
	db_bind_int(st, base + 8, r->ver_us);
	db_bind_int(st, base + 9, r->latest);
	db_bind_int(st, base + 10, r->first);
	db_bind_int(st, base + 11, added_us);
	db_bind_int(st, base + 12, c->who.org_id);
	bind_opt(st, base + 13, c->who.person_id > 0, c->who.person_id);
	db_bind_text(st, base + 14, r->tlp);
	bind_opt(st, base + 15, r->has_conf, r->conf);
	bind_opt(st, base + 16, r->has_vf, r->vf);
	bind_opt(st, base + 17, r->has_vu, r->vu);
	db_bind_text(st, base + 18, r->text);
}

/* The ids RETURNING gave, onto their rows (the order of RETURNING rows
 * is not promised; (stix_id, version) is unique within a document). */
static int take_ids(struct db_stmt *st, struct obj_row *rows, size_t n)
{
	int rc;
	while ((rc = db_step(st)) == KR_ROW) {
		const char *sid = db_col_text(st, 1);
		int64_t ver = db_col_int(st, 2);
		for (size_t k = 0; k < n; k++)
			if (!rows[k].id && rows[k].ver_us == ver && !strcmp(rows[k].sid, sid)) {
				rows[k].id = db_col_int(st, 0);
				break;
			}
	}
	return rc == KR_DONE ? KR_OK : rc;
}

struct value_row {
	int64_t object_id;
	const char *kind, *value;
};

static int store_values(struct ctx *c, const struct value_row *v, size_t n)
{
	int rc = KR_OK;
	size_t i = 0;
	struct db_stmt *st;
	for (; rc == KR_OK && n - i >= VALUE_BATCH; i += VALUE_BATCH) {
		if ((rc = db_prepare(c->db,
				     "INSERT INTO stix_values (object_id, kind, value) VALUES " STIX_VALUE_ROWS_32
				     " ON CONFLICT DO NOTHING",
				     &st)))
			break;
		for (int k = 0; k < VALUE_BATCH; k++) {
			db_bind_int(st, 3 * k + 1, v[i + (size_t)k].object_id);
			db_bind_text(st, 3 * k + 2, v[i + (size_t)k].kind);
			db_bind_text(st, 3 * k + 3, v[i + (size_t)k].value);
		}
		rc = db_step(st);
		rc = rc == KR_DONE ? KR_OK : rc;
		db_done(st);
	}
	for (; rc == KR_OK && i < n; i++) {
		if ((rc = db_prepare(c->db, "INSERT INTO stix_values (object_id, kind, value) VALUES (?1, ?2, ?3)"
					    " ON CONFLICT DO NOTHING", &st)))
			break;
		db_bind_int(st, 1, v[i].object_id);
		db_bind_text(st, 2, v[i].kind);
		db_bind_text(st, 3, v[i].value);
		rc = db_step(st);
		rc = rc == KR_DONE ? KR_OK : rc;
		db_done(st);
	}
	return rc;
}

/* rows[0..n) into stix_objects (a full batch in one statement, fewer one
 * by one), then the values of those that were not stored before.
 * *vals is scratch for the values, grown as needed (malloc'd). */
static int store_rows(struct ctx *c, int64_t community_id, int64_t added_us, struct obj_row *rows, size_t n,
		      struct value_row **vals, size_t *vcap)
{
	int rc = KR_OK;
	struct db_stmt *st;
	if (n == OBJ_BATCH) {
		if ((rc = db_prepare(c->db, "" STIX_OBJ_INSERT STIX_OBJ_ROWS_16 STIX_OBJ_TAIL, &st)))
			return rc;
		for (size_t k = 0; k < n; k++)
			bind_row(c, st, (int)k * OBJ_PARAMS, community_id, added_us, &rows[k]);
		rc = take_ids(st, rows, n);
		db_done(st);
	} else {
		for (size_t k = 0; k < n && rc == KR_OK; k++) {
			if ((rc = db_prepare(c->db,
					     "" STIX_OBJ_INSERT "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
							     " ?15, ?16, ?17, ?18)" STIX_OBJ_TAIL,
					     &st)))
				break;
			bind_row(c, st, 0, community_id, added_us, &rows[k]);
			rc = take_ids(st, &rows[k], 1);
			db_done(st);
		}
	}
	size_t nv = 0;
	for (size_t k = 0; k < n && rc == KR_OK; k++) {
		if (!rows[k].id)
			continue; /* already stored: nothing more to do */
		struct values v = {c->a, NULL, NULL, 0, 0};
		extract_values(c->a, rows[k].o, rows[k].pattern, &v);
		if (nv + v.n > *vcap) {
			size_t cap = (nv + v.n) * 2 + 64;
			struct value_row *g = realloc(*vals, cap * sizeof *g);
			if (!g)
				return KR_ENOMEM;
			*vals = g;
			*vcap = cap;
		}
		for (size_t x = 0; x < v.n; x++)
			(*vals)[nv++] = (struct value_row){rows[k].id, v.kind[x], v.value[x]};
	}
	return rc == KR_OK ? store_values(c, *vals, nv) : rc;
}

/* Stored versions of an id that the document's outrank lose their
 * latest or first flag: one update per id, before its rows go in. */
static int update_stored(struct ctx *c, int64_t community_id, const char *sid, const struct known_versions *known)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "UPDATE stix_objects SET is_latest = CASE WHEN version_us < ?3 THEN 0 ELSE is_latest END,"
			    " is_first = CASE WHEN version_us > ?4 THEN 0 ELSE is_first END"
			    " WHERE community_id = ?1 AND stix_id = ?2",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, community_id);
	db_bind_text(st, 2, sid);
	db_bind_int(st, 3, known->max);
	db_bind_int(st, 4, known->min);
	rc = db_step(st);
	db_done(st);
	return rc == KR_DONE ? KR_OK : rc;
}

static int find_collection(struct ctx *c, const char *slug, struct community *cm)
{
	int rc = community_get(c, slug, cm);
	if (rc == KR_OK && !cm->member)
		rc = KR_ENOTFOUND;
	return rc;
}

static json_t *status_details(struct stix_status *st, bool stored)
{
	json_t *succ = json_array(), *failv = json_array();
	for (size_t i = 0; i < st->total; i++) {
		struct stix_item *it = &st->items[i];
		json_t *e = json_object();
		json_object_set_new(e, "id", json_string(it->id ? it->id : ""));
		if (it->version)
			json_object_set_new(e, "version", json_string(it->version));
		if (it->reason || !stored) {
			json_object_set_new(e, "message",
					    json_string(it->reason ? it->reason
								   : STIX_NOT_STORED));
			json_array_append_new(failv, e);
		} else {
			json_array_append_new(succ, e);
		}
	}
	return json_pack("{s:o, s:o}", "successes", succ, "failures", failv);
}

static int record_status(struct ctx *c, int64_t community_id, struct stix_status *st, bool stored)
{
	unsigned char rb[16];
	char hx[33];
	rand_bytes(rb, sizeof rb);
	rb[6] = (unsigned char)((rb[6] & 0x0f) | 0x40);
	rb[8] = (unsigned char)((rb[8] & 0x3f) | 0x80);
	hex_encode(rb, sizeof rb, hx);
	st->uuid = arena_printf(c->a, "%.8s-%.4s-%.4s-%.4s-%.12s", hx, hx + 8, hx + 12, hx + 16, hx + 20);
	char *text;
	if (stored) {
		/* Every object passed validation: ids are identifiers and
		 * versions timestamps, nothing that needs escaping. */
		struct buf b = BUF_INIT;
		buf_adds(&b, "{\"successes\":[");
		for (size_t i = 0; i < st->total; i++) {
			const struct stix_item *it = &st->items[i];
			buf_printf(&b, "%s{\"id\":\"%s\"", i ? "," : "", it->id);
			if (it->version)
				buf_printf(&b, ",\"version\":\"%s\"", it->version);
			buf_addc(&b, '}');
		}
		buf_adds(&b, "],\"failures\":[]}");
		text = buf_steal(&b, NULL);
	} else {
		json_t *d = status_details(st, stored);
		text = json_dumps(d, JSON_COMPACT);
		json_decref(d);
	}
	if (!text)
		return KR_ENOMEM;
	struct db_stmt *s;
	int rc = db_prepare(c->db,
			    "INSERT INTO taxii_status (uuid, space, community_id, person_id, org_id, request_us, total_count,"
			    " success_count, failure_count, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			    &s);
	if (rc == KR_OK) {
		db_bind_text(s, 1, st->uuid);
		db_bind_int(s, 2, c->space);
		db_bind_int(s, 3, community_id);
		db_bind_int(s, 4, c->who.person_id);
		db_bind_int(s, 5, c->who.org_id);
		db_bind_int(s, 6, st->request_us);
		db_bind_int(s, 7, (int64_t)st->total);
		db_bind_int(s, 8, stored ? (int64_t)st->total : 0);
		db_bind_int(s, 9, stored ? 0 : (int64_t)st->total);
		db_bind_text(s, 10, text);
		rc = db_step(s);
		rc = rc == KR_DONE ? KR_OK : rc;
	}
	db_done(s);
	free(text);
	return rc;
}

/* The date added of an ingest into collection `community_id`: now, or
 * just above the last date given out there when the clock went back or
 * two ingests met in one microsecond.  Inside the ingest's transaction:
 * the row stays locked for other writers of the collection until commit
 * (migration 10 says why). */
static int collection_clock(struct ctx *c, int64_t community_id, int64_t *out)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO stix_clock (community_id, last_us) VALUES (?1, ?2)"
			    " ON CONFLICT (community_id) DO UPDATE SET last_us = CASE"
			    " WHEN excluded.last_us > stix_clock.last_us THEN excluded.last_us"
			    " ELSE stix_clock.last_us + 1 END"
			    " RETURNING last_us",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, community_id);
	db_bind_int(st, 2, now_us());
	rc = db_step(st);
	if (rc == KR_ROW) {
		*out = db_col_int(st, 0);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_EDB;
	}
	db_done(st);
	return rc;
}

int stix_ingest(struct ctx *c, const char *collection, const char *doc, size_t len, enum stix_doc kind,
		struct stix_status *st)
{
	memset(st, 0, sizeof *st);
	if (c->who.person_id <= 0)
		return KR_EPERM;
	struct community cm;
	int rc = find_collection(c, collection, &cm);
	if (rc)
		return rc;
	if (!cm.can_post)
		return KR_EPERM;
	const struct jr_value *root = NULL;
	int vrc = parse_doc(c->a, doc, len, kind, st, &root);
	if (st->error)
		return KR_EINVAL;
	if (vrc == KR_ENOMEM)
		return vrc;
	/* Everything or nothing is stored, in one transaction with the
	 * status resource that reports it; the date added is taken inside it
	 * (collection_clock), so dates follow commit order. */
	bool stored = vrc == KR_OK;
	/* on the shared writer, whose cache still holds the index pages the
	 * last ingest touched (tx_writer_take) */
	struct db *own = tx_writer_take(c);
	if ((rc = tx_begin(c))) {
		tx_writer_release(c, own);
		return rc;
	}
	int64_t req_us = 0;
	if ((rc = collection_clock(c, cm.id, &req_us))) {
		tx_end(c, rc);
		tx_writer_release(c, own);
		return rc;
	}
	st->request_us = req_us;
	const struct jr_value *objs = jr_get(root, "objects");
	if (stored && st->total > 0) {
		struct known_versions *known = calloc(st->total, sizeof *known);
		rc = known ? probe_versions(c, cm.id, st, known) : KR_ENOMEM;
		struct buf text = BUF_INIT;
		struct obj_row rows[OBJ_BATCH];
		struct value_row *vals = NULL;
		size_t n = 0, vcap = 0;
		for (size_t i = 0; i < st->total && rc == KR_OK; i++) {
			const struct jr_value *o = jr_at(objs, i);
			if (known[i].update_stored) {
				/* the rows before it first, to keep document order */
				rc = store_rows(c, cm.id, req_us, rows, n, &vals, &vcap);
				n = 0;
				if (rc == KR_OK)
					rc = update_stored(c, cm.id, st->items[i].id, &known[i]);
				if (rc)
					break;
			}
			/* kept as received: the object's own span of the text */
			compact_json(&text, doc + o->start, o->end - o->start);
			row_of(o, st->items[i].pattern, arena_strdup(c->a, text.p), &known[i], &rows[n++]);
			if (n == OBJ_BATCH) {
				rc = store_rows(c, cm.id, req_us, rows, n, &vals, &vcap);
				n = 0;
			}
		}
		if (rc == KR_OK && n)
			rc = store_rows(c, cm.id, req_us, rows, n, &vals, &vcap);
		free(vals);
		buf_free(&text);
		free(known);
	}
	if (rc == KR_OK)
		rc = record_status(c, cm.id, st, stored);
	if (rc == KR_OK) {
		char detail[96];
		snprintf(detail, sizeof detail, "%zu objects%s", st->total, stored ? "" : " rejected");
		rc = audit(c, stored ? "stix.ingest" : "stix.reject", "community", cm.slug, c->who.org_id, detail);
	}
	rc = tx_end(c, rc);
	tx_writer_release(c, own);
	if (rc)
		return rc;
	if (!stored) {
		st->failure = st->total;
		st->success = 0;
	}
	return stored ? KR_OK : KR_EINVAL;
}

/* ---- collections ---- */

/* Which community a collection uuid named the last time this thread saw
 * it.  The uuid is derived from (space, slug) and not stored, so without
 * a hint finding one collection means listing every community of the
 * viewer; with one it is a lookup by primary key.  A hint is never
 * trusted: the row it points to must still hash to the uuid in the
 * viewer's space, and the viewer's membership is decided afresh by acl
 * on every request (a stale or wrong hint costs the full listing, never
 * a wrong answer).  Per thread, so no lock: each HTTP worker owns its
 * table. */
#define COLL_HINTS 64
struct coll_hint {
	char uuid[40];
	int64_t community_id;
};
static _Thread_local struct coll_hint coll_hints[COLL_HINTS];

static struct coll_hint *coll_hint_slot(const char *uuid)
{
	return &coll_hints[str_hash64(uuid) % COLL_HINTS];
}

static void coll_hint_put(const char *uuid, int64_t community_id)
{
	if (strlen(uuid) >= sizeof coll_hints[0].uuid)
		return;
	struct coll_hint *s = coll_hint_slot(uuid);
	strcpy(s->uuid, uuid);
	s->community_id = community_id;
}

int stix_collections(struct ctx *c, struct stix_collection **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct community *cms;
	size_t nc;
	int rc = community_list_mine(c, &cms, &nc);
	if (rc)
		return rc;
	struct stix_collection *v = arena_alloc(c->a, sizeof *v * (nc + 1));
	bool ja = str_eq(c->who.locale, "ja");
	for (size_t i = 0; i < nc; i++) {
		v[i] = (struct stix_collection){
			.community_id = cms[i].id,
			.uuid = collection_uuid(c->a, c->space, cms[i].slug),
			.slug = cms[i].slug,
			.title = ja ? cms[i].name_ja : cms[i].name_en,
			.description = cms[i].description,
			.can_read = true,
			.can_write = cms[i].can_post,
		};
		coll_hint_put(v[i].uuid, v[i].community_id);
	}
	*out = v;
	*n = nc;
	return KR_OK;
}

/* The collection a hint points to, when it is still that collection and
 * the viewer belongs to it: KR_OK; KR_ENOTFOUND when the hint is of no
 * use (the caller then lists); a database error otherwise.  The rights
 * are the ones stix_collections gives: membership (the C face of
 * ACL_MY_COMMUNITIES, which community_list_mine applies) reads, and
 * community.can_post's rule writes. */
static int collection_by_hint(struct ctx *c, const char *uuid, int64_t community_id, struct stix_collection *out)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT slug, name_ja, name_en, description, post_policy FROM communities"
			    " WHERE id = ?1 AND space = ?2 AND archived_at IS NULL",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, community_id);
	db_bind_int(st, 2, c->space);
	rc = db_step(st);
	if (rc != KR_ROW) {
		db_done(st);
		return rc == KR_DONE ? KR_ENOTFOUND : rc;
	}
	bool ja = str_eq(c->who.locale, "ja");
	*out = (struct stix_collection){
		.community_id = community_id,
		.slug = db_col_dup(st, 0, c->a),
		.title = db_col_dup(st, ja ? 1 : 2, c->a),
		.description = db_col_dup(st, 3, c->a),
	};
	bool members_post = str_eq(db_col_text(st, 4), "members");
	db_done(st);
	out->uuid = collection_uuid(c->a, c->space, out->slug ? out->slug : "");
	if (!str_eq(out->uuid, uuid))
		return KR_ENOTFOUND;
	struct acl_membership ms;
	if ((rc = acl_community_membership(c, community_id, &ms)))
		return rc;
	if (!ms.member)
		return KR_ENOTFOUND;
	out->can_read = true;
	out->can_write = members_post || ms.moderator;
	return KR_OK;
}

int stix_collection_get(struct ctx *c, const char *uuid, struct stix_collection *out)
{
	if (c->who.person_id <= 0)
		return KR_EPERM; /* as community_list_mine */
	if (!uuid)
		return KR_ENOTFOUND;
	struct coll_hint *h = coll_hint_slot(uuid);
	if (h->community_id > 0 && str_eq(h->uuid, uuid)) {
		int rc = collection_by_hint(c, uuid, h->community_id, out);
		if (rc != KR_ENOTFOUND)
			return rc;
		memset(out, 0, sizeof *out);
	}
	struct stix_collection *v;
	size_t n;
	int rc = stix_collections(c, &v, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i].uuid, uuid)) {
			*out = v[i];
			return KR_OK;
		}
	return KR_ENOTFOUND;
}

/* ---- queries ---- */

struct matchset {
	bool on;
	const char *v[STIX_MAX_MATCH];
	size_t n;
};

/* Split "a,b,c" into at most STIX_MAX_MATCH non-empty values. */
static int split_match(struct arena *a, const char *s, struct matchset *m)
{
	memset(m, 0, sizeof *m);
	if (!s)
		return KR_OK;
	m->on = true;
	char *copy = arena_strdup(a, s), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = str_trim(t);
		if (!*t)
			continue;
		if (m->n == STIX_MAX_MATCH)
			return KR_EINVAL;
		m->v[m->n++] = t;
	}
	return m->n ? KR_OK : KR_EINVAL;
}

static void bind_set(struct db_stmt *st, int first, const struct matchset *m)
{
	db_bind_int(st, first, m->on ? 1 : 0);
	for (size_t i = 0; i < STIX_MAX_MATCH; i++) {
		if (i < m->n)
			db_bind_text(st, first + 1 + (int)i, m->v[i]);
		else
			db_bind_null(st, first + 1 + (int)i);
	}
}

/* The TAXII listing query, in three shapes: the plain page (latest
 * versions, no filter), one object id (by the stix_id index), and a
 * whole collection with filters (by date added); each with two select
 * lists: every column TAXII needs (stix_query) or only what an envelope
 * needs (stix_query_each: the row id and date for the cursor and the
 * headers, and the stored text).  ?1-?3 viewer, ?4 community, ?5/?6
 * keyset lower bound, ?7 object id (?7 the limit in the plain shape),
 * ?8-?26 versions, ?27-?77 match filters (a flag, then STIX_MAX_MATCH
 * values each), ?78 the limit.
 *
 * The keyset bound (date_added_us, id) > (?5, ?6) is asked as two ranges,
 * one statement each: the rest of the cursor's date (date = ?5 AND
 * id > ?6), then the later dates (date > ?5).  Each is one seek on the
 * (community_id, date_added_us, id) index on both engines; SQLite uses
 * only the first member of a row-value bound to seek, so a page deep in a
 * large document (its objects share one date_added) would otherwise walk
 * every row of that document before it. */
#define STIX_ROW_COLS                                                                              \
	"SELECT o.id, o.stix_id, o.type, o.spec_version, o.created, o.modified, o.json, o.date_added_us," \
	" o.tlp"
#define STIX_JSON_COLS "SELECT o.id, o.date_added_us, o.json"
#define STIX_QUERY_FROM " FROM stix_objects o WHERE " ACL_STIX_COLLECTION_PRED("?4")
#define STIX_RANGE_SAME " AND o.date_added_us = ?5 AND o.id > ?6"
/* ?6 does not bound this range; naming it keeps every parameter typed
 * (PostgreSQL) and costs one test per statement, not per row. */
#define STIX_RANGE_LATER " AND o.date_added_us > ?5 AND CAST(?6 AS BIGINT) IS NOT NULL"
#define STIX_QUERY_PLAIN " AND o.is_latest = 1 ORDER BY o.date_added_us, o.id LIMIT ?7"
#define STIX_QUERY_ONE " AND o.stix_id = ?7"
#define STIX_QUERY_ANY " AND (CAST(?7 AS TEXT) IS NULL OR o.stix_id = ?7)"
#define STIX_QUERY_TAIL                                                                            \
	" AND (CAST(?8 AS BIGINT) = 1 OR (CAST(?9 AS BIGINT) = 1 AND o.is_latest = 1)"                \
	" OR (CAST(?10 AS BIGINT) = 1 AND o.is_first = 1) OR o.version_us IN (?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26))"                  \
	" AND (CAST(?27 AS BIGINT) = 0 OR o.stix_id IN (?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43))"                                        \
	" AND (CAST(?44 AS BIGINT) = 0 OR o.type IN (?45, ?46, ?47, ?48, ?49, ?50, ?51, ?52, ?53, ?54, ?55, ?56, ?57, ?58, ?59, ?60))"                                           \
	" AND (CAST(?61 AS BIGINT) = 0 OR o.spec_version IN (?62, ?63, ?64, ?65, ?66, ?67, ?68, ?69, ?70, ?71, ?72, ?73, ?74, ?75, ?76, ?77))"                                   \
	" ORDER BY o.date_added_us, o.id LIMIT ?78"

enum query_shape { SHAPE_PLAIN, SHAPE_ONE, SHAPE_ANY };

/* A stix_query checked and turned into the statement's bound values. */
struct query_plan {
	int64_t lo_added, lo_id;
	bool cursor; /* (lo_added, lo_id) is a row's key: the same-date range first */
	int limit;
	struct matchset mid, mtype, mspec;
	bool v_all, v_last, v_first;
	int64_t vts[STIX_MAX_MATCH];
	size_t nvts;
	enum query_shape shape;
};

static int plan_query(struct ctx *c, const struct stix_query *q, struct query_plan *p, const char **bad)
{
	memset(p, 0, sizeof *p);
	int64_t after = -1;
	if (q->added_after && stix_parse_time(q->added_after, &after))
		return *bad = "added_after", KR_EINVAL;
	int64_t cur_added = -1, cur_id = 0;
	if (q->next) {
		const char *key;
		int64_t id;
		if (cursor_parse(c->a, q->next, &key, &id) || parse_i64(key, 0, INT64_MAX, &cur_added) || id <= 0)
			return *bad = "next", KR_EINVAL;
		cur_id = id;
	}
	if (page_limit(q->limit, STIX_PAGE_DEFAULT, STIX_PAGE_MAX, &p->limit))
		return *bad = "limit", KR_EINVAL;
	struct matchset mver;
	if (split_match(c->a, q->match_id, &p->mid))
		return *bad = "match[id]", KR_EINVAL;
	if (split_match(c->a, q->match_type, &p->mtype))
		return *bad = "match[type]", KR_EINVAL;
	if (split_match(c->a, q->match_spec_version, &p->mspec))
		return *bad = "match[spec_version]", KR_EINVAL;
	if (split_match(c->a, q->match_version, &mver))
		return *bad = "match[version]", KR_EINVAL;
	/* version: last / first / all / timestamps */
	p->v_all = !mver.on && q->all_versions;
	p->v_last = !mver.on && !q->all_versions;
	for (size_t i = 0; i < mver.n; i++) {
		if (!strcmp(mver.v[i], "all"))
			p->v_all = true;
		else if (!strcmp(mver.v[i], "last"))
			p->v_last = true;
		else if (!strcmp(mver.v[i], "first"))
			p->v_first = true;
		else if (stix_parse_time(mver.v[i], &p->vts[p->nvts++]))
			return *bad = "match[version]", KR_EINVAL;
	}
	/* The lower bound of (date_added_us, id): the cursor, or just after
	 * added_after, whichever is later (never OFFSET: paging cost does
	 * not grow with the collection).  Without either, every date is
	 * later than -1. */
	p->lo_added = cur_added;
	p->lo_id = cur_id;
	p->cursor = q->next != NULL;
	if (after >= 0 && after >= cur_added) {
		p->lo_added = after;
		p->lo_id = INT64_MAX;
		p->cursor = false;
	}
	/* The plain page is what TAXII clients poll: no row pays for
	 * evaluating filter terms it does not have. */
	bool plain = !q->object_id && !p->mid.on && !p->mtype.on && !p->mspec.on && p->v_last && !p->v_all &&
		     !p->v_first && p->nvts == 0;
	p->shape = plain ? SHAPE_PLAIN : q->object_id ? SHAPE_ONE : SHAPE_ANY;
	return KR_OK;
}

/* The statement of one range of a page (see above): literal SQL only,
 * so each (columns, shape, range) combination is spelled by RANGE. */
#define RANGE(COLS, SHAPE)                                                                           \
	(same_date ? db_prepare(c->db, "" COLS STIX_QUERY_FROM STIX_RANGE_SAME SHAPE, st)           \
		   : db_prepare(c->db, "" COLS STIX_QUERY_FROM STIX_RANGE_LATER SHAPE, st))
static int prepare_range(struct ctx *c, bool json_cols, enum query_shape shape, bool same_date,
			 struct db_stmt **st)
{
	switch (shape) {
	case SHAPE_PLAIN:
		return json_cols ? RANGE(STIX_JSON_COLS, STIX_QUERY_PLAIN) : RANGE(STIX_ROW_COLS, STIX_QUERY_PLAIN);
	case SHAPE_ONE:
		return json_cols ? RANGE(STIX_JSON_COLS, STIX_QUERY_ONE STIX_QUERY_TAIL)
				 : RANGE(STIX_ROW_COLS, STIX_QUERY_ONE STIX_QUERY_TAIL);
	case SHAPE_ANY:
		return json_cols ? RANGE(STIX_JSON_COLS, STIX_QUERY_ANY STIX_QUERY_TAIL)
				 : RANGE(STIX_ROW_COLS, STIX_QUERY_ANY STIX_QUERY_TAIL);
	}
	return KR_EINVAL;
}
#undef RANGE

static void bind_plan(struct ctx *c, struct db_stmt *st, const struct stix_query *q, const struct query_plan *p,
		      int64_t rows)
{
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, q->community_id);
	db_bind_int(st, 5, p->lo_added);
	db_bind_int(st, 6, p->lo_id);
	if (p->shape == SHAPE_PLAIN) {
		db_bind_int(st, 7, rows);
		return;
	}
	db_bind_text(st, 7, q->object_id);
	db_bind_int(st, 8, p->v_all);
	db_bind_int(st, 9, p->v_last);
	db_bind_int(st, 10, p->v_first);
	for (int i = 0; i < STIX_MAX_MATCH; i++)
		db_bind_int(st, 11 + i, (size_t)i < p->nvts ? p->vts[i] : INT64_MIN);
	bind_set(st, 27, &p->mid);
	bind_set(st, 44, &p->mtype);
	bind_set(st, 61, &p->mspec);
	db_bind_int(st, 78, rows);
}

/* Walks a page: row(arg, st) for each of up to p->limit rows in order,
 * *more when another row follows them.  One extra row is asked for to
 * know that, so the later range is still asked (for one row) when the
 * same-date range filled the page.  Stops at row's first error. */
static int walk_page(struct ctx *c, const struct stix_query *q, const struct query_plan *p, bool json_cols,
		     int (*row)(void *arg, struct db_stmt *st), void *arg, size_t *n, bool *more)
{
	*n = 0;
	*more = false;
	for (int same = p->cursor ? 1 : 0; same >= 0 && !*more; same--) {
		struct db_stmt *st;
		int rc = prepare_range(c, json_cols, p->shape, same == 1, &st);
		if (rc)
			return rc;
		bind_plan(c, st, q, p, (int64_t)p->limit + 1 - (int64_t)*n);
		while ((rc = db_step(st)) == KR_ROW) {
			if (*n == (size_t)p->limit) {
				*more = true;
				break;
			}
			++*n;
			if ((rc = row(arg, st)) != KR_OK)
				break;
		}
		db_done(st);
		if (rc < 0)
			return rc;
	}
	return KR_OK;
}

static const char *page_cursor(struct arena *a, int64_t date_added_us, int64_t row_id)
{
	return cursor_make(a, arena_printf(a, "%lld", (long long)date_added_us), row_id);
}

struct rows_walk {
	struct ctx *c;
	struct stix_page *out;
};

static int add_row(void *arg, struct db_stmt *st)
{
	struct rows_walk *w = arg;
	struct arena *a = w->c->a;
	struct stix_row *r = &w->out->rows[w->out->n++];
	r->row_id = db_col_int(st, 0);
	r->stix_id = db_col_dup(st, 1, a);
	r->type = db_col_dup(st, 2, a);
	r->spec_version = db_col_dup(st, 3, a);
	r->date_added_us = db_col_int(st, 7);
	if (!db_col_null(st, 5))
		r->version = db_col_dup(st, 5, a);
	else if (!db_col_null(st, 4))
		r->version = db_col_dup(st, 4, a);
	else {
		char t[40];
		stix_format_time(r->date_added_us, t, sizeof t);
		r->version = arena_strdup(a, t);
	}
	r->json = db_col_dup(st, 6, a);
	r->tlp = db_col_dup(st, 8, a);
	return KR_OK;
}

int stix_query(struct ctx *c, const struct stix_query *q, struct stix_page *out, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	memset(out, 0, sizeof *out);
	struct query_plan p;
	int rc = plan_query(c, q, &p, bad);
	if (rc)
		return rc;
	out->rows = arena_alloc(c->a, sizeof(struct stix_row) * (size_t)p.limit);
	struct rows_walk w = {c, out};
	size_t n;
	if ((rc = walk_page(c, q, &p, false, add_row, &w, &n, &out->more)))
		return rc;
	if (out->more) {
		struct stix_row *l = &out->rows[out->n - 1];
		out->next = page_cursor(c->a, l->date_added_us, l->row_id);
	}
	return KR_OK;
}

struct each_walk {
	stix_each_fn fn;
	void *arg;
	struct stix_page_info *info;
	struct stix_obj_text o; /* the last row handed out */
};

static int each_row(void *arg, struct db_stmt *st)
{
	struct each_walk *w = arg;
	w->o.row_id = db_col_int(st, 0);
	w->o.date_added_us = db_col_int(st, 1);
	/* The text as the engine holds it for this row: no copy here; the
	 * callback copies it where it belongs, once. */
	w->o.json = db_col_text(st, 2);
	w->o.json_len = db_col_len(st, 2);
	if (w->info->n++ == 0)
		w->info->first_added_us = w->o.date_added_us;
	w->info->last_added_us = w->o.date_added_us;
	return w->fn(w->arg, &w->o);
}

int stix_query_each(struct ctx *c, const struct stix_query *q, stix_each_fn fn, void *arg,
		    struct stix_page_info *info, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	memset(info, 0, sizeof *info);
	struct query_plan p;
	int rc = plan_query(c, q, &p, bad);
	if (rc)
		return rc;
	struct each_walk w = {.fn = fn, .arg = arg, .info = info};
	size_t n;
	if ((rc = walk_page(c, q, &p, true, each_row, &w, &n, &info->more)))
		return rc;
	if (info->more)
		info->next = page_cursor(c->a, w.o.date_added_us, w.o.row_id);
	return KR_OK;
}

int stix_delete(struct ctx *c, int64_t community_id, const char *object_id, const char *match_version,
		const char *match_spec_version, const char **bad)
{
	struct stix_query q = {
		.community_id = community_id,
		.object_id = object_id,
		.limit = STIX_PAGE_MAX,
		.match_version = match_version,
		.match_spec_version = match_spec_version,
		.all_versions = true,
	};
	struct acl_membership m;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	int64_t org_of_first = 0;
	size_t deleted = 0;
	struct stix_page pg;
	rc = acl_community_membership(c, community_id, &m);
	/* A page of matching versions at a time; what is left of them starts
	 * the next page. */
	bool more = true;
	for (bool first = true; rc == KR_OK && more; first = false) {
		rc = stix_query(c, &q, &pg, bad);
		if (rc == KR_OK && pg.n == 0 && first)
			rc = KR_ENOTFOUND;
		more = pg.more;
		for (size_t i = 0; rc == KR_OK && i < pg.n; i++) {
			struct db_stmt *st;
			int64_t org = 0;
			rc = db_prepare(c->db, "SELECT org_id FROM stix_objects WHERE id = ?1", &st);
			if (rc)
				break;
			db_bind_int(st, 1, pg.rows[i].row_id);
			if ((rc = db_step(st)) == KR_ROW) {
				org = db_col_int(st, 0);
				rc = KR_OK;
			}
			db_done(st);
			if (rc)
				break;
			org_of_first = org;
			if (!m.moderator && org != c->who.org_id) {
				rc = KR_EPERM;
				break;
			}
			rc = db_prepare(c->db, "DELETE FROM stix_values WHERE object_id = ?1", &st);
			if (rc)
				break;
			db_bind_int(st, 1, pg.rows[i].row_id);
			rc = db_step(st);
			db_done(st);
			if (rc != KR_DONE)
				break;
			rc = db_prepare(c->db, "DELETE FROM stix_objects WHERE id = ?1", &st);
			if (rc)
				break;
			db_bind_int(st, 1, pg.rows[i].row_id);
			rc = db_step(st);
			db_done(st);
			rc = rc == KR_DONE ? KR_OK : rc;
			deleted++;
		}
	}
	/* The remaining versions get their latest/first flags back. */
	if (rc == KR_OK) {
		struct db_stmt *st;
		rc = db_prepare(c->db,
				"UPDATE stix_objects SET"
				" is_latest = CASE WHEN version_us = (SELECT MAX(x.version_us) FROM stix_objects x"
				" WHERE x.community_id = ?1 AND x.stix_id = ?2) THEN 1 ELSE 0 END,"
				" is_first = CASE WHEN version_us = (SELECT MIN(x.version_us) FROM stix_objects x"
				" WHERE x.community_id = ?1 AND x.stix_id = ?2) THEN 1 ELSE 0 END"
				" WHERE community_id = ?1 AND stix_id = ?2",
				&st);
		if (rc == KR_OK) {
			db_bind_int(st, 1, community_id);
			db_bind_text(st, 2, object_id);
			rc = db_step(st);
			rc = rc == KR_DONE ? KR_OK : rc;
		}
		db_done(st);
	}
	if (rc == KR_OK) {
		char detail[300];
		snprintf(detail, sizeof detail, "%s (%zu versions)", object_id, deleted);
		rc = audit(c, "stix.delete", "stix", object_id, org_of_first, detail);
	}
	return tx_end(c, rc);
}

int stix_status_get(struct ctx *c, const char *uuid, struct stix_status_row *out)
{
	memset(out, 0, sizeof *out);
	if (c->who.person_id <= 0)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT uuid, request_us, total_count, success_count, failure_count, details FROM taxii_status"
			    " WHERE uuid = ?1 AND person_id = ?2 AND space = ?3",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, uuid);
	db_bind_int(st, 2, c->who.person_id);
	db_bind_int(st, 3, c->space);
	rc = db_step(st);
	if (rc == KR_ROW) {
		out->uuid = db_col_dup(st, 0, c->a);
		out->request_us = db_col_int(st, 1);
		out->total = db_col_int(st, 2);
		out->success = db_col_int(st, 3);
		out->failure = db_col_int(st, 4);
		out->details = db_col_dup(st, 5, c->a);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

/* ---- exports ---- */

int stix_collection_by_slug(struct ctx *c, const char *slug, struct stix_collection *out)
{
	struct stix_collection *v;
	size_t n;
	int rc = stix_collections(c, &v, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i].slug, slug)) {
			*out = v[i];
			return KR_OK;
		}
	return KR_ENOTFOUND;
}

static const char *const value_kinds[] = {"ipv4-addr", "ipv6-addr", "domain-name", "url",      "email-addr",
					  "file-name", "md5",       "sha-1",       "sha-256",  "sha-512"};

bool stix_value_kind_ok(const char *kind)
{
	for (size_t i = 0; i < KR_ARRAY_LEN(value_kinds); i++)
		if (str_eq(kind, value_kinds[i]))
			return true;
	return false;
}

#define EXPORT_CHUNK 500

static void csv_cell(struct buf *b, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
	if (quote)
		buf_addc(b, '"');
	if (formula)
		buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	if (quote)
		buf_addc(b, '"');
}

static void copy_key(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int stix_walk_next_community(struct ctx *c, int64_t only, int64_t *cur, char *slug, size_t slug_n, int64_t *created)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT c.id, c.slug, c.created_at FROM communities c WHERE c.id > ?4"
			    " AND (CAST(?5 AS BIGINT) = 0 OR c.id = ?5) AND c.id IN " ACL_MY_COMMUNITIES
			    " ORDER BY c.id LIMIT 1",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, *cur);
	db_bind_int(st, 5, only);
	*cur = 0;
	if ((rc = db_step(st)) == KR_ROW) {
		*cur = db_col_int(st, 0);
		copy_key(slug, slug_n, db_col_text(st, 1));
		if (created)
			*created = db_col_int(st, 2);
		rc = KR_OK;
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int stix_walk_objects(struct ctx *c, int64_t comm, int64_t after_added, int64_t after_id, int64_t before,
		      const char *tlp, int limit, struct stix_walk_obj *out, int *n)
{
	*n = 0;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT o.id, o.date_added_us, o.stix_id, o.type, o.tlp FROM stix_objects o"
			    " WHERE o.community_id = ?4 AND " ACL_STIX_PRED " AND o.tlp <> 'red' AND o.is_latest = 1"
			    " AND EXISTS (SELECT 1 FROM stix_values v WHERE v.object_id = o.id)"
			    " AND (o.date_added_us, o.id) > (?5, ?6) AND o.date_added_us < ?7"
			    " AND (CAST(?8 AS BIGINT) = 0 OR o.tlp = ?9) ORDER BY o.date_added_us, o.id LIMIT ?10",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, comm);
	db_bind_int(st, 5, after_added);
	db_bind_int(st, 6, after_id);
	db_bind_int(st, 7, before);
	db_bind_int(st, 8, tlp ? 1 : 0);
	db_bind_text(st, 9, tlp ? tlp : "");
	db_bind_int(st, 10, limit);
	while (*n < limit && (rc = db_step(st)) == KR_ROW) {
		out[*n] = (struct stix_walk_obj){db_col_int(st, 0), db_col_int(st, 1), db_col_dup(st, 2, c->a),
						 db_col_dup(st, 3, c->a), db_col_dup(st, 4, c->a)};
		(*n)++;
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int stix_walk_values(struct ctx *c, int64_t object_id, int (*fn)(void *arg, const char *kind, const char *value),
		     void *arg)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT kind, value FROM stix_values WHERE object_id = ?1 ORDER BY kind, value", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, object_id);
	while ((rc = db_step(st)) == KR_ROW)
		if ((rc = fn(arg, db_col_text(st, 0), db_col_text(st, 1))) < 0)
			break;
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

/* The viewer's next collection after e->comm_cur (only e->community_id
 * when one was asked for); comm_cur 0 when there is none. */
static int next_community(struct ctx *c, struct stix_export *e)
{
	e->cur_added = 0;
	e->cur_id = 0;
	return stix_walk_next_community(c, e->community_id, &e->comm_cur, e->comm_slug, sizeof e->comm_slug, NULL);
}

/* One object's CSV rows, a row per value. */
struct csv_obj {
	struct stix_export *e;
	struct buf *out;
	const char *tlp, *sid;
	char added[40];
};

static int csv_row(void *arg, const char *kind, const char *value)
{
	struct csv_obj *o = arg;
	const char *cells[] = {kind, value, o->tlp, o->e->comm_slug, o->sid};
	for (size_t k = 0; k < KR_ARRAY_LEN(cells); k++) {
		csv_cell(o->out, cells[k]);
		buf_addc(o->out, ',');
	}
	buf_adds(o->out, o->added);
	buf_adds(o->out, "\r\n");
	o->e->rows++;
	return KR_OK;
}

/* CSV: collection by collection, a chunk of objects at a time on the
 * (community_id, date_added_us, id) index, each object's values by its
 * key: every step is an index range, so the cost per chunk stays flat. */
static int csv_chunk(struct ctx *c, struct stix_export *e, struct buf *out)
{
	int rc;
	if (e->comm_cur == 0 && (rc = next_community(c, e)))
		return rc;
	while (e->comm_cur != 0) {
		struct stix_walk_obj *objs = arena_alloc(c->a, sizeof *objs * EXPORT_CHUNK);
		int n;
		if ((rc = stix_walk_objects(c, e->comm_cur, e->cur_added, e->cur_id, INT64_MAX, NULL, EXPORT_CHUNK, objs,
					    &n)))
			return rc;
		for (int i = 0; i < n; i++) {
			struct csv_obj row = {e, out, objs[i].tlp, objs[i].sid, ""};
			stix_format_time(objs[i].added, row.added, sizeof row.added);
			if ((rc = stix_walk_values(c, objs[i].id, csv_row, &row)))
				return rc;
		}
		if (n > 0) {
			e->cur_added = objs[n - 1].added;
			e->cur_id = objs[n - 1].id;
		}
		if (n == EXPORT_CHUNK)
			return 1;
		if ((rc = next_community(c, e)))
			return rc;
		if (out->len > 0 && e->comm_cur != 0)
			return 1;
	}
	e->stage = 2;
	return 0;
}

int stix_export_next(struct ctx *c, struct stix_export *e, struct buf *out)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (e->stage == 0) {
		e->stage = 1;
		if (e->fmt == STIX_EXPORT_BUNDLE) {
			if (e->community_id <= 0)
				return KR_EINVAL;
			unsigned char rb[16];
			char hx[33];
			rand_bytes(rb, sizeof rb);
			rb[6] = (unsigned char)((rb[6] & 0x0f) | 0x40);
			rb[8] = (unsigned char)((rb[8] & 0x3f) | 0x80);
			hex_encode(rb, sizeof rb, hx);
			snprintf(e->bundle_id, sizeof e->bundle_id, "%.8s-%.4s-%.4s-%.4s-%.12s", hx, hx + 8, hx + 12,
				 hx + 16, hx + 20);
			buf_printf(out, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", e->bundle_id);
		} else if (e->fmt == STIX_EXPORT_CSV) {
			buf_adds(out, "type,value,tlp,collection,stix_id,date_added\r\n");
		} else if (!stix_value_kind_ok(e->kind)) {
			return KR_EINVAL;
		}
	}
	if (e->stage == 2)
		return 0;
	struct db_stmt *st;
	int rc, n = 0;
	if (e->fmt == STIX_EXPORT_BUNDLE) {
		rc = db_prepare(c->db,
				"SELECT o.id, o.json, o.date_added_us FROM stix_objects o WHERE " ACL_STIX_PRED
				" AND o.tlp <> 'red' AND o.is_latest = 1 AND o.community_id = ?4"
				" AND (o.date_added_us, o.id) > (?5, ?6) ORDER BY o.date_added_us, o.id LIMIT ?7",
				&st);
		if (rc)
			return rc;
		acl_viewer_binds(c, st);
		db_bind_int(st, 4, e->community_id);
		db_bind_int(st, 5, e->cur_added);
		db_bind_int(st, 6, e->cur_id);
		db_bind_int(st, 7, EXPORT_CHUNK);
		while ((rc = db_step(st)) == KR_ROW) {
			if (e->rows++)
				buf_addc(out, ',');
			buf_adds(out, db_col_text(st, 1));
			e->cur_id = db_col_int(st, 0);
			e->cur_added = db_col_int(st, 2);
			n++;
		}
	} else if (e->fmt == STIX_EXPORT_CSV) {
		return csv_chunk(c, e, out);
	} else {
		rc = db_prepare(c->db,
				"SELECT DISTINCT v.value FROM stix_values v JOIN stix_objects o ON o.id = v.object_id"
				" WHERE v.kind = ?4 AND v.value > ?5 AND " ACL_STIX_PRED " AND o.tlp <> 'red'"
				" AND o.is_latest = 1 AND (o.valid_until IS NULL OR o.valid_until > ?6)"
				" AND (CAST(?7 AS BIGINT) = 0 OR o.community_id = ?7) ORDER BY v.value LIMIT ?8",
				&st);
		if (rc)
			return rc;
		acl_viewer_binds(c, st);
		db_bind_text(st, 4, e->kind);
		db_bind_text(st, 5, e->cur_value);
		db_bind_int(st, 6, c->now);
		db_bind_int(st, 7, e->community_id);
		db_bind_int(st, 8, EXPORT_CHUNK);
		while ((rc = db_step(st)) == KR_ROW) {
			const char *v = db_col_text(st, 0);
			/* one value per line: a value with a line break would inject another */
			if (!strpbrk(v, "\r\n")) {
				buf_adds(out, v);
				buf_addc(out, '\n');
			}
			copy_key(e->cur_value, sizeof e->cur_value, v);
			e->rows++;
			n++;
		}
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (n < EXPORT_CHUNK) {
		if (e->fmt == STIX_EXPORT_BUNDLE)
			buf_adds(out, "]}");
		e->stage = 2;
		return 0;
	}
	return 1;
}

/* ---- CSV import ---- */

/* One CSV record from *p (RFC 4180): up to 4 fields into f[] (arena
 * copies); advances *p past the record's line break.  Returns the number
 * of fields, or -1 for a malformed record (unclosed quote, > 4 fields). */
static int csv_record(struct arena *a, const char **p, const char *end, const char *f[4])
{
	int n = 0;
	struct buf b = BUF_INIT;
	const char *s = *p;
	for (;;) {
		buf_reset(&b);
		if (s < end && *s == '"') {
			s++;
			for (;;) {
				if (s >= end)
					goto bad;
				if (*s == '"') {
					if (s + 1 < end && s[1] == '"') {
						buf_addc(&b, '"');
						s += 2;
						continue;
					}
					s++;
					break;
				}
				buf_addc(&b, *s++);
			}
		} else {
			while (s < end && *s != ',' && *s != '\n' && *s != '\r')
				buf_addc(&b, *s++);
		}
		if (n == 4)
			goto bad;
		f[n++] = arena_strndup(a, b.p ? b.p : "", b.len);
		if (s < end && *s == ',') {
			s++;
			continue;
		}
		if (s < end && *s == '\r')
			s++;
		if (s < end && *s == '\n')
			s++;
		else if (s < end)
			goto bad;
		break;
	}
	buf_free(&b);
	*p = s;
	return n;
bad:
	buf_free(&b);
	while (s < end && *s != '\n')
		s++;
	*p = s < end ? s + 1 : s;
	return -1;
}

static const struct {
	const char *type, *path;
} csv_types[] = {
	{"ipv4-addr", "ipv4-addr:value"},      {"ipv6-addr", "ipv6-addr:value"},
	{"domain-name", "domain-name:value"},  {"url", "url:value"},
	{"email-addr", "email-addr:value"},    {"file-name", "file:name"},
	{"md5", "file:hashes.MD5"},            {"sha-1", "file:hashes.'SHA-1'"},
	{"sha-256", "file:hashes.'SHA-256'"},  {"sha-512", "file:hashes.'SHA-512'"},
};

static const char *tlp2_marking(const char *tlp)
{
	static const struct {
		const char *name, *id;
	} m[] = {
		{"clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
		{"white", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
		{"green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
		{"amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
		{"amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
		{"red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(m); i++)
		if (!strcasecmp(tlp, m[i].name) || (!strncasecmp(tlp, "tlp:", 4) && !strcasecmp(tlp + 4, m[i].name)))
			return m[i].id;
	return NULL;
}

/* Hook for issue 5's MISP/fuzz work: the parsing half of
 * stix_import_csv, pure (no database) so fuzz targets can drive it. */
int stix_csv_parse(struct arena *a, const char *csv, size_t len, int64_t stamp_ms, struct stix_csv *out)
{
	memset(out, 0, sizeof *out);
	if (len > STIX_MAX_DOC)
		return out->error = "the file is larger than 32 MiB", KR_EINVAL;
	if (!utf8_valid(csv, len))
		return out->error = "the file is not UTF-8 text", KR_EINVAL;
	const char *p = csv, *end = csv + len;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3; /* Excel's byte-order mark */
	json_t *objs = json_array();
	const char **pre = NULL; /* per-row problems found before validation */
	size_t npre = 0, cap = 0, line = 0;
	char now[40];
	stix_format_time(stamp_ms * 1000, now, sizeof now);
	while (p < end) {
		const char *f[4] = {0};
		line++;
		int n = csv_record(a, &p, end, f);
		if (n == 1 && !f[0][0])
			continue; /* blank line */
		if (line == 1 && n > 0 && !strcasecmp(f[0], "type"))
			continue;
		if (json_array_size(objs) >= STIX_MAX_OBJECTS) {
			json_decref(objs);
			return out->error = "more than 100000 rows", KR_EINVAL;
		}
		const char *why = NULL, *path = NULL;
		if (n < 2)
			why = n < 0 ? "malformed CSV (unclosed quote or more than 4 fields)" : "expected type,value";
		for (size_t i = 0; !why && i < KR_ARRAY_LEN(csv_types); i++)
			if (!strcmp(f[0], csv_types[i].type))
				path = csv_types[i].path;
		if (!why && !path)
			why = "unknown type (ipv4-addr ipv6-addr domain-name url email-addr file-name md5 sha-1 sha-256 sha-512)";
		const char *mark = NULL;
		if (!why && n >= 3 && f[2][0] && !(mark = tlp2_marking(f[2])))
			why = "unknown TLP (clear, green, amber, amber+strict, red)";
		if (!why && (!f[1][0] || strlen(f[1]) > 2048))
			why = "the value is empty or longer than 2048 bytes";
		/* The pattern's string literal: escape quote and backslash. */
		struct buf v = BUF_INIT;
		for (const char *q = why ? "" : f[1]; *q; q++) {
			if (*q == '\'' || *q == '\\')
				buf_addc(&v, '\\');
			buf_addc(&v, *q);
		}
		unsigned char rb[16];
		char hx[33];
		rand_bytes(rb, sizeof rb);
		rb[6] = (unsigned char)((rb[6] & 0x0f) | 0x40);
		rb[8] = (unsigned char)((rb[8] & 0x3f) | 0x80);
		hex_encode(rb, sizeof rb, hx);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator", "spec_version",
				      "2.1", "id",
				      arena_printf(a, "indicator--%.8s-%.4s-%.4s-%.4s-%.12s", hx, hx + 8, hx + 12,
						   hx + 16, hx + 20),
				      "created", now, "modified", now, "name", why ? "" : f[1], "pattern",
				      why ? "[x:y = 'z']" : arena_printf(a, "[%s = '%s']", path, v.p ? v.p : ""),
				      "pattern_type", "stix", "valid_from", now);
		buf_free(&v);
		if (o && mark)
			json_object_set_new(o, "object_marking_refs", json_pack("[s]", mark));
		if (o && n >= 4 && f[3][0])
			json_object_set_new(o, "description", json_string(f[3]));
		json_array_append_new(objs, o);
		if (npre == cap) {
			size_t nc = cap ? cap * 2 : 64;
			const char **np = arena_alloc(a, nc * sizeof *np);
			if (npre)
				memcpy(np, pre, npre * sizeof *np);
			pre = np;
			cap = nc;
		}
		pre[npre++] = why ? arena_printf(a, "line %zu: %s", line, why) : arena_printf(a, "line %zu", line);
	}
	json_t *env = json_pack("{s:o}", "objects", objs);
	char *doc = env ? json_dumps(env, JSON_COMPACT) : NULL;
	json_decref(env);
	if (!doc)
		return KR_ENOMEM;
	out->doc_len = strlen(doc);
	out->doc = arena_memdup(a, doc, out->doc_len + 1);
	free(doc);
	out->rows = pre;
	out->nrows = npre;
	for (size_t i = 0; i < npre; i++)
		out->any_problem |= strchr(pre[i], ':') != NULL;
	return KR_OK;
}

int stix_import_csv(struct ctx *c, const char *collection, const char *csv, size_t len, struct stix_status *st)
{
	memset(st, 0, sizeof *st);
	struct stix_csv cv;
	int rc = stix_csv_parse(c->a, csv, len, c->now, &cv);
	if (rc) {
		st->error = cv.error;
		return rc;
	}
	const char **pre = cv.rows;
	size_t npre = cv.nrows;
	/* Rows with a problem of their own are refused before the store sees
	 * them; the others go through the same checks as any indicator. */
	if (cv.any_problem) {
		rc = stix_check(c->a, cv.doc, cv.doc_len, STIX_DOC_ENVELOPE, st);
		rc = KR_EINVAL;
	} else {
		rc = stix_ingest(c, collection, cv.doc, cv.doc_len, STIX_DOC_ENVELOPE, st);
	}
	if (st->error)
		return rc;
	st->failure = 0;
	for (size_t i = 0; i < st->total && i < npre; i++) {
		struct stix_item *it = &st->items[i];
		if (strchr(pre[i], ':'))
			it->reason = pre[i];
		else if (it->reason)
			it->reason = arena_printf(c->a, "%s: %s", pre[i], it->reason);
		if (it->reason)
			st->failure++;
	}
	st->success = rc == KR_OK ? st->total : 0;
	return rc;
}

/* ---- correlation ---- */

static bool hex_only(const char *s)
{
	size_t n = strlen(s);
	if (n != 32 && n != 40 && n != 64 && n != 128)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

int stix_correlate(struct ctx *c, const char *kind, const char *value, struct stix_correlation *out)
{
	memset(out, 0, sizeof *out);
	if (!valid_line(value, 1, 2048) || (kind && !stix_value_kind_ok(kind)))
		return KR_EINVAL;
	if (c->who.person_id <= 0)
		return KR_OK;
	char *v = arena_strdup(c->a, value);
	if (hex_only(v))
		lower(v);
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT COUNT(DISTINCT o.id), COUNT(DISTINCT o.org_id), COUNT(DISTINCT o.community_id)"
			    " FROM stix_values v JOIN stix_objects o ON o.id = v.object_id"
			    " WHERE v.value = ?4 AND (CAST(?5 AS TEXT) IS NULL OR v.kind = ?5) AND o.is_latest = 1 AND "
			    ACL_STIX_PRED,
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, v);
	db_bind_text(st, 5, kind);
	if ((rc = db_step(st)) == KR_ROW) {
		out->objects = db_col_int(st, 0);
		out->orgs = db_col_int(st, 1);
		out->collections = db_col_int(st, 2);
		rc = KR_OK;
	}
	db_done(st);
	if (rc)
		return rc < 0 ? rc : KR_EDB;
	rc = db_prepare(c->db,
			"SELECT COUNT(*) FROM topics t WHERE " ACL_TOPIC_PRED
			" AND (lower(t.title) LIKE ?4 ESCAPE '\\' OR lower(t.body) LIKE ?4 ESCAPE '\\')",
			&st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, like_pattern(c->a, v));
	if ((rc = db_step(st)) == KR_ROW) {
		out->topics = db_col_int(st, 0);
		rc = KR_OK;
	}
	db_done(st);
	return rc < 0 ? rc : rc == KR_OK ? KR_OK : KR_EDB;
}
