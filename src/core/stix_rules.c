/* stix_rules.c - Suricata/Snort rules and the MISP feed from the STIX
 * store, streamed.  See stix_rules.h for the shapes and why. */
#include "core/stix_rules.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/acl.h"
#include "core/stix.h"
#include "core/stix_misp.h"
#include "core/stix_walk.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/digest.h"
#include "lib/util.h"
#include "store/db.h"

#define CHUNK 500
#define DAY_US 86400000000LL
#define DAYS_PER_CHUNK 31
#define MAX_SID 4294967295LL

static const char *const rule_kinds[] = {"ipv4-addr", "ipv6-addr", "domain-name", "url"};
static const char *const tlp_upper[] = {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"};
static const char *const tlp_colour[] = {"#CCCCCC", "#33FF00", "#FFC000", "#FFC000", "#FF2B2B"};

#define TLP_RANK                                                                                     \
	"CASE o.tlp WHEN 'clear' THEN 0 WHEN 'green' THEN 1 WHEN 'amber' THEN 2 WHEN 'amber+strict' THEN 3" \
	" ELSE 4 END"

static int tlp_index(const char *t)
{
	for (int i = 0; i < 5; i++)
		if (str_eq(t, stix_tlp_name((enum stix_tlp)i)))
			return i;
	return 4;
}

/* The viewer's next collection after e->comm_cur (only e->community_id
 * when one was asked for); comm_cur 0 when there is none. */
static int next_community(struct ctx *c, struct stix_rules *e)
{
	e->kind_i = 0;
	e->cur_value[0] = 0;
	e->cur_added = 0;
	e->cur_id = 0;
	e->day = 0;
	return stix_walk_next_community(c, e->community_id, &e->comm_cur, e->comm_slug, sizeof e->comm_slug,
					&e->comm_created);
}

/* ---- rules ---- */

/* A content string: printable ASCII except the characters rule syntax
 * gives a meaning to, which go as |hex|. */
static void content(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == ';' || *p == '\\' || *p == '|' || *p == ':')
			buf_printf(b, "|%02X|", *p);
		else
			buf_addc(b, (char)*p);
	}
}

/* msg text: the same set, escaped or replaced. */
static void msg(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == ';' || *p == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *p < 0x20 || *p >= 0x7f ? '?' : (char)*p);
	}
}

static bool ip_chars(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdefABCDEF:./", *s))
			return false;
	return true;
}

static void head(struct buf *b, const char *proto, const char *from, const char *to, const char *coll, int tlp,
		 const char *kind, const char *value)
{
	buf_printf(b, "alert %s %s -> %s (msg:\"Kairan ", proto, from, to);
	msg(b, coll);
	buf_printf(b, " TLP:%s %s ", tlp_upper[tlp], kind);
	msg(b, value);
	buf_adds(b, "\"; ");
}

static void tail(struct buf *b, int64_t sid, const char *coll, int tlp)
{
	buf_printf(b, "classtype:trojan-activity; sid:%lld; rev:1; metadata:kairan_collection ", (long long)sid);
	msg(b, coll);
	buf_printf(b, ", tlp %s;)\n", stix_tlp_name((enum stix_tlp)tlp));
}

/* host and path of an http(s) URL: false when it has neither shape. */
static bool split_url(struct arena *a, const char *u, bool *tls, char **host, char **path)
{
	const char *rest;
	if (!strncasecmp(u, "http://", 7)) {
		*tls = false;
		rest = u + 7;
	} else if (!strncasecmp(u, "https://", 8)) {
		*tls = true;
		rest = u + 8;
	} else {
		return false;
	}
	size_t hl = strcspn(rest, "/?#");
	const char *at = memchr(rest, '@', hl);
	if (at) { /* userinfo is not part of the Host header */
		hl -= (size_t)(at + 1 - rest);
		rest = at + 1;
	}
	*host = arena_strndup(a, rest, hl);
	char *colon = strrchr(*host, ':');
	if (colon && !strchr(*host, ']'))
		*colon = 0;
	for (char *h = *host; *h; h++)
		if (*h >= 'A' && *h <= 'Z')
			*h = (char)(*h - 'A' + 'a');
	const char *p = rest + hl;
	size_t pl = strcspn(p, "#");
	*path = arena_strndup(a, p, pl);
	return **host != 0;
}

static void rule_lines(struct ctx *c, struct stix_rules *e, struct buf *out, const char *kind, const char *value,
		       int tlp, int64_t sid)
{
	bool snort = e->fmt == STIX_RULES_SNORT;
	const char *coll = e->comm_slug;
	if (sid + 1 > MAX_SID) {
		buf_adds(out, "# sid space exhausted for ");
		msg(out, value);
		buf_adds(out, "\n");
		return;
	}
	if (!strcmp(kind, "ipv4-addr") || !strcmp(kind, "ipv6-addr")) {
		if (!ip_chars(value)) {
			buf_adds(out, "# not an address: ");
			msg(out, value);
			buf_adds(out, "\n");
			return;
		}
		char *to = arena_printf(c->a, "%s any", value);
		buf_printf(out, "alert ip $HOME_NET any <> %s (msg:\"Kairan ", to);
		msg(out, coll);
		buf_printf(out, " TLP:%s %s ", tlp_upper[tlp], kind);
		msg(out, value);
		buf_adds(out, "\"; ");
		tail(out, sid, coll, tlp);
	} else if (!strcmp(kind, "domain-name")) {
		if (!snort) {
			head(out, "dns", "$HOME_NET any", "any any", coll, tlp, kind, value);
			buf_adds(out, "dns.query; dotprefix; content:\".");
			content(out, value);
			buf_adds(out, "\"; nocase; endswith; ");
			tail(out, sid, coll, tlp);
			head(out, "tls", "$HOME_NET any", "any any", coll, tlp, kind, value);
			buf_adds(out, "tls.sni; dotprefix; content:\".");
			content(out, value);
			buf_adds(out, "\"; nocase; endswith; ");
			tail(out, sid + 1, coll, tlp);
			return;
		}
		/* Snort 2: the name as the DNS wire labels |len|label... */
		struct buf w = BUF_INIT;
		const char *s = value;
		bool ok = true;
		while (*s && ok) {
			size_t l = strcspn(s, ".");
			ok = l > 0 && l < 64;
			buf_printf(&w, "|%02X|", (unsigned)l);
			char *lab = arena_strndup(c->a, s, l);
			content(&w, lab);
			s += l;
			if (*s == '.')
				s++;
		}
		if (ok && w.len) {
			head(out, "udp", "$HOME_NET any", "any 53", coll, tlp, kind, value);
			buf_adds(out, "content:\"");
			buf_add(out, w.p, w.len);
			buf_adds(out, "|00|\"; nocase; fast_pattern; ");
			tail(out, sid, coll, tlp);
		} else {
			buf_adds(out, "# not a DNS name: ");
			msg(out, value);
			buf_adds(out, "\n");
		}
		buf_free(&w);
	} else if (!strcmp(kind, "url")) {
		bool tls;
		char *host, *path;
		if (!split_url(c->a, value, &tls, &host, &path)) {
			buf_adds(out, "# not an http(s) URL, no rule: ");
			msg(out, value);
			buf_adds(out, "\n");
			return;
		}
		if (tls) {
			/* the path is encrypted: the server name is what shows */
			head(out, snort ? "tcp" : "tls", "$HOME_NET any", snort ? "$EXTERNAL_NET 443" : "any any", coll, tlp,
			     kind, value);
			buf_adds(out, snort ? "flow:to_server,established; content:\"" : "tls.sni; content:\"");
			content(out, host);
			buf_adds(out, snort ? "\"; nocase; " : "\"; nocase; startswith; endswith; ");
		} else if (snort) {
			head(out, "tcp", "$HOME_NET any", "$EXTERNAL_NET $HTTP_PORTS", coll, tlp, kind, value);
			buf_adds(out, "flow:to_server,established; content:\"");
			content(out, host);
			buf_adds(out, "\"; http_header; nocase; ");
			if (*path) {
				buf_adds(out, "content:\"");
				content(out, path);
				buf_adds(out, "\"; http_uri; ");
			}
		} else {
			head(out, "http", "$HOME_NET any", "$EXTERNAL_NET any", coll, tlp, kind, value);
			buf_adds(out, "flow:established,to_server; http.host; content:\"");
			content(out, host);
			buf_adds(out, "\"; startswith; endswith; ");
			if (*path) {
				buf_adds(out, "http.uri; content:\"");
				content(out, path);
				buf_adds(out, "\"; startswith; endswith; ");
			}
		}
		tail(out, sid, coll, tlp);
	}
}

static void rules_header(struct ctx *c, struct stix_rules *e, struct buf *out)
{
	char t[40];
	stix_format_time(c->now * 1000, t, sizeof t);
	bool snort = e->fmt == STIX_RULES_SNORT;
	long long base = (long long)e->sid_base;
	buf_printf(out,
		   "# Kairan indicators as %s rules, made %s for %s.\n"
		   "# One rule per collection and value (addresses, domain names, URLs); TLP:RED is never exported.\n"
		   "# sid = %lld + 32 x first object row + 2 x value rank + rule (stable while that object is stored).\n",
		   snort ? "Snort 2.9" : "Suricata 6/7", t, c->who.login ? c->who.login : "?", base);
	if (snort) {
		buf_adds(out, "# File hashes: Snort 2 has no hash-list keyword; use the blocklist endpoint\n"
			      "#   GET /api/v1/indicators/blocklist/md5 (sha-1, sha-256) with your file-analysis tooling.\n");
		return;
	}
	buf_printf(out,
		   "# File hashes: filemd5/filesha1/filesha256 read a list file (one hex hash per line). Save\n"
		   "#   GET /api/v1/indicators/blocklist/md5     as kairan-md5.list\n"
		   "#   GET /api/v1/indicators/blocklist/sha-1   as kairan-sha1.list\n"
		   "#   GET /api/v1/indicators/blocklist/sha-256 as kairan-sha256.list\n"
		   "# in the rules directory, then uncomment (file extraction must be on):\n"
		   "# alert http any any -> any any (msg:\"Kairan file MD5 on the list\"; filemd5:kairan-md5.list; sid:%lld; rev:1;)\n"
		   "# alert http any any -> any any (msg:\"Kairan file SHA-1 on the list\"; filesha1:kairan-sha1.list; sid:%lld; rev:1;)\n"
		   "# alert http any any -> any any (msg:\"Kairan file SHA-256 on the list\"; filesha256:kairan-sha256.list; sid:%lld; rev:1;)\n",
		   base + 1, base + 2, base + 3);
}

static int rules_chunk(struct ctx *c, struct stix_rules *e, struct buf *out)
{
	int rc;
	if (e->comm_cur == 0 && (rc = next_community(c, e)))
		return rc;
	while (e->comm_cur != 0) {
		const char *kind = rule_kinds[e->kind_i];
		struct db_stmt *st;
		rc = db_prepare(c->db,
				"SELECT v.value, MIN(v.object_id), MAX(" TLP_RANK ") FROM stix_values v"
				" JOIN stix_objects o ON o.id = v.object_id"
				" WHERE v.kind = ?4 AND v.value > ?5 AND o.community_id = ?6 AND " ACL_STIX_PRED
				" AND o.tlp <> 'red' AND o.is_latest = 1 AND (o.valid_until IS NULL OR o.valid_until > ?7)"
				" GROUP BY v.value ORDER BY v.value LIMIT ?8",
				&st);
		if (rc)
			return rc;
		acl_viewer_binds(c, st);
		db_bind_text(st, 4, kind);
		db_bind_text(st, 5, e->cur_value);
		db_bind_int(st, 6, e->comm_cur);
		db_bind_int(st, 7, c->now);
		db_bind_int(st, 8, CHUNK);
		struct row {
			const char *value;
			int64_t anchor;
			int tlp;
		} *rows = arena_alloc(c->a, sizeof *rows * CHUNK);
		int n = 0;
		while (n < CHUNK && (rc = db_step(st)) == KR_ROW) {
			rows[n] = (struct row){db_col_dup(st, 0, c->a), db_col_int(st, 1), (int)db_col_int(st, 2)};
			n++;
		}
		db_done(st);
		if (rc < 0)
			return rc;
		for (int i = 0; i < n; i++) {
			/* the value's rank among its anchor object's values */
			rc = db_prepare(c->db,
					"SELECT COUNT(*) FROM stix_values WHERE object_id = ?1 AND (kind < ?2 OR"
					" (kind = ?2 AND value < ?3))",
					&st);
			if (rc)
				return rc;
			db_bind_int(st, 1, rows[i].anchor);
			db_bind_text(st, 2, kind);
			db_bind_text(st, 3, rows[i].value);
			int64_t rank = 0;
			if ((rc = db_step(st)) == KR_ROW)
				rank = db_col_int(st, 0);
			db_done(st);
			if (rc < 0)
				return rc;
			if (strpbrk(rows[i].value, "\r\n"))
				continue;
			int tlp = rows[i].tlp < 0 || rows[i].tlp > 3 ? 3 : rows[i].tlp;
			if (rank > 15) {
				buf_adds(out, "# more than 16 values in one object, no sid left for ");
				msg(out, rows[i].value);
				buf_adds(out, "\n");
			} else {
				rule_lines(c, e, out, kind, rows[i].value, tlp, e->sid_base + 32 * rows[i].anchor + 2 * rank);
			}
			e->rows++;
		}
		if (n > 0)
			snprintf(e->cur_value, sizeof e->cur_value, "%s", rows[n - 1].value);
		if (n == CHUNK)
			return 1;
		e->cur_value[0] = 0;
		if (++e->kind_i < (int)KR_ARRAY_LEN(rule_kinds))
			continue;
		if ((rc = next_community(c, e)))
			return rc;
		if (out->len > 0 && e->comm_cur != 0)
			return 1;
	}
	buf_printf(out, "# %lld values\n", (long long)e->rows);
	e->stage = 2;
	return 0;
}

/* ---- MISP feed ---- */

static void collection_hash(int64_t space, int64_t id, const char *slug, int64_t created, char out[65])
{
	char in[200];
	snprintf(in, sizeof in, "kairan-misp-feed:%lld:%lld:%s:%lld", (long long)space, (long long)id, slug,
		 (long long)created);
	sha256_hex(in, strlen(in), out);
}

/* UUIDv8: 25 hex digits of the collection hash, the day (4 hex) and the
 * TLP (1 digit): xxxxxxxx-xxxx-8xxx-8xxx-DDDDTxxxxxxx. */
static void event_uuid(const char *h, int64_t day, int tlp, char out[37])
{
	snprintf(out, 37, "%.8s-%.4s-8%.3s-8%.3s-%04x%d%.7s", h, h + 8, h + 12, h + 15, (unsigned)(day & 0xffff), tlp,
		 h + 18);
}

void stix_feed_event_uuid(int64_t space, int64_t community_id, const char *slug, int64_t created_at, int64_t day,
			  int tlp, char out[37])
{
	char h[65];
	collection_hash(space, community_id, slug, created_at, h);
	event_uuid(h, day, tlp, out);
}

static void json_str(struct buf *b, const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	buf_adds(b, t ? t : "\"\"");
	free(t);
}

static void day_str(int64_t day, char out[11])
{
	char t[40];
	stix_format_time(day * DAY_US, t, sizeof t);
	snprintf(out, 11, "%.10s", t);
}

/* The event's fields shared by the manifest and the event file. */
static void event_meta(struct ctx *c, struct stix_rules *e, struct buf *out, int64_t day, int tlp)
{
	char d[11];
	day_str(day, d);
	buf_adds(out, "\"info\":");
	json_str(out, arena_printf(c->a, "Kairan %s %s TLP:%s", e->comm_slug, d, tlp_upper[tlp]));
	buf_printf(out, ",\"date\":\"%s\",\"analysis\":\"2\",\"threat_level_id\":\"4\",\"published\":true,"
			"\"Orgc\":{\"name\":\"Kairan\",\"uuid\":\"%s\"},"
			"\"Tag\":[{\"name\":\"tlp:%s\",\"colour\":\"%s\",\"exportable\":true}]",
		   d, STIX_MISP_NS, stix_tlp_name((enum stix_tlp)tlp), tlp_colour[tlp]);
}

#define FEED_OBJ_PRED                                                                              \
	" o.community_id = ?4 AND " ACL_STIX_PRED " AND o.tlp <> 'red' AND o.is_latest = 1"                \
	" AND EXISTS (SELECT 1 FROM stix_values v WHERE v.object_id = o.id)"

static int manifest_chunk(struct ctx *c, struct stix_rules *e, struct buf *out)
{
	int rc;
	if (e->comm_cur == 0 && (rc = next_community(c, e)))
		return rc;
	char h[65];
	while (e->comm_cur != 0) {
		collection_hash(c->space, e->comm_cur, e->comm_slug, e->comm_created, h);
		for (int d = 0; d < DAYS_PER_CHUNK; d++) {
			/* the next day holding something (one index seek) */
			struct db_stmt *st;
			rc = db_prepare(c->db,
					"SELECT o.date_added_us FROM stix_objects o WHERE" FEED_OBJ_PRED
					" AND o.date_added_us >= ?5 ORDER BY o.date_added_us, o.id LIMIT 1",
					&st);
			if (rc)
				return rc;
			acl_viewer_binds(c, st);
			db_bind_int(st, 4, e->comm_cur);
			db_bind_int(st, 5, e->day * DAY_US);
			int64_t first = -1;
			if ((rc = db_step(st)) == KR_ROW)
				first = db_col_int(st, 0);
			db_done(st);
			if (rc < 0)
				return rc;
			if (first < 0)
				break;
			e->day = first / DAY_US;
			rc = db_prepare(c->db,
					"SELECT o.tlp, MAX(o.date_added_us) FROM stix_objects o WHERE" FEED_OBJ_PRED
					" AND o.date_added_us >= ?5 AND o.date_added_us < ?6 GROUP BY o.tlp ORDER BY o.tlp",
					&st);
			if (rc)
				return rc;
			acl_viewer_binds(c, st);
			db_bind_int(st, 4, e->comm_cur);
			db_bind_int(st, 5, e->day * DAY_US);
			db_bind_int(st, 6, (e->day + 1) * DAY_US);
			while ((rc = db_step(st)) == KR_ROW) {
				int tlp = tlp_index(db_col_text(st, 0));
				char u[37];
				event_uuid(h, e->day, tlp, u);
				buf_printf(out, "%s\"%s\":{", e->rows++ ? "," : "", u);
				event_meta(c, e, out, e->day, tlp);
				buf_printf(out, ",\"timestamp\":\"%lld\"}", (long long)(db_col_int(st, 1) / 1000000));
			}
			db_done(st);
			if (rc < 0)
				return rc;
			e->day++;
		}
		if (e->day > 0 && out->len > 0) {
			/* maybe more days: come back for them */
			struct db_stmt *st;
			rc = db_prepare(c->db,
					"SELECT 1 FROM stix_objects o WHERE" FEED_OBJ_PRED " AND o.date_added_us >= ?5 LIMIT 1",
					&st);
			if (rc)
				return rc;
			acl_viewer_binds(c, st);
			db_bind_int(st, 4, e->comm_cur);
			db_bind_int(st, 5, e->day * DAY_US);
			rc = db_step(st);
			db_done(st);
			if (rc == KR_ROW)
				return 1;
			if (rc < 0)
				return rc;
		}
		if ((rc = next_community(c, e)))
			return rc;
	}
	buf_adds(out, "}");
	e->stage = 2;
	return 0;
}

static const struct {
	const char *kind, *type, *category;
} misp_types[] = {
	{"ipv4-addr", "ip-dst", "Network activity"},    {"ipv6-addr", "ip-dst", "Network activity"},
	{"domain-name", "domain", "Network activity"},  {"url", "url", "Network activity"},
	{"email-addr", "email-src", "Payload delivery"}, {"file-name", "filename", "Payload delivery"},
	{"md5", "md5", "Payload delivery"},             {"sha-1", "sha1", "Payload delivery"},
	{"sha-256", "sha256", "Payload delivery"},      {"sha-512", "sha512", "Payload delivery"},
	{"ssdeep", "ssdeep", "Payload delivery"},       {"tlsh", "tlsh", "Payload delivery"},
};

/* One object of values_chunk: its values as event attributes, or as
 * hashes.csv lines. */
struct feed_obj {
	struct stix_rules *e;
	struct buf *out;
	bool event;
	int64_t added;
	const char *sid, *type;
	char uuid[37];
};

static int feed_value(void *arg, const char *kind, const char *value)
{
	struct feed_obj *o = arg;
	struct buf *out = o->out;
	size_t k = 0;
	while (k < KR_ARRAY_LEN(misp_types) && strcmp(misp_types[k].kind, kind) != 0)
		k++;
	if (k == KR_ARRAY_LEN(misp_types))
		return KR_OK;
	if (!o->event) {
		char md5[33];
		digest_md5_hex(value, strlen(value), md5);
		buf_printf(out, "%s,%s\n", md5, o->uuid);
		return KR_OK;
	}
	char name[2200], au[37];
	snprintf(name, sizeof name, "%s|%s|%s", o->sid, kind, value);
	digest_uuid5(STIX_MISP_NS, name, strlen(name), au);
	buf_printf(out, "%s{\"uuid\":\"%s\",\"event_uuid\":\"%s\",\"type\":\"%s\",\"category\":\"%s\",\"value\":",
		   o->e->rows++ ? "," : "", au, o->e->event_uuid, misp_types[k].type, misp_types[k].category);
	json_str(out, value);
	buf_printf(out, ",\"to_ids\":%s,\"timestamp\":\"%lld\",\"comment\":",
		   strcmp(o->type, "indicator") == 0 ? "true" : "false", (long long)(o->added / 1000000));
	json_str(out, o->sid);
	buf_adds(out, ",\"distribution\":\"5\",\"Tag\":[]}");
	return KR_OK;
}

/* Objects of the viewer's collections in (date_added, id) order with
 * their values: the event file (one bucket) and hashes.csv (all). */
static int values_chunk(struct ctx *c, struct stix_rules *e, struct buf *out)
{
	bool event = e->fmt == STIX_FEED_EVENT;
	int rc;
	if (!event && e->comm_cur == 0 && (rc = next_community(c, e)))
		return rc;
	char h[65];
	while (e->comm_cur != 0) {
		collection_hash(c->space, e->comm_cur, e->comm_slug, e->comm_created, h);
		struct stix_walk_obj *objs = arena_alloc(c->a, sizeof *objs * CHUNK);
		int n;
		if ((rc = stix_walk_objects(c, e->comm_cur, e->cur_added, e->cur_id,
					    event ? (e->day + 1) * DAY_US : INT64_MAX,
					    event ? stix_tlp_name((enum stix_tlp)e->tlp) : NULL, CHUNK, objs, &n)))
			return rc;
		for (int i = 0; i < n; i++) {
			struct feed_obj row = {e, out, event, objs[i].added, objs[i].sid, objs[i].type, ""};
			event_uuid(h, objs[i].added / DAY_US, tlp_index(objs[i].tlp), row.uuid);
			if ((rc = stix_walk_values(c, objs[i].id, feed_value, &row)))
				return rc;
			if (objs[i].added > e->max_added)
				e->max_added = objs[i].added;
		}
		if (n > 0) {
			e->cur_added = objs[n - 1].added;
			e->cur_id = objs[n - 1].id;
		}
		if (n == CHUNK)
			return 1;
		if (event)
			break;
		if ((rc = next_community(c, e)))
			return rc;
		if (out->len > 0 && e->comm_cur != 0)
			return 1;
	}
	if (event)
		buf_printf(out, "],\"timestamp\":\"%lld\"}}", (long long)(e->max_added / 1000000));
	e->stage = 2;
	return 0;
}

int stix_feed_event_find(struct ctx *c, const char *uuid, struct stix_rules *e)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (!uuid || strlen(uuid) != 36 || uuid[14] != '8' || uuid[19] != '8')
		return KR_ENOTFOUND;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? uuid[i] != '-' : !strchr("0123456789abcdef", uuid[i]))
			return KR_ENOTFOUND;
	}
	char dh[5] = {uuid[24], uuid[25], uuid[26], uuid[27], 0};
	int64_t day = strtol(dh, NULL, 16);
	int tlp = uuid[28] - '0';
	if (tlp < 0 || tlp > 3) /* never RED */
		return KR_ENOTFOUND;
	e->comm_cur = 0;
	int64_t want = e->community_id;
	for (;;) {
		int rc = next_community(c, e);
		if (rc)
			return rc;
		if (e->comm_cur == 0)
			return KR_ENOTFOUND;
		if (want && e->comm_cur != want)
			continue;
		char u[37];
		stix_feed_event_uuid(c->space, e->comm_cur, e->comm_slug, e->comm_created, day, tlp, u);
		if (!strcmp(u, uuid))
			break;
	}
	e->fmt = STIX_FEED_EVENT;
	e->day = day;
	e->tlp = tlp;
	e->cur_added = day * DAY_US - 1;
	e->cur_id = INT64_MAX;
	snprintf(e->event_uuid, sizeof e->event_uuid, "%s", uuid);
	return KR_OK;
}

int stix_rules_next(struct ctx *c, struct stix_rules *e, struct buf *out)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (e->stage == 2)
		return 0;
	if (e->stage == 0) {
		e->stage = 1;
		if (e->sid_base <= 0)
			e->sid_base = STIX_RULES_SID_BASE;
		switch (e->fmt) {
		case STIX_RULES_SURICATA:
		case STIX_RULES_SNORT:
			rules_header(c, e, out);
			break;
		case STIX_FEED_MANIFEST:
			buf_adds(out, "{");
			break;
		case STIX_FEED_EVENT:
			buf_printf(out, "{\"Event\":{\"uuid\":\"%s\",", e->event_uuid);
			event_meta(c, e, out, e->day, e->tlp);
			buf_adds(out, ",\"Attribute\":[");
			break;
		case STIX_FEED_HASHES:
			break;
		}
	}
	switch (e->fmt) {
	case STIX_RULES_SURICATA:
	case STIX_RULES_SNORT:
		return rules_chunk(c, e, out);
	case STIX_FEED_MANIFEST:
		return manifest_chunk(c, e, out);
	case STIX_FEED_HASHES:
	case STIX_FEED_EVENT:
		return values_chunk(c, e, out);
	}
	return KR_EINVAL;
}
