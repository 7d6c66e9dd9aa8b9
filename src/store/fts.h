/* fts.h - full-text search support registered into each SQLite connection:
 * a "kairan" FTS5 tokenizer that emits overlapping bigrams for CJK text and
 * whole lower-cased words for Latin text, so two-character Japanese words
 * (障害, 改ざん) are found.  Store-internal. */
#ifndef KR_FTS_H
#define KR_FTS_H

#include <sqlite3.h>

/* Register the tokenizer on a connection.  Returns a SQLite rc. */
int fts_sqlite_register(sqlite3 *h);

#endif
