/* markdown.c - the trusted Markdown renderer (see markdown.h).
 *
 * cmark-gfm parses; we never use its HTML renderer.  Our own walk over the
 * syntax tree writes every tag from a literal in this file and escapes every
 * byte that came from the user, so what may appear in the output is decided
 * here and nowhere else: raw HTML nodes become escaped text, link and image
 * targets pass url_check(), images become links, headings are demoted.
 * The walk uses cmark's iterator (no recursion), so deeply nested input
 * cannot exhaust our stack.
 *
 * cmark-gfm 0.29.0.gfm.6 (Debian 12) has superlinear corners in two
 * extensions: the table extension pads every body row to the header's
 * column count and is quadratic in the cells of one row, and the autolink
 * extension rescans the whole candidate for every trailing ')'.  A 256 KiB
 * body could take minutes and gigabytes.  md_hazards() bounds both with a
 * linear pre-scan and, when the input is hostile, parses it without that
 * extension: the text still renders, only as paragraphs instead of a table
 * or without bare-URL links.  The autolink extension is also slow with many
 * '@' on one line (it splits the line's text once per address, copying the
 * rest each time: 1 s for one 256 KiB line of addresses, 2 s for "a@b.c"
 * repeated), so a line with more than MD_MAX_ATS '@' also turns it off. */
#include "web/markdown.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "lib/arena.h"
#include "lib/bytecache.h"
#include "lib/buf.h"
#include "lib/util.h"

/* Pre-scan limits (see the file comment).  A line with more pipes than
 * this, or tables whose padded size could exceed the cell budget, turn the
 * table extension off; a whitespace-delimited word with more closing
 * parentheses than MD_MAX_PARENS, or a line with more '@' than MD_MAX_ATS,
 * turns the autolink extension off. */
#define MD_MAX_PIPES_PER_LINE 128
#define MD_MAX_TABLE_CELLS 50000
#define MD_MAX_PARENS 32
#define MD_MAX_ATS 256

/* Output larger than this is refused (KR_ETOOBIG): no honest body gets
 * near it (about 16 bytes out per byte in at worst), but reference links
 * can repeat a long target within the memory bound.  The walk stops
 * writing once past it. */
#define MD_MAX_OUTPUT ((size_t)16 << 20)

/* Block quotes, lists and items nested deeper than this are written as
 * their contents only: 50k '>' would otherwise make 50k <blockquote>s (a
 * 7 MB page from 256 KiB), and no reader follows 24 levels anyway. */
#define MD_MAX_NEST 48

enum { MD_NO_TABLE = 1, MD_NO_AUTOLINK = 2 };

static const char md_rel[] = " rel=\"nofollow noopener noreferrer\"";

static pthread_once_t md_once = PTHREAD_ONCE_INIT;

/* cmark-gfm 0.29.0.gfm.6 is not thread-safe while parsing with extensions:
 * a parser adds its extensions' special characters to a process-global
 * table when it starts and removes them when it finishes, so two parses at
 * once lose strikethrough or autolinks at random (test_threads saw it).
 * Every parse, walk and free of a tree therefore holds this lock, which
 * also guards the allocator state below.  A normal body takes well under a
 * millisecond; the worst 256 KiB input about half a second. */
static pthread_mutex_t md_lock = PTHREAD_MUTEX_INITIALIZER;

/* cmark keeps a copy of a reference link's destination and title in every
 * link that uses it, so "[a]: /<100 KB>" followed by 40000 "[a]" asks for
 * 4 GB, and cmark aborts the process when an allocation fails.  Its trees
 * are therefore built with this allocator: it counts the bytes live in
 * blocks it tracks and, past MD_MAX_MEMORY (or when malloc fails), jumps
 * back to md_run(), which frees every tracked block and reports
 * KR_ETOOBIG.  Jumping out of cmark is safe here: the parser and the tree
 * live entirely in tracked blocks, the lock is held, and the only global
 * state cmark changes (the special-character table) is reset by the next
 * parse.  A few small blocks the extensions take from the default
 * allocator may leak on that path; it is only taken for hostile input. */
#define MD_MAX_MEMORY ((size_t)128 << 20)

struct md_block {
	struct md_block *prev, *next;
	size_t size;
	size_t pad; /* keeps the payload 16-byte aligned */
};

static struct md_block md_blocks = {&md_blocks, &md_blocks, 0, 0};
static size_t md_used;
static jmp_buf *md_jmp;

static void md_link_block(struct md_block *b)
{
	b->next = md_blocks.next;
	b->prev = &md_blocks;
	md_blocks.next->prev = b;
	md_blocks.next = b;
}

static void md_unlink_block(struct md_block *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
}

static void *md_mem_calloc(size_t n, size_t size)
{
	if (size && n > (MD_MAX_MEMORY - md_used) / size)
		longjmp(*md_jmp, 1);
	struct md_block *b = calloc(1, sizeof *b + n * size);
	if (!b)
		longjmp(*md_jmp, 1);
	b->size = n * size;
	md_used += b->size;
	md_link_block(b);
	return b + 1;
}

static void *md_mem_realloc(void *p, size_t size)
{
	if (!p)
		return md_mem_calloc(1, size);
	struct md_block *b = (struct md_block *)p - 1;
	if (size > b->size && size - b->size > MD_MAX_MEMORY - md_used)
		longjmp(*md_jmp, 1);
	md_unlink_block(b);
	struct md_block *nb = realloc(b, sizeof *b + size);
	if (!nb) {
		md_link_block(b);
		longjmp(*md_jmp, 1);
	}
	md_used = md_used - nb->size + size;
	nb->size = size;
	md_link_block(nb);
	return nb + 1;
}

static void md_mem_free(void *p)
{
	if (!p)
		return;
	struct md_block *b = (struct md_block *)p - 1;
	md_unlink_block(b);
	md_used -= b->size;
	free(b);
}

static void md_mem_free_all(void)
{
	while (md_blocks.next != &md_blocks) {
		struct md_block *b = md_blocks.next;
		md_unlink_block(b);
		free(b);
	}
	md_used = 0;
}

static cmark_mem md_mem = {md_mem_calloc, md_mem_realloc, md_mem_free};

/* The registry of extensions is global and not locked: fill it once. */
static void md_register(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

/* Only a line of spaces and tabs ends a table: the table extension takes
 * any other line, even a lone '>', as one more row. */
static bool md_blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* A line that could be a table's delimiter row, also inside block quotes
 * and list items: only container markers, spaces, '|', ':' and '-', with at
 * least one '|' and one '-'.  Deliberately loose: a false positive only
 * makes the estimate larger. */
static bool md_delim_line(const char *s, size_t n)
{
	bool pipe = false, dash = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '|')
			pipe = true;
		else if (c == '-')
			dash = true;
		else if (c == 0 || !strchr(" \t>:*+.)0123456789", c))
			return false;
	}
	return pipe && dash;
}

static unsigned md_hazards(const char *s, size_t n)
{
	unsigned flags = 0;
	size_t cells = 0;
	size_t parens = 0, ats = 0;
	/* Columns of the widest table that may be open since the last blank
	 * line: every following line may become a row padded to that many
	 * cells. */
	size_t cols = 0;

	size_t i = 0;
	while (i < n) {
		/* Lines end at LF, CR or CRLF, as cmark reads them. */
		const char *line = s + i;
		size_t ll = 0;
		while (i + ll < n && line[ll] != '\n' && line[ll] != '\r')
			ll++;
		size_t next = i + ll + 1;
		if (i + ll + 1 < n && line[ll] == '\r' && line[ll + 1] == '\n')
			next++;
		size_t pipes = 0;
		for (size_t j = 0; j < ll; j++) {
			char c = line[j];
			if (c == '|')
				pipes++;
			if (c == ')')
				parens++;
			else if (c == '@')
				ats++;
			else if (c == ' ' || c == '\t' || c == '<')
				parens = 0;
			if (parens > MD_MAX_PARENS || ats > MD_MAX_ATS)
				flags |= MD_NO_AUTOLINK;
		}
		parens = ats = 0;
		if (pipes > MD_MAX_PIPES_PER_LINE)
			flags |= MD_NO_TABLE;
		if (md_blank_line(line, ll))
			cols = 0;
		else if (md_delim_line(line, ll) && pipes + 1 > cols)
			cols = pipes + 1;   /* the widest table that may be open */
		cells += cols;
		if (cells > MD_MAX_TABLE_CELLS)
			flags |= MD_NO_TABLE;
		i = next;
	}
	return flags;
}

/* Parse under md_lock with md_mem; the caller handles the jump. */
static cmark_node *md_parse(const char *src, size_t len)
{
	static const char *const exts[] = {"table", "strikethrough", "autolink", "tasklist"};
	unsigned flags = md_hazards(src, len);
	cmark_node *doc = NULL;

	cmark_parser *p = cmark_parser_new_with_mem(CMARK_OPT_DEFAULT, &md_mem);
	if (!p)
		return NULL;
	for (size_t i = 0; i < KR_ARRAY_LEN(exts); i++) {
		if (i == 0 && (flags & MD_NO_TABLE))
			continue;
		if (i == 2 && (flags & MD_NO_AUTOLINK))
			continue;
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
		if (e)
			cmark_parser_attach_syntax_extension(p, e);
	}
	cmark_parser_feed(p, src, len);
	doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	return doc;
}

typedef void md_visit_fn(void *ctx, cmark_node *n, bool entering);

/* Parse src and call visit for every node (enter and exit events, in
 * document order), then free the tree.  Returns KR_OK, or KR_ETOOBIG when
 * the tree would need more than MD_MAX_MEMORY (ctx then holds a partial
 * walk).  visit keeps its state in *ctx, which survives the jump; locals
 * of this function set after setjmp() do not. */
static int md_run(const char *src, size_t len, md_visit_fn *visit, void *ctx)
{
	jmp_buf jb;
	volatile int rc = KR_OK; /* read after the jump */

	pthread_once(&md_once, md_register);
	pthread_mutex_lock(&md_lock);
	md_jmp = &jb;
	if (setjmp(jb) != 0) {
		md_mem_free_all();
		rc = KR_ETOOBIG;
		goto done;
	}
	cmark_node *doc = md_parse(src, len);
	cmark_iter *it = doc ? cmark_iter_new(doc) : NULL;
	if (it) {
		cmark_event_type ev;
		while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE)
			visit(ctx, cmark_iter_get_node(it), ev == CMARK_EVENT_ENTER);
		cmark_iter_free(it);
	}
	if (doc)
		cmark_node_free(doc);
	if (!it)
		rc = KR_ENOMEM;
	md_mem_free_all(); /* nothing should be left; be sure */
done:
	md_jmp = NULL;
	pthread_mutex_unlock(&md_lock);
	return rc;
}

/* ---- URLs ------------------------------------------------------------ */

static bool md_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Decide whether a link target may be used, as a browser would read it.
 * cmark has already decoded entities and backslash escapes.  Like the
 * WHATWG URL parser we drop leading/trailing C0 controls and spaces and
 * every tab and newline inside; then the target must be "/path" (but not
 * "//host" or "/\host", which browsers read as another host), "#frag", or
 * start with the scheme http:, https: or mailto: in any case.  Anything
 * else - other schemes, schemes disguised by percent-encoding or odd
 * characters, bare relative paths - is refused.  On success the cleaned
 * target is left in clean. */
static bool url_check(const char *url, struct buf *clean)
{
	static const char *const schemes[] = {"http", "https", "mailto"};
	buf_reset(clean);
	if (!url)
		return false;
	size_t n = strlen(url);
	size_t b = 0;
	while (b < n && (unsigned char)url[b] <= 0x20)
		b++;
	while (n > b && (unsigned char)url[n - 1] <= 0x20)
		n--;
	for (size_t i = b; i < n; i++)
		if (url[i] != '\t' && url[i] != '\n' && url[i] != '\r')
			buf_addc(clean, url[i]);
	if (clean->len == 0)
		return false;
	const char *u = clean->p;
	if (u[0] == '#')
		return true;
	if (u[0] == '/')
		return u[1] != '/' && u[1] != '\\';
	if (!md_is_alpha((unsigned char)u[0]))
		return false;
	size_t k = 1;
	while (md_is_alpha((unsigned char)u[k]) || (u[k] >= '0' && u[k] <= '9') || u[k] == '+' ||
	       u[k] == '-' || u[k] == '.')
		k++;
	if (u[k] != ':')
		return false;
	for (size_t i = 0; i < KR_ARRAY_LEN(schemes); i++)
		if (strlen(schemes[i]) == k && strncasecmp(u, schemes[i], k) == 0)
			return true;
	return false;
}

/* ---- output helpers ---------------------------------------------------- */

/* Text and attribute values: the five HTML specials become entities; the
 * input was validated as text, but cmark may still hand us a stray CR. */
static void md_escape(struct buf *b, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n')
				rep = " ";
			else if (s[i] == 0x7f)
				rep = " ";
			break;
		}
		if (rep) {
			buf_add(b, s + run, i - run);
			buf_adds(b, rep);
			run = i + 1;
		}
	}
	buf_add(b, s + run, n - run);
}

static void md_escapes(struct buf *b, const char *s)
{
	if (s)
		md_escape(b, s, strlen(s));
}

/* An href value: bytes that are not plain URL characters are
 * percent-encoded (existing %XX sequences are kept), then the result is
 * escaped for a double-quoted attribute. */
static void md_href(struct buf *b, const char *u)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)u; *p; p++) {
		unsigned char c = *p;
		if (c <= 0x20 || c >= 0x7f || strchr("\"'<>\\^`{|}", c)) {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_add(b, e, 3);
		} else if (c == '&') {
			buf_adds(b, "&amp;");
		} else {
			buf_addc(b, (char)c);
		}
	}
}

static void md_open_link(struct buf *b, const char *href, const char *title)
{
	buf_adds(b, "<a href=\"");
	md_href(b, href);
	buf_addc(b, '"');
	buf_adds(b, md_rel);
	if (title && *title) {
		buf_adds(b, " title=\"");
		md_escapes(b, title);
		buf_addc(b, '"');
	}
	buf_addc(b, '>');
}

static bool md_type_is(cmark_node *n, const char *name)
{
	const char *t = cmark_node_get_type_string(n);
	return t && strcmp(t, name) == 0;
}

/* A paragraph directly inside an item of a tight list is written without
 * <p>, as CommonMark's reference renderer does. */
static bool md_tight_para(cmark_node *n)
{
	cmark_node *item = cmark_node_parent(n);
	cmark_node *list = item ? cmark_node_parent(item) : NULL;
	return list && cmark_node_get_type(list) == CMARK_NODE_LIST && cmark_node_get_list_tight(list);
}

/* Marks on link nodes (user data) remembering what we did on entry. */
#define MD_MARK_OPENED ((void *)1)

struct md_html {
	struct buf *b;
	struct buf url;      /* scratch for url_check */
	int nest;            /* block quotes, lists and items we are inside */
	int link_depth;      /* links and images we are inside */
	int image_depth;     /* inside an image: alt text only, no markup */
	cmark_node *table;   /* innermost table being written */
	int cell;            /* column of the next cell in the current row */
	bool tbody;          /* <tbody> open in the current table */
};

static const char *md_align(cmark_node *table, int col)
{
	if (!table || col < 0 || col >= (int)cmark_gfm_extensions_get_table_columns(table))
		return NULL;
	uint8_t *al = cmark_gfm_extensions_get_table_alignments(table);
	if (!al)
		return NULL;
	switch (al[col]) {
	case 'l': return "left";
	case 'c': return "center";
	case 'r': return "right";
	default: return NULL;
	}
}

static void md_literal_block(struct buf *b, cmark_node *n, const char *open, const char *close)
{
	const char *lit = cmark_node_get_literal(n);
	size_t len = lit ? strlen(lit) : 0;
	buf_adds(b, open);
	md_escape(b, lit ? lit : "", len);
	buf_adds(b, close);
}

static void md_html_node(void *ctx, cmark_node *n, bool entering)
{
	struct md_html *h = ctx;
	if (h->b->len > MD_MAX_OUTPUT)
		return;
	struct buf *b = h->b;
	cmark_node_type t = cmark_node_get_type(n);
	bool markup = h->image_depth == 0;

	if (t == CMARK_NODE_BLOCK_QUOTE || t == CMARK_NODE_LIST || t == CMARK_NODE_ITEM) {
		/* Too deep: keep the contents, drop the container's tags (on
		 * entry and exit alike, so the output stays balanced). */
		bool deep = (entering ? h->nest++ : --h->nest) >= MD_MAX_NEST;
		if (deep)
			return;
	}

	switch (t) {
	case CMARK_NODE_DOCUMENT:
		break;
	case CMARK_NODE_BLOCK_QUOTE:
		buf_adds(b, entering ? "<blockquote>\n" : "</blockquote>\n");
		break;
	case CMARK_NODE_LIST: {
		bool ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
		if (!entering) {
			buf_adds(b, ordered ? "</ol>\n" : "</ul>\n");
		} else if (!ordered) {
			buf_adds(b, "<ul>\n");
		} else {
			int start = cmark_node_get_list_start(n);
			if (start != 1)
				buf_printf(b, "<ol start=\"%d\">\n", start);
			else
				buf_adds(b, "<ol>\n");
		}
		break;
	}
	case CMARK_NODE_ITEM:
		if (!entering) {
			buf_adds(b, "</li>\n");
			break;
		}
		buf_adds(b, "<li>");
		if (md_type_is(n, "tasklist"))
			buf_adds(b, cmark_gfm_extensions_get_tasklist_item_checked(n)
					    ? "<input type=\"checkbox\" disabled=\"\" checked=\"\"> "
					    : "<input type=\"checkbox\" disabled=\"\"> ");
		break;
	case CMARK_NODE_CODE_BLOCK:
		md_literal_block(b, n, "<pre><code>", "</code></pre>\n");
		break;
	case CMARK_NODE_HTML_BLOCK: {
		/* Raw HTML is shown as what it is: text. */
		const char *lit = cmark_node_get_literal(n);
		size_t len = lit ? strlen(lit) : 0;
		while (len > 0 && (lit[len - 1] == '\n' || lit[len - 1] == '\r'))
			len--;
		buf_adds(b, "<p>");
		md_escape(b, lit ? lit : "", len);
		buf_adds(b, "</p>\n");
		break;
	}
	case CMARK_NODE_PARAGRAPH:
		if (md_tight_para(n)) {
			if (!entering && cmark_node_next(n))
				buf_addc(b, '\n');
			break;
		}
		buf_adds(b, entering ? "<p>" : "</p>\n");
		break;
	case CMARK_NODE_HEADING: {
		int level = cmark_node_get_heading_level(n) + 2;
		if (level > 6)
			level = 6;
		if (level < 3)
			level = 3;
		buf_printf(b, entering ? "<h%d>" : "</h%d>\n", level);
		break;
	}
	case CMARK_NODE_THEMATIC_BREAK:
		buf_adds(b, "<hr>\n");
		break;
	case CMARK_NODE_TEXT:
	case CMARK_NODE_HTML_INLINE:
		md_escapes(b, cmark_node_get_literal(n));
		break;
	case CMARK_NODE_CODE:
		if (markup)
			buf_adds(b, "<code>");
		md_escapes(b, cmark_node_get_literal(n));
		if (markup)
			buf_adds(b, "</code>");
		break;
	case CMARK_NODE_SOFTBREAK:
		buf_addc(b, '\n');
		break;
	case CMARK_NODE_LINEBREAK:
		buf_adds(b, markup ? "<br>\n" : " ");
		break;
	case CMARK_NODE_EMPH:
		if (markup)
			buf_adds(b, entering ? "<em>" : "</em>");
		break;
	case CMARK_NODE_STRONG:
		if (markup)
			buf_adds(b, entering ? "<strong>" : "</strong>");
		break;
	case CMARK_NODE_LINK:
	case CMARK_NODE_IMAGE: {
		bool image = t == CMARK_NODE_IMAGE;
		if (entering) {
			/* No link inside a link: the inner one keeps its text. */
			if (h->link_depth == 0 && url_check(cmark_node_get_url(n), &h->url)) {
				md_open_link(b, h->url.p, cmark_node_get_title(n));
				cmark_node_set_user_data(n, MD_MARK_OPENED);
				/* An image without alt text still needs something to
				 * click on: its address. */
				if (image && !cmark_node_first_child(n))
					md_escapes(b, h->url.p);
			}
			h->link_depth++;
			if (image)
				h->image_depth++;
		} else {
			h->link_depth--;
			if (image)
				h->image_depth--;
			if (cmark_node_get_user_data(n) == MD_MARK_OPENED)
				buf_adds(b, "</a>");
		}
		break;
	}
	default:
		/* Extension nodes, known by name. */
		if (md_type_is(n, "strikethrough")) {
			if (markup)
				buf_adds(b, entering ? "<del>" : "</del>");
		} else if (md_type_is(n, "table")) {
			if (entering) {
				buf_adds(b, "<table>\n");
				h->table = n;
				h->tbody = false;
			} else {
				buf_adds(b, h->tbody ? "</tbody>\n</table>\n" : "</table>\n");
				h->tbody = false;
				h->table = NULL;
			}
		} else if (md_type_is(n, "table_header")) {
			buf_adds(b, entering ? "<thead>\n<tr>\n" : "</tr>\n</thead>\n");
			h->cell = 0;
		} else if (md_type_is(n, "table_row")) {
			if (entering && !h->tbody) {
				buf_adds(b, "<tbody>\n");
				h->tbody = true;
			}
			buf_adds(b, entering ? "<tr>\n" : "</tr>\n");
			h->cell = 0;
		} else if (md_type_is(n, "table_cell")) {
			cmark_node *row = cmark_node_parent(n);
			bool head = row && md_type_is(row, "table_header");
			if (entering) {
				const char *al = md_align(h->table, h->cell);
				buf_adds(b, head ? "<th" : "<td");
				if (al)
					buf_printf(b, " align=\"%s\"", al);
				buf_addc(b, '>');
			} else {
				buf_adds(b, head ? "</th>\n" : "</td>\n");
				h->cell++;
			}
		} else if (cmark_node_get_literal(n) && entering) {
			md_escapes(b, cmark_node_get_literal(n));
		}
		/* Anything else (custom blocks, footnotes) writes only its
		 * children. */
		break;
	}
}

static bool md_input_ok(const char *src, size_t len, int *rc)
{
	if (len > MARKDOWN_MAX_INPUT) {
		*rc = KR_ETOOBIG;
		return false;
	}
	if ((!src && len > 0) || (len > 0 && !utf8_valid_text(src, len))) {
		*rc = KR_EINVAL;
		return false;
	}
	*rc = KR_OK;
	return true;
}

/* Rendered bodies, reused for the same source text: the renderer depends
 * on nothing but its input, so an entry keyed by the whole source (hash,
 * then length and bytes compared) is right for as long as it is kept; an
 * edited topic simply has another source.  Sources up to MD_CACHE_MAX
 * bytes, BYTE_CACHE_SLOTS entries replaced by hash (a few MB at most). */
#define MD_CACHE_MAX (16 * 1024)
static struct byte_cache md_cache = BYTE_CACHE_INIT(0);

static int md_render_uncached(struct arena *a, const char *src, size_t len, struct trusted_html *out);

int markdown_render(struct arena *a, const char *src, size_t len, struct trusted_html *out)
{
	if (!src || len == 0 || len > MD_CACHE_MAX)
		return md_render_uncached(a, src, len, out);
	size_t n;
	const char *hit = byte_cache_dup(&md_cache, src, len, 0, a, &n);
	if (hit) {
		out->html = n ? hit : "";
		out->len = n;
		return KR_OK;
	}
	int rc = md_render_uncached(a, src, len, out);
	if (rc == KR_OK)
		byte_cache_put(&md_cache, src, len, out->html, out->len, 0);
	return rc;
}

static int md_render_uncached(struct arena *a, const char *src, size_t len, struct trusted_html *out)
{
	struct buf b = BUF_INIT;
	struct md_html h = {.b = &b, .url = BUF_INIT};
	int rc;

	out->html = "";
	out->len = 0;
	if (!md_input_ok(src, len, &rc) || len == 0)
		goto done;
	rc = md_run(src, len, md_html_node, &h);
	if (rc == KR_OK && b.len > MD_MAX_OUTPUT)
		rc = KR_ETOOBIG;
	if (rc != KR_OK)
		goto done;
	out->html = b.len ? arena_memdup(a, b.p, b.len + 1) : "";
	out->len = b.len;
done:
	buf_free(&h.url);
	buf_free(&b);
	return rc;
}

/* ---- plain text -------------------------------------------------------- */

struct md_plain {
	struct buf *b;
	struct buf url;
	int link_depth;
};

/* Text for the plain form: as written, except that control characters
 * (which the input check refuses but entities such as &#1; still make)
 * become spaces, so no consumer meets them. */
static void md_plain_text(struct buf *b, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		buf_addc(b, (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ? ' ' : *s);
	}
}

/* End the current block: a newline, or a blank line between blocks. */
static void md_plain_break(struct buf *b, bool blank)
{
	if (b->len == 0)
		return;
	if (b->p[b->len - 1] != '\n')
		buf_addc(b, '\n');
	if (blank && !(b->len >= 2 && b->p[b->len - 2] == '\n'))
		buf_addc(b, '\n');
}

static void md_plain_node(void *ctx, cmark_node *n, bool entering)
{
	struct md_plain *pl = ctx;
	if (pl->b->len > MD_MAX_OUTPUT)
		return;
	struct buf *b = pl->b;
	cmark_node_type t = cmark_node_get_type(n);

	switch (t) {
	case CMARK_NODE_PARAGRAPH:
		if (!entering)
			md_plain_break(b, !md_tight_para(n));
		break;
	case CMARK_NODE_LIST: {
		/* A list inside an item continues it without a blank line. */
		cmark_node *parent = cmark_node_parent(n);
		md_plain_break(b, !parent || cmark_node_get_type(parent) != CMARK_NODE_ITEM);
		break;
	}
	case CMARK_NODE_HEADING:
	case CMARK_NODE_BLOCK_QUOTE:
	case CMARK_NODE_THEMATIC_BREAK:
		md_plain_break(b, true);
		break;
	case CMARK_NODE_ITEM:
		if (entering) {
			md_plain_break(b, false);
			cmark_node *list = cmark_node_parent(n);
			if (list && cmark_node_get_list_type(list) == CMARK_ORDERED_LIST) {
				int k = cmark_node_get_list_start(list);
				for (cmark_node *s = cmark_node_previous(n); s; s = cmark_node_previous(s))
					k++;
				buf_printf(b, "%d. ", k);
			} else {
				buf_adds(b, "- ");
			}
			if (md_type_is(n, "tasklist"))
				buf_adds(b, cmark_gfm_extensions_get_tasklist_item_checked(n) ? "[x] "
											      : "[ ] ");
		}
		break;
	case CMARK_NODE_CODE_BLOCK:
	case CMARK_NODE_HTML_BLOCK:
		md_plain_break(b, true);
		md_plain_text(b, cmark_node_get_literal(n));
		md_plain_break(b, true);
		break;
	case CMARK_NODE_TEXT:
	case CMARK_NODE_CODE:
	case CMARK_NODE_HTML_INLINE:
		md_plain_text(b, cmark_node_get_literal(n));
		break;
	case CMARK_NODE_SOFTBREAK:
	case CMARK_NODE_LINEBREAK:
		buf_addc(b, '\n');
		break;
	case CMARK_NODE_LINK:
	case CMARK_NODE_IMAGE:
		if (entering) {
			/* Remember where the link text starts (offset + 1). */
			if (pl->link_depth == 0 && url_check(cmark_node_get_url(n), &pl->url))
				cmark_node_set_user_data(n, (void *)(uintptr_t)(b->len + 1));
			pl->link_depth++;
		} else {
			pl->link_depth--;
			uintptr_t mark = (uintptr_t)cmark_node_get_user_data(n);
			if (mark == 0)
				break;
			url_check(cmark_node_get_url(n), &pl->url);
			const char *text = b->p ? b->p + (mark - 1) : "";
			size_t tl = b->len - (mark - 1);
			const char *u = pl->url.p;
			bool same = (tl == pl->url.len && memcmp(text, u, tl) == 0) ||
				    (strncasecmp(u, "mailto:", 7) == 0 && tl == pl->url.len - 7 &&
				     memcmp(text, u + 7, tl) == 0) ||
				    (strncmp(u, "http://", 7) == 0 && tl == pl->url.len - 7 &&
				     memcmp(text, u + 7, tl) == 0);
			/* An autolink's text already is its address. */
			if (same)
				break;
			buf_adds(b, tl == 0 ? "" : " (");
			md_plain_text(b, u);
			buf_adds(b, tl == 0 ? "" : ")");
		}
		break;
	default:
		if (md_type_is(n, "table")) {
			md_plain_break(b, true);
		} else if (md_type_is(n, "table_header") || md_type_is(n, "table_row")) {
			if (!entering)
				md_plain_break(b, false);
		} else if (md_type_is(n, "table_cell")) {
			if (!entering && cmark_node_next(n))
				buf_adds(b, " | ");
		} else if (entering) {
			md_plain_text(b, cmark_node_get_literal(n));
		}
		break;
	}
}

const char *markdown_plain(struct arena *a, const char *src, size_t len)
{
	struct buf b = BUF_INIT;
	struct md_plain pl = {.b = &b, .url = BUF_INIT};
	const char *res = NULL;
	int rc;

	if (!md_input_ok(src, len, &rc))
		goto done;
	if (len == 0) {
		res = "";
		goto done;
	}
	if (md_run(src, len, md_plain_node, &pl) != KR_OK || b.len > MD_MAX_OUTPUT)
		goto done;
	while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == ' '))
		b.len--;
	res = b.len ? arena_strndup(a, b.p, b.len) : "";
done:
	buf_free(&pl.url);
	buf_free(&b);
	return res;
}
