/* test_api_json.c - the API's direct JSON writer (src/lib/jwrite.c, jw_*)
 * writes the bytes jansson's json_dumps(JSON_COMPACT) writes for the same
 * values, so answers moved off jansson trees stay byte for byte the same:
 * random strings (controls, quotes, backslashes, slashes, DEL, UTF-8 of
 * every length, broken UTF-8), integers at the edges, nesting. */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api/api.h"
#include "lib/buf.h"
#include "lib/util.h"

static uint64_t rs = 0x2020;
static uint32_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (uint32_t)((rs * 2685821657736338717ULL) >> 32);
}

/* A random string of pieces likely to need care. */
static void rand_str(char *s, size_t cap)
{
	static const char *const pieces[] = {
		"a", "Z", " ", "\"", "\\", "/", "\x7f", "\t", "\n", "\r", "\b", "\f", "\x01", "\x1f", "\x1b",
		"回", "覧", "é", "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "</script>", "\\u0000",
		/* broken UTF-8: lone continuation, truncated, overlong, surrogate, too large */
		"\x80", "\xe3\x81", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff",
	};
	size_t n = 0, k = rnd() % 12;
	s[0] = 0;
	for (size_t i = 0; i < k; i++) {
		const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
		/* Mostly valid strings, so both paths are compared often. */
		if ((unsigned char)p[0] >= 0x80 && strlen(p) < 3 && rnd() % 4) continue;
		if ((p[0] == '\xed' || p[0] == '\xf4' || p[0] == '\xff') && rnd() % 4) continue;
		size_t l = strlen(p);
		if (n + l + 1 >= cap)
			break;
		memcpy(s + n, p, l + 1);
		n += l;
	}
}

static void test_strings(void **state)
{
	(void)state;
	size_t valid = 0, invalid = 0;
	for (int i = 0; i < 20000; i++) {
		char s[256];
		rand_str(s, sizeof s);
		struct buf b = BUF_INIT;
		struct jw w;
		jw_init(&w, &b);
		jw_arr(&w);
		jw_str(&w, s);
		jw_arr_end(&w);
		json_t *j = json_string(s);
		if (!j) {
			assert_true(w.bad);
			invalid++;
		} else {
			json_t *a = json_array();
			json_array_append_new(a, j);
			char *d = json_dumps(a, JSON_COMPACT);
			assert_false(w.bad);
			assert_string_equal(b.p, d);
			free(d);
			json_decref(a);
			valid++;
		}
		buf_free(&b);
	}
	assert_true(valid > 5000 && invalid > 1000);
}

static void test_values(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "items");
	jw_arr(&w);
	for (int i = 0; i < 3; i++) {
		jw_obj(&w);
		jw_key(&w, "n"), jw_int(&w, i == 0 ? INT64_MIN : i == 1 ? INT64_MAX : 0);
		jw_key(&w, "b"), jw_bool(&w, i == 1);
		jw_key(&w, "s"), jw_str(&w, i == 2 ? NULL : "x\"y");
		jw_key(&w, "e");
		jw_arr(&w);
		jw_arr_end(&w);
		jw_key(&w, "t"), jw_time(&w, i ? 1625097600123LL : 0);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "next_cursor"), jw_null(&w);
	jw_key(&w, "first"), jw_int(&w, -42);
	jw_obj_end(&w);
	assert_false(w.bad);
	assert_int_equal(w.depth, 0);
	json_t *a = json_array();
	for (int i = 0; i < 3; i++)
		json_array_append_new(a, json_pack("{s:I, s:b, s:s?, s:[], s:s?}", "n",
						   (json_int_t)(i == 0 ? INT64_MIN : i == 1 ? INT64_MAX : 0), "b", i == 1,
						   "s", i == 2 ? NULL : "x\"y", "e", "t",
						   i ? "2021-07-01T00:00:00.123Z" : NULL));
	json_t *v = json_pack("{s:o, s:n, s:I}", "items", a, "next_cursor", "first", (json_int_t)-42);
	char *d = json_dumps(v, JSON_COMPACT);
	assert_string_equal(b.p, d);
	free(d);
	json_decref(v);
	buf_free(&b);
}

/* jw_time writes what api_time (time_rfc3339) writes, over leap years,
 * century rules and the ends of the range. */
static void test_times(void **state)
{
	(void)state;
	int64_t fixed[] = {1, 999, 1000, 86399999, 86400000, 951782400000LL, 951868800000LL, 4107542399999LL,
			   4107542400000LL, 253402300799999LL, 253402300800000LL, INT64_MAX / 2};
	for (int i = 0; i < 200000 + 12; i++) {
		int64_t ms = i < 12 ? fixed[i] : (int64_t)(((uint64_t)rnd() << 32 | rnd()) % 253402300800000ULL) + 1;
		struct buf b = BUF_INIT;
		struct jw w;
		jw_init(&w, &b);
		jw_time(&w, ms);
		char t[64];
		time_rfc3339(ms, t, sizeof t);
		char *want = NULL;
		assert_true(asprintf(&want, "\"%s\"", t) > 0);
		assert_string_equal(b.p, want);
		free(want);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
