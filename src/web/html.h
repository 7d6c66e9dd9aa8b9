/* html.h - the output API for pages.  Escaping is the default.
 *
 * html_printf() escapes every %s argument for HTML text and attribute
 * context (& < > " ' and `); its format string is raw markup and must be a
 * literal (the compiler's -Wformat-nonliteral enforces it).  html_raw()
 * takes raw markup only from a string literal (tools/codecheck enforces it).
 * The only other ways to emit markup are the trusted renderers: the layout
 * and the Markdown renderer, which returns struct trusted_html.
 *
 * URLs placed in href/action/src come from url_*() builders, which
 * percent-encode every component; outside links go through url_safe_href()
 * which allows http, https and mailto only. */
#ifndef KR_HTML_H
#define KR_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"
#include "lib/kr.h"

struct arena;

void html_printf(struct buf *b, const char *fmt, ...) KR_PRINTF(2, 3);
void html_raw(struct buf *b, const char *literal);
void html_text(struct buf *b, const char *s);                 /* escaped */
void html_textn(struct buf *b, const char *s, size_t n);

/* Markup produced by a trusted renderer (Markdown); only those renderers
 * construct it. */
struct trusted_html {
	const char *html;
	size_t len;
};
void html_trusted(struct buf *b, const struct trusted_html *t);

/* A TLP label with the FIRST TLP 2.0 colours (classes in app.css):
 * <span class="tlp tlp-amber-strict">TLP:AMBER+STRICT</span>.  Accepts
 * "red", "amber", "amber+strict", "green", "clear" in any case, with or
 * without a "TLP:" prefix, and TLP 1.0's "white" as CLEAR.  Anything else
 * writes nothing and returns false. */
bool html_tlp(struct buf *b, const char *tlp);

/* Percent-encode one URL component (path segment or query value). */
char *url_encode(struct arena *a, const char *s);
/* Build a local URL: url_path(a, "/orgs/%s", slug) encodes each %s.
 * The format's literal text is taken as-is. */
char *url_path(struct arena *a, const char *fmt, ...) KR_PRINTF(2, 3);
/* An outside link: returns s when its scheme is http, https or mailto (or
 * it is a local path), else "#". */
const char *url_safe_href(const char *s);

#endif
