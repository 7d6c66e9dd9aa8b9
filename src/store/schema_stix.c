/* schema_stix.c - migration 5: the STIX 2.1 indicator store behind TAXII
 * (issue 5; SPEC R11).
 *
 * Each stored object version is one row, kept as received (its JSON
 * text), in one collection (= a community).  The version is (stix_id,
 * version_us); is_latest/is_first flag the newest and oldest version of an id in
 * its collection so "match[version]=last" pages with an index, not a
 * GROUP BY.  date_added_us is server time in microseconds (TAXII's
 * X-TAXII-Date-Added headers need that precision); paging is keyset on
 * (date_added_us, id), never OFFSET. */
#include "store/db_engine.h"

const char db_m5_stix[] =
	"CREATE TABLE stix_objects ("
	" id {ID},"
	" space BIGINT NOT NULL DEFAULT 0,"
	" community_id BIGINT NOT NULL REFERENCES communities(id),"
	" stix_id TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" spec_version TEXT NOT NULL,"
	" created TEXT,"
	" modified TEXT,"
	/* the TAXII version: modified, else created, else date_added (SCOs) */
	" version_us BIGINT NOT NULL,"
	" is_latest INTEGER NOT NULL DEFAULT 1,"
	" is_first INTEGER NOT NULL DEFAULT 1,"
	" date_added_us BIGINT NOT NULL,"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" person_id BIGINT REFERENCES people(id),"
	/* clear | green | amber | amber+strict | red */
	" tlp TEXT NOT NULL,"
	" confidence INTEGER,"
	" valid_from BIGINT,"
	" valid_until BIGINT,"
	" json TEXT NOT NULL,"
	" UNIQUE (community_id, stix_id, version_us));"
	"CREATE INDEX stix_objects_added ON stix_objects (community_id, date_added_us, id);"
	"CREATE INDEX stix_objects_stix_id ON stix_objects (stix_id, community_id);"
	/* Values extracted for search and correlation (kind as in
	 * stix_pattern_values: ipv4-addr, domain-name, url, md5 ...). */
	"CREATE TABLE stix_values ("
	" object_id BIGINT NOT NULL REFERENCES stix_objects(id),"
	" kind TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (object_id, kind, value));"
	"CREATE INDEX stix_values_value ON stix_values (kind, value);"
	/* TAXII status resources (ingest is synchronous: always complete). */
	"CREATE TABLE taxii_status ("
	" id {ID},"
	" uuid TEXT NOT NULL UNIQUE,"
	" space BIGINT NOT NULL DEFAULT 0,"
	" community_id BIGINT NOT NULL REFERENCES communities(id),"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" request_us BIGINT NOT NULL,"
	" total_count INTEGER NOT NULL,"
	" success_count INTEGER NOT NULL,"
	" failure_count INTEGER NOT NULL,"
	" details TEXT NOT NULL);";

/* Migration 10: the date-added clock of each collection.  A TAXII client
 * resumes from the last date_added it saw, so within a collection
 * date_added must follow commit order: an ingest takes its date from
 * this row inside its transaction, strictly above the last one given
 * out, and the row's write lock holds other writers of the collection
 * (on PostgreSQL; SQLite has one writer anyway) until it commits.  Dates
 * taken before the transaction let a long POST commit after a later,
 * shorter one with an earlier date, which resuming clients never saw. */
const char db_m10_stix_clock[] =
	"CREATE TABLE stix_clock ("
	" community_id BIGINT PRIMARY KEY,"
	" last_us BIGINT NOT NULL);";

/* Migration 11: fewer B-trees written per stored object (issue 5's
 * ingest goal).  Every index whose key is the client's random STIX id
 * takes one random leaf page per insert, and a 10k-object POST into a
 * 1M-object collection dirtied nearly every leaf of two of them:
 * (community_id, stix_id, version_us) for uniqueness and (stix_id,
 * community_id) for lookups by id across collections.  One unique key in
 * the order (stix_id, community_id, version_us) serves both - equality on
 * stix_id alone, on (stix_id, community_id) or on all three, and the
 * ON CONFLICT of an insert (its target is matched by columns, not order)
 * - so the second index goes.  On SQLite stix_values also becomes a
 * WITHOUT ROWID table: its primary key (object_id, kind, value) is the
 * row, one B-tree instead of a rowid table plus a key index.
 *
 * SQLite cannot change a table's constraints in place: both tables are
 * copied into new ones and renamed (renaming the parent rewrites the
 * child's REFERENCES); the child is dropped before the parent so the
 * foreign keys stay checked throughout. */
const char db_m11_stix_keys_sqlite[] =
	"CREATE TABLE stix_objects_m11 ("
	" id INTEGER PRIMARY KEY,"
	" space BIGINT NOT NULL DEFAULT 0,"
	" community_id BIGINT NOT NULL REFERENCES communities(id),"
	" stix_id TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" spec_version TEXT NOT NULL,"
	" created TEXT,"
	" modified TEXT,"
	" version_us BIGINT NOT NULL,"
	" is_latest INTEGER NOT NULL DEFAULT 1,"
	" is_first INTEGER NOT NULL DEFAULT 1,"
	" date_added_us BIGINT NOT NULL,"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" person_id BIGINT REFERENCES people(id),"
	" tlp TEXT NOT NULL,"
	" confidence INTEGER,"
	" valid_from BIGINT,"
	" valid_until BIGINT,"
	" json TEXT NOT NULL,"
	" UNIQUE (stix_id, community_id, version_us));"
	"INSERT INTO stix_objects_m11 (id, space, community_id, stix_id, type, spec_version, created, modified,"
	" version_us, is_latest, is_first, date_added_us, org_id, person_id, tlp, confidence, valid_from,"
	" valid_until, json) SELECT id, space, community_id, stix_id, type, spec_version, created, modified,"
	" version_us, is_latest, is_first, date_added_us, org_id, person_id, tlp, confidence, valid_from,"
	" valid_until, json FROM stix_objects ORDER BY id;"
	"CREATE TABLE stix_values_m11 ("
	" object_id BIGINT NOT NULL REFERENCES stix_objects_m11(id),"
	" kind TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (object_id, kind, value)) WITHOUT ROWID;"
	"INSERT INTO stix_values_m11 (object_id, kind, value)"
	" SELECT object_id, kind, value FROM stix_values ORDER BY object_id, kind, value;"
	"DROP TABLE stix_values;"
	"DROP TABLE stix_objects;"
	"ALTER TABLE stix_objects_m11 RENAME TO stix_objects;"
	"ALTER TABLE stix_values_m11 RENAME TO stix_values;"
	"CREATE INDEX stix_objects_added ON stix_objects (community_id, date_added_us, id);"
	"CREATE INDEX stix_objects_sightings ON stix_objects (id) WHERE type = 'sighting';"
	"CREATE INDEX stix_values_value ON stix_values (kind, value);";

/* PostgreSQL changes the unique key in place (a heap table has no rowid
 * B-tree to save). */
const char db_m11_stix_keys_pg[] =
	"ALTER TABLE stix_objects ADD CONSTRAINT stix_objects_version UNIQUE (stix_id, community_id, version_us);"
	"ALTER TABLE stix_objects DROP CONSTRAINT stix_objects_community_id_stix_id_version_us_key;"
	"DROP INDEX stix_objects_stix_id;";
