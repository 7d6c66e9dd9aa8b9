/* fuzz_tokenize.c - libFuzzer target for lib/tokenize and the search query
 * builders: any bytes must tokenize into valid, punctuation-free UTF-8
 * tokens inside the input's bounds, query tokens must survive being
 * tokenized again (FTS5 re-tokenizes the quoted phrases we hand it),
 * compound tokens must be well formed (parts joined by . - _ : or ::),
 * every MATCH expression built from the input must be accepted by a real
 * FTS5 table using the kairan tokenizer, and a document must be found by
 * the query made of its own text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/tokenize.h"
#include "store/db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
			     : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (!len || n - i < len)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

struct check {
	size_t n;
	size_t count;
	enum tok_mode mode;
	const struct tok *first; /* for the re-tokenizing check */
	bool same;
};

static int same_cb(void *ctx, const struct tok *t)
{
	struct check *c = ctx;
	c->count++;
	if (c->count == 1)
		c->same = t->len == c->first->len && memcmp(t->text, c->first->text, t->len) == 0;
	return 0;
}

static int check_cb(void *ctx, const struct tok *t)
{
	struct check *c = ctx;
	if (t->len == 0 || t->len > TOK_MAX || t->start >= t->end || t->end > c->n)
		abort();
	if (t->colocated && (c->count == 0 || c->mode != TOK_DOC))
		abort();
	if (!valid_utf8((const unsigned char *)t->text, t->len))
		abort();
	bool prev_joiner = true; /* no joiner first */
	size_t joiners = 0;
	for (size_t i = 0; i < t->len; i++) {
		unsigned char ch = (unsigned char)t->text[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		if (ch >= 0x80 && t->compound)
			abort(); /* compounds are ASCII */
		if (ch < 0x80 && !alnum) {
			if (!t->compound || !(ch == '.' || ch == '-' || ch == '_' || ch == ':'))
				abort();
			/* Between parts; only ":" may come twice ("::"). */
			if (prev_joiner && !(ch == ':' && i > 1 && t->text[i - 1] == ':' &&
					     t->text[i - 2] != ':'))
				abort();
			joiners++;
			prev_joiner = true;
		} else {
			prev_joiner = false;
		}
	}
	if (t->compound && (prev_joiner || !joiners))
		abort();
	/* Documents put compounds next to a part, queries never do. */
	if (t->compound && t->colocated != (c->mode == TOK_DOC))
		abort();
	c->count++;
	if (c->mode == TOK_QUERY) {
		/* A query token tokenizes to itself, alone. */
		struct check again = {t->len, 0, TOK_QUERY, t, false};
		tokenize(t->text, t->len, TOK_QUERY, same_cb, &again);
		if (again.count != 1 || !again.same)
			abort();
	}
	return 0;
}

static struct db *fuzz_db(void)
{
	static struct db *db;
	if (!db) {
		if (db_open(":memory:", &db) != KR_OK)
			abort();
		if (db_exec(db, "CREATE VIRTUAL TABLE f_fts USING fts5(title, body, tokenize='kairan');"
				" INSERT INTO f_fts(rowid, title, body) VALUES"
				" (1, '障害', 'システム障害 example.com 192.0.2.1')") != KR_OK)
			abort();
	}
	return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	for (int m = 0; m < 2; m++) {
		struct check c = {size, 0, m ? TOK_QUERY : TOK_DOC, NULL, false};
		tokenize(s, size, c.mode, check_cb, &c);
	}
	struct arena *a = arena_new();
	const char *q = tok_query_fts5(a, s, size);
	const char *tq = tok_query_tsquery(a, s, size);
	const char *dv = tok_doc_tsvector(a, s, size);
	if ((q == NULL) != (tq == NULL) || !dv)
		abort();
	/* Indexing the input as a document must work too. */
	bool indexed = false;
	if (size <= 4096) {
		struct db_stmt *st;
		if (db_prepare(fuzz_db(), "INSERT INTO f_fts(rowid, title, body) VALUES (2, ?1, ?1)", &st) !=
		    KR_OK)
			abort();
		db_bind_textn(st, 1, s, size);
		int rc = db_step(st);
		db_done(st);
		if (rc != KR_DONE)
			abort();
		indexed = true;
	}
	if (q) {
		if (!valid_utf8((const unsigned char *)q, strlen(q)))
			abort();
		/* The real parser must accept it, and the input itself (when
		 * indexed, with NULs cut: SQLite text ends there) matches. */
		bool self = indexed && !memchr(s, 0, size);
		struct db_stmt *st;
		if (db_prepare(fuzz_db(), "SELECT rowid FROM f_fts WHERE f_fts MATCH ?1 ORDER BY rank",
			       &st) != KR_OK)
			abort();
		db_bind_text(st, 1, q);
		int rc;
		bool found = false;
		while ((rc = db_step(st)) == KR_ROW)
			found |= db_col_int(st, 0) == 2;
		db_done(st);
		if (rc != KR_DONE || (self && !found))
			abort();
	}
	if (indexed) {
		struct db_stmt *st;
		int rc;
		if (db_prepare(fuzz_db(), "DELETE FROM f_fts WHERE rowid = 2", &st) != KR_OK)
			abort();
		rc = db_step(st);
		db_done(st);
		if (rc != KR_DONE)
			abort();
	}
	arena_free(a);
	return 0;
}
