/* stix_query.c - the indicator list and detail queries of the web pages.
 * See stix_query.h.
 *
 * The list is keyset-paged on the row id (rows are numbered as they are
 * added, so "newest first" is "id descending" and the primary key serves
 * it); a value search is driven from the (kind, value) index of
 * stix_values instead, with an exact value or a prefix range (the range
 * finds the rows through the index, the substr() check keeps the match
 * exact whatever the collation).  Totals are counted up to a cap so a
 * page costs the same on a store of any size. */
#include "core/stix_query.h"

#include <jansson.h>
#include <string.h>

#include "core/acl.h"
#include "core/common.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

#define LIST_SELECT                                                                                 \
	"SELECT o.id, o.stix_id, o.type, o.tlp, o.json, o.date_added_us, o.valid_from, o.valid_until," \
	" c.slug, c.name_ja, c.name_en, g.slug, g.name_ja, g.name_en"
/* CROSS JOIN keeps SQLite starting from stix_objects (walking its primary
 * key newest first and stopping at the page) instead of starting from the
 * viewer's communities and sorting every row they hold; PostgreSQL plans
 * it as a plain join.  LIST_FILTERS holds the join conditions. */
#define LIST_FROM " FROM stix_objects o CROSS JOIN communities c CROSS JOIN orgs g"
#define LIST_COLS LIST_SELECT LIST_FROM
/* ?4 community (0 = any), ?5 type (NULL = any), ?6 tlp, ?7 org slug,
 * ?8 since, ?9 until (date added, microseconds, 0 = open), ?10 value
 * kind.  The optional filters are written so that without them SQLite
 * walks the primary key newest first and stops at the page: a bound
 * date range would make it prefer the date-added index and sort every
 * row. */
#define LIST_FILTERS                                                                                \
	" WHERE c.id = o.community_id AND g.id = o.org_id AND " ACL_STIX_PRED " AND o.is_latest = 1"   \
	" AND (CAST(?5 AS TEXT) IS NULL OR o.type = ?5)"                                                \
	" AND (CAST(?6 AS TEXT) IS NULL OR o.tlp = ?6)"                                                 \
	" AND (CAST(?7 AS TEXT) IS NULL OR g.slug = ?7)"                                                \
	" AND (CAST(?8 AS BIGINT) = 0 OR o.date_added_us >= ?8)"                                        \
	" AND (CAST(?9 AS BIGINT) = 0 OR o.date_added_us < ?9)"                                         \
	" AND (CAST(?10 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM stix_values k_"                     \
	" WHERE k_.object_id = o.id AND k_.kind = ?10))"
#define COMM_ANY " AND (CAST(?4 AS BIGINT) = 0 OR o.community_id = ?4)"
/* One collection without a value search: its (community_id,
 * date_added_us, id) index gives the rows newest first without a sort,
 * keyset on (date added, id). */
#define COMM_ONE " AND o.community_id = ?4"
/* ?11 low bound = the prefix, ?12 high bound, ?13 prefix length in
 * characters; every value kind is named so the index's first column is
 * always bound. */
#define VALUE_FILTER                                                                                \
	" AND o.id IN (SELECT v.object_id FROM stix_values v WHERE v.kind IN ('ipv4-addr', 'ipv6-addr'," \
	" 'domain-name', 'url', 'email-addr', 'file-name', 'md5', 'sha-1', 'sha-256', 'sha-512')"      \
	" AND (CAST(?10 AS TEXT) IS NULL OR v.kind = ?10)"                                              \
	" AND v.value >= ?11 AND v.value <= ?12 AND substr(v.value, 1, ?13) = ?11)"

#define RARE_KIND 20000

static const char *const tlps[] = {"clear", "green", "amber", "amber+strict", "red"};

static bool tlp_ok(const char *t)
{
	for (size_t i = 0; i < KR_ARRAY_LEN(tlps); i++)
		if (str_eq(t, tlps[i]))
			return true;
	return false;
}

static bool hex_hash(const char *s)
{
	size_t n = strlen(s);
	if (n != 32 && n != 40 && n != 64 && n != 128)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

static void bind_filters(struct ctx *c, struct db_stmt *st, const struct stix_list_filter *f, const char *type)
{
	acl_viewer_binds(c, st);
	db_bind_int(st, 4, f->community_id);
	db_bind_text(st, 5, type);
	db_bind_text(st, 6, f->tlp);
	db_bind_text(st, 7, f->org);
	db_bind_int(st, 8, f->since_ms > 0 ? f->since_ms * 1000 : 0);
	db_bind_int(st, 9, f->until_ms > 0 ? f->until_ms * 1000 : 0);
	db_bind_text(st, 10, f->kind);
}

/* name and pattern of a stored object, from its JSON. */
static void fill_from_json(struct arena *a, const char *text, const char **name, const char **pattern,
			   const char **description)
{
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);
	const char *n = json_string_value(json_object_get(o, "name"));
	const char *p = json_string_value(json_object_get(o, "pattern"));
	*name = n ? arena_strdup(a, n) : NULL;
	*pattern = p ? arena_strdup(a, p) : NULL;
	if (description) {
		const char *d = json_string_value(json_object_get(o, "description"));
		*description = d ? arena_strdup(a, d) : NULL;
	}
	json_decref(o);
}

static void read_row(struct ctx *c, struct db_stmt *st, struct stix_list_row *r)
{
	memset(r, 0, sizeof *r);
	r->row_id = db_col_int(st, 0);
	r->stix_id = db_col_dup(st, 1, c->a);
	r->type = db_col_dup(st, 2, c->a);
	r->tlp = db_col_dup(st, 3, c->a);
	fill_from_json(c->a, db_col_text(st, 4), &r->name, &r->pattern, NULL);
	r->date_added_us = db_col_int(st, 5);
	r->valid_from_ms = db_col_null(st, 6) ? 0 : db_col_int(st, 6);
	r->valid_until_ms = db_col_null(st, 7) ? 0 : db_col_int(st, 7);
	r->collection_slug = db_col_dup(st, 8, c->a);
	r->collection_ja = db_col_dup(st, 9, c->a);
	r->collection_en = db_col_dup(st, 10, c->a);
	r->org_slug = db_col_dup(st, 11, c->a);
	r->org_ja = db_col_dup(st, 12, c->a);
	r->org_en = db_col_dup(st, 13, c->a);
}

/* The first extracted value of a row and how many there are (up to 100). */
static int row_values(struct ctx *c, struct stix_list_row *r)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT kind, value FROM stix_values WHERE object_id = ?1 ORDER BY kind, value LIMIT 100",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, r->row_id);
	while ((rc = db_step(st)) == KR_ROW) {
		if (!r->nvalues++) {
			r->first_kind = db_col_dup(st, 0, c->a);
			r->first_value = db_col_dup(st, 1, c->a);
		}
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int stix_list(struct ctx *c, const struct stix_list_filter *f, struct stix_list_page *out, const char **bad)
{
	memset(out, 0, sizeof *out);
	*bad = NULL;
	int limit;
	if (page_limit(f->limit, STIX_LIST_DEFAULT, STIX_LIST_MAX, &limit))
		return *bad = "limit", KR_EINVAL;
	const char *type = f->type ? f->type : "indicator";
	if (str_eq(type, "any"))
		type = NULL;
	else if (!valid_line(type, 1, 250))
		return *bad = "type", KR_EINVAL;
	if (f->kind && !stix_value_kind_ok(f->kind))
		return *bad = "kind", KR_EINVAL;
	if (f->tlp && !tlp_ok(f->tlp))
		return *bad = "tlp", KR_EINVAL;
	if (f->org && !valid_line(f->org, 1, 200))
		return *bad = "org", KR_EINVAL;
	if (f->cursor < 0)
		return *bad = "cursor", KR_EINVAL;
	const char *value = NULL, *high = NULL;
	int64_t vlen = 0;
	if (f->value) {
		if (!valid_line(f->value, 1, 2048))
			return *bad = "value", KR_EINVAL;
		char *v = arena_strdup(c->a, f->value);
		if (hex_hash(v) || (f->prefix && f->kind && (str_eq(f->kind, "md5") || !strncmp(f->kind, "sha-", 4))))
			for (char *p = v; *p; p++)
				if (*p >= 'A' && *p <= 'F')
					*p = (char)(*p - 'A' + 'a');
		value = v;
		vlen = (int64_t)utf8_len(value, strlen(value));
		/* Past every value starting with the prefix: U+10FFFF sorts
		 * after any character in byte order. */
		high = f->prefix ? arena_printf(c->a, "%s\xf4\x8f\xbf\xbf", value) : value;
	}
	/* A value kind alone: a rare kind is the prefix "" of that kind, so
	 * the (kind, value) index drives the list; a common kind is checked
	 * per row (EXISTS on stix_values' primary key) while the newest rows
	 * are walked, which fills the page at once - driving from the index
	 * would materialise every value of the kind first (1.3 s for 200k
	 * domain names in a debug build).  "Rare" is decided by counting the
	 * kind's index entries up to a bound (an index-only probe). */
	if (!value && f->kind && c->who.person_id > 0) {
		struct db_stmt *pst;
		int prc = db_prepare(c->db, "SELECT COUNT(*) FROM (SELECT 1 FROM stix_values WHERE kind = ?1 LIMIT ?2) x", &pst);
		if (prc)
			return prc;
		db_bind_text(pst, 1, f->kind);
		db_bind_int(pst, 2, RARE_KIND + 1);
		int64_t nk = RARE_KIND + 1;
		if ((prc = db_step(pst)) == KR_ROW)
			nk = db_col_int(pst, 0);
		db_done(pst);
		if (prc < 0)
			return prc;
		if (nk <= RARE_KIND) {
			value = "";
			high = "\xf4\x8f\xbf\xbf";
		}
	}
	if (c->who.person_id <= 0)
		return KR_OK;

	/* The total, stopped at the cap. */
	struct db_stmt *st;
	int rc;
	bool one = !value && f->community_id > 0;
	if (value)
		rc = db_prepare(c->db,
				"SELECT COUNT(*) FROM (SELECT 1" LIST_FROM
				LIST_FILTERS COMM_ANY VALUE_FILTER " LIMIT ?14) x",
				&st);
	else if (one)
		rc = db_prepare(c->db, "SELECT COUNT(*) FROM (SELECT 1" LIST_FROM LIST_FILTERS COMM_ONE " LIMIT ?11) x",
				&st);
	else
		rc = db_prepare(c->db, "SELECT COUNT(*) FROM (SELECT 1" LIST_FROM LIST_FILTERS COMM_ANY " LIMIT ?11) x",
				&st);
	if (rc)
		return rc;
	bind_filters(c, st, f, type);
	if (value) {
		db_bind_text(st, 11, value);
		db_bind_text(st, 12, high);
		db_bind_int(st, 13, vlen);
		db_bind_int(st, 14, STIX_LIST_COUNT_CAP + 1);
	} else {
		db_bind_int(st, 11, STIX_LIST_COUNT_CAP + 1);
	}
	if ((rc = db_step(st)) == KR_ROW) {
		out->total = db_col_int(st, 0);
		rc = KR_OK;
	}
	db_done(st);
	if (rc)
		return rc < 0 ? rc : KR_EDB;
	if (out->total > STIX_LIST_COUNT_CAP) {
		out->total = STIX_LIST_COUNT_CAP;
		out->total_more = true;
	}

	int64_t cur = f->cursor > 0 ? f->cursor : INT64_MAX, cur_added = INT64_MAX;
	if (one && f->cursor > 0) {
		/* where the cursor's row stands in (date added, id) order; a
		 * row the viewer may not see is refused like a missing one, or
		 * the answer would tell it exists and when it was added */
		if ((rc = db_prepare(c->db,
				     "SELECT o.date_added_us FROM stix_objects o WHERE o.id = ?4 AND " ACL_STIX_PRED, &st)))
			return rc;
		acl_viewer_binds(c, st);
		db_bind_int(st, 4, f->cursor);
		rc = db_step(st);
		if (rc == KR_ROW)
			cur_added = db_col_int(st, 0);
		db_done(st);
		if (rc == KR_DONE)
			return *bad = "cursor", KR_EINVAL;
		if (rc < 0)
			return rc;
	}
	if (value)
		rc = db_prepare(c->db,
				"" LIST_COLS LIST_FILTERS COMM_ANY VALUE_FILTER " AND o.id < ?14 ORDER BY o.id DESC LIMIT ?15",
				&st);
	else if (one)
		rc = db_prepare(c->db,
				"" LIST_COLS LIST_FILTERS COMM_ONE " AND (o.date_added_us, o.id) < (?11, ?12)"
				" ORDER BY o.date_added_us DESC, o.id DESC LIMIT ?13",
				&st);
	else
		rc = db_prepare(c->db, "" LIST_COLS LIST_FILTERS COMM_ANY " AND o.id < ?11 ORDER BY o.id DESC LIMIT ?12",
				&st);
	if (rc)
		return rc;
	bind_filters(c, st, f, type);
	if (one) {
		db_bind_int(st, 11, cur_added);
		db_bind_int(st, 12, cur);
		db_bind_int(st, 13, limit + 1);
	} else if (value) {
		db_bind_text(st, 11, value);
		db_bind_text(st, 12, high);
		db_bind_int(st, 13, vlen);
		db_bind_int(st, 14, cur);
		db_bind_int(st, 15, limit + 1);
	} else {
		db_bind_int(st, 11, cur);
		db_bind_int(st, 12, limit + 1);
	}
	out->rows = arena_alloc(c->a, sizeof *out->rows * (size_t)(limit + 1));
	bool more = false;
	while ((rc = db_step(st)) == KR_ROW) {
		if (out->n == (size_t)limit) {
			more = true;
			break;
		}
		read_row(c, st, &out->rows[out->n++]);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (more)
		out->next_cursor = out->rows[out->n - 1].row_id;
	for (size_t i = 0; i < out->n; i++)
		if ((rc = row_values(c, &out->rows[i])))
			return rc;
	return KR_OK;
}

/* ---- one object ---- */

static bool valid_stix_id(const char *s)
{
	if (!valid_line(s, 5, 300))
		return false;
	const char *d = strstr(s, "--");
	if (!d || d == s || strlen(d + 2) != 36)
		return false;
	for (const char *p = s; p < d; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	for (const char *p = d + 2; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') || *p == '-'))
			return false;
	return true;
}

static int load_versions(struct ctx *c, struct stix_detail *d, int64_t community_id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT o.id, o.modified, o.created, o.version_us, o.date_added_us, o.is_latest"
			    " FROM stix_objects o WHERE " ACL_STIX_PRED " AND o.stix_id = ?4 AND o.community_id = ?5"
			    " ORDER BY o.version_us DESC LIMIT 100",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, d->row.stix_id);
	db_bind_int(st, 5, community_id);
	d->versions = arena_alloc(c->a, sizeof *d->versions * 100);
	while ((rc = db_step(st)) == KR_ROW && d->nversions < 100) {
		struct stix_version *v = &d->versions[d->nversions++];
		v->row_id = db_col_int(st, 0);
		v->version = db_col_null(st, 1) ? db_col_dup(st, 2, c->a) : db_col_dup(st, 1, c->a);
		v->version_us = db_col_int(st, 3);
		v->date_added_us = db_col_int(st, 4);
		v->latest = db_col_int(st, 5) != 0;
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

#define DETAIL_VALUES 100
#define CORRELATED_VALUES 30

static int load_values(struct ctx *c, struct stix_detail *d)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT kind, value FROM stix_values WHERE object_id = ?1 ORDER BY kind, value LIMIT ?2",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, d->row.row_id);
	db_bind_int(st, 2, DETAIL_VALUES);
	d->values = arena_alloc(c->a, sizeof *d->values * DETAIL_VALUES);
	while ((rc = db_step(st)) == KR_ROW && d->nvalues < DETAIL_VALUES) {
		struct stix_value_corr *v = &d->values[d->nvalues++];
		v->kind = db_col_dup(st, 0, c->a);
		v->value = db_col_dup(st, 1, c->a);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* Correlation counts: a few index probes per value, so only for the
	 * first values of an object that holds very many. */
	for (size_t i = 0; i < d->nvalues && i < CORRELATED_VALUES; i++) {
		rc = stix_correlate(c, d->values[i].kind, d->values[i].value, &d->values[i].corr);
		if (rc == KR_EINVAL) {
			memset(&d->values[i].corr, 0, sizeof d->values[i].corr);
			rc = KR_OK;
		}
		if (rc)
			return rc;
	}
	return KR_OK;
}

#define MAX_SIGHTINGS 50

/* Sightings of this object in the collections the viewer may see.  The
 * store keeps no column for sighting_of_ref, so the sightings are found
 * by their JSON text and checked after parsing.  The sighting rows (s_)
 * come first, through the partial index stix_objects_sightings
 * (migration 6), so the cost follows the number of sightings, not the
 * size of the store; CROSS JOIN keeps SQLite from starting at the
 * viewer's collections instead. */
static int load_sightings(struct ctx *c, struct stix_detail *d)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT o.stix_id, c.slug, g.name_ja, g.name_en, o.json, o.date_added_us FROM stix_objects s_"
			    " CROSS JOIN stix_objects o CROSS JOIN communities c CROSS JOIN orgs g"
			    " WHERE s_.type = 'sighting' AND s_.is_latest = 1 AND s_.json LIKE ?4 ESCAPE '\\'"
			    " AND o.id = s_.id AND c.id = o.community_id AND g.id = o.org_id AND " ACL_STIX_PRED
			    " ORDER BY o.id DESC LIMIT ?5",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, like_pattern(c->a, arena_printf(c->a, "\"sighting_of_ref\":\"%s\"", d->row.stix_id)));
	db_bind_int(st, 5, MAX_SIGHTINGS);
	d->sightings = arena_alloc(c->a, sizeof *d->sightings * MAX_SIGHTINGS);
	while ((rc = db_step(st)) == KR_ROW && d->nsightings < MAX_SIGHTINGS) {
		json_error_t e;
		json_t *o = json_loads(db_col_text(st, 4), 0, &e);
		if (!str_eq(json_string_value(json_object_get(o, "sighting_of_ref")), d->row.stix_id)) {
			json_decref(o);
			continue;
		}
		struct stix_sighting *s = &d->sightings[d->nsightings++];
		s->stix_id = db_col_dup(st, 0, c->a);
		s->collection_slug = db_col_dup(st, 1, c->a);
		s->org_ja = db_col_dup(st, 2, c->a);
		s->org_en = db_col_dup(st, 3, c->a);
		s->date_added_us = db_col_int(st, 5);
		const char *fs = json_string_value(json_object_get(o, "first_seen"));
		const char *ls = json_string_value(json_object_get(o, "last_seen"));
		s->first_seen = fs ? arena_strdup(c->a, fs) : NULL;
		s->last_seen = ls ? arena_strdup(c->a, ls) : NULL;
		json_t *cnt = json_object_get(o, "count");
		s->count = json_is_integer(cnt) ? json_integer_value(cnt) : -1;
		json_decref(o);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

static int load_elsewhere(struct ctx *c, struct stix_detail *d, int64_t community_id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT DISTINCT c.slug, c.name_ja, c.name_en FROM stix_objects o"
			    " JOIN communities c ON c.id = o.community_id"
			    " WHERE " ACL_STIX_PRED " AND o.stix_id = ?4 AND o.community_id <> ?5 ORDER BY c.slug LIMIT 20",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, d->row.stix_id);
	db_bind_int(st, 5, community_id);
	d->elsewhere = arena_alloc(c->a, sizeof *d->elsewhere * 20);
	while ((rc = db_step(st)) == KR_ROW && d->nelsewhere < 20) {
		struct stix_where *w = &d->elsewhere[d->nelsewhere++];
		w->collection_slug = db_col_dup(st, 0, c->a);
		w->collection_ja = db_col_dup(st, 1, c->a);
		w->collection_en = db_col_dup(st, 2, c->a);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
}

int stix_detail_get(struct ctx *c, const char *stix_id, const char *collection_slug, int64_t version_us,
		    struct stix_detail *out)
{
	memset(out, 0, sizeof *out);
	if (!valid_stix_id(stix_id) || (collection_slug && !valid_line(collection_slug, 1, 200)) || version_us < 0)
		return KR_EINVAL;
	if (c->who.person_id <= 0)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "" LIST_SELECT ", o.json, o.spec_version, o.created, o.modified, o.confidence, o.community_id"
			    LIST_FROM " WHERE c.id = o.community_id AND g.id = o.org_id AND " ACL_STIX_PRED " AND o.stix_id = ?4 AND (CAST(?5 AS TEXT) IS NULL OR c.slug = ?5)"
			    " AND (CAST(?6 AS BIGINT) = 0 OR o.version_us = ?6)"
			    " ORDER BY o.version_us DESC, o.date_added_us DESC, o.id DESC LIMIT 1",
			    &st);
	if (rc)
		return rc;
	acl_viewer_binds(c, st);
	db_bind_text(st, 4, stix_id);
	db_bind_text(st, 5, collection_slug);
	db_bind_int(st, 6, version_us);
	int64_t community_id = 0;
	rc = db_step(st);
	if (rc == KR_ROW) {
		read_row(c, st, &out->row);
		fill_from_json(c->a, db_col_text(st, 14), &out->row.name, &out->row.pattern, &out->description);
		out->json = db_col_dup(st, 14, c->a);
		out->spec_version = db_col_dup(st, 15, c->a);
		out->created = db_col_null(st, 16) ? NULL : db_col_dup(st, 16, c->a);
		out->modified = db_col_null(st, 17) ? NULL : db_col_dup(st, 17, c->a);
		out->confidence = db_col_null(st, 18) ? -1 : db_col_int(st, 18);
		community_id = db_col_int(st, 19);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	if (rc)
		return rc;
	if ((rc = load_versions(c, out, community_id)) || (rc = load_values(c, out)) ||
	    (rc = load_sightings(c, out)) || (rc = load_elsewhere(c, out, community_id)))
		return rc;
	return KR_OK;
}
