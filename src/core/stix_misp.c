/* stix_misp.c - MISP event JSON to STIX 2.1 and its import.  See
 * stix_misp.h for the mapping.
 *
 * The parser builds a jansson envelope and hands its text to the store:
 * the STIX checks (stix_check via stix_ingest) stay the only judge of what
 * is valid, so a MISP value that makes a bad pattern (ip-dst "999.1.1.1")
 * is refused with the pattern parser's reason, labelled with the MISP
 * event and attribute it came from. */
#include "core/stix_misp.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/arena.h"
#include "lib/digest.h"
#include "lib/util.h"

/* The STIX 2.1 namespace of deterministic cyber-observable ids (2.9). */
#define SCO_NS "00abedb4-aa42-466c-9c01-fed23315a9b7"
#define MAX_PROBLEMS 200
#define MAX_SKIP_REASONS 64
#define MAX_TERMS 256  /* mapped attributes of one MISP object */
#define MAX_LABELS 32
#define MAX_VALUE 2048

static const struct {
	const char *tag;
	enum stix_tlp tlp;
} tlp_tags[] = {
	{"tlp:white", STIX_TLP_CLEAR}, {"tlp:clear", STIX_TLP_CLEAR}, {"tlp:green", STIX_TLP_GREEN},
	{"tlp:amber", STIX_TLP_AMBER}, {"tlp:amber+strict", STIX_TLP_AMBER_STRICT}, {"tlp:red", STIX_TLP_RED},
};
/* TLP 2.0 marking-definition ids by level (enum stix_tlp order). */
static const char *const tlp2_ids[] = {
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/* A TLP level that may be unset (-1). */
struct tlp {
	int level;
};

static void tlp_join(struct tlp *t, int level)
{
	if (level > t->level)
		t->level = level;
}

/* One comparison of a pattern: path = literal. */
struct term {
	const char *otype; /* STIX object type of the path */
	const char *path;  /* full object path, e.g. "file:hashes.'SHA-256'" */
	const char *value;
	bool num;          /* an integer literal, not a string */
};

struct gen {
	struct arena *a;
	struct stix_misp *m;
	json_t *objs;
	size_t ocap, pcap, scap;
	/* ids of observables already emitted (a document may not hold the
	 * same id twice): open addressing over arena strings */
	const char **set;
	size_t setcap, setn;
	int event_no;
	const char *event_uuid;
};

static void problem(struct gen *g, const char *fmt, ...) KR_PRINTF(2, 3);
static void problem(struct gen *g, const char *fmt, ...)
{
	struct stix_misp *m = g->m;
	if (m->nproblems > MAX_PROBLEMS)
		return;
	if (m->nproblems == g->pcap) {
		size_t nc = g->pcap ? g->pcap * 2 : 16;
		const char **np = arena_alloc(g->a, nc * sizeof *np);
		if (m->nproblems)
			memcpy(np, m->problems, m->nproblems * sizeof *np);
		m->problems = np;
		g->pcap = nc;
	}
	if (m->nproblems == MAX_PROBLEMS) {
		m->problems[m->nproblems++] = "more problems not listed";
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	m->problems[m->nproblems++] = arena_vprintf(g->a, fmt, ap);
	va_end(ap);
}

static void skip(struct gen *g, const char *reason)
{
	struct stix_misp *m = g->m;
	m->skipped++;
	for (size_t i = 0; i < m->nskips; i++)
		if (!strcmp(m->skips[i].reason, reason)) {
			m->skips[i].count++;
			return;
		}
	if (m->nskips >= MAX_SKIP_REASONS) {
		reason = "other reasons";
		for (size_t i = 0; i < m->nskips; i++)
			if (!strcmp(m->skips[i].reason, reason)) {
				m->skips[i].count++;
				return;
			}
	}
	if (m->nskips == g->scap) {
		size_t nc = g->scap ? g->scap * 2 : 8;
		struct stix_misp_skip *ns = arena_alloc(g->a, nc * sizeof *ns);
		if (m->nskips)
			memcpy(ns, m->skips, m->nskips * sizeof *ns);
		m->skips = ns;
		g->scap = nc;
	}
	m->skips[m->nskips++] = (struct stix_misp_skip){arena_strdup(g->a, reason), 1};
}

/* Appends o (reference taken) with its origin label. */
static int add_obj(struct gen *g, json_t *o, const char *origin)
{
	struct stix_misp *m = g->m;
	if (!o)
		return KR_ENOMEM;
	if (m->nobjects >= STIX_MAX_OBJECTS) {
		json_decref(o);
		if (m->nobjects == STIX_MAX_OBJECTS) {
			problem(g, "more than %d STIX objects would be made from this document", STIX_MAX_OBJECTS);
			m->nobjects++;
		}
		return KR_ETOOBIG;
	}
	if (m->nobjects == g->ocap) {
		size_t nc = g->ocap ? g->ocap * 2 : 64;
		const char **no = arena_alloc(g->a, nc * sizeof *no);
		if (m->nobjects)
			memcpy(no, m->origin, m->nobjects * sizeof *no);
		m->origin = no;
		g->ocap = nc;
	}
	m->origin[m->nobjects++] = origin;
	json_array_append_new(g->objs, o);
	return KR_OK;
}


/* true when id was already emitted; records it otherwise. */
static bool seen(struct gen *g, const char *id)
{
	if (g->setn * 2 >= g->setcap) {
		size_t nc = g->setcap ? g->setcap * 2 : 256;
		const char **ns = arena_alloc(g->a, nc * sizeof *ns);
		for (size_t i = 0; i < g->setcap; i++)
			if (g->set[i])
				for (size_t j = str_hash64(g->set[i]) & (nc - 1);; j = (j + 1) & (nc - 1))
					if (!ns[j]) {
						ns[j] = g->set[i];
						break;
					}
		g->set = ns;
		g->setcap = nc;
	}
	for (size_t j = str_hash64(id) & (g->setcap - 1);; j = (j + 1) & (g->setcap - 1)) {
		if (!g->set[j]) {
			g->set[j] = arena_strdup(g->a, id);
			g->setn++;
			return false;
		}
		if (!strcmp(g->set[j], id))
			return true;
	}
}

static const char *uuid5(struct gen *g, const char *ns, const char *name)
{
	char u[37];
	digest_uuid5(ns, name, strlen(name), u);
	return arena_strdup(g->a, u);
}

/* A MISP uuid in canonical form, lowercased; NULL when absent or bad. */
static const char *misp_uuid(struct gen *g, json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || strlen(s) != 36)
		return NULL;
	char *u = arena_strdup(g->a, s);
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = u[i];
		if (ch >= 'A' && ch <= 'F')
			u[i] = ch = (char)(ch - 'A' + 'a');
		if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return NULL;
	}
	return u;
}

/* MISP timestamps are epoch seconds, as a string or a number.  0 = absent;
 * -1 = present but not a timestamp. */
static int64_t misp_time(json_t *v)
{
	int64_t t = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		t = json_integer_value(v);
	else if (!json_is_string(v) || parse_i64(json_string_value(v), 0, 253402300799LL, &t))
		return -1;
	return t >= 0 && t <= 253402300799LL ? t : -1;
}

static const char *stix_time(struct gen *g, int64_t secs)
{
	char t[40];
	stix_format_time(secs * 1000000, t, sizeof t);
	return arena_strdup(g->a, t);
}

/* to_ids: a boolean, 0/1, or MISP's older "0"/"1"/"true"/"false". */
static int misp_bool(json_t *v, bool *out)
{
	*out = false;
	if (!v || json_is_null(v))
		return KR_OK;
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		*out = json_integer_value(v) == 1;
	else if (json_is_string(v) && (str_eq(json_string_value(v), "1") || str_eq(json_string_value(v), "true")))
		*out = true;
	else if (!(json_is_string(v) && (str_eq(json_string_value(v), "0") || str_eq(json_string_value(v), "false"))))
		return KR_EINVAL;
	return KR_OK;
}

/* MISP's sharing level ("distribution", a number or a numeric string;
 * absent, null or 5 "inherit": the enclosing level's).  0 is "your
 * organisation only".  It is mapped to TLP:RED, not to TLP:AMBER+STRICT
 * whose words ("their organisation only") would fit: the STIX store
 * enforces TLP:RED as "visible to the source organisation only" - and the
 * source organisation of an import is the importer's - while every other
 * level, AMBER+STRICT included, is visible to every member of the
 * collection's community.  AMBER+STRICT would therefore hand an
 * organisation-only event to the whole community; RED keeps it inside
 * the importer's organisation, and also out of exports, rules, mail and
 * TAXII to others (SPEC R5.3).  Levels 1-4 (community, connected
 * communities, all, a sharing group) have no narrower meaning here than
 * the collection the import goes to, so the tlp tags decide as before
 * (a sharing group's member list names MISP organisations, which Kairan
 * cannot map; the TLP tag should say how far it may go).  Anything else
 * is refused rather than guessed. */
static int read_distribution(struct gen *g, json_t *holder, struct tlp *tlp, const char *where)
{
	json_t *v = json_object_get(holder, "distribution");
	if (!v || json_is_null(v))
		return KR_OK;
	int64_t d = -1;
	if (json_is_integer(v))
		d = json_integer_value(v);
	else if (json_is_string(v) && strlen(json_string_value(v)) == 1 && json_string_value(v)[0] >= '0' &&
		 json_string_value(v)[0] <= '9')
		d = json_string_value(v)[0] - '0';
	if (d < 0 || d > 5) {
		problem(g, "%s: distribution must be one of MISP's sharing levels 0 to 5", where);
		return KR_EINVAL;
	}
	if (d == 0)
		tlp_join(tlp, STIX_TLP_RED);
	return KR_OK;
}

/* MISP's first_seen / last_seen: ISO 8601 with microseconds and an
 * offset ("2023-11-14T09:35:05.123456+00:00"; MISP stores UTC), "Z", or
 * no zone (UTC).  Returns 0 when absent or null, 1 with *us set, -1 when
 * malformed. */
static int misp_seen(json_t *v, int64_t *us)
{
	if (!v || json_is_null(v))
		return 0;
	const char *s = json_string_value(v);
	if (!s)
		return -1;
	size_t n = strlen(s);
	if (n < 19 || n > 40 || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -1;
	char t[48];
	memcpy(t, s, 19);
	t[10] = 'T';
	size_t k = 19, i = 19;
	char frac[7] = "000000";
	if (s[i] == '.') {
		size_t d = 0;
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			if (d < 6)
				frac[d++] = s[i];
		if (d == 0)
			return -1;
	}
	t[k++] = '.';
	memcpy(t + k, frac, 6);
	k += 6;
	t[k++] = 'Z';
	t[k] = 0;
	int64_t off_min = 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		int sign = s[i] == '-' ? -1 : 1;
		const char *z = s + i + 1;
		int hh, mm = 0;
		if (!(z[0] >= '0' && z[0] <= '9' && z[1] >= '0' && z[1] <= '9'))
			return -1;
		hh = (z[0] - '0') * 10 + (z[1] - '0');
		z += 2;
		if (*z == ':')
			z++;
		if (*z) {
			if (!(z[0] >= '0' && z[0] <= '9' && z[1] >= '0' && z[1] <= '9'))
				return -1;
			mm = (z[0] - '0') * 10 + (z[1] - '0');
			z += 2;
		}
		if (hh > 23 || mm > 59)
			return -1;
		off_min = sign * (hh * 60 + mm);
		i = (size_t)(z - s);
	}
	if (s[i] != 0)
		return -1;
	for (int j = 0; j < 19; j++)
		if ((j == 4 || j == 7) ? t[j] != '-' : (j == 13 || j == 16) ? t[j] != ':' : j == 10 ? false
			: !(t[j] >= '0' && t[j] <= '9'))
			return -1;
	if (stix_parse_time(t, us))
		return -1;
	*us -= off_min * 60 * 1000000LL;
	return 1;
}

/* When the value was first and last seen (epoch microseconds, 0 = not
 * given). */
struct seen {
	int64_t first, last;
};

/* Read first_seen / last_seen of an attribute or object; KR_EINVAL with a
 * problem when malformed or last before first. */
static int read_seen(struct gen *g, json_t *holder, struct seen *out, const char *where)
{
	out->first = out->last = 0;
	int64_t us;
	int r = misp_seen(json_object_get(holder, "first_seen"), &us);
	if (r < 0) {
		problem(g, "%s: first_seen must be an ISO 8601 time (e.g. 2023-11-14T09:35:05.000000+00:00)", where);
		return KR_EINVAL;
	}
	if (r > 0)
		out->first = us;
	r = misp_seen(json_object_get(holder, "last_seen"), &us);
	if (r < 0) {
		problem(g, "%s: last_seen must be an ISO 8601 time (e.g. 2023-11-14T09:35:05.000000+00:00)", where);
		return KR_EINVAL;
	}
	if (r > 0)
		out->last = us;
	if (out->first && out->last && out->last < out->first) {
		problem(g, "%s: last_seen is earlier than first_seen", where);
		return KR_EINVAL;
	}
	return KR_OK;
}

static const char *us_time(struct gen *g, int64_t us)
{
	char t[40];
	stix_format_time(us, t, sizeof t);
	return arena_strdup(g->a, t);
}

/* Tags: tlp:* into *tlp, the others into labels (bounded).  where names
 * the holder for problems. */
static int read_tags(struct gen *g, json_t *holder, struct tlp *tlp, json_t *labels, const char *where)
{
	json_t *tags = json_object_get(holder, "Tag");
	if (!tags || json_is_null(tags))
		return KR_OK;
	if (!json_is_array(tags)) {
		problem(g, "%s: Tag must be a list", where);
		return KR_EINVAL;
	}
	size_t i;
	json_t *t;
	json_array_foreach (tags, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		if (!name) {
			problem(g, "%s: Tag %zu has no name", where, i + 1);
			return KR_EINVAL;
		}
		bool is_tlp = false;
		for (size_t k = 0; k < KR_ARRAY_LEN(tlp_tags); k++)
			if (!strcasecmp(name, tlp_tags[k].tag)) {
				tlp_join(tlp, (int)tlp_tags[k].tlp);
				is_tlp = true;
			}
		/* MISP's TLP taxonomy also has tlp:ex:* (e.g. Chatham House) and
		 * tlp:unclear, which are no sharing level: labels.  Any other
		 * tlp: tag is most likely a typo of one, which must not pass. */
		if (!is_tlp && !strncasecmp(name, "tlp:", 4) && strncasecmp(name, "tlp:ex:", 7) != 0 &&
		    strcasecmp(name, "tlp:unclear") != 0) {
			problem(g, "%s: unknown TLP tag \"%s\" (tlp:clear, white, green, amber, amber+strict, red)", where,
				name);
			return KR_EINVAL;
		}
		if (!is_tlp && labels && json_array_size(labels) < MAX_LABELS && *name && strlen(name) <= 256) {
			bool dup = false;
			size_t x;
			json_t *e;
			json_array_foreach (labels, x, e)
				dup |= str_eq(json_string_value(e), name);
			if (!dup)
				json_array_append_new(labels, json_string(name));
		}
	}
	return KR_OK;
}

/* ---- attribute types to pattern terms ---- */

static const struct {
	const char *misp, *path; /* path after "file:hashes." */
} hash_types[] = {
	{"md5", "MD5"},       {"sha1", "'SHA-1'"},  {"sha256", "'SHA-256'"},        {"sha512", "'SHA-512'"},
	{"ssdeep", "SSDEEP"}, {"tlsh", "TLSH"},     {"sha3-256", "'SHA3-256'"},     {"sha3-512", "'SHA3-512'"},
};

static const char *hash_path(const char *t)
{
	for (size_t i = 0; i < KR_ARRAY_LEN(hash_types); i++)
		if (!strcmp(t, hash_types[i].misp))
			return hash_types[i].path;
	return NULL;
}

static void term(struct term *t, int *n, const char *otype, const char *path, const char *value, bool num)
{
	if (*n < 4)
		t[(*n)++] = (struct term){otype, path, value, num};
}

static bool is_port(const char *s)
{
	int64_t v;
	return !parse_i64(s, 0, 65535, &v);
}

static void ip_term(struct term *t, int *n, const char *v)
{
	if (strchr(v, ':'))
		term(t, n, "ipv6-addr", "ipv6-addr:value", v, false);
	else
		term(t, n, "ipv4-addr", "ipv4-addr:value", v, false);
}

/* The terms of one attribute (at most 4).  Returns the number of terms;
 * 0 with *skip set when the type has no mapping, -1 with *bad set when
 * the value does not fit its type. */
static int map_attr(struct gen *g, const char *type, const char *value, struct term *t, const char **skipr,
		    const char **bad)
{
	int n = 0;
	*skipr = *bad = NULL;
	const char *bar = strrchr(value, '|');
	const char *left = bar ? arena_strndup(g->a, value, (size_t)(bar - value)) : NULL;
	const char *right = bar ? bar + 1 : NULL;
	const char *hp;
	if (strchr(type, '|') && (!bar || !*left || !*right)) {
		*bad = "a composite value must be two parts separated by |";
		return -1;
	}
	if (!strcmp(type, "ip-src") || !strcmp(type, "ip-dst")) {
		ip_term(t, &n, value);
	} else if (!strcmp(type, "ip-src|port") || !strcmp(type, "ip-dst|port")) {
		if (!is_port(right))
			return *bad = "the port is not a number from 0 to 65535", -1;
		ip_term(t, &n, left);
		term(t, &n, "network-traffic", type[3] == 's' ? "network-traffic:src_port" : "network-traffic:dst_port",
		     right, true);
	} else if (!strcmp(type, "domain") || !strcmp(type, "hostname")) {
		term(t, &n, "domain-name", "domain-name:value", value, false);
	} else if (!strcmp(type, "domain|ip") || !strcmp(type, "hostname|ip")) {
		term(t, &n, "domain-name", "domain-name:value", left, false);
		ip_term(t, &n, right);
	} else if (!strcmp(type, "hostname|port") || !strcmp(type, "domain|port")) {
		if (!is_port(right))
			return *bad = "the port is not a number from 0 to 65535", -1;
		term(t, &n, "domain-name", "domain-name:value", left, false);
		term(t, &n, "network-traffic", "network-traffic:dst_port", right, true);
	} else if (!strcmp(type, "url") || !strcmp(type, "uri") || !strcmp(type, "link")) {
		term(t, &n, "url", "url:value", value, false);
	} else if ((hp = hash_path(type))) {
		term(t, &n, "file", arena_printf(g->a, "file:hashes.%s", hp), value, false);
	} else if (!strcmp(type, "filename")) {
		term(t, &n, "file", "file:name", value, false);
	} else if (!strncmp(type, "filename|", 9) && (hp = hash_path(type + 9))) {
		term(t, &n, "file", "file:name", left, false);
		term(t, &n, "file", arena_printf(g->a, "file:hashes.%s", hp), right, false);
	} else if (!strcmp(type, "email") || !strcmp(type, "email-addr")) {
		term(t, &n, "email-addr", "email-addr:value", value, false);
	} else if (!strcmp(type, "email-src")) {
		term(t, &n, "email-message", "email-message:from_ref.value", value, false);
	} else if (!strcmp(type, "email-dst")) {
		term(t, &n, "email-message", "email-message:to_refs[*].value", value, false);
	} else if (!strcmp(type, "email-subject")) {
		term(t, &n, "email-message", "email-message:subject", value, false);
	} else if (!strcmp(type, "mutex")) {
		term(t, &n, "mutex", "mutex:name", value, false);
	} else if (!strcmp(type, "mac-address")) {
		term(t, &n, "mac-addr", "mac-addr:value", value, false);
	} else if (!strcmp(type, "regkey")) {
		term(t, &n, "windows-registry-key", "windows-registry-key:key", value, false);
	} else if (!strcmp(type, "AS")) {
		const char *num = !strncasecmp(value, "AS", 2) ? value + 2 : value;
		int64_t v;
		if (parse_i64(num, 0, 4294967295LL, &v))
			return *bad = "an AS number must be a number (AS64496 or 64496)", -1;
		term(t, &n, "autonomous-system", "autonomous-system:number", num, true);
	} else if (!strcmp(type, "port")) {
		if (!is_port(value))
			return *bad = "the port is not a number from 0 to 65535", -1;
		term(t, &n, "network-traffic", "network-traffic:dst_port", value, true);
	} else if (!strcmp(type, "size-in-bytes")) {
		int64_t v;
		if (parse_i64(value, 0, INT64_MAX, &v))
			return *bad = "size-in-bytes must be a number", -1;
		term(t, &n, "file", "file:size", value, true);
	} else if (!strncmp(type, "x509-fingerprint-", 17) && (hp = hash_path(type + 17))) {
		term(t, &n, "x509-certificate", arena_printf(g->a, "x509-certificate:hashes.%s", hp), value, false);
	} else {
		*skipr = arena_printf(g->a, "type %s has no STIX mapping", type);
	}
	return n;
}


/* ---- pattern and observables from terms ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	struct arena *a;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->cap ? b->cap * 2 : 256) + n;
		char *np = arena_alloc(b->a, nc);
		if (b->len)
			memcpy(np, b->p, b->len);
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_adds(struct sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_lit(struct sbuf *b, const struct term *t)
{
	if (t->num) {
		sb_adds(b, t->value);
		return;
	}
	sb_adds(b, "'");
	for (const char *s = t->value; *s; s++) {
		if (*s == '\'' || *s == '\\')
			sb_add(b, "\\", 1);
		sb_add(b, s, 1);
	}
	sb_adds(b, "'");
}

/* [type: path = v AND (path2 = a OR path2 = b)] AND [type2: ...]: one
 * observation per object type (the checker refuses an AND of two object
 * types inside one observation), values of one property ORed. */
static const char *pattern_of(struct gen *g, const struct term *t, int n)
{
	struct sbuf b = {NULL, 0, 0, g->a};
	for (int i = 0; i < n; i++) {
		bool first_type = true;
		for (int j = 0; j < i; j++)
			first_type &= strcmp(t[j].otype, t[i].otype) != 0;
		if (!first_type)
			continue;
		if (b.len)
			sb_adds(&b, " AND ");
		sb_adds(&b, "[");
		bool any = false;
		for (int j = i; j < n; j++) {
			if (strcmp(t[j].otype, t[i].otype) != 0)
				continue;
			bool first_path = true;
			for (int k = i; k < j; k++)
				first_path &= !(strcmp(t[k].otype, t[i].otype) == 0 && strcmp(t[k].path, t[j].path) == 0);
			if (!first_path)
				continue;
			int same = 0;
			for (int k = j; k < n; k++)
				same += strcmp(t[k].path, t[j].path) == 0;
			if (any)
				sb_adds(&b, " AND ");
			any = true;
			if (same > 1)
				sb_adds(&b, "(");
			bool firstv = true;
			for (int k = j; k < n; k++) {
				if (strcmp(t[k].path, t[j].path) != 0)
					continue;
				if (!firstv)
					sb_adds(&b, " OR ");
				firstv = false;
				sb_adds(&b, t[k].path);
				sb_adds(&b, " = ");
				sb_lit(&b, &t[k]);
			}
			if (same > 1)
				sb_adds(&b, ")");
		}
		sb_adds(&b, "]");
	}
	return b.p;
}

/* The observable of a value-keyed term (ipv4-addr, url ... and the
 * addresses of an e-mail); NULL type when the term has none. */
static const char *value_sco_type(const struct term *t)
{
	static const char *const simple[] = {"ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "mac-addr"};
	for (size_t i = 0; i < KR_ARRAY_LEN(simple); i++)
		if (!strcmp(t->otype, simple[i]) && strstr(t->path, ":value"))
			return simple[i];
	if (!strcmp(t->path, "email-message:from_ref.value") || !strcmp(t->path, "email-message:to_refs[*].value"))
		return "email-addr";
	return NULL;
}

/* Emit an observable unless already emitted; append its id to refs. */
static int emit_sco(struct gen *g, const char *type, json_t *props, json_t *refs, const char *origin)
{
	char *canon = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
	if (!canon) {
		json_decref(props);
		return KR_ENOMEM;
	}
	const char *id = arena_printf(g->a, "%s--%s", type, uuid5(g, SCO_NS, canon));
	free(canon);
	json_array_append_new(refs, json_string(id));
	if (seen(g, id)) {
		json_decref(props);
		return KR_OK;
	}
	json_t *o = json_pack("{s:s, s:s, s:s}", "type", type, "spec_version", "2.1", "id", id);
	if (o)
		json_object_update(o, props);
	json_decref(props);
	return add_obj(g, o, origin);
}

/* Observables of terms into refs (ids); returns how many, or <0. */
static int scos_of(struct gen *g, const struct term *t, int n, json_t *refs, const char *origin)
{
	json_t *file = NULL, *hashes = NULL;
	int rc = KR_OK;
	for (int i = 0; i < n && rc == KR_OK; i++) {
		const char *st = value_sco_type(&t[i]);
		if (st) {
			rc = emit_sco(g, st, json_pack("{s:s}", "value", t[i].value), refs, origin);
		} else if (!strcmp(t[i].path, "mutex:name")) {
			rc = emit_sco(g, "mutex", json_pack("{s:s}", "name", t[i].value), refs, origin);
		} else if (!strcmp(t[i].otype, "file") && !t[i].num) {
			if (!file)
				file = json_object();
			if (!strcmp(t[i].path, "file:name")) {
				json_object_set_new(file, "name", json_string(t[i].value));
			} else {
				char *k = arena_strdup(g->a, t[i].path + strlen("file:hashes."));
				size_t kl = strlen(k);
				if (k[0] == '\'' && kl >= 2) {
					k[kl - 1] = 0;
					k++;
				}
				if (!hashes)
					hashes = json_object();
				json_object_set_new(hashes, k, json_string(t[i].value));
			}
		}
	}
	if (file && hashes)
		json_object_set_new(file, "hashes", hashes);
	else
		json_decref(hashes);
	if (file && rc == KR_OK)
		rc = emit_sco(g, "file", file, refs, origin);
	else
		json_decref(file);
	return rc < 0 ? rc : (int)json_array_size(refs);
}

/* ---- events ---- */

static void set_common(json_t *o, int tlp, json_t *labels)
{
	if (labels && json_array_size(labels))
		json_object_set(o, "labels", labels);
	if (tlp >= 0)
		json_object_set_new(o, "object_marking_refs", json_pack("[s]", tlp2_ids[tlp]));
}

/* One indicator or observed-data from terms; its id goes into refs. */
static int emit_sdo(struct gen *g, bool to_ids, const char *misp_uuid_s, const char *name, const char *comment,
		    int64_t ts, struct seen seen, int tlp, json_t *labels, const struct term *t, int n,
		    json_t *report_refs, const char *origin)
{
	const char *when = stix_time(g, ts);
	int rc;
	/* first_seen / last_seen.  On an indicator, first_seen becomes
	 * valid_from: STIX 2.1 (4.7) defines it as the time from which the
	 * indicator is considered a valid sign of what it detects, and the
	 * first sighting is the earliest such evidence (MISP's misp-stix does
	 * the same).  last_seen is NOT valid_until: valid_until is the time at
	 * which the indicator "should no longer be considered valid" - an
	 * expiry the producer decides - while last_seen is only the latest
	 * sighting, usually in the past; mapped there, every indicator would
	 * be expired on arrival and dropped by detection exports that honour
	 * valid_until (misp-stix maps it so; we do not).  It is kept in the
	 * custom property x_misp_last_seen (STIX 2.1 section 11.1) so nothing
	 * is lost.  On observed-data the two map one to one onto
	 * first_observed / last_observed (as misp-stix does), each standing in
	 * for the other when only one is given, the attribute's timestamp when
	 * neither is. */
	if (to_ids) {
		const char *id = arena_printf(g->a, "indicator--%s", uuid5(g, STIX_MISP_NS,
					arena_printf(g->a, "indicator:%s", misp_uuid_s)));
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s, s:s}", "type", "indicator",
				      "spec_version", "2.1", "id", id, "created", when, "modified", when, "name", name,
				      "indicator_types", "malicious-activity", "pattern", pattern_of(g, t, n),
				      "pattern_type", "stix", "pattern_version", "2.1", "valid_from",
				      seen.first ? us_time(g, seen.first) : when);
		if (!o)
			return KR_ENOMEM;
		if (seen.last)
			json_object_set_new(o, "x_misp_last_seen", json_string(us_time(g, seen.last)));
		if (comment && *comment)
			json_object_set_new(o, "description", json_string(comment));
		json_object_set_new(o, "external_references",
				    json_pack("[{s:s, s:s}]", "source_name", "MISP", "external_id", misp_uuid_s));
		set_common(o, tlp, labels);
		if ((rc = add_obj(g, o, origin)))
			return rc;
		g->m->indicators++;
		json_array_append_new(report_refs, json_string(id));
		return KR_OK;
	}
	json_t *refs = json_array();
	rc = scos_of(g, t, n, refs, origin);
	if (rc <= 0) {
		json_decref(refs);
		if (rc == 0)
			skip(g, "no observable for an attribute without to_ids");
		return rc;
	}
	const char *id = arena_printf(g->a, "observed-data--%s", uuid5(g, STIX_MISP_NS,
				arena_printf(g->a, "observed-data:%s", misp_uuid_s)));
	int64_t fo = seen.first ? seen.first : seen.last, lo = seen.last ? seen.last : seen.first;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o}", "type", "observed-data", "spec_version",
			      "2.1", "id", id, "created", when, "modified", when, "first_observed",
			      fo ? us_time(g, fo) : when, "last_observed", lo ? us_time(g, lo) : when,
			      "number_observed", 1, "object_refs", refs);
	if (!o)
		return KR_ENOMEM;
	json_object_set_new(o, "external_references",
			    json_pack("[{s:s, s:s}]", "source_name", "MISP", "external_id", misp_uuid_s));
	set_common(o, tlp, labels);
	if ((rc = add_obj(g, o, origin)))
		return rc;
	g->m->observed++;
	json_array_append_new(report_refs, json_string(id));
	return KR_OK;
}

/* The fields of one attribute every caller needs.  Returns KR_OK, 1 to
 * skip it (counted), or KR_EINVAL (a problem was recorded). */
struct attr {
	const char *type, *value, *uuid, *comment, *label;
	bool to_ids;
	int64_t ts;
	struct seen seen;
	struct tlp tlp;
	json_t *labels;
};

static int read_attr(struct gen *g, json_t *a, const char *where, int64_t event_ts, struct tlp event_tlp,
		     struct attr *out)
{
	memset(out, 0, sizeof *out);
	if (!json_is_object(a)) {
		problem(g, "%s: not a JSON object", where);
		return KR_EINVAL;
	}
	out->type = json_string_value(json_object_get(a, "type"));
	out->value = json_string_value(json_object_get(a, "value"));
	if (!out->type || !*out->type) {
		problem(g, "%s: missing type", where);
		return KR_EINVAL;
	}
	if (!out->value) {
		problem(g, "%s (%s): missing value", where, out->type);
		return KR_EINVAL;
	}
	if (!*out->value || strlen(out->value) > MAX_VALUE || strpbrk(out->value, "\r\n")) {
		problem(g, "%s (%s): the value is empty, longer than %d bytes or spans lines", where, out->type,
			MAX_VALUE);
		return KR_EINVAL;
	}
	out->label = arena_printf(g->a, "%s (%s %s)", where, out->type, out->value);
	if (misp_bool(json_object_get(a, "to_ids"), &out->to_ids)) {
		problem(g, "%s: to_ids must be true or false", out->label);
		return KR_EINVAL;
	}
	json_t *uv = json_object_get(a, "uuid");
	out->uuid = misp_uuid(g, uv);
	if (uv && !json_is_null(uv) && !out->uuid) {
		problem(g, "%s: uuid is not a UUID", out->label);
		return KR_EINVAL;
	}
	if (!out->uuid) /* stable without one: the event, the type and the value */
		out->uuid = uuid5(g, STIX_MISP_NS,
				  arena_printf(g->a, "attribute:%s|%s|%s", g->event_uuid, out->type, out->value));
	int64_t ts = misp_time(json_object_get(a, "timestamp"));
	if (ts < 0) {
		problem(g, "%s: timestamp must be epoch seconds", out->label);
		return KR_EINVAL;
	}
	out->ts = ts ? ts : event_ts;
	json_t *cv = json_object_get(a, "comment");
	if (cv && !json_is_null(cv) && !json_is_string(cv)) {
		problem(g, "%s: comment must be a string", out->label);
		return KR_EINVAL;
	}
	out->comment = json_string_value(cv);
	if (read_seen(g, a, &out->seen, out->label))
		return KR_EINVAL;
	out->tlp = event_tlp;
	if (read_distribution(g, a, &out->tlp, out->label))
		return KR_EINVAL;
	out->labels = json_array();
	if (read_tags(g, a, &out->tlp, out->labels, out->label)) {
		json_decref(out->labels);
		out->labels = NULL;
		return KR_EINVAL;
	}
	bool deleted = false;
	if (misp_bool(json_object_get(a, "deleted"), &deleted) == KR_OK && deleted) {
		json_decref(out->labels);
		out->labels = NULL;
		skip(g, "deleted attribute");
		return 1;
	}
	return KR_OK;
}

static int do_attribute(struct gen *g, json_t *a, const char *where, int64_t event_ts, struct tlp event_tlp,
			json_t *report_refs)
{
	struct attr at;
	int rc = read_attr(g, a, where, event_ts, event_tlp, &at);
	if (rc)
		return rc > 0 ? KR_OK : rc;
	g->m->attributes++;
	struct term t[4];
	const char *skipr, *bad;
	int n = map_attr(g, at.type, at.value, t, &skipr, &bad);
	if (n < 0) {
		problem(g, "%s: %s", at.label, bad);
		rc = KR_EINVAL;
	} else if (n == 0) {
		skip(g, skipr);
	} else {
		rc = emit_sdo(g, at.to_ids, at.uuid, arena_printf(g->a, "%s: %s", at.type, at.value), at.comment, at.ts,
			      at.seen, at.tlp.level, at.labels, t, n, report_refs, at.label);
	}
	json_decref(at.labels);
	return rc;
}

static int do_object(struct gen *g, json_t *ob, const char *where, int64_t event_ts, struct tlp event_tlp,
		     json_t *report_refs)
{
	if (!json_is_object(ob)) {
		problem(g, "%s: not a JSON object", where);
		return KR_EINVAL;
	}
	const char *name = json_string_value(json_object_get(ob, "name"));
	if (!name || !*name)
		name = "object";
	const char *label = arena_printf(g->a, "%s (%s)", where, name);
	bool deleted = false;
	if (misp_bool(json_object_get(ob, "deleted"), &deleted) == KR_OK && deleted) {
		skip(g, "deleted object");
		return KR_OK;
	}
	json_t *uv = json_object_get(ob, "uuid");
	const char *uuid = misp_uuid(g, uv);
	if (!uuid) {
		problem(g, "%s: uuid is missing or not a UUID", label);
		return KR_EINVAL;
	}
	int64_t ts = misp_time(json_object_get(ob, "timestamp"));
	if (ts < 0) {
		problem(g, "%s: timestamp must be epoch seconds", label);
		return KR_EINVAL;
	}
	struct tlp tlp = event_tlp;
	/* The object's own first/last seen, else the span of its attributes'. */
	struct seen seen, span = {0, 0};
	if (read_seen(g, ob, &seen, label) || read_distribution(g, ob, &tlp, label))
		return KR_EINVAL;
	json_t *labels = json_array();
	int rc = read_tags(g, ob, &tlp, labels, label);
	json_t *attrs = json_object_get(ob, "Attribute");
	if (rc == KR_OK && attrs && !json_is_array(attrs)) {
		problem(g, "%s: Attribute must be a list", label);
		rc = KR_EINVAL;
	}
	struct term *t = arena_alloc(g->a, sizeof *t * MAX_TERMS);
	int n = 0;
	bool to_ids = false;
	const char *first = NULL;
	const char *comment = json_string_value(json_object_get(ob, "comment"));
	size_t i;
	json_t *a;
	json_array_foreach (attrs, i, a) {
		if (rc)
			break;
		struct attr at;
		int r = read_attr(g, a, arena_printf(g->a, "%s attribute %zu", label, i + 1), ts ? ts : event_ts, tlp, &at);
		if (r) {
			rc = r < 0 ? r : KR_OK;
			continue;
		}
		g->m->attributes++;
		struct term at_t[4];
		const char *skipr, *bad;
		int an = map_attr(g, at.type, at.value, at_t, &skipr, &bad);
		if (an < 0) {
			problem(g, "%s: %s", at.label, bad);
			rc = KR_EINVAL;
		} else if (an == 0) {
			skip(g, arena_printf(g->a, "%s (in a %s object)", skipr, name));
		} else if (n + an > MAX_TERMS) {
			skip(g, "object attributes beyond 256 mapped values");
		} else {
			memcpy(t + n, at_t, sizeof *at_t * (size_t)an);
			n += an;
			to_ids |= at.to_ids;
			tlp_join(&tlp, at.tlp.level);
			if (at.ts > ts)
				ts = at.ts;
			int64_t af = at.seen.first ? at.seen.first : at.seen.last;
			int64_t al = at.seen.last ? at.seen.last : at.seen.first;
			if (af && (!span.first || af < span.first))
				span.first = af;
			if (al > span.last)
				span.last = al;
			if (!first)
				first = at.value;
			size_t x;
			json_t *l;
			json_array_foreach (at.labels, x, l)
				if (json_array_size(labels) < MAX_LABELS)
					json_array_append(labels, l);
		}
		json_decref(at.labels);
	}
	if (rc == KR_OK && n == 0)
		skip(g, "object without a mapped attribute");
	else if (rc == KR_OK) {
		if (!seen.first && !seen.last)
			seen = span;
		rc = emit_sdo(g, to_ids, uuid, arena_printf(g->a, "%s: %s", name, first), comment, ts ? ts : event_ts,
			      seen, tlp.level, labels, t, n, report_refs, label);
	}
	json_decref(labels);
	return rc;
}

static int do_event(struct gen *g, json_t *ev, int no)
{
	const char *where = arena_printf(g->a, "event %d", no);
	if (json_is_object(ev) && json_object_get(ev, "Event"))
		ev = json_object_get(ev, "Event");
	if (!json_is_object(ev)) {
		problem(g, "%s: not a MISP event object", where);
		return KR_EINVAL;
	}
	g->m->events++;
	const char *uuid = misp_uuid(g, json_object_get(ev, "uuid"));
	if (!uuid) {
		problem(g, "%s: uuid is missing or not a UUID", where);
		return KR_EINVAL;
	}
	g->event_uuid = uuid;
	int64_t ts = misp_time(json_object_get(ev, "timestamp"));
	if (ts < 0) {
		problem(g, "%s: timestamp must be epoch seconds", where);
		return KR_EINVAL;
	}
	if (ts == 0) {
		/* without a timestamp the day of "date" keeps re-imports stable */
		const char *d = json_string_value(json_object_get(ev, "date"));
		int64_t us;
		if (!d || strlen(d) != 10 || stix_parse_time(arena_printf(g->a, "%sT00:00:00Z", d), &us)) {
			problem(g, "%s: needs a timestamp (epoch seconds) or a date (YYYY-MM-DD)", where);
			return KR_EINVAL;
		}
		ts = us / 1000000;
	}
	json_t *info = json_object_get(ev, "info");
	if (info && !json_is_string(info)) {
		problem(g, "%s: info must be a string", where);
		return KR_EINVAL;
	}
	struct tlp tlp = {-1};
	if (read_distribution(g, ev, &tlp, where))
		return KR_EINVAL;
	json_t *labels = json_array();
	int rc = read_tags(g, ev, &tlp, labels, where);
	json_t *attrs = json_object_get(ev, "Attribute"), *objs = json_object_get(ev, "Object");
	if (rc == KR_OK && attrs && !json_is_array(attrs)) {
		problem(g, "%s: Attribute must be a list", where);
		rc = KR_EINVAL;
	}
	if (rc == KR_OK && objs && !json_is_array(objs)) {
		problem(g, "%s: Object must be a list", where);
		rc = KR_EINVAL;
	}
	json_t *refs = json_array();
	size_t i;
	json_t *x;
	/* Every attribute is looked at even after a problem, so one answer
	 * lists all of them; only the document's cap stops early. */
	json_array_foreach (attrs, i, x) {
		if (rc == KR_ETOOBIG || rc == KR_ENOMEM)
			break;
		int r = do_attribute(g, x, arena_printf(g->a, "%s attribute %zu", where, i + 1), ts, tlp, refs);
		if (r && rc == KR_OK)
			rc = r;
	}
	json_array_foreach (objs, i, x) {
		if (rc == KR_ETOOBIG || rc == KR_ENOMEM)
			break;
		int r = do_object(g, x, arena_printf(g->a, "%s object %zu", where, i + 1), ts, tlp, refs);
		if (r && rc == KR_OK)
			rc = r;
	}
	if (rc == KR_OK && json_array_size(refs) == 0) {
		skip(g, "event without a mapped attribute (no report)");
	} else if (rc == KR_OK) {
		int64_t pub = misp_time(json_object_get(ev, "publish_timestamp"));
		const char *when = stix_time(g, ts);
		const char *name = json_string_value(info);
		const char *id = arena_printf(g->a, "report--%s",
					      uuid5(g, STIX_MISP_NS, arena_printf(g->a, "report:%s", uuid)));
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:O}", "type", "report", "spec_version",
				      "2.1", "id", id, "created", when, "modified", when, "name",
				      name && *name ? name : arena_printf(g->a, "MISP event %s", uuid), "report_types",
				      "threat-report", "published", pub > 0 ? stix_time(g, pub) : when, "object_refs",
				      refs);
		const char *org = json_string_value(json_object_get(json_object_get(ev, "Orgc"), "name"));
		if (o)
			json_object_set_new(o, "external_references",
					    org ? json_pack("[{s:s, s:s, s:s}]", "source_name", "MISP", "external_id", uuid,
							    "description", arena_printf(g->a, "created by %s", org))
						: json_pack("[{s:s, s:s}]", "source_name", "MISP", "external_id", uuid));
		if (o)
			set_common(o, tlp.level, labels);
		rc = add_obj(g, o, where);
		if (rc == KR_OK)
			g->m->reports++;
	}
	json_decref(refs);
	json_decref(labels);
	return rc;
}

/* Depth and string length before jansson parses (its own depth cap is
 * 2048; ours is the STIX store's). */
static const char *prescan(const char *s, size_t n)
{
	int depth = 0;
	bool in_str = false;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"' && (in_str = false, i - start > STIX_MAX_STRING))
				return "a string is longer than 1 MiB";
			continue;
		}
		if (ch == '"') {
			in_str = true;
			start = i;
		} else if ((ch == '{' || ch == '[') && ++depth > STIX_MAX_DEPTH) {
			return "nested deeper than 32 levels";
		} else if (ch == '}' || ch == ']') {
			depth--;
		}
	}
	return NULL;
}

int stix_misp_parse(struct arena *a, const char *json, size_t len, struct stix_misp *m)
{
	memset(m, 0, sizeof *m);
	struct gen g = {.a = a, .m = m};
	const char *why = NULL;
	if (len > STIX_MAX_DOC)
		why = "the document is larger than 32 MiB";
	else if (!utf8_valid(json, len))
		why = "the document is not UTF-8 text";
	else
		why = prescan(json, len);
	if (why) {
		problem(&g, "%s", why);
		return KR_EINVAL;
	}
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		problem(&g, "line %d, column %d: not valid JSON: %s", jerr.line, jerr.column, jerr.text);
		return KR_EINVAL;
	}
	json_t *list = NULL;
	if (json_is_array(root))
		list = root;
	else if (json_is_object(root) && json_is_array(json_object_get(root, "response")))
		list = json_object_get(root, "response");
	else if (json_is_object(root) && json_is_object(json_object_get(root, "response")))
		list = NULL; /* {"response":{"Event":...}}: one event */
	int rc = KR_OK;
	g.objs = json_array();
	if (list) {
		if (json_array_size(list) == 0)
			problem(&g, "%s", "the document holds no MISP event");
		size_t i;
		json_t *ev;
		json_array_foreach (list, i, ev) {
			int r = do_event(&g, ev, (int)i + 1);
			if (r && rc == KR_OK)
				rc = r;
			if (rc == KR_ETOOBIG || rc == KR_ENOMEM)
				break;
		}
	} else if (json_is_object(root)) {
		json_t *ev = json_object_get(root, "response") ? json_object_get(root, "response") : root;
		if (!json_object_get(ev, "Event") && !json_object_get(ev, "Attribute") && !json_object_get(ev, "uuid"))
			problem(&g, "%s", "not a MISP event: expected {\"Event\": {...}}, a list of events or {\"response\": [...]}");
		else
			rc = do_event(&g, ev, 1);
	} else {
		problem(&g, "%s", "not a MISP event: expected {\"Event\": {...}}, a list of events or {\"response\": [...]}");
	}
	json_decref(root);
	if (m->nproblems || rc) {
		json_decref(g.objs);
		if (!m->nproblems)
			problem(&g, "%s", rc == KR_ENOMEM ? "out of memory" : "the document cannot be imported");
		return KR_EINVAL;
	}
	json_t *env = json_pack("{s:o}", "objects", g.objs);
	char *text = env ? json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(env);
	if (!text) {
		problem(&g, "%s", "out of memory");
		return KR_EINVAL;
	}
	m->doc_len = strlen(text);
	m->doc = arena_memdup(a, text, m->doc_len + 1);
	free(text);
	return KR_OK;
}

int stix_import_misp(struct ctx *c, const char *collection, const char *json, size_t len, struct stix_misp *m,
		     struct stix_status *st)
{
	memset(st, 0, sizeof *st);
	int rc = stix_misp_parse(c->a, json, len, m);
	if (rc)
		return rc;
	rc = stix_ingest(c, collection, m->doc, m->doc_len, STIX_DOC_ENVELOPE, st);
	if (rc != KR_EINVAL)
		return rc;
	/* Name each refused object by the MISP event/attribute it came from. */
	struct gen g = {.a = c->a, .m = m};
	if (st->error)
		problem(&g, "%s", st->error);
	for (size_t i = 0; i < st->total; i++)
		if (st->items[i].reason)
			problem(&g, "%s: %s", i < m->nobjects ? m->origin[i] : "?", st->items[i].reason);
	if (!m->nproblems)
		problem(&g, "%s", "the document cannot be imported");
	return KR_EINVAL;
}
