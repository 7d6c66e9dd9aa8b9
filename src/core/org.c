/* org.c - organisations: kinds and sectors of R1.1, create/update, the
 * directory listing (keyset paged by English name). */
#include "core/org.h"

#include <string.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/common.h"
#include "core/community.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

const char *const org_kinds[] = {
	"coordination_center", "security_agency", "law_enforcement", "ministry",
	"organiser", "local_government", "critical_service", "venue",
	"sports_body", "cti_vendor", "security_info_center", "other",
};
const size_t org_nkinds = KR_ARRAY_LEN(org_kinds);

const char *const org_sectors[] = {
	"telecom", "broadcasting", "finance", "aviation", "railway", "electricity",
	"gas", "water", "logistics", "credit", "local_gov_services", "sewerage",
	"airports", "traffic_control", "emergency_calls", "weather_disaster",
	"immigration", "expressways", "district_heating", "bus", "security_services",
	"travel", "hospitals", "venues",
};
const size_t org_nsectors = KR_ARRAY_LEN(org_sectors);

static bool in_list(const char *s, const char *const *list, size_t n)
{
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

bool org_kind_valid(const char *kind) { return in_list(kind, org_kinds, org_nkinds); }
bool org_sector_valid(const char *sector) { return in_list(sector, org_sectors, org_nsectors); }

/* Field checks shared by create and update; *bad names the first bad field. */
static int org_validate(const struct org *in, const char **bad)
{
	if (!valid_line(in->name_ja, 1, 200))
		return *bad = "name_ja", KR_EINVAL;
	if (!valid_line(in->name_en, 1, 200))
		return *bad = "name_en", KR_EINVAL;
	if (!org_kind_valid(in->kind))
		return *bad = "kind", KR_EINVAL;
	/* A sector belongs to critical services (and venues, which JISP lists
	 * as a sector too); other kinds have none. */
	bool needs = strcmp(in->kind, "critical_service") == 0;
	if (needs && !org_sector_valid(in->sector))
		return *bad = "sector", KR_EINVAL;
	if (!needs && !str_empty(in->sector) && !org_sector_valid(in->sector))
		return *bad = "sector", KR_EINVAL;
	if (!str_empty(in->contact_email) && !valid_email(in->contact_email))
		return *bad = "contact_email", KR_EINVAL;
	if (!valid_line(in->contact_phone, 0, 40))
		return *bad = "contact_phone", KR_EINVAL;
	if (!valid_text(in->description, 4000))
		return *bad = "description", KR_EINVAL;
	return KR_OK;
}

int org_create(struct ctx *c, const struct org *in, int64_t *id_out, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	if (!acl_can_create_org(c))
		return KR_EPERM;
	if (!valid_ident(in->slug, 2, 64) || strchr(in->slug, '.') || strchr(in->slug, '_'))
		return *bad = "slug", KR_EINVAL;
	int rc = org_validate(in, bad);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st = NULL;
	rc = db_prepare(c->db,
			"INSERT INTO orgs (slug, name_ja, name_en, kind, sector, status, contact_email,"
			" contact_phone, description, created_at, updated_at)"
			" VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?9, ?9) RETURNING id",
			&st);
	if (rc)
		goto done;
	db_bind_text(st, 1, in->slug);
	db_bind_text(st, 2, in->name_ja);
	db_bind_text(st, 3, in->name_en);
	db_bind_text(st, 4, in->kind);
	db_bind_text(st, 5, str_empty(in->sector) ? NULL : in->sector);
	db_bind_text(st, 6, str_empty(in->contact_email) ? NULL : in->contact_email);
	db_bind_text(st, 7, in->contact_phone ? in->contact_phone : "");
	db_bind_text(st, 8, in->description ? in->description : "");
	db_bind_int(st, 9, c->now);
	rc = db_step(st);
	if (rc == KR_ROW) {
		int64_t id = db_col_int(st, 0);
		if (id_out)
			*id_out = id;
		db_done(st);
		st = NULL;
		rc = audit(c, "org.create", "org", in->slug, id, in->name_en);
		/* Its private observation-notice community (and a CTI vendor's
		 * information community) come with it (R3.1). */
		if (rc == KR_OK)
			rc = community_init_for_org(c, id, in->slug, in->name_ja, in->name_en, in->kind);
	} else if (rc == KR_ECONFLICT) {
		*bad = "slug";
	} else if (rc == KR_DONE) {
		rc = KR_EDB;
	}
done:
	db_done(st);
	return tx_end(c, rc);
}

int org_update(struct ctx *c, const char *slug, const struct org *in, const char **bad)
{
	const char *dummy;
	if (!bad)
		bad = &dummy;
	*bad = NULL;
	struct org cur;
	int rc = org_get(c, slug, &cur);
	if (rc)
		return rc;
	if (!acl_can_manage_org(c, cur.id))
		return KR_EPERM;
	/* Org-admins may edit their contact details but not kind or sector. */
	struct org upd = *in;
	if (!acl_is_staff(c)) {
		upd.kind = cur.kind;
		upd.sector = cur.sector;
		upd.name_ja = cur.name_ja;
		upd.name_en = cur.name_en;
	}
	if ((rc = org_validate(&upd, bad)))
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st = NULL;
	rc = db_prepare(c->db,
			"UPDATE orgs SET name_ja = ?1, name_en = ?2, kind = ?3, sector = ?4,"
			" contact_email = ?5, contact_phone = ?6, description = ?7, updated_at = ?8"
			" WHERE id = ?9",
			&st);
	if (rc)
		goto done;
	db_bind_text(st, 1, upd.name_ja);
	db_bind_text(st, 2, upd.name_en);
	db_bind_text(st, 3, upd.kind);
	db_bind_text(st, 4, str_empty(upd.sector) ? NULL : upd.sector);
	db_bind_text(st, 5, str_empty(upd.contact_email) ? NULL : upd.contact_email);
	db_bind_text(st, 6, upd.contact_phone ? upd.contact_phone : "");
	db_bind_text(st, 7, upd.description ? upd.description : "");
	db_bind_int(st, 8, c->now);
	db_bind_int(st, 9, cur.id);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	st = NULL;
	if (rc == KR_OK)
		rc = audit(c, "org.update", "org", cur.slug, cur.id, NULL);
done:
	db_done(st);
	return tx_end(c, rc);
}

#define ORG_COLS \
	"o.id, o.slug, o.name_ja, o.name_en, o.kind, o.sector, o.status, o.contact_email," \
	" o.contact_phone, o.description, o.created_at, o.updated_at"

static void org_row(struct db_stmt *st, struct arena *a, struct org *o)
{
	o->id = db_col_int(st, 0);
	o->slug = db_col_dup(st, 1, a);
	o->name_ja = db_col_dup(st, 2, a);
	o->name_en = db_col_dup(st, 3, a);
	o->kind = db_col_dup(st, 4, a);
	o->sector = db_col_dup(st, 5, a);
	o->status = db_col_dup(st, 6, a);
	o->contact_email = db_col_dup(st, 7, a);
	o->contact_phone = db_col_dup(st, 8, a);
	o->description = db_col_dup(st, 9, a);
	o->created_at = db_col_int(st, 10);
	o->updated_at = db_col_int(st, 11);
}

struct org_fill {
	struct arena *a;
	struct org *out;
};

static void org_fill_cb(struct db_stmt *st, void *ud)
{
	struct org_fill *f = ud;
	org_row(st, f->a, f->out);
}

static int org_fetch(struct ctx *c, struct db_stmt *st, struct org *out)
{
	struct org_fill f = {c->a, out};
	return db_fetch(st, org_fill_cb, &f);
}

int org_get(struct ctx *c, const char *slug, struct org *out)
{
	memset(out, 0, sizeof *out);
	if (!valid_line(slug, 1, 64))
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT " ORG_COLS " FROM orgs o WHERE o.slug = ?1", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, slug);
	return org_fetch(c, st, out);
}

int org_get_by_id(struct ctx *c, int64_t id, struct org *out)
{
	memset(out, 0, sizeof *out);
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT " ORG_COLS " FROM orgs o WHERE o.id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	return org_fetch(c, st, out);
}

int org_list(struct ctx *c, const struct org_filter *f, struct org_page *out)
{
	memset(out, 0, sizeof *out);
	if (!acl_logged_in(c))
		return KR_EPERM;
	int limit;
	if (page_limit(f->limit, 50, 200, &limit))
		return KR_EINVAL;
	if (f->kind && !org_kind_valid(f->kind))
		return KR_EINVAL;
	if (f->sector && !org_sector_valid(f->sector))
		return KR_EINVAL;
	if (f->q && !valid_line(f->q, 0, 100))
		return KR_EINVAL;
	const char *after_name = NULL;
	int64_t after_id = 0;
	if (f->cursor && cursor_parse(c->a, f->cursor, &after_name, &after_id))
		return KR_EINVAL;
	const char *like = str_empty(f->q) ? NULL : like_pattern(c->a, f->q);

/* One WHERE clause for the page and its count, so they always agree. */
#define ORG_FILTER \
	" WHERE o.status = 'active' AND (CAST(?1 AS TEXT) IS NULL OR o.kind = ?1) AND (CAST(?2 AS TEXT) IS NULL OR o.sector = ?2)" \
	" AND (CAST(?3 AS TEXT) IS NULL OR lower(o.name_ja) LIKE ?3 ESCAPE '\\' OR lower(o.name_en) LIKE ?3 ESCAPE '\\'" \
	" OR o.slug LIKE ?3 ESCAPE '\\')"

	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT COUNT(*) FROM orgs o" ORG_FILTER, &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, f->kind);
	db_bind_text(st, 2, f->sector);
	db_bind_text(st, 3, like);
	if (db_step(st) == KR_ROW)
		out->total = db_col_int(st, 0);
	db_done(st);

	rc = db_prepare(c->db,
			"SELECT " ORG_COLS ","
			" (SELECT COUNT(*) FROM people p WHERE p.org_id = o.id AND p.status = 'active')"
			" FROM orgs o" ORG_FILTER
			" AND (CAST(?4 AS TEXT) IS NULL OR o.name_en > ?4 OR (o.name_en = ?4 AND o.id > ?5))"
			" ORDER BY o.name_en, o.id LIMIT ?6",
			&st);
	if (rc)
		return rc;
	db_bind_text(st, 1, f->kind);
	db_bind_text(st, 2, f->sector);
	db_bind_text(st, 3, like);
	db_bind_text(st, 4, after_name);
	db_bind_int(st, 5, after_id);
	db_bind_int(st, 6, limit + 1);
	out->items = arena_alloc(c->a, sizeof(struct org) * (size_t)(limit + 1));
	while ((rc = db_step(st)) == KR_ROW) {
		if (out->n == (size_t)limit) {
			struct org *last = &out->items[out->n - 1];
			out->next_cursor = cursor_make(c->a, last->name_en, last->id);
			break;
		}
		struct org *o = &out->items[out->n++];
		org_row(st, c->a, o);
		o->people = db_col_int(st, 12);
	}
	db_done(st);
	return rc < 0 ? rc : KR_OK;
#undef ORG_FILTER
}
