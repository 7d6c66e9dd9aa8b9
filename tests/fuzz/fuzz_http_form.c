/* fuzz_http_form.c - libFuzzer target for the HTTP layer's pure parsers:
 * urlencoded forms and query strings, multipart bodies, Cookie headers,
 * header parameters and request paths, all on the fuzzer's bytes.
 *
 * Input: the first line (up to '\n') is the multipart Content-Type, the
 * rest is the body; the other parsers see the whole input.  Besides
 * sanitizer findings, the target checks the parsers' promises: text values
 * are NUL-terminated, their length is right and they are valid UTF-8 text;
 * file values lie inside the body; caps hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"
#include "lib/arena.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const struct kv *kv)
{
	if (!kv->key || !kv->val)
		abort();
	if (strlen(kv->val) != kv->len || kv->len > HTTP_FIELD_MAX)
		abort();
	if (!utf8_valid_text(kv->key, strlen(kv->key)) || !utf8_valid_text(kv->val, kv->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	const char *p = (const char *)data;
	struct kv *kv;
	size_t n;
	struct http_perr e;

	if (http_parse_urlencoded(a, p, size, &kv, &n, &e) == KR_OK) {
		if (n > HTTP_FIELDS_MAX)
			abort();
		for (size_t i = 0; i < n; i++)
			check_text(&kv[i]);
	} else if (!e.key || !e.detail) {
		abort();
	}

	char *str = arena_strndup(a, p, size); /* C-string view for header parsers */
	http_parse_cookies(a, str, &kv, &n);
	if (n > HTTP_COOKIES_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!kv[i].key || !kv[i].val || strlen(kv[i].val) != kv[i].len)
			abort();

	char *path;
	if (http_parse_path(a, p, size, &path, &e) == KR_OK) {
		if (path[0] != '/' || strstr(path, "/../") || strstr(path, "\\") ||
		    !utf8_valid(path, strlen(path)))
			abort();
	}
	const char *tp, *tq;
	size_t tpl, tql;
	http_split_target(p, size, &tp, &tpl, &tq, &tql);
	if (tpl > size || (tq && tq + tql > p + size))
		abort();

	char *val;
	http_header_param(a, str, strlen(str), "name", &val);

	const char *nl = memchr(p, '\n', size);
	if (nl) {
		char *ctype = arena_strndup(a, p, (size_t)(nl - p));
		const char *body = nl + 1;
		size_t blen = size - (size_t)(body - p);
		size_t file_max = 64;
		if (http_parse_multipart(a, ctype, body, blen, file_max, &kv, &n, &e) == KR_OK) {
			if (n > HTTP_FIELDS_MAX)
				abort();
			for (size_t i = 0; i < n; i++) {
				if (kv[i].filename) {
					if (kv[i].len > file_max || kv[i].val < body ||
					    kv[i].val + kv[i].len > body + blen || !kv[i].ctype)
						abort();
				} else {
					check_text(&kv[i]);
				}
			}
		} else if (!e.key || !e.detail) {
			abort();
		}
	}
	arena_free(a);
	return 0;
}
