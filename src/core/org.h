/* org.h - organisations (R1.1, R1.4). */
#ifndef KR_ORG_H
#define KR_ORG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/ctx.h"

/* Kinds (R1.1): coordination_center, security_agency, law_enforcement,
 * ministry, organiser, local_government, critical_service, venue,
 * sports_body, cti_vendor, security_info_center, other. */
extern const char *const org_kinds[];
extern const size_t org_nkinds;
/* Sectors of critical services (R1.1): telecom, broadcasting, finance, ... */
extern const char *const org_sectors[];
extern const size_t org_nsectors;
bool org_kind_valid(const char *kind);
bool org_sector_valid(const char *sector);

struct org {
	int64_t id;
	const char *slug;           /* public id: [a-z0-9-]{2,64} */
	const char *name_ja, *name_en;
	const char *kind, *sector;  /* sector NULL unless kind needs one */
	const char *status;         /* active | disabled */
	const char *contact_email, *contact_phone;
	const char *description;
	int64_t created_at, updated_at;
	int64_t people;             /* active people (lists only) */
};

struct org_filter {
	const char *kind;           /* NULL = any */
	const char *sector;
	const char *q;              /* substring of either name */
	const char *cursor;         /* opaque, from a previous page */
	int limit;                  /* 1..200, 0 = 50 */
};

struct org_page {
	struct org *items;
	size_t n;
	const char *next_cursor;    /* NULL on the last page */
	int64_t total;              /* matches of the filter */
};

/* Create an organisation (coordinators, admins, system).  Validates every
 * field; KR_EINVAL with *bad set to the offending field's key,
 * KR_ECONFLICT if the slug is taken.  Writes the audit row. */
int org_create(struct ctx *c, const struct org *in, int64_t *id_out, const char **bad);
int org_update(struct ctx *c, const char *slug, const struct org *in, const char **bad);
/* Look up by slug or id (active or not).  KR_ENOTFOUND when missing. */
int org_get(struct ctx *c, const char *slug, struct org *out);
int org_get_by_id(struct ctx *c, int64_t id, struct org *out);
/* Directory listing, keyset-paged by (name_en, id).  Any logged-in person. */
int org_list(struct ctx *c, const struct org_filter *f, struct org_page *out);

#endif
