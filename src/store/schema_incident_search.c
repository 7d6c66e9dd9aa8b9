/* schema_incident_search.c - migration 6: keyword search over
 * consultation-desk cases (R7.2 for R9), the same way as topics
 * (migration 3, contract in store/fts.h): one row per case, rowid = the
 * case's id, title weighted over body (description, impact, affected
 * systems and every timeline text - messages, support notes and answers,
 * state notes), and a scope column of "ko<org id>" tokens naming the
 * reporting and the recipient organisations, which lets a search start
 * from the viewer's own cases (a prefilter only: the acl still decides
 * every hit).  The DDL differs per engine; the SQL that writes and
 * queries it (core/incident.c) does not.  Not dumped by export-db: it is
 * rebuilt after a load (incident_reindex_all).  A site that already has
 * cases gets an "incident_reindex" job here, so the job worker fills the
 * index with the same tokenizer on either engine (an empty site gets no
 * job: import-db still finds it empty). */

#define M6_BACKFILL \
	"INSERT INTO jobs (kind, payload, run_at, created_at)" \
	" SELECT 'incident_reindex', '', 0, 0 WHERE EXISTS (SELECT 1 FROM cases);"
#include "store/db_engine.h"

const char db_m6_incident_search_sqlite[] =
	"CREATE VIRTUAL TABLE incident_fts USING fts5(title, body, scope, tokenize='kairan');"
	"INSERT INTO incident_fts(incident_fts, rank) VALUES('rank', 'bm25(2.5, 1.0, 0.0)');" M6_BACKFILL;
const char db_m6_incident_search_pg[] =
	"CREATE TABLE incident_fts (rowid BIGINT PRIMARY KEY,"
	" title TSVECTOR NOT NULL, body TSVECTOR NOT NULL, scope TSVECTOR NOT NULL,"
	" doc TSVECTOR GENERATED ALWAYS AS (setweight(title, 'A') || setweight(body, 'B') || setweight(scope, 'D')) STORED);"
	"CREATE INDEX incident_fts_doc ON incident_fts USING GIN (doc);" M6_BACKFILL;
