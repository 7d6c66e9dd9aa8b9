/* fts_sqlite.c - the "kairan" FTS5 tokenizer.  Filled in by the topics
 * issue (search); for now registration is a no-op so connections open. */
#include "store/fts.h"

int fts_sqlite_register(sqlite3 *h)
{
	(void)h;
	return SQLITE_OK;
}
