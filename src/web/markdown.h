/* markdown.h - the trusted Markdown renderer for topic bodies and comments.
 *
 * User-written Markdown (CommonMark + GFM tables, strikethrough, task lists
 * and bare-URL autolinks) becomes HTML that is safe by construction: the
 * renderer writes only the tags and attributes it knows (p br em strong del
 * code pre blockquote ul ol[start] li a[href rel title] h3-h6 hr table thead
 * tbody tr th[align] td[align] input[type disabled checked]), every piece of
 * text and every attribute value is escaped, raw HTML in the input is shown
 * as inert text, link targets pass an allow-list (http, https, mailto,
 * "/path" and "#fragment"; everything else loses its link and keeps its
 * text), images become plain links (nothing is fetched from outside), every
 * link carries rel="nofollow noopener noreferrer", and headings are demoted
 * (h1..h6 -> h3..h6) so a body never competes with the page's own headings.
 *
 * Both functions are thread-safe and use only the caller's arena for their
 * result. */
#ifndef KR_MARKDOWN_H
#define KR_MARKDOWN_H

#include <stddef.h>
#include "lib/kr.h"
#include "web/html.h"

struct arena;

/* Largest accepted source, in bytes. */
#define MARKDOWN_MAX_INPUT (256 * 1024)

/* Render src[0..len) to HTML.  On KR_OK out->html (NUL-terminated, in the
 * arena) and out->len are set.  Returns KR_EINVAL when src is not valid
 * UTF-8 text (malformed UTF-8, NUL or C0 control characters other than tab,
 * CR and LF) or src is NULL with len > 0, KR_ETOOBIG when len exceeds
 * MARKDOWN_MAX_INPUT or the document expands beyond the renderer's memory
 * or output bounds (reference-link bombs: a long link target used
 * thousands of times); out is then set to the empty string.  An empty
 * source renders as "". */
int markdown_render(struct arena *a, const char *src, size_t len, struct trusted_html *out);

/* Plain text of src[0..len) for search indexing and e-mail/CSV excerpts: no
 * markup, no escaping (the consumer escapes for its own format), blocks
 * separated by blank lines, list items as "- text", links as "text (url)"
 * (just the url when the text is the url; just the text when the url is
 * not allowed).  Returns a NUL-terminated string in the arena, or NULL for
 * the inputs markdown_render refuses. */
const char *markdown_plain(struct arena *a, const char *src, size_t len);

#endif
