/* test_http_server.c - the HTTP layer driven over real HTTP.
 *
 * This file defines its own route table and app_* hooks (they win over the
 * application's at link time), starts the real server with http_start on a
 * free loopback port, and talks to it with libcurl: routing, 404/405,
 * HEAD, params, repeated query keys, forms and uploads, JSON bodies, body
 * caps (by Content-Length and while reading a chunked body), CSRF, access
 * levels and the three kinds of "log in first", security headers, refused
 * paths, oversized headers, 503 when the database is down, metrics, and a
 * graceful stop with a request in flight.
 *
 * The test viewer comes from an X-Test-Role request header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "store/db.h"

/* ---- the test application ---- */

static atomic_int n_auth, n_finish, n_render;

static int h_hello(struct request *r)
{
	buf_adds(&r->out, "hello");
	return 200;
}

static int h_params(struct request *r)
{
	buf_printf(&r->out, "n=%d", r->nparams);
	for (int i = 0; i < r->nparams; i++)
		buf_printf(&r->out, " [%s]", r->params[i]);
	return 200;
}

static int h_query(struct request *r)
{
	for (size_t i = 0; i < r->nquery; i++)
		buf_printf(&r->out, "%s=%s;", r->query[i].key, r->query[i].val);
	const char *a = req_query(r, "a");
	buf_printf(&r->out, " first=%s", a ? a : "(none)");
	return 200;
}

static int h_form(struct request *r)
{
	for (size_t i = 0; i < r->nform; i++) {
		const struct kv *kv = &r->form[i];
		if (kv->filename)
			buf_printf(&r->out, "file %s %s %s %zu;", kv->key, kv->filename, kv->ctype,
				   kv->len);
		else
			buf_printf(&r->out, "%s=%s;", kv->key, kv->val);
	}
	const struct kv *f = req_file(r, "up");
	if (f && f->len >= 4)
		buf_printf(&r->out, " head=%.4s", f->val);
	return 200;
}

static int h_json(struct request *r)
{
	buf_printf(&r->out, "{\"len\":%zu,\"body\":%.*s}", r->body_len, (int)r->body_len,
		   r->body ? r->body : "");
	return 200;
}

static int h_who(struct request *r)
{
	buf_printf(&r->out, "person=%lld", (long long)r->ctx.who.person_id);
	return 200;
}

static int h_fail(struct request *r) { return req_fail(r, 409, "err.conflict"); }

static int h_fail_rc(struct request *r) { return req_fail_rc(r, KR_ELOCKED); }

static int h_cache(struct request *r)
{
	resp_header(r, "Cache-Control", "public, max-age=60");
	return resp_bytes(r, 200, "text/css", "a{}", 3);
}

static int h_own_ctype(struct request *r)
{
	resp_header(r, "Content-Type", "text/csv; charset=utf-8");
	buf_adds(&r->out, "a,b\n");
	return 200;
}

static int h_cookie(struct request *r)
{
	resp_cookie(r, "sid", "abc", 3600);
	resp_cookie(r, "old", "x", -1);
	resp_cookie(r, "bad;name", "x", 0); /* refused */
	return resp_bytes(r, 200, "text/plain", "ok", 2);
}

static int h_redirect(struct request *r)
{
	const char *to = req_query(r, "to");
	return resp_redirect(r, to);
}

static int h_ip(struct request *r)
{
	buf_printf(&r->out, "ip=%s https=%d", r->ip, r->https);
	return 200;
}

static int h_slow(struct request *r)
{
	struct timespec ts = {1, 0};
	nanosleep(&ts, NULL);
	buf_adds(&r->out, "slow done");
	return 200;
}

static int h_bad_status(struct request *r)
{
	buf_adds(&r->out, "partial");
	KR_UNUSED(r);
	return 0;
}

static int h_cookie_echo(struct request *r)
{
	const char *a = req_cookie(r, "a");
	const char *b = req_cookie(r, "b");
	buf_printf(&r->out, "a=%s b=%s", a ? a : "-", b ? b : "-");
	return 200;
}

/* resp_skip: a head written last into room left in front of the body. */
static int h_skip(struct request *r)
{
	const char *q = req_query(r, "n");
	buf_adds(&r->out, "..........body");
	memcpy(r->out.p + 6, "head", 4);
	resp_skip(r, q ? (size_t)atoi(q) : 6);
	return 200;
}

static int h_skip_fail(struct request *r)
{
	buf_adds(&r->out, "..........body");
	resp_skip(r, 6);
	return req_fail(r, 409, "err.conflict");
}

const struct route app_routes[] = {
	{"GET", "/", h_hello, ACC_ANY, AUTH_SESSION, false, 0, OUT_HTML},
	{"GET", "/orgs/{}", h_params, ACC_ANY, AUTH_SESSION, false, 0, OUT_HTML},
	{"POST", "/orgs/{}", h_form, ACC_USER, AUTH_SESSION, true, 65536, OUT_HTML},
	{"DELETE", "/orgs/{}", h_hello, ACC_USER, AUTH_SESSION, true, 0, OUT_HTML},
	{"GET", "/orgs/{}/people/{}", h_params, ACC_ANY, AUTH_SESSION, false, 0, OUT_HTML},
	{"GET", "/q", h_query, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"POST", "/form", h_form, ACC_ANY, AUTH_SESSION, false, 1 << 20, OUT_HTML},
	{"POST", "/small", h_form, ACC_ANY, AUTH_SESSION, false, 1024, OUT_HTML},
	{"POST", "/api/json", h_json, ACC_USER, AUTH_BEARER, false, 1024, OUT_JSON},
	{"GET", "/api/me", h_who, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON},
	{"GET", "/taxii2/", h_who, ACC_USER, AUTH_BASIC_OR_BEARER, false, 0, OUT_TAXII},
	{"GET", "/admin", h_who, ACC_ADMIN, AUTH_SESSION, false, 0, OUT_HTML},
	{"GET", "/coord", h_who, ACC_COORD, AUTH_SESSION, false, 0, OUT_HTML},
	{"GET", "/orgadmin", h_who, ACC_ORG_ADMIN, AUTH_SESSION, false, 0, OUT_HTML},
	{"GET", "/login", h_hello, ACC_ANON, AUTH_SESSION, false, 0, OUT_HTML},
	{"GET", "/mfa", h_who, ACC_PRE_MFA, AUTH_SESSION, false, 0, OUT_HTML},
	{"GET", "/fail", h_fail, ACC_ANY, AUTH_SESSION, false, 0, OUT_HTML},
	{"GET", "/locked", h_fail_rc, ACC_ANY, AUTH_SESSION, false, 0, OUT_JSON},
	{"GET", "/cache", h_cache, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/csv", h_own_ctype, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"GET", "/cookie", h_cookie, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/cookies", h_cookie_echo, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/go", h_redirect, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"GET", "/ip", h_ip, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/slow", h_slow, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/badstatus", h_bad_status, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/metrics", http_metrics_handler, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/healthz", http_healthz_handler, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/skip", h_skip, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/skipfail", h_skip_fail, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
};
const size_t app_nroutes = KR_ARRAY_LEN(app_routes);

int app_authenticate(struct request *r, enum auth_kind kind)
{
	atomic_fetch_add(&n_auth, 1);
	if (kind == AUTH_NONE)
		return KR_OK;
	const char *role = req_header(r, "X-Test-Role");
	r->csrf = "tok-123456";
	if (!role)
		return KR_OK;
	if (strcmp(role, "unavail") == 0)
		return KR_EUNAVAIL;
	r->ctx.who.person_id = 7;
	r->ctx.who.role = ROLE_MEMBER;
	if (strcmp(role, "admin") == 0)
		r->ctx.who.role = ROLE_ADMIN;
	else if (strcmp(role, "coord") == 0)
		r->ctx.who.role = ROLE_COORDINATOR;
	else if (strcmp(role, "orgadmin") == 0)
		r->ctx.who.org_admin = true;
	else if (strcmp(role, "mfa") == 0)
		r->mfa_pending = true;
	return KR_OK;
}

void app_render_error(struct request *r)
{
	atomic_fetch_add(&n_render, 1);
	if (r->route && r->route->out == OUT_JSON) {
		buf_printf(&r->out, "{\"error\":{\"code\":%d,\"message\":\"%s\"}}", r->status,
			   r->err_key ? r->err_key : "-");
		r->out_ctype = "application/json";
		return;
	}
	buf_printf(&r->out, "ERR %d %s lang=%s", r->status, r->err_key ? r->err_key : "-",
		   r->lang ? r->lang : "-");
	r->out_ctype = "text/plain; charset=utf-8";
}

void app_finish(struct request *r)
{
	KR_UNUSED(r);
	atomic_fetch_add(&n_finish, 1);
}

/* ---- the client ---- */

static int port;

struct resp {
	long status;
	struct buf body;
	struct buf head;
	CURLcode cc;
};

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
	buf_add(&((struct resp *)u)->body, p, sz * n);
	return sz * n;
}

static size_t on_head(char *p, size_t sz, size_t n, void *u)
{
	buf_add(&((struct resp *)u)->head, p, sz * n);
	return sz * n;
}

static void resp_free(struct resp *r)
{
	buf_free(&r->body);
	buf_free(&r->head);
}

/* Value of response header name (first), copied into out; false if absent. */
static bool header_of(const struct resp *r, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *p = r->head.p;
	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = ll - (size_t)(v - p);
			if (vl >= outsz)
				vl = outsz - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return true;
		}
		p = eol ? eol + 2 : NULL;
	}
	return false;
}

static int count_header(const struct resp *r, const char *name)
{
	int c = 0;
	size_t nl = strlen(name);
	for (const char *p = r->head.p; p && (p = strstr(p, "\r\n")); p += 2)
		if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':')
			c++;
	return c;
}

struct reader {
	size_t left;
};

static size_t on_read(char *p, size_t sz, size_t n, void *u)
{
	struct reader *rd = u;
	size_t k = sz * n < rd->left ? sz * n : rd->left;
	memset(p, 'x', k);
	rd->left -= k;
	return k;
}

struct req_opts {
	const char *method;
	const char *body;
	size_t body_len;
	size_t chunked_len;   /* send this many bytes chunked instead */
	curl_mime *mime;
	const char *hdrs[8];
};

static void do_req(const char *path, const struct req_opts *o, struct resp *out)
{
	memset(out, 0, sizeof(*out));
	CURL *c = curl_easy_init();
	assert_non_null(c);
	char url[4096];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_head);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	struct curl_slist *hl = NULL;
	for (int i = 0; o && i < 8 && o->hdrs[i]; i++)
		hl = curl_slist_append(hl, o->hdrs[i]);
	struct reader rd = {0};
	if (o && o->chunked_len) {
		rd.left = o->chunked_len;
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
		hl = curl_slist_append(hl, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	} else if (o && o->mime) {
		curl_easy_setopt(c, CURLOPT_MIMEPOST, o->mime);
	} else if (o && o->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)o->body_len);
	}
	if (o && o->method) {
		if (strcmp(o->method, "HEAD") == 0)
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		else
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	}
	if (hl)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	out->cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (!out->body.p)
		buf_adds(&out->body, "");
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

static long get(const char *path, struct resp *out, const char *hdr)
{
	struct req_opts o = {.hdrs = {hdr}};
	do_req(path, &o, out);
	return out->status;
}

static long post(const char *path, const char *ctype, const char *body, struct resp *out,
		 const char *hdr)
{
	char ct[256];
	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
	struct req_opts o = {.body = body, .body_len = strlen(body), .hdrs = {ct, hdr}};
	do_req(path, &o, out);
	return out->status;
}

/* ---- tests ---- */

static void test_routing(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	assert_int_equal(get("/", &r, NULL), 200);
	assert_string_equal(r.body.p, "hello");
	char v[256];
	assert_true(header_of(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/html; charset=utf-8");
	resp_free(&r);

	assert_int_equal(get("/orgs/42", &r, NULL), 200);
	assert_string_equal(r.body.p, "n=1 [42]");
	resp_free(&r);

	assert_int_equal(get("/orgs/a%20b/people/%E6%97%A5", &r, NULL), 200);
	assert_string_equal(r.body.p, "n=2 [a b] [\xE6\x97\xA5]");
	resp_free(&r);

	/* {} needs a non-empty segment; extra segments do not match. */
	assert_int_equal(get("/orgs/", &r, NULL), 404);
	assert_string_equal(r.body.p, "ERR 404 err.not_found lang=en");
	resp_free(&r);
	assert_int_equal(get("/orgs/1/x", &r, NULL), 404);
	resp_free(&r);
	assert_int_equal(get("/nope", &r, "Accept-Language: ja,en;q=0.5"), 404);
	assert_string_equal(r.body.p, "ERR 404 err.not_found lang=ja");
	resp_free(&r);
}

static void test_method_not_allowed(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	struct req_opts o = {.method = "PUT"};
	do_req("/orgs/1", &o, &r);
	assert_int_equal(r.status, 405);
	char v[256];
	assert_true(header_of(&r, "Allow", v, sizeof(v)));
	assert_string_equal(v, "GET, POST, DELETE, HEAD");
	assert_non_null(strstr(r.body.p, "err.method"));
	resp_free(&r);

	struct req_opts o2 = {.method = "GET"};
	do_req("/form", &o2, &r);
	assert_int_equal(r.status, 405);
	assert_true(header_of(&r, "Allow", v, sizeof(v)));
	assert_string_equal(v, "POST");
	resp_free(&r);

	/* A 405 on an API path is rendered as the API renders errors. */
	do_req("/api/json", &o2, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.body.p, "{\"error\":{\"code\":405,\"message\":\"err.method\"}}");
	resp_free(&r);
}

static void test_head(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	struct req_opts o = {.method = "HEAD"};
	do_req("/orgs/9", &o, &r);
	assert_int_equal(r.cc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	char v[64];
	assert_true(header_of(&r, "Content-Length", v, sizeof(v)));
	assert_string_equal(v, "7"); /* the GET body "n=1 [9]", not sent */
	resp_free(&r);
}

static void test_query(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	assert_int_equal(get("/q?a=1&b=x+y&a=2&&c&d=%26%3D", &r, NULL), 200);
	assert_string_equal(r.body.p, "a=1;b=x y;a=2;c=;d=&=; first=1");
	resp_free(&r);
	assert_int_equal(get("/q", &r, NULL), 200);
	assert_string_equal(r.body.p, " first=(none)");
	resp_free(&r);
	assert_int_equal(get("/q?a=%FF", &r, NULL), 400);
	assert_non_null(strstr(r.body.p, "err.bad_utf8"));
	resp_free(&r);
	assert_int_equal(get("/q?a=%zz", &r, NULL), 400);
	resp_free(&r);
}

static void test_bad_paths(void **state)
{
	KR_UNUSED(state);
	static const char *const bad[] = {
		"/orgs/..", "/orgs/%2e%2e", "/orgs/./x", "/a/../orgs/1", "/orgs/a%2Fb",
		"/orgs/a%5cb", "/orgs/a\\b", "/orgs/%00", "/orgs/%FF", "/orgs/%C0%AF",
		"/orgs/%", "/orgs/%0a",
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(bad); i++) {
		struct resp r;
		get(bad[i], &r, NULL);
		if (r.status != 400)
			fail_msg("path %s gave %ld", bad[i], r.status);
		resp_free(&r);
	}
	struct resp r;
	get("/orgs/%2e%2e", &r, NULL);
	assert_non_null(strstr(r.body.p, "err.bad_path"));
	resp_free(&r);
	get("/orgs/%FF", &r, NULL);
	assert_non_null(strstr(r.body.p, "err.bad_utf8"));
	resp_free(&r);
	/* A dot inside a segment is fine. */
	assert_int_equal(get("/orgs/a..b", &r, NULL), 200);
	assert_string_equal(r.body.p, "n=1 [a..b]");
	resp_free(&r);
}

static void test_security_headers(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	get("/", &r, NULL);
	char v[512];
	assert_true(header_of(&r, "Content-Security-Policy", v, sizeof(v)));
	assert_string_equal(v, "default-src 'self'; script-src 'self'; style-src 'self'; "
			       "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
			       "form-action 'self'; frame-ancestors 'none'");
	assert_true(header_of(&r, "X-Content-Type-Options", v, sizeof(v)));
	assert_string_equal(v, "nosniff");
	assert_true(header_of(&r, "X-Frame-Options", v, sizeof(v)));
	assert_string_equal(v, "DENY");
	assert_true(header_of(&r, "Referrer-Policy", v, sizeof(v)));
	assert_string_equal(v, "same-origin");
	assert_true(header_of(&r, "Cross-Origin-Opener-Policy", v, sizeof(v)));
	assert_string_equal(v, "same-origin");
	assert_true(header_of(&r, "Permissions-Policy", v, sizeof(v)));
	assert_string_equal(v, "camera=(), microphone=(), geolocation=()");
	assert_true(header_of(&r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "no-store");
	assert_false(header_of(&r, "Strict-Transport-Security", v, sizeof(v)));
	resp_free(&r);

	/* Errors carry them too. */
	get("/nope", &r, NULL);
	assert_true(header_of(&r, "X-Frame-Options", v, sizeof(v)));
	assert_true(header_of(&r, "Content-Security-Policy", v, sizeof(v)));
	resp_free(&r);

	/* A handler's own Cache-Control replaces the default. */
	get("/cache", &r, NULL);
	assert_int_equal(count_header(&r, "Cache-Control"), 1);
	assert_true(header_of(&r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "public, max-age=60");
	assert_true(header_of(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/css");
	resp_free(&r);

	/* A Content-Type set as a header is the only one. */
	get("/csv", &r, NULL);
	assert_int_equal(count_header(&r, "Content-Type"), 1);
	assert_true(header_of(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/csv; charset=utf-8");
	resp_free(&r);

	/* HTTPS via the trusted proxy: HSTS and Secure cookies. */
	get("/cookie", &r, "X-Forwarded-Proto: https");
	assert_true(header_of(&r, "Strict-Transport-Security", v, sizeof(v)));
	assert_string_equal(v, "max-age=31536000");
	assert_int_equal(count_header(&r, "Set-Cookie"), 2);
	assert_true(header_of(&r, "Set-Cookie", v, sizeof(v)));
	assert_string_equal(v, "sid=abc; Max-Age=3600; Path=/; HttpOnly; SameSite=Strict; Secure");
	assert_non_null(strstr(r.head.p, "old=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure"));
	resp_free(&r);
	get("/cookie", &r, NULL);
	assert_true(header_of(&r, "Set-Cookie", v, sizeof(v)));
	assert_string_equal(v, "sid=abc; Max-Age=3600; Path=/; HttpOnly; SameSite=Strict");
	resp_free(&r);
}

static void test_proxy_ip_and_cookies(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	get("/ip", &r, NULL);
	assert_string_equal(r.body.p, "ip=127.0.0.1 https=0");
	resp_free(&r);
	get("/ip", &r, "X-Forwarded-For: 6.6.6.6, 203.0.113.9");
	assert_string_equal(r.body.p, "ip=203.0.113.9 https=0");
	resp_free(&r);
	get("/ip", &r, "X-Forwarded-For: not-an-ip");
	assert_string_equal(r.body.p, "ip=127.0.0.1 https=0");
	resp_free(&r);
	get("/cookies", &r, "Cookie: x=1; a=\"q\"; b=2; a=3");
	assert_string_equal(r.body.p, "a=q b=2");
	resp_free(&r);
}

static void test_redirects(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	char v[256];
	static const struct {
		const char *q, *loc;
	} cases[] = {
		{"/go?to=/orgs/1", "/orgs/1"},
		{"/go?to=//evil.example/", "/"},
		{"/go?to=/%5Cevil.example", "/"},
		{"/go?to=https://evil.example/", "/"},
		{"/go?to=", "/"},
		{"/go", "/"},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(cases); i++) {
		assert_int_equal(get(cases[i].q, &r, NULL), 303);
		assert_true(header_of(&r, "Location", v, sizeof(v)));
		assert_string_equal(v, cases[i].loc);
		resp_free(&r);
	}
}

static void test_forms(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	assert_int_equal(post("/form", "application/x-www-form-urlencoded",
			      "a=1&b=%E6%97%A5+x&a=2", &r, NULL),
			 200);
	assert_string_equal(r.body.p, "a=1;b=\xE6\x97\xA5 x;a=2;");
	resp_free(&r);
	assert_int_equal(post("/form", "application/x-www-form-urlencoded", "a=%C3%28", &r, NULL),
			 400);
	assert_non_null(strstr(r.body.p, "err.bad_utf8"));
	resp_free(&r);

	/* Multipart with a text field and a file, through curl's encoder. */
	CURL *c = curl_easy_init();
	curl_mime *m = curl_mime_init(c);
	curl_mimepart *p = curl_mime_addpart(m);
	curl_mime_name(p, "title");
	curl_mime_data(p, "\xE6\x97\xA5\xE6\x9C\xAC", CURL_ZERO_TERMINATED);
	p = curl_mime_addpart(m);
	curl_mime_name(p, "up");
	static const char bin[] = "\x89PNG\r\n--\0\xff binary";
	curl_mime_data(p, bin, sizeof(bin) - 1);
	curl_mime_filename(p, "a \"b\".png");
	curl_mime_type(p, "image/png");
	struct req_opts o = {.mime = m};
	do_req("/form", &o, &r);
	assert_int_equal(r.status, 200);
	char want[256];
	snprintf(want, sizeof(want), "title=\xE6\x97\xA5\xE6\x9C\xAC;file up a %%22b%%22.png image/png %zu; head=\x89PNG",
		 sizeof(bin) - 1);
	/* curl escapes the quotes in the filename as %22 (as browsers do). */
	assert_string_equal(r.body.p, want);
	resp_free(&r);
	curl_mime_free(m);
	curl_easy_cleanup(c);

	/* Hand-made multipart: quoted parameters with ';' and escaped quotes. */
	const char *mp = "--XyZ\r\n"
			 "Content-Disposition: form-data; name=\"n;1\"; filename=\"q\\\"x.txt\"\r\n"
			 "Content-Type: text/plain\r\n\r\n"
			 "hello\r\n"
			 "--XyZ--\r\n";
	assert_int_equal(post("/form", "multipart/form-data; boundary=XyZ", mp, &r, NULL), 200);
	assert_string_equal(r.body.p, "file n;1 q\"x.txt text/plain 5;");
	resp_free(&r);

	/* Missing boundary and a truncated body. */
	assert_int_equal(post("/form", "multipart/form-data", mp, &r, NULL), 400);
	resp_free(&r);
	assert_int_equal(post("/form", "multipart/form-data; boundary=XyZ",
			      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc", &r,
			      NULL),
			 400);
	assert_non_null(strstr(r.body.p, "err.bad_request"));
	resp_free(&r);
}

static void test_json_body(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	const char *body = "{\"a\":[1,2,3]}";
	assert_int_equal(post("/api/json", "application/json", body, &r, "X-Test-Role: member"),
			 200);
	assert_string_equal(r.body.p, "{\"len\":13,\"body\":{\"a\":[1,2,3]}}");
	char v[128];
	assert_true(header_of(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "application/json");
	resp_free(&r);
}

static void test_body_limits(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	/* Content-Length over the cap: refused before the body is read. */
	char *big = malloc(4096);
	memset(big, 'a', 4095);
	big[0] = 'k';
	big[1] = '=';
	big[4095] = '\0';
	int before = atomic_load(&n_auth);
	assert_int_equal(post("/small", "application/x-www-form-urlencoded", big, &r, NULL), 413);
	assert_non_null(strstr(r.body.p, "err.too_big"));
	assert_int_equal(atomic_load(&n_auth), before); /* never got to authentication */
	resp_free(&r);
	/* Exactly at the cap is fine. */
	big[1024] = '\0';
	assert_int_equal(post("/small", "application/x-www-form-urlencoded", big, &r, NULL), 200);
	resp_free(&r);
	free(big);

	/* A body on a route that takes none. */
	struct req_opts o = {.method = "DELETE", .body = "x=1", .body_len = 3,
			     .hdrs = {"X-Test-Role: member"}};
	do_req("/orgs/1", &o, &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	/* ...and the same route without one goes on to CSRF. */
	struct req_opts o2 = {.method = "DELETE", .hdrs = {"X-Test-Role: member"}};
	do_req("/orgs/1", &o2, &r);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body.p, "err.csrf"));
	resp_free(&r);

	/* Chunked, no length: stopped once the cap is passed. */
	struct req_opts o3 = {.chunked_len = 256 * 1024, .hdrs = {"X-Test-Role: member"}};
	do_req("/api/json", &o3, &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	/* Far over the cap: the connection is closed (or 413), the server lives. */
	struct req_opts o5 = {.chunked_len = 8u << 20, .hdrs = {"X-Test-Role: member"}};
	do_req("/api/json", &o5, &r);
	assert_true(r.cc != CURLE_OK || r.status == 413);
	resp_free(&r);
	/* Chunked under the cap works. */
	struct req_opts o4 = {.chunked_len = 1000, .hdrs = {"X-Test-Role: member"}};
	do_req("/api/json", &o4, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.p, "{\"len\":1000,"));
	resp_free(&r);

	/* Too many fields. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 201; i++)
		buf_printf(&b, "f%d=1&", i);
	assert_int_equal(post("/form", "application/x-www-form-urlencoded", b.p, &r, NULL), 413);
	resp_free(&r);
	buf_free(&b);
}

static void test_csrf(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	const char *ct = "application/x-www-form-urlencoded";
	assert_int_equal(post("/orgs/5", ct, "name=x&csrf=tok-123456", &r, "X-Test-Role: member"),
			 200);
	assert_string_equal(r.body.p, "name=x;csrf=tok-123456;");
	resp_free(&r);
	assert_int_equal(post("/orgs/5", ct, "name=x&csrf=tok-123457", &r, "X-Test-Role: member"),
			 403);
	assert_non_null(strstr(r.body.p, "err.csrf"));
	resp_free(&r);
	assert_int_equal(post("/orgs/5", ct, "name=x&csrf=tok", &r, "X-Test-Role: member"), 403);
	resp_free(&r);
	assert_int_equal(post("/orgs/5", ct, "name=x", &r, "X-Test-Role: member"), 403);
	resp_free(&r);
	/* The header works too. */
	struct req_opts o = {.body = "name=y", .body_len = 6,
			     .hdrs = {"X-Test-Role: member", "X-CSRF-Token: tok-123456",
				      "Content-Type: application/x-www-form-urlencoded"}};
	do_req("/orgs/5", &o, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static void test_access(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	char v[256];
	/* Not logged in: HTML redirects to the login page, keeping the path. */
	assert_int_equal(get("/admin?x=1", &r, NULL), 303);
	assert_true(header_of(&r, "Location", v, sizeof(v)));
	assert_string_equal(v, "/login?next=/admin%3Fx%3D1");
	resp_free(&r);
	/* JSON: 401 Bearer; TAXII: 401 Basic. */
	assert_int_equal(get("/api/me", &r, NULL), 401);
	assert_true(header_of(&r, "WWW-Authenticate", v, sizeof(v)));
	assert_string_equal(v, "Bearer");
	assert_non_null(strstr(r.body.p, "err.login_required"));
	resp_free(&r);
	assert_int_equal(get("/taxii2/", &r, NULL), 401);
	assert_true(header_of(&r, "WWW-Authenticate", v, sizeof(v)));
	assert_string_equal(v, "Basic realm=\"kairan\"");
	resp_free(&r);

	static const struct {
		const char *path, *role;
		long status;
	} cases[] = {
		{"/api/me", "X-Test-Role: member", 200},
		{"/api/me", "X-Test-Role: mfa", 401},
		{"/admin", "X-Test-Role: member", 403},
		{"/admin", "X-Test-Role: coord", 403},
		{"/admin", "X-Test-Role: admin", 200},
		{"/admin", "X-Test-Role: mfa", 303},
		{"/coord", "X-Test-Role: member", 403},
		{"/coord", "X-Test-Role: coord", 200},
		{"/coord", "X-Test-Role: admin", 200},
		{"/orgadmin", "X-Test-Role: member", 403},
		{"/orgadmin", "X-Test-Role: orgadmin", 200},
		{"/orgadmin", "X-Test-Role: coord", 200},
		{"/mfa", "X-Test-Role: mfa", 200},
		{"/mfa", "X-Test-Role: member", 403},
		{"/mfa", NULL, 303},
		{"/login", NULL, 200},
		{"/login", "X-Test-Role: mfa", 200},
		{"/login", "X-Test-Role: member", 303},
		{"/api/me", "X-Test-Role: unavail", 503},
		{"/", "X-Test-Role: unavail", 503},
		{"/q", "X-Test-Role: unavail", 200}, /* AUTH_NONE: never looked */
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(cases); i++) {
		get(cases[i].path, &r, cases[i].role);
		if (r.status != cases[i].status)
			fail_msg("%s as %s: %ld, want %ld", cases[i].path,
				 cases[i].role ? cases[i].role : "anon", r.status, cases[i].status);
		resp_free(&r);
	}
	get("/admin", &r, "X-Test-Role: member");
	assert_non_null(strstr(r.body.p, "err.forbidden"));
	resp_free(&r);
	get("/api/me", &r, "X-Test-Role: unavail");
	assert_non_null(strstr(r.body.p, "err.unavailable"));
	resp_free(&r);
}

static void test_errors(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	int before = atomic_load(&n_render);
	assert_int_equal(get("/fail", &r, NULL), 409);
	assert_string_equal(r.body.p, "ERR 409 err.conflict lang=en");
	assert_int_equal(atomic_load(&n_render), before + 1);
	resp_free(&r);
	assert_int_equal(get("/locked", &r, NULL), 429);
	assert_string_equal(r.body.p, "{\"error\":{\"code\":429,\"message\":\"err.locked\"}}");
	resp_free(&r);
	/* A handler returning nonsense gets a clean 500, partial output dropped. */
	assert_int_equal(get("/badstatus", &r, NULL), 500);
	assert_string_equal(r.body.p, "ERR 500 err.internal lang=en");
	resp_free(&r);
}

/* resp_skip sends the buffer from inside (no copy): exactly the bytes
 * after the skipped ones, with their length; never for an error. */
static void test_resp_skip(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	char v[64];
	assert_int_equal(get("/skip", &r, NULL), 200);
	assert_string_equal(r.body.p, "headbody");
	assert_true(header_of(&r, "Content-Length", v, sizeof v));
	assert_string_equal(v, "8");
	resp_free(&r);
	assert_int_equal(get("/skip?n=14", &r, NULL), 200); /* all of it skipped */
	assert_int_equal(r.body.len, 0);
	resp_free(&r);
	assert_int_equal(get("/skip?n=99", &r, NULL), 200); /* more than there is */
	assert_int_equal(r.body.len, 0);
	resp_free(&r);
	assert_int_equal(get("/skipfail", &r, NULL), 409);
	assert_string_equal(r.body.p, "..........body");
	resp_free(&r);
}

static void test_huge_header(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	size_t n = 200 * 1024;
	char *h = malloc(n + 16);
	strcpy(h, "X-Big: ");
	memset(h + 7, 'b', n);
	h[7 + n] = '\0';
	get("/", &r, h);
	/* libmicrohttpd answers (431 or 413) or drops the connection. */
	if (r.cc == CURLE_OK)
		assert_true(r.status == 431 || r.status == 413);
	resp_free(&r);
	free(h);
	/* Still serving. */
	assert_int_equal(get("/", &r, NULL), 200);
	resp_free(&r);
}

/* Send raw bytes (curl would tidy them) and return the status of the
 * answer, or 0 when the server closed without one. */
static int raw_request(const char *req, size_t n)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timeval tv = {2, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	size_t off = 0;
	while (off < n) {
		ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	char buf[64] = {0};
	size_t got = 0;
	while (got < sizeof(buf) - 1) {
		ssize_t rd = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (rd <= 0)
			break;
		got += (size_t)rd;
	}
	close(fd);
	int status = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	return status;
}

static void test_raw_requests(void **state)
{
	KR_UNUSED(state);
	static const struct {
		const char *req;
		size_t n; /* 0: strlen */
		int want; /* 0: closed without an answer or any 4xx; -1: anything but a crash
			   * (libmicrohttpd cuts a header value or the target at a NUL
			   * before we see it) */
	} cases[] = {
		{"GET /orgs/1 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 200},
		{"GET /orgs/\xff HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
		{"GET /orgs/a%2fb HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
		{"GET /orgs/../orgs/1 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
		{"GET http://x/orgs/1 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
		{"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
		{"OPTIONS /orgs/1 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 405},
		{"BREW /orgs/1 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 405},
		{"GET /q?a=%00 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
		{"GET /q?a=\xc3 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
		{"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 0, 0},
		{"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 0, 0},
		{"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", 0, 0},
		{"POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 0},
		{"POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\n"
		 "Content-Length: 5\r\n\r\n--B--", 0, 200},
		{"GET / HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n", 0, 0},
		{"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
		 sizeof("GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n") - 1, -1},
		{"GET /\x00x HTTP/1.1\r\nHost: x\r\n\r\n",
		 sizeof("GET /\x00x HTTP/1.1\r\nHost: x\r\n\r\n") - 1, -1},
		{"\r\n\r\n", 0, 0},
		{"GARBAGE\r\n\r\n", 0, 0},
		{"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 0, 505},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /orgs/2 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 200},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(cases); i++) {
		size_t n = cases[i].n ? cases[i].n : strlen(cases[i].req);
		int st = raw_request(cases[i].req, n);
		if (cases[i].want < 0)
			continue;
		if (cases[i].want ? st != cases[i].want : (st != 0 && (st < 400 || st > 499)))
			fail_msg("raw case %zu: status %d, want %d", i, st, cases[i].want);
	}
	/* A very long URL. */
	size_t n = 300 * 1024;
	char *req = malloc(n + 64);
	strcpy(req, "GET /");
	memset(req + 5, 'a', n);
	strcpy(req + 5 + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	int st = raw_request(req, strlen(req));
	assert_true(st == 0 || (st >= 400 && st <= 499));
	free(req);
	struct resp r;
	assert_int_equal(get("/", &r, NULL), 200);
	resp_free(&r);
}

static void test_finish_always_called(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	int before = atomic_load(&n_finish);
	get("/", &r, NULL);
	resp_free(&r);
	get("/nope", &r, NULL);
	resp_free(&r);
	get("/orgs/..", &r, NULL);
	resp_free(&r);
	get("/api/me", &r, "X-Test-Role: unavail");
	resp_free(&r);
	assert_int_equal(atomic_load(&n_finish), before + 4);
}

static void test_metrics(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	assert_int_equal(get("/metrics", &r, NULL), 200);
	char v[128];
	assert_true(header_of(&r, "Content-Type", v, sizeof(v)));
	assert_non_null(strstr(v, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r.body.p, "kairan_http_requests_total{method=\"GET\",status=\"2xx\"}"));
	assert_non_null(strstr(r.body.p, "kairan_http_route_requests_total{route=\"GET /orgs/{}\",status=\"2xx\"}"));
	assert_non_null(strstr(r.body.p, "kairan_http_route_requests_total{route=\"unmatched\",status=\"4xx\"}"));
	/* This request is in flight; the previous one may still be finishing
	 * (the client can see a response before its completion callback). */
	const char *inf = strstr(r.body.p, "\nkairan_http_requests_in_flight ");
	assert_non_null(inf);
	long nin = strtol(inf + strlen("\nkairan_http_requests_in_flight "), NULL, 10);
	if (nin < 1 || nin > 3)
		fail_msg("in flight: %ld", nin);
	assert_non_null(strstr(r.body.p, "kairan_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
	assert_non_null(strstr(r.body.p, "kairan_http_response_bytes_total "));
	assert_non_null(strstr(r.body.p, "process_start_time_seconds "));
	resp_free(&r);
}

static void test_healthz(void **state)
{
	KR_UNUSED(state);
	struct resp r;
	assert_int_equal(get("/healthz", &r, NULL), 200);
	assert_string_equal(r.body.p, "ok\n");
	resp_free(&r);
}

/* Refusals of body-less requests (404, 405, bad path) keep the connection
 * open; a refused request with a body closes it unread. */
static void test_keepalive_after_errors(void **state)
{
	KR_UNUSED(state);
	CURL *c = curl_easy_init();
	struct resp r;
	memset(&r, 0, sizeof(r));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	static const struct {
		const char *path;
		long status, connects;
	} steps[] = {
		{"/", 200, 1}, {"/nope", 404, 0}, {"/form", 405, 0}, {"/orgs/..", 400, 0},
		{"/q?a=%FF", 400, 0}, {"/orgs/1", 200, 0},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(steps); i++) {
		char url[256];
		snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, steps[i].path);
		curl_easy_setopt(c, CURLOPT_URL, url);
		assert_int_equal(curl_easy_perform(c), CURLE_OK);
		long st, nc;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc);
		if (st != steps[i].status || nc != steps[i].connects)
			fail_msg("%s: status %ld connects %ld", steps[i].path, st, nc);
	}
	resp_free(&r);
	curl_easy_cleanup(c);
}

/* Several clients at once, each reusing its connection (keep-alive), mixing
 * answers, errors and bodies: every answer right, under the sanitizers. */
struct par_arg {
	int id;
	int bad;
};

static void *par_thread(void *p)
{
	struct par_arg *a = p;
	CURL *c = curl_easy_init();
	struct curl_slist *hl = curl_slist_append(NULL, "X-Test-Role: member");
	hl = curl_slist_append(hl, "Content-Type: application/x-www-form-urlencoded");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_head);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	for (int i = 0; i < 60; i++) {
		struct resp r;
		memset(&r, 0, sizeof(r));
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
		char url[256], want[128], body[64];
		long want_status = 200;
		switch (i % 3) {
		case 0:
			snprintf(url, sizeof(url), "http://127.0.0.1:%d/orgs/t%d-%d", port, a->id, i);
			snprintf(want, sizeof(want), "n=1 [t%d-%d]", a->id, i);
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
			break;
		case 1:
			snprintf(url, sizeof(url), "http://127.0.0.1:%d/orgs/%d", port, i);
			snprintf(body, sizeof(body), "v=%d-%d&csrf=tok-123456", a->id, i);
			snprintf(want, sizeof(want), "v=%d-%d;csrf=tok-123456;", a->id, i);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			break;
		default:
			snprintf(url, sizeof(url), "http://127.0.0.1:%d/missing/%d", port, i);
			snprintf(want, sizeof(want), "ERR 404 err.not_found lang=en");
			want_status = 404;
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
			break;
		}
		curl_easy_setopt(c, CURLOPT_URL, url);
		CURLcode cc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
		buf_adds(&r.body, "");
		if (cc != CURLE_OK || r.status != want_status || strcmp(r.body.p, want) != 0)
			a->bad++;
		resp_free(&r);
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return NULL;
}

static void test_parallel_keepalive(void **state)
{
	KR_UNUSED(state);
	struct par_arg args[6];
	pthread_t t[6];
	for (int i = 0; i < 6; i++) {
		args[i] = (struct par_arg){.id = i};
		assert_int_equal(pthread_create(&t[i], NULL, par_thread, &args[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(args[i].bad, 0);
	}
}

struct slow_arg {
	struct resp r;
};

static void *slow_thread(void *p)
{
	struct slow_arg *a = p;
	get("/slow", &a->r, NULL);
	return NULL;
}

static void test_graceful_stop(void **state)
{
	KR_UNUSED(state);
	struct slow_arg a;
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, slow_thread, &a), 0);
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	http_stop();
	pthread_join(t, NULL);
	assert_int_equal(a.r.cc, CURLE_OK);
	assert_int_equal(a.r.status, 200);
	assert_string_equal(a.r.body.p, "slow done");
	resp_free(&a.r);
	/* Stopped: nothing listens any more. */
	struct resp r;
	get("/", &r, NULL);
	assert_int_not_equal(r.cc, CURLE_OK);
	resp_free(&r);
}

/* A second life of the server: restart works, a server that does not
 * trust a proxy ignores X-Forwarded-*, and /healthz answers 503 when the
 * database cannot be opened.  Runs after test_graceful_stop. */
static void test_restart_untrusted(void **state)
{
	KR_UNUSED(state);
	struct http_config cfg = {.listen_host = "127.0.0.1", .port = 0, .threads = 1,
				  .conn_limit = 8, .per_ip_limit = 4, .timeout_s = 5,
				  .trust_proxy = false};
	db_set_url(NULL);
	assert_int_equal(http_start(&cfg, &port), KR_OK);
	assert_int_equal(http_start(&cfg, &port), KR_EINVAL); /* one at a time */
	struct resp r;
	struct req_opts o = {.hdrs = {"X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https"}};
	do_req("/ip", &o, &r);
	assert_string_equal(r.body.p, "ip=127.0.0.1 https=0");
	char v[64];
	assert_false(header_of(&r, "Strict-Transport-Security", v, sizeof(v)));
	resp_free(&r);
	assert_int_equal(get("/healthz", &r, NULL), 503);
	resp_free(&r);
	http_stop();
	http_stop(); /* idempotent */
}

static int setup(void **state)
{
	KR_UNUSED(state);
	curl_global_init(CURL_GLOBAL_ALL);
	db_set_url(":memory:");
	struct http_config cfg = {.listen_host = "127.0.0.1", .port = 0, .threads = 2,
				  .conn_limit = 64, .per_ip_limit = 0, .timeout_s = 10,
				  .trust_proxy = true};
	if (http_start(&cfg, &port) != KR_OK || port <= 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	KR_UNUSED(state);
	http_stop();
	curl_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_security_headers),
		cmocka_unit_test(test_proxy_ip_and_cookies),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_body_limits),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_resp_skip),
		cmocka_unit_test(test_huge_header),
		cmocka_unit_test(test_raw_requests),
		cmocka_unit_test(test_finish_always_called),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_keepalive_after_errors),
		cmocka_unit_test(test_parallel_keepalive),
		cmocka_unit_test(test_graceful_stop),
		cmocka_unit_test(test_restart_untrusted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
