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
 *  - joiners . - _ : (folded, so full-width ones too): see compounds below;
 *    like everything else that is not a word or CJK (spaces, punctuation,
 *    / @, symbols, emoji, invalid UTF-8 bytes) they separate tokens.
 *
 * Compounds.  Indicators are what a CSIRT searches for: IP addresses
 * (203.0.113.66, 2001:db8::1), domains (evil-host.example.com), CVE ids
 * (CVE-2021-44228), versions (1.2.3), times and dates.  Their parts (203,
 * 0, 113, 66) are in nearly every document of a large site, so a phrase of
 * parts walks huge posting lists; the compound as one token has a short
 * one.  A compound is two or more "parts" - words of 1..TOK_MAX ASCII
 * letters and digits only - each joined to the next by exactly one of
 * . - _ : or "::" (IPv6).  A joiner counts only between two parts: in
 * "end." or "...", "-x", "a..b" there is no compound; "é" or a CJK
 * character next to a part ends the compound ("障害203.0.113.66発生" holds
 * the compound 203.0.113.66).  "/" and "@" are not joiners: in
 * "https://www.example.com/login" the compound is www.example.com, in
 * "soc@example.org" it is example.org, in "192.0.2.0/24" it is 192.0.2.0.
 * A compound token is its folded text with the joiners as written
 * (lower-cased: "CVE-2021-44228" -> cve-2021-44228), so it holds
 * [a-z0-9] and . - _ : and begins and ends with a letter or digit.
 *  - Documents keep every part as a token at its own position (so "113",
 *    "example" and phrases of parts find what they always found) and add,
 *    colocated with the part where each one ends: every prefix of two
 *    parts or more (cve-2021, cve-2021-44228) and, when the compound ends,
 *    every suffix of two parts or more (example.com of www.example.com).
 *    Each only when it fits in TOK_MAX bytes.  So "CVE-2021" finds
 *    CVE-2021-44228 and "example.com" finds www.example.com as before;
 *    an inner stretch ("0.113" in 203.0.113.66, "example.co" in
 *    www.example.co.jp) is no longer found - the price of short lists.
 *  - Queries (TOK_QUERY) get a compound that fits in TOK_MAX as its one
 *    token, instead of its parts; a longer one as its parts.  FTS5 hands
 *    the quoted strings of a MATCH expression to the tokenizer in query
 *    mode, so "203.0.113.66" there is that one token and "203 0 113 66"
 *    the phrase of parts - the builders below write either on purpose.
 *
 * Everything here is a pure function over bytes: any input (including
 * invalid UTF-8 and NUL bytes) is safe, and tokens are always valid UTF-8
 * without spaces, quotes or other ASCII punctuation than the joiners
 * . - _ : of compound tokens. */
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
	TOK_DOC,   /* indexing: CJK runs also end with their last unigram;
		    * compounds add their prefixes and suffixes */
	TOK_QUERY, /* searching: bigrams only (a lone CJK character: unigram);
		    * a compound is one token */
};

struct tok {
	const char *text; /* folded token, valid UTF-8, not NUL-terminated */
	size_t len;       /* 1..TOK_MAX */
	size_t start;     /* byte offsets of the source span in the input */
	size_t end;
	bool colocated;   /* same position as the previous token */
	bool cjk_single;  /* a CJK unigram (query: candidate for prefix search) */
	bool compound;    /* parts and joiners (203.0.113.66), see above */
};

/* Called once per token; return 0 to go on, anything else to stop (that
 * value is then returned by tokenize()).  t and t->text are only valid
 * during the call. */
typedef int (*tok_cb)(void *ctx, const struct tok *t);

/* Tokenize n bytes of s.  Returns 0, or the first non-zero callback result. */
int tokenize(const char *s, size_t n, enum tok_mode mode, tok_cb cb, void *ctx);

/* Query building.  A user's query is split into query words at whitespace
 * and at punctuation other than the connectors . - _ : / @ (so
 * "example.com", "CVE-2021-1234" and "https://www.example.com/x" stay one
 * word, "障害、攻撃" is two); all words must match (AND).  A word that is
 * one compound (203.0.113.66, cve-2021-44228) searches that one token.
 * Any other word searches its query-mode tokens as a phrase (consecutive
 * positions), with each compound in it written as its parts, AND each of
 * its compounds as a token: "soc@example.org" is the phrase soc example
 * org AND the token example.org, so "192.0.2.1" does not match
 * "192.0.2.10" and "CVE-2021-1234" not "CVE-2021-12345".  A word ending in
 * a lone CJK character searches it as a prefix (障 finds 障害).  At most
 * TOK_QUERY_WORDS words are used; the rest of the query is ignored.
 * Operators in the input (OR, NOT, NEAR, *, ", ^, parentheses, -, :) are
 * never operators: they are punctuation, joiners inside a token, or plain
 * words, because only tokens reach the output, always inside quotes. */
#define TOK_QUERY_WORDS 32

/* FTS5 MATCH expression, e.g. "障害" AND "203.0.113.66" AND "障"* AND
 * "soc example org" AND "example.org".
 * Allocated in a; NULL when the query has no searchable token (the caller
 * answers "no results" without running the search). */
char *tok_query_fts5(struct arena *a, const char *q, size_t n);

/* PostgreSQL tsquery literal (input of ::tsquery, no parser involved), e.g.
 * '障害' & '203.0.113.66' & '障':* & ( 'soc' <-> 'example' <-> 'org' ) &
 * 'example.org'.  NULL as above. */
char *tok_query_tsquery(struct arena *a, const char *q, size_t n);

/* PostgreSQL tsvector literal of a document (input of ::tsvector), with
 * explicit positions so colocated unigrams share their bigram's position
 * exactly as in FTS5, e.g. 'システム':1 ... ; "" for a text without
 * tokens.  Positions stop at 16383 (PostgreSQL's maximum) and the literal
 * at about 900 KB (under the 1 MB tsvector limit): later tokens of a huge
 * document are not indexed. */
char *tok_doc_tsvector(struct arena *a, const char *s, size_t n);

#endif
