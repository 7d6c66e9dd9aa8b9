/* federation.c - TAXII 2.1 feeds pulled on a schedule (SPEC R11.5).
 * See federation.h for the contract; the HTTP client is libcurl, each
 * page goes through stix_ingest (validation, ACL, all or nothing). */
#include "core/federation.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/audit.h"
#include "core/common.h"
#include "core/community.h"
#include "core/jobs.h"
#include "core/person.h"
#include "core/stix.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

#define FEED_JOB "feed_pull"
#define FEED_ACCEPT "application/taxii+json;version=2.1"

/* ---- pure helpers ---- */

const char *feed_url_normalise(struct arena *a, const char *url)
{
	if (!url)
		return NULL;
	size_t n = strlen(url);
	if (n < 8 || n > FEED_URL_MAX || !utf8_valid(url, n))
		return NULL;
	size_t skip;
	if (!strncasecmp(url, "https://", 8))
		skip = 8;
	else if (!strncasecmp(url, "http://", 7))
		skip = 7;
	else
		return NULL;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '?' || *p == '#' || *p == '\\' || *p == '"' ||
		    *p == '<' || *p == '>')
			return NULL;
	const char *host = url + skip;
	size_t hlen = strcspn(host, "/");
	if (hlen == 0 || memchr(host, '@', hlen))
		return NULL; /* no host, or credentials in the URL (they go in auth fields) */
	if (url[n - 1] == '/')
		return arena_strdup(a, url);
	return arena_printf(a, "%s/", url);
}

/* RFC 3986 unreserved characters stay, everything else is %XX. */
static void pct_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_addc(b, (char)*p);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[*p >> 4]);
			buf_addc(b, hex[*p & 15]);
		}
	}
}

const char *feed_page_url(struct arena *a, const char *base, int limit, const char *added_after,
			  const char *next)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, base);
	buf_printf(&b, "objects/?match%%5Bversion%%5D=all&limit=%d", limit);
	if (!str_empty(added_after)) {
		buf_adds(&b, "&added_after=");
		pct_encode(&b, added_after);
	}
	if (!str_empty(next)) {
		buf_adds(&b, "&next=");
		pct_encode(&b, next);
	}
	const char *out = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

const char *feed_next_cursor(struct arena *a, const char *prev, const char *last, bool more)
{
	int64_t us, prev_us;
	if (str_empty(last) || stix_parse_time(last, &us))
		return prev ? prev : "";
	const char *cand = last;
	if (more) {
		char t[40];
		stix_format_time(us - 1, t, sizeof t);
		cand = arena_strdup(a, t);
		us -= 1;
	}
	if (!str_empty(prev) && stix_parse_time(prev, &prev_us) == KR_OK && prev_us > us)
		return prev;
	return arena_strdup(a, cand);
}

/* ---- who may do what ---- */

static bool may_manage(const struct ctx *c)
{
	return c->who.system || c->who.role >= ROLE_COORDINATOR;
}

/* The viewer of an active person (the feed's owner). */
static int load_viewer(struct ctx *c, int64_t person_id, struct viewer *w)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT p.id, p.org_id, p.login, p.display_name, p.locale, p.tz, p.role, p.org_admin,"
			    " o.name_en FROM people p JOIN orgs o ON o.id = p.org_id"
			    " WHERE p.id = ?1 AND p.status = 'active'",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, person_id);
	rc = db_step(st);
	if (rc == KR_ROW) {
		memset(w, 0, sizeof *w);
		w->person_id = db_col_int(st, 0);
		w->org_id = db_col_int(st, 1);
		w->login = db_col_dup(st, 2, c->a);
		w->name = db_col_dup(st, 3, c->a);
		w->locale = db_col_dup(st, 4, c->a);
		w->tz = db_col_dup(st, 5, c->a);
		if (role_parse(db_col_text(st, 6), &w->role))
			w->role = ROLE_MEMBER;
		w->org_admin = db_col_int(st, 7) != 0;
		w->org_name = db_col_dup(st, 8, c->a);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

static int person_by_login(struct ctx *c, const char *login, int64_t *id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT id FROM people WHERE login = ?1 AND status = 'active'", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, login);
	rc = db_step(st);
	if (rc == KR_ROW) {
		*id = db_col_int(st, 0);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

/* ---- create / list / remove ---- */

static bool field_ok(const char *s, size_t max)
{
	return s && valid_line(s, 0, max) && !strchr(s, ':');
}

/* The feed's owner must be able to post in its local collection (every
 * pull is checked again by stix_ingest): the collection's id, or
 * KR_EINVAL with *bad naming the owner or the collection. */
static int owner_collection(struct ctx *c, int64_t owner, const char *collection, int64_t *community,
			    const char **bad)
{
	struct ctx oc = *c;
	oc.tx_depth = 0;
	int rc = load_viewer(c, owner, &oc.who);
	if (rc)
		return rc == KR_ENOTFOUND ? (*bad = "owner", KR_EINVAL) : rc;
	struct community cm;
	rc = community_get(&oc, collection, &cm);
	if (rc == KR_ENOTFOUND || (rc == KR_OK && (!cm.member || !cm.can_post)))
		return *bad = "collection", KR_EINVAL;
	if (rc)
		return rc;
	*community = cm.id;
	return KR_OK;
}

int feed_create(struct ctx *c, const struct feed_new *in, int64_t *id_out, const char **bad)
{
	*bad = NULL;
	*id_out = 0;
	if (!may_manage(c))
		return KR_EPERM;
	if (!in->name || !valid_line(in->name, 1, 100))
		return *bad = "name", KR_EINVAL;
	const char *url = feed_url_normalise(c->a, in->url);
	if (!url)
		return *bad = "url", KR_EINVAL;
	if (!in->collection || !valid_ident(in->collection, 2, 64))
		return *bad = "collection", KR_EINVAL;
	const char *user = in->auth_user ? in->auth_user : "";
	const char *secret = in->auth_secret ? in->auth_secret : "";
	/* HTTP Basic: the user may not hold a colon; neither may hold CR/LF. */
	if (!field_ok(user, 200))
		return *bad = "auth_user", KR_EINVAL;
	if (strlen(secret) > FEED_SECRET_MAX || !utf8_valid(secret, strlen(secret)) || strpbrk(secret, "\r\n"))
		return *bad = "secret", KR_EINVAL;
	if (*secret && !*user)
		user = "taxii"; /* an API key alone: the name is not checked by Kairan */
	int interval = in->interval_s ? in->interval_s : FEED_INTERVAL_DEFAULT;
	if (interval < FEED_INTERVAL_MIN || interval > FEED_INTERVAL_MAX)
		return *bad = "interval", KR_EINVAL;
	int page = in->page_size ? in->page_size : FEED_PAGE_DEFAULT;
	if (page < 1 || page > FEED_PAGE_MAX)
		return *bad = "page_size", KR_EINVAL;

	int64_t owner = c->who.person_id;
	if (!str_empty(in->owner_login)) {
		if (person_by_login(c, in->owner_login, &owner))
			return *bad = "owner", KR_EINVAL;
	}
	if (owner <= 0)
		return *bad = "owner", KR_EINVAL;
	int64_t community;
	int rc = owner_collection(c, owner, in->collection, &community, bad);
	if (rc)
		return rc;

	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"INSERT INTO taxii_feeds (space, name, url, community_id, person_id, auth_user, auth_secret,"
			" tls_verify, interval_s, page_size, created_at, enabled)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->space);
		db_bind_text(st, 2, in->name);
		db_bind_text(st, 3, url);
		db_bind_int(st, 4, community);
		db_bind_int(st, 5, owner);
		db_bind_text(st, 6, user);
		db_bind_text(st, 7, secret);
		db_bind_int(st, 8, in->tls_verify ? 1 : 0);
		db_bind_int(st, 9, interval);
		db_bind_int(st, 10, page);
		db_bind_int(st, 11, c->now);
		db_bind_int(st, 12, in->disabled ? 0 : 1);
		rc = db_step(st);
		if (rc == KR_ROW) {
			*id_out = db_col_int(st, 0);
			rc = KR_OK;
		} else if (rc == KR_ECONFLICT) {
			*bad = "name";
		} else if (rc == KR_DONE) {
			rc = KR_EDB;
		}
		db_done(st);
	}
	if (rc == KR_OK) {
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)*id_out);
		/* The URL is not secret; the credentials never reach the log. */
		rc = audit(c, "federation.add", "feed", id, 0, url);
	}
	return tx_end(c, rc);
}

#define FEED_COLS                                                                                \
	"f.id, f.name, f.url, cm.slug, p.login, f.auth_user, CASE WHEN f.auth_secret = '' THEN 0 ELSE 1 END, f.tls_verify,"  \
	" f.enabled, f.interval_s, f.page_size, f.cursor_added, f.last_run_at, f.last_ok_at,"     \
	" f.last_error, f.last_pulled, f.total_pulled, f.runs, f.created_at"                    \
	" FROM taxii_feeds f JOIN communities cm ON cm.id = f.community_id"                      \
	" JOIN people p ON p.id = f.person_id"

static void fill_feed(struct db_stmt *st, struct arena *a, struct feed *f)
{
	memset(f, 0, sizeof *f);
	f->id = db_col_int(st, 0);
	f->name = db_col_dup(st, 1, a);
	f->url = db_col_dup(st, 2, a);
	f->collection = db_col_dup(st, 3, a);
	f->owner_login = db_col_dup(st, 4, a);
	f->auth_user = db_col_dup(st, 5, a);
	f->has_secret = db_col_int(st, 6) != 0;
	f->tls_verify = db_col_int(st, 7) != 0;
	f->enabled = db_col_int(st, 8) != 0;
	f->interval_s = (int)db_col_int(st, 9);
	f->page_size = (int)db_col_int(st, 10);
	f->cursor = db_col_dup(st, 11, a);
	f->last_run_at = db_col_int(st, 12);
	f->last_ok_at = db_col_int(st, 13);
	f->last_error = db_col_dup(st, 14, a);
	f->last_pulled = db_col_int(st, 15);
	f->total_pulled = db_col_int(st, 16);
	f->runs = db_col_int(st, 17);
	f->created_at = db_col_int(st, 18);
}

int feed_list(struct ctx *c, struct feed **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!may_manage(c))
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT " FEED_COLS " WHERE f.space = ?1 ORDER BY f.name, f.id LIMIT 1000", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	size_t cap = 16;
	struct feed *v = arena_alloc(c->a, sizeof *v * cap);
	while ((rc = db_step(st)) == KR_ROW) {
		if (*n == cap) {
			struct feed *nv = arena_alloc(c->a, sizeof *nv * cap * 2);
			memcpy(nv, v, sizeof *v * cap);
			v = nv;
			cap *= 2;
		}
		fill_feed(st, c->a, &v[(*n)++]);
	}
	db_done(st);
	if (rc != KR_DONE)
		return rc < 0 ? rc : KR_EDB;
	*out = v;
	return KR_OK;
}

int feed_get(struct ctx *c, int64_t id, struct feed *out)
{
	if (!may_manage(c))
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT " FEED_COLS " WHERE f.id = ?1 AND f.space = ?2", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, c->space);
	rc = db_step(st);
	if (rc == KR_ROW) {
		fill_feed(st, c->a, out);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

static const char *id_text(struct ctx *c, int64_t id)
{
	return arena_printf(c->a, "%lld", (long long)id);
}

/* Run st, an UPDATE of the feed's pending pull jobs (?1 kind, ?2 payload,
 * ?3 now), and finish it; *changed (may be NULL) gets the rows changed. */
static int feed_jobs_step(struct ctx *c, struct db_stmt *st, int64_t id, int64_t *changed)
{
	db_bind_text(st, 1, FEED_JOB);
	db_bind_text(st, 2, id_text(c, id));
	db_bind_int(st, 3, c->now);
	int rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	if (changed)
		*changed = db_changes(st);
	db_done(st);
	return rc;
}

int feed_remove(struct ctx *c, int64_t id)
{
	struct feed f;
	int rc = feed_get(c, id, &f);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"UPDATE jobs SET done_at = ?3, last_error = 'feed removed'"
			" WHERE kind = ?1 AND payload = ?2 AND done_at IS NULL",
			&st);
	if (rc == KR_OK)
		rc = feed_jobs_step(c, st, id, NULL);
	if (rc == KR_OK && (rc = db_prepare(c->db, "DELETE FROM taxii_feeds WHERE id = ?1", &st)) == KR_OK) {
		db_bind_int(st, 1, id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "federation.remove", "feed", id_text(c, id), 0, f.name);
	return tx_end(c, rc);
}

/* The feed's owner and local collection by id (feed_get gives their
 * names; an owner since disabled has no active login to look up). */
static int feed_refs(struct ctx *c, int64_t id, int64_t *person_id, int64_t *community_id)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT person_id, community_id FROM taxii_feeds WHERE id = ?1 AND space = ?2",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, c->space);
	rc = db_step(st);
	if (rc == KR_ROW) {
		*person_id = db_col_int(st, 0);
		*community_id = db_col_int(st, 1);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

/* Append a changed field's name to the audit detail. */
static void note_change(struct ctx *c, const char **what, bool differs, const char *field)
{
	if (differs)
		*what = **what ? arena_printf(c->a, "%s %s", *what, field) : field;
}

int feed_update(struct ctx *c, int64_t id, const struct feed_edit *in, bool *changed, const char **bad)
{
	*bad = NULL;
	if (changed)
		*changed = false;
	struct feed cur;
	int rc = feed_get(c, id, &cur); /* also the rights: coordinators and admins */
	if (rc)
		return rc;
	int64_t owner, community;
	if ((rc = feed_refs(c, id, &owner, &community)))
		return rc;
	const char *name = in->name ? in->name : cur.name;
	if (!valid_line(name, 1, 100))
		return *bad = "name", KR_EINVAL;
	const char *url = cur.url;
	if (in->url && !(url = feed_url_normalise(c->a, in->url)))
		return *bad = "url", KR_EINVAL;
	const char *coll = in->collection ? in->collection : cur.collection;
	if (!valid_ident(coll, 2, 64))
		return *bad = "collection", KR_EINVAL;
	const char *user = in->auth_user ? in->auth_user : cur.auth_user;
	if (!field_ok(user, 200))
		return *bad = "auth_user", KR_EINVAL;
	const char *secret = in->auth_secret && *in->auth_secret ? in->auth_secret : NULL;
	if (secret && (strlen(secret) > FEED_SECRET_MAX || !utf8_valid(secret, strlen(secret)) ||
		       strpbrk(secret, "\r\n")))
		return *bad = "secret", KR_EINVAL;
	if (secret && in->clear_secret)
		return *bad = "secret", KR_EINVAL; /* a new key and "remove the key" at once */
	bool has_secret = in->clear_secret ? false : secret ? true : cur.has_secret;
	if (has_secret && !*user)
		user = "taxii"; /* as feed_create: an API key alone */
	if (in->interval_s && (in->interval_s < FEED_INTERVAL_MIN || in->interval_s > FEED_INTERVAL_MAX))
		return *bad = "interval", KR_EINVAL;
	if (in->page_size && (in->page_size < 1 || in->page_size > FEED_PAGE_MAX))
		return *bad = "page_size", KR_EINVAL;
	int interval = in->interval_s ? in->interval_s : cur.interval_s;
	int page = in->page_size ? in->page_size : cur.page_size;
	bool tls = in->tls_verify < 0 ? cur.tls_verify : in->tls_verify != 0;
	bool enabled = in->enabled < 0 ? cur.enabled : in->enabled != 0;
	if (!str_empty(in->owner_login) && person_by_login(c, in->owner_login, &owner))
		return *bad = "owner", KR_EINVAL;
	bool moved = !str_eq(url, cur.url) || !str_eq(coll, cur.collection);
	bool new_owner = !str_empty(in->owner_login) && !str_eq(in->owner_login, cur.owner_login);
	if (moved || new_owner) {
		/* As on creation. */
		if ((rc = owner_collection(c, owner, coll, &community, bad)))
			return rc;
	}
	const char *what = "";
	note_change(c, &what, !str_eq(name, cur.name), "name");
	note_change(c, &what, !str_eq(url, cur.url), "url");
	note_change(c, &what, !str_eq(coll, cur.collection), "collection");
	note_change(c, &what, new_owner, "owner");
	note_change(c, &what, !str_eq(user, cur.auth_user), "auth_user");
	note_change(c, &what, secret || has_secret != cur.has_secret, "secret");
	note_change(c, &what, tls != cur.tls_verify, "tls_verify");
	note_change(c, &what, enabled != cur.enabled, enabled ? "resumed" : "paused");
	note_change(c, &what, interval != cur.interval_s, "interval");
	note_change(c, &what, page != cur.page_size, "page_size");
	if (!*what)
		return KR_OK;

	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	/* added_after is the remote server's own position in one remote
	 * collection, and says what the local collection already holds: a
	 * new URL is another collection (or another server) whose clock and
	 * contents have nothing to do with it, and a new local collection
	 * holds none of what was pulled so far.  Keeping the old resume
	 * point would silently skip everything older than it, so the next
	 * pull starts from the beginning (a version already stored is not
	 * stored twice). */
	rc = db_prepare(c->db,
			"UPDATE taxii_feeds SET name = ?2, url = ?3, community_id = ?4, person_id = ?5, auth_user = ?6,"
			" auth_secret = CASE WHEN ?7 = 1 THEN ?8 ELSE auth_secret END, tls_verify = ?9, interval_s = ?10,"
			" page_size = ?11, enabled = ?12, cursor_added = CASE WHEN ?13 = 1 THEN '' ELSE cursor_added END"
			" WHERE id = ?1",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, name);
		db_bind_text(st, 3, url);
		db_bind_int(st, 4, community);
		db_bind_int(st, 5, owner);
		db_bind_text(st, 6, user);
		db_bind_int(st, 7, secret || in->clear_secret ? 1 : 0);
		db_bind_text(st, 8, secret ? secret : "");
		db_bind_int(st, 9, tls ? 1 : 0);
		db_bind_int(st, 10, interval);
		db_bind_int(st, 11, page);
		db_bind_int(st, 12, enabled ? 1 : 0);
		db_bind_int(st, 13, moved ? 1 : 0);
		rc = db_step(st);
		if (rc == KR_DONE)
			rc = KR_OK;
		else if (rc == KR_ECONFLICT)
			*bad = "name";
		else if (rc >= 0)
			rc = KR_EDB;
		db_done(st);
	}
	/* The pending pull was timed (and backed off) by the old settings;
	 * federation_schedule queues the next one from the new settings, and
	 * not at all for a paused feed.  A pull running now is left to end. */
	if (rc == KR_OK)
		rc = db_prepare(c->db,
				"UPDATE jobs SET done_at = ?3, last_error = 'feed edited'"
				" WHERE kind = ?1 AND payload = ?2 AND done_at IS NULL AND lease_until < ?3",
				&st);
	if (rc == KR_OK)
		rc = feed_jobs_step(c, st, id, NULL);
	if (rc == KR_OK)
		rc = audit(c, "federation.edit", "feed", id_text(c, id), 0, arena_printf(c->a, "%s: %s", name, what));
	rc = tx_end(c, rc);
	if (rc == KR_OK && changed)
		*changed = true;
	return rc;
}

int feed_pull_soon(struct ctx *c, int64_t id)
{
	struct feed f;
	int rc = feed_get(c, id, &f);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	/* A pending pull (perhaps backing off) is moved forward rather than
	 * doubled; one that is running now is left alone. */
	rc = db_prepare(c->db,
			"UPDATE jobs SET run_at = ?3 WHERE kind = ?1 AND payload = ?2 AND done_at IS NULL"
			" AND lease_until < ?3",
			&st);
	int64_t changed = 0;
	if (rc == KR_OK)
		rc = feed_jobs_step(c, st, id, &changed);
	if (rc == KR_OK && changed == 0)
		rc = job_enqueue(c, FEED_JOB, id_text(c, id), c->now);
	if (rc == KR_OK)
		rc = audit(c, "federation.pull", "feed", id_text(c, id), 0, f.name);
	return tx_end(c, rc);
}

/* ---- the HTTP client ---- */

struct fetch {
	struct buf body;
	bool too_big;
	char date_last[64];
	char ctype[128];
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct fetch *f = ud;
	size_t n = size * nmemb;
	if (f->body.len + n > (size_t)FEED_PAGE_BYTES) {
		f->too_big = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	buf_add(&f->body, p, n);
	return n;
}

/* Copy a header's value (trimmed) when its name matches. */
static bool header_value(const char *line, size_t n, const char *name, char *out, size_t outsz)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return false;
	const char *v = line + k + 1;
	size_t vl = n - k - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= outsz)
		vl = outsz - 1;
	memcpy(out, v, vl);
	out[vl] = 0;
	return true;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct fetch *f = ud;
	size_t n = size * nmemb;
	/* A new response (after a 100 Continue): forget the last one's. */
	if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
		f->date_last[0] = 0;
		f->ctype[0] = 0;
	}
	header_value(p, n, "X-TAXII-Date-Added-Last", f->date_last, sizeof f->date_last);
	header_value(p, n, "Content-Type", f->ctype, sizeof f->ctype);
	return n;
}

/* Set when the server stops: transfers in flight abort, runs end. */
static atomic_bool cancelled;
void federation_cancel(void) { atomic_store(&cancelled, true); }

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)ud, (void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(&cancelled) ? 1 : 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }
void federation_global_init(void) { pthread_once(&curl_once, curl_init_once); }

/* TAXII's media type, with no version or version 2.1. */
static bool taxii_ctype(const char *ct)
{
	char t[128];
	size_t k = 0;
	for (const char *p = ct; *p && k < sizeof t - 1; p++)
		if (*p != ' ' && *p != '\t')
			t[k++] = (char)tolower((unsigned char)*p);
	t[k] = 0;
	if (!strcmp(t, "application/taxii+json"))
		return true;
	if (strncmp(t, "application/taxii+json;", 23))
		return false;
	const char *v = strstr(t + 23, "version=");
	return !v || !strncmp(v, "version=2.1", 11);
}

struct feed_secret {
	const char *user, *secret, *url, *slug;
	int64_t person_id, community_id;
	bool tls_verify, enabled;
	int page_size;
	const char *cursor;
};

/* GET one page.  KR_OK with the body, or KR_EUNAVAIL with *err. */
static int fetch_page(struct ctx *c, const struct feed_secret *s, const char *url, struct fetch *f,
		      const char **err)
{
	federation_global_init();
	CURL *h = curl_easy_init();
	if (!h)
		return KR_ENOMEM;
	struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: " FEED_ACCEPT);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* credentials stay with the named host */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)FEED_CONNECT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)FEED_REQUEST_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L); /* a stalled server: give up after 30 s */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FEED_PAGE_BYTES);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s->tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s->tls_verify ? 2L : 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kairan-federation/1");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (!str_empty(s->user) || !str_empty(s->secret)) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, s->secret);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, f);
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	int rc = KR_OK;
	if (f->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		*err = arena_printf(c->a, "page over the size cap (%ld MiB)", FEED_PAGE_BYTES >> 20);
		rc = KR_ETOOBIG;
	} else if (cc == CURLE_ABORTED_BY_CALLBACK) {
		*err = "interrupted: the server is stopping";
		rc = KR_EUNAVAIL;
	} else if (cc != CURLE_OK) {
		*err = arena_printf(c->a, "cannot fetch the page: %s", curl_easy_strerror(cc));
		rc = KR_EUNAVAIL;
	} else if (status == 401 || status == 403) {
		*err = arena_printf(c->a, "the remote server refused the credentials (HTTP %ld)", status);
		rc = KR_EUNAVAIL;
	} else if (status != 200) {
		*err = arena_printf(c->a, "the remote server answered HTTP %ld", status);
		rc = KR_EUNAVAIL;
	} else if (!taxii_ctype(f->ctype)) {
		*err = arena_printf(c->a, "wrong media type \"%s\" (want %s)", f->ctype, FEED_ACCEPT);
		rc = KR_EUNAVAIL;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return rc;
}

/* ---- a pull ---- */

static int load_secret(struct ctx *c, int64_t id, struct feed_secret *s)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT f.auth_user, f.auth_secret, f.url, cm.slug, f.person_id, f.tls_verify,"
			    " f.page_size, f.cursor_added, f.community_id, f.enabled FROM taxii_feeds f"
			    " JOIN communities cm ON cm.id = f.community_id WHERE f.id = ?1 AND f.space = ?2",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, c->space);
	rc = db_step(st);
	if (rc == KR_ROW) {
		s->user = db_col_dup(st, 0, c->a);
		s->secret = db_col_dup(st, 1, c->a);
		s->url = db_col_dup(st, 2, c->a);
		s->slug = db_col_dup(st, 3, c->a);
		s->person_id = db_col_int(st, 4);
		s->tls_verify = db_col_int(st, 5) != 0;
		s->page_size = (int)db_col_int(st, 6);
		s->cursor = db_col_dup(st, 7, c->a);
		s->community_id = db_col_int(st, 8);
		s->enabled = db_col_int(st, 9) != 0;
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

/* Keep the resume point, unless the feed was pointed elsewhere (another
 * URL or local collection: feed_update) while this run was going: then
 * the run's position means nothing to the feed and KR_ECONFLICT ends it. */
static int save_cursor(struct ctx *c, int64_t id, const struct feed_secret *s, const char *cursor)
{
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"UPDATE taxii_feeds SET cursor_added = ?2 WHERE id = ?1 AND url = ?3 AND community_id = ?4", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, cursor);
		db_bind_text(st, 3, s->url);
		db_bind_int(st, 4, s->community_id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		if (rc == KR_OK && db_changes(st) == 0)
			rc = KR_ECONFLICT;
		db_done(st);
	}
	return tx_end(c, rc);
}

/* Is the feed still scheduled (not paused meanwhile)? */
static bool still_enabled(struct ctx *c, int64_t id)
{
	struct db_stmt *st;
	if (db_prepare(c->db, "SELECT enabled FROM taxii_feeds WHERE id = ?1", &st))
		return false;
	db_bind_int(st, 1, id);
	bool on = db_step(st) == KR_ROW && db_col_int(st, 0) != 0;
	db_done(st);
	return on;
}

static int save_outcome(struct ctx *c, int64_t id, bool ok, const char *err, int64_t pulled)
{
	char e[400];
	snprintf(e, sizeof e, "%s", ok || !err ? "" : err);
	while (e[0] && !utf8_valid(e, strlen(e)))
		e[strlen(e) - 1] = 0;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db,
			"UPDATE taxii_feeds SET last_run_at = ?2,"
			" last_ok_at = CASE WHEN ?3 = 1 THEN CAST(?2 AS BIGINT) ELSE last_ok_at END,"
			" last_error = ?4, last_pulled = CAST(?5 AS BIGINT), total_pulled = total_pulled + CAST(?5 AS BIGINT),"
			" runs = runs + 1"
			" WHERE id = ?1",
			&st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, c->now);
		db_bind_int(st, 3, ok ? 1 : 0);
		db_bind_text(st, 4, e);
		db_bind_int(st, 5, pulled);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	return tx_end(c, rc);
}

/* Why stix_ingest refused a page, in one line. */
static const char *ingest_reason(struct ctx *c, int rc, const struct stix_status *st)
{
	if (rc == KR_EPERM || rc == KR_ENOTFOUND)
		return "the feed's owner may no longer post in the collection";
	if (st->error)
		return arena_printf(c->a, "page rejected: %s", st->error);
	for (size_t i = 0; i < st->total; i++)
		if (st->items[i].reason)
			return arena_printf(c->a, "page rejected, nothing stored: object %s: %s",
					    st->items[i].id ? st->items[i].id : "?", st->items[i].reason);
	return arena_printf(c->a, "page not stored: %s", kr_strerror(rc));
}

int feed_envelope_check(struct arena *a, const char *body, size_t len, bool *more, const char **next,
			size_t *nobjs, const char **err)
{
	*more = false;
	*next = NULL;
	*nobjs = 0;
	json_error_t je;
	int rc = KR_EINVAL;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!root || !json_is_object(root)) {
		*err = root ? "the page is not a TAXII envelope (not a JSON object)"
			    : arena_printf(a, "the page is not JSON: %s", je.text);
		goto done;
	}
	json_t *jm = json_object_get(root, "more"), *jn = json_object_get(root, "next");
	json_t *objs = json_object_get(root, "objects");
	if ((jm && !json_is_boolean(jm)) || (jn && !json_is_string(jn)) || (objs && !json_is_array(objs))) {
		*err = "the page is not a TAXII envelope (more, next or objects of the wrong type)";
		goto done;
	}
	bool m = json_is_true(jm);
	if (m && (!jn || !*json_string_value(jn))) {
		*err = "the page says more but gives no next";
		goto done;
	}
	if (m && strlen(json_string_value(jn)) > FEED_NEXT_MAX) {
		*err = "the page's next is too long";
		goto done;
	}
	*more = m;
	if (m)
		*next = arena_strdup(a, json_string_value(jn));
	*nobjs = objs ? json_array_size(objs) : 0;
	rc = KR_OK;
done:
	json_decref(root);
	return rc;
}

/* One page: fetch, check the envelope, ingest.  *more / *next / *last
 * say how to go on. */
static int pull_page(struct ctx *c, struct ctx *oc, const struct feed_secret *s, const char *cursor,
		     const char *next, int64_t *pulled, bool *more, const char **next_out,
		     const char **last, const char **err)
{
	*more = false;
	*next_out = NULL;
	*last = NULL;
	/* What one page needs lives in its own arena: a long run stays small. */
	struct arena *pa = arena_new();
	const char *url = feed_page_url(pa, s->url, s->page_size, cursor, next);
	struct fetch f = {.body = BUF_INIT};
	int rc = fetch_page(c, s, url, &f, err);
	if (rc)
		goto done;
	size_t nobjs = 0;
	if ((rc = feed_envelope_check(c->a, f.body.p ? f.body.p : "", f.body.len, more, next_out, &nobjs, err)))
		goto done;
	*last = f.date_last[0] ? arena_strdup(c->a, f.date_last) : NULL;
	if (nobjs > 0) {
		struct stix_status st;
		oc->a = pa;
		oc->now = c->now;
		int irc = stix_ingest(oc, s->slug, f.body.p, f.body.len, STIX_DOC_ENVELOPE, &st);
		if (irc) {
			*err = ingest_reason(c, irc, &st);
			rc = irc;
			goto done;
		}
		*pulled += (int64_t)st.total;
	}
done:
	oc->a = c->a;
	arena_free(pa);
	buf_free(&f.body);
	return rc;
}

int feed_pull(struct ctx *c, int64_t id, int64_t *pulled, const char **err)
{
	*pulled = 0;
	*err = NULL;
	struct feed_secret s;
	int rc = load_secret(c, id, &s);
	if (rc)
		return rc;
	struct ctx oc = *c;
	oc.tx_depth = 0;
	bool partial = false;
	if (load_viewer(c, s.person_id, &oc.who)) {
		*err = "the feed's owner is disabled or gone";
		rc = KR_EPERM;
		goto record;
	}
	const char *cursor = s.cursor, *next = NULL;
	int pages = 0;
	int64_t started = now_ms();
	for (;;) {
		bool more;
		const char *nnext, *last;
		rc = pull_page(c, &oc, &s, cursor, next, pulled, &more, &nnext, &last, err);
		if (rc)
			break;
		const char *nc = feed_next_cursor(c->a, s.cursor, last, more);
		if (!str_eq(nc, s.cursor)) {
			if ((rc = save_cursor(c, id, &s, nc))) {
				*err = rc == KR_ECONFLICT ? "the feed was edited during the pull; the next pull uses "
							    "its new settings"
							  : "cannot save the resume point";
				break;
			}
			s.cursor = nc;
		}
		if (!more)
			break;
		/* A long backlog is taken in runs shorter than the job's lease
		 * (so no other node takes the job over meanwhile), each one
		 * resuming where the last stored page ended. */
		if (++pages >= FEED_MAX_PAGES || now_ms() - started > FEED_RUN_MS) {
			partial = true;
			break;
		}
		if (atomic_load(&cancelled)) {
			*err = "interrupted: the server is stopping";
			rc = KR_EUNAVAIL;
			break;
		}
		/* While paging, the first request's added_after stays with next. */
		next = nnext;
	}
record:;
	int src = save_outcome(c, id, rc == KR_OK, *err ? *err : kr_strerror(rc), *pulled);
	/* A feed paused during this run does not go on with its backlog
	 * (a disabled feed pulled on request does). */
	if (partial && s.enabled && !still_enabled(c, id))
		partial = false;
	if (src == KR_OK && partial) {
		if ((src = tx_begin(c)) == KR_OK)
			src = tx_end(c, job_enqueue(c, FEED_JOB, id_text(c, id), c->now));
		log_info("msg=\"feed pull continues in the next run\" feed=%lld", (long long)id);
	}
	if (src)
		log_error("msg=\"feed outcome not recorded\" feed=%lld err=%s", (long long)id, kr_strerror(src));
	if (rc == KR_OK)
		log_info("msg=\"feed pulled\" feed=%lld objects=%lld", (long long)id, (long long)*pulled);
	else
		log_warn("msg=\"feed pull failed\" feed=%lld objects=%lld err=\"%s\"", (long long)id,
			 (long long)*pulled, *err ? *err : kr_strerror(rc));
	return rc ? rc : src;
}

/* ---- scheduling ---- */

int federation_schedule(struct ctx *c)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT f.id, f.interval_s, f.last_run_at FROM taxii_feeds f"
			    " WHERE f.enabled = 1 AND f.space = ?1 AND NOT EXISTS (SELECT 1 FROM jobs j"
			    " WHERE j.kind = ?2 AND j.payload = CAST(f.id AS TEXT) AND j.done_at IS NULL)"
			    " LIMIT 100",
			    &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->space);
	db_bind_text(st, 2, FEED_JOB);
	int64_t ids[100], at[100];
	size_t n = 0;
	while (n < 100 && (rc = db_step(st)) == KR_ROW) {
		ids[n] = db_col_int(st, 0);
		int64_t last = db_col_int(st, 2);
		int64_t when = last ? last + db_col_int(st, 1) * 1000 : c->now;
		at[n++] = when > c->now ? when : c->now;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	rc = KR_OK;
	for (size_t i = 0; i < n && rc == KR_OK; i++) {
		if ((rc = tx_begin(c)))
			break;
		rc = tx_end(c, job_enqueue(c, FEED_JOB, id_text(c, ids[i]), at[i]));
	}
	return rc;
}

int federation_run_job(struct ctx *c, const struct job *j)
{
	int64_t id;
	if (!str_eq(j->kind, FEED_JOB) || parse_i64(j->payload, 1, INT64_MAX, &id))
		return KR_EINVAL;
	int64_t pulled;
	const char *err;
	int rc = feed_pull(c, id, &pulled, &err);
	/* A feed removed meanwhile has nothing left to do. */
	return rc == KR_ENOTFOUND ? KR_OK : rc;
}
