/* jread.c - the strict JSON reader of jread.h.
 *
 * One pass over a private copy of the text (in the arena, followed by NUL
 * padding so that look-ahead never needs a bounds check: the padding byte
 * is an error wherever a real byte is expected).  Strings are decoded in
 * place in that copy - the decoded form is never longer than the escaped
 * one - and the closing quote becomes the terminating NUL.  Values of the
 * containers still open wait on one scratch stack; when a container closes
 * its values move into one arena array (arrays: the elements; objects:
 * key, value, key, value ...), so an object costs one allocation whatever
 * its size and there is no per-value malloc.  Duplicate keys are found when
 * an object closes: pairwise for small objects, by sorting for large ones
 * (no O(n^2) for a hostile object of 100k keys). */
#include "lib/jread.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JR_PAD 16             /* NUL bytes after the copy */
#define JR_DEFAULT_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */
#define JR_SMALL_OBJECT 16    /* up to this many members: pairwise duplicate check */

struct frame {
	size_t base;  /* first stack slot of the container's values */
	size_t start; /* offset of its '[' or '{' */
	uint8_t type;
};

struct parser {
	struct arena *a;
	const char *src;  /* the caller's text (for error positions) */
	unsigned char *s; /* the copy, decoded in place */
	size_t len;
	int max_depth;
	size_t max_string;
	size_t max_values, nvalues;
	unsigned flags;
	struct jr_value *stack;
	size_t top, cap;
	struct frame *frames;
	int depth, frames_cap;
	const struct jr_value **sorted; /* scratch for the duplicate check of large objects */
	size_t sorted_cap;
	struct jr_error *err;
};

/* Bytes that may appear in a string as they are: printable ASCII except
 * '"' and '\\'.  Everything else needs a closer look. */
static const unsigned char plain[256] = {
    /* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20 */ 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x40 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    /* 0x60 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* What the one-letter escapes stand for (0: not one; \u is decoded apart). */
static const unsigned char unescape[256] = {
    ['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
    ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t',
};

/* Where offset `at` is: 1-based line, and 1-based column in characters
 * (UTF-8 continuation bytes do not count).  Only on errors, so the parse
 * itself never tracks lines. */
static void locate(const char *src, size_t len, size_t at, int *line, int *column)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < at && i < len; i++) {
		unsigned char ch = (unsigned char)src[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*column = c;
}

static int fail(struct parser *p, int rc, size_t at, const char *fmt, ...) KR_PRINTF(4, 5);
static int fail(struct parser *p, int rc, size_t at, const char *fmt, ...)
{
	if (!p->err)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->text, sizeof p->err->text, fmt, ap);
	va_end(ap);
	p->err->offset = at;
	locate(p->src, p->len, at, &p->err->line, &p->err->column);
	return rc;
}

/* "unexpected end of input" or the unexpected byte at i. */
static int unexpected(struct parser *p, size_t i, const char *wanted)
{
	if (i >= p->len)
		return fail(p, KR_EINVAL, i, "unexpected end of input (%s)", wanted);
	unsigned char c = p->s[i];
	if (c >= 0x21 && c < 0x7F)
		return fail(p, KR_EINVAL, i, "unexpected '%c' (%s)", c, wanted);
	return fail(p, KR_EINVAL, i, "unexpected byte 0x%02x (%s)", c, wanted);
}

#define ONES8 0x0101010101010101ull
#define HIGH8 0x8080808080808080ull
/* Nonzero when one of the 8 bytes of x is not plain (or maybe not: a
 * false alarm only costs the bytewise look). */
static inline uint64_t stop8(uint64_t x)
{
	uint64_t q = x ^ (ONES8 * '"'), b = x ^ (ONES8 * '\\');
	return ((((x - ONES8 * 0x20) | (q - ONES8) | (b - ONES8)) & ~x) | x) & HIGH8;
}

static inline size_t skip_ws(const unsigned char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
		i++;
	return i;
}

/* Length of the valid UTF-8 sequence of 2-4 bytes at s, or 0: no overlong
 * forms, no encoded surrogates, nothing above U+10FFFF.  Reads at most up
 * to the first bad byte, so the NUL padding ends it safely. */
static inline size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c < 0xF5) {
		unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
	}
	return 0;
}

static inline int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static long hex4(const unsigned char *s)
{
	long v = 0;
	for (int k = 0; k < 4; k++) {
		int d = hex_digit(s[k]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t put_utf8(unsigned char *w, unsigned long cp)
{
	if (cp < 0x80) {
		w[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		w[0] = (unsigned char)(0xC0 | (cp >> 6));
		w[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		w[0] = (unsigned char)(0xE0 | (cp >> 12));
		w[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		w[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	w[0] = (unsigned char)(0xF0 | (cp >> 18));
	w[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	w[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	w[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The string whose opening quote is at *pi: decoded in place, *pi moved
 * past the closing quote. */
static int read_string(struct parser *p, size_t *pi, bool key, struct jr_value *v)
{
	unsigned char *s = p->s;
	size_t q = *pi, r = q + 1;
	/* Fast path: no escapes so far, nothing to move. */
	for (;;) {
		for (;;) {
			uint64_t x;
			memcpy(&x, s + r, 8); /* the padding keeps this inside the copy */
			if (stop8(x))
				break;
			r += 8;
		}
		while (plain[s[r]])
			r++;
		unsigned char c = s[r];
		if (c == '"' || c == '\\')
			break;
		if (c >= 0x80) {
			size_t k = utf8_seq(s + r);
			if (!k)
				return fail(p, KR_EINVAL, r, "invalid UTF-8 in a string");
			r += k;
			continue;
		}
		if (r >= p->len)
			return fail(p, KR_EINVAL, q, "unterminated string");
		return fail(p, KR_EINVAL, r, "control character 0x%02x in a string", c);
	}
	size_t w = r;
	while (s[r] != '"') {
		unsigned char c = s[r];
		if (plain[c]) {
			s[w++] = s[r++];
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq(s + r);
			if (!k)
				return fail(p, KR_EINVAL, r, "invalid UTF-8 in a string");
			memmove(s + w, s + r, k);
			w += k;
			r += k;
			continue;
		}
		if (c != '\\') {
			if (r >= p->len)
				return fail(p, KR_EINVAL, q, "unterminated string");
			return fail(p, KR_EINVAL, r, "control character 0x%02x in a string", c);
		}
		unsigned char e = s[r + 1];
		if (unescape[e]) {
			s[w++] = unescape[e];
			r += 2;
			continue;
		}
		if (e != 'u') {
			if (r + 1 >= p->len)
				return fail(p, KR_EINVAL, q, "unterminated string");
			if (e >= 0x21 && e < 0x7F)
				return fail(p, KR_EINVAL, r, "invalid escape '\\%c'", e);
			return fail(p, KR_EINVAL, r, "invalid escape (backslash before byte 0x%02x)", e);
		}
		long cp = hex4(s + r + 2);
		if (cp < 0)
			return fail(p, KR_EINVAL, r, "invalid \\u escape (four hex digits expected)");
		size_t at = r;
		r += 6;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return fail(p, KR_EINVAL, at, "lone UTF-16 low surrogate \\u%04lX", cp);
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			long lo = s[r] == '\\' && s[r + 1] == 'u' ? hex4(s + r + 2) : -1;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return fail(p, KR_EINVAL, at,
				            "UTF-16 high surrogate \\u%04lX not followed by a low one", cp);
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			r += 6;
		}
		if (cp == 0 && key)
			return fail(p, KR_EINVAL, at, "\\u0000 in an object key");
		if (cp == 0 && !(p->flags & JR_ALLOW_NUL))
			return fail(p, KR_EINVAL, at, "\\u0000 in a string");
		w += put_utf8(s + w, (unsigned long)cp);
	}
	if (p->max_string && r - q - 1 > p->max_string) {
		size_t m = p->max_string;
		if (m % (1024 * 1024) == 0)
			return fail(p, KR_ETOOBIG, q, "a string is longer than %zu MiB", m / (1024 * 1024));
		if (m % 1024 == 0)
			return fail(p, KR_ETOOBIG, q, "a string is longer than %zu KiB", m / 1024);
		return fail(p, KR_ETOOBIG, q, "a string is longer than %zu bytes", m);
	}
	s[w] = 0;
	v->type = JR_STRING;
	v->n = (uint32_t)(w - q - 1);
	v->u.s = (const char *)s + q + 1;
	v->start = q;
	v->end = r + 1;
	*pi = r + 1;
	return KR_OK;
}

static inline bool digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int read_number(struct parser *p, size_t *pi, struct jr_value *v)
{
	unsigned char *s = p->s;
	size_t st = *pi, i = st;
	bool neg = s[i] == '-';
	if (neg)
		i++;
	size_t d0 = i;
	if (s[i] == '0') {
		i++;
		if (digit(s[i]))
			return fail(p, KR_EINVAL, st, "a number with a leading zero");
	} else if (digit(s[i])) {
		while (digit(s[i]))
			i++;
	} else {
		return fail(p, KR_EINVAL, st, "a digit must follow '-'");
	}
	size_t d1 = i;
	bool real = false;
	if (s[i] == '.') {
		i++;
		if (!digit(s[i]))
			return fail(p, KR_EINVAL, st, "a digit must follow the decimal point");
		while (digit(s[i]))
			i++;
		real = true;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		if (!digit(s[i]))
			return fail(p, KR_EINVAL, st, "a digit must follow the exponent");
		while (digit(s[i]))
			i++;
		real = true;
	}
	v->start = st;
	v->end = i;
	*pi = i;
	if (real) {
		/* strtod needs a terminator: the byte after the number is ours
		 * to borrow for a moment (the parse has not looked at it yet).
		 * Kairan runs in the C locale, so '.' is the decimal point. */
		unsigned char save = s[i];
		s[i] = 0;
		errno = 0;
		double d = strtod((const char *)s + st, NULL);
		int e = errno;
		s[i] = save;
		if (e == ERANGE && isinf(d))
			return fail(p, KR_EINVAL, st, "real number overflow");
		v->type = JR_REAL;
		v->u.d = d;
		return KR_OK;
	}
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, u = 0;
	for (size_t k = d0; k < d1; k++) {
		unsigned dg = (unsigned)(s[k] - '0');
		if (u > (limit - dg) / 10)
			return fail(p, KR_EINVAL, st, "integer out of range (64-bit signed)");
		u = u * 10 + dg;
	}
	v->type = JR_INT;
	v->u.i = !neg ? (int64_t)u : u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	return KR_OK;
}

static int grow_stack(struct parser *p)
{
	size_t nc = p->cap ? p->cap * 2 : 256;
	struct jr_value *ns = realloc(p->stack, nc * sizeof *ns);
	if (!ns)
		return fail(p, KR_ENOMEM, 0, "out of memory");
	p->stack = ns;
	p->cap = nc;
	return KR_OK;
}

static inline bool key_eq(const struct jr_value *x, const struct jr_value *y)
{
	return x->n == y->n && !memcmp(x->u.s, y->u.s, x->n);
}

/* By bytes, then document order (so the later of two equal keys sorts
 * after the earlier). */
static int key_cmp(const void *x, const void *y)
{
	const struct jr_value *a = *(const struct jr_value *const *)x,
	                      *b = *(const struct jr_value *const *)y;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	int c = memcmp(a->u.s, b->u.s, a->n);
	return c ? c : (a->start < b->start ? -1 : a->start > b->start);
}

static int duplicate(struct parser *p, const struct jr_value *k)
{
	/* Shown to users: at most 40 bytes, not cut inside a character,
	 * control characters masked. */
	char shown[48];
	size_t n = k->n < 40 ? k->n : 40;
	while (n < k->n && n > 0 && ((unsigned char)k->u.s[n] & 0xC0) == 0x80)
		n--;
	for (size_t i = 0; i < n; i++)
		shown[i] = (unsigned char)k->u.s[i] < 0x20 ? '?' : k->u.s[i];
	shown[n] = 0;
	return fail(p, KR_EINVAL, k->start, "duplicate object key \"%s\"%s", shown, n < k->n ? "..." : "");
}

/* The keys of the object whose members are stack[base..base+2*members). */
static int check_keys(struct parser *p, size_t base, size_t members)
{
	const struct jr_value *m = p->stack + base;
	if (members <= JR_SMALL_OBJECT) {
		for (size_t j = 1; j < members; j++)
			for (size_t i = 0; i < j; i++)
				if (key_eq(&m[2 * i], &m[2 * j]))
					return duplicate(p, &m[2 * j]);
		return KR_OK;
	}
	if (members > p->sorted_cap) {
		const struct jr_value **ns = realloc(p->sorted, members * sizeof *ns);
		if (!ns)
			return fail(p, KR_ENOMEM, 0, "out of memory");
		p->sorted = ns;
		p->sorted_cap = members;
	}
	for (size_t i = 0; i < members; i++)
		p->sorted[i] = &m[2 * i];
	qsort(p->sorted, members, sizeof *p->sorted, key_cmp);
	const struct jr_value *first = NULL; /* the duplicate earliest in the document */
	for (size_t i = 1; i < members; i++)
		if (key_eq(p->sorted[i - 1], p->sorted[i]) && (!first || p->sorted[i]->start < first->start))
			first = p->sorted[i];
	return first ? duplicate(p, first) : KR_OK;
}

static int open_container(struct parser *p, size_t i, uint8_t type)
{
	if (p->depth >= p->max_depth)
		return fail(p, KR_ETOOBIG, i, "nested deeper than %d levels", p->max_depth);
	if (p->depth == p->frames_cap) {
		int nc = p->frames_cap ? p->frames_cap * 2 : 32;
		struct frame *nf = realloc(p->frames, (size_t)nc * sizeof *nf);
		if (!nf)
			return fail(p, KR_ENOMEM, i, "out of memory");
		p->frames = nf;
		p->frames_cap = nc;
	}
	p->frames[p->depth++] = (struct frame){p->top, i, type};
	return KR_OK;
}

/* The container closed by the bracket at i becomes one value on the
 * stack. */
static int close_container(struct parser *p, size_t i)
{
	struct frame *f = &p->frames[--p->depth];
	size_t cnt = p->top - f->base;
	if (f->type == JR_OBJECT) {
		int rc = check_keys(p, f->base, cnt / 2);
		if (rc)
			return rc;
	}
	struct jr_value *kids = NULL;
	if (cnt) {
		kids = arena_alloc_raw(p->a, cnt * sizeof *kids);
		memcpy(kids, p->stack + f->base, cnt * sizeof *kids);
	}
	p->top = f->base; /* the container's own slot is free: top < cap */
	struct jr_value *v = &p->stack[p->top++];
	v->type = f->type;
	v->b = false;
	v->n = (uint32_t)(f->type == JR_OBJECT ? cnt / 2 : cnt);
	v->start = f->start;
	v->end = i + 1;
	v->u.kids = kids;
	return KR_OK;
}

static int parse(struct parser *p)
{
	const unsigned char *s = p->s;
	size_t i = 0;
	int rc;
	struct jr_value *v;
value:
	i = skip_ws(s, i);
	if (p->max_values && ++p->nvalues > p->max_values)
		return fail(p, KR_ETOOBIG, i, "more than %zu values in one document", p->max_values);
	if (p->top == p->cap && (rc = grow_stack(p)))
		return rc;
	v = &p->stack[p->top];
	switch (s[i]) {
	case '{':
		if ((rc = open_container(p, i, JR_OBJECT)))
			return rc;
		i = skip_ws(s, i + 1);
		if (s[i] == '}')
			goto close;
		if (s[i] == '"')
			goto key;
		return unexpected(p, i, "an object key or '}' expected");
	case '[':
		if ((rc = open_container(p, i, JR_ARRAY)))
			return rc;
		i = skip_ws(s, i + 1);
		if (s[i] == ']')
			goto close;
		goto value;
	case '"':
		if ((rc = read_string(p, &i, false, v)))
			return rc;
		break;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		if ((rc = read_number(p, &i, v)))
			return rc;
		break;
	case 't':
		if (memcmp(s + i, "true", 4) != 0)
			return unexpected(p, i, "a value expected");
		*v = (struct jr_value){.type = JR_BOOL, .b = true, .start = i, .end = i + 4};
		i += 4;
		break;
	case 'f':
		if (memcmp(s + i, "false", 5) != 0)
			return unexpected(p, i, "a value expected");
		*v = (struct jr_value){.type = JR_BOOL, .b = false, .start = i, .end = i + 5};
		i += 5;
		break;
	case 'n':
		if (memcmp(s + i, "null", 4) != 0)
			return unexpected(p, i, "a value expected");
		*v = (struct jr_value){.type = JR_NULL, .start = i, .end = i + 4};
		i += 4;
		break;
	default:
		return unexpected(p, i, "a value expected");
	}
	p->top++;
next: /* a value is complete: what follows it? */
	if (p->depth == 0) {
		i = skip_ws(s, i);
		if (i != p->len)
			return unexpected(p, i, "nothing may follow the top-level value");
		return KR_OK;
	}
	i = skip_ws(s, i);
	if (p->frames[p->depth - 1].type == JR_ARRAY) {
		if (s[i] == ',') {
			i++;
			goto value;
		}
		if (s[i] == ']')
			goto close;
		return unexpected(p, i, "',' or ']' expected");
	}
	if (s[i] == '}')
		goto close;
	if (s[i] != ',')
		return unexpected(p, i, "',' or '}' expected");
	i = skip_ws(s, i + 1);
	if (s[i] != '"')
		return unexpected(p, i, "an object key expected");
key:
	if (p->top == p->cap && (rc = grow_stack(p)))
		return rc;
	if ((rc = read_string(p, &i, true, &p->stack[p->top])))
		return rc;
	p->top++;
	i = skip_ws(s, i);
	if (s[i] != ':')
		return unexpected(p, i, "':' expected after an object key");
	i++;
	goto value;
close:
	if ((rc = close_container(p, i)))
		return rc;
	i++;
	goto next;
}

int jr_parse(struct arena *a, const char *text, size_t len, const struct jr_options *opt,
             const struct jr_value **root, struct jr_error *err)
{
	*root = NULL;
	struct parser p = {.a = a, .src = text, .len = len, .err = err};
	p.max_depth = opt && opt->max_depth > 0 ? opt->max_depth : JR_DEFAULT_DEPTH;
	p.max_string = opt ? opt->max_string : 0;
	p.max_values = opt ? opt->max_values : 0;
	p.flags = opt ? opt->flags : 0;
	if (err)
		memset(err, 0, sizeof *err);
	/* Lengths and counts are 32-bit in a value. */
	if (len > UINT32_MAX)
		return fail(&p, KR_ETOOBIG, 0, "the document is larger than 4 GiB");
	p.s = arena_alloc_raw(a, len + JR_PAD);
	if (len) /* text may be NULL when empty */
		memcpy(p.s, text, len);
	memset(p.s + len, 0, JR_PAD);
	int rc = parse(&p);
	if (rc == KR_OK) {
		struct jr_value *r = arena_alloc_raw(a, sizeof *r);
		*r = p.stack[0];
		*root = r;
	}
	free(p.stack);
	free(p.frames);
	free(p.sorted);
	return rc;
}

const struct jr_value *jr_getn(const struct jr_value *obj, const char *key, size_t klen)
{
	if (!jr_is_object(obj))
		return NULL;
	const struct jr_value *k = obj->u.kids;
	/* length, then first byte, before a memcmp call: most keys differ there */
	for (uint32_t i = 0; i < obj->n; i++, k += 2)
		if (k->n == klen && (klen == 0 || (k->u.s[0] == key[0] && !memcmp(k->u.s, key, klen))))
			return k + 1;
	return NULL;
}
