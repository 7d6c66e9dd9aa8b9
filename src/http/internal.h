/* internal.h - what the files of src/http share with each other and with
 * nobody else: the per-request state behind r->priv, the router's pure
 * matching and access decisions, response finishing and the metrics
 * counters.  No libmicrohttpd types here: only server.c sees those. */
#ifndef KR_HTTP_INTERNAL_H
#define KR_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* One request's http-internal state; r->priv points here. */
struct http_req {
	struct request r;
	struct kv *headers; size_t nheaders;
	struct kv *cookies; size_t ncookies;
	const char *target;        /* raw request target as received */
	const char *raw_query;     /* raw query string (no '?'), or NULL */
	struct buf body;           /* request body as it arrives (heap) */
	size_t body_limit;
	bool over_limit;           /* the body passed body_limit: answer 413 */
	size_t drained;            /* bytes thrown away since */
	int stage;                 /* HTTP_STAGE_* (server.c) */
	bool answered;             /* a response was queued */
	bool routed;               /* r->route matched method and path */
	int refuse_status;         /* HTTP_STAGE_REFUSED: the answer to give */
	const char *refuse_key, *refuse_detail;
	int64_t start_us;          /* monotonic, for the latency histogram */
	size_t bytes_out;
	size_t stream_off;         /* bytes of r.out already sent (resp_stream) */
	bool stream_done;          /* the stream function said "last chunk" */
};

/* Route lookup over a table.  KR_OK: *out is the route and params[] hold
 * the decoded {} segments (pointing into a copy of path in the arena).
 * KR_ENOTFOUND: no pattern matches (404), *out NULL.  KR_EPERM: the path
 * matches but not the method (405); *allow is the Allow header value and
 * *out the first route with that path (so the error is rendered in its
 * output kind; its handler must not run).  HEAD looks up the GET route. */
int http_route_match(const struct route *routes, size_t n, struct arena *a,
		     const char *method, const char *path, const struct route **out,
		     const char *params[REQ_MAX_PARAMS], int *nparams, const char **allow);

/* The access decision for a resolved caller: 0 when allowed, 401 when the
 * caller must log in (or finish logging in) first, 403 otherwise. */
int http_access_status(const struct request *r, enum access acc);

/* Run a matched request to completion: authenticate, authorise, check
 * CSRF, call the handler, render errors, app_finish().  Sets r->status. */
void http_dispatch(struct request *r);
/* Answer a request the router refuses before authentication (bad path,
 * 404, 405, 413, malformed body): sets the status, renders the error and
 * calls app_finish().  r->route may be NULL. */
void http_fail_early(struct request *r, int status, const char *key);

/* The headers every response carries, in order, for r (security headers,
 * HSTS on HTTPS, Cache-Control unless the handler set one). */
void http_std_headers(const struct request *r,
		      void (*add)(void *cls, const char *name, const char *value), void *cls);

/* Metrics (metrics.c). */
void http_metrics_init(size_t nroutes);
void http_metrics_begin(void);
/* route_idx: index in app_routes or -1; status 0 when no response was
 * queued (the client went away or libmicrohttpd answered itself). */
void http_metrics_end(const char *method, int status, long route_idx, int64_t dur_us,
		      size_t bytes);
int64_t http_mono_us(void);

#endif
