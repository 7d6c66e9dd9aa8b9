/* fts.h - full-text search in the store: the "kairan" FTS5 tokenizer
 * registered on each SQLite connection, and the contract that lets core/
 * write ONE literal, ACL-filtered search query for both engines.
 * Store-internal (core/ uses db_fts_query / db_fts_doc from db.h).
 *
 * Tokenization is lib/tokenize's (CJK bigrams, Latin words, compounds such
 * as 203.0.113.66 or cve-2021-44228 as one token; see
 * tokenize.h), the same on both engines, so a query finds the same rows.
 *
 * ---- Schema: one FTS table per searchable kind, named <kind>_fts ----
 * Its rowid is the item's id; its columns are the weighted fields
 * (title, then body = body text + comments, or whatever the kind needs).
 *
 *   SQLite (content kept in the FTS table so DELETE by rowid and
 *   highlight() work; the rank row sets title weight 2.5 to match ts_rank's
 *   A/B weights 1.0/0.4 on PostgreSQL):
 *     CREATE VIRTUAL TABLE topic_fts USING fts5(title, body, tokenize='kairan');
 *     INSERT INTO topic_fts(topic_fts, rank) VALUES('rank', 'bm25(2.5, 1.0)');
 *
 *   PostgreSQL (columns hold what db_fts_doc returns, a tsvector literal):
 *     CREATE TABLE topic_fts (rowid BIGINT PRIMARY KEY,
 *       title TSVECTOR NOT NULL, body TSVECTOR NOT NULL,
 *       doc TSVECTOR GENERATED ALWAYS AS
 *         (setweight(title, 'A') || setweight(body, 'B')) STORED);
 *     CREATE INDEX topic_fts_doc ON topic_fts USING GIN (doc);
 *
 * ---- Writing (same literal SQL on both engines) ----
 *     DELETE FROM topic_fts WHERE rowid = ?1
 *     INSERT INTO topic_fts(rowid, title, body) VALUES (?1, ?2, ?3)
 *   binding db_fts_doc(db, a, title) and db_fts_doc(db, a, body).  Re-index
 *   by DELETE + INSERT in the item's transaction (FTS5 virtual tables take
 *   no ON CONFLICT).
 *
 * ---- Searching (same literal SQL on both engines) ----
 *     SELECT t.id, ... FROM topic_fts JOIN topics t ON t.id = topic_fts.rowid
 *      WHERE topic_fts MATCH ?1 AND <acl predicate written by core>
 *      ORDER BY topic_fts.rank, t.id DESC LIMIT ?2
 *   binding db_fts_query(db, a, user_query) as ?1 (when it is NULL there is
 *   nothing to search: answer "no results" without running the query).
 *   The FTS table is named by its own name (no alias) in "X MATCH ?N" and
 *   "X.rank", exactly as written here: on SQLite these are FTS5's MATCH and
 *   its rank column (bm25 with the weights above, lower is better).
 *
 *   Cost: ranking scores every matching row.  Measured on 100k short
 *   Japanese documents (2 shared cores, loaded): a word in 27% of them
 *   takes 70-110 ms for the ranked top 20 on SQLite (0.4-1 s on
 *   PostgreSQL), the newest 20 (ORDER BY topic_fts.rowid DESC) 0.05 ms, a
 *   selective word (CVE id, domain) under 0.3 ms either way.  So a list
 *   that pages through many hits should sort by recency, or rank only once
 *   the count is moderate.
 *
 * ---- What the PostgreSQL engine does (note for db_pg.c) ----
 * Inside its ?N -> $N translation, for any identifier X ending in "_fts":
 *   "X MATCH ?N"  ->  "X.doc @@ $N::tsquery"
 *   "X.rank"      ->  "(-ts_rank(X.doc, $N::tsquery, 1))"  (N from X's MATCH
 *                     in the same statement; negated so ORDER BY ascending
 *                     puts the best first, as bm25 does; normalisation 1
 *                     divides by 1 + log(length) so, as with bm25, a long
 *                     text mentioning a word once ranks below a short one)
 * Checked by hand on PostgreSQL 15 with this schema and the documents and
 * queries of tests/unit/test_fts.c: the same rows as SQLite for every query,
 * the same first hit for the ranking cases.
 * Nothing else changes: rowid is a real column, the INSERT binds tsvector
 * literals that PostgreSQL casts from the parameter - which therefore must
 * be sent untyped (PQexecParams/PQprepare paramTypes NULL or 0), not as
 * text (a text parameter would not be cast to tsvector).  The bound
 * texts are tsvector/tsquery literals (not to_tsvector input) on purpose:
 * no text-search parser or locale touches them, the positions of colocated
 * tokens match FTS5's exactly, and a phrase query works across a
 * Japanese/Latin boundary. */
#ifndef KR_FTS_H
#define KR_FTS_H

#include <sqlite3.h>

struct arena;

/* Register the "kairan" FTS5 tokenizer on a connection (no arguments are
 * accepted in tokenize='kairan').  Returns a SQLite rc; SQLITE_ERROR when
 * this SQLite has no FTS5. */
int fts_sqlite_register(sqlite3 *h);

/* The MATCH text for SQLite / the tsquery literal for PostgreSQL built from
 * a user's query (see tok_query_fts5 / tok_query_tsquery).  Allocated in a;
 * NULL when nothing is searchable (empty, only punctuation). */
const char *fts_query_sqlite(struct arena *a, const char *user_query);
const char *fts_query_pg(struct arena *a, const char *user_query);

/* The tsvector literal of a document for PostgreSQL ("" for NULL or a text
 * without tokens).  Allocated in a. */
const char *fts_doc_pg(struct arena *a, const char *text);

#endif
