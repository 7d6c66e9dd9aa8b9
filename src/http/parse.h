/* parse.h - the HTTP layer's pure parsers (internal to src/http).
 *
 * Bytes in, key/value arrays out, nothing else touched: no libmicrohttpd,
 * no globals, so every function here is unit-tested and fuzzed on its own.
 * All output lives in the arena passed in.  Each parser returns KR_OK,
 * KR_EINVAL (answer 400) or KR_ETOOBIG (answer 413) and on error fills a
 * struct http_perr with the message key and a short detail for the log. */
#ifndef KR_HTTP_PARSE_H
#define KR_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

struct arena;

#define HTTP_FIELD_MAX (64 * 1024)  /* bytes in one text field (and key) */
#define HTTP_FIELDS_MAX 200         /* fields in one form or query string */
#define HTTP_COOKIES_MAX 64         /* cookies kept from one Cookie header */
#define HTTP_PART_HEAD_MAX 8192     /* header block of one multipart part */

struct http_perr {
	const char *key;     /* "err.bad_request", "err.bad_utf8", "err.bad_path", "err.too_big" */
	const char *detail;  /* static text for the log, never user data */
};

/* Percent-decode s[0..n) into a NUL-terminated arena string; '+' becomes a
 * space when plus is set (forms and query strings, not paths).  KR_EINVAL
 * on a '%' not followed by two hex digits.  No UTF-8 check here. */
int http_pct_decode(struct arena *a, const char *s, size_t n, bool plus,
		    char **out, size_t *outlen);

/* Split a request target into path and query ("/a/b?x=1" -> "/a/b", "x=1").
 * *query is NULL when there is no '?'.  A '#' ends the target. */
void http_split_target(const char *target, size_t n, const char **path, size_t *plen,
		       const char **query, size_t *qlen);

/* Decode and check a raw path: it must start with '/'; each segment is
 * percent-decoded on its own and refused (KR_EINVAL, err.bad_path) when it
 * contains an encoded '/', a backslash (raw or encoded), NUL or another
 * control character, or is "." or ".."; invalid UTF-8 gives err.bad_utf8. */
int http_parse_path(struct arena *a, const char *raw, size_t n, char **out,
		    struct http_perr *e);

/* application/x-www-form-urlencoded (also used for query strings): pairs
 * split on '&', empty pairs skipped, a pair without '=' has value "".
 * Repeated keys are kept in order.  Keys and values must be UTF-8 text
 * (err.bad_utf8); each at most HTTP_FIELD_MAX bytes and at most
 * HTTP_FIELDS_MAX pairs (KR_ETOOBIG, err.too_big). */
int http_parse_urlencoded(struct arena *a, const char *p, size_t n,
			  struct kv **out, size_t *nout, struct http_perr *e);

/* A Cookie header ("a=1; b=2").  Lenient as browsers are: malformed pairs
 * are skipped, a value in double quotes is unquoted, at most
 * HTTP_COOKIES_MAX cookies are kept.  Never fails. */
void http_parse_cookies(struct arena *a, const char *hdr, struct kv **out, size_t *nout);

/* true when the media type of a Content-Type value (parameters ignored,
 * case-insensitive) equals mime. */
bool http_ctype_is(const char *ctype, const char *mime);

/* Value of parameter name in a header value of the form
 * `token; a=b; c="quoted \" string"` (case-insensitive name).  KR_OK and
 * *out set when present, KR_ENOTFOUND when absent, KR_EINVAL when the
 * parameter list is malformed (e.g. an unterminated quoted string). */
int http_header_param(struct arena *a, const char *hv, size_t n, const char *name,
		      char **out);

/* multipart/form-data.  The boundary comes from ctype.  Text fields are
 * copied into the arena (NUL-terminated), at most HTTP_FIELD_MAX bytes and
 * UTF-8 text; a part with a filename parameter is a file: filename and
 * ctype are set, val points into body (not copied, not terminated) and its
 * length is capped by file_max.  Field names and filenames must be UTF-8
 * text.  At most HTTP_FIELDS_MAX parts.  Truncated bodies, a missing or bad
 * boundary and malformed part headers are KR_EINVAL. */
int http_parse_multipart(struct arena *a, const char *ctype, const char *body, size_t n,
			 size_t file_max, struct kv **out, size_t *nout, struct http_perr *e);

#endif
