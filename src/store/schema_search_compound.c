/* schema_search_compound.c - migration 13: re-tokenize the keyword search
 * indexes (topic_fts, incident_fts; contract in store/fts.h) after
 * lib/tokenize learnt compound tokens (203.0.113.66, cve-2021-44228,
 * www.example.com: see tokenize.h).  A query now searches such a word as
 * its one compound token, which rows indexed before do not hold, so every
 * row is indexed again with the same tokenizer:
 *  - SQLite: FTS5 keeps the indexed text, and 'rebuild' runs it through
 *    the kairan tokenizer again, inside this migration's transaction:
 *    when the new binary serves its first request the index is complete.
 *    'optimize' then merges the rebuild's segments into one b-tree: a
 *    search that ANDs a short list with the scope prefilter's long ones
 *    (topic_search) skips through one segment instead of a dozen - on
 *    the 1M-topic bench dataset the address search went from p50 12 to
 *    6 ms.  Cost there (2 shared cores): the whole migration about
 *    95 s (65 s CPU, 290 MB RSS), the file grows from 1.94 to 1.97 GB.
 *  - PostgreSQL: the index holds tsvector literals made in C
 *    (tok_doc_tsvector), which SQL cannot remake, so the site gets
 *    "topic_reindex" / "incident_reindex" jobs and the job worker
 *    re-indexes every topic and case (topic_reindex_all,
 *    incident_reindex_all).  Until it is done, an address or domain
 *    search misses the rows not yet re-indexed; word searches are
 *    unaffected.  An empty site gets no job (import-db wants it empty, and
 *    reindexes after its load anyway). */
#include "store/db_engine.h"

const char db_m13_search_compound_sqlite[] =
	"INSERT INTO topic_fts(topic_fts) VALUES('rebuild');"
	"INSERT INTO topic_fts(topic_fts) VALUES('optimize');"
	"INSERT INTO incident_fts(incident_fts) VALUES('rebuild');"
	"INSERT INTO incident_fts(incident_fts) VALUES('optimize');";
const char db_m13_search_compound_pg[] =
	"INSERT INTO jobs (kind, payload, run_at, created_at)"
	" SELECT 'topic_reindex', '', 0, 0 WHERE EXISTS (SELECT 1 FROM topics);"
	"INSERT INTO jobs (kind, payload, run_at, created_at)"
	" SELECT 'incident_reindex', '', 0, 0 WHERE EXISTS (SELECT 1 FROM cases);";
