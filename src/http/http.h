/* http.h - the HTTP layer as handlers see it.
 *
 * src/http is the only place that includes microhttpd.h.  It parses each
 * request once into a struct request (path, query, cookies, urlencoded and
 * multipart forms, uploaded files, raw body) under hard caps, finds the route
 * in the one static table (routes.c), authenticates and authorises the
 * caller, checks the CSRF token and the body limit - all before the handler
 * runs - and writes the response with the security headers.
 *
 * Memory: everything in a request lives in r->a (the request's arena),
 * freed when the response is queued.  Handlers never free. */
#ifndef KR_HTTP_H
#define KR_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "core/ctx.h"
#include "lib/buf.h"
#include "lib/kr.h"

struct request;

enum out_kind {
	OUT_HTML,   /* errors rendered as HTML pages */
	OUT_JSON,   /* errors as {"error":{"code","message"}} */
	OUT_TAXII,  /* errors as TAXII error resources */
	OUT_RAW,    /* assets, downloads, /healthz, /metrics: plain-text errors */
};

/* Who may call a route.  Checked by the router before the handler. */
enum access {
	ACC_ANY,        /* anyone, logged in or not */
	ACC_ANON,       /* only when not logged in (login, register) */
	ACC_PRE_MFA,    /* password accepted, second factor pending */
	ACC_USER,       /* any logged-in person (MFA done) */
	ACC_ORG_ADMIN,  /* org-admins (of their own org), coordinators, admins */
	ACC_COORD,      /* coordinators and admins */
	ACC_ADMIN,      /* site admins */
};

/* How the caller authenticates on a route. */
enum auth_kind {
	AUTH_SESSION,   /* session cookie (web pages) */
	AUTH_BEARER,    /* Authorization: Bearer <api key> (JSON API) */
	AUTH_BASIC_OR_BEARER, /* TAXII: HTTP Basic with the key as password, or Bearer */
	AUTH_NONE,      /* never look at credentials */
};

typedef int (*handler_fn)(struct request *r);

struct route {
	const char *method;      /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *pattern;     /* "/orgs/{}"; each {} matches one path segment */
	handler_fn handler;
	enum access access;
	enum auth_kind auth;
	bool csrf;               /* form must carry the session's CSRF token */
	size_t body_limit;       /* bytes; 0 = no body accepted */
	enum out_kind out;
};

/* The application's route table and hooks (defined outside src/http). */
extern const struct route app_routes[];
extern const size_t app_nroutes;

/* One key/value from the query string or a form.  For an uploaded file,
 * filename and ctype are set and val/len hold the bytes. */
struct kv {
	const char *key;
	const char *val;
	size_t len;
	const char *filename;
	const char *ctype;
};

#define REQ_MAX_PARAMS 4

struct request {
	struct arena *a;
	const char *method;
	const char *path;           /* decoded path, no query */
	const char *params[REQ_MAX_PARAMS]; /* {} segments of the route, decoded */
	int nparams;
	const struct route *route;

	struct kv *query;  size_t nquery;
	struct kv *form;   size_t nform;  /* urlencoded or multipart fields */
	const char *body;  size_t body_len; /* raw body (NUL-terminated), any route */
	const char *content_type;

	const char *ip;
	bool https;                 /* TLS in front (X-Forwarded-Proto from a trusted proxy) */
	const char *lang;           /* "ja" or "en": person's choice, else Accept-Language */
	struct ctx ctx;             /* who + db + arena + now */
	const char *csrf;           /* the session's CSRF token, for forms */
	bool mfa_pending;           /* logged in by password, second factor not yet */

	/* Response under construction. */
	int status;
	struct buf out;
	size_t out_skip;            /* leading bytes of out not sent (see resp_skip) */
	const char *out_ctype;
	struct kv *resp_headers; size_t nresp_headers, cap_resp_headers;
	const char *err_key;        /* message key set by req_fail */
	const char *err_detail;     /* optional extra detail (not secret) */

	/* A streamed body (resp_stream): called for each next chunk. */
	int (*stream)(struct request *r, void *ud, struct buf *out);
	void *stream_ud;

	void *priv;                 /* http-internal (connection) */
};

/* Lookups; NULL when absent.  Repeated keys: the first (all of them are in
 * r->query / r->form, in order).  req_form sees text fields only, req_file
 * uploaded files only.  Header names are case-insensitive.
 *
 * What the parser guarantees before any handler runs: the path is
 * percent-decoded valid UTF-8 without NUL, control characters, backslashes,
 * "." or ".." segments or encoded slashes; query and form keys and values
 * are UTF-8 text (no NUL or control characters but tab, CR, LF), each at
 * most 64 KiB, at most 200 of them; files are at most the route's
 * body_limit; the whole body is at most body_limit.  Bad input is answered
 * 400 (err.bad_path, err.bad_utf8, err.bad_request) or 413 (err.too_big). */
const char *req_query(const struct request *r, const char *key);
const char *req_form(const struct request *r, const char *key);
const struct kv *req_file(const struct request *r, const char *key);
const char *req_header(const struct request *r, const char *name);
const char *req_cookie(const struct request *r, const char *name);

/* Fail the request: sets status and message key (a catalogue key such as
 * "err.not_found") and returns status, so handlers end with
 * `return req_fail(r, 404, "err.not_found");`.  The router renders it in
 * the route's output kind and the caller's language. */
int req_fail(struct request *r, int status, const char *msg_key);
int req_fail_detail(struct request *r, int status, const char *msg_key, const char *detail);
/* Map a KR_E* status to the matching failure (404 for KR_ENOTFOUND ...). */
int req_fail_rc(struct request *r, int rc);

/* Response helpers.  Handlers return the HTTP status (200, 303, ...). */
void resp_header(struct request *r, const char *name, const char *value);
/* Set-Cookie with HttpOnly; SameSite=Strict; Path=/ and Secure on HTTPS.
 * max_age_s < 0 deletes the cookie; 0 makes a session cookie. */
void resp_cookie(struct request *r, const char *name, const char *value, int64_t max_age_s);
/* 303 See Other to a local path (must start with '/'). */
int resp_redirect(struct request *r, const char *path);
/* Body bytes with a content type; the status is the return value. */
int resp_bytes(struct request *r, int status, const char *ctype, const void *p, size_t n);
/* A body of unknown length sent in chunks (HTTP/1.1 chunked encoding) so
 * an export of any size takes constant memory.  After the handler returns
 * and the response is queued, fn(r, ud, out) is called each time the
 * previous chunk has been sent: it appends the next chunk to out (emptied
 * before each call) and returns 1 (more to come), 0 (this was the last
 * chunk) or a negative KR_E* (the connection is cut: the client sees a
 * truncated transfer, never a false end).  fn runs after app_finish (no
 * open transaction, r->ctx.db may be stale: take db_thread()), on a
 * worker thread, while r and r->a are still alive; it should use an
 * arena of its own per chunk.  Whatever the handler appends to r->out
 * after resp_stream is sent before the first call.  Returns status. */
int resp_stream(struct request *r, int status, const char *ctype,
		int (*fn)(struct request *r, void *ud, struct buf *out), void *ud);
/* A body built in r->out behind room left at its start (a header written
 * last, in front of what follows it): the first n bytes of r->out are not
 * sent.  The buffer is handed to libmicrohttpd as it is (no copy).  Only
 * for successful answers; any error answer resets it. */
void resp_skip(struct request *r, size_t n);
/* Handlers may also write r->out directly; when r->out_ctype is NULL the
 * Content-Type follows the route's output kind (text/html; charset=utf-8,
 * application/json, application/taxii+json;version=2.1, or text/plain). */

/* Ready-made handlers for the application's route table (http/metrics.c).
 * http_metrics_handler: Prometheus text exposition of the request counters
 * (by method and status class, by route, in flight, latency histogram,
 * bytes sent, process start time).  http_healthz_handler: 200 "ok\n" when
 * db_ping() succeeds on r->ctx.db (or this thread's connection), else 503.
 * Both are meant for GET routes with ACC_ANY, AUTH_NONE, OUT_RAW. */
int http_metrics_handler(struct request *r);
int http_healthz_handler(struct request *r);

/* Server lifecycle (http/server.c). */
struct http_config {
	const char *listen_host;    /* "127.0.0.1" */
	int port;                   /* 8080; 0 = pick a free port */
	int threads;                /* worker threads (0 = number of cores) */
	int conn_limit;             /* total connections */
	int per_ip_limit;           /* 0 = off (behind a reverse proxy) */
	int timeout_s;              /* idle connection timeout */
	bool trust_proxy;           /* honour X-Forwarded-For/-Proto */
	const char *base_url;       /* public URL for links in mail */
};

/* Start serving; returns the bound port in *port_out.  Non-blocking. */
int http_start(const struct http_config *cfg, int *port_out);
/* Stop accepting, finish in-flight requests, join the workers. */
void http_stop(void);

/* Hooks the application implements (web/app.c). */
/* Resolve the caller from the session cookie or key; sets r->ctx.db
 * (db_thread()), fills r->ctx.who, r->csrf, r->mfa_pending, r->lang.
 * Returns KR_OK even for anonymous callers; KR_EUNAVAIL when the database
 * cannot be reached (the router answers 503).  The router has already set
 * r->a, r->ctx.a, r->ctx.now, r->ctx.ip and r->https. */
int app_authenticate(struct request *r, enum auth_kind kind);
/* Render r->status / r->err_key as the route's output kind.  r->route is
 * NULL when no route matched (404, or a path refused with 400 before the
 * lookup); for 405 it is a route of the same path with another method; app_authenticate has not run for errors the router raises
 * before authentication (bad path, 404, 405, 413, malformed body), so
 * r->ctx.who is anonymous and r->lang comes from Accept-Language. */
void app_render_error(struct request *r);
/* Called after the handler (and after any error rendering), before the
 * response is queued: ends any open transaction, releases the request's
 * database use.  Must be safe to call when app_authenticate failed or was
 * never called (then r->ctx.db is NULL). */
void app_finish(struct request *r);

#endif
