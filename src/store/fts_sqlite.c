/* fts_sqlite.c - the "kairan" FTS5 tokenizer (lib/tokenize behind FTS5's
 * custom-tokenizer API) and the engine-aware helpers db_fts_query /
 * db_fts_doc that let core/ bind the right text on either engine.  The
 * search contract is described in fts.h. */
#include "store/fts.h"

#include <string.h>

#include "lib/arena.h"
#include "lib/tokenize.h"
#include "store/db.h"

/* The tokenizer has no state: one static object stands for every instance. */
static int kt_instance;

static int kt_create(void *udata, const char **argv, int argc, Fts5Tokenizer **out)
{
	(void)udata;
	(void)argv;
	*out = NULL;
	if (argc != 0)
		return SQLITE_ERROR; /* tokenize='kairan something' is a schema mistake */
	*out = (Fts5Tokenizer *)&kt_instance;
	return SQLITE_OK;
}

static void kt_delete(Fts5Tokenizer *t) { (void)t; }

struct kt_ctx {
	void *fts_ctx;
	int (*token)(void *ctx, int flags, const char *tok, int ntok, int start, int end);
};

static int kt_token(void *ctx, const struct tok *t)
{
	struct kt_ctx *k = ctx;
	return k->token(k->fts_ctx, t->colocated ? FTS5_TOKEN_COLOCATED : 0, t->text,
			(int)t->len, (int)t->start, (int)t->end);
}

static int kt_tokenize(Fts5Tokenizer *t, void *fts_ctx, int flags, const char *text, int ntext,
		       int (*token)(void *, int, const char *, int, int, int))
{
	(void)t;
	struct kt_ctx k = {fts_ctx, token};
	/* Queries get bigrams only; documents (and highlight()'s AUX pass,
	 * which must see the document's tokens) also get the run-final
	 * unigram - see tokenize.h. */
	enum tok_mode mode = (flags & FTS5_TOKENIZE_QUERY) ? TOK_QUERY : TOK_DOC;
	if (!text || ntext <= 0)
		return SQLITE_OK;
	return tokenize(text, (size_t)ntext, mode, kt_token, &k);
}

/* The fts5_api pointer of a connection, handed out by "SELECT fts5(?1)"
 * through the pointer-passing interface. */
static fts5_api *get_fts5_api(sqlite3 *h)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (api && api->iVersion < 2)
		api = NULL;
	return api;
}

int fts_sqlite_register(sqlite3 *h)
{
	fts5_api *api = get_fts5_api(h);
	if (!api)
		return SQLITE_ERROR;
	fts5_tokenizer tk = {kt_create, kt_delete, kt_tokenize};
	return api->xCreateTokenizer(api, "kairan", NULL, &tk, NULL);
}

const char *fts_query_sqlite(struct arena *a, const char *q)
{
	return q ? tok_query_fts5(a, q, strlen(q)) : NULL;
}

const char *fts_query_pg(struct arena *a, const char *q)
{
	return q ? tok_query_tsquery(a, q, strlen(q)) : NULL;
}

const char *fts_doc_pg(struct arena *a, const char *text)
{
	return tok_doc_tsvector(a, text ? text : "", text ? strlen(text) : 0);
}

static bool is_pg(const struct db *db) { return strcmp(db_engine(db), "postgres") == 0; }

const char *db_fts_query(struct db *db, struct arena *a, const char *user_query)
{
	return is_pg(db) ? fts_query_pg(a, user_query) : fts_query_sqlite(a, user_query);
}

const char *db_fts_doc(struct db *db, struct arena *a, const char *text)
{
	if (is_pg(db))
		return fts_doc_pg(a, text);
	return text ? text : "";
}
