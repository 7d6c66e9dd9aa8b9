/* parse.c - pure parsers for what arrives in an HTTP request: the path,
 * the query string, cookies, urlencoded and multipart form bodies, and
 * header parameters.  No libmicrohttpd here so each is unit-tested and
 * fuzzed alone (tests/unit/test_http_parse.c, tests/fuzz/fuzz_http_form.c).
 * Contracts in parse.h. */
#include "http/parse.h"

#include <string.h>
#include <strings.h>

#include "lib/arena.h"
#include "lib/util.h"

/* A kv array growing in the arena (old copies are left behind: forms are
 * small and the arena goes away with the request). */
struct kvs {
	struct kv *v;
	size_t n, cap;
};

static struct kv *kvs_push(struct arena *a, struct kvs *k)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 8;
		struct kv *v = arena_alloc(a, cap * sizeof(*v));
		if (k->n)
			memcpy(v, k->v, k->n * sizeof(*v));
		k->v = v;
		k->cap = cap;
	}
	return &k->v[k->n++];
}

static int fail(struct http_perr *e, int rc, const char *key, const char *detail)
{
	if (e) {
		e->key = key;
		e->detail = detail;
	}
	return rc;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int http_pct_decode(struct arena *a, const char *s, size_t n, bool plus,
		    char **out, size_t *outlen)
{
	char *d = arena_alloc(a, n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3)
				return KR_EINVAL;
			int hi = hexval((unsigned char)s[i + 1]);
			int lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return KR_EINVAL;
			d[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus) {
			d[j++] = ' ';
		} else {
			d[j++] = (char)c;
		}
	}
	d[j] = '\0';
	*out = d;
	if (outlen)
		*outlen = j;
	return KR_OK;
}

void http_split_target(const char *target, size_t n, const char **path, size_t *plen,
		       const char **query, size_t *qlen)
{
	const char *hash = memchr(target, '#', n);
	if (hash)
		n = (size_t)(hash - target);
	const char *q = memchr(target, '?', n);
	*path = target;
	if (q) {
		*plen = (size_t)(q - target);
		*query = q + 1;
		*qlen = n - *plen - 1;
	} else {
		*plen = n;
		*query = NULL;
		*qlen = 0;
	}
}

/* Check one raw segment [s, s+n) and append its decoded form to d. */
static int path_segment(struct arena *a, const char *s, size_t n, char *d, size_t *dl,
			struct http_perr *e)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (s[i] != '%')
			continue;
		/* An encoded slash would turn one segment into two behind a
		 * proxy or a file server: refuse it rather than guess. */
		if (s[i + 1] == '2' && (s[i + 2] == 'f' || s[i + 2] == 'F'))
			return fail(e, KR_EINVAL, "err.bad_path", "encoded slash in path");
	}
	char *seg;
	size_t sl;
	if (http_pct_decode(a, s, n, false, &seg, &sl) != KR_OK)
		return fail(e, KR_EINVAL, "err.bad_path", "bad percent escape in path");
	for (size_t i = 0; i < sl; i++) {
		unsigned char c = (unsigned char)seg[i];
		if (c == '\\')
			return fail(e, KR_EINVAL, "err.bad_path", "backslash in path");
		if (c == '/')
			return fail(e, KR_EINVAL, "err.bad_path", "encoded slash in path");
		if (c < 0x20 || c == 0x7f)
			return fail(e, KR_EINVAL, "err.bad_path", "control character in path");
	}
	if ((sl == 1 && seg[0] == '.') || (sl == 2 && seg[0] == '.' && seg[1] == '.'))
		return fail(e, KR_EINVAL, "err.bad_path", "dot segment in path");
	if (!utf8_valid(seg, sl))
		return fail(e, KR_EINVAL, "err.bad_utf8", "invalid UTF-8 in path");
	memcpy(d + *dl, seg, sl);
	*dl += sl;
	return KR_OK;
}

int http_parse_path(struct arena *a, const char *raw, size_t n, char **out,
		    struct http_perr *e)
{
	if (n == 0 || raw[0] != '/')
		return fail(e, KR_EINVAL, "err.bad_path", "path must start with /");
	char *d = arena_alloc(a, n + 1);
	size_t dl = 0;
	size_t i = 0;
	while (i < n) {
		/* raw[i] == '/' here */
		d[dl++] = '/';
		i++;
		size_t start = i;
		while (i < n && raw[i] != '/')
			i++;
		int rc = path_segment(a, raw + start, i - start, d, &dl, e);
		if (rc != KR_OK)
			return rc;
	}
	d[dl] = '\0';
	*out = d;
	return KR_OK;
}

int http_parse_urlencoded(struct arena *a, const char *p, size_t n,
			  struct kv **out, size_t *nout, struct http_perr *e)
{
	struct kvs k = {0};
	size_t i = 0;
	*out = NULL;
	*nout = 0;
	while (i < n) {
		size_t start = i;
		while (i < n && p[i] != '&')
			i++;
		size_t end = i;
		if (i < n)
			i++; /* skip '&' */
		if (end == start)
			continue;
		const char *eq = memchr(p + start, '=', end - start);
		size_t klen = eq ? (size_t)(eq - (p + start)) : end - start;
		const char *vs = eq ? eq + 1 : p + end;
		size_t vlen = eq ? (size_t)(p + end - vs) : 0;
		if (k.n >= HTTP_FIELDS_MAX)
			return fail(e, KR_ETOOBIG, "err.too_big", "too many fields");
		/* Decoding never grows a string, so the raw length bounds it. */
		if (klen > 3 * HTTP_FIELD_MAX || vlen > 3 * HTTP_FIELD_MAX)
			return fail(e, KR_ETOOBIG, "err.too_big", "field too long");
		char *key, *val;
		size_t kl, vl;
		if (http_pct_decode(a, p + start, klen, true, &key, &kl) != KR_OK ||
		    http_pct_decode(a, vs, vlen, true, &val, &vl) != KR_OK)
			return fail(e, KR_EINVAL, "err.bad_request", "bad percent escape");
		if (kl > HTTP_FIELD_MAX || vl > HTTP_FIELD_MAX)
			return fail(e, KR_ETOOBIG, "err.too_big", "field too long");
		if (!utf8_valid_text(key, kl) || !utf8_valid_text(val, vl))
			return fail(e, KR_EINVAL, "err.bad_utf8", "invalid UTF-8 in form");
		struct kv *kv = kvs_push(a, &k);
		kv->key = key;
		kv->val = val;
		kv->len = vl;
	}
	*out = k.v;
	*nout = k.n;
	return KR_OK;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

void http_parse_cookies(struct arena *a, const char *hdr, struct kv **out, size_t *nout)
{
	struct kvs k = {0};
	*out = NULL;
	*nout = 0;
	if (!hdr)
		return;
	const char *p = hdr;
	while (*p && k.n < HTTP_COOKIES_MAX) {
		while (*p == ';' || is_ows(*p))
			p++;
		const char *s = p;
		while (*p && *p != ';')
			p++;
		const char *end = p;
		while (end > s && is_ows(end[-1]))
			end--;
		const char *eq = memchr(s, '=', (size_t)(end - s));
		if (!eq)
			continue;
		const char *ke = eq;
		while (ke > s && is_ows(ke[-1]))
			ke--;
		if (ke == s)
			continue;
		const char *vs = eq + 1;
		while (vs < end && is_ows(*vs))
			vs++;
		const char *ve = end;
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		if (!utf8_valid_text(s, (size_t)(ke - s)) || !utf8_valid_text(vs, (size_t)(ve - vs)))
			continue;
		struct kv *kv = kvs_push(a, &k);
		kv->key = arena_strndup(a, s, (size_t)(ke - s));
		kv->val = arena_strndup(a, vs, (size_t)(ve - vs));
		kv->len = (size_t)(ve - vs);
	}
	*out = k.v;
	*nout = k.n;
}

bool http_ctype_is(const char *ctype, const char *mime)
{
	if (!ctype || !mime)
		return false;
	while (is_ows(*ctype))
		ctype++;
	size_t n = strlen(mime);
	if (strncasecmp(ctype, mime, n) != 0)
		return false;
	const char *r = ctype + n;
	while (is_ows(*r))
		r++;
	return *r == '\0' || *r == ';';
}

static bool is_tchar(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return true;
	if (c >= 'A' && c <= 'Z')
		return true;
	if (c >= '0' && c <= '9')
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int http_header_param(struct arena *a, const char *hv, size_t n, const char *name,
		      char **out)
{
	size_t i = 0;
	size_t nl = strlen(name);
	bool in_quote = false;
	*out = NULL;
	/* Skip the leading token (media type or disposition type). */
	while (i < n && hv[i] != ';') {
		if (hv[i] == '"')
			in_quote = !in_quote;
		i++;
	}
	if (in_quote)
		return KR_EINVAL;
	int rc = KR_ENOTFOUND;
	while (i < n) {
		i++; /* ';' */
		while (i < n && is_ows(hv[i]))
			i++;
		if (i == n)
			break;
		if (hv[i] == ';')
			continue;
		size_t ks = i;
		while (i < n && is_tchar((unsigned char)hv[i]))
			i++;
		size_t kl = i - ks;
		while (i < n && is_ows(hv[i]))
			i++;
		if (kl == 0 || i == n || hv[i] != '=')
			return KR_EINVAL;
		i++;
		while (i < n && is_ows(hv[i]))
			i++;
		char *val;
		if (i < n && hv[i] == '"') {
			i++;
			val = arena_alloc(a, n - i + 1);
			size_t vl = 0;
			bool closed = false;
			while (i < n) {
				char c = hv[i++];
				if (c == '\\' && i < n) {
					val[vl++] = hv[i++];
				} else if (c == '"') {
					closed = true;
					break;
				} else {
					val[vl++] = c;
				}
			}
			if (!closed)
				return KR_EINVAL;
			val[vl] = '\0';
		} else {
			size_t vs = i;
			while (i < n && hv[i] != ';' && !is_ows(hv[i]))
				i++;
			val = arena_strndup(a, hv + vs, i - vs);
		}
		while (i < n && is_ows(hv[i]))
			i++;
		if (i < n && hv[i] != ';')
			return KR_EINVAL;
		/* The first occurrence wins; keep scanning so a malformed tail
		 * still fails the whole value. */
		if (rc == KR_ENOTFOUND && kl == nl && strncasecmp(hv + ks, name, nl) == 0) {
			*out = val;
			rc = KR_OK;
		}
	}
	return rc;
}

/* Find needle in hay[0..n), or NULL. */
static const char *find(const char *hay, size_t n, const char *needle, size_t nn)
{
	return memmem(hay, n, needle, nn);
}

/* Parse the header block of one part: [p, p+n) without the final CRLF CRLF.
 * Sets *name, *filename (NULL when no filename parameter) and *ctype. */
static int part_headers(struct arena *a, const char *p, size_t n, char **name,
			char **filename, char **ctype, struct http_perr *e)
{
	bool have_cd = false;
	*name = *filename = *ctype = NULL;
	size_t i = 0;
	while (i < n) {
		const char *eol = find(p + i, n - i, "\r\n", 2);
		size_t le = eol ? (size_t)(eol - p) : n;
		const char *line = p + i;
		size_t ll = le - i;
		i = eol ? le + 2 : n;
		if (ll == 0 || is_ows(line[0]))
			return fail(e, KR_EINVAL, "err.bad_request", "folded or empty part header");
		const char *colon = memchr(line, ':', ll);
		if (!colon)
			return fail(e, KR_EINVAL, "err.bad_request", "part header without colon");
		size_t hl = (size_t)(colon - line);
		const char *v = colon + 1;
		size_t vl = ll - hl - 1;
		while (vl && is_ows(*v)) {
			v++;
			vl--;
		}
		while (vl && is_ows(v[vl - 1]))
			vl--;
		if (!utf8_valid_text(v, vl))
			return fail(e, KR_EINVAL, "err.bad_utf8", "invalid UTF-8 in part header");
		if (hl == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
			if (have_cd)
				return fail(e, KR_EINVAL, "err.bad_request", "two Content-Disposition headers");
			have_cd = true;
			size_t tl = 0;
			while (tl < vl && v[tl] != ';' && !is_ows(v[tl]))
				tl++;
			if (tl != 9 || strncasecmp(v, "form-data", 9) != 0)
				return fail(e, KR_EINVAL, "err.bad_request", "part is not form-data");
			int rc = http_header_param(a, v, vl, "name", name);
			if (rc == KR_EINVAL)
				return fail(e, KR_EINVAL, "err.bad_request", "malformed Content-Disposition");
			rc = http_header_param(a, v, vl, "filename", filename);
			if (rc == KR_EINVAL)
				return fail(e, KR_EINVAL, "err.bad_request", "malformed Content-Disposition");
		} else if (hl == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
			if (vl > 255)
				return fail(e, KR_EINVAL, "err.bad_request", "part Content-Type too long");
			*ctype = arena_strndup(a, v, vl);
		}
		/* Other part headers (Content-Transfer-Encoding ...) are ignored. */
	}
	if (!have_cd || !*name)
		return fail(e, KR_EINVAL, "err.bad_request", "part without a name");
	if (!utf8_valid_text(*name, strlen(*name)) ||
	    (*filename && !utf8_valid_text(*filename, strlen(*filename))))
		return fail(e, KR_EINVAL, "err.bad_utf8", "invalid UTF-8 in part name");
	if (strlen(*name) > 1024 || (*filename && strlen(*filename) > 1024))
		return fail(e, KR_EINVAL, "err.bad_request", "part name too long");
	return KR_OK;
}

int http_parse_multipart(struct arena *a, const char *ctype, const char *body, size_t n,
			 size_t file_max, struct kv **out, size_t *nout, struct http_perr *e)
{
	struct kvs k = {0};
	char *b = NULL;
	*out = NULL;
	*nout = 0;
	if (!http_ctype_is(ctype, "multipart/form-data"))
		return fail(e, KR_EINVAL, "err.bad_request", "not multipart/form-data");
	if (http_header_param(a, ctype, strlen(ctype), "boundary", &b) != KR_OK)
		return fail(e, KR_EINVAL, "err.bad_request", "missing boundary");
	size_t bl = strlen(b);
	if (bl == 0 || bl > 70)
		return fail(e, KR_EINVAL, "err.bad_request", "bad boundary");
	for (size_t j = 0; j < bl; j++)
		if ((unsigned char)b[j] < 0x20 || (unsigned char)b[j] >= 0x7f)
			return fail(e, KR_EINVAL, "err.bad_request", "bad boundary");

	/* delim = CRLF "--" boundary; the first one may lack the CRLF. */
	char *delim = arena_printf(a, "\r\n--%s", b);
	size_t dl = bl + 4;
	size_t i;
	if (n >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0) {
		i = dl - 2;
	} else {
		const char *d = find(body, n, delim, dl); /* skip a preamble */
		if (!d)
			return fail(e, KR_EINVAL, "err.bad_request", "no multipart boundary in body");
		i = (size_t)(d - body) + dl;
	}
	for (;;) {
		/* Just after a delimiter: "--" closes, else padding then CRLF. */
		if (n - i >= 2 && body[i] == '-' && body[i + 1] == '-')
			break;
		while (i < n && is_ows(body[i]))
			i++;
		if (n - i < 2 || body[i] != '\r' || body[i + 1] != '\n')
			return fail(e, KR_EINVAL, "err.bad_request", "truncated multipart body");
		i += 2;
		size_t hs = i;
		const char *he;
		if (n - i >= 2 && body[i] == '\r' && body[i + 1] == '\n') {
			he = body + i; /* no headers at all */
		} else {
			he = find(body + i, n - i, "\r\n\r\n", 4);
			if (!he)
				return fail(e, KR_EINVAL, "err.bad_request", "truncated part headers");
			he += 2; /* keep the header block's last line ending out */
			if ((size_t)(he - (body + hs)) > HTTP_PART_HEAD_MAX)
				return fail(e, KR_EINVAL, "err.bad_request", "part headers too long");
		}
		size_t hlen = (size_t)(he - (body + hs));
		/* hlen includes the CRLF of the last header line, if any. */
		char *name, *filename, *pctype;
		int rc = part_headers(a, body + hs, hlen >= 2 ? hlen - 2 : 0, &name, &filename,
				      &pctype, e);
		if (rc != KR_OK)
			return rc;
		i = (size_t)(he - body) + 2;
		const char *end = find(body + i, n - i, delim, dl);
		if (!end)
			return fail(e, KR_EINVAL, "err.bad_request", "truncated multipart body");
		size_t vl = (size_t)(end - (body + i));
		if (k.n >= HTTP_FIELDS_MAX)
			return fail(e, KR_ETOOBIG, "err.too_big", "too many fields");
		struct kv *kv = kvs_push(a, &k);
		kv->key = name;
		if (filename) {
			if (vl > file_max)
				return fail(e, KR_ETOOBIG, "err.too_big", "file too big");
			kv->filename = filename;
			kv->ctype = pctype ? pctype : "application/octet-stream";
			kv->val = body + i;
		} else {
			if (vl > HTTP_FIELD_MAX)
				return fail(e, KR_ETOOBIG, "err.too_big", "field too long");
			if (!utf8_valid_text(body + i, vl))
				return fail(e, KR_EINVAL, "err.bad_utf8", "invalid UTF-8 in form");
			kv->ctype = pctype;
			kv->val = arena_strndup(a, body + i, vl);
		}
		kv->len = vl;
		i = (size_t)(end - body) + dl;
	}
	*out = k.v;
	*nout = k.n;
	return KR_OK;
}
