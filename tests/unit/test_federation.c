/* test_federation.c - the pure parts of federation (core/federation.h):
 * which collection URLs are accepted and how they are normalised, the
 * objects URL of each page (filters, limit, added_after and next
 * percent-encoded), and the added_after bookkeeping between pages and
 * runs (resume one microsecond before a page's last date_added while
 * paging, the server's own text after a complete run, never backwards,
 * unchanged when the server sent nothing usable).  The pulls themselves
 * are tested against real servers in tests/http/test_federation.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/federation.h"
#include "lib/arena.h"

static void test_url_normalise(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	assert_string_equal(feed_url_normalise(a, "https://taxii.example.test/api1/collections/abc/"),
			    "https://taxii.example.test/api1/collections/abc/");
	assert_string_equal(feed_url_normalise(a, "http://127.0.0.1:8080/taxii2/api/collections/x"),
			    "http://127.0.0.1:8080/taxii2/api/collections/x/");
	assert_string_equal(feed_url_normalise(a, "HTTPS://h/c"), "HTTPS://h/c/");
	static const char *const bad[] = {
		"", "http://", "https:///c/", "ftp://h/c/", "file:///etc/passwd", "gopher://h/",
		"http://user:pw@h/c/", "http://user@h/c/", "http://h/c/?a=1", "http://h/c/#x",
		"http://h/c d/", "http://h/c\n/", "http://h/c\t/", "javascript:alert(1)", "h/c/",
		"http://h/\"c/", "http://h/<c>/", "http://h\\c/",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(feed_url_normalise(a, bad[i]));
	assert_null(feed_url_normalise(a, NULL));
	/* Over the length cap. */
	char big[FEED_URL_MAX + 20];
	memcpy(big, "http://h/", 9);
	memset(big + 9, 'a', sizeof big - 10);
	big[sizeof big - 1] = 0;
	assert_null(feed_url_normalise(a, big));
	big[FEED_URL_MAX - 1] = 0;
	assert_non_null(feed_url_normalise(a, big));
	/* Invalid UTF-8. */
	assert_null(feed_url_normalise(a, "http://h/\xc3\x28/"));
	arena_free(a);
}

static void test_page_url(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	const char *base = "http://h/api/collections/c1/";
	assert_string_equal(feed_page_url(a, base, 500, NULL, NULL),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=500");
	assert_string_equal(feed_page_url(a, base, 2, "", ""),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=2");
	assert_string_equal(feed_page_url(a, base, 1000, "2024-01-01T00:00:00.123456Z", NULL),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=1000"
			    "&added_after=2024-01-01T00%3A00%3A00.123456Z");
	/* next is opaque: whatever the server sent is encoded, never spliced. */
	assert_string_equal(feed_page_url(a, base, 10, "2024-01-01T00:00:00Z", "a+b/c=&d e"),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=10"
			    "&added_after=2024-01-01T00%3A00%3A00Z&next=a%2Bb%2Fc%3D%26d%20e");
	assert_string_equal(feed_page_url(a, base, 10, NULL, "\xe6\x97\xa5"),
			    "http://h/api/collections/c1/objects/?match%5Bversion%5D=all&limit=10"
			    "&next=%E6%97%A5");
	arena_free(a);
}

static void test_next_cursor(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	/* A complete run keeps the server's own text. */
	assert_string_equal(feed_next_cursor(a, "", "2024-05-01T10:00:00.123Z", false),
			    "2024-05-01T10:00:00.123Z");
	/* While paging: one microsecond before, so a retry re-reads that instant. */
	assert_string_equal(feed_next_cursor(a, "", "2024-05-01T10:00:00.123Z", true),
			    "2024-05-01T10:00:00.122999Z");
	assert_string_equal(feed_next_cursor(a, NULL, "2024-01-01T00:00:00Z", true),
			    "2023-12-31T23:59:59.999999Z");
	/* Nanosecond text is kept as is at the end of a run. */
	assert_string_equal(feed_next_cursor(a, "", "2024-05-01T10:00:00.123456789Z", false),
			    "2024-05-01T10:00:00.123456789Z");
	/* Nothing usable from the server: the cursor stays. */
	assert_string_equal(feed_next_cursor(a, "2024-05-01T10:00:00Z", NULL, false), "2024-05-01T10:00:00Z");
	assert_string_equal(feed_next_cursor(a, "2024-05-01T10:00:00Z", "", true), "2024-05-01T10:00:00Z");
	assert_string_equal(feed_next_cursor(a, "2024-05-01T10:00:00Z", "yesterday", false),
			    "2024-05-01T10:00:00Z");
	assert_string_equal(feed_next_cursor(a, "2024-05-01T10:00:00Z", "2024-13-01T00:00:00Z", false),
			    "2024-05-01T10:00:00Z");
	assert_string_equal(feed_next_cursor(a, NULL, NULL, false), "");
	/* Never backwards (a server whose clock went back, or replayed pages). */
	assert_string_equal(feed_next_cursor(a, "2024-06-01T00:00:00.000000Z", "2024-05-01T00:00:00Z", false),
			    "2024-06-01T00:00:00.000000Z");
	assert_string_equal(feed_next_cursor(a, "2024-06-01T00:00:00.000000Z", "2024-06-01T00:00:00.000000Z", true),
			    "2024-06-01T00:00:00.000000Z");
	/* Forward. */
	assert_string_equal(feed_next_cursor(a, "2024-06-01T00:00:00.000000Z", "2024-06-01T00:00:00.000002Z", true),
			    "2024-06-01T00:00:00.000001Z");
	/* The same instant at the end of a run: the server's text. */
	assert_string_equal(feed_next_cursor(a, "2024-06-01T00:00:00.000000Z", "2024-06-01T00:00:00Z", false),
			    "2024-06-01T00:00:00Z");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_normalise),
		cmocka_unit_test(test_page_url),
		cmocka_unit_test(test_next_cursor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
