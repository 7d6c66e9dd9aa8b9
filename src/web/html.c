/* html.c - the escaping output API for pages and the URL builders.
 *
 * html_printf() interprets its format itself instead of handing it to
 * vsnprintf: every %s is escaped on the way out, so a string can never be
 * spliced into markup raw, and number conversions are formatted here so no
 * non-literal format ever reaches the C library.  Supported conversions:
 * %s %.*s %c, %d %i %u %x with the length modifiers h l ll z j t, the
 * flags '-' and '0', and a field width.  An unknown conversion is copied
 * through literally (the compiler's format check rejects it first). */
#include "web/html.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "lib/arena.h"
#include "lib/buf.h"

/* Append without a call when the buffer has room (pages are built from
 * many short pieces; buf_add is the slow path that grows it). */
static inline void out_add(struct buf *b, const char *p, size_t n)
{
	if (b->cap - b->len > n) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
		b->p[b->len] = 0;
	} else {
		buf_add(b, p, n);
	}
}

/* Escapes for HTML text and quoted attribute values alike: the class of
 * each byte (0 = copied as is) indexes the replacement. */
static const unsigned char esc_class[256] = {
	[0] = 7, ['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5, ['`'] = 6,
};
static const char *const esc_rep[8] = {
	"", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#96;",
	"", /* never emit NUL into a page */
};
static const unsigned char esc_len[8] = {0, 5, 4, 4, 6, 5, 5, 0};

void html_textn(struct buf *b, const char *s, size_t n)
{
	if (!s)
		return;
	buf_grow(b, n); /* the usual case, nothing to escape, then fits */
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned k = esc_class[(unsigned char)s[i]];
		if (!k)
			continue;
		out_add(b, s + start, i - start);
		out_add(b, esc_rep[k], esc_len[k]);
		start = i + 1;
	}
	out_add(b, s + start, n - start);
}

void html_text(struct buf *b, const char *s)
{
	if (s)
		html_textn(b, s, strlen(s));
}

void html_raw(struct buf *b, const char *literal)
{
	if (literal)
		out_add(b, literal, strlen(literal));
}

void html_trusted(struct buf *b, const struct trusted_html *t)
{
	if (t && t->html)
		out_add(b, t->html, t->len);
}

/* One parsed conversion specification. */
struct spec {
	bool left, zero;
	int width;
	int prec;       /* -1 = none */
	int len;        /* 0 none, 'h', 'H' (hh), 'l', 'L' (ll), 'z', 'j', 't' */
	char conv;
};

/* Parse the specification after '%'; returns the position after it. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof *sp);
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+' || *f == ' ' || *f == '#')
			; /* accepted, ignored */
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	if (*f == 'h') {
		sp->len = 'h';
		if (*++f == 'h') {
			sp->len = 'H';
			f++;
		}
	} else if (*f == 'l') {
		sp->len = 'l';
		if (*++f == 'l') {
			sp->len = 'L';
			f++;
		}
	} else if (*f == 'z' || *f == 'j' || *f == 't') {
		sp->len = *f++;
	}
	sp->conv = *f;
	return *f ? f + 1 : f;
}

static void pad(struct buf *b, char c, int n)
{
	for (int i = 0; i < n; i++)
		buf_addc(b, c);
}

/* Format an integer given as sign + magnitude, honouring width/flags. */
static void put_int(struct buf *b, const struct spec *sp, bool neg, uintmax_t v, unsigned base)
{
	char tmp[72];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	int len = n + (neg ? 1 : 0);
	int fill = sp->width > len ? sp->width - len : 0;
	if (!sp->left && !sp->zero)
		pad(b, ' ', fill);
	if (neg)
		buf_addc(b, '-');
	if (!sp->left && sp->zero)
		pad(b, '0', fill);
	char digits[72];
	for (int i = 0; i < n; i++)
		digits[i] = tmp[n - 1 - i];
	out_add(b, digits, (size_t)n);
	if (sp->left)
		pad(b, ' ', fill);
}

static void put_signed(struct buf *b, const struct spec *sp, va_list *ap)
{
	intmax_t v;
	switch (sp->len) {
	case 'l': v = va_arg(*ap, long); break;
	case 'L': v = va_arg(*ap, long long); break;
	case 'z': v = va_arg(*ap, ptrdiff_t); break; /* %zd: signed size_t */
	case 'j': v = va_arg(*ap, intmax_t); break;
	case 't': v = va_arg(*ap, ptrdiff_t); break;
	case 'H': v = (signed char)va_arg(*ap, int); break;
	case 'h': v = (short)va_arg(*ap, int); break;
	default: v = va_arg(*ap, int); break;
	}
	uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
	put_int(b, sp, v < 0, mag, 10);
}

static void put_unsigned(struct buf *b, const struct spec *sp, va_list *ap, unsigned base)
{
	uintmax_t v;
	switch (sp->len) {
	case 'l': v = va_arg(*ap, unsigned long); break;
	case 'L': v = va_arg(*ap, unsigned long long); break;
	case 'z': v = va_arg(*ap, size_t); break;
	case 'j': v = va_arg(*ap, uintmax_t); break;
	case 't': v = (uintmax_t)va_arg(*ap, ptrdiff_t); break;
	case 'H': v = (unsigned char)va_arg(*ap, unsigned); break;
	case 'h': v = (unsigned short)va_arg(*ap, unsigned); break;
	default: v = va_arg(*ap, unsigned); break;
	}
	put_int(b, sp, false, v, base);
}

/* Length of s limited to prec bytes (for %.*s, which need not be
 * NUL-terminated within prec). */
static size_t bounded_len(const char *s, int prec)
{
	if (prec < 0)
		return strlen(s);
	const char *z = memchr(s, 0, (size_t)prec);
	return z ? (size_t)(z - s) : (size_t)prec;
}

/* The shared interpreter: esc selects HTML escaping or URL encoding of
 * strings. */
enum str_mode { STR_HTML, STR_URL };

static void url_encode_into(struct buf *b, const char *s, size_t n);

static void format_into(struct buf *b, enum str_mode mode, const char *fmt, va_list *ap)
{
	const char *f = fmt;
	while (*f) {
		const char *pct = strchr(f, '%');
		if (!pct) {
			out_add(b, f, strlen(f));
			break;
		}
		out_add(b, f, (size_t)(pct - f));
		if (pct[1] == '%') {
			out_add(b, "%", 1);
			f = pct + 2;
			continue;
		}
		if (pct[1] == 's') {
			/* The common case, without the general parse. */
			const char *s = va_arg(*ap, const char *);
			if (s) {
				if (mode == STR_HTML)
					html_textn(b, s, strlen(s));
				else
					url_encode_into(b, s, strlen(s));
			}
			f = pct + 2;
			continue;
		}
		struct spec sp;
		const char *next = parse_spec(pct + 1, &sp, ap);
		switch (sp.conv) {
		case 's': {
			const char *s = va_arg(*ap, const char *);
			if (!s)
				s = "";
			size_t n = bounded_len(s, sp.prec);
			if (mode == STR_HTML)
				html_textn(b, s, n);
			else
				url_encode_into(b, s, n);
			break;
		}
		case 'c': {
			char c = (char)va_arg(*ap, int);
			if (mode == STR_HTML)
				html_textn(b, &c, 1);
			else
				url_encode_into(b, &c, 1);
			break;
		}
		case 'd':
		case 'i':
			put_signed(b, &sp, ap);
			break;
		case 'u':
			put_unsigned(b, &sp, ap, 10);
			break;
		case 'x':
			put_unsigned(b, &sp, ap, 16);
			break;
		default:
			/* Unknown: copy the text through (never reached for
			 * formats the compiler accepted). */
			buf_add(b, pct, (size_t)(next - pct));
			break;
		}
		f = next;
	}
}

void html_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format_into(b, STR_HTML, fmt, &ap);
	va_end(ap);
}

static bool url_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static void url_encode_into(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (url_unreserved(c))
			continue;
		out_add(b, s + start, i - start);
		char e[3] = {'%', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15]};
		out_add(b, e, 3);
		start = i + 1;
	}
	out_add(b, s + start, n - start);
}

/* Copy a heap buffer into the arena and release it. */
static char *to_arena(struct arena *a, struct buf *b)
{
	char *s = arena_strndup(a, b->p ? b->p : "", b->len);
	buf_free(b);
	return s;
}

char *url_encode(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	if (s)
		url_encode_into(&b, s, strlen(s));
	return to_arena(a, &b);
}

char *url_path(struct arena *a, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	format_into(&b, STR_URL, fmt, &ap);
	va_end(ap);
	return to_arena(a, &b);
}

static bool has_prefix_ci(const char *s, const char *p)
{
	for (; *p; s++, p++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *p)
			return false;
	}
	return true;
}

const char *url_safe_href(const char *s)
{
	if (!s || !*s)
		return "#";
	/* Browsers ignore tab/CR/LF inside schemes ("java\tscript:") and
	 * treat a backslash like a slash; refuse them outright. */
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || c == '\\')
			return "#";
	}
	if (s[0] == '/')
		return s[1] == '/' ? "#" : s; /* "//host" leaves the site */
	if (has_prefix_ci(s, "https://") || has_prefix_ci(s, "http://") ||
	    has_prefix_ci(s, "mailto:"))
		return s;
	return "#";
}

bool html_tlp(struct buf *b, const char *tlp)
{
	static const struct {
		const char *in, *cls, *label;
	} map[] = {
		{"red", "tlp-red", "TLP:RED"},
		{"amber", "tlp-amber", "TLP:AMBER"},
		{"amber+strict", "tlp-amber-strict", "TLP:AMBER+STRICT"},
		{"green", "tlp-green", "TLP:GREEN"},
		{"clear", "tlp-clear", "TLP:CLEAR"},
		{"white", "tlp-clear", "TLP:CLEAR"}, /* TLP 1.0 */
	};
	if (!tlp)
		return false;
	if (has_prefix_ci(tlp, "tlp:"))
		tlp += 4;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcasecmp(tlp, map[i].in) == 0) {
			html_printf(b, "<span class=\"tlp %s\">%s</span>", map[i].cls, map[i].label);
			return true;
		}
	}
	return false;
}
