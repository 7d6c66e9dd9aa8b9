/* tokenize.c - CJK-bigram / Latin-word tokenizer and the query builders for
 * FTS5 and PostgreSQL (see tokenize.h for the rules and why). */
#include "lib/tokenize.h"

#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"

#define BAD_CP 0xFFFFFFFFu

enum cls { C_SEP, C_CONN, C_WORD, C_CJK };

struct fch {
	uint32_t cp;  /* folded code point, BAD_CP for an invalid byte */
	size_t start; /* source span */
	size_t end;
};

/* Decode one code point at s[i]; strict (no overlongs, surrogates or values
 * past U+10FFFF).  An invalid sequence consumes one byte. */
static size_t utf8_decode(const unsigned char *s, size_t n, size_t i, uint32_t *cp)
{
	unsigned c = s[i];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		*cp = BAD_CP;
		return 1;
	}
	if (n - i < len) {
		*cp = BAD_CP;
		return 1;
	}
	for (size_t k = 1; k < len; k++) {
		unsigned d = s[i + k];
		if ((d & 0xC0) != 0x80) {
			*cp = BAD_CP;
			return 1;
		}
		v = (v << 6) | (d & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = BAD_CP;
		return 1;
	}
	*cp = v;
	return len;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Half-width katakana U+FF61..U+FF9F -> full-width (NFKC). */
static const uint16_t halfwidth_kana[] = {
	0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, /* FF61.. */
	0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, /* FF69.. */
	0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, /* FF71.. */
	0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, /* FF79.. */
	0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, /* FF81.. */
	0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE, 0x30DF, /* FF89.. */
	0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, 0x30EA, /* FF91.. */
	0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x3099, 0x309A,         /* FF99.. */
};

/* The katakana that take the voiced mark by adding 1 (カ->ガ ... ト->ド). */
static bool voiceable(uint32_t k)
{
	static const uint16_t v[] = {0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7,
				     0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6,
				     0x30C8, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i] == k)
			return true;
	return false;
}

static bool is_hahifuheho(uint32_t k)
{
	return k == 0x30CF || k == 0x30D2 || k == 0x30D5 || k == 0x30D8 || k == 0x30DB;
}

/* Read and fold one character at s[i]; returns the index after it. */
static size_t next_char(const unsigned char *s, size_t n, size_t i, struct fch *c)
{
	uint32_t cp;
	size_t len = utf8_decode(s, n, i, &cp);
	c->start = i;
	c->end = i + len;
	if (cp == BAD_CP) {
		c->cp = BAD_CP;
		return c->end;
	}
	if (cp >= 'A' && cp <= 'Z') {
		cp += 0x20;
	} else if (cp >= 0xFF01 && cp <= 0xFF5E) { /* full-width ASCII */
		cp -= 0xFEE0;
		if (cp >= 'A' && cp <= 'Z')
			cp += 0x20;
	} else if (cp == 0x3000) {
		cp = ' ';
	} else if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) { /* Latin-1 upper */
		cp += 0x20;
	} else if (cp >= 0xFF61 && cp <= 0xFF9F) {
		cp = halfwidth_kana[cp - 0xFF61];
		/* Compose a following half-width voiced / semi-voiced mark. */
		if (c->end < n) {
			uint32_t m;
			size_t ml = utf8_decode(s, n, c->end, &m);
			uint32_t composed = 0;
			if (m == 0xFF9E) {
				if (voiceable(cp))
					composed = cp + 1;
				else if (cp == 0x30A6)
					composed = 0x30F4; /* ヴ */
				else if (cp == 0x30EF)
					composed = 0x30F7;
				else if (cp == 0x30F2)
					composed = 0x30FA;
			} else if (m == 0xFF9F && is_hahifuheho(cp)) {
				composed = cp + 2;
			}
			if (composed) {
				cp = composed;
				c->end += ml;
			}
		}
	}
	c->cp = cp;
	return c->end;
}

static enum cls classify(uint32_t c)
{
	if (c == BAD_CP)
		return C_SEP;
	if (c < 0x80) {
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			return C_WORD;
		if (c == '.' || c == '-' || c == '_' || c == ':' || c == '/' || c == '@')
			return C_CONN;
		return C_SEP;
	}
	/* The common cases first: kanji, then kana. */
	if (c >= 0x4E00 && c <= 0x9FFF)
		return C_CJK;
	if (c >= 0x3041 && c <= 0x30FF)
		return c == 0x30FB ? C_SEP : C_CJK;
	/* CJK: ideographs, kana, Hangul. */
	if ((c >= 0x3005 && c <= 0x3007) || (c >= 0x3021 && c <= 0x3029) ||
	    (c >= 0x3031 && c <= 0x3035) || c == 0x303B || c == 0x303C ||
	    (c >= 0x3041 && c <= 0x30FF && c != 0x30FB) || (c >= 0x31F0 && c <= 0x31FF) ||
	    (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
	    (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F) ||
	    (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) ||
	    (c >= 0x3131 && c <= 0x318E))
		return C_CJK;
	/* Separators: Latin-1 punctuation, general punctuation and symbols,
	 * CJK punctuation, full-width/half-width punctuation, specials,
	 * private use, emoji and other pictographs. */
	if (c <= 0xBF || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x2BFF) ||
	    (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F) || c == 0x30FB ||
	    (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE00 && c <= 0xFE6F) ||
	    (c >= 0xFF00 && c <= 0xFF65) || (c >= 0xFFF0 && c <= 0xFFFF) ||
	    (c >= 0x1F000 && c <= 0x1FAFF) || c >= 0xE0000)
		return C_SEP;
	return C_WORD;
}

/* Emit a token made of the given code points. */
static int emit(tok_cb cb, void *ctx, const uint32_t *cps, size_t ncp, size_t start, size_t end,
		bool colocated, bool single)
{
	char b[16];
	size_t len = 0;
	for (size_t i = 0; i < ncp; i++)
		len += utf8_encode(cps[i], b + len);
	struct tok t = {b, len, start, end, colocated, single, false};
	return cb(ctx, &t);
}

/* ---- compounds: ASCII words joined by . - _ : or :: (see tokenize.h) ---- */

static bool is_joiner(uint32_t c) { return c == '.' || c == '-' || c == '_' || c == ':'; }

/* The word at s[i] as a compound part: its length in characters (= folded
 * bytes, all ASCII) when it is 1..TOK_MAX ASCII letters and digits up to
 * the end of its word run, 0 otherwise.  *end: the byte after it. */
static size_t part_at(const unsigned char *s, size_t n, size_t i, size_t *end)
{
	size_t cnt = 0;
	struct fch c;
	while (i < n) {
		size_t next = next_char(s, n, i, &c);
		if (classify(c.cp) != C_WORD)
			break;
		if (c.cp >= 0x80 || ++cnt > TOK_MAX)
			return 0;
		i = next;
	}
	*end = i;
	return cnt;
}

/* After a part ending at s[i]: when a joiner and another part follow, the
 * joiner's folded text (1 or 2 bytes) in jt/jl and the next part's start;
 * 0 when the compound ends here. */
static size_t joiner_at(const unsigned char *s, size_t n, size_t i, char jt[2], size_t *jl)
{
	struct fch c;
	if (i >= n)
		return 0;
	size_t p = next_char(s, n, i, &c);
	if (!is_joiner(c.cp))
		return 0;
	jt[0] = (char)c.cp;
	*jl = 1;
	if (c.cp == ':' && p < n) {
		struct fch d;
		size_t q = next_char(s, n, p, &d);
		if (d.cp == ':') { /* IPv6 "::" */
			jt[1] = ':';
			*jl = 2;
			p = q;
		}
	}
	size_t end;
	return part_at(s, n, p, &end) ? p : 0;
}

/* The folded text of s[from..to) (a stretch of a compound: ASCII only),
 * at most TOK_MAX bytes into out; returns its length. */
static size_t fold_span(const unsigned char *s, size_t from, size_t to, char *out)
{
	size_t len = 0;
	struct fch c;
	while (from < to && len < TOK_MAX) {
		from = next_char(s, to, from, &c);
		out[len++] = (char)c.cp;
	}
	return len;
}

/* A compound being read in a document.  A suffix of at most TOK_MAX bytes
 * has at most TOK_MAX / 2 parts (a part and its joiner take 2 bytes or
 * more), so the ring remembers enough parts for every suffix token. */
#define RUN_RING (TOK_MAX / 2 + 2)

struct run {
	size_t k;          /* parts so far; 0: no compound under way */
	size_t expect;     /* where the next part starts */
	char jt[2];        /* the joiner before it */
	size_t jl;
	size_t flen;       /* folded length so far */
	size_t start;      /* source offset of the first part */
	char pre[TOK_MAX]; /* the first TOK_MAX folded bytes */
	struct {
		size_t src, foff; /* source start, offset in the folded text */
	} ring[RUN_RING];
};

static void run_add(struct run *r, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++, r->flen++)
		if (r->flen < TOK_MAX)
			r->pre[r->flen] = p[i];
}

/* The compound ended with the part that ended at source offset end:
 * every suffix of two parts or more that fits in TOK_MAX (the whole one
 * was the last prefix), colocated with that last part. */
static int run_suffixes(const unsigned char *s, struct run *r, size_t end, tok_cb cb, void *ctx)
{
	if (r->k < 3)
		return 0;
	size_t first = r->k > RUN_RING ? r->k - RUN_RING : 1;
	while (first <= r->k - 2 && r->flen - r->ring[first % RUN_RING].foff > TOK_MAX)
		first++;
	if (first > r->k - 2)
		return 0;
	char b[TOK_MAX];
	size_t base = r->ring[first % RUN_RING].foff;
	size_t len = fold_span(s, r->ring[first % RUN_RING].src, end, b);
	for (size_t j = first; j <= r->k - 2; j++) {
		size_t off = r->ring[j % RUN_RING].foff - base;
		struct tok t = {b + off, len - off, r->ring[j % RUN_RING].src, end, true, false, true};
		int rc = cb(ctx, &t);
		if (rc)
			return rc;
	}
	return 0;
}

/* Query mode: the compound starting at s[i] as one token when it has two
 * parts or more and fits in TOK_MAX.  Returns the callback's result;
 * *end is where the compound ends (when it has one part or is too long,
 * nothing is emitted and the caller tokenizes its parts one by one). */
static int query_compound(const unsigned char *s, size_t n, size_t i, tok_cb cb, void *ctx, size_t *end,
			  bool *emitted)
{
	size_t k = 0, flen = 0, pend = i, p = i;
	char jt[2];
	size_t jl = 0;
	*emitted = false;
	for (;;) {
		size_t cnt = part_at(s, n, p, &pend);
		if (!cnt)
			break;
		flen += (k ? jl : 0) + cnt;
		k++;
		size_t nx = joiner_at(s, n, pend, jt, &jl);
		if (!nx)
			break;
		p = nx;
	}
	*end = pend;
	if (k < 2 || flen > TOK_MAX)
		return 0;
	char b[TOK_MAX];
	size_t len = fold_span(s, i, pend, b);
	struct tok t = {b, len, i, pend, false, false, true};
	*emitted = true;
	return cb(ctx, &t);
}

int tokenize(const char *src, size_t n, enum tok_mode mode, tok_cb cb, void *ctx)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;
	size_t plain_until = 0; /* query: inside a compound too long to be one token */
	struct fch c;
	struct run run;
	int rc;
	if (!s)
		return 0;
	run.k = 0;
	while (i < n) {
		size_t next = next_char(s, n, i, &c);
		enum cls k = classify(c.cp);
		if (k == C_WORD) {
			if (mode == TOK_QUERY && c.start >= plain_until && c.cp < 0x80) {
				size_t cend;
				bool emitted;
				if ((rc = query_compound(s, n, c.start, cb, ctx, &cend, &emitted)))
					return rc;
				if (emitted) {
					i = cend;
					continue;
				}
				plain_until = cend;
			}
			char w[TOK_MAX];
			size_t wl = 0, wstart = c.start, wend = c.end;
			bool full = false, ascii = true;
			for (;;) {
				char e[4];
				size_t el = utf8_encode(c.cp, e);
				if (c.cp >= 0x80)
					ascii = false;
				if (!full && wl + el <= TOK_MAX) {
					memcpy(w + wl, e, el);
					wl += el;
				} else {
					full = true; /* cut at a character boundary, for good */
				}
				wend = c.end;
				i = next;
				if (i >= n)
					break;
				next = next_char(s, n, i, &c);
				if (classify(c.cp) != C_WORD)
					break;
			}
			struct tok t = {w, wl, wstart, wend, false, false, false};
			if ((rc = cb(ctx, &t)))
				return rc;
			if (mode != TOK_DOC)
				continue;
			if (!ascii || full) {
				run.k = 0;
				continue;
			}
			/* A compound part: extend the compound (its joiner was
			 * checked when the previous part ended) or begin one. */
			if (run.k && run.expect == wstart) {
				run_add(&run, run.jt, run.jl);
			} else {
				run.k = 0;
				run.flen = 0;
				run.start = wstart;
			}
			run.ring[run.k % RUN_RING].src = wstart;
			run.ring[run.k % RUN_RING].foff = run.flen;
			run_add(&run, w, wl);
			run.k++;
			if (run.k >= 2 && run.flen <= TOK_MAX) {
				struct tok pt = {run.pre, run.flen, run.start, wend, true, false, true};
				if ((rc = cb(ctx, &pt)))
					return rc;
			}
			run.expect = joiner_at(s, n, i, run.jt, &run.jl);
			if (!run.expect) {
				if ((rc = run_suffixes(s, &run, wend, cb, ctx)))
					return rc;
				run.k = 0;
			}
		} else if (k == C_CJK) {
			run.k = 0;
			struct fch prev = c;
			size_t count = 1;
			i = next;
			while (i < n) {
				next = next_char(s, n, i, &c);
				if (classify(c.cp) != C_CJK)
					break;
				uint32_t bi[2] = {prev.cp, c.cp};
				if ((rc = emit(cb, ctx, bi, 2, prev.start, c.end, false, false)))
					return rc;
				prev = c;
				count++;
				i = next;
			}
			if (count == 1 || mode == TOK_DOC) {
				rc = emit(cb, ctx, &prev.cp, 1, prev.start, prev.end, count > 1,
					  count == 1);
				if (rc)
					return rc;
			}
		} else {
			i = next;
		}
	}
	return 0;
}

/* ---- query and document builders ---- */

struct word_toks {
	struct buf *out;   /* the word's phrase: its tokens, compounds as their parts */
	struct buf *extra; /* " AND \"compound\"" for each compound in the word */
	size_t ntok;       /* tokens in the phrase */
	size_t ncompound;
	size_t ntoks_seen; /* tokens the tokenizer gave */
	bool last_single;
	bool pg;
};

static void add_quoted_pg(struct buf *b, const char *p, size_t n)
{
	buf_addc(b, '\'');
	for (size_t i = 0; i < n; i++) {
		/* Tokens never hold these; escape anyway so the literal cannot break. */
		if (p[i] == '\'' || p[i] == '\\')
			buf_addc(b, p[i] == '\'' ? '\'' : '\\');
		buf_addc(b, p[i]);
	}
	buf_addc(b, '\'');
}

static void phrase_add(struct word_toks *w, const char *p, size_t n)
{
	if (w->ntok)
		buf_adds(w->out, w->pg ? " <-> " : " ");
	if (w->pg)
		add_quoted_pg(w->out, p, n);
	else
		buf_add(w->out, p, n);
	w->ntok++;
}

static int word_tok_cb(void *ctx, const struct tok *t)
{
	struct word_toks *w = ctx;
	w->ntoks_seen++;
	w->last_single = t->cjk_single;
	if (!t->compound) {
		phrase_add(w, t->text, t->len);
		return 0;
	}
	/* The phrase keeps the parts (they stand next to each other in the
	 * document) and the compound itself is searched too: its short list
	 * is what makes the search fast. */
	size_t from = 0;
	for (size_t i = 0; i <= t->len; i++)
		if (i == t->len || is_joiner((unsigned char)t->text[i])) {
			if (i > from)
				phrase_add(w, t->text + from, i - from);
			from = i + 1;
		}
	buf_adds(w->extra, w->pg ? " & " : " AND ");
	if (w->pg) {
		add_quoted_pg(w->extra, t->text, t->len);
	} else {
		buf_addc(w->extra, '"');
		buf_add(w->extra, t->text, t->len);
		buf_addc(w->extra, '"');
	}
	w->ncompound++;
	return 0;
}

static char *build_query(struct arena *a, const char *q, size_t n, bool pg)
{
	const unsigned char *s = (const unsigned char *)q;
	struct buf out = BUF_INIT, phrase = BUF_INIT, extra = BUF_INIT;
	size_t i = 0, words = 0;
	char *res = NULL;
	if (!q)
		return NULL;
	while (i < n && words < TOK_QUERY_WORDS) {
		struct fch c;
		size_t next = next_char(s, n, i, &c);
		if (classify(c.cp) == C_SEP) {
			i = next;
			continue;
		}
		size_t ws = c.start, we = c.end;
		i = next;
		while (i < n) {
			next = next_char(s, n, i, &c);
			if (classify(c.cp) == C_SEP)
				break;
			we = c.end;
			i = next;
		}
		buf_reset(&phrase);
		buf_reset(&extra);
		struct word_toks w = {&phrase, &extra, 0, 0, 0, false, pg};
		tokenize(q + ws, we - ws, TOK_QUERY, word_tok_cb, &w);
		if (!w.ntok)
			continue;
		if (words++)
			buf_adds(&out, pg ? " & " : " AND ");
		if (w.ntoks_seen == 1 && w.ncompound == 1) {
			/* The word is one compound: its token alone (extra
			 * without its leading " AND " / " & "). */
			buf_add(&out, extra.p + (pg ? 3 : 5), extra.len - (pg ? 3 : 5));
			continue;
		}
		if (pg) {
			if (w.ntok > 1)
				buf_adds(&out, "( ");
			buf_add(&out, phrase.p, phrase.len);
			if (w.last_single)
				buf_adds(&out, ":*");
			if (w.ntok > 1)
				buf_adds(&out, " )");
		} else {
			buf_addc(&out, '"');
			buf_add(&out, phrase.p, phrase.len);
			buf_addc(&out, '"');
			if (w.last_single)
				buf_addc(&out, '*');
		}
		buf_add(&out, extra.p, extra.len);
	}
	if (words)
		res = arena_strndup(a, out.p, out.len);
	buf_free(&out);
	buf_free(&phrase);
	buf_free(&extra);
	return res;
}

char *tok_query_fts5(struct arena *a, const char *q, size_t n) { return build_query(a, q, n, false); }

char *tok_query_tsquery(struct arena *a, const char *q, size_t n) { return build_query(a, q, n, true); }

#define TSV_MAXPOS 16383
#define TSV_MAXLEN (900 * 1024)

struct tsv_state {
	struct buf *out;
	unsigned pos;
};

static int tsv_cb(void *ctx, const struct tok *t)
{
	struct tsv_state *st = ctx;
	if (!t->colocated) {
		if (st->pos >= TSV_MAXPOS)
			return 1;
		st->pos++;
	}
	if (st->out->len + t->len + 16 > TSV_MAXLEN)
		return 1;
	if (st->out->len)
		buf_addc(st->out, ' ');
	add_quoted_pg(st->out, t->text, t->len);
	char num[8];
	size_t k = sizeof num;
	unsigned p = st->pos;
	do
		num[--k] = (char)('0' + p % 10);
	while ((p /= 10) && k > 1);
	num[--k] = ':';
	buf_add(st->out, num + k, sizeof num - k);
	return 0;
}

char *tok_doc_tsvector(struct arena *a, const char *s, size_t n)
{
	struct buf out = BUF_INIT;
	struct tsv_state st = {&out, 0};
	tokenize(s, n, TOK_DOC, tsv_cb, &st);
	char *res = arena_strndup(a, out.p ? out.p : "", out.len);
	buf_free(&out);
	return res;
}
