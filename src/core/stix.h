/* stix.h - the STIX 2.1 indicator store (SPEC R11.1): validation of
 * bundles and TAXII envelopes, ingest into a collection (= a community),
 * and the queries TAXII 2.1 serves (objects, versions, manifest, delete,
 * status).
 *
 * Objects are kept as received (compact JSON text, key order kept) with
 * the columns TAXII filters on, their TLP (from the TLP 1.0 and TLP 2.0
 * marking-definition ids; unmarked objects take the collection default,
 * GREEN), and the indicator values extracted for search and correlation
 * (from STIX patterns and from cyber-observable objects).
 *
 * Hostile documents are bounded before and while parsing: at most
 * STIX_MAX_DOC bytes, STIX_MAX_DEPTH nesting, STIX_MAX_OBJECTS objects,
 * strings of at most STIX_MAX_STRING bytes, valid UTF-8 only, no duplicate
 * keys.  A document is stored whole or not at all (one transaction): one
 * invalid object rejects every object of the document.
 *
 * Visibility of stored objects is acl.h's (ACL_STIX_PRED /
 * acl_stix_visible); every query here applies it. */
#ifndef KR_STIX_H
#define KR_STIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"
#include "lib/kr.h"

struct arena;
struct buf;
struct stix_pattern;

#define STIX_MAX_DOC (32 * 1024 * 1024)
#define STIX_MAX_DEPTH 32
#define STIX_MAX_OBJECTS 100000
#define STIX_MAX_STRING (1024 * 1024)
/* JSON values in one document: a 32 MiB body of "[0,0,0..." would
 * otherwise cost ~800 MB of parse tree and scratch; real STIX averages
 * one value per 15-20 bytes, so this leaves room for any 32 MiB bundle. */
#define STIX_MAX_VALUES 4000000
#define STIX_MAX_MATCH 16       /* values per match[...] filter */
#define STIX_PAGE_DEFAULT 100
#define STIX_PAGE_MAX 1000

/* TLP levels in order of restriction. */
enum stix_tlp { STIX_TLP_CLEAR, STIX_TLP_GREEN, STIX_TLP_AMBER, STIX_TLP_AMBER_STRICT, STIX_TLP_RED };
const char *stix_tlp_name(enum stix_tlp t); /* "clear" ... "red" */

/* What kind of document to accept. */
enum stix_doc {
	STIX_DOC_BUNDLE,   /* {"type":"bundle","id":"bundle--...","objects":[...]} */
	STIX_DOC_ENVELOPE, /* TAXII 2.1 envelope {"objects":[...]} (more/next allowed) */
};

/* Result of checking one object of a document. */
struct stix_item {
	const char *id;       /* the object's id when it is a string, else NULL */
	const char *version;  /* modified, else created, else NULL */
	const char *reason;   /* NULL when valid; English reason otherwise */
	struct stix_pattern *pattern; /* an indicator's parsed STIX pattern (arena) */
};

/* Outcome of stix_check / stix_ingest.  error is set (and nothing else is
 * meaningful) when the document as a whole is unusable; not_envelope tells
 * a well-formed JSON document that is not the expected kind (TAXII: 422)
 * from one that is not JSON at all or over a cap (400). */
/* The reason given for a valid object of a document that was refused
 * because another of its objects is invalid (nothing is half-stored). */
#define STIX_NOT_STORED "not stored: another object of the document is invalid"

struct stix_status {
	const char *uuid;      /* status id (ingest only) */
	const char *error;
	bool not_envelope;
	size_t total, success, failure;
	struct stix_item *items; /* total items, in document order */
	int64_t request_us;
};

/* Parse and validate doc[0..len) without storing anything.  Returns KR_OK
 * when every object is valid, KR_EINVAL otherwise (st->error or the items'
 * reasons say why), KR_ENOMEM when the parse ran out of memory (nothing
 * to blame on the document).  All strings live in arena a. */
int stix_check(struct arena *a, const char *doc, size_t len, enum stix_doc kind,
	       struct stix_status *st);

/* Validate one object given as JSON text (tests, fuzzing): KR_OK,
 * KR_EINVAL with *reason (arena), or KR_ENOMEM. */
int stix_check_object(struct arena *a, const char *json, size_t len, const char **reason);

/* Store a bundle or envelope in the collection named by the community
 * slug, as the viewer (member with post rights: else KR_EPERM; a
 * community the viewer cannot see is KR_ENOTFOUND).  When any object is
 * invalid nothing is stored and KR_EINVAL is returned with the reasons in
 * st; a version already stored counts as a success and is not duplicated.
 * On KR_OK (or KR_EINVAL with objects) a status resource is recorded
 * (st->uuid) for stix_status_get.  One transaction, audited.  KR_ENOMEM
 * (nothing stored, no status) when the parse ran out of memory. */
int stix_ingest(struct ctx *c, const char *collection, const char *doc, size_t len,
		enum stix_doc kind, struct stix_status *st);

/* A TAXII collection: one per community the viewer belongs to. */
struct stix_collection {
	int64_t community_id;
	const char *uuid;        /* stable, derived from space and slug */
	const char *slug, *title, *description;
	bool can_read, can_write;
};
int stix_collections(struct ctx *c, struct stix_collection **out, size_t *n);
/* One collection by its uuid, or KR_ENOTFOUND (also when not a member). */
int stix_collection_get(struct ctx *c, const char *uuid, struct stix_collection *out);

/* Filters of TAXII's objects, object, versions and manifest endpoints.
 * The match strings are the raw comma-separated query values (NULL when
 * absent).  Malformed added_after, next, match values: KR_EINVAL with
 * *bad naming the parameter. */
struct stix_query {
	int64_t community_id;       /* from stix_collection_get */
	const char *object_id;      /* fixed id (object and versions endpoints) */
	const char *added_after;
	const char *next;
	int limit;                  /* 0 = default, else 1..STIX_PAGE_MAX (clamped) */
	const char *match_id, *match_type, *match_version, *match_spec_version;
	bool all_versions;          /* default of match[version]: all (versions endpoint) */
};
struct stix_row {
	int64_t row_id;
	const char *stix_id, *type, *spec_version, *version, *json, *tlp;
	int64_t date_added_us;
};
struct stix_page {
	struct stix_row *rows;
	size_t n;
	bool more;
	const char *next;           /* set exactly when more */
};
int stix_query(struct ctx *c, const struct stix_query *q, struct stix_page *out, const char **bad);

/* The same page without copying it: fn is called once per row in page
 * order with the row's stored JSON text (json, json_len bytes: the
 * compact text as received, valid JSON; it is NOT NUL-terminated for the
 * caller's purposes and lives only until fn returns, so fn copies what it
 * keeps).  fn returns KR_OK to go on or a negative KR_E* to stop (returned
 * as is).  info tells how many rows were handed out, whether there are
 * more (next then set, arena) and the date_added of the first and last of
 * them.  Errors as stix_query. */
struct stix_obj_text {
	int64_t row_id, date_added_us;
	const char *json;
	size_t json_len;
};
struct stix_page_info {
	size_t n;
	bool more;
	const char *next;
	int64_t first_added_us, last_added_us; /* set when n > 0 */
};
typedef int (*stix_each_fn)(void *arg, const struct stix_obj_text *o);
int stix_query_each(struct ctx *c, const struct stix_query *q, stix_each_fn fn, void *arg,
		    struct stix_page_info *info, const char **bad);

/* Delete the versions of object_id matching match_version /
 * match_spec_version (absent: all) that the viewer may see.  Allowed for
 * people of the contributing organisation with write access, and for the
 * community's moderators.  KR_ENOTFOUND when nothing visible matched,
 * KR_EPERM when something matched that the viewer may not delete. */
int stix_delete(struct ctx *c, int64_t community_id, const char *object_id,
		const char *match_version, const char *match_spec_version, const char **bad);

/* A status resource recorded by stix_ingest, visible to the person who
 * posted it.  KR_ENOTFOUND otherwise.  details is the JSON text of
 * {"successes":[...],"failures":[...]} as TAXII shapes them. */
struct stix_status_row {
	const char *uuid, *details;
	int64_t request_us;
	int64_t total, success, failure;
};
int stix_status_get(struct ctx *c, const char *uuid, struct stix_status_row *out);

/* One collection by its community slug (the JSON API's name for it). */
int stix_collection_by_slug(struct ctx *c, const char *slug, struct stix_collection *out);

/* Exports in constant memory: the caller keeps a struct stix_export
 * between calls and calls stix_export_next until it returns 0, each call
 * appending the next chunk (a few hundred rows, one short query, keyset
 * on the row keys: no transaction is held between chunks).  What the
 * viewer may see (ACL_STIX_PRED), latest versions only, and never
 * TLP:RED (R5.3: RED is not exported).
 *   STIX_EXPORT_BUNDLE: a STIX 2.1 bundle of one collection's objects as
 *     received (community_id required: ids are unique per collection).
 *   STIX_EXPORT_CSV: "type,value,tlp,collection,stix_id,date_added" rows
 *     of the extracted values, RFC 4180 quoting, cells that a spreadsheet
 *     would run as a formula prefixed with an apostrophe.
 *   STIX_EXPORT_BLOCKLIST: the distinct values of one kind (ipv4-addr,
 *     domain-name, url, md5, sha-256 ...), one per line, sorted, from
 *     objects whose valid_until has not passed (c->now). */
enum stix_export_fmt { STIX_EXPORT_BUNDLE, STIX_EXPORT_CSV, STIX_EXPORT_BLOCKLIST };
struct stix_export {
	enum stix_export_fmt fmt;
	int64_t community_id;    /* 0 = every collection the viewer belongs to */
	const char *kind;        /* BLOCKLIST */
	/* state, zero to start */
	int stage;
	int64_t rows;
	int64_t cur_id, cur_added, comm_cur;
	char comm_slug[80];
	char cur_value[2112];
	char bundle_id[48];
};
/* 1: more to come, 0: finished (the last chunk is in out), <0: error. */
int stix_export_next(struct ctx *c, struct stix_export *e, struct buf *out);
/* true for the value kinds a blocklist can be made of. */
bool stix_value_kind_ok(const char *kind);

/* Import a CSV list "type,value[,tlp,comment]" (RFC 4180 quoting; a
 * first line starting with "type," is a header) into the collection
 * named by slug: each row becomes a STIX 2.1 indicator whose pattern
 * matches the value (type: ipv4-addr ipv6-addr domain-name url email-addr
 * file-name md5 sha-1 sha-256 sha-512), marked with the TLP 2.0 marking
 * of its tlp (clear|white|green|amber|amber+strict|red; empty = the
 * collection default, GREEN), described by its comment.  Rows are checked
 * like any indicator (the pattern parser checks the value) and stored as
 * one document through stix_ingest: all or nothing.  st->items[i] is row
 * i's outcome; its reason starts with "line N:".  On KR_EINVAL
 * st->failure counts the rows with a problem (nothing is stored). */
int stix_import_csv(struct ctx *c, const char *collection, const char *csv, size_t len,
		    struct stix_status *st);

/* The parsing half of stix_import_csv, pure (no database: fuzz targets
 * and tests call it alone).  On KR_OK doc is the text of a TAXII envelope
 * with one indicator per data row (arena), rows[i] labels row i ("line
 * N", or "line N: problem" when the row itself is wrong, any_problem
 * then set).  KR_EINVAL with error for a file that is not usable at all;
 * KR_ENOMEM.  stamp_ms (epoch ms) stamps created, modified and valid_from. */
struct stix_csv {
	const char *doc;
	size_t doc_len;
	const char **rows;
	size_t nrows;
	bool any_problem;
	const char *error;
};
int stix_csv_parse(struct arena *a, const char *csv, size_t len, int64_t stamp_ms, struct stix_csv *out);

/* Correlation of one indicator value (R11.4), counted over what the
 * viewer may see only: the current object versions holding it (any kind,
 * or one kind), the distinct organisations that contributed them, the
 * collections they are in, and the topics whose title or body mention it
 * (ACL_TOPIC_PRED).  Hex hashes are compared in lower case, as stored. */
struct stix_correlation {
	int64_t objects, orgs, collections, topics;
};
int stix_correlate(struct ctx *c, const char *kind, const char *value, struct stix_correlation *out);

/* Parse an RFC 3339 UTC timestamp "YYYY-MM-DDTHH:MM:SS[.frac]Z" to epoch
 * microseconds (fraction beyond 6 digits truncated).  KR_EINVAL otherwise. */
int stix_parse_time(const char *s, int64_t *us);
/* Format epoch microseconds as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (out >= 28). */
void stix_format_time(int64_t us, char *out, size_t outsz);

#endif
