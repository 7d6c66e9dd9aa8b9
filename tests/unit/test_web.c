/* test_web.c - unit tests of the web output API and the catalogue:
 * html_printf escaping (XSS payloads in every %s context come out inert)
 * and number formatting, the URL builders, i18n_pick, and the catalogue
 * itself - every entry in both languages, unique keys, and every key the
 * sources use present (so a missing translation fails here). */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/org.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "web/html.h"
#include "web/i18n.h"

static const char *const payloads[] = {
	"<script>alert(1)</script>",
	"\"><img src=x onerror=alert(1)>",
	"' onmouseover='alert(1)",
	"`onfocus=alert(1) autofocus `",
	"</textarea><svg/onload=alert(1)>",
	"&lt;script&gt;",
	"javascript:alert(1)",
};

/* After escaping, no character that can open a tag or leave a quoted
 * attribute may remain. */
static void assert_inert(const char *s)
{
	assert_null(strchr(s, '<'));
	assert_null(strchr(s, '>'));
	assert_null(strchr(s, '"'));
	assert_null(strchr(s, '\''));
	assert_null(strchr(s, '`'));
}

static void test_escape_contexts(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
		const char *p = payloads[i];
		struct buf b = BUF_INIT;
		/* text */
		html_printf(&b, "%s", p);
		assert_inert(b.p);
		buf_reset(&b);
		/* double-quoted attribute: the only quotes left are ours */
		html_printf(&b, "<a title=\"%s\">", p);
		assert_int_equal(b.p[b.len - 2], '"');
		assert_null(strchr(b.p + strlen("<a title=\""), '<'));
		const char *q = strchr(b.p, '"');
		assert_non_null(q);
		assert_ptr_equal(strchr(q + 1, '"'), b.p + b.len - 2);
		buf_reset(&b);
		/* single-quoted attribute */
		html_printf(&b, "<a title='%s'>", p);
		q = strchr(b.p, '\'');
		assert_ptr_equal(strchr(q + 1, '\''), b.p + b.len - 2);
		buf_reset(&b);
		/* precision-limited */
		html_printf(&b, "%.*s", (int)strlen(p), p);
		assert_inert(b.p);
		buf_reset(&b);
		html_text(&b, p);
		assert_inert(b.p);
		buf_reset(&b);
		html_textn(&b, p, strlen(p));
		assert_inert(b.p);
		buf_free(&b);
	}
	struct buf b = BUF_INIT;
	const char *volatile none = NULL; /* NULL prints nothing, not "(null)" */
	html_printf(&b, "%s|%s", "a&b<c>\"d'e`", none);
	assert_string_equal(b.p, "a&amp;b&lt;c&gt;&quot;d&#39;e&#96;|");
	buf_reset(&b);
	/* literal markup in the format passes through */
	html_printf(&b, "<p class=\"x\">%s</p>", "ok");
	assert_string_equal(b.p, "<p class=\"x\">ok</p>");
	buf_reset(&b);
	/* %.*s stops at the precision even without a NUL */
	char raw[4] = {'<', 'a', 'b', 'c'};
	html_printf(&b, "[%.*s]", 2, raw);
	assert_string_equal(b.p, "[&lt;a]");
	buf_reset(&b);
	html_printf(&b, "%c%c", '<', 'x');
	assert_string_equal(b.p, "&lt;x");
	buf_free(&b);
}

static void test_numbers(void **st)
{
	(void)st;
	struct buf b = BUF_INIT;
	char want[512];
	html_printf(&b, "%d %d %d %i %u %ld %lld %lld %lu %llu %zu %zd %% %x %05d %-4d| %3d %hhd",
		    0, INT_MIN, INT_MAX, -7, UINT_MAX, LONG_MIN, LLONG_MIN, LLONG_MAX, ULONG_MAX,
		    ULLONG_MAX, (size_t)SIZE_MAX, (ssize_t)-5, 255, 42, 7, 5, (signed char)-3);
	snprintf(want, sizeof want,
		 "%d %d %d %i %u %ld %lld %lld %lu %llu %zu %zd %% %x %05d %-4d| %3d %hhd", 0,
		 INT_MIN, INT_MAX, -7, UINT_MAX, LONG_MIN, LLONG_MIN, LLONG_MAX, ULONG_MAX,
		 ULLONG_MAX, (size_t)SIZE_MAX, (ssize_t)-5, 255, 42, 7, 5, (signed char)-3);
	assert_string_equal(b.p, want);
	buf_reset(&b);
	html_printf(&b, "%05d|%-6s|", -42, "ab");
	assert_string_equal(b.p, "-0042|ab|"); /* width on %s is ignored */
	buf_free(&b);
}

static void test_urls(void **st)
{
	(void)st;
	struct arena *a = arena_new();
	assert_string_equal(url_encode(a, "a b/c?d=e&f#g"), "a%20b%2Fc%3Fd%3De%26f%23g");
	assert_string_equal(url_encode(a, "Az09-._~"), "Az09-._~");
	assert_string_equal(url_encode(a, "障害"), "%E9%9A%9C%E5%AE%B3");
	assert_string_equal(url_encode(a, "\"><script>"), "%22%3E%3Cscript%3E");
	assert_string_equal(url_encode(a, NULL), "");
	assert_string_equal(url_path(a, "/orgs/%s/edit?x=%d", "a/b c", 5), "/orgs/a%2Fb%20c/edit?x=5");
	assert_string_equal(url_path(a, "/x?q=%s&n=%lld", "1&2", (long long)-3), "/x?q=1%262&n=-3");

	assert_string_equal(url_safe_href("https://example.org/a?b"), "https://example.org/a?b");
	assert_string_equal(url_safe_href("HTTP://EXAMPLE.ORG"), "HTTP://EXAMPLE.ORG");
	assert_string_equal(url_safe_href("mailto:soc@example.jp"), "mailto:soc@example.jp");
	assert_string_equal(url_safe_href("/orgs/x"), "/orgs/x");
	assert_string_equal(url_safe_href("javascript:alert(1)"), "#");
	assert_string_equal(url_safe_href("JaVaScRiPt:alert(1)"), "#");
	assert_string_equal(url_safe_href("java\tscript:alert(1)"), "#");
	assert_string_equal(url_safe_href(" javascript:alert(1)"), "#");
	assert_string_equal(url_safe_href("data:text/html,<script>"), "#");
	assert_string_equal(url_safe_href("vbscript:x"), "#");
	assert_string_equal(url_safe_href("//evil.example/"), "#");
	assert_string_equal(url_safe_href("/\\evil.example/"), "#");
	assert_string_equal(url_safe_href("https:\\\\evil"), "#");
	assert_string_equal(url_safe_href(""), "#");
	assert_string_equal(url_safe_href(NULL), "#");
	arena_free(a);
}

static void test_tlp(void **st)
{
	(void)st;
	struct buf b = BUF_INIT;
	assert_true(html_tlp(&b, "RED"));
	assert_string_equal(b.p, "<span class=\"tlp tlp-red\">TLP:RED</span>");
	buf_reset(&b);
	assert_true(html_tlp(&b, "tlp:amber+strict"));
	assert_string_equal(b.p, "<span class=\"tlp tlp-amber-strict\">TLP:AMBER+STRICT</span>");
	buf_reset(&b);
	assert_true(html_tlp(&b, "White"));
	assert_string_equal(b.p, "<span class=\"tlp tlp-clear\">TLP:CLEAR</span>");
	buf_reset(&b);
	assert_false(html_tlp(&b, "amber\"><script>"));
	assert_false(html_tlp(&b, "purple"));
	assert_false(html_tlp(&b, NULL));
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_pick(void **st)
{
	(void)st;
	assert_string_equal(i18n_pick(NULL), "ja");
	assert_string_equal(i18n_pick(""), "ja");
	assert_string_equal(i18n_pick("en-US,en;q=0.9"), "en");
	assert_string_equal(i18n_pick("ja,en-US;q=0.9,en;q=0.8"), "ja");
	assert_string_equal(i18n_pick("en;q=0.5, ja;q=0.8"), "ja");
	assert_string_equal(i18n_pick("en;q=0.9, ja;q=0.8"), "en");
	assert_string_equal(i18n_pick("fr-FR, en;q=0.3"), "en");
	assert_string_equal(i18n_pick("fr-FR, de"), "ja");
	assert_string_equal(i18n_pick("en;q=0"), "ja");
	assert_string_equal(i18n_pick("EN-gb"), "en");
	assert_string_equal(i18n_pick("eng"), "ja"); /* not "en" */
	assert_string_equal(i18n_pick("en;q=1.0,ja;q=1"), "en"); /* tie: first */
	assert_string_equal(i18n_pick("en;q=abc, ja;q=0.1"), "ja"); /* malformed q */
	assert_string_equal(i18n_pick(",,;;=,en"), "en");
	assert_string_equal(i18n_pick("en;q=0.001,ja;q=0.0009"), "en");
}

static void test_catalogue(void **st)
{
	(void)st;
	assert_true(i18n_nmessages > 50);
	for (size_t i = 0; i < i18n_nmessages; i++) {
		const struct message *m = &i18n_messages[i];
		if (!m->key || !m->ja || !m->en || !*m->ja || !*m->en)
			fail_msg("message %zu (%s) lacks a language", i, m->key ? m->key : "?");
		if (!strchr(m->key, '.'))
			fail_msg("key %s has no namespace", m->key);
		for (size_t j = i + 1; j < i18n_nmessages; j++)
			if (strcmp(m->key, i18n_messages[j].key) == 0)
				fail_msg("duplicate key %s", m->key);
		assert_true(tr_has(m->key));
		assert_string_equal(tr("ja", m->key), m->ja);
		assert_string_equal(tr("en", m->key), m->en);
		/* Japanese is really Japanese: a byte >= 0x80 somewhere. */
		bool non_ascii = false;
		for (const char *p = m->ja; *p; p++)
			non_ascii |= (unsigned char)*p >= 0x80;
		if (!non_ascii && strcmp(m->key, "site.name") != 0)
			fail_msg("ja text of %s looks untranslated: %s", m->key, m->ja);
	}
	assert_false(tr_has("no.such_key"));
	assert_string_equal(tr("ja", "no.such_key"), "no.such_key");
	assert_string_equal(tr("xx", "err.not_found"), tr("ja", "err.not_found"));
	static const char *const http_keys[] = {
		"err.bad_request", "err.not_found", "err.method", "err.too_big", "err.csrf",
		"err.forbidden", "err.login_required", "err.unavailable", "err.internal",
		"err.bad_utf8", "err.bad_path", "err.conflict", "err.locked", "err.auth",
	};
	for (size_t i = 0; i < sizeof http_keys / sizeof http_keys[0]; i++)
		if (!tr_has(http_keys[i]))
			fail_msg("missing %s", http_keys[i]);
}

/* Keys the pages build at run time from core's lists. */
static void test_dynamic_keys(void **st)
{
	(void)st;
	char k[128];
	for (size_t i = 0; i < org_nkinds; i++) {
		snprintf(k, sizeof k, "kind.%s", org_kinds[i]);
		if (!tr_has(k))
			fail_msg("missing %s", k);
	}
	for (size_t i = 0; i < org_nsectors; i++) {
		snprintf(k, sizeof k, "sector.%s", org_sectors[i]);
		if (!tr_has(k))
			fail_msg("missing %s", k);
	}
	const enum role roles[] = {ROLE_MEMBER, ROLE_COORDINATOR, ROLE_ADMIN};
	for (size_t i = 0; i < 3; i++) {
		snprintf(k, sizeof k, "role.%s", role_name(roles[i]));
		if (!tr_has(k))
			fail_msg("missing %s", k);
	}
	/* Field keys core reports in *bad (grep '*bad = ' src/core). */
	const char *const bad[] = {"contact_email", "contact_name", "contact_phone",
				   "description", "display_name", "email", "kind", "locale",
				   "login", "login_or_email", "message", "name_en", "name_ja",
				   "org", "org_name_en", "org_name_ja", "password", "phone",
				   "role", "sector", "slug", "terms", "title", "tz"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(k, sizeof k, "field.%s", bad[i]);
		if (!tr_has(k))
			fail_msg("missing %s", k);
	}
	const char *const appst[] = {"pending", "approved", "rejected"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(k, sizeof k, "appst.%s", appst[i]);
		if (!tr_has(k))
			fail_msg("missing %s", k);
	}
}

/* ---- source scan ------------------------------------------------------ */

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)len + 1);
	if (!p || fread(p, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(p);
		return NULL;
	}
	p[len] = 0;
	fclose(f);
	*n = (size_t)len;
	return p;
}

static bool key_shaped(const char *s)
{
	/* [a-z][a-z0-9_]* ( . [a-z0-9_]+ )+ */
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	bool dot = false, seg = true;
	for (; *s; s++) {
		if (*s == '.') {
			if (seg)
				return false;
			dot = true;
			seg = true;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_') {
			seg = false;
		} else {
			return false;
		}
	}
	return dot && !seg;
}

static bool known_namespace(const char *key)
{
	size_t n = strcspn(key, ".");
	for (size_t i = 0; i < i18n_nmessages; i++)
		if (strncmp(i18n_messages[i].key, key, n) == 0 && i18n_messages[i].key[n] == '.')
			return true;
	return false;
}

static int missing;
static int checked;

/* Functions whose first string-literal argument is a catalogue key. */
static const char *const key_fns[] = {"tr", "web_t", "req_fail", "req_fail_detail",
				      "page_begin", "web_form_error", "web_redirect_flash"};

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void scan_file(const char *path)
{
	size_t n;
	char *s = slurp(path, &n);
	if (!s)
		return;
	/* Walk the text, skipping comments and char literals, decoding each
	 * string literal; remember the identifier of the innermost call. */
	const char *last_fn = NULL;
	size_t last_fn_len = 0;
	int depth_at_fn = -1, depth = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' && s[i + 1] == '*') {
			char *e = strstr(s + i + 2, "*/");
			i = e ? (size_t)(e - s) + 1 : n;
			continue;
		}
		if (s[i] == '/' && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (s[i] == '\'') {
			i++;
			while (i < n && s[i] != '\'') {
				if (s[i] == '\\')
					i++;
				i++;
			}
			continue;
		}
		if (s[i] == '(') {
			/* identifier right before '(' */
			size_t j = i;
			while (j > 0 && ident_char(s[j - 1]))
				j--;
			if (j < i) {
				last_fn = s + j;
				last_fn_len = i - j;
				depth_at_fn = depth;
			}
			depth++;
			continue;
		}
		if (s[i] == ')') {
			depth--;
			if (depth <= depth_at_fn)
				last_fn = NULL;
			continue;
		}
		if (s[i] != '"')
			continue;
		char lit[256];
		size_t L = 0;
		bool plain = true;
		for (i++; i < n && s[i] != '"'; i++) {
			if (s[i] == '\\') {
				plain = false;
				i++;
			}
			if (L < sizeof lit - 1)
				lit[L++] = s[i];
		}
		lit[L] = 0;
		if (!plain || !key_shaped(lit))
			continue;
		bool in_key_fn = false;
		if (last_fn && depth == depth_at_fn + 1)
			for (size_t k = 0; k < sizeof key_fns / sizeof key_fns[0]; k++)
				if (strlen(key_fns[k]) == last_fn_len &&
				    strncmp(key_fns[k], last_fn, last_fn_len) == 0)
					in_key_fn = true;
		if (in_key_fn || known_namespace(lit)) {
			checked++;
			if (!tr_has(lit)) {
				print_error("%s: key \"%s\" is not in the catalogue\n", path, lit);
				missing++;
			}
		}
	}
	free(s);
}

static void scan_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			scan_dir(path);
		} else {
			size_t len = strlen(e->d_name);
			/* The catalogue's own rows are the definitions. */
			if (len > 2 && strcmp(e->d_name + len - 2, ".c") == 0 &&
			    strcmp(e->d_name, "messages.c") != 0)
				scan_file(path);
		}
	}
	closedir(d);
}

static void test_sources_use_known_keys(void **st)
{
	(void)st;
	const char *src = getenv("KR_SRC_DIR");
	if (!src)
		src = "src";
	struct stat sb;
	/* Run from elsewhere: the binary is build/KIND/tests/test_web. */
	static char near_exe[4096];
	if (stat(src, &sb) != 0) {
		ssize_t n = readlink("/proc/self/exe", near_exe, sizeof near_exe - 32);
		if (n > 0) {
			near_exe[n] = 0;
			char *slash = strrchr(near_exe, '/');
			if (slash) {
				strcpy(slash, "/../../../src");
				src = near_exe;
			}
		}
	}
	if (stat(src, &sb) != 0)
		fail_msg("cannot find the sources at %s (run from the repository root or set KR_SRC_DIR)", src);
	missing = checked = 0;
	scan_dir(src);
	assert_true(checked > 100); /* the scan really looked at the pages */
	assert_int_equal(missing, 0);
}

/* The scanner itself must catch a missing key (so the test can fail). */
static void test_scanner_catches_missing(void **st)
{
	(void)st;
	char path[] = "/tmp/kr_test_web_XXXXXX.c";
	int fd = mkstemps(path, 2);
	assert_true(fd >= 0);
	const char *code = "static void f(void) { web_t(r, \"zz.not_there\"); "
			   "req_fail(r, 404, \"err.not_here\"); x = \"err.also_missing\"; "
			   "y = \"person.create\"; /* \"err.in_comment\" */ }\n";
	assert_true(write(fd, code, strlen(code)) == (ssize_t)strlen(code));
	close(fd);
	missing = checked = 0;
	scan_file(path);
	unlink(path);
	assert_int_equal(missing, 3); /* zz.not_there, err.not_here, err.also_missing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_contexts),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_tlp),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_dynamic_keys),
		cmocka_unit_test(test_sources_use_known_keys),
		cmocka_unit_test(test_scanner_catches_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
