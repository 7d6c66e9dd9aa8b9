/* test_markdown.c - the trusted Markdown renderer: exact output for the usual
 * constructs, a list of XSS payloads whose output must pass the allow-list
 * check (markdown_check.h), input limits, the plain-text form, and running
 * time on pathological inputs. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "web/markdown.h"
#include "markdown_check.h"

#define REL "rel=\"nofollow noopener noreferrer\""

static const char *render(struct arena *a, const char *src)
{
	struct trusted_html t;
	int rc = markdown_render(a, src, strlen(src), &t);
	if (rc != KR_OK)
		fail_msg("markdown_render(%s) = %d", src, rc);
	assert_int_equal(strlen(t.html), t.len);
	const char *err = md_check_html(t.html, t.len);
	if (err)
		fail_msg("output of %s fails the check (%s):\n%s", src, err, t.html);
	return t.html;
}

static void expect(const char *src, const char *want)
{
	struct arena *a = arena_new();
	const char *got = render(a, src);
	if (strcmp(got, want) != 0)
		fail_msg("input:\n%s\nwant:\n%s\ngot:\n%s", src, want, got);
	arena_free(a);
}

static void test_constructs(void **state)
{
	(void)state;
	expect("", "");
	expect("Hello *world* and **bold** ~~gone~~ `co<de>`",
	       "<p>Hello <em>world</em> and <strong>bold</strong> <del>gone</del> "
	       "<code>co&lt;de&gt;</code></p>\n");
	expect("# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six",
	       "<h3>One</h3>\n<h4>Two</h4>\n<h5>Three</h5>\n<h6>Four</h6>\n<h6>Five</h6>\n"
	       "<h6>Six</h6>\n");
	expect("Setext\n======", "<h3>Setext</h3>\n");
	expect("[x](https://example.com/a?b=1&c=2 \"T&\\\"\")",
	       "<p><a href=\"https://example.com/a?b=1&amp;c=2\" " REL
	       " title=\"T&amp;&quot;\">x</a></p>\n");
	expect("![logo](https://tracker.example/p.png)",
	       "<p><a href=\"https://tracker.example/p.png\" " REL ">logo</a></p>\n");
	expect("![](/img/x.png)", "<p><a href=\"/img/x.png\" " REL ">/img/x.png</a></p>\n");
	expect("![*alt* text](/a)", "<p><a href=\"/a\" " REL ">alt text</a></p>\n");
	expect("[see ![img](/i.png)](/page)", "<p><a href=\"/page\" " REL ">see img</a></p>\n");
	expect("see www.example.com.",
	       "<p>see <a href=\"http://www.example.com\" " REL ">www.example.com</a>.</p>\n");
	expect("https://example.org/x_(y)",
	       "<p><a href=\"https://example.org/x_(y)\" " REL ">https://example.org/x_(y)</a></p>\n");
	expect("<https://example.org/>",
	       "<p><a href=\"https://example.org/\" " REL ">https://example.org/</a></p>\n");
	expect("mail a@example.com",
	       "<p>mail <a href=\"mailto:a@example.com\" " REL ">a@example.com</a></p>\n");
	expect("[in page](#sec) [local](/t/20260101-000001)",
	       "<p><a href=\"#sec\" " REL ">in page</a> <a href=\"/t/20260101-000001\" " REL
	       ">local</a></p>\n");
	expect("[sp](</a b>)", "<p><a href=\"/a%20b\" " REL ">sp</a></p>\n");
	expect("[jp](https://例え.jp/パス)",
	       "<p><a href=\"https://%E4%BE%8B%E3%81%88.jp/%E3%83%91%E3%82%B9\" " REL
	       ">jp</a></p>\n");
	expect("- a\n- b\n\n3. c\n4. d",
	       "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>\n");
	expect("1. x\n\n   y\n2. z",
	       "<ol>\n<li><p>x</p>\n<p>y</p>\n</li>\n<li><p>z</p>\n</li>\n</ol>\n");
	expect("- [x] done\n- [ ] todo",
	       "<ul>\n<li><input type=\"checkbox\" disabled=\"\" checked=\"\"> done</li>\n"
	       "<li><input type=\"checkbox\" disabled=\"\"> todo</li>\n</ul>\n");
	expect("> quoted\n> more", "<blockquote>\n<p>quoted\nmore</p>\n</blockquote>\n");
	expect("```c\n<b>x</b> & y\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt; &amp; y\n</code></pre>\n");
	expect("    indented", "<pre><code>indented\n</code></pre>\n");
	expect("a  \nb\\\nc", "<p>a<br>\nb<br>\nc</p>\n");
	expect("---", "<hr>\n");
	expect("| a | b | c |\n|:--|:-:|--:|\n| 1 | *2* | 3 |\n| 4 |",
	       "<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"center\">b</th>\n"
	       "<th align=\"right\">c</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
	       "<td align=\"left\">1</td>\n<td align=\"center\"><em>2</em></td>\n"
	       "<td align=\"right\">3</td>\n</tr>\n<tr>\n<td align=\"left\">4</td>\n"
	       "<td align=\"center\"></td>\n<td align=\"right\"></td>\n</tr>\n</tbody>\n</table>\n");
	expect("| h |\n|---|", "<table>\n<thead>\n<tr>\n<th>h</th>\n</tr>\n</thead>\n</table>\n");
	expect("&copy; &amp; &#60;b&#62; &lt;i&gt;", "<p>© &amp; &lt;b&gt; &lt;i&gt;</p>\n");
	expect("Tom's \"quote\"", "<p>Tom&#39;s &quot;quote&quot;</p>\n");
	expect("日本語の**本文**です。", "<p>日本語の<strong>本文</strong>です。</p>\n");
	/* Raw HTML - even tags we produce ourselves - is text. */
	expect("<em>x</em>", "<p>&lt;em&gt;x&lt;/em&gt;</p>\n");
	expect("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
	expect("a <a href=\"/ok\">b</a> c",
	       "<p>a &lt;a href=&quot;/ok&quot;&gt;b&lt;/a&gt; c</p>\n");
	expect("<!-- hidden -->", "<p>&lt;!-- hidden --&gt;</p>\n");
	/* Refused targets lose the link and keep the text. */
	expect("[x](javascript:alert(1))", "<p>x</p>\n");
	expect("![pix](data:image/png;base64,AAAA)", "<p>pix</p>\n");
	expect("[rel](page.html) [proto](//evil.example/) [bs](/\\evil.example)",
	       "<p>rel proto bs</p>\n");
	expect("[e]()", "<p>e</p>\n");
}

/* Payloads: the output of every one must pass md_check_html and the
 * explicit checks in check_payload. */
static const char *const xss[] = {
	"<script>alert(1)</script>",
	"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
	"<scr<script>ipt>alert(1)</script>",
	"x <script>alert(1)</script> y",
	"<img src=x onerror=alert(1)>",
	"<IMG SRC=\"javascript:alert('XSS');\">",
	"<svg onload=alert(1)>",
	"<svg><script>alert(1)</script></svg>",
	"<iframe src=\"javascript:alert(1)\"></iframe>",
	"<iframe srcdoc=\"<script>alert(1)</script>\">",
	"<body onload=alert(1)>",
	"<div onmouseover=\"alert(1)\">hover</div>",
	"<a href=\"javascript:alert(1)\">x</a>",
	"<a href=\"/ok\" onclick=\"alert(1)\">x</a>",
	"<p style=\"background:url(javascript:alert(1))\">x</p>",
	"<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
	"<object data=\"javascript:alert(1)\"></object>",
	"<embed src=\"data:text/html,<script>alert(1)</script>\">",
	"<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
	"<form action=\"javascript:alert(1)\"><button>x</button></form>",
	"<input onfocus=alert(1) autofocus>",
	"<details open ontoggle=alert(1)>",
	"<style>body{background:red}</style>",
	"<base href=\"//evil.example/\">",
	"<!--<script>alert(1)</script>-->",
	"<![CDATA[<script>alert(1)</script>]]>",
	"<?php echo 1; ?>",
	"<!DOCTYPE html>",
	"[x](javascript:alert(1))",
	"[x](JaVaScRiPt:alert(1))",
	"[x](java&#x09;script:alert(1))",
	"[x](java&#9;script:alert(1))",
	"[x](java&#10;script:alert(1))",
	"[x](&#106;avascript:alert(1))",
	"[x](&#x6A;avascript:alert(1))",
	"[x](&#0000106;avascript:alert(1))",
	"[x](%6Aavascript:alert(1))",
	"[x](javascript%3Aalert(1))",
	"[x]( javascript:alert(1))",
	"[x](<javascript:alert(1)>)",
	"[x](<&#1;javascript:alert(1)>)",
	"[x](javascript\\:alert(1))",
	"[x](java\\script:alert(1))",
	"[x](vbscript:msgbox(1))",
	"[x](VBSCRIPT:msgbox(1))",
	"[x](data:text/html,<script>alert(1)</script>)",
	"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"[x](file:///etc/passwd)",
	"[x](//evil.example/)",
	"[x](/\\evil.example/)",
	"[x](\\\\evil.example/)",
	"[x](&#47;&#47;evil.example)",
	"![x](javascript:alert(1))",
	"![x](https://tracker.example/pixel.gif)",
	"![x\" onerror=\"alert(1)](/a.png)",
	"![x](/a.png \"t\\\" onerror=\\\"alert(1)\")",
	"[x](/ok \"a\\\" onmouseover=\\\"x\")",
	"[x](/ok 'a\" onmouseover=\"x')",
	"[x](/ok (a\" onmouseover=\"x))",
	"[x](/ok\"onmouseover=\"alert(1))",
	"[x](/ok'onmouseover='alert(1))",
	"[x](/ok><script>alert(1)</script>)",
	"[x][bad]\n\n[bad]: javascript:alert(1)",
	"[x][bad]\n\n[bad]: JAVASCRIPT:alert(1) \"title\"",
	"![x][bad]\n\n[bad]: data:image/svg+xml,<svg/onload=alert(1)>",
	"[bad]\n\n[bad]: vbscript:x",
	"<javascript:alert(1)>",
	"<JAVASCRIPT:alert(1)>",
	"<vbscript:msgbox(1)>",
	"<data:text/html,alert(1)>",
	"javascript:alert(1)",
	"www.example.com/\"onmouseover=\"alert(1)",
	"https://example.com/<script>alert(1)</script>",
	"https://example.com/\"><script>alert(1)</script>",
	"&lt;script&gt;alert(1)&lt;/script&gt;",
	"&#60;script&#62;alert(1)&#60;/script&#62;",
	"``<script>`` ` <script> `",
	"```\n</code></pre><script>alert(1)</script>\n```",
	"`` ` ``<img src=x onerror=alert(1)>``",
	"| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
	"| [x](javascript:alert(1)) |\n|---|\n| ![y](data:x) |",
	"| a |\n|---|\n| <a href=\"javascript:alert(1)\">x</a> |",
	"- [x] <input type=\"checkbox\" onclick=\"alert(1)\">",
	"> <script>alert(1)</script>\n> [x](javascript:alert(1))",
	"# <script>alert(1)</script>",
	"*<img src=x onerror=alert(1)>*",
	"~~<svg/onload=alert(1)>~~",
	"[<img src=x onerror=alert(1)>](/ok)",
	"[x](/ok \"<script>alert(1)</script>\")",
	"[x](https://example.com \"&quot; onmouseover=&quot;alert(1)\")",
	"<a\nhref=\"javascript:alert(1)\">x</a>",
	"<a href='javas\ncript:alert(1)'>x</a>",
	"[a](https://ok.example)[b](javascript:alert(1))",
	"[[x](javascript:alert(1))](/ok)",
	"[x](https://ok.example/ 'onmouseover=alert(1)')",
	"\xef\xbc\x9cscript\xef\xbc\x9e",
	"[x](ｊａｖａｓｃｒｉｐｔ:alert(1))",
	"[x](javascript&colon;alert(1))",
	"[x](javascript&#58;alert(1))",
	"[x](jav&Tab;ascript:alert(1))",
	"[x](&NewLine;javascript:alert(1))",
};

static void check_payload(struct arena *a, const char *src)
{
	struct trusted_html t;
	assert_int_equal(markdown_render(a, src, strlen(src), &t), KR_OK);
	const char *err = md_check_html(t.html, t.len);
	if (err)
		fail_msg("payload %s: %s\n%s", src, err, t.html);
	/* The same property said again in the brief's own terms, independent
	 * of the checker's parser. */
	if (strcasestr(t.html, "<script"))
		fail_msg("payload %s: <script in output\n%s", src, t.html);
	for (const char *p = t.html; (p = strchr(p, '<')) != NULL; p++) {
		const char *end = strchr(p, '>');
		assert_non_null(end);
		/* Attribute names only: skip quoted values (where an escaped
		 * "onerror=" in a title is harmless text). */
		bool quoted = false;
		for (const char *q = p; q < end; q++) {
			if (*q == '"')
				quoted = !quoted;
			if (quoted || q[0] != ' ' || strncasecmp(q + 1, "on", 2) != 0)
				continue;
			const char *r = q + 3;
			while (r < end && ((*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z')))
				r++;
			if (r > q + 3 && *r == '=')
				fail_msg("payload %s: event handler attribute\n%s", src, t.html);
		}
		for (const char *h = p; (h = strstr(h, "href=\"")) != NULL && h < end; h++) {
			const char *v = h + 6;
			if (strncasecmp(v, "javascript:", 11) == 0 ||
			    strncasecmp(v, "vbscript:", 9) == 0 || strncasecmp(v, "data:", 5) == 0)
				fail_msg("payload %s: dangerous href\n%s", src, t.html);
		}
		if (strncasecmp(p, "<img", 4) == 0 || strncasecmp(p, "<svg", 4) == 0 ||
		    strncasecmp(p, "<iframe", 7) == 0 || strncasecmp(p, "<input type=\"checkbox\" on", 25) == 0)
			fail_msg("payload %s: raw tag\n%s", src, t.html);
	}
	if (strcasestr(t.html, "javascript:") && strstr(t.html, "href=\"javascript"))
		fail_msg("payload %s: javascript: href\n%s", src, t.html);
}

static void test_xss(void **state)
{
	(void)state;
	assert_true(KR_ARRAY_LEN(xss) >= 60);
	struct arena *a = arena_new();
	for (size_t i = 0; i < KR_ARRAY_LEN(xss); i++)
		check_payload(a, xss[i]);
	arena_free(a);
}

/* Every refused target in the payload list really lost its link: the
 * output holds no <a> at all for these. */
static void test_refused_links(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"[x](JaVaScRiPt:alert(1))", "[x](java&#x09;script:alert(1))",
		"[x](&#106;avascript:alert(1))", "[x](%6Aavascript:alert(1))",
		"[x](data:text/html,hi)", "![x](javascript:alert(1))", "[x](//evil.example/)",
		"[x](/\\evil.example/)", "[x][b]\n\n[b]: javascript:alert(1)",
		"<javascript:alert(1)>", "[x](javascript&#58;alert(1))", "[x](\tjavascript:1)",
		"[x](jav&Tab;ascript:alert(1))", "[x](ftp://example.com/)", "[x](page.html)",
	};
	struct arena *a = arena_new();
	for (size_t i = 0; i < KR_ARRAY_LEN(bad); i++) {
		const char *out = render(a, bad[i]);
		if (strstr(out, "<a "))
			fail_msg("%s kept a link:\n%s", bad[i], out);
	}
	/* And allowed ones keep it, whatever the case of the scheme. */
	static const char *const good[] = {
		"[x](HTTPS://example.com/)", "[x](mailto:a@example.com)", "[x](/local)",
		"[x](#frag)", "[x](http://example.com)", "[x](  /spaced  )",
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(good); i++) {
		const char *out = render(a, good[i]);
		if (!strstr(out, "<a href="))
			fail_msg("%s lost its link:\n%s", good[i], out);
	}
	arena_free(a);
}

static void test_limits(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct trusted_html t;

	assert_int_equal(markdown_render(a, "a\xff", 2, &t), KR_EINVAL);
	assert_string_equal(t.html, "");
	assert_int_equal(t.len, 0);
	assert_int_equal(markdown_render(a, "\xc0\xaf", 2, &t), KR_EINVAL);         /* overlong */
	assert_int_equal(markdown_render(a, "\xed\xa0\x80", 3, &t), KR_EINVAL);     /* surrogate */
	assert_int_equal(markdown_render(a, "\xe3\x81", 2, &t), KR_EINVAL);         /* truncated */
	assert_int_equal(markdown_render(a, "a\0b", 3, &t), KR_EINVAL);
	assert_int_equal(markdown_render(a, "a\x1b[31m", 6, &t), KR_EINVAL);
	assert_int_equal(markdown_render(a, NULL, 1, &t), KR_EINVAL);
	assert_int_equal(markdown_render(a, NULL, 0, &t), KR_OK);
	assert_string_equal(t.html, "");
	assert_null(markdown_plain(a, "a\xff", 2));

	size_t n = MARKDOWN_MAX_INPUT + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	assert_int_equal(markdown_render(a, big, n, &t), KR_ETOOBIG);
	assert_null(markdown_plain(a, big, n));
	assert_int_equal(markdown_render(a, big, n - 1, &t), KR_OK);
	assert_int_equal(t.len, n - 1 + strlen("<p></p>\n"));
	free(big);

	/* CRLF input and tabs are text, not errors. */
	assert_int_equal(markdown_render(a, "a\r\nb\tc", 6, &t), KR_OK);
	assert_string_equal(t.html, "<p>a\nb\tc</p>\n");
	arena_free(a);
}

static void expect_plain(const char *src, const char *want)
{
	struct arena *a = arena_new();
	const char *got = markdown_plain(a, src, strlen(src));
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("input:\n%s\nwant:\n%s\ngot:\n%s", src, want, got);
	arena_free(a);
}

static void test_plain(void **state)
{
	(void)state;
	expect_plain("", "");
	expect_plain("# Title\n\nHello *world* & <b>you</b>",
		     "Title\n\nHello world & <b>you</b>");
	expect_plain("see [the advisory](https://example.com/a) now",
		     "see the advisory (https://example.com/a) now");
	expect_plain("visit https://example.com/x and www.example.org",
		     "visit https://example.com/x and www.example.org");
	expect_plain("<https://example.com/>", "https://example.com/");
	expect_plain("mail a@example.com", "mail a@example.com");
	expect_plain("[bad](javascript:alert(1)) ![pic](/p.png)", "bad pic (/p.png)");
	expect_plain("- one\n- [x] two\n\n3. three", "- one\n- [x] two\n\n3. three");
	expect_plain("| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n1 | 2");
	expect_plain("```\ncode <x>\n```\nafter", "code <x>\n\nafter");
	expect_plain("line one\nline two", "line one\nline two");
	expect_plain("- a\n  - b\n- c", "- a\n- b\n- c");
	expect_plain("a&#1;b `c&#2;` [x](/&#3;)", "a b c&#2; x (/)");
}

/* The checker itself must reject what it is there to reject. */
static void test_checker(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"<script>x</script>",
		"<p onclick=\"x\">a</p>",
		"<p class=\"x\">a</p>",
		"<img src=\"/x\">",
		"<a href=\"javascript:x\" " REL ">x</a>",
		"<a href=\"JavaScript:x\" " REL ">x</a>",
		"<a href=\"data:text/html,x\" " REL ">x</a>",
		"<a href=\"//evil.example/\" " REL ">x</a>",
		"<a href=\"/\\evil.example/\" " REL ">x</a>",
		"<a href=\"java&#9;script:x\" " REL ">x</a>",
		"<a href=\"/ok\">x</a>",
		"<a href=\"/ok\" rel=\"nofollow\">x</a>",
		"<a href=\"/a\" " REL "><a href=\"/b\" " REL ">x</a></a>",
		"<a href=/ok " REL ">x</a>",
		"<a href=\"/ok\" " REL " title='x'>x</a>",
		"<p>a",
		"<p>a</em></p>",
		"<br></br>",
		"a > b",
		"a & b",
		"&#106;",
		"<td align=\"justify\">x</td>",
		"<ol start=\"-1\"><li>x</li></ol>",
		"<input type=\"text\">",
		"<input type=\"checkbox\" disabled=\"\" onclick=\"x\">",
		"<P>x</P>",
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(bad); i++)
		if (!md_check_html(bad[i], strlen(bad[i])))
			fail_msg("checker accepted %s", bad[i]);
	static const char *const good[] = {
		"",
		"<p>a &amp; b &lt;c&gt; &quot;d&quot; &#39;</p>\n",
		"<p><a href=\"https://example.com/?a=1&amp;b=2\" " REL " title=\"&quot;\">x</a></p>",
		"<ul>\n<li><input type=\"checkbox\" disabled=\"\" checked=\"\"> x</li>\n</ul>",
		"<table><thead><tr><th align=\"left\">a</th></tr></thead></table>",
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(good); i++) {
		const char *err = md_check_html(good[i], strlen(good[i]));
		if (err)
			fail_msg("checker refused %s: %s", good[i], err);
	}
}

/* Deep nesting renders the contents but only MD_MAX_NEST levels of tags. */
static void test_nesting(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	char src[3001];
	memset(src, '>', 2999);
	src[2999] = 'x';
	src[3000] = 0;
	const char *out = render(a, src);
	size_t quotes = 0;
	for (const char *p = out; (p = strstr(p, "<blockquote>")) != NULL; p++)
		quotes++;
	assert_true(quotes >= 10 && quotes <= 48);
	assert_non_null(strstr(out, "<p>x</p>"));
	memset(src, 0, sizeof src);
	for (size_t i = 0; i + 2 < 3000; i += 2)
		memcpy(src + i, "- ", 2);
	strcat(src, "y");
	out = render(a, src);
	assert_non_null(strstr(out, "y"));
	arena_free(a);
}

/* The pre-scan must not take tables away from ordinary documents: a long
 * table whose cells look like delimiter rows is still a table. */
static void test_long_table(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct buf b = BUF_INIT;
	buf_adds(&b, "| version | fixed | note |\n|---|:-:|---|\n");
	for (int i = 0; i < 2000; i++)
		buf_printf(&b, "| 1.%d | - | - |\n", i);
	const char *out = render(a, b.p);
	assert_non_null(strstr(out, "<td>1.1999</td>"));
	assert_non_null(strstr(out, "<tbody>"));
	/* Past the cell budget the same text is paragraphs, not a table. */
	buf_reset(&b);
	buf_adds(&b, "|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|\n|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|\n");
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "x\n");
	out = render(a, b.p);
	assert_null(strstr(out, "<table>"));
	buf_free(&b);
	arena_free(a);
}

/* Renders from several threads at once (the server's thread pool): the
 * extension registry is filled once and results do not interfere. */
static void *thread_main(void *arg)
{
	static const char src[] = "| a |\n|---|\n| ~~b~~ www.example.com |\n\n- [x] t";
	const char *want = arg;
	for (int i = 0; i < 300; i++) {
		struct arena *a = arena_new();
		struct trusted_html t;
		if (markdown_render(a, src, sizeof src - 1, &t) != KR_OK || strcmp(t.html, want) != 0)
			return (void *)1;
		arena_free(a);
	}
	return NULL;
}

/* A reference bomb rendered alongside: its jump out of cmark must not
 * disturb the other threads. */
static void *bomb_main(void *arg)
{
	(void)arg;
	struct buf b = BUF_INIT;
	buf_adds(&b, "[a]: /");
	for (int i = 0; i < 100000; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "\n\n");
	while (b.len + 4 < MARKDOWN_MAX_INPUT)
		buf_adds(&b, "[a] ");
	void *res = NULL;
	for (int i = 0; i < 3 && !res; i++) {
		struct arena *a = arena_new();
		struct trusted_html t;
		if (markdown_render(a, b.p, b.len, &t) != KR_ETOOBIG)
			res = (void *)1;
		arena_free(a);
	}
	buf_free(&b);
	return res;
}

static void test_threads(void **state)
{
	(void)state;
	static const char want[] =
		"<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td><del>b</del> "
		"<a href=\"http://www.example.com\" " REL ">www.example.com</a></td>\n</tr>\n"
		"</tbody>\n</table>\n<ul>\n<li><input type=\"checkbox\" disabled=\"\" "
		"checked=\"\"> t</li>\n</ul>\n";
	pthread_t th[5];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, (void *)want), 0);
	assert_int_equal(pthread_create(&th[4], NULL, bomb_main, NULL), 0);
	for (int i = 0; i < 5; i++) {
		void *res;
		pthread_join(th[i], &res);
		assert_null(res);
	}
}

/* A reference definition with a long target used thousands of times would
 * need gigabytes inside cmark (which aborts the process when malloc
 * fails): it must be refused cleanly, and the renderer must work normally
 * afterwards. */
static void test_reference_bomb(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct buf b = BUF_INIT;
	buf_adds(&b, "[a]: /");
	for (int i = 0; i < 100000; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "\n\n");
	while (b.len + 4 < MARKDOWN_MAX_INPUT)
		buf_adds(&b, "[a] ");
	struct trusted_html t;
	assert_int_equal(markdown_render(a, b.p, b.len, &t), KR_ETOOBIG);
	assert_string_equal(t.html, "");
	assert_null(markdown_plain(a, b.p, b.len));
	/* Within the memory bound but past the output bound. */
	buf_reset(&b);
	buf_adds(&b, "[a]: /");
	for (int i = 0; i < 600; i++)
		buf_addc(&b, 'y');
	buf_adds(&b, "\n\n");
	while (b.len + 4 < MARKDOWN_MAX_INPUT)
		buf_adds(&b, "[a] ");
	assert_int_equal(markdown_render(a, b.p, b.len, &t), KR_ETOOBIG);
	assert_null(markdown_plain(a, b.p, b.len));
	/* A modest number of uses is fine. */
	buf_reset(&b);
	buf_adds(&b, "[a]: https://example.com/long-advisory-path\n\n");
	for (int i = 0; i < 1000; i++)
		buf_adds(&b, "[a] ");
	assert_int_equal(markdown_render(a, b.p, b.len, &t), KR_OK);
	assert_non_null(strstr(t.html, "<a href=\"https://example.com/long-advisory-path\""));
	buf_free(&b);
	arena_free(a);
	/* Every extension still works after the jump out of cmark. */
	expect("~~x~~ www.example.com\n\n| a |\n|---|\n\n- [ ] t",
	       "<p><del>x</del> <a href=\"http://www.example.com\" " REL ">www.example.com</a></p>\n"
	       "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n</table>\n"
	       "<ul>\n<li><input type=\"checkbox\" disabled=\"\"> t</li>\n</ul>\n");
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Inputs that are slow or huge in naive Markdown parsers (and several that
 * are in cmark-gfm 0.29.0.gfm.6 without md_hazards()), each filled to just
 * under the input cap.  The bound is loose (sanitizer builds are slow); a
 * quadratic case takes minutes. */
static void test_pathological(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *head; /* written once */
		const char *unit; /* repeated to the cap */
	} cases[] = {
		{"brackets", "", "["},
		{"quotes", "", ">"},
		{"stars", "", "*"},
		{"star-words", "", "*a"},
		{"underscores", "", "a_"},
		{"bang-brackets", "", "!["},
		{"link-openers", "", "[a]("},
		{"lt", "", "<"},
		{"backticks", "", "`a``"},
		{"emph-mix", "", "*a **a _b __"},
		{"nested-lists", "", "- "},
		{"quote-lists", "", "> - "},
		{"html-comments", "", "<!--"},
		{"entities", "", "&#"},
		{"refdefs", "", "[a]: /u\n[a]"},
		{"table-padding", "|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|\n|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|\n", "a\n"},
		{"table-wide", "", "|a"},
		{"table-wide-delim", "|a|\n|-|\n", "|"},
		{"table-in-quote", "> |a|a|a|a|a|a|a|a|\n> |-|-|-|-|-|-|-|-|\n", "> a\n"},
		{"table-cr-lines", "|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|\r|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|\r", "a\r"},
		{"table-crlf-lines", "|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|\r\n|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|\r\n", "a\r\n"},
		{"table-quote-rows", "|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|\n|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|\n", "a\n>\n"},
		{"autolink-parens", "www.a", ")"},
		{"autolink-parens-q", "http://a", ")?"},
		{"emails", "", "a@"},
		{"emails-dots", "", "a.b@c"},
		{"emails-one-line", "", "a.b@c.d "},
		{"emails-lines", "", "a.b@c.d a.b@c.d a.b@c.d a.b@c.d a.b@c.d a.b@c.d a.b@c.d a.b@c.d\n"},
		{"emails-words", "", "a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@a@\n"},
		{"www", "", "www."},
		{"tildes", "", "~a"},
		{"tasks", "", "- [ ] "},
		{"lines", "", "a\n"},
	};
	struct arena *a = arena_new();
	char *buf = malloc(MARKDOWN_MAX_INPUT + 1);
	assert_non_null(buf);
	for (size_t c = 0; c < KR_ARRAY_LEN(cases); c++) {
		size_t hl = strlen(cases[c].head), ul = strlen(cases[c].unit), n = hl;
		memcpy(buf, cases[c].head, hl);
		while (n + ul <= MARKDOWN_MAX_INPUT) {
			memcpy(buf + n, cases[c].unit, ul);
			n += ul;
		}
		buf[n] = 0;
		double t0 = seconds();
		struct trusted_html t;
		assert_int_equal(markdown_render(a, buf, n, &t), KR_OK);
		double dt = seconds() - t0;
		const char *err = md_check_html(t.html, t.len);
		if (err)
			fail_msg("%s: %s", cases[c].name, err);
		assert_non_null(markdown_plain(a, buf, n));
		print_message("%-18s %7zu bytes in, %8zu out, %.3f s\n", cases[c].name, n, t.len, dt);
		if (dt > 15.0)
			fail_msg("%s took %.1f s", cases[c].name, dt);
	}
	free(buf);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs), cmocka_unit_test(test_xss),
		cmocka_unit_test(test_refused_links), cmocka_unit_test(test_limits),
		cmocka_unit_test(test_plain), cmocka_unit_test(test_checker),
		cmocka_unit_test(test_nesting), cmocka_unit_test(test_long_table),
		cmocka_unit_test(test_threads), cmocka_unit_test(test_reference_bomb),
		cmocka_unit_test(test_pathological),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
