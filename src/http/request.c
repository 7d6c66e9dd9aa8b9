/* request.c - what handlers call on a struct request: lookups of the parsed
 * query, form, files, headers and cookies, failing a request, and building
 * the response (headers, cookies, redirects, bodies), plus the headers every
 * response carries.  Contracts in http.h. */
#include <string.h>
#include <strings.h>

#include "http/internal.h"
#include "lib/arena.h"
#include "lib/log.h"

static const struct kv *kv_find(const struct kv *v, size_t n, const char *key, bool icase)
{
	if (!key)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].key)
			continue;
		if (icase ? strcasecmp(v[i].key, key) == 0 : strcmp(v[i].key, key) == 0)
			return &v[i];
	}
	return NULL;
}

const char *req_query(const struct request *r, const char *key)
{
	const struct kv *kv = kv_find(r->query, r->nquery, key, false);
	return kv ? kv->val : NULL;
}

const char *req_form(const struct request *r, const char *key)
{
	/* Text fields only: a file's bytes are not a C string. */
	for (size_t i = 0; key && i < r->nform; i++)
		if (!r->form[i].filename && strcmp(r->form[i].key, key) == 0)
			return r->form[i].val;
	return NULL;
}

const struct kv *req_file(const struct request *r, const char *key)
{
	for (size_t i = 0; key && i < r->nform; i++)
		if (r->form[i].filename && strcmp(r->form[i].key, key) == 0)
			return &r->form[i];
	return NULL;
}

const char *req_header(const struct request *r, const char *name)
{
	const struct http_req *h = r->priv;
	if (!h)
		return NULL;
	const struct kv *kv = kv_find(h->headers, h->nheaders, name, true);
	return kv ? kv->val : NULL;
}

const char *req_cookie(const struct request *r, const char *name)
{
	const struct http_req *h = r->priv;
	if (!h)
		return NULL;
	const struct kv *kv = kv_find(h->cookies, h->ncookies, name, false);
	return kv ? kv->val : NULL;
}

int req_fail(struct request *r, int status, const char *msg_key)
{
	r->status = status;
	r->err_key = msg_key;
	r->err_detail = NULL;
	return status;
}

int req_fail_detail(struct request *r, int status, const char *msg_key, const char *detail)
{
	req_fail(r, status, msg_key);
	r->err_detail = detail ? arena_strdup(r->a, detail) : NULL;
	return status;
}

int req_fail_rc(struct request *r, int rc)
{
	switch (rc) {
	case KR_ENOTFOUND: return req_fail(r, 404, "err.not_found");
	case KR_EINVAL: return req_fail(r, 400, "err.bad_request");
	case KR_EPERM: return req_fail(r, 403, "err.forbidden");
	case KR_ECONFLICT: return req_fail(r, 409, "err.conflict");
	case KR_ETOOBIG: return req_fail(r, 413, "err.too_big");
	case KR_EAUTH: return req_fail(r, 401, "err.login_required");
	case KR_ELOCKED: return req_fail(r, 429, "err.locked");
	case KR_EBUSY:
	case KR_EUNAVAIL: return req_fail(r, 503, "err.unavailable");
	default: return req_fail(r, 500, "err.internal");
	}
}

/* Header names are tokens; values may not break the header block. */
static bool header_ok(const char *name, const char *value)
{
	if (!name || !*name || !value)
		return false;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == ':')
			return false;
	for (const char *p = value; *p; p++)
		if (*p == '\r' || *p == '\n')
			return false;
	return true;
}

void resp_header(struct request *r, const char *name, const char *value)
{
	if (!header_ok(name, value)) {
		log_warn("http: refused response header name=%s", name ? name : "(null)");
		return;
	}
	if (r->nresp_headers == r->cap_resp_headers) {
		size_t cap = r->cap_resp_headers ? r->cap_resp_headers * 2 : 8;
		struct kv *v = arena_alloc(r->a, cap * sizeof(*v));
		if (r->nresp_headers)
			memcpy(v, r->resp_headers, r->nresp_headers * sizeof(*v));
		r->resp_headers = v;
		r->cap_resp_headers = cap;
	}
	struct kv *kv = &r->resp_headers[r->nresp_headers++];
	memset(kv, 0, sizeof(*kv));
	kv->key = arena_strdup(r->a, name);
	kv->val = arena_strdup(r->a, value);
	kv->len = strlen(value);
}

static bool cookie_octets_ok(const char *s, bool name)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\')
			return false;
		if (name && (c == '=' || strchr("()<>@:/[]?{}", c)))
			return false;
	}
	return true;
}

void resp_cookie(struct request *r, const char *name, const char *value, int64_t max_age_s)
{
	if (!name || !*name || !cookie_octets_ok(name, true) || (value && !cookie_octets_ok(value, false))) {
		log_warn("http: refused cookie name=%s", name ? name : "(null)");
		return;
	}
	const char *age = "";
	if (max_age_s < 0) {
		value = "";
		age = "; Max-Age=0";
	} else if (max_age_s > 0) {
		age = arena_printf(r->a, "; Max-Age=%lld", (long long)max_age_s);
	}
	resp_header(r, "Set-Cookie",
		    arena_printf(r->a, "%s=%s%s; Path=/; HttpOnly; SameSite=Strict%s", name,
				 value ? value : "", age, r->https ? "; Secure" : ""));
}

/* A path that stays on this site: one leading '/', not "//" or "/\"
 * (browsers read both as another host), no control characters. */
static bool local_path(const char *p)
{
	if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\')
		return false;
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int resp_redirect(struct request *r, const char *path)
{
	if (!local_path(path))
		path = "/";
	resp_header(r, "Location", path);
	r->status = 303;
	return 303;
}

int resp_bytes(struct request *r, int status, const char *ctype, const void *p, size_t n)
{
	buf_reset(&r->out);
	if (n)
		buf_add(&r->out, p, n);
	r->out_ctype = ctype ? arena_strdup(r->a, ctype) : NULL;
	r->status = status;
	return status;
}

void resp_skip(struct request *r, size_t n) { r->out_skip = n; }

int resp_stream(struct request *r, int status, const char *ctype,
		int (*fn)(struct request *r, void *ud, struct buf *out), void *ud)
{
	buf_reset(&r->out);
	r->out_ctype = ctype ? arena_strdup(r->a, ctype) : NULL;
	r->stream = fn;
	r->stream_ud = ud;
	r->status = status;
	return status;
}

static bool has_resp_header(const struct request *r, const char *name)
{
	return kv_find(r->resp_headers, r->nresp_headers, name, true) != NULL;
}

void http_std_headers(const struct request *r,
		      void (*add)(void *cls, const char *name, const char *value), void *cls)
{
	add(cls, "Content-Security-Policy",
	    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	add(cls, "X-Content-Type-Options", "nosniff");
	add(cls, "X-Frame-Options", "DENY");
	add(cls, "Referrer-Policy", "same-origin");
	add(cls, "Cross-Origin-Opener-Policy", "same-origin");
	add(cls, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	if (r->https)
		add(cls, "Strict-Transport-Security", "max-age=31536000");
	if (!has_resp_header(r, "Cache-Control"))
		add(cls, "Cache-Control", "no-store");
}
