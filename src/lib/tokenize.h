/* tokenize.h - the one text tokenizer behind keyword search, on both engines.
 *
 * Japanese has no spaces between words and most of its words are two
 * characters long (障害, 攻撃), so CJK text is indexed as overlapping
 * character bigrams; Latin text as whole lower-cased words.  The same
 * function tokenizes documents and queries, so both sides always agree.
 *
 * Folding (a small NFKC subset that needs no ICU): full-width ASCII
 * (ＡＢＣ１２３＠) becomes ASCII, half-width katakana (ｶﾞｲﾄﾞ) becomes
 * full-width with the voiced marks composed (ガイド), the ideographic space
 * is a space, ASCII and Latin-1 letters are lower-cased.
 *
 * Classes of (folded) characters:
 *  - CJK: kanji (incl. extensions and compatibility ideographs), hiragana,
 *    katakana incl. ー, 々〆〇, Hangul.  A run of n >= 2 CJK characters
 *    yields the n-1 overlapping bigrams at consecutive positions; a document
 *    also yields the run's last character as a unigram at the same position
 *    as the last bigram, so every character begins some token and a
 *    one-character query (prefix search "障"*) finds it anywhere.  A run of
 *    one character yields that unigram.
 *  - word: ASCII letters/digits and other non-ASCII letters (accented
 *    Latin, Greek, Cyrillic...).  A run is one token, cut to TOK_MAX bytes.
 *  - everything else (spaces, punctuation, symbols, emoji, invalid UTF-8
 *    bytes) separates tokens and is never part of one.
 *
 * Decision on ".-_:/@": they separate tokens, like all punctuation, rather
 * than being kept inside words.  "www.example.com" is indexed as the
 * consecutive tokens www example com, "CVE-2021-1234" as cve 2021 1234,
 * "192.0.2.1" as 192 0 2 1.  The query side keeps such a compound together
 * as ONE query word and searches its tokens as a phrase (consecutive
 * positions), so "CVE-2021-1234" does not match "CVE-2021-12345",
 * "192.0.2.1" does not match "192.0.2.10", and in addition "example.com"
 * finds "https://www.example.com/login" and "user@example.com" - which
 * whole-compound tokens could not do.  Both engines support phrases with
 * positions (FTS5 phrases; PostgreSQL's <-> operator), so results are the
 * same on both.
 *
 * Everything here is a pure function over bytes: any input (including
 * invalid UTF-8 and NUL bytes) is safe, and tokens are always valid UTF-8
 * without spaces, quotes or other ASCII punctuation. */
#ifndef KR_TOKENIZE_H
#define KR_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* Longest token in bytes; longer words are cut at a character boundary
 * (identically for documents and queries).  128 keeps a SHA-512 hex digest
 * whole. */
#define TOK_MAX 128

enum tok_mode {
	TOK_DOC,   /* indexing: CJK runs also end with their last unigram */
	TOK_QUERY, /* searching: bigrams only (a lone CJK character: unigram) */
};

struct tok {
	const char *text; /* folded token, valid UTF-8, not NUL-terminated */
	size_t len;       /* 1..TOK_MAX */
	size_t start;     /* byte offsets of the source span in the input */
	size_t end;
	bool colocated;   /* same position as the previous token */
	bool cjk_single;  /* a CJK unigram (query: candidate for prefix search) */
};

/* Called once per token; return 0 to go on, anything else to stop (that
 * value is then returned by tokenize()).  t and t->text are only valid
 * during the call. */
typedef int (*tok_cb)(void *ctx, const struct tok *t);

/* Tokenize n bytes of s.  Returns 0, or the first non-zero callback result. */
int tokenize(const char *s, size_t n, enum tok_mode mode, tok_cb cb, void *ctx);

/* Query building.  A user's query is split into query words at whitespace
 * and at punctuation other than the compound connectors . - _ : / @ (so
 * "example.com" and "CVE-2021-1234" stay one word, "障害、攻撃" is two);
 * each word's query-mode tokens form a phrase, and all phrases must match
 * (AND).  A word ending in a lone CJK character searches it as a prefix
 * (障 finds 障害).  At most TOK_QUERY_WORDS words are used; the rest of
 * the query is ignored.  Operators in the input (OR, NOT, NEAR, *, ", ^,
 * parentheses, -, :) are never operators: they are punctuation or plain
 * words, because only tokens (which contain no punctuation) reach the
 * output, always inside quotes. */
#define TOK_QUERY_WORDS 32

/* FTS5 MATCH expression, e.g. "障害" AND "example com" AND "障"*.
 * Allocated in a; NULL when the query has no searchable token (the caller
 * answers "no results" without running the search). */
char *tok_query_fts5(struct arena *a, const char *q, size_t n);

/* PostgreSQL tsquery literal (input of ::tsquery, no parser involved), e.g.
 * '障害' & ( 'example' <-> 'com' ) & '障':*.  NULL as above. */
char *tok_query_tsquery(struct arena *a, const char *q, size_t n);

/* PostgreSQL tsvector literal of a document (input of ::tsvector), with
 * explicit positions so colocated unigrams share their bigram's position
 * exactly as in FTS5, e.g. 'システム':1 ... ; "" for a text without
 * tokens.  Positions stop at 16383 (PostgreSQL's maximum) and the literal
 * at about 900 KB (under the 1 MB tsvector limit): later tokens of a huge
 * document are not indexed. */
char *tok_doc_tsvector(struct arena *a, const char *s, size_t n);

#endif
