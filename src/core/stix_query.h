/* stix_query.h - what the indicator pages (web/indicator.c) ask of the
 * STIX store beyond TAXII's queries (core/stix.h): a filtered, keyset-paged
 * list of the objects a viewer may see, one object with its versions,
 * extracted values, sightings and the other collections holding it, and
 * imports of large files run as jobs with their progress.
 *
 * Every query here applies ACL_STIX_PRED (core/acl.h) for the viewer; an
 * object the viewer may not see is KR_ENOTFOUND exactly like a missing
 * one.  All strings returned live in the ctx's arena. */
#ifndef KR_STIX_QUERY_H
#define KR_STIX_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"
#include "core/stix.h"
#include "lib/kr.h"

#define STIX_LIST_DEFAULT 20
#define STIX_LIST_MAX 100
#define STIX_LIST_COUNT_CAP 1000   /* totals stop here ("1000件以上") */

/* Filters of the indicator list; zero / NULL = not filtered.  Values are
 * checked: a bad one is KR_EINVAL with *bad naming the parameter. */
struct stix_list_filter {
	int64_t community_id;   /* one collection (stix_collection_by_slug) */
	const char *type;       /* STIX type; NULL = "indicator"; "any" = every type */
	const char *kind;       /* value kind (stix_value_kind_ok): objects holding one */
	const char *tlp;        /* clear green amber amber+strict red */
	const char *org;        /* contributing organisation's slug */
	int64_t since_ms, until_ms; /* date added: since <= added < until */
	const char *value;      /* value search (with kind, or any kind) */
	bool prefix;            /* value is a prefix, not the exact value */
	int64_t cursor;         /* row id of the last row of the previous page */
	int limit;              /* 0 = STIX_LIST_DEFAULT, 1..STIX_LIST_MAX */
};

/* One listed object version (the latest of its id in its collection). */
struct stix_list_row {
	int64_t row_id;
	const char *stix_id, *type, *tlp, *name, *pattern;
	const char *collection_slug, *collection_ja, *collection_en;
	const char *org_slug, *org_ja, *org_en;
	int64_t date_added_us;
	int64_t valid_from_ms, valid_until_ms; /* 0 = absent */
	const char *first_kind, *first_value;  /* one extracted value, or NULL */
	int64_t nvalues;
};

struct stix_list_page {
	struct stix_list_row *rows;
	size_t n;
	int64_t next_cursor;    /* 0 on the last page */
	int64_t total;          /* capped at STIX_LIST_COUNT_CAP */
	bool total_more;        /* more than the cap */
};

/* The latest versions the viewer may see, newest first (row id
 * descending: rows are numbered in the order they were added), filtered.
 * A value search is driven by the (kind, value) index of stix_values: an
 * exact value or a prefix range, hex hashes in lower case as stored. */
int stix_list(struct ctx *c, const struct stix_list_filter *f, struct stix_list_page *out, const char **bad);

/* One version of an object, what the detail page shows. */
struct stix_version {
	int64_t row_id;
	const char *version;     /* modified / created as received, or "" */
	int64_t version_us, date_added_us;
	bool latest;
};
struct stix_value_corr {
	const char *kind, *value;
	struct stix_correlation corr;  /* counted over what the viewer may see */
};
struct stix_sighting {
	const char *stix_id, *collection_slug, *org_ja, *org_en;
	const char *first_seen, *last_seen; /* as received, or NULL */
	int64_t count;                       /* -1 when absent */
	int64_t date_added_us;
};
struct stix_where {
	const char *collection_slug, *collection_ja, *collection_en;
};
struct stix_detail {
	struct stix_list_row row;
	const char *json;          /* the object as received */
	const char *spec_version, *created, *modified;
	int64_t confidence;        /* -1 when absent */
	const char *description;
	struct stix_version *versions; size_t nversions;   /* newest first */
	struct stix_value_corr *values; size_t nvalues;
	struct stix_sighting *sightings; size_t nsightings; /* at most 50 */
	struct stix_where *elsewhere; size_t nelsewhere;   /* other collections with this id */
};

/* The object stix_id in collection collection_slug (NULL: the one added
 * last among the viewer's collections), at version version_us (0: the
 * latest the viewer may see).  KR_ENOTFOUND when missing or hidden,
 * KR_EINVAL for a malformed id. */
int stix_detail_get(struct ctx *c, const char *stix_id, const char *collection_slug, int64_t version_us,
		    struct stix_detail *out);

/* ---- imports run as jobs ----
 *
 * stix_import_start stores an uploaded file (format "stix": a bundle;
 * "csv": type,value[,tlp,comment]) for the collection named by slug and
 * queues a "stix_import" job; the viewer must be able to write there
 * (KR_EPERM) and see it (KR_ENOTFOUND).  The file must be UTF-8 text of
 * at most STIX_MAX_DOC bytes (KR_EINVAL).  *uuid names the import.
 * stix_import_run_job runs it as the person who uploaded it: the file is
 * checked whole first, then stored in one transaction (all or nothing:
 * on any error nothing is stored and the import records the precise
 * reasons); progress (objects processed / total) is visible while it
 * runs.  The uploaded bytes are dropped when the import ends. */
int stix_import_start(struct ctx *c, const char *collection_slug, const char *format, const char *filename,
		      const char *doc, size_t len, const char **uuid);
struct job;
int stix_import_run_job(struct ctx *c, const struct job *j);

struct stix_import_info {
	const char *uuid, *format, *filename, *state; /* queued running done failed */
	const char *collection_slug, *collection_ja, *collection_en;
	int64_t total, processed, stored;  /* total 0 until the file is read */
	const char *errors;        /* newline-separated reasons ("" when none) */
	const char *status_uuid;   /* the TAXII status resource, when stored */
	int64_t created_at, finished_at;
};
/* An import the viewer started (ACL_STIX_IMPORT_PRED); KR_ENOTFOUND
 * otherwise. */
int stix_import_get(struct ctx *c, const char *uuid, struct stix_import_info *out);

#endif
