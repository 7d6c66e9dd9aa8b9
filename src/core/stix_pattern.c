/* stix_pattern.c - STIX 2.1 patterning language (specification section 9).
 *
 * A hand-written lexer and recursive-descent parser.  Recursion only follows
 * brackets and parentheses, and an explicit depth counter stops it at
 * STIX_PATTERN_MAX_DEPTH, so a hostile pattern cannot exhaust the stack.
 * Operands of AND / OR / FOLLOWEDBY are kept as flat lists rather than
 * binary trees, so a long chain neither deepens the tree nor the printer's
 * recursion.  Validation beyond the grammar happens as each node is built. */
#include "core/stix_pattern.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/arena.h"
#include "lib/buf.h"

enum tok {
	T_EOF,
	T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN, T_COMMA, T_COLON, T_DOT, T_STAR,
	T_EQ, T_NEQ, T_LT, T_LE, T_GT, T_GE,
	T_STRING, T_INT, T_FLOAT, T_BOOL, T_BINARY, T_HEX, T_TIMESTAMP,
	T_IDENT,
	/* keywords */
	T_AND, T_OR, T_NOT, T_FOLLOWEDBY, T_LIKE, T_MATCHES, T_ISSUBSET,
	T_ISSUPERSET, T_EXISTS, T_IN, T_START, T_STOP, T_SECONDS, T_WITHIN,
	T_REPEATS, T_TIMES,
};

static const struct {
	const char *word;
	enum tok t;
} keywords[] = {
	{"AND", T_AND}, {"OR", T_OR}, {"NOT", T_NOT}, {"FOLLOWEDBY", T_FOLLOWEDBY},
	{"LIKE", T_LIKE}, {"MATCHES", T_MATCHES}, {"ISSUBSET", T_ISSUBSET},
	{"ISSUPERSET", T_ISSUPERSET}, {"EXISTS", T_EXISTS}, {"IN", T_IN},
	{"START", T_START}, {"STOP", T_STOP}, {"SECONDS", T_SECONDS},
	{"WITHIN", T_WITHIN}, {"REPEATS", T_REPEATS}, {"TIMES", T_TIMES},
};

struct token {
	enum tok t;
	size_t off, end;  /* [off, end) in the pattern */
	const char *s;    /* IDENT: name; BINARY/HEX/TIMESTAMP: body */
	size_t n;
	char *str;        /* STRING: unescaped, in the arena */
	int64_t i;
	double f;
	bool b;
};

struct parser {
	struct arena *a;
	const char *s;
	size_t len, pos;
	struct token tok;
	struct stix_error *err;
	int depth;
	bool failed;
	size_t const_off; /* offset of the constant being checked */
};

static int fail(struct parser *p, size_t off, enum stix_err_class cls, const char *fmt, ...)
	KR_PRINTF(4, 5);

static int fail(struct parser *p, size_t off, enum stix_err_class cls, const char *fmt, ...)
{
	if (p->failed)
		return KR_EINVAL;
	p->failed = true;
	if (p->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err->reason, sizeof(p->err->reason), fmt, ap);
		va_end(ap);
		p->err->offset = off;
		p->err->cls = cls;
		snprintf(p->err->msg, sizeof(p->err->msg), "offset %zu: %s", off, p->err->reason);
	}
	return KR_EINVAL;
}

/* ---- small character and value checks ---------------------------------- */

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident_char(int c) { return is_ident_start(c) || is_digit(c) || c == '-'; }
static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
static bool is_b64(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '+' ||
	       c == '/';
}

/* Offset of the first byte that is not well-formed UTF-8 (or a NUL), or n. */
static size_t utf8_bad_at(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		unsigned min;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			min = 0x10000;
		} else {
			return i;
		}
		if (n - i <= need)
			return i;
		unsigned cp = c & (0x3fu >> need);
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return n;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* RFC 3339 in UTC as section 9 requires: YYYY-MM-DDTHH:MM:SS[.frac]Z.  NULL
 * when valid, else why not. */
static const char *timestamp_problem(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	if (n < 20)
		return "is too short for YYYY-MM-DDTHH:MM:SSZ";
	for (size_t i = 0; i < 19; i++) {
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return "is not in the form YYYY-MM-DDTHH:MM:SS[.fraction]Z";
	}
	size_t i = 19;
	if (s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			return "has a '.' without fraction digits";
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i != n - 1 || s[i] != 'Z')
		return "must end in 'Z' (UTC)";
	int y = num2(s) * 100 + num2(s + 2), mo = num2(s + 5), d = num2(s + 8);
	int h = num2(s + 11), mi = num2(s + 14), sec = num2(s + 17);
	if (mo < 1 || mo > 12)
		return "has a month outside 01..12";
	if (d < 1 || d > days_in_month(y, mo))
		return "has a day that month does not have";
	if (h > 23)
		return "has an hour outside 00..23";
	if (mi > 59)
		return "has a minute outside 00..59";
	if (sec > 60 || (sec == 60 && !(h == 23 && mi == 59)))
		return "has a second outside 00..59 (60 only for a leap second at 23:59)";
	return NULL;
}

/* Order of two valid timestamps: <0, 0, >0. */
static int timestamp_cmp(const char *a, const char *b)
{
	int c = memcmp(a, b, 19);
	if (c)
		return c;
	const char *fa = a[19] == '.' ? a + 20 : "", *fb = b[19] == '.' ? b + 20 : "";
	for (;;) {
		char ca = is_digit(*fa) ? *fa++ : '0';
		char cb = is_digit(*fb) ? *fb++ : '0';
		if (ca != cb)
			return ca - cb;
		if (!is_digit(*fa) && !is_digit(*fb))
			return 0;
	}
}

/* Decimal number without sign or leading zero, value <= max; -1 if not. */
static long small_uint(const char *s, size_t n, long max)
{
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

static bool ipv4_valid(const char *s, size_t n)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		size_t st = i;
		while (i < n && is_digit(s[i]))
			i++;
		if (small_uint(s + st, i - st, 255) < 0)
			return false;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == n;
}

static bool ipv6_valid(const char *s, size_t n)
{
	char tmp[64];
	unsigned char addr[16];
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return inet_pton(AF_INET6, tmp, addr) == 1;
}

enum ip_family { IP_V4 = 1, IP_V6 = 2, IP_ANY = 3 };

/* Address with an optional /prefix ("CIDR") of an allowed family. */
static bool ip_or_cidr_valid(const char *s, enum ip_family fam)
{
	size_t n = strlen(s);
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	if ((fam & IP_V4) && ipv4_valid(s, an))
		return !slash || small_uint(slash + 1, n - an - 1, 32) >= 0;
	if ((fam & IP_V6) && ipv6_valid(s, an))
		return !slash || small_uint(slash + 1, n - an - 1, 128) >= 0;
	return false;
}

/* Loose PCRE sanity: escapes complete, character classes closed,
 * parentheses balanced.  NULL when fine, else why not (and *at set to the
 * byte index in the regex). */
static const char *regex_problem(const char *re, size_t *at)
{
	size_t open = 0, i = 0, n = strlen(re);
	while (i < n) {
		char c = re[i];
		if (c == '\\') {
			if (i + 1 >= n) {
				*at = i;
				return "ends in a lone backslash";
			}
			i += 2;
		} else if (c == '[') {
			size_t st = i++;
			if (i < n && re[i] == '^')
				i++;
			if (i < n && re[i] == ']')
				i++; /* a leading ']' is a literal */
			while (i < n && re[i] != ']') {
				if (re[i] == '\\')
					i++;
				i++;
			}
			if (i >= n) {
				*at = st;
				return "has a '[' character class that is never closed";
			}
			i++;
		} else if (c == '(') {
			open++;
			i++;
		} else if (c == ')') {
			if (open == 0) {
				*at = i;
				return "has a ')' without a matching '('";
			}
			open--;
			i++;
		} else {
			i++;
		}
	}
	if (open) {
		*at = n;
		return "has a '(' that is never closed";
	}
	return NULL;
}

/* Growable pointer list in the arena (doubling keeps it linear). */
struct plist {
	void **v;
	size_t n, cap;
};

static void plist_push(struct arena *a, struct plist *l, void *x)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		void **v = arena_alloc(a, cap * sizeof(*v));
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = x;
}

/* ---- lexer ------------------------------------------------------------- */

static const char *tok_name(enum tok t)
{
	switch (t) {
	case T_EOF: return "end of pattern";
	case T_LBRACK: return "'['";
	case T_RBRACK: return "']'";
	case T_LPAREN: return "'('";
	case T_RPAREN: return "')'";
	case T_COMMA: return "','";
	case T_COLON: return "':'";
	case T_DOT: return "'.'";
	case T_STAR: return "'*'";
	case T_EQ: return "'='";
	case T_NEQ: return "'!='";
	case T_LT: return "'<'";
	case T_LE: return "'<='";
	case T_GT: return "'>'";
	case T_GE: return "'>='";
	case T_STRING: return "a string";
	case T_INT: return "an integer";
	case T_FLOAT: return "a float";
	case T_BOOL: return "a boolean";
	case T_BINARY: return "a binary constant";
	case T_HEX: return "a hex constant";
	case T_TIMESTAMP: return "a timestamp";
	case T_IDENT: return "a name";
	default: break;
	}
	for (size_t k = 0; k < KR_ARRAY_LEN(keywords); k++)
		if (keywords[k].t == t)
			return keywords[k].word;
	return "a token";
}

/* The current token for an error message: names are quoted as written. */
static const char *tok_desc(struct parser *p)
{
	if (p->tok.t == T_IDENT || (p->tok.t >= T_AND && p->tok.t <= T_TIMES) || p->tok.t == T_BOOL ||
	    p->tok.t == T_INT || p->tok.t == T_FLOAT) {
		size_t n = p->tok.end - p->tok.off;
		if (p->tok.t == T_IDENT) {
			for (size_t k = 0; k < KR_ARRAY_LEN(keywords); k++)
				if (strlen(keywords[k].word) == n &&
				    !strncasecmp(keywords[k].word, p->s + p->tok.off, n))
					return arena_printf(p->a, "'%.*s' (keywords are written in upper case)",
					                    (int)n, p->s + p->tok.off);
		}
		return arena_printf(p->a, "'%.*s'", (int)(n > 40 ? 40 : n), p->s + p->tok.off);
	}
	return tok_name(p->tok.t);
}

static int lex_quoted_body(struct parser *p, size_t q, size_t *end)
{
	/* q is the index of the opening quote of h'..', b'..' or t'..'. */
	size_t i = q + 1;
	while (i < p->len && p->s[i] != '\'')
		i++;
	if (i >= p->len)
		return fail(p, q - 1, STIX_ERR_LEXICAL, "constant is missing its closing quote");
	*end = i;
	return KR_OK;
}

static int lex_string(struct parser *p, size_t q)
{
	size_t i = q + 1, n = 0;
	/* First pass: find the end and the unescaped length. */
	for (;;) {
		if (i >= p->len)
			return fail(p, q, STIX_ERR_LEXICAL, "string is missing its closing quote");
		char c = p->s[i];
		if (c == '\'')
			break;
		if (c == '\\') {
			if (i + 1 >= p->len)
				return fail(p, q, STIX_ERR_LEXICAL, "string is missing its closing quote");
			if (p->s[i + 1] != '\'' && p->s[i + 1] != '\\')
				return fail(p, i, STIX_ERR_LEXICAL,
				            "invalid escape in string: only \\' and \\\\ are allowed");
			i += 2;
		} else {
			i++;
		}
		n++;
	}
	char *out = arena_alloc(p->a, n + 1);
	size_t k = 0;
	for (size_t j = q + 1; j < i; j++) {
		if (p->s[j] == '\\')
			j++;
		out[k++] = p->s[j];
	}
	out[k] = 0;
	p->tok.t = T_STRING;
	p->tok.str = out;
	p->tok.end = i + 1;
	return KR_OK;
}

static int lex_number(struct parser *p, size_t st)
{
	size_t i = st;
	bool neg = false;
	if (p->s[i] == '+' || p->s[i] == '-') {
		neg = p->s[i] == '-';
		i++;
	}
	size_t ds = i;
	while (i < p->len && is_digit(p->s[i]))
		i++;
	size_t nd = i - ds;
	if (i + 1 < p->len && p->s[i] == '.' && is_digit(p->s[i + 1])) {
		i++;
		while (i < p->len && is_digit(p->s[i]))
			i++;
		char tmp[256];
		const char *t = p->s + st + (p->s[st] == '+');
		size_t tn = (size_t)(p->s + i - t);
		if (tn >= sizeof(tmp))
			return fail(p, st, STIX_ERR_LIMIT, "float constant is longer than %zu characters",
			            sizeof(tmp) - 1);
		memcpy(tmp, t, tn);
		tmp[tn] = 0;
		p->tok.t = T_FLOAT;
		p->tok.s = arena_strndup(p->a, t, tn);
		p->tok.n = tn;
		p->tok.f = strtod(tmp, NULL);
		p->tok.end = i;
		return KR_OK;
	}
	if (nd == 0)
		return fail(p, st, STIX_ERR_LEXICAL, "'%c' must be followed by a number", p->s[st]);
	if (nd > 1 && p->s[ds] == '0')
		return fail(p, st, STIX_ERR_LEXICAL, "integer constant has a leading zero");
	uint64_t v = 0;
	uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (size_t k = ds; k < i; k++) {
		unsigned d = (unsigned)(p->s[k] - '0');
		if (v > (lim - d) / 10)
			return fail(p, st, STIX_ERR_LIMIT, "integer constant is out of the 64-bit range");
		v = v * 10 + d;
	}
	p->tok.t = T_INT;
	p->tok.i = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	p->tok.end = i;
	return KR_OK;
}

/* Read the next token into p->tok. */
static int lex(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->pos;
	while (i < p->len && is_space((unsigned char)s[i]))
		i++;
	memset(&p->tok, 0, sizeof(p->tok));
	p->tok.off = i;
	if (i >= p->len) {
		p->tok.t = T_EOF;
		p->tok.end = i;
		p->pos = i;
		return KR_OK;
	}
	char c = s[i];
	char c1 = i + 1 < p->len ? s[i + 1] : 0;
	int rc = KR_OK;
	p->tok.end = i + 1;
	switch (c) {
	case '[': p->tok.t = T_LBRACK; break;
	case ']': p->tok.t = T_RBRACK; break;
	case '(': p->tok.t = T_LPAREN; break;
	case ')': p->tok.t = T_RPAREN; break;
	case ',': p->tok.t = T_COMMA; break;
	case ':': p->tok.t = T_COLON; break;
	case '*': p->tok.t = T_STAR; break;
	case '=':
		/* '==' and '<>' are spellings the reference grammar also takes. */
		p->tok.t = T_EQ;
		p->tok.end = i + (c1 == '=' ? 2 : 1);
		break;
	case '!':
		if (c1 != '=')
			return fail(p, i, STIX_ERR_LEXICAL, "'!' must be followed by '='");
		p->tok.t = T_NEQ;
		p->tok.end = i + 2;
		break;
	case '<':
		if (c1 == '>') {
			p->tok.t = T_NEQ;
			p->tok.end = i + 2;
			break;
		}
		p->tok.t = c1 == '=' ? T_LE : T_LT;
		p->tok.end = i + (c1 == '=' ? 2 : 1);
		break;
	case '>':
		p->tok.t = c1 == '=' ? T_GE : T_GT;
		p->tok.end = i + (c1 == '=' ? 2 : 1);
		break;
	case '\'': rc = lex_string(p, i); break;
	case '.':
		if (is_digit((unsigned char)c1))
			rc = lex_number(p, i);
		else
			p->tok.t = T_DOT;
		break;
	default:
		if (c == '+' || c == '-' || is_digit((unsigned char)c)) {
			rc = lex_number(p, i);
		} else if ((c == 'h' || c == 'b' || c == 't') && c1 == '\'') {
			size_t end = 0;
			rc = lex_quoted_body(p, i + 1, &end);
			if (rc)
				return rc;
			p->tok.t = c == 'h' ? T_HEX : c == 'b' ? T_BINARY : T_TIMESTAMP;
			p->tok.s = s + i + 2;
			p->tok.n = end - (i + 2);
			p->tok.end = end + 1;
		} else if (is_ident_start((unsigned char)c)) {
			size_t e = i;
			while (e < p->len && is_ident_char((unsigned char)s[e]))
				e++;
			p->tok.t = T_IDENT;
			p->tok.s = s + i;
			p->tok.n = e - i;
			p->tok.end = e;
			for (size_t k = 0; k < KR_ARRAY_LEN(keywords); k++) {
				if (strlen(keywords[k].word) == p->tok.n &&
				    !memcmp(keywords[k].word, p->tok.s, p->tok.n))
					p->tok.t = keywords[k].t;
			}
			if ((p->tok.n == 4 && !memcmp(p->tok.s, "true", 4)) ||
			    (p->tok.n == 5 && !memcmp(p->tok.s, "false", 5))) {
				p->tok.t = T_BOOL;
				p->tok.b = p->tok.n == 4;
			}
		} else if (c == '/' && (c1 == '*' || c1 == '/')) {
			return fail(p, i, STIX_ERR_LEXICAL, "comments are not part of the STIX pattern language");
		} else if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f) {
			return fail(p, i, STIX_ERR_LEXICAL, "unexpected character '%c'", c);
		} else {
			return fail(p, i, STIX_ERR_LEXICAL, "unexpected byte 0x%02x", (unsigned char)c);
		}
	}
	if (rc)
		return rc;
	p->pos = p->tok.end;
	return KR_OK;
}

static int expect(struct parser *p, enum tok t, const char *what)
{
	if (p->tok.t != t)
		return fail(p, p->tok.off, STIX_ERR_SYNTAX, "expected %s, found %s", what,
		            tok_desc(p));
	return lex(p);
}

/* ---- constants ---------------------------------------------------------- */

static int check_binary(struct parser *p, const struct token *t)
{
	/* Groups of four base64 characters; only the last may end in '=' or '=='. */
	if (t->n == 0 || t->n % 4)
		return fail(p, t->off, STIX_ERR_LEXICAL,
		            "binary constant must be base64 in groups of four characters");
	for (size_t i = 0; i < t->n; i++) {
		char c = t->s[i];
		if (c == '=') {
			size_t pad = t->n - i;
			if (pad > 2 || (pad == 2 && t->s[i + 1] != '='))
				return fail(p, t->off + 2 + i, STIX_ERR_LEXICAL,
				            "binary constant has '=' padding before its end");
			break;
		}
		if (!is_b64((unsigned char)c))
			return fail(p, t->off + 2 + i, STIX_ERR_LEXICAL,
			            "binary constant has a character that is not base64");
	}
	return KR_OK;
}

static int check_hex(struct parser *p, const struct token *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!is_hex((unsigned char)t->s[i]))
			return fail(p, t->off + 2 + i, STIX_ERR_LEXICAL,
			            "hex constant has a character that is not a hex digit");
	if (t->n % 2)
		return fail(p, t->off, STIX_ERR_LEXICAL, "hex constant must have an even number of digits");
	return KR_OK;
}

static int check_timestamp(struct parser *p, const struct token *t)
{
	const char *why = timestamp_problem(t->s, t->n);
	if (why)
		return fail(p, t->off, STIX_ERR_VALUE, "timestamp '%.*s' %s", (int)(t->n > 40 ? 40 : t->n),
		            t->s, why);
	return KR_OK;
}

/* A primitive constant (not a set) from the current token. */
static int parse_primitive(struct parser *p, struct stix_const *c)
{
	struct token *t = &p->tok;
	int rc = KR_OK;
	memset(c, 0, sizeof(*c));
	switch (t->t) {
	case T_STRING:
		c->kind = STIX_C_STRING;
		c->text = t->str;
		break;
	case T_INT:
		c->kind = STIX_C_INT;
		c->i = t->i;
		break;
	case T_FLOAT:
		c->kind = STIX_C_FLOAT;
		c->text = t->s;
		c->f = t->f;
		break;
	case T_BOOL:
		c->kind = STIX_C_BOOL;
		c->b = t->b;
		break;
	case T_BINARY:
		c->kind = STIX_C_BINARY;
		rc = check_binary(p, t);
		break;
	case T_HEX:
		c->kind = STIX_C_HEX;
		rc = check_hex(p, t);
		break;
	case T_TIMESTAMP:
		c->kind = STIX_C_TIMESTAMP;
		rc = check_timestamp(p, t);
		break;
	default:
		return fail(p, t->off, STIX_ERR_SYNTAX, "expected a constant, found %s", tok_desc(p));
	}
	if (rc)
		return rc;
	if (c->kind == STIX_C_BINARY || c->kind == STIX_C_HEX || c->kind == STIX_C_TIMESTAMP)
		c->text = arena_strndup(p->a, t->s, t->n);
	return lex(p);
}

static const char *const_kind_name(enum stix_const_kind k)
{
	switch (k) {
	case STIX_C_STRING: return "string";
	case STIX_C_INT: return "integer";
	case STIX_C_FLOAT: return "float";
	case STIX_C_BOOL: return "boolean";
	case STIX_C_BINARY: return "binary";
	case STIX_C_HEX: return "hex";
	case STIX_C_TIMESTAMP: return "timestamp";
	case STIX_C_SET: return "set";
	}
	return "constant";
}

/* A constant, or a set of constants when the token is '('. */
static int parse_const(struct parser *p, struct stix_const *c)
{
	if (p->tok.t != T_LPAREN)
		return parse_primitive(p, c);
	size_t open = p->tok.off;
	int rc = lex(p);
	if (rc)
		return rc;
	memset(c, 0, sizeof(*c));
	c->kind = STIX_C_SET;
	struct stix_const *items = NULL;
	size_t n = 0, cap = 0;
	if (p->tok.t != T_RPAREN) {
		for (;;) {
			size_t at = p->tok.off;
			if (p->tok.t == T_LPAREN)
				return fail(p, at, STIX_ERR_SYNTAX, "a set cannot contain another set");
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				struct stix_const *v = arena_alloc(p->a, cap * sizeof(*v));
				if (n)
					memcpy(v, items, n * sizeof(*v));
				items = v;
			}
			rc = parse_primitive(p, &items[n]);
			if (rc)
				return rc;
			if (n > 0 && items[n].kind != items[0].kind)
				return fail(p, at, STIX_ERR_OPERAND,
				            "set elements must all be of one type (%s, then %s)",
				            const_kind_name(items[0].kind), const_kind_name(items[n].kind));
			n++;
			if (p->tok.t != T_COMMA)
				break;
			if ((rc = lex(p)))
				return rc;
		}
	}
	if (p->tok.t != T_RPAREN)
		return fail(p, p->tok.off, STIX_ERR_SYNTAX,
		            "expected ',' or ')' to continue the set opened at offset %zu, found %s", open,
		            tok_desc(p));
	c->items = items;
	c->nitems = n;
	return lex(p);
}

/* ---- object paths ------------------------------------------------------- */

/* STIX 2.1 type names: a-z, 0-9 and '-', 3..250 characters, no "--"; a name
 * cannot start with '-' (nor, by our reading, end with one). */
static int check_type_name(struct parser *p, size_t off, const char *s, size_t n)
{
	if (n < 3 || n > 250)
		return fail(p, off, STIX_ERR_TYPE_NAME,
		            "object type '%.*s' must be 3 to 250 characters long", (int)(n > 60 ? 60 : n), s);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-'))
			return fail(p, off + i, STIX_ERR_TYPE_NAME,
			            "object type '%.*s' may only contain a-z, 0-9 and '-'",
			            (int)(n > 60 ? 60 : n), s);
		if (c == '-' && i > 0 && s[i - 1] == '-')
			return fail(p, off + i, STIX_ERR_TYPE_NAME, "object type '%.*s' contains '--'",
			            (int)(n > 60 ? 60 : n), s);
	}
	if (s[n - 1] == '-')
		return fail(p, off + n - 1, STIX_ERR_TYPE_NAME, "object type '%.*s' ends in '-'",
		            (int)(n > 60 ? 60 : n), s);
	return KR_OK;
}

/* A property name after ':' or '.': a name without '-' or a quoted string. */
static int path_key(struct parser *p, struct plist *steps)
{
	struct stix_step *st = arena_alloc(p->a, sizeof(*st));
	st->kind = STIX_STEP_KEY;
	if (p->tok.t == T_STRING) {
		st->key = p->tok.str;
	} else if (p->tok.t == T_IDENT || p->tok.t == T_BOOL) {
		if (memchr(p->tok.s, '-', p->tok.n))
			return fail(p, p->tok.off, STIX_ERR_SYNTAX,
			            "path component '%.*s' contains '-' and must be quoted ('...')",
			            (int)(p->tok.n > 60 ? 60 : p->tok.n), p->tok.s);
		st->key = arena_strndup(p->a, p->tok.s, p->tok.n);
	} else {
		return fail(p, p->tok.off, STIX_ERR_SYNTAX,
		            "expected a property name or a quoted key, found %s", tok_desc(p));
	}
	plist_push(p->a, steps, st);
	return lex(p);
}

static int parse_path(struct parser *p, struct stix_path *path)
{
	int rc;
	if (p->tok.t != T_IDENT)
		return fail(p, p->tok.off, STIX_ERR_SYNTAX,
		            "expected an object path like 'file:name', found %s", tok_desc(p));
	if ((rc = check_type_name(p, p->tok.off, p->tok.s, p->tok.n)))
		return rc;
	path->type = arena_strndup(p->a, p->tok.s, p->tok.n);
	if ((rc = lex(p)) || (rc = expect(p, T_COLON, "':' after the object type")))
		return rc;
	struct plist steps = {0};
	if ((rc = path_key(p, &steps)))
		return rc;
	for (;;) {
		if (p->tok.t == T_DOT) {
			if ((rc = lex(p)) || (rc = path_key(p, &steps)))
				return rc;
		} else if (p->tok.t == T_LBRACK) {
			struct stix_step *st = arena_alloc(p->a, sizeof(*st));
			if ((rc = lex(p)))
				return rc;
			if (p->tok.t == T_STAR) {
				st->kind = STIX_STEP_ANY;
			} else if (p->tok.t == T_INT) {
				st->kind = STIX_STEP_INDEX;
				st->index = p->tok.i;
			} else {
				return fail(p, p->tok.off, STIX_ERR_SYNTAX,
				            "expected a list index (integer or '*'), found %s", tok_desc(p));
			}
			if ((rc = lex(p)) || (rc = expect(p, T_RBRACK, "']' to close the list index")))
				return rc;
			plist_push(p->a, &steps, st);
		} else {
			break;
		}
	}
	path->nsteps = steps.n;
	path->steps = arena_alloc(p->a, steps.n * sizeof(*path->steps));
	for (size_t k = 0; k < steps.n; k++)
		path->steps[k] = *(struct stix_step *)steps.v[k];
	return KR_OK;
}

static bool step_is(const struct stix_step *st, const char *key)
{
	return st->kind == STIX_STEP_KEY && !strcmp(st->key, key);
}

/* type:key  or  type:key1.key2 (key2 NULL for one step). */
static bool path_is(const struct stix_path *pa, const char *type, const char *k1, const char *k2)
{
	if (strcmp(pa->type, type))
		return false;
	if (!k2)
		return pa->nsteps == 1 && step_is(&pa->steps[0], k1);
	return pa->nsteps == 2 && step_is(&pa->steps[0], k1) && step_is(&pa->steps[1], k2);
}

static void path_print(const struct stix_path *pa, struct buf *out);

static const struct {
	const char *name;
	size_t hexlen; /* 0: not a hex digest */
	const char *kind;
} hash_algos[] = {
	{"MD5", 32, "md5"},           {"SHA-1", 40, "sha-1"},       {"SHA-256", 64, "sha-256"},
	{"SHA-512", 128, "sha-512"},  {"SHA3-256", 64, "sha3-256"}, {"SHA3-512", 128, "sha3-512"},
	{"SSDEEP", 0, "ssdeep"},      {"TLSH", 0, "tlsh"},
	/* Spellings seen in the wild for the same algorithms. */
	{"SHA1", 40, "sha-1"},        {"SHA256", 64, "sha-256"},    {"SHA512", 128, "sha-512"},
};

/* The hash algorithm a path ends in (...hashes.X), or -1. */
static int path_hash_algo(const struct stix_path *pa)
{
	if (pa->nsteps < 2 || !step_is(&pa->steps[pa->nsteps - 2], "hashes") ||
	    pa->steps[pa->nsteps - 1].kind != STIX_STEP_KEY)
		return -1;
	const char *k = pa->steps[pa->nsteps - 1].key;
	for (size_t i = 0; i < KR_ARRAY_LEN(hash_algos); i++)
		if (!strcasecmp(k, hash_algos[i].name))
			return (int)i;
	return -1;
}

/* Does the path follow a reference (*_ref / *_refs) to another object? */
static bool path_has_ref(const struct stix_path *pa)
{
	for (size_t i = 0; i < pa->nsteps; i++) {
		if (pa->steps[i].kind != STIX_STEP_KEY)
			continue;
		size_t n = strlen(pa->steps[i].key);
		if ((n >= 4 && !strcmp(pa->steps[i].key + n - 4, "_ref")) ||
		    (n >= 5 && !strcmp(pa->steps[i].key + n - 5, "_refs")))
			return true;
	}
	return false;
}

static char *path_text(struct parser *p, const struct stix_path *pa)
{
	struct buf b = BUF_INIT;
	path_print(pa, &b);
	char *s = arena_strndup(p->a, b.p, b.len > 80 ? 80 : b.len);
	buf_free(&b);
	return s;
}

/* Each string the comparison holds (the constant or the set's elements). */
static int check_each_string(struct parser *p, struct stix_cmp *c,
                             int (*check)(struct parser *, struct stix_cmp *, const struct stix_const *))
{
	if (c->value.kind != STIX_C_SET)
		return check(p, c, &c->value);
	for (size_t i = 0; i < c->value.nitems; i++) {
		int rc = check(p, c, &c->value.items[i]);
		if (rc)
			return rc;
	}
	return KR_OK;
}

static int check_ip_value(struct parser *p, struct stix_cmp *c, const struct stix_const *v)
{
	bool v4 = !strcmp(c->path.type, "ipv4-addr");
	if (v->kind != STIX_C_STRING)
		return fail(p, p->const_off, STIX_ERR_OPERAND, "%s:value must be compared with a string, not a %s",
		            c->path.type, const_kind_name(v->kind));
	if (!ip_or_cidr_valid(v->text, v4 ? IP_V4 : IP_V6))
		return fail(p, p->const_off, STIX_ERR_VALUE, "'%.60s' is not a valid %s address or CIDR block",
		            v->text, v4 ? "IPv4" : "IPv6");
	return KR_OK;
}

static int check_hash_value(struct parser *p, struct stix_cmp *c, const struct stix_const *v)
{
	int h = path_hash_algo(&c->path);
	if (v->kind != STIX_C_STRING)
		return fail(p, p->const_off, STIX_ERR_OPERAND, "object path '%s' must be compared with a string",
		            path_text(p, &c->path));
	size_t n = strlen(v->text);
	if (n != hash_algos[h].hexlen)
		return fail(p, p->const_off, STIX_ERR_VALUE,
		            "object path '%s' has an invalid hash length (%zu characters, %s needs %zu hex digits)",
		            path_text(p, &c->path), n, hash_algos[h].name, hash_algos[h].hexlen);
	for (size_t i = 0; i < n; i++)
		if (!is_hex((unsigned char)v->text[i]))
			return fail(p, p->const_off, STIX_ERR_VALUE,
			            "object path '%s' has a hash value that is not hexadecimal",
			            path_text(p, &c->path));
	return KR_OK;
}

static const char *op_name(enum stix_op op)
{
	static const char *const names[] = {"=", "!=", "<", "<=", ">", ">=", "IN", "LIKE",
	                                    "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"};
	return names[op];
}

/* Operator/constant compatibility and value checks for one comparison. */
static int check_test(struct parser *p, struct stix_cmp *c, size_t const_off)
{
	const struct stix_const *v = &c->value;
	enum stix_op op = c->op;
	p->const_off = const_off;
	if (op == STIX_OP_EXISTS)
		return KR_OK;
	if (op == STIX_OP_IN && v->kind != STIX_C_SET)
		return fail(p, const_off, STIX_ERR_OPERAND, "IN needs a set constant such as ('a', 'b'), not a %s",
		            const_kind_name(v->kind));
	if (op != STIX_OP_IN && v->kind == STIX_C_SET)
		return fail(p, const_off, STIX_ERR_OPERAND, "operator '%s' cannot take a set (use IN)",
		            op_name(op));
	if (op >= STIX_OP_LT && op <= STIX_OP_GE && v->kind == STIX_C_BOOL)
		return fail(p, const_off, STIX_ERR_OPERAND, "operator '%s' cannot order a boolean", op_name(op));
	if (op >= STIX_OP_LIKE && op <= STIX_OP_ISSUPERSET && v->kind != STIX_C_STRING)
		return fail(p, const_off, STIX_ERR_OPERAND, "operator %s needs a string, not a %s", op_name(op),
		            const_kind_name(v->kind));
	if (op == STIX_OP_MATCHES) {
		size_t at = 0;
		const char *why = regex_problem(v->text, &at);
		if (why)
			return fail(p, const_off, STIX_ERR_VALUE, "regular expression %s (at character %zu)", why, at);
		return KR_OK;
	}
	bool ip4 = path_is(&c->path, "ipv4-addr", "value", NULL);
	bool ip6 = path_is(&c->path, "ipv6-addr", "value", NULL);
	if (op == STIX_OP_ISSUBSET || op == STIX_OP_ISSUPERSET) {
		const struct stix_step *last = &c->path.steps[c->path.nsteps - 1];
		bool via_ref = path_has_ref(&c->path) && step_is(last, "value");
		if (!ip4 && !ip6 && !via_ref)
			return fail(p, c->offset, STIX_ERR_OPERAND,
			            "%s applies only to ipv4-addr:value or ipv6-addr:value (or a reference to one), not '%s'",
			            op_name(op), path_text(p, &c->path));
		enum ip_family fam = ip4 ? IP_V4 : ip6 ? IP_V6 : IP_ANY;
		if (!strchr(v->text, '/') || !ip_or_cidr_valid(v->text, fam))
			return fail(p, const_off, STIX_ERR_VALUE, "%s needs a valid %s CIDR block, not '%.60s'",
			            op_name(op), fam == IP_V4 ? "IPv4" : fam == IP_V6 ? "IPv6" : "IP", v->text);
		return KR_OK;
	}
	if (op == STIX_OP_EQ || op == STIX_OP_NEQ || op == STIX_OP_IN) {
		if (ip4 || ip6)
			return check_each_string(p, c, check_ip_value);
		int h = path_hash_algo(&c->path);
		if (h >= 0 && hash_algos[h].hexlen)
			return check_each_string(p, c, check_hash_value);
	}
	return KR_OK;
}

/* ---- comparison expressions -------------------------------------------- */

static int parse_cmp_or(struct parser *p, struct stix_cmp **out);

static int parse_cmp_unit(struct parser *p, struct stix_cmp **out)
{
	int rc;
	size_t off = p->tok.off;
	if (p->tok.t == T_LPAREN) {
		if (++p->depth > STIX_PATTERN_MAX_DEPTH)
			return fail(p, off, STIX_ERR_LIMIT, "nesting is deeper than %d levels",
			            STIX_PATTERN_MAX_DEPTH);
		if ((rc = lex(p)) || (rc = parse_cmp_or(p, out)))
			return rc;
		(*out)->offset = off; /* errors about the group point at its '(' */
		if (p->tok.t != T_RPAREN)
			return fail(p, p->tok.off, STIX_ERR_SYNTAX,
			            "expected ')' to close the '(' at offset %zu, found %s", off, tok_desc(p));
		p->depth--;
		return lex(p);
	}
	struct stix_cmp *c = arena_alloc(p->a, sizeof(*c));
	c->kind = STIX_CMP_TEST;
	c->offset = off;
	if (p->tok.t == T_EXISTS) {
		c->op = STIX_OP_EXISTS;
		if ((rc = lex(p)) || (rc = parse_path(p, &c->path)))
			return rc;
		c->type = c->path.type;
		*out = c;
		return KR_OK;
	}
	if ((rc = parse_path(p, &c->path)))
		return rc;
	c->type = c->path.type;
	if (p->tok.t == T_NOT) {
		c->negated = true;
		if ((rc = lex(p)))
			return rc;
	}
	switch (p->tok.t) {
	case T_EQ: c->op = STIX_OP_EQ; break;
	case T_NEQ: c->op = STIX_OP_NEQ; break;
	case T_LT: c->op = STIX_OP_LT; break;
	case T_LE: c->op = STIX_OP_LE; break;
	case T_GT: c->op = STIX_OP_GT; break;
	case T_GE: c->op = STIX_OP_GE; break;
	case T_IN: c->op = STIX_OP_IN; break;
	case T_LIKE: c->op = STIX_OP_LIKE; break;
	case T_MATCHES: c->op = STIX_OP_MATCHES; break;
	case T_ISSUBSET: c->op = STIX_OP_ISSUBSET; break;
	case T_ISSUPERSET: c->op = STIX_OP_ISSUPERSET; break;
	case T_EXISTS:
		return fail(p, p->tok.off, STIX_ERR_SYNTAX, "EXISTS goes before the object path");
	default:
		return fail(p, p->tok.off, STIX_ERR_SYNTAX,
		            "expected a comparison operator after the object path, found %s", tok_desc(p));
	}
	if ((rc = lex(p)))
		return rc;
	size_t const_off = p->tok.off;
	if ((rc = parse_const(p, &c->value)) || (rc = check_test(p, c, const_off)))
		return rc;
	*out = c;
	return KR_OK;
}

/* Bottom-up same-type rule: an AND's operands must all be about one object
 * type (an OR operand mixing types counts as more than one). */
static int parse_cmp_and(struct parser *p, struct stix_cmp **out)
{
	int rc;
	size_t off = p->tok.off;
	struct stix_cmp *first;
	if ((rc = parse_cmp_unit(p, &first)))
		return rc;
	if (p->tok.t != T_AND) {
		*out = first;
		return KR_OK;
	}
	struct plist kids = {0};
	plist_push(p->a, &kids, first);
	while (p->tok.t == T_AND) {
		struct stix_cmp *k;
		if ((rc = lex(p)) || (rc = parse_cmp_unit(p, &k)))
			return rc;
		plist_push(p->a, &kids, k);
	}
	for (size_t i = 0; i < kids.n; i++) {
		struct stix_cmp *k = kids.v[i];
		if (!k->type)
			return fail(p, k->offset, STIX_ERR_MIXED_TYPES,
			            "comparisons joined by AND must all use one object type, but this OR mixes types");
		if (strcmp(k->type, first->type ? first->type : k->type))
			return fail(p, k->offset, STIX_ERR_MIXED_TYPES,
			            "comparisons joined by AND must all use one object type ('%.60s' and '%.60s')",
			            first->type, k->type);
	}
	struct stix_cmp *c = arena_alloc(p->a, sizeof(*c));
	c->kind = STIX_CMP_AND;
	c->offset = off;
	c->kids = (struct stix_cmp **)kids.v;
	c->nkids = kids.n;
	c->type = first->type;
	*out = c;
	return KR_OK;
}

static int parse_cmp_or(struct parser *p, struct stix_cmp **out)
{
	int rc;
	size_t off = p->tok.off;
	struct stix_cmp *first;
	if ((rc = parse_cmp_and(p, &first)))
		return rc;
	if (p->tok.t != T_OR) {
		*out = first;
		return KR_OK;
	}
	struct plist kids = {0};
	plist_push(p->a, &kids, first);
	const char *type = first->type;
	while (p->tok.t == T_OR) {
		struct stix_cmp *k;
		if ((rc = lex(p)) || (rc = parse_cmp_and(p, &k)))
			return rc;
		plist_push(p->a, &kids, k);
		if (type && (!k->type || strcmp(type, k->type)))
			type = NULL;
	}
	struct stix_cmp *c = arena_alloc(p->a, sizeof(*c));
	c->kind = STIX_CMP_OR;
	c->offset = off;
	c->kids = (struct stix_cmp **)kids.v;
	c->nkids = kids.n;
	c->type = type;
	*out = c;
	return KR_OK;
}

/* ---- observation expressions -------------------------------------------- */

static int parse_obs_followedby(struct parser *p, struct stix_obs **out);

static int parse_qualifier(struct parser *p, struct stix_qual *q)
{
	int rc;
	size_t off = p->tok.off;
	enum tok kw = p->tok.t;
	if ((rc = lex(p)))
		return rc;
	if (kw == T_WITHIN) {
		q->kind = STIX_Q_WITHIN;
		size_t at = p->tok.off;
		if (p->tok.t != T_INT && p->tok.t != T_FLOAT)
			return fail(p, at, STIX_ERR_SYNTAX, "expected a number of seconds after WITHIN, found %s",
			            tok_desc(p));
		if ((rc = parse_primitive(p, &q->a)))
			return rc;
		if ((q->a.kind == STIX_C_INT && q->a.i <= 0) || (q->a.kind == STIX_C_FLOAT && !(q->a.f > 0)))
			return fail(p, at, STIX_ERR_QUALIFIER, "WITHIN needs a positive number of seconds");
		return expect(p, T_SECONDS, "SECONDS after the WITHIN duration");
	}
	if (kw == T_REPEATS) {
		q->kind = STIX_Q_REPEATS;
		size_t at = p->tok.off;
		if (p->tok.t != T_INT)
			return fail(p, at, STIX_ERR_SYNTAX, "expected an integer after REPEATS, found %s",
			            tok_desc(p));
		if ((rc = parse_primitive(p, &q->a)))
			return rc;
		if (q->a.i <= 0)
			return fail(p, at, STIX_ERR_QUALIFIER, "REPEATS needs a positive integer");
		return expect(p, T_TIMES, "TIMES after the REPEATS count");
	}
	q->kind = STIX_Q_STARTSTOP;
	if (p->tok.t != T_TIMESTAMP)
		return fail(p, p->tok.off, STIX_ERR_SYNTAX, "expected a timestamp t'...' after START, found %s",
		            tok_desc(p));
	if ((rc = parse_primitive(p, &q->a)) || (rc = expect(p, T_STOP, "STOP after the START timestamp")))
		return rc;
	size_t at = p->tok.off;
	if (p->tok.t != T_TIMESTAMP)
		return fail(p, at, STIX_ERR_SYNTAX, "expected a timestamp t'...' after STOP, found %s",
		            tok_desc(p));
	if ((rc = parse_primitive(p, &q->b)))
		return rc;
	if (timestamp_cmp(q->a.text, q->b.text) >= 0)
		return fail(p, at, STIX_ERR_QUALIFIER, "STOP must be later than START (qualifier at offset %zu)", off);
	return KR_OK;
}

static int parse_obs_unit(struct parser *p, struct stix_obs **out)
{
	int rc;
	size_t off = p->tok.off;
	struct stix_obs *o;
	if (p->tok.t == T_LBRACK) {
		if (++p->depth > STIX_PATTERN_MAX_DEPTH)
			return fail(p, off, STIX_ERR_LIMIT, "nesting is deeper than %d levels",
			            STIX_PATTERN_MAX_DEPTH);
		o = arena_alloc(p->a, sizeof(*o));
		o->kind = STIX_OBS_CMP;
		o->offset = off;
		if ((rc = lex(p)))
			return rc;
		if (p->tok.t == T_RBRACK)
			return fail(p, p->tok.off, STIX_ERR_SYNTAX, "observation expression '[]' is empty");
		if ((rc = parse_cmp_or(p, &o->cmp)))
			return rc;
		if (p->tok.t != T_RBRACK)
			return fail(p, p->tok.off, STIX_ERR_SYNTAX,
			            "expected ']' to close the observation expression opened at offset %zu, found %s",
			            off, tok_desc(p));
		p->depth--;
		if ((rc = lex(p)))
			return rc;
	} else if (p->tok.t == T_LPAREN) {
		if (++p->depth > STIX_PATTERN_MAX_DEPTH)
			return fail(p, off, STIX_ERR_LIMIT, "nesting is deeper than %d levels",
			            STIX_PATTERN_MAX_DEPTH);
		if ((rc = lex(p)) || (rc = parse_obs_followedby(p, &o)))
			return rc;
		if (p->tok.t != T_RPAREN)
			return fail(p, p->tok.off, STIX_ERR_SYNTAX,
			            "expected ')' to close the '(' at offset %zu, found %s", off, tok_desc(p));
		p->depth--;
		if ((rc = lex(p)))
			return rc;
		if (o->nquals &&
		    (p->tok.t == T_WITHIN || p->tok.t == T_REPEATS || p->tok.t == T_START)) {
			/* Qualifiers on a qualified group stay apart from the inner
			 * ones: "([a] REPEATS 2 TIMES) REPEATS 3 TIMES" is legal. */
			struct stix_obs *g = arena_alloc(p->a, sizeof(*g));
			g->kind = STIX_OBS_GROUP;
			g->offset = off;
			g->kids = arena_alloc(p->a, sizeof(*g->kids));
			g->kids[0] = o;
			g->nkids = 1;
			o = g;
		}
	} else {
		return fail(p, off, STIX_ERR_SYNTAX, "expected '[' or '(' to start an observation expression, found %s",
		            tok_desc(p));
	}
	if (p->tok.t == T_WITHIN || p->tok.t == T_REPEATS || p->tok.t == T_START) {
		size_t n = o->nquals, cap = n;
		struct stix_qual *qs = o->quals;
		while (p->tok.t == T_WITHIN || p->tok.t == T_REPEATS || p->tok.t == T_START) {
			if (n == cap) {
				cap = cap ? cap * 2 : 2;
				struct stix_qual *v = arena_alloc(p->a, cap * sizeof(*v));
				if (n)
					memcpy(v, qs, n * sizeof(*v));
				qs = v;
			}
			size_t qoff = p->tok.off;
			if ((rc = parse_qualifier(p, &qs[n])))
				return rc;
			for (size_t k = 0; k < n; k++)
				if (qs[k].kind == qs[n].kind)
					return fail(p, qoff, STIX_ERR_QUALIFIER,
					            "%s is given twice for the same observation expression",
					            qs[n].kind == STIX_Q_WITHIN    ? "WITHIN"
					            : qs[n].kind == STIX_Q_REPEATS ? "REPEATS"
					                                           : "START/STOP");
			n++;
		}
		o->quals = qs;
		o->nquals = n;
	}
	*out = o;
	return KR_OK;
}

/* One level of the observation operators: operands joined by `op`. */
static int parse_obs_level(struct parser *p, enum tok op, enum stix_obs_kind kind,
                           int (*sub)(struct parser *, struct stix_obs **), struct stix_obs **out)
{
	int rc;
	size_t off = p->tok.off;
	struct stix_obs *first;
	if ((rc = sub(p, &first)))
		return rc;
	if (p->tok.t != op) {
		*out = first;
		return KR_OK;
	}
	struct plist kids = {0};
	plist_push(p->a, &kids, first);
	while (p->tok.t == op) {
		struct stix_obs *k;
		if ((rc = lex(p)) || (rc = sub(p, &k)))
			return rc;
		plist_push(p->a, &kids, k);
	}
	struct stix_obs *o = arena_alloc(p->a, sizeof(*o));
	o->kind = kind;
	o->offset = off;
	o->kids = (struct stix_obs **)kids.v;
	o->nkids = kids.n;
	*out = o;
	return KR_OK;
}

static int parse_obs_and(struct parser *p, struct stix_obs **out)
{
	return parse_obs_level(p, T_AND, STIX_OBS_AND, parse_obs_unit, out);
}

static int parse_obs_or(struct parser *p, struct stix_obs **out)
{
	return parse_obs_level(p, T_OR, STIX_OBS_OR, parse_obs_and, out);
}

static int parse_obs_followedby(struct parser *p, struct stix_obs **out)
{
	return parse_obs_level(p, T_FOLLOWEDBY, STIX_OBS_FOLLOWEDBY, parse_obs_or, out);
}

int stix_pattern_parse(struct arena *a, const char *pattern, size_t len,
                       struct stix_pattern **out, struct stix_error *err)
{
	struct parser p = {.a = a, .s = pattern, .len = len, .err = err};
	struct stix_obs *root = NULL;
	int rc;
	if (out)
		*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (!a || !out || (!pattern && len)) {
		rc = fail(&p, 0, STIX_ERR_SYNTAX, "no pattern given");
		goto done;
	}
	if (len > STIX_PATTERN_MAX_LEN) {
		fail(&p, STIX_PATTERN_MAX_LEN, STIX_ERR_LIMIT, "pattern is longer than %d bytes",
		     STIX_PATTERN_MAX_LEN);
		rc = KR_ETOOBIG;
		goto done;
	}
	size_t bad = utf8_bad_at((const unsigned char *)pattern, len);
	if (bad < len) {
		rc = fail(&p, bad, STIX_ERR_LEXICAL, pattern[bad] ? "pattern is not valid UTF-8"
		                                                 : "pattern contains a NUL byte");
		goto done;
	}
	if ((rc = lex(&p)) || (rc = parse_obs_followedby(&p, &root)))
		goto done;
	if (p.tok.t != T_EOF) {
		rc = fail(&p, p.tok.off, STIX_ERR_SYNTAX,
		          "expected AND, OR, FOLLOWEDBY or a qualifier between observation expressions, found %s",
		          tok_desc(&p));
		goto done;
	}
	struct stix_pattern *pat = arena_alloc(a, sizeof(*pat));
	pat->root = root;
	*out = pat;
	rc = KR_OK;
done:
	return rc;
}

/* ---- printer ------------------------------------------------------------ */

static bool key_is_plain(const char *k)
{
	if (!is_ident_start((unsigned char)k[0]))
		return false;
	for (const char *c = k; *c; c++)
		if (!is_ident_start((unsigned char)*c) && !is_digit((unsigned char)*c))
			return false;
	if (!strcmp(k, "true") || !strcmp(k, "false"))
		return true; /* path_key accepts these unquoted */
	for (size_t i = 0; i < KR_ARRAY_LEN(keywords); i++)
		if (!strcmp(k, keywords[i].word))
			return false;
	/* h'..', b'..', t'..' only start with a quote, so "h" alone is plain. */
	return true;
}

static void print_quoted(struct buf *out, const char *s)
{
	buf_addc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *s);
	}
	buf_addc(out, '\'');
}

static void path_print(const struct stix_path *pa, struct buf *out)
{
	buf_adds(out, pa->type);
	buf_addc(out, ':');
	for (size_t i = 0; i < pa->nsteps; i++) {
		const struct stix_step *st = &pa->steps[i];
		if (st->kind == STIX_STEP_KEY) {
			if (i > 0)
				buf_addc(out, '.');
			if (key_is_plain(st->key))
				buf_adds(out, st->key);
			else
				print_quoted(out, st->key);
		} else if (st->kind == STIX_STEP_ANY) {
			buf_adds(out, "[*]");
		} else {
			buf_printf(out, "[%" PRId64 "]", st->index);
		}
	}
}

static void const_print(const struct stix_const *c, struct buf *out)
{
	switch (c->kind) {
	case STIX_C_STRING: print_quoted(out, c->text); break;
	case STIX_C_INT: buf_printf(out, "%" PRId64, c->i); break;
	case STIX_C_FLOAT: buf_adds(out, c->text); break;
	case STIX_C_BOOL: buf_adds(out, c->b ? "true" : "false"); break;
	case STIX_C_BINARY: buf_printf(out, "b'%s'", c->text); break;
	case STIX_C_HEX: buf_printf(out, "h'%s'", c->text); break;
	case STIX_C_TIMESTAMP: buf_printf(out, "t'%s'", c->text); break;
	case STIX_C_SET:
		buf_addc(out, '(');
		for (size_t i = 0; i < c->nitems; i++) {
			if (i)
				buf_adds(out, ", ");
			const_print(&c->items[i], out);
		}
		buf_addc(out, ')');
		break;
	}
}

static void cmp_print(const struct stix_cmp *c, struct buf *out)
{
	if (c->kind == STIX_CMP_TEST) {
		if (c->op == STIX_OP_EXISTS) {
			buf_adds(out, "EXISTS ");
			path_print(&c->path, out);
			return;
		}
		path_print(&c->path, out);
		buf_printf(out, "%s %s ", c->negated ? " NOT" : "", op_name(c->op));
		const_print(&c->value, out);
		return;
	}
	for (size_t i = 0; i < c->nkids; i++) {
		const struct stix_cmp *k = c->kids[i];
		if (i)
			buf_adds(out, c->kind == STIX_CMP_AND ? " AND " : " OR ");
		if (k->kind != STIX_CMP_TEST)
			buf_addc(out, '(');
		cmp_print(k, out);
		if (k->kind != STIX_CMP_TEST)
			buf_addc(out, ')');
	}
}

static void obs_print(const struct stix_obs *o, bool nested, struct buf *out)
{
	if (o->kind == STIX_OBS_CMP) {
		buf_addc(out, '[');
		cmp_print(o->cmp, out);
		buf_addc(out, ']');
	} else if (o->kind == STIX_OBS_GROUP) {
		buf_addc(out, '(');
		obs_print(o->kids[0], false, out);
		buf_addc(out, ')');
	} else {
		bool paren = nested || o->nquals;
		const char *op = o->kind == STIX_OBS_AND ? " AND " : o->kind == STIX_OBS_OR ? " OR " : " FOLLOWEDBY ";
		if (paren)
			buf_addc(out, '(');
		for (size_t i = 0; i < o->nkids; i++) {
			if (i)
				buf_adds(out, op);
			obs_print(o->kids[i], true, out);
		}
		if (paren)
			buf_addc(out, ')');
	}
	for (size_t i = 0; i < o->nquals; i++) {
		const struct stix_qual *q = &o->quals[i];
		if (q->kind == STIX_Q_WITHIN) {
			buf_adds(out, " WITHIN ");
			const_print(&q->a, out);
			buf_adds(out, " SECONDS");
		} else if (q->kind == STIX_Q_REPEATS) {
			buf_adds(out, " REPEATS ");
			const_print(&q->a, out);
			buf_adds(out, " TIMES");
		} else {
			buf_adds(out, " START ");
			const_print(&q->a, out);
			buf_adds(out, " STOP ");
			const_print(&q->b, out);
		}
	}
}

void stix_pattern_print(const struct stix_pattern *p, struct buf *out)
{
	if (p && p->root)
		obs_print(p->root, false, out);
}

/* ---- equality ----------------------------------------------------------- */

static bool const_equal(const struct stix_const *a, const struct stix_const *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case STIX_C_INT: return a->i == b->i;
	case STIX_C_BOOL: return a->b == b->b;
	case STIX_C_SET:
		if (a->nitems != b->nitems)
			return false;
		for (size_t i = 0; i < a->nitems; i++)
			if (!const_equal(&a->items[i], &b->items[i]))
				return false;
		return true;
	default: return !strcmp(a->text, b->text);
	}
}

static bool path_equal(const struct stix_path *a, const struct stix_path *b)
{
	if (strcmp(a->type, b->type) || a->nsteps != b->nsteps)
		return false;
	for (size_t i = 0; i < a->nsteps; i++) {
		const struct stix_step *x = &a->steps[i], *y = &b->steps[i];
		if (x->kind != y->kind)
			return false;
		if (x->kind == STIX_STEP_KEY && strcmp(x->key, y->key))
			return false;
		if (x->kind == STIX_STEP_INDEX && x->index != y->index)
			return false;
	}
	return true;
}

static bool cmp_equal(const struct stix_cmp *a, const struct stix_cmp *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == STIX_CMP_TEST)
		return a->op == b->op && a->negated == b->negated && path_equal(&a->path, &b->path) &&
		       (a->op == STIX_OP_EXISTS || const_equal(&a->value, &b->value));
	if (a->nkids != b->nkids)
		return false;
	for (size_t i = 0; i < a->nkids; i++)
		if (!cmp_equal(a->kids[i], b->kids[i]))
			return false;
	return true;
}

static bool obs_equal(const struct stix_obs *a, const struct stix_obs *b)
{
	if (a->kind != b->kind || a->nquals != b->nquals || a->nkids != b->nkids)
		return false;
	for (size_t i = 0; i < a->nquals; i++) {
		const struct stix_qual *x = &a->quals[i], *y = &b->quals[i];
		if (x->kind != y->kind || !const_equal(&x->a, &y->a) ||
		    (x->kind == STIX_Q_STARTSTOP && !const_equal(&x->b, &y->b)))
			return false;
	}
	if (a->kind == STIX_OBS_CMP)
		return cmp_equal(a->cmp, b->cmp);
	for (size_t i = 0; i < a->nkids; i++)
		if (!obs_equal(a->kids[i], b->kids[i]))
			return false;
	return true;
}

bool stix_pattern_equal(const struct stix_pattern *a, const struct stix_pattern *b)
{
	if (!a || !b || !a->root || !b->root)
		return a == b;
	return obs_equal(a->root, b->root);
}

/* ---- indicator values ---------------------------------------------------- */

struct values_ctx {
	void (*cb)(void *ud, const char *kind, const char *value);
	void *ud;
	int count;
};

static void emit(struct values_ctx *vc, const char *kind, const struct stix_const *v, bool lower)
{
	if (v->kind != STIX_C_STRING)
		return;
	if (lower) {
		char tmp[129];
		size_t n = strlen(v->text);
		if (n >= sizeof(tmp))
			return;
		for (size_t i = 0; i <= n; i++)
			tmp[i] = (v->text[i] >= 'A' && v->text[i] <= 'Z') ? (char)(v->text[i] + 32) : v->text[i];
		vc->cb(vc->ud, kind, tmp);
	} else {
		vc->cb(vc->ud, kind, v->text);
	}
	vc->count++;
}

static void cmp_values(const struct stix_cmp *c, struct values_ctx *vc)
{
	if (c->kind != STIX_CMP_TEST) {
		for (size_t i = 0; i < c->nkids; i++)
			cmp_values(c->kids[i], vc);
		return;
	}
	if (c->negated || (c->op != STIX_OP_EQ && c->op != STIX_OP_IN))
		return;
	const struct stix_path *pa = &c->path;
	const char *kind = NULL;
	bool lower = false;
	if (path_is(pa, "ipv4-addr", "value", NULL))
		kind = "ipv4-addr";
	else if (path_is(pa, "ipv6-addr", "value", NULL))
		kind = "ipv6-addr";
	else if (path_is(pa, "domain-name", "value", NULL))
		kind = "domain-name";
	else if (path_is(pa, "url", "value", NULL))
		kind = "url";
	else if (path_is(pa, "email-addr", "value", NULL) ||
	         path_is(pa, "email-message", "from_ref", "value"))
		kind = "email-addr";
	else if (path_is(pa, "file", "name", NULL))
		kind = "file-name";
	else if (!strcmp(pa->type, "file") && pa->nsteps == 2 && step_is(&pa->steps[0], "hashes")) {
		int h = path_hash_algo(pa);
		if (h >= 0) {
			kind = hash_algos[h].kind;
			lower = hash_algos[h].hexlen > 0;
		}
	}
	if (!kind)
		return;
	if (c->value.kind == STIX_C_SET) {
		for (size_t i = 0; i < c->value.nitems; i++)
			emit(vc, kind, &c->value.items[i], lower);
	} else {
		emit(vc, kind, &c->value, lower);
	}
}

static void obs_values(const struct stix_obs *o, struct values_ctx *vc)
{
	if (o->kind == STIX_OBS_CMP) {
		cmp_values(o->cmp, vc);
		return;
	}
	for (size_t i = 0; i < o->nkids; i++)
		obs_values(o->kids[i], vc);
}

int stix_pattern_values(const struct stix_pattern *p,
                        void (*cb)(void *ud, const char *kind, const char *value), void *ud)
{
	if (!p || !p->root || !cb)
		return KR_EINVAL;
	struct values_ctx vc = {cb, ud, 0};
	obs_values(p->root, &vc);
	return vc.count;
}
