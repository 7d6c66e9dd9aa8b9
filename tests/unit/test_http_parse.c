/* test_http_parse.c - the HTTP layer's pure parsers (src/http/parse.c) and
 * the router's pure parts (route matching, access decisions): good input,
 * malformed, truncated, oversized, bad UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"
#include "http/parse.h"
#include "lib/arena.h"
#include "lib/buf.h"

/* The archive's http objects refer to these; this test never serves. */
const struct route app_routes[] = {
	{"GET", "/", NULL, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
};
const size_t app_nroutes = 1;
int app_authenticate(struct request *r, enum auth_kind kind)
{
	KR_UNUSED(r);
	KR_UNUSED(kind);
	return KR_OK;
}
void app_render_error(struct request *r) { KR_UNUSED(r); }
void app_finish(struct request *r) { KR_UNUSED(r); }

static struct arena *A;

static int setup(void **state)
{
	KR_UNUSED(state);
	A = arena_new();
	return 0;
}

static int teardown(void **state)
{
	KR_UNUSED(state);
	arena_free(A);
	return 0;
}

/* ---- percent-decoding ---- */

static void test_pct_decode(void **state)
{
	KR_UNUSED(state);
	char *o;
	size_t n;
	assert_int_equal(http_pct_decode(A, "a%20b+c", 7, false, &o, &n), KR_OK);
	assert_string_equal(o, "a b+c");
	assert_int_equal(n, 5);
	assert_int_equal(http_pct_decode(A, "a%20b+c", 7, true, &o, &n), KR_OK);
	assert_string_equal(o, "a b c");
	assert_int_equal(http_pct_decode(A, "%e6%97%A5", 9, false, &o, &n), KR_OK);
	assert_string_equal(o, "\xE6\x97\xA5");
	assert_int_equal(http_pct_decode(A, "%00x", 4, false, &o, &n), KR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(o[0], 0);
	assert_int_equal(http_pct_decode(A, "", 0, false, &o, &n), KR_OK);
	assert_string_equal(o, "");
	static const char *const bad[] = {"%", "%4", "a%zz", "%g0", "%%41", "x%"};
	for (size_t i = 0; i < KR_ARRAY_LEN(bad); i++)
		assert_int_equal(http_pct_decode(A, bad[i], strlen(bad[i]), false, &o, &n),
				 KR_EINVAL);
}

/* ---- paths ---- */

static int path(const char *raw, char **out, struct http_perr *e)
{
	return http_parse_path(A, raw, strlen(raw), out, e);
}

static void test_path_good(void **state)
{
	KR_UNUSED(state);
	char *o;
	struct http_perr e = {0};
	static const struct {
		const char *raw, *want;
	} cases[] = {
		{"/", "/"},
		{"/orgs/1", "/orgs/1"},
		{"/a%20b/c+d", "/a b/c+d"},
		{"/%E6%97%A5%E6%9C%AC", "/\xE6\x97\xA5\xE6\x9C\xAC"},
		{"/a..b/.c/..d/e.", "/a..b/.c/..d/e."},
		{"/trailing/", "/trailing/"},
		{"//double", "//double"},
		{"/%25", "/%"},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(cases); i++) {
		assert_int_equal(path(cases[i].raw, &o, &e), KR_OK);
		assert_string_equal(o, cases[i].want);
	}
}

static void test_path_bad(void **state)
{
	KR_UNUSED(state);
	char *o;
	static const struct {
		const char *raw, *key;
	} cases[] = {
		{"", "err.bad_path"},
		{"orgs", "err.bad_path"},
		{"*", "err.bad_path"},
		{"http://x/y", "err.bad_path"},
		{"/..", "err.bad_path"},
		{"/.", "err.bad_path"},
		{"/a/../b", "err.bad_path"},
		{"/a/./b", "err.bad_path"},
		{"/a/%2e%2E/b", "err.bad_path"},
		{"/a/%2e", "err.bad_path"},
		{"/a/.%2e", "err.bad_path"},
		{"/a%2fb", "err.bad_path"},
		{"/a%2Fb", "err.bad_path"},
		{"/a\\b", "err.bad_path"},
		{"/a%5cb", "err.bad_path"},
		{"/a%5C..%5Cb", "err.bad_path"},
		{"/a%00", "err.bad_path"},
		{"/a%0d%0aSet-Cookie:x", "err.bad_path"},
		{"/a%7f", "err.bad_path"},
		{"/a%", "err.bad_path"},
		{"/a%4", "err.bad_path"},
		{"/a%zz", "err.bad_path"},
		{"/%FF", "err.bad_utf8"},
		{"/%C0%AF", "err.bad_utf8"},        /* overlong '/' */
		{"/%ED%A0%80", "err.bad_utf8"},     /* surrogate */
		{"/%E6%97", "err.bad_utf8"},        /* truncated sequence */
		{"/\xE6\x97", "err.bad_utf8"},      /* raw bytes too */
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(cases); i++) {
		struct http_perr e = {0};
		int rc = path(cases[i].raw, &o, &e);
		if (rc != KR_EINVAL)
			fail_msg("path %s accepted", cases[i].raw);
		if (strcmp(e.key, cases[i].key) != 0)
			fail_msg("path %s: %s, want %s", cases[i].raw, e.key, cases[i].key);
		assert_non_null(e.detail);
	}
}

static void test_split_target(void **state)
{
	KR_UNUSED(state);
	const char *p, *q;
	size_t pl, ql;
	const char *t = "/a/b?x=1&y=2#frag";
	http_split_target(t, strlen(t), &p, &pl, &q, &ql);
	assert_int_equal(pl, 4);
	assert_memory_equal(p, "/a/b", 4);
	assert_non_null(q);
	assert_int_equal(ql, 7);
	assert_memory_equal(q, "x=1&y=2", 7);
	t = "/a";
	http_split_target(t, strlen(t), &p, &pl, &q, &ql);
	assert_int_equal(pl, 2);
	assert_null(q);
	t = "/a?";
	http_split_target(t, strlen(t), &p, &pl, &q, &ql);
	assert_int_equal(pl, 2);
	assert_non_null(q);
	assert_int_equal(ql, 0);
	t = "/a#x?y";
	http_split_target(t, strlen(t), &p, &pl, &q, &ql);
	assert_int_equal(pl, 2);
	assert_null(q);
}

/* ---- urlencoded / query ---- */

static int urlenc(const char *s, struct kv **kv, size_t *n, struct http_perr *e)
{
	return http_parse_urlencoded(A, s, strlen(s), kv, n, e);
}

static void test_urlencoded_good(void **state)
{
	KR_UNUSED(state);
	struct kv *kv;
	size_t n;
	struct http_perr e = {0};
	assert_int_equal(urlenc("a=1&b=x+y%21&a=2&&c&=v&d=", &kv, &n, &e), KR_OK);
	assert_int_equal(n, 6);
	assert_string_equal(kv[0].key, "a");
	assert_string_equal(kv[0].val, "1");
	assert_string_equal(kv[1].key, "b");
	assert_string_equal(kv[1].val, "x y!");
	assert_int_equal(kv[1].len, 4);
	assert_string_equal(kv[2].key, "a");
	assert_string_equal(kv[2].val, "2");
	assert_string_equal(kv[3].key, "c");
	assert_string_equal(kv[3].val, "");
	assert_string_equal(kv[4].key, "");
	assert_string_equal(kv[4].val, "v");
	assert_string_equal(kv[5].key, "d");
	assert_string_equal(kv[5].val, "");
	assert_null(kv[0].filename);

	assert_int_equal(urlenc("", &kv, &n, &e), KR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(urlenc("&&&", &kv, &n, &e), KR_OK);
	assert_int_equal(n, 0);
	/* '=' in the value, encoded '&', UTF-8, tab and newline are fine. */
	assert_int_equal(urlenc("k=a=b%26c&t=%E6%97%A5%09%0D%0A", &kv, &n, &e), KR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(kv[0].val, "a=b&c");
	assert_string_equal(kv[1].val, "\xE6\x97\xA5\t\r\n");
}

static void test_urlencoded_bad(void **state)
{
	KR_UNUSED(state);
	struct kv *kv;
	size_t n;
	static const struct {
		const char *s;
		int rc;
		const char *key;
	} cases[] = {
		{"a=%", KR_EINVAL, "err.bad_request"},
		{"a=%4g", KR_EINVAL, "err.bad_request"},
		{"a%=1", KR_EINVAL, "err.bad_request"},
		{"a=%FF", KR_EINVAL, "err.bad_utf8"},
		{"%C3%28=1", KR_EINVAL, "err.bad_utf8"},
		{"a=%00", KR_EINVAL, "err.bad_utf8"},
		{"a=%01", KR_EINVAL, "err.bad_utf8"},
		{"a=\xC3", KR_EINVAL, "err.bad_utf8"},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(cases); i++) {
		struct http_perr e = {0};
		int rc = urlenc(cases[i].s, &kv, &n, &e);
		if (rc != cases[i].rc || strcmp(e.key, cases[i].key) != 0)
			fail_msg("%s: rc=%d key=%s", cases[i].s, rc, e.key ? e.key : "-");
	}
}

static void test_urlencoded_caps(void **state)
{
	KR_UNUSED(state);
	struct kv *kv;
	size_t n;
	struct http_perr e = {0};
	struct buf b = BUF_INIT;
	for (int i = 0; i < HTTP_FIELDS_MAX; i++)
		buf_printf(&b, "f%d=%d&", i, i);
	assert_int_equal(http_parse_urlencoded(A, b.p, b.len, &kv, &n, &e), KR_OK);
	assert_int_equal(n, HTTP_FIELDS_MAX);
	assert_string_equal(kv[199].key, "f199");
	buf_adds(&b, "one=more");
	assert_int_equal(http_parse_urlencoded(A, b.p, b.len, &kv, &n, &e), KR_ETOOBIG);
	assert_string_equal(e.key, "err.too_big");
	buf_free(&b);

	/* One field at the cap passes, one byte more does not. */
	buf_adds(&b, "k=");
	for (int i = 0; i < HTTP_FIELD_MAX; i++)
		buf_addc(&b, 'x');
	assert_int_equal(http_parse_urlencoded(A, b.p, b.len, &kv, &n, &e), KR_OK);
	assert_int_equal(kv[0].len, HTTP_FIELD_MAX);
	buf_addc(&b, 'x');
	assert_int_equal(http_parse_urlencoded(A, b.p, b.len, &kv, &n, &e), KR_ETOOBIG);
	buf_free(&b);
	/* Encoded, the decoded length is what counts. */
	buf_adds(&b, "k=");
	for (int i = 0; i < HTTP_FIELD_MAX / 2; i++)
		buf_adds(&b, "%41");
	assert_int_equal(http_parse_urlencoded(A, b.p, b.len, &kv, &n, &e), KR_OK);
	assert_int_equal(kv[0].len, HTTP_FIELD_MAX / 2);
	buf_free(&b);
	/* Not NUL-terminated input: the parser reads only n bytes. */
	char raw[3] = {'a', '=', 'b'};
	assert_int_equal(http_parse_urlencoded(A, raw, 3, &kv, &n, &e), KR_OK);
	assert_string_equal(kv[0].val, "b");
}

/* ---- cookies ---- */

static void test_cookies(void **state)
{
	KR_UNUSED(state);
	struct kv *kv;
	size_t n;
	http_parse_cookies(A, "sid=abc; lang=ja;theme = \"dark\" ; bad; =x; e=", &kv, &n);
	assert_int_equal(n, 4);
	assert_string_equal(kv[0].key, "sid");
	assert_string_equal(kv[0].val, "abc");
	assert_string_equal(kv[1].key, "lang");
	assert_string_equal(kv[1].val, "ja");
	assert_string_equal(kv[2].key, "theme");
	assert_string_equal(kv[2].val, "dark");
	assert_string_equal(kv[3].key, "e");
	assert_string_equal(kv[3].val, "");
	http_parse_cookies(A, NULL, &kv, &n);
	assert_int_equal(n, 0);
	http_parse_cookies(A, "", &kv, &n);
	assert_int_equal(n, 0);
	http_parse_cookies(A, ";;; ;", &kv, &n);
	assert_int_equal(n, 0);
	http_parse_cookies(A, "a=\"", &kv, &n);
	assert_int_equal(n, 1);
	assert_string_equal(kv[0].val, "\"");
	/* Control characters: that pair is dropped, the rest kept. */
	http_parse_cookies(A, "a=\x01; b=2", &kv, &n);
	assert_int_equal(n, 1);
	assert_string_equal(kv[0].key, "b");
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_printf(&b, "c%d=%d; ", i, i);
	http_parse_cookies(A, b.p, &kv, &n);
	assert_int_equal(n, HTTP_COOKIES_MAX);
	buf_free(&b);
}

/* ---- header parameters ---- */

static void test_header_param(void **state)
{
	KR_UNUSED(state);
	char *o;
	const char *h = "form-data; name=\"a;b\"; filename=\"x \\\"y\\\" z.txt\"; size=10";
	assert_int_equal(http_header_param(A, h, strlen(h), "name", &o), KR_OK);
	assert_string_equal(o, "a;b");
	assert_int_equal(http_header_param(A, h, strlen(h), "FILENAME", &o), KR_OK);
	assert_string_equal(o, "x \"y\" z.txt");
	assert_int_equal(http_header_param(A, h, strlen(h), "size", &o), KR_OK);
	assert_string_equal(o, "10");
	assert_int_equal(http_header_param(A, h, strlen(h), "nope", &o), KR_ENOTFOUND);
	/* "filename" is not "name" and the first occurrence wins. */
	h = "form-data; filename=\"f\"; name=n1; name=n2";
	assert_int_equal(http_header_param(A, h, strlen(h), "name", &o), KR_OK);
	assert_string_equal(o, "n1");
	h = "multipart/form-data;boundary=----WebKitFormBoundaryABC";
	assert_int_equal(http_header_param(A, h, strlen(h), "boundary", &o), KR_OK);
	assert_string_equal(o, "----WebKitFormBoundaryABC");
	h = "text/plain";
	assert_int_equal(http_header_param(A, h, strlen(h), "charset", &o), KR_ENOTFOUND);
	h = "text/plain;";
	assert_int_equal(http_header_param(A, h, strlen(h), "charset", &o), KR_ENOTFOUND);
	static const char *const bad[] = {
		"form-data; name=\"unterminated",
		"form-data; name",
		"form-data; =x",
		"form-data; name=a b",
		"form-data; name=\"a\"junk",
		"\"form-data; name=a",
		"form-data; name=\"a\\",
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(bad); i++)
		if (http_header_param(A, bad[i], strlen(bad[i]), "name", &o) != KR_EINVAL)
			fail_msg("accepted: %s", bad[i]);
}

static void test_ctype_is(void **state)
{
	KR_UNUSED(state);
	assert_true(http_ctype_is("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"));
	assert_true(http_ctype_is("Multipart/Form-Data; boundary=x", "multipart/form-data"));
	assert_true(http_ctype_is(" application/json ;charset=utf-8", "application/json"));
	assert_false(http_ctype_is("application/jsonx", "application/json"));
	assert_false(http_ctype_is("application/json", "application/jso"));
	assert_false(http_ctype_is(NULL, "application/json"));
}

/* ---- multipart ---- */

static int mp(const char *ctype, const char *body, size_t file_max, struct kv **kv, size_t *n,
	      struct http_perr *e)
{
	return http_parse_multipart(A, ctype, body, strlen(body), file_max, kv, n, e);
}

#define CT "multipart/form-data; boundary=BB"

static void test_multipart_good(void **state)
{
	KR_UNUSED(state);
	struct kv *kv;
	size_t n;
	struct http_perr e = {0};
	const char *body = "preamble to ignore\r\n"
			   "--BB\r\n"
			   "Content-Disposition: form-data; name=\"title\"\r\n"
			   "\r\n"
			   "\xE6\x97\xA5\xE6\x9C\xAC\r\nline two\r\n"
			   "--BB   \r\n"
			   "content-disposition: form-data; name=\"up\"; filename=\"a;b \\\"c\\\".bin\"\r\n"
			   "Content-Type: application/octet-stream\r\n"
			   "X-Other: ignored\r\n"
			   "\r\n"
			   "\r\n--B not the end\r\n"
			   "--BB\r\n"
			   "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n"
			   "\r\n"
			   "\r\n"
			   "--BB\r\n"
			   "Content-Disposition: form-data; name=title\r\n"
			   "\r\n"
			   "second\r\n"
			   "--BB--\r\n"
			   "epilogue";
	assert_int_equal(mp(CT, body, 1000, &kv, &n, &e), KR_OK);
	assert_int_equal(n, 4);
	assert_string_equal(kv[0].key, "title");
	assert_string_equal(kv[0].val, "\xE6\x97\xA5\xE6\x9C\xAC\r\nline two");
	assert_null(kv[0].filename);
	assert_string_equal(kv[1].key, "up");
	assert_string_equal(kv[1].filename, "a;b \"c\".bin");
	assert_string_equal(kv[1].ctype, "application/octet-stream");
	assert_int_equal(kv[1].len, 17);
	assert_memory_equal(kv[1].val, "\r\n--B not the end", 17);
	assert_string_equal(kv[2].key, "empty");
	assert_string_equal(kv[2].filename, "");
	assert_string_equal(kv[2].ctype, "application/octet-stream");
	assert_int_equal(kv[2].len, 0);
	assert_string_equal(kv[3].val, "second");

	/* Quoted boundary with characters a token could not hold. */
	const char *body2 = "--a b:c\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a b:c--";
	assert_int_equal(mp("multipart/form-data; boundary=\"a b:c\"", body2, 0, &kv, &n, &e), KR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(kv[0].val, "1");

	/* An empty form. */
	assert_int_equal(mp(CT, "--BB--", 0, &kv, &n, &e), KR_OK);
	assert_int_equal(n, 0);
}

static void test_multipart_bad(void **state)
{
	KR_UNUSED(state);
	struct kv *kv;
	size_t n;
	static const struct {
		const char *ctype, *body;
		int rc;
		const char *key;
	} cases[] = {
		/* Boundary problems. */
		{"multipart/form-data", "--BB--", KR_EINVAL, "err.bad_request"},
		{"multipart/form-data; boundary=", "--BB--", KR_EINVAL, "err.bad_request"},
		{"multipart/form-data; boundary=\"BB", "--BB--", KR_EINVAL, "err.bad_request"},
		{"multipart/form-data; boundary=\"\x01\"", "--\x01--", KR_EINVAL, "err.bad_request"},
		{"multipart/mixed; boundary=BB", "--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "no boundary here", KR_EINVAL, "err.bad_request"},
		{CT, "", KR_EINVAL, "err.bad_request"},
		/* Truncation at every stage. */
		{CT, "--BB", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\n", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\"", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--BB", KR_EINVAL, "err.bad_request"},
		{CT, "--BBjunk\r\n", KR_EINVAL, "err.bad_request"},
		/* Part headers. */
		{CT, "--BB\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Type: text/plain\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: form-data\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\"\"b\"\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\"\r\n folded\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nno colon\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_request"},
		/* Bad UTF-8 in values, names and filenames. */
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xC3\x28\r\n--BB--", KR_EINVAL, "err.bad_utf8"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"\xFF\"\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_utf8"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\"; filename=\"\xC0\xAF\"\r\n\r\nv\r\n--BB--", KR_EINVAL, "err.bad_utf8"},
		{CT, "--BB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\x01y\r\n--BB--", KR_EINVAL, "err.bad_utf8"},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(cases); i++) {
		struct http_perr e = {0};
		int rc = mp(cases[i].ctype, cases[i].body, 1000, &kv, &n, &e);
		if (rc != cases[i].rc || !e.key || strcmp(e.key, cases[i].key) != 0)
			fail_msg("case %zu: rc=%d key=%s", i, rc, e.key ? e.key : "-");
	}
	/* A NUL in a text field (strlen would hide it: pass the length). */
	static const char withnul[] = "--BB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\0y\r\n--BB--";
	struct http_perr e = {0};
	assert_int_equal(http_parse_multipart(A, CT, withnul, sizeof(withnul) - 1, 1000, &kv, &n, &e),
			 KR_EINVAL);
	assert_string_equal(e.key, "err.bad_utf8");
	/* ...but binary in a file is fine. */
	static const char filenul[] = "--BB\r\nContent-Disposition: form-data; name=\"a\"; filename=f\r\n\r\nx\0\xFFy\r\n--BB--";
	assert_int_equal(http_parse_multipart(A, CT, filenul, sizeof(filenul) - 1, 1000, &kv, &n, &e),
			 KR_OK);
	assert_int_equal(kv[0].len, 4);
}

static void test_multipart_caps(void **state)
{
	KR_UNUSED(state);
	struct kv *kv;
	size_t n;
	struct http_perr e = {0};
	struct buf b = BUF_INIT;
	/* 200 parts pass, 201 do not. */
	for (int i = 0; i < HTTP_FIELDS_MAX; i++)
		buf_printf(&b, "--BB\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\n%d\r\n", i, i);
	size_t mark = b.len;
	buf_adds(&b, "--BB--");
	assert_int_equal(http_parse_multipart(A, CT, b.p, b.len, 0, &kv, &n, &e), KR_OK);
	assert_int_equal(n, HTTP_FIELDS_MAX);
	b.len = mark;
	buf_adds(&b, "--BB\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nx\r\n--BB--");
	assert_int_equal(http_parse_multipart(A, CT, b.p, b.len, 0, &kv, &n, &e), KR_ETOOBIG);
	assert_string_equal(e.key, "err.too_big");
	buf_free(&b);

	/* A text field over 64 KiB. */
	buf_adds(&b, "--BB\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n");
	for (int i = 0; i < HTTP_FIELD_MAX; i++)
		buf_addc(&b, 'x');
	mark = b.len;
	buf_adds(&b, "\r\n--BB--");
	assert_int_equal(http_parse_multipart(A, CT, b.p, b.len, 0, &kv, &n, &e), KR_OK);
	assert_int_equal(kv[0].len, HTTP_FIELD_MAX);
	b.len = mark;
	buf_adds(&b, "x\r\n--BB--");
	assert_int_equal(http_parse_multipart(A, CT, b.p, b.len, 0, &kv, &n, &e), KR_ETOOBIG);
	buf_free(&b);

	/* A file over file_max; at file_max it passes. */
	const char *f = "--BB\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n0123456789\r\n--BB--";
	assert_int_equal(mp(CT, f, 10, &kv, &n, &e), KR_OK);
	assert_int_equal(mp(CT, f, 9, &kv, &n, &e), KR_ETOOBIG);
	assert_string_equal(e.key, "err.too_big");

	/* A part header block over the cap. */
	buf_adds(&b, "--BB\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ");
	for (int i = 0; i < HTTP_PART_HEAD_MAX; i++)
		buf_addc(&b, 'p');
	buf_adds(&b, "\r\n\r\nv\r\n--BB--");
	assert_int_equal(http_parse_multipart(A, CT, b.p, b.len, 0, &kv, &n, &e), KR_EINVAL);
	buf_free(&b);

	/* A 71-byte boundary is refused, 70 is fine. */
	char ct[200], body[300];
	char bnd[72];
	memset(bnd, 'q', 71);
	bnd[71] = '\0';
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", bnd);
	snprintf(body, sizeof(body), "--%s--", bnd);
	assert_int_equal(mp(ct, body, 0, &kv, &n, &e), KR_EINVAL);
	bnd[70] = '\0';
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", bnd);
	snprintf(body, sizeof(body), "--%s--", bnd);
	assert_int_equal(mp(ct, body, 0, &kv, &n, &e), KR_OK);
}

/* ---- router: matching and access ---- */

static int h_dummy(struct request *r)
{
	KR_UNUSED(r);
	return 200;
}

static const struct route rt[] = {
	{"GET", "/", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"GET", "/orgs", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"POST", "/orgs", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"GET", "/orgs/new", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"GET", "/orgs/{}", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"PUT", "/orgs/{}", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"DELETE", "/orgs/{}", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"GET", "/a/{}/b/{}/c/{}/d/{}", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
	{"POST", "/only-post", h_dummy, ACC_ANY, AUTH_NONE, false, 0, OUT_HTML},
};

static void test_route_match(void **state)
{
	KR_UNUSED(state);
	const struct route *r;
	const char *params[REQ_MAX_PARAMS];
	int np;
	const char *allow;
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "GET", "/", &r, params, &np, &allow), KR_OK);
	assert_ptr_equal(r, &rt[0]);
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "HEAD", "/orgs", &r, params, &np, &allow), KR_OK);
	assert_ptr_equal(r, &rt[1]);
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "POST", "/orgs", &r, params, &np, &allow), KR_OK);
	assert_ptr_equal(r, &rt[2]);
	/* Literal before {} when listed first. */
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "GET", "/orgs/new", &r, params, &np, &allow), KR_OK);
	assert_ptr_equal(r, &rt[3]);
	assert_int_equal(np, 0);
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "GET", "/orgs/a b", &r, params, &np, &allow), KR_OK);
	assert_ptr_equal(r, &rt[4]);
	assert_int_equal(np, 1);
	assert_string_equal(params[0], "a b");
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "GET", "/a/1/b/2/c/3/d/4", &r, params, &np, &allow), KR_OK);
	assert_int_equal(np, 4);
	assert_string_equal(params[3], "4");
	static const char *const miss[] = {"/orgs/", "/orgs//", "/orgs/1/2", "/org", "/ORGS", "",
					   "/a/1/b/2/c/3/d/", "/a/1/b//c/3/d/4"};
	for (size_t i = 0; i < KR_ARRAY_LEN(miss); i++)
		if (http_route_match(rt, KR_ARRAY_LEN(rt), A, "GET", miss[i], &r, params, &np, &allow) != KR_ENOTFOUND)
			fail_msg("matched %s", miss[i]);
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "PATCH", "/orgs/1", &r, params, &np, &allow), KR_EPERM);
	assert_string_equal(allow, "GET, PUT, DELETE, HEAD");
	assert_ptr_equal(r, &rt[4]);
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "GET", "/only-post", &r, params, &np, &allow), KR_EPERM);
	assert_string_equal(allow, "POST");
	/* "/orgs/new" matches both its literal route and {}: GET listed once. */
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "POST", "/orgs/new", &r, params, &np, &allow), KR_EPERM);
	assert_string_equal(allow, "GET, PUT, DELETE, HEAD");
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "GET", "/nothing", &r, params, &np, &allow), KR_ENOTFOUND);
	assert_null(r);
	/* Very deep paths do not overflow the segment table. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "/x");
	assert_int_equal(http_route_match(rt, KR_ARRAY_LEN(rt), A, "GET", b.p, &r, params, &np, &allow), KR_ENOTFOUND);
	buf_free(&b);
}

static void test_access_status(void **state)
{
	KR_UNUSED(state);
	struct request r;
	memset(&r, 0, sizeof(r));
	/* Anonymous. */
	assert_int_equal(http_access_status(&r, ACC_ANY), 0);
	assert_int_equal(http_access_status(&r, ACC_ANON), 0);
	assert_int_equal(http_access_status(&r, ACC_PRE_MFA), 401);
	assert_int_equal(http_access_status(&r, ACC_USER), 401);
	assert_int_equal(http_access_status(&r, ACC_ADMIN), 401);
	/* Password accepted, second factor pending. */
	r.ctx.who.person_id = 1;
	r.ctx.who.role = ROLE_ADMIN;
	r.mfa_pending = true;
	assert_int_equal(http_access_status(&r, ACC_ANON), 0);
	assert_int_equal(http_access_status(&r, ACC_PRE_MFA), 0);
	assert_int_equal(http_access_status(&r, ACC_USER), 401);
	assert_int_equal(http_access_status(&r, ACC_ADMIN), 401);
	/* Member. */
	r.mfa_pending = false;
	r.ctx.who.role = ROLE_MEMBER;
	assert_int_equal(http_access_status(&r, ACC_ANON), 403);
	assert_int_equal(http_access_status(&r, ACC_PRE_MFA), 403);
	assert_int_equal(http_access_status(&r, ACC_USER), 0);
	assert_int_equal(http_access_status(&r, ACC_ORG_ADMIN), 403);
	assert_int_equal(http_access_status(&r, ACC_COORD), 403);
	assert_int_equal(http_access_status(&r, ACC_ADMIN), 403);
	r.ctx.who.org_admin = true;
	assert_int_equal(http_access_status(&r, ACC_ORG_ADMIN), 0);
	assert_int_equal(http_access_status(&r, ACC_COORD), 403);
	r.ctx.who.org_admin = false;
	r.ctx.who.role = ROLE_COORDINATOR;
	assert_int_equal(http_access_status(&r, ACC_ORG_ADMIN), 0);
	assert_int_equal(http_access_status(&r, ACC_COORD), 0);
	assert_int_equal(http_access_status(&r, ACC_ADMIN), 403);
	r.ctx.who.role = ROLE_ADMIN;
	assert_int_equal(http_access_status(&r, ACC_ADMIN), 0);
	assert_int_equal(http_access_status(&r, ACC_COORD), 0);
}

/* ---- response helpers that need no server ---- */

static void test_resp_helpers(void **state)
{
	KR_UNUSED(state);
	struct request r;
	memset(&r, 0, sizeof(r));
	r.a = A;
	resp_header(&r, "X-A", "1");
	resp_header(&r, "X-Bad", "a\r\nSet-Cookie: x=1"); /* refused */
	resp_header(&r, "Bad Name", "v");                 /* refused */
	assert_int_equal(r.nresp_headers, 1);
	assert_int_equal(resp_redirect(&r, "/x/y?z=1"), 303);
	assert_string_equal(r.resp_headers[1].val, "/x/y?z=1");
	resp_redirect(&r, "//evil");
	assert_string_equal(r.resp_headers[2].val, "/");
	resp_redirect(&r, "/\\evil");
	assert_string_equal(r.resp_headers[3].val, "/");
	resp_redirect(&r, "/a\r\nb");
	assert_string_equal(r.resp_headers[4].val, "/");
	resp_redirect(&r, NULL);
	assert_string_equal(r.resp_headers[5].val, "/");
	resp_cookie(&r, "s", "v", 0);
	assert_string_equal(r.resp_headers[6].val, "s=v; Path=/; HttpOnly; SameSite=Strict");
	resp_cookie(&r, "s", "v;x", 0); /* refused */
	assert_int_equal(r.nresp_headers, 7);

	static const struct {
		int rc, status;
	} map[] = {
		{KR_ENOTFOUND, 404}, {KR_EINVAL, 400}, {KR_EPERM, 403}, {KR_ECONFLICT, 409},
		{KR_ETOOBIG, 413}, {KR_EAUTH, 401}, {KR_ELOCKED, 429}, {KR_EBUSY, 503},
		{KR_EUNAVAIL, 503}, {KR_EDB, 500}, {KR_EIO, 500}, {KR_ENOMEM, 500},
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(map); i++) {
		assert_int_equal(req_fail_rc(&r, map[i].rc), map[i].status);
		assert_int_equal(r.status, map[i].status);
		assert_non_null(r.err_key);
	}
	assert_int_equal(resp_bytes(&r, 201, "text/plain", "abc", 3), 201);
	assert_string_equal(r.out.p, "abc");
	buf_free(&r.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_decode),
		cmocka_unit_test(test_path_good),
		cmocka_unit_test(test_path_bad),
		cmocka_unit_test(test_split_target),
		cmocka_unit_test(test_urlencoded_good),
		cmocka_unit_test(test_urlencoded_bad),
		cmocka_unit_test(test_urlencoded_caps),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_header_param),
		cmocka_unit_test(test_ctype_is),
		cmocka_unit_test(test_multipart_good),
		cmocka_unit_test(test_multipart_bad),
		cmocka_unit_test(test_multipart_caps),
		cmocka_unit_test(test_route_match),
		cmocka_unit_test(test_access_status),
		cmocka_unit_test(test_resp_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
