/* schema_feeds.c - migration 7: TAXII 2.1 feeds this site pulls from
 * (federation with other centers, SPEC R11.5).
 *
 * One row per remote collection, pulled into one local collection (a
 * community) on behalf of the person who configured it (their org is
 * the source organisation of what is stored).  cursor_added is the
 * added_after to resume from: the remote server's own timestamp text
 * (X-TAXII-Date-Added-Last), kept verbatim because servers differ in
 * precision.  auth_secret is the HTTP Basic password (an API key of the
 * remote site): it must be sent as is, so it is stored as given and is
 * never read back by anything but the puller (lists, pages and the API
 * show only whether one is set). */
#include "store/db_engine.h"

const char db_m7_taxii_feeds[] =
	"CREATE TABLE taxii_feeds ("
	" id {ID},"
	" space BIGINT NOT NULL DEFAULT 0,"
	" name TEXT NOT NULL,"
	" url TEXT NOT NULL,"
	" community_id BIGINT NOT NULL REFERENCES communities(id),"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" auth_user TEXT NOT NULL DEFAULT '',"
	" auth_secret TEXT NOT NULL DEFAULT '',"
	" tls_verify INTEGER NOT NULL DEFAULT 1,"
	" interval_s INTEGER NOT NULL DEFAULT 3600,"
	" page_size INTEGER NOT NULL DEFAULT 500,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" cursor_added TEXT NOT NULL DEFAULT '',"
	" last_run_at BIGINT,"
	" last_ok_at BIGINT,"
	" last_error TEXT NOT NULL DEFAULT '',"
	" last_pulled BIGINT NOT NULL DEFAULT 0,"
	" total_pulled BIGINT NOT NULL DEFAULT 0,"
	" runs BIGINT NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL,"
	" UNIQUE (space, name));";
