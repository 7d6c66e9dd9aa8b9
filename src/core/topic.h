/* topic.h - topics, comments, attachments, likes, reads, must-read
 * confirmations, edit history and sharing (R4, R5, R7). */
#ifndef KR_TOPIC_H
#define KR_TOPIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/ctx.h"

/* TLP 2.0 (FIRST).  Stored by name; TLP 1.0's WHITE is accepted as CLEAR. */
enum tlp { TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT, TLP_RED };
/* Accepts "red", "TLP:RED", "amber+strict", "AMBER_STRICT", "white" ...
 * case-insensitively.  KR_EINVAL otherwise. */
int tlp_parse(const char *s, enum tlp *out);
const char *tlp_name(enum tlp t);   /* "red", "amber+strict", ... (storage, API) */
const char *tlp_label(enum tlp t);  /* "TLP:RED" ... (display, exports) */
/* RED and AMBER content never leaves its recipients: no sharing into other
 * communities, no body in mail (R5.3). */
bool tlp_restricted(enum tlp t);

/* Information categories (R6) and title tags (R4.2). */
extern const char *const topic_categories[];
extern const size_t topic_ncategories;
bool topic_category_valid(const char *s);
bool topic_tag_valid(const char *s);    /* important | caution | info */

#define TOPIC_TITLE_MAX 200           /* code points */
#define TOPIC_BODY_MAX 100000         /* code points */
#define TOPIC_SCOPE_MAX 200           /* manual recipients */
#define ATTACHMENT_MAX (10 * 1024 * 1024)

struct topic_input {
	const char *community;     /* slug (create only) */
	const char *title, *tag, *audience, *category, *tlp, *body;
	const char *scope;         /* community | manual */
	const char *const *scope_orgs;   /* org slugs (manual) */
	size_t n_scope_orgs;
	const char *const *scope_people; /* logins (manual) */
	size_t n_scope_people;
	bool must_read;            /* coordinators and admins only */
	bool pinned;               /* moderators */
};

struct topic {
	int64_t id;
	const char *public_id;
	const char *community, *community_name_ja, *community_name_en;
	const char *author, *author_name, *author_org, *author_org_name_ja, *author_org_name_en;
	const char *title, *tag, *audience, *category, *scope, *body;
	enum tlp tlp;
	bool must_read, pinned;
	int version, read_version;
	int64_t created_at, updated_at, edited_at, last_activity_at;
	int64_t views, readers, likes, comments;
	/* The viewer's standing (topic_get only). */
	bool liked, confirmed, can_edit, can_moderate;
};

/* Create a topic.  Validates everything; the viewer must be able to post
 * in the community; manual recipients must belong to it.  Returns the new
 * public id (YYYYMMDD-NNNNNN, Asia/Tokyo date).  KR_EINVAL + *bad. */
int topic_create(struct ctx *c, const struct topic_input *in, const char **public_id, const char **bad);
/* A visible topic (KR_ENOTFOUND when hidden or missing). */
int topic_get(struct ctx *c, const char *public_id, struct topic *out);
/* topic_get and the topic's attachments (attachment_list_loaded) for the
 * JSON API's topic answer, in fewer statements: the viewer's standing is
 * decided in the topic's own statement, and attachments are read only
 * when the topic has any (on PostgreSQL each statement is a round trip).
 * Same results and errors as the two calls; *att is NULL and *natt 0
 * without attachments. */
struct attachment;
int topic_get_full(struct ctx *c, const char *public_id, struct topic *out, struct attachment **att,
		   size_t *natt);
/* Record a view by the viewer (views and distinct readers).  Counted in
 * memory; topic_flush_views writes the counts (the job worker calls it
 * every few seconds and at shutdown, tests and loaders call it directly). */
int topic_record_view(struct ctx *c, int64_t topic_id);
int topic_flush_views(struct ctx *c);
int topic_like(struct ctx *c, const char *public_id, bool on);
/* Confirm reading a must-read topic (its current read version). */
int topic_confirm(struct ctx *c, const char *public_id);
/* Edit: author or moderator.  The old text goes to the history; a change
 * of title, body or TLP of a must-read topic asks everyone to confirm again
 * (*reconfirm set). */
int topic_edit(struct ctx *c, const char *public_id, const struct topic_input *in, const char **bad,
	       bool *reconfirm);
/* Soft delete (author or moderator); audited. */
int topic_delete(struct ctx *c, const char *public_id);
/* Share into another community the viewer moderates (R3.4).  GREEN and
 * CLEAR only; manual-scope topics cannot be shared. */
int topic_share(struct ctx *c, const char *public_id, const char *community);

/* SORT_RELEVANCE ranks keyword matches (bm25 / ts_rank); without keywords
 * it is SORT_UPDATED. */
enum topic_sort { SORT_UPDATED, SORT_CREATED, SORT_VIEWS, SORT_LIKES, SORT_RELEVANCE };
struct topic_filter {
	const char *community;     /* NULL: across the viewer's communities */
	const char *q;             /* keywords (titles, bodies, comments): ranked,
				    * Japanese 2-character words found */
	const char *tag, *category, *tlp, *org;
	int64_t from, to;          /* created_at range, epoch ms; 0 = open */
	enum topic_sort sort;
	bool must_read_pending;    /* must-read topics the viewer has not confirmed */
	const char *cursor;
	int limit;                 /* 1..100, 0 = 20 */
};
struct topic_page {
	struct topic *items;
	size_t n;
	int64_t total;             /* all matches (for "63件中 1〜20"), at most 200 */
	bool total_more;           /* more than total: show "200件以上" */
	bool newest_first;         /* search with many matches: newest first, not ranked */
	int64_t first;             /* 1-based position of items[0] */
	const char *next_cursor;
	/* Set when the page came from or went into topic_list's cache: the
	 * same key and version always mean the same page (a renderer may
	 * cache its markup under them); NULL otherwise. */
	const char *cache_key, *cache_version;
};
int topic_list(struct ctx *c, const struct topic_filter *f, struct topic_page *out);
/* The lists' version (migration 8): every value of topic_list_version
 * in order, as text, read in the caller's transaction.  It changes in
 * the same commit as any write to topics, topic_shares, topic_scope,
 * topic_reads, communities, community_members, people or orgs, so a
 * result computed after reading it stays valid while it is unchanged
 * (topic_list's cache, community_get's). */
int topic_list_version(struct ctx *c, const char **out);
int topic_sort_parse(const char *s, enum topic_sort *out);

struct topic_version {
	int version;
	const char *title, *tlp, *body, *editor;
	int64_t edited_at;
};
int topic_history(struct ctx *c, const char *public_id, struct topic_version **out, size_t *n);

/* Must-read confirmation per organisation ("3 of 5"): author and
 * moderators see every recipient organisation, others their own. */
struct read_status {
	const char *org, *org_name_ja, *org_name_en;
	int64_t confirmed, total;
};
int topic_read_status(struct ctx *c, const char *public_id, struct read_status **out, size_t *n);

/* Rebuild the search index of every topic (after import-db; system only). */
int topic_reindex_all(struct ctx *c, int64_t *n);

struct comment {
	int64_t id;
	const char *author, *author_name, *author_org_name_ja, *author_org_name_en;
	const char *body;
	int64_t created_at, edited_at;
	bool deleted, can_delete;
};
int comment_add(struct ctx *c, const char *public_id, const char *body, int64_t *id_out);
int comment_list(struct ctx *c, const char *public_id, struct comment **out, size_t *n);
int comment_delete(struct ctx *c, int64_t comment_id);
/* The comments of a topic that topic_get returned in this request (so its
 * visibility is already decided; t->can_moderate says who may delete):
 * comment_list without deciding again. */
int comment_list_loaded(struct ctx *c, const struct topic *t, struct comment **out, size_t *n);
/* False when the viewer holds no moderator or owner membership in any
 * community but t's home, so no community can list them as a moderator
 * there and a page may skip asking community_list_mine for share targets;
 * true when they might (the exact answer is community_list_mine's). */
bool topic_may_share_elsewhere(struct ctx *c, const struct topic *t);

struct attachment {
	const char *public_id, *filename, *ctype, *sha256;
	int64_t size, created_at, comment_id;
	const void *data;          /* attachment_get only */
};
/* Attach a file to a topic (comment_id 0) or one of its comments. */
int attachment_add(struct ctx *c, const char *topic_public_id, int64_t comment_id, const char *filename,
		   const char *ctype, const void *data, size_t len, const char **public_id, const char **bad);
int attachment_list(struct ctx *c, int64_t topic_id, struct attachment **out, size_t *n);
/* attachment_list for a topic that topic_get returned in this request. */
int attachment_list_loaded(struct ctx *c, const struct topic *t, struct attachment **out, size_t *n);
struct db_stmt;
/* Read up to 500 attachment rows (public_id, filename, ctype, sha256,
 * size, created_at, comment_id) from a prepared, bound statement and
 * release it; shared by topic and case attachments. */
int attachment_rows(struct ctx *c, struct db_stmt *st, struct attachment **out, size_t *n);
/* A visible attachment with its bytes (KR_ENOTFOUND otherwise). */
int attachment_get(struct ctx *c, const char *public_id, struct attachment *out);

#endif
