/* test_jread.c - unit tests of src/lib/jread: every kind of value, every
 * rejection class with its message and position, duplicate keys in small
 * and large objects, spans, the depth and string caps, int64 limits, \u
 * escapes, and agreement with jansson on a list of tricky texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jread.h"
#include "jread_diff.h"

static const struct jr_value *parse_ok(struct arena *a, const char *text, unsigned flags)
{
	const struct jr_value *r = NULL;
	struct jr_error e;
	struct jr_options o = {.max_depth = 32, .max_string = 1024 * 1024, .flags = flags};
	int rc = jr_parse(a, text, strlen(text), &o, &r, &e);
	if (rc != KR_OK)
		fail_msg("rejected %s: %s (%d:%d)", text, e.text, e.line, e.column);
	assert_non_null(r);
	return r;
}

/* Rejected with rc, a message containing needle, at line:column. */
static void parse_bad_n(const char *text, size_t len, int want_rc, const char *needle, int line, int column)
{
	struct arena *a = arena_new();
	const struct jr_value *r = (const void *)1;
	struct jr_error e;
	struct jr_options o = {.max_depth = 32, .max_string = 1024 * 1024};
	int rc = jr_parse(a, text, len, &o, &r, &e);
	if (rc != want_rc || r != NULL || !strstr(e.text, needle) ||
	    (line && (e.line != line || e.column != column)))
		fail_msg("%.60s: rc %d (want %d), \"%s\" at %d:%d (want \"%s\" at %d:%d)", text, rc, want_rc,
		         e.text, e.line, e.column, needle, line, column);
	arena_free(a);
}

static void parse_bad(const char *text, const char *needle, int line, int column)
{
	parse_bad_n(text, strlen(text), KR_EINVAL, needle, line, column);
}

static void test_values(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	const struct jr_value *r =
	    parse_ok(a,
	             " {\"s\": \"h\\u00e9llo\", \"i\": -42, \"r\": 2.5e1, \"t\": true,"
	             " \"f\": false, \"n\": null, \"a\": [1, [], {}], \"o\": {\"k\": \"v\"},"
	             " \"e\": \"\"}\n",
	             0);
	assert_true(jr_is_object(r));
	assert_int_equal(jr_len(r), 9);
	assert_string_equal(jr_str(jr_get(r, "s")), "h\xc3\xa9llo");
	assert_int_equal(jr_str_len(jr_get(r, "s")), 6);
	assert_true(jr_is_int(jr_get(r, "i")));
	assert_int_equal(jr_int(jr_get(r, "i")), -42);
	assert_true(jr_is_real(jr_get(r, "r")));
	assert_false(jr_is_int(jr_get(r, "r")));
	assert_true(jr_is_number(jr_get(r, "r")));
	assert_true(jr_real(jr_get(r, "r")) == 25.0);
	assert_true(jr_is_bool(jr_get(r, "t")) && jr_is_true(jr_get(r, "t")));
	assert_true(jr_is_bool(jr_get(r, "f")) && !jr_is_true(jr_get(r, "f")));
	assert_true(jr_is_null(jr_get(r, "n")));
	const struct jr_value *arr = jr_get(r, "a");
	assert_int_equal(jr_len(arr), 3);
	assert_int_equal(jr_int(jr_at(arr, 0)), 1);
	assert_true(jr_is_array(jr_at(arr, 1)) && jr_len(jr_at(arr, 1)) == 0);
	assert_true(jr_is_object(jr_at(arr, 2)) && jr_len(jr_at(arr, 2)) == 0);
	assert_null(jr_at(arr, 3));
	assert_string_equal(jr_str(jr_get(jr_get(r, "o"), "k")), "v");
	assert_string_equal(jr_str(jr_get(r, "e")), "");
	/* NULL-safe and type-safe accessors */
	assert_null(jr_get(r, "missing"));
	assert_null(jr_str(jr_get(r, "missing")));
	assert_null(jr_str(jr_get(r, "i")));
	assert_int_equal(jr_int(jr_get(r, "s")), 0);
	assert_null(jr_get(arr, "x"));
	assert_null(jr_at(r, 0));
	assert_int_equal(jr_len(jr_get(r, "s")), 0);
	assert_false(jr_is_string(NULL));
	/* members in document order */
	static const char *const order[] = {"s", "i", "r", "t", "f", "n", "a", "o", "e"};
	size_t i;
	const struct jr_value *k, *v;
	jr_object_foreach(r, i, k, v)
	{
		assert_string_equal(jr_str(k), order[i]);
		assert_ptr_equal(v, jr_get(r, order[i]));
	}
	assert_int_equal(i, 9);
	const struct jr_value *e;
	jr_array_foreach(arr, i, e) assert_ptr_equal(e, jr_at(arr, i));
	assert_int_equal(i, 3);
	/* any value at the top */
	assert_true(jr_is_int(parse_ok(a, "5", 0)));
	assert_true(jr_is_null(parse_ok(a, " null ", 0)));
	assert_string_equal(jr_str(parse_ok(a, "\"x\"", 0)), "x");
	/* escapes */
	r = parse_ok(a, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00\\uD834\\uDD1E\"", 0);
	assert_string_equal(jr_str(r),
	                    "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf0\x9d\x84\x9e");
	/* raw UTF-8 of every length, at the edges of the valid ranges */
	r = parse_ok(a,
	             "[\"\xc2\x80\", \"\xdf\xbf\", \"\xe0\xa0\x80\", \"\xed\x9f\xbf\", \"\xee\x80\x80\", "
	             "\"\xef\xbf\xbf\","
	             " \"\xf0\x90\x80\x80\", \"\xf4\x8f\xbf\xbf\", \"\x7f\"]",
	             0);
	assert_int_equal(jr_len(r), 9);
	assert_int_equal(jr_str_len(jr_at(r, 7)), 4);
	/* numbers */
	r = parse_ok(a, "[0, -0, 1e2, 1E-2, -0.5, 0.0, 10, 1e-400]", 0);
	assert_true(jr_is_int(jr_at(r, 1)) && jr_int(jr_at(r, 1)) == 0);
	assert_true(jr_is_real(jr_at(r, 2)) && jr_real(jr_at(r, 2)) == 100);
	assert_true(jr_is_real(jr_at(r, 3)) && jr_real(jr_at(r, 3)) == 0.01);
	assert_true(jr_real(jr_at(r, 4)) == -0.5);
	assert_true(jr_is_real(jr_at(r, 5)));
	assert_true(jr_is_real(jr_at(r, 7)) && jr_real(jr_at(r, 7)) == 0);
	arena_free(a);
}

static void test_int64(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	assert_int_equal(jr_int(parse_ok(a, "9223372036854775807", 0)), INT64_MAX);
	assert_int_equal(jr_int(parse_ok(a, "-9223372036854775808", 0)), INT64_MIN);
	assert_int_equal(jr_int(jr_at(parse_ok(a, "[-9223372036854775807]", 0), 0)), -INT64_MAX);
	parse_bad("9223372036854775808", "integer out of range", 1, 1);
	parse_bad("[1, -9223372036854775809]", "integer out of range", 1, 5);
	parse_bad("99999999999999999999", "integer out of range", 1, 1);
	parse_bad("[123456789012345678901234567890]", "integer out of range", 1, 2);
	/* a real of the same digits is fine */
	assert_true(jr_is_real(parse_ok(a, "9223372036854775808.0", 0)));
	parse_bad("1e400", "real number overflow", 1, 1);
	parse_bad("[-1.5E+999]", "real number overflow", 1, 2);
	arena_free(a);
}

static void test_rejections(void **state)
{
	(void)state;
	parse_bad("", "unexpected end of input", 1, 1);
	parse_bad(" \n\t ", "unexpected end of input", 2, 3);
	parse_bad("[1,]", "unexpected ']'", 1, 4);
	parse_bad("{\"a\":1,}", "unexpected '}'", 1, 8);
	parse_bad("[1 2]", "',' or ']' expected", 1, 4);
	parse_bad("{\"a\" 1}", "':' expected", 1, 6);
	parse_bad("{\"a\":1 \"b\":2}", "',' or '}' expected", 1, 8);
	parse_bad("{1:2}", "object key", 1, 2);
	parse_bad("[01]", "leading zero", 1, 2);
	parse_bad("-01", "leading zero", 1, 1);
	parse_bad("[1.]", "decimal point", 1, 2);
	parse_bad("[.5]", "unexpected '.'", 1, 2);
	parse_bad("[1e]", "exponent", 1, 2);
	parse_bad("[1e+]", "exponent", 1, 2);
	parse_bad("[-]", "digit must follow '-'", 1, 2);
	parse_bad("[+1]", "unexpected '+'", 1, 2);
	parse_bad("NaN", "unexpected 'N'", 1, 1);
	parse_bad("[nan]", "unexpected 'n'", 1, 2);
	parse_bad("Infinity", "unexpected 'I'", 1, 1);
	parse_bad("[-Infinity]", "digit must follow '-'", 1, 2);
	parse_bad("[tru]", "unexpected 't'", 1, 2);
	parse_bad("[truex]", "unexpected 'x'", 1, 6);
	parse_bad("nul", "unexpected 'n'", 1, 1);
	parse_bad("[1] // c", "nothing may follow", 1, 5);
	parse_bad("/* c */ [1]", "unexpected '/'", 1, 1);
	parse_bad("[1, /* c */ 2]", "unexpected '/'", 1, 5);
	parse_bad("{\"a\":1}\n\n  }", "nothing may follow", 3, 3);
	parse_bad("[1] [2]", "nothing may follow", 1, 5);
	parse_bad("\xef\xbb\xbf[]", "unexpected byte 0xef", 1, 1);
	parse_bad("'a'", "unexpected '''", 1, 1);
	parse_bad("[\"a\tb\"]", "control character 0x09", 1, 4);
	parse_bad("[\"a\nb\"]", "control character 0x0a", 1, 4);
	parse_bad("\"\x1f\"", "control character 0x1f", 1, 2);
	parse_bad("[\"abc", "unterminated string", 1, 2);
	parse_bad("[\"abc\\", "unterminated string", 1, 2);
	parse_bad("\"\\x41\"", "invalid escape '\\x'", 1, 2);
	parse_bad("\"\\a\"", "invalid escape '\\a'", 1, 2);
	parse_bad("\"\\U0041\"", "invalid escape '\\U'", 1, 2);
	parse_bad("\"\\u00g1\"", "four hex digits", 1, 2);
	parse_bad("\"\\u12\"", "four hex digits", 1, 2);
	parse_bad("\"ab\\ud800\"", "high surrogate \\uD800 not followed", 1, 4);
	parse_bad("\"\\ud800\\u0041\"", "high surrogate", 1, 2);
	parse_bad("\"\\ud800\\ud800\"", "high surrogate", 1, 2);
	parse_bad("\"\\udbff x\"", "high surrogate", 1, 2);
	parse_bad("\"\\udc00\"", "lone UTF-16 low surrogate \\uDC00", 1, 2);
	parse_bad("\"\\ude00\\ud83d\"", "low surrogate", 1, 2);
	parse_bad("\"a\\u0000b\"", "\\u0000 in a string", 1, 3);
	parse_bad("{\"a\\u0000\":1}", "\\u0000 in an object key", 1, 4);
	/* invalid UTF-8: positions count characters, not bytes */
	parse_bad("[\"\xc3\xa9\xff\"]", "invalid UTF-8", 1, 4);
	parse_bad("\"\xc0\xaf\"", "invalid UTF-8", 1, 2);         /* overlong '/' */
	parse_bad("\"\xc1\xbf\"", "invalid UTF-8", 1, 2);         /* overlong */
	parse_bad("\"\xe0\x80\xaf\"", "invalid UTF-8", 1, 2);     /* overlong, 3 bytes */
	parse_bad("\"\xf0\x80\x80\xaf\"", "invalid UTF-8", 1, 2); /* overlong, 4 bytes */
	parse_bad("\"\xed\xa0\x80\"", "invalid UTF-8", 1, 2);     /* U+D800 encoded */
	parse_bad("\"\xed\xbf\xbf\"", "invalid UTF-8", 1, 2);     /* U+DFFF encoded */
	parse_bad("\"\xf4\x90\x80\x80\"", "invalid UTF-8", 1, 2); /* U+110000 */
	parse_bad("\"\xf5\x80\x80\x80\"", "invalid UTF-8", 1, 2);
	parse_bad("\"\x80\"", "invalid UTF-8", 1, 2);          /* lone continuation */
	parse_bad("\"\xe2\x82\"", "invalid UTF-8", 1, 2);      /* truncated */
	parse_bad("\"\xe2\x82", "invalid UTF-8", 1, 2);        /* truncated at the end */
	parse_bad("\"\\n\xe2\x82\"", "invalid UTF-8", 1, 4);   /* after an escape */
	parse_bad("[\xc3\xa9]", "unexpected byte 0xc3", 1, 2); /* outside a string */
	parse_bad("{\"\xc3\xa9\":1,\n\"\xc3\xa9\xff\":2}", "invalid UTF-8", 2, 3);
	/* a raw NUL byte is a control character, or stray */
	parse_bad_n("\"a\0b\"", 5, KR_EINVAL, "control character 0x00", 1, 3);
	parse_bad_n("[1]\0", 4, KR_EINVAL, "unexpected byte 0x00", 1, 4);
	parse_bad_n("[1,\0]", 5, KR_EINVAL, "unexpected byte 0x00", 1, 4);
	parse_bad_n("1\0", 2, KR_EINVAL, "unexpected byte 0x00", 1, 2); /* jansson accepts: jread_diff.h */
}

static void test_nul(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	const struct jr_value *r = parse_ok(a, "[\"a\\u0000b\", \"\\u0000\"]", JR_ALLOW_NUL);
	assert_int_equal(jr_str_len(jr_at(r, 0)), 3);
	assert_memory_equal(jr_str(jr_at(r, 0)), "a\0b", 4);
	assert_int_equal(jr_str_len(jr_at(r, 1)), 1);
	/* never in a key, even when allowed in values */
	const struct jr_value *x;
	struct jr_error e;
	struct jr_options o = {.flags = JR_ALLOW_NUL};
	assert_int_equal(jr_parse(a, "{\"\\u0000\":1}", 12, &o, &x, &e), KR_EINVAL);
	assert_non_null(strstr(e.text, "object key"));
	arena_free(a);
}

static void test_duplicates(void **state)
{
	(void)state;
	parse_bad("{\"a\":1,\"b\":2,\"a\":3}", "duplicate object key \"a\"", 1, 14);
	/* compared after decoding */
	parse_bad("{\"a\":1,\"\\u0061\":2}", "duplicate object key \"a\"", 1, 8);
	parse_bad("{\"\xc3\xa9\":1,\"\\u00e9\":2}", "duplicate object key \"\xc3\xa9\"", 1, 8);
	/* nested objects are checked each on their own */
	struct arena *a = arena_new();
	const struct jr_value *r = parse_ok(a, "{\"a\":{\"a\":1},\"b\":{\"a\":2}}", 0);
	assert_int_equal(jr_int(jr_get(jr_get(r, "b"), "a")), 2);
	/* keys that differ only in length or a late byte */
	parse_ok(a, "{\"ab\":1,\"a\":2,\"abc\":3,\"abd\":4,\"\":5}", 0);
	parse_bad("{\"\":1,\"\":2}", "duplicate object key \"\"", 1, 7);
	/* a long key is shown cut short */
	parse_bad("{\"0123456789012345678901234567890123456789XYZ\":1,"
	          "\"0123456789012345678901234567890123456789XYZ\":2}",
	          "duplicate object key \"0123456789012345678901234567890123456789\"...", 1, 50);
	/* large objects (the sorted path): no duplicate, one near the end,
	 * the earliest of several reported */
	for (int variant = 0; variant < 3; variant++) {
		struct buf b = BUF_INIT;
		buf_addc(&b, '{');
		for (int i = 0; i < 100000; i++)
			buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
		if (variant == 1)
			buf_adds(&b, ",\"k99998\":0");
		if (variant == 2)
			buf_adds(&b, ",\"k5\":0,\"k4\":0");
		buf_addc(&b, '}');
		const struct jr_value *big = NULL;
		struct jr_error e;
		int rc = jr_parse(a, b.p, b.len, NULL, &big, &e);
		if (variant == 0) {
			assert_int_equal(rc, KR_OK);
			assert_int_equal(jr_len(big), 100000);
			assert_int_equal(jr_int(jr_get(big, "k77777")), 77777);
		} else {
			assert_int_equal(rc, KR_EINVAL);
			assert_non_null(strstr(e.text, variant == 1 ? "\"k99998\"" : "\"k5\""));
			assert_int_equal(e.offset, b.len - (variant == 1 ? 11 : 14));
		}
		buf_free(&b);
	}
	/* 17 members: the first large object size */
	parse_bad("{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0,\"f\":0,\"g\":0,\"h\":0,\"i\":0,\"j\":0,\"k\":0,"
	          "\"l\":0,\"m\":0,"
	          "\"n\":0,\"o\":0,\"p\":0,\"a\":1}",
	          "duplicate object key \"a\"", 1, 98);
	arena_free(a);
}

static void test_spans(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	const char *text = "  {\"objects\" : [ {\"a\": \"x\\ny\"} ,\n {\"b\": [1, 2.5, true, null]} ] }  ";
	const struct jr_value *r = parse_ok(a, text, 0);
	assert_int_equal(r->start, 2);
	assert_int_equal(r->end, strlen(text) - 2);
	const struct jr_value *objs = jr_get(r, "objects");
	assert_memory_equal(text + objs->start, "[ {", 3);
	assert_int_equal(text[objs->end - 1], ']');
	const struct jr_value *o0 = jr_at(objs, 0), *o1 = jr_at(objs, 1);
	assert_int_equal(o0->end - o0->start, strlen("{\"a\": \"x\\ny\"}"));
	assert_memory_equal(text + o0->start, "{\"a\": \"x\\ny\"}", o0->end - o0->start);
	assert_memory_equal(text + o1->start, "{\"b\": [1, 2.5, true, null]}", o1->end - o1->start);
	/* a string's span is its source text with the quotes, its value decoded */
	const struct jr_value *s = jr_get(o0, "a");
	assert_memory_equal(text + s->start, "\"x\\ny\"", s->end - s->start);
	assert_string_equal(jr_str(s), "x\ny");
	const struct jr_value *k = jr_key_at(o1, 0);
	assert_memory_equal(text + k->start, "\"b\"", 3);
	const struct jr_value *b = jr_get(o1, "b");
	static const char *const want[] = {"1", "2.5", "true", "null"};
	for (size_t i = 0; i < 4; i++) {
		const struct jr_value *e = jr_at(b, i);
		assert_int_equal(e->end - e->start, strlen(want[i]));
		assert_memory_equal(text + e->start, want[i], strlen(want[i]));
	}
	/* the tree does not point into the caller's text */
	char *copy = strdup(text);
	r = parse_ok(a, copy, 0);
	memset(copy, 'x', strlen(copy));
	free(copy);
	assert_string_equal(jr_str(jr_get(jr_at(jr_get(r, "objects"), 0), "a")), "x\ny");
	arena_free(a);
}

static void test_caps(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct buf b = BUF_INIT;
	/* 32 levels pass, 33 do not, with the STIX path's text */
	for (int i = 0; i < 32; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 32; i++)
		buf_addc(&b, ']');
	parse_ok(a, b.p, 0);
	buf_reset(&b);
	buf_adds(&b, "{\"a\":");
	for (int i = 0; i < 32; i++)
		buf_adds(&b, "{\"a\":");
	parse_bad_n(b.p, b.len, KR_ETOOBIG, "nested deeper than 32 levels", 1, 1 + 5 * 32);
	/* 1 MiB of text between the quotes passes, a byte more does not
	 * (escapes count as written) */
	buf_reset(&b);
	buf_addc(&b, '"');
	for (int i = 0; i < 1024 * 1024 - 2; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "\\n\"");
	const struct jr_value *r = parse_ok(a, b.p, 0);
	assert_int_equal(jr_str_len(r), 1024 * 1024 - 1);
	buf_reset(&b);
	buf_adds(&b, "[\"\",\"");
	for (int i = 0; i < 1024 * 1024 + 1; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "\"]");
	parse_bad_n(b.p, b.len, KR_ETOOBIG, "a string is longer than 1 MiB", 1, 5);
	/* keys too */
	buf_reset(&b);
	buf_adds(&b, "{\"");
	for (int i = 0; i < 1024 * 1024 + 1; i++)
		buf_addc(&b, 'k');
	buf_adds(&b, "\":1}");
	parse_bad_n(b.p, b.len, KR_ETOOBIG, "a string is longer than 1 MiB", 1, 2);
	/* other cap sizes are spelled out; 0 means no cap */
	const struct jr_value *x;
	struct jr_error e;
	struct jr_options o = {.max_depth = 2, .max_string = 10};
	assert_int_equal(jr_parse(a, "\"12345678901\"", 13, &o, &x, &e), KR_ETOOBIG);
	assert_string_equal(e.text, "a string is longer than 10 bytes");
	assert_int_equal(jr_parse(a, "[[[]]]", 6, &o, &x, &e), KR_ETOOBIG);
	assert_string_equal(e.text, "nested deeper than 2 levels");
	assert_int_equal(jr_parse(a, "[[]]", 4, &o, &x, &e), KR_OK);
	o.max_string = 2048;
	assert_int_equal(jr_parse(a, "\"12345678901\"", 13, &o, &x, &e), KR_OK);
	/* the value cap counts every value (keys not), containers included */
	o.max_values = 4;
	assert_int_equal(jr_parse(a, "[1,[2]]", 7, &o, &x, &e), KR_OK);
	assert_int_equal(jr_parse(a, "{\"a\":1,\"b\":[2,3]}", 17, &o, &x, &e), KR_ETOOBIG);
	assert_string_equal(e.text, "more than 4 values in one document");
	assert_int_equal(jr_parse(a, "[1,2,3,4]", 9, &o, &x, &e), KR_ETOOBIG);
	assert_null(x);
	/* the default depth is jansson's 2048 */
	buf_reset(&b);
	for (int i = 0; i < 2048; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 2048; i++)
		buf_addc(&b, ']');
	assert_int_equal(jr_parse(a, b.p, b.len, NULL, &x, &e), KR_OK);
	buf_reset(&b);
	for (int i = 0; i < 2049; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 2049; i++)
		buf_addc(&b, ']');
	assert_int_equal(jr_parse(a, b.p, b.len, NULL, &x, &e), KR_ETOOBIG);
	/* empty text may come as NULL */
	assert_int_equal(jr_parse(a, NULL, 0, NULL, &x, &e), KR_EINVAL);
	assert_non_null(strstr(e.text, "unexpected end of input"));
	/* err may be NULL */
	assert_int_equal(jr_parse(a, "[", 1, NULL, &x, NULL), KR_EINVAL);
	assert_null(x);
	buf_free(&b);
	arena_free(a);
}

/* Texts where a careless reader and jansson part ways. */
static void test_against_jansson(void **state)
{
	(void)state;
	static const char *const texts[] = {
	    "",
	    " ",
	    "[",
	    "]",
	    "{",
	    "}",
	    "[]",
	    "{}",
	    "[[]]",
	    "[{}]",
	    "{\"a\":[]}",
	    "0",
	    "-0",
	    "-0.0",
	    "0e0",
	    "0E+0",
	    "1e-0",
	    "01",
	    "-01",
	    "00",
	    "1.",
	    ".1",
	    "1.e1",
	    "1e",
	    "1e+",
	    "1e-",
	    "+1",
	    "--1",
	    "-",
	    "1.5e308",
	    "1.8e308",
	    "-1.8e308",
	    "4.9e-324",
	    "2e-324",
	    "1e-400",
	    "9223372036854775807",
	    "9223372036854775808",
	    "-9223372036854775808",
	    "-9223372036854775809",
	    "18446744073709551616",
	    "123456789012345678901234567890.5",
	    "true",
	    "false",
	    "null",
	    "tru",
	    "True",
	    "NULL",
	    "nulll",
	    "[true,false,null]",
	    "[1,]",
	    "[,1]",
	    "[1,,2]",
	    "{\"a\":1,}",
	    "{,\"a\":1}",
	    "{\"a\"}",
	    "{\"a\":}",
	    "{\"a\"::1}",
	    "{a:1}",
	    "{'a':1}",
	    "{\"a\":1 \"b\":2}",
	    "\"\"",
	    "\"\\\"\"",
	    "\"\\\\\"",
	    "\"\\/\"",
	    "\"\\b\\f\\n\\r\\t\"",
	    "\"\\u0041\"",
	    "\"\\u00e9\"",
	    "\"\\u20AC\"",
	    "\"\\uFFFF\"",
	    "\"\\uFFFE\"",
	    "\"\\ud83d\\ude00\"",
	    "\"\\uD83D\\uDE00\"",
	    "\"\\ud800\"",
	    "\"\\udc00\"",
	    "\"\\ud800\\u0041\"",
	    "\"\\ud800\\ud800\"",
	    "\"\\udbff\\udfff\"",
	    "\"\\ud800\\\"",
	    "\"\\u0000\"",
	    "\"a\\u0000\"",
	    "{\"\\u0000\":1}",
	    "{\"a\\u0000b\":1}",
	    "\"\\x\"",
	    "\"\\'\"",
	    "\"\\u12\"",
	    "\"\\u12G4\"",
	    "\"\t\"",
	    "\"\x7f\"",
	    "\"\xc2\x80\"",
	    "\"\xc0\x80\"",
	    "\"\xc1\xbf\"",
	    "\"\xe0\x9f\xbf\"",
	    "\"\xe0\xa0\x80\"",
	    "\"\xed\x9f\xbf\"",
	    "\"\xed\xa0\x80\"",
	    "\"\xef\xbf\xbf\"",
	    "\"\xf0\x8f\xbf\xbf\"",
	    "\"\xf0\x90\x80\x80\"",
	    "\"\xf4\x8f\xbf\xbf\"",
	    "\"\xf4\x90\x80\x80\"",
	    "\"\xf8\x88\x80\x80\x80\"",
	    "\"\xfe\"",
	    "\"\xff\"",
	    "\"\x80\"",
	    "\"\xc3\"",
	    "\xef\xbb\xbf\"\"",
	    "[1] ",
	    "[1]x",
	    " [1]\n",
	    "[1][2]",
	    "{\"a\":1,\"a\":1}",
	    "{\"a\":1,\"\\u0061\":1}",
	    "{\"a\":{\"a\":1}}",
	    "{\"\":1,\"\":2}",
	    "{\"a\":1,\"b\":{\"c\":[1,{\"d\":null,\"d\":0}]}}",
	    "[\"a\",\"a\"]",
	    "NaN",
	    "Infinity",
	    "-Infinity",
	    "[1/**/]",
	    "// x\n1",
	    "#1",
	    "\"\\u00\"",
	    "[\"x\"\"y\"]",
	    "[1 2]",
	    "{\"a\" 1}",
	    "\"abc",
	    "\"abc\\",
	    " \r\n\t[\r\n\t1\r\n\t]\r\n\t",
	    "\f[]",
	    "\v[]",
	    "\xa0[]",
	    "[\"\\u0000\\u0001\\u001f\"]",
	    "{\"k\":\"v\",\"k2\":[0.5,-1e10,3E-3,\"\\ud834\\udd1e\"]}",
	};
	char why[300];
	for (size_t i = 0; i < KR_ARRAY_LEN(texts); i++)
		for (int nul = 0; nul < 2; nul++)
			if (jrd_compare(texts[i], strlen(texts[i]), nul, why, sizeof why))
				fail_msg("text %zu (%s), allow_nul %d: %s", i, texts[i], nul, why);
	/* raw NUL bytes and nesting at jansson's limit */
	static const struct {
		const char *s;
		size_t n;
	} raw[] = {{"\0", 1},
	           {"[\0]", 3},
	           {"\"\0\"", 3},
	           {"[1]\0", 4},
	           {"1\0", 2},
	           {"[1\0,2]", 6},
	           {"{\"a\":true\0}", 11},
	           {"[1\0\0]", 5},
	           {"[\"a\"\0]", 6},
	           {"[1 \0]", 5},
	           {"[-1.5e3\0,null\0]", 15}};
	for (size_t i = 0; i < KR_ARRAY_LEN(raw); i++)
		if (jrd_compare(raw[i].s, raw[i].n, false, why, sizeof why))
			fail_msg("raw %zu: %s", i, why);
	struct buf b = BUF_INIT;
	for (int depth = 2047; depth <= 2049; depth++) {
		buf_reset(&b);
		for (int i = 0; i < depth; i++)
			buf_adds(&b, i % 2 ? "{\"k\":" : "[");
		for (int i = depth - 1; i >= 0; i--)
			buf_adds(&b, i % 2 ? "}" : "]");
		if (jrd_compare(b.p, b.len, false, why, sizeof why))
			fail_msg("depth %d: %s", depth, why);
	}
	buf_free(&b);
}

/* The benchmark shape: an envelope of many small objects; every object's
 * span is its text, so the STIX store can keep it as received. */
static void test_envelope(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"objects\":[\n");
	for (int i = 0; i < 2000; i++)
		buf_printf(
		    &b, "%s{\"type\":\"indicator\",\"id\":\"indicator--%08d\",\"n\":%d,\"l\":[\"a\",\"b\"]}",
		    i ? ",\n" : "", i, i);
	buf_adds(&b, "\n]}");
	const struct jr_value *r = parse_ok(a, b.p, 0);
	const struct jr_value *objs = jr_get(r, "objects");
	assert_int_equal(jr_len(objs), 2000);
	for (int i = 0; i < 2000; i++) {
		const struct jr_value *o = jr_at(objs, (size_t)i);
		char want[128];
		int n = snprintf(
		    want, sizeof want,
		    "{\"type\":\"indicator\",\"id\":\"indicator--%08d\",\"n\":%d,\"l\":[\"a\",\"b\"]}", i, i);
		assert_int_equal(o->end - o->start, n);
		assert_memory_equal(b.p + o->start, want, (size_t)n);
		assert_int_equal(jr_int(jr_get(o, "n")), i);
	}
	char why[300];
	if (jrd_compare(b.p, b.len, false, why, sizeof why))
		fail_msg("envelope: %s", why);
	buf_free(&b);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values),     cmocka_unit_test(test_int64),
	    cmocka_unit_test(test_rejections), cmocka_unit_test(test_nul),
	    cmocka_unit_test(test_duplicates), cmocka_unit_test(test_spans),
	    cmocka_unit_test(test_caps),       cmocka_unit_test(test_against_jansson),
	    cmocka_unit_test(test_envelope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
