/* router.c - from a parsed request to a response: find the route, resolve
 * and authorise the caller, check the CSRF token, run the handler, render
 * errors in the route's output kind.  Everything a route declares is
 * enforced here, before its handler runs. */
#include <string.h>

#include "http/internal.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"

/* Split a decoded path ("/a/b/c") into segments in place. */
static int split_segments(char *p, char **seg, int max)
{
	int n = 0;
	while (*p == '/') {
		*p++ = '\0';
		if (n == max)
			return -1;
		seg[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	return n;
}

#define MAX_SEGS 32

/* Does the pattern match the segments?  Captures {} segments. */
static bool pattern_match(const char *pat, char **seg, int nseg, const char **params, int *np)
{
	int i = 0;
	int ncap = 0;
	const char *p = pat;
	while (*p == '/') {
		p++;
		const char *e = strchr(p, '/');
		size_t pl = e ? (size_t)(e - p) : strlen(p);
		if (i >= nseg)
			return false;
		if (pl == 2 && p[0] == '{' && p[1] == '}') {
			if (seg[i][0] == '\0' || ncap >= REQ_MAX_PARAMS)
				return false;
			if (params)
				params[ncap] = seg[i];
			ncap++;
		} else if (strlen(seg[i]) != pl || memcmp(seg[i], p, pl) != 0) {
			return false;
		}
		i++;
		p += pl;
	}
	if (i != nseg)
		return false;
	if (np)
		*np = ncap;
	return true;
}

int http_route_match(const struct route *routes, size_t n, struct arena *a,
		     const char *method, const char *path, const struct route **out,
		     const char *params[REQ_MAX_PARAMS], int *nparams, const char **allow)
{
	char *copy = arena_strdup(a, path);
	char *seg[MAX_SEGS];
	*out = NULL;
	*nparams = 0;
	*allow = NULL;
	int nseg = split_segments(copy, seg, MAX_SEGS);
	if (nseg < 0)
		return KR_ENOTFOUND;
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	struct buf methods = BUF_INIT;
	bool any = false, get = false;
	const struct route *first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!pattern_match(routes[i].pattern, seg, nseg, NULL, NULL))
			continue;
		if (strcmp(routes[i].method, want) == 0) {
			pattern_match(routes[i].pattern, seg, nseg, params, nparams);
			*out = &routes[i];
			buf_free(&methods);
			return KR_OK;
		}
		if (!first)
			first = &routes[i];
		/* List each method once. */
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(routes[j].method, routes[i].method) == 0 &&
			    pattern_match(routes[j].pattern, seg, nseg, NULL, NULL))
				seen = true;
		if (seen)
			continue;
		buf_printf(&methods, "%s%s", any ? ", " : "", routes[i].method);
		any = true;
		if (strcmp(routes[i].method, "GET") == 0)
			get = true;
	}
	if (!any) {
		buf_free(&methods);
		return KR_ENOTFOUND;
	}
	if (get)
		buf_adds(&methods, ", HEAD");
	*allow = arena_strdup(a, methods.p);
	buf_free(&methods);
	*out = first; /* for the error's output kind only */
	return KR_EPERM;
}

int http_access_status(const struct request *r, enum access acc)
{
	const struct viewer *w = &r->ctx.who;
	bool person = w->person_id != 0;
	bool full = person && !r->mfa_pending;
	switch (acc) {
	case ACC_ANY:
		return 0;
	case ACC_ANON:
		return full ? 403 : 0;
	case ACC_PRE_MFA:
		if (person && r->mfa_pending)
			return 0;
		return person ? 403 : 401;
	case ACC_USER:
		return full ? 0 : 401;
	case ACC_ORG_ADMIN:
		if (!full)
			return 401;
		return (w->org_admin || w->role >= ROLE_COORDINATOR) ? 0 : 403;
	case ACC_COORD:
		if (!full)
			return 401;
		return w->role >= ROLE_COORDINATOR ? 0 : 403;
	case ACC_ADMIN:
		if (!full)
			return 401;
		return w->role == ROLE_ADMIN ? 0 : 403;
	}
	return 403;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

/* "/login?next=<this path and query, percent-encoded>" */
static const char *login_url(struct request *r)
{
	const struct http_req *h = r->priv;
	struct buf b = BUF_INIT;
	buf_adds(&b, "/login?next=");
	const char *target = r->path;
	if (h && h->raw_query && strcmp(r->method, "GET") == 0)
		target = arena_printf(r->a, "%s?%s", r->path, h->raw_query);
	for (const unsigned char *p = (const unsigned char *)target; *p; p++) {
		if (unreserved(*p))
			buf_addc(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	const char *s = arena_strdup(r->a, b.p);
	buf_free(&b);
	return s;
}

static void login_required(struct request *r)
{
	const struct route *rt = r->route;
	if (rt->out == OUT_HTML || (rt->out == OUT_RAW && rt->auth == AUTH_SESSION)) {
		resp_redirect(r, login_url(r));
		return;
	}
	req_fail(r, 401, "err.login_required");
	if (rt->out == OUT_TAXII)
		resp_header(r, "WWW-Authenticate", "Basic realm=\"kairan\"");
	else
		resp_header(r, "WWW-Authenticate", "Bearer");
}

static bool csrf_ok(const struct request *r)
{
	const char *want = r->csrf;
	const char *got = req_form(r, "csrf");
	if (!got)
		got = req_header(r, "X-CSRF-Token");
	if (str_empty(want) || !got)
		return false;
	size_t n = strlen(want);
	return strlen(got) == n && ct_equal(got, want, n);
}

static void finish(struct request *r)
{
	if (r->status >= 400 && r->out.len == 0)
		app_render_error(r);
	app_finish(r);
}

void http_fail_early(struct request *r, int status, const char *key)
{
	req_fail(r, status, key);
	finish(r);
}

void http_dispatch(struct request *r)
{
	const struct route *rt = r->route;
	int rc = app_authenticate(r, rt->auth);
	if (rc == KR_EUNAVAIL || rc == KR_EBUSY) {
		req_fail(r, 503, "err.unavailable");
		goto done;
	}
	if (rc == KR_EAUTH) {
		login_required(r);
		goto done;
	}
	if (rc != KR_OK) {
		log_error("http: authentication failed rc=%s path=%s", kr_strerror(rc), r->path);
		req_fail(r, 500, "err.internal");
		goto done;
	}
	int acc = http_access_status(r, rt->access);
	if (acc == 401) {
		login_required(r);
		goto done;
	}
	if (acc == 403) {
		/* A logged-in person on the login or register page goes home. */
		if (rt->access == ACC_ANON && rt->out == OUT_HTML)
			resp_redirect(r, "/");
		else
			req_fail(r, 403, "err.forbidden");
		goto done;
	}
	if (rt->csrf && !csrf_ok(r)) {
		req_fail(r, 403, "err.csrf");
		goto done;
	}
	int st = rt->handler(r);
	if (st < 100 || st > 599) {
		log_error("http: handler returned status=%d path=%s", st, r->path);
		buf_reset(&r->out);
		req_fail(r, 500, "err.internal");
	} else {
		r->status = st;
	}
done:
	finish(r);
}
