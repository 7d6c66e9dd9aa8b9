/* test_lib.c - unit tests of src/lib: arena, buf, UTF-8, parsing, time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/bytecache.h"
#include "lib/util.h"

static void test_arena(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	char *s = arena_strdup(a, "回覧");
	assert_string_equal(s, "回覧");
	assert_null(arena_strdup(a, NULL));
	/* Large allocations get their own chunk and stay zeroed and aligned. */
	unsigned char *big = arena_alloc(a, 100000);
	for (size_t i = 0; i < 100000; i++)
		assert_int_equal(big[i], 0);
	assert_int_equal((uintptr_t)big % 16, 0);
	for (int i = 0; i < 10000; i++) {
		char *p = arena_printf(a, "item-%d", i);
		assert_int_equal((uintptr_t)p % 16, 0);
	}
	assert_string_equal(arena_printf(a, "%s=%d", "x", 42), "x=42");
	assert_true(arena_used(a) > 100000);
	arena_free(a);
}

static void test_buf(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "abc");
	buf_addc(&b, '-');
	buf_printf(&b, "%05d", 42);
	assert_string_equal(b.p, "abc-00042");
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "0123456789");
	assert_int_equal(b.len, 9 + 50000);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	size_t n;
	buf_adds(&b, "x");
	char *p = buf_steal(&b, &n);
	assert_int_equal(n, 1);
	assert_null(b.p);
	free(p);
	buf_free(&b);
}

static void test_utf8(void **state)
{
	(void)state;
	const char *ok = "障害 and 改ざん\tok\n";
	assert_true(utf8_valid_text(ok, strlen(ok)));
	assert_int_equal(utf8_len("障害", strlen("障害")), 2);
	/* overlong '/', surrogate, > U+10FFFF, truncated, stray continuation */
	const char *bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe3\x81", "\x80", "\xff"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(utf8_valid(bad[i], strlen(bad[i])));
	assert_false(utf8_valid("a\0b", 3));
	assert_false(utf8_valid_text("bell\x07", 5));
	assert_true(utf8_valid("bell\x07", 5));
	assert_false(utf8_valid_text("del\x7f", 4));
}

static void test_parse_i64(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(parse_i64("42", 0, 100, &v), KR_OK);
	assert_int_equal(v, 42);
	assert_int_equal(parse_i64("101", 0, 100, &v), KR_EINVAL);
	assert_int_equal(parse_i64("-1", 0, 100, &v), KR_EINVAL);
	assert_int_equal(parse_i64("-1", -5, 100, &v), KR_OK);
	assert_int_equal(parse_i64("1e3", 0, 10000, &v), KR_EINVAL);
	assert_int_equal(parse_i64(" 1", 0, 10, &v), KR_EINVAL);
	assert_int_equal(parse_i64("", 0, 10, &v), KR_EINVAL);
	assert_int_equal(parse_i64(NULL, 0, 10, &v), KR_EINVAL);
	assert_int_equal(parse_i64("99999999999999999999", 0, INT64_MAX, &v), KR_EINVAL);
}

static void test_time(void **state)
{
	(void)state;
	char b[40];
	time_rfc3339(1595548800123LL, b, sizeof b); /* 2020-07-24T00:00:00.123Z */
	assert_string_equal(b, "2020-07-24T00:00:00.123Z");
	time_format(1595548800000LL, 540, b, sizeof b); /* Asia/Tokyo */
	assert_string_equal(b, "2020-07-24 09:00");
	int64_t ms;
	assert_int_equal(time_parse_date("2020-07-24", 540, &ms), KR_OK);
	assert_int_equal(ms, 1595548800000LL - 9 * 3600 * 1000LL);
	assert_int_equal(time_parse_date("2021-02-29", 0, &ms), KR_EINVAL);
	assert_int_equal(time_parse_date("2020-02-29", 0, &ms), KR_OK);
	assert_int_equal(time_parse_date("2020-13-01", 0, &ms), KR_EINVAL);
	assert_int_equal(time_parse_date("2020-1-01", 0, &ms), KR_EINVAL);
	assert_int_equal(time_parse_date("2020-01-01x", 0, &ms), KR_EINVAL);
}

/* The byte cache: a hit returns exactly what was kept, keys are compared
 * byte for byte, entries expire after the TTL, a later put replaces. */
static void test_byte_cache(void **state)
{
	(void)state;
	static struct byte_cache bc = BYTE_CACHE_INIT(1000);
	struct arena *a = arena_new();
	struct buf b = BUF_INIT;
	assert_false(byte_cache_append(&bc, "k1", 2, 0, &b));
	byte_cache_put(&bc, "k1", 2, "value\0one", 9, 100);
	assert_true(byte_cache_append(&bc, "k1", 2, 500, &b));
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.p, "value\0one", 9);
	assert_false(byte_cache_append(&bc, "k1x", 3, 500, &b)); /* another key */
	assert_false(byte_cache_append(&bc, "k", 1, 500, &b));   /* a prefix is not the key */
	size_t n = 0;
	const char *v = byte_cache_dup(&bc, "k1", 2, 1099, a, &n);
	assert_non_null(v);
	assert_int_equal(n, 9);
	assert_int_equal(v[9], 0);
	assert_null(byte_cache_dup(&bc, "k1", 2, 1100, a, &n)); /* expired */
	byte_cache_put(&bc, "k1", 2, "two", 3, 2000);
	assert_string_equal(byte_cache_dup(&bc, "k1", 2, 2001, a, &n), "two");
	static struct byte_cache forever = BYTE_CACHE_INIT(0);
	byte_cache_put(&forever, "k", 1, "", 0, 0);
	assert_string_equal(byte_cache_dup(&forever, "k", 1, INT64_MAX, a, &n), "");
	assert_int_equal(mem_hash64("abc", 3), str_hash64("abc"));
	buf_free(&b);
	arena_free(a);
}

static void test_tokens(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	char *t1 = rand_token(a, 32), *t2 = rand_token(a, 32);
	assert_int_equal(strlen(t1), 43);
	assert_string_not_equal(t1, t2);
	assert_int_equal(strspn(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
	char h[65];
	sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(ct_equal("abc", "abc", 3));
	assert_false(ct_equal("abc", "abd", 3));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena), cmocka_unit_test(test_buf), cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_parse_i64), cmocka_unit_test(test_time), cmocka_unit_test(test_tokens), cmocka_unit_test(test_byte_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
