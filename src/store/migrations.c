/* migrations.c - the schema, as ordered append-only migrations.
 *
 * Written once for both engines: {ID} becomes the engine's 64-bit
 * auto-increment primary key, {BLOB} its byte-string type.  Times are BIGINT
 * epoch milliseconds (UTC), booleans INTEGER 0/1.  Never edit a migration
 * that has shipped: add a new one. */
#include "store/db_engine.h"
#include "store/topic_list_indexes.h"

static const char m1_identity[] =
	/* Organisations (R1.1).  slug is the public id used in URLs and the API. */
	"CREATE TABLE orgs ("
	" id {ID},"
	" slug TEXT NOT NULL UNIQUE,"
	" name_ja TEXT NOT NULL,"
	" name_en TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" sector TEXT,"
	" status TEXT NOT NULL DEFAULT 'active',"
	" contact_email TEXT,"
	" contact_phone TEXT,"
	" description TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL);"
	"CREATE INDEX orgs_kind ON orgs (kind, name_en);"
	/* People (R1.2).  role is the site role; org_admin manages their own org. */
	"CREATE TABLE people ("
	" id {ID},"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" login TEXT NOT NULL UNIQUE,"
	" email TEXT NOT NULL UNIQUE,"
	" display_name TEXT NOT NULL,"
	" title TEXT NOT NULL DEFAULT '',"
	" phone TEXT NOT NULL DEFAULT '',"
	" locale TEXT NOT NULL DEFAULT 'ja',"
	" tz TEXT NOT NULL DEFAULT 'Asia/Tokyo',"
	" role TEXT NOT NULL DEFAULT 'member',"
	" org_admin INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL DEFAULT 'active',"
	" pw_hash TEXT,"
	" totp_secret TEXT,"
	" totp_enabled INTEGER NOT NULL DEFAULT 0,"
	" totp_last_step BIGINT NOT NULL DEFAULT 0,"
	" failed_logins INTEGER NOT NULL DEFAULT 0,"
	" locked_until BIGINT NOT NULL DEFAULT 0,"
	" last_login_at BIGINT,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL);"
	"CREATE INDEX people_org ON people (org_id, display_name);"
	"CREATE TABLE recovery_codes ("
	" id {ID},"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" code_hash TEXT NOT NULL,"
	" used_at BIGINT);"
	"CREATE INDEX recovery_codes_person ON recovery_codes (person_id);"
	/* Sessions live in the database so every node sees them (R17.1).
	 * Only a hash of the cookie token is stored. */
	"CREATE TABLE sessions ("
	" id {ID},"
	" token_hash TEXT NOT NULL UNIQUE,"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" csrf TEXT NOT NULL,"
	" mfa_ok INTEGER NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL,"
	" last_seen_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" ip TEXT NOT NULL DEFAULT '',"
	" user_agent TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX sessions_person ON sessions (person_id);"
	"CREATE TABLE api_keys ("
	" id {ID},"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" prefix TEXT NOT NULL UNIQUE,"
	" key_hash TEXT NOT NULL,"
	" label TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" last_used_at BIGINT,"
	" revoked_at BIGINT);"
	"CREATE INDEX api_keys_person ON api_keys (person_id);"
	/* Login throttling shared by all nodes: hits per key (ip:... / login:...)
	 * inside a window. */
	"CREATE TABLE throttle ("
	" key TEXT PRIMARY KEY,"
	" hits INTEGER NOT NULL,"
	" window_start BIGINT NOT NULL);"
	/* Registration by application (R1.3). */
	"CREATE TABLE applications ("
	" id {ID},"
	" org_name_ja TEXT NOT NULL,"
	" org_name_en TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" sector TEXT,"
	" contact_name TEXT NOT NULL,"
	" contact_email TEXT NOT NULL,"
	" login TEXT NOT NULL,"
	" message TEXT NOT NULL DEFAULT '',"
	" terms_accepted_at BIGINT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'pending',"
	" created_at BIGINT NOT NULL,"
	" decided_by BIGINT REFERENCES people(id),"
	" decided_at BIGINT,"
	" decision_note TEXT NOT NULL DEFAULT '',"
	" org_id BIGINT REFERENCES orgs(id));"
	"CREATE INDEX applications_status ON applications (status, created_at);"
	/* Invitations by e-mail link (R1.3); only a hash of the token is kept. */
	"CREATE TABLE invitations ("
	" id {ID},"
	" token_hash TEXT NOT NULL UNIQUE,"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" email TEXT NOT NULL,"
	" role TEXT NOT NULL DEFAULT 'member',"
	" org_admin INTEGER NOT NULL DEFAULT 0,"
	" invited_by BIGINT NOT NULL REFERENCES people(id),"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" accepted_at BIGINT,"
	" person_id BIGINT REFERENCES people(id));"
	"CREATE INDEX invitations_org ON invitations (org_id, created_at);"
	/* Append-only audit log (R2.3, R5.5).  target_org_id is the organisation
	 * the change affects, so its people can see it. */
	"CREATE TABLE audit_log ("
	" id {ID},"
	" at BIGINT NOT NULL,"
	" actor_id BIGINT,"
	" actor_org_id BIGINT,"
	" action TEXT NOT NULL,"
	" target_type TEXT NOT NULL DEFAULT '',"
	" target_id TEXT NOT NULL DEFAULT '',"
	" target_org_id BIGINT,"
	" ip TEXT NOT NULL DEFAULT '',"
	" detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX audit_at ON audit_log (at);"
	"CREATE INDEX audit_actor ON audit_log (actor_id, at);"
	"CREATE INDEX audit_target_org ON audit_log (target_org_id, at);"
	"CREATE INDEX audit_action ON audit_log (action, at);"
	/* Due work claimed with a lease, so several nodes never run a job twice. */
	"CREATE TABLE jobs ("
	" id {ID},"
	" kind TEXT NOT NULL,"
	" payload TEXT NOT NULL DEFAULT '',"
	" run_at BIGINT NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" lease_until BIGINT NOT NULL DEFAULT 0,"
	" lease_owner TEXT NOT NULL DEFAULT '',"
	" done_at BIGINT,"
	" last_error TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL);"
	"CREATE INDEX jobs_due ON jobs (done_at, run_at);";

/* A community's topic list walks (community_id, space, deleted_at, key):
 * three equality columns, so SQLite's planner prefers these over the
 * (space, key) indexes even with the rough statistics of a bounded
 * ANALYZE (with two single-equality candidates it walked the whole site's
 * index and filtered by community).  topics_list_acl holds every column
 * the acl predicate reads, so the capped count of an unfiltered list is
 * answered from the index alone.  communities_everyone serves the
 * everyone-communities half of ACL_COMMUNITIES_OF, evaluated several
 * times per list statement.
 *
 * topic_list_version: rows whose values change (to fresh random numbers)
 * in the same transaction as every write to a table the topic lists read
 * - topics, their shares, scopes and reads, communities and their
 * members, people, organisations - whoever writes: this process, another
 * node, the CLI.  The list cache of src/core/topic.c keys its entries by
 * all the values.  Random rather than counted, so a value written by a
 * transaction that then rolls back is never written again by another
 * state.  SQLite has one row (its writers take turns anyway).  PostgreSQL
 * has 16 and a writer changes one that no other transaction holds (SKIP
 * LOCKED), so the triggers never make writers wait for each other or
 * deadlock; only when 16 writers are in flight does one wait for row 0.
 * Not dumped (derived state, like the search index). */
#define M8_INDEXES \
	TOPIC_LIST_INDEXES \
	"CREATE INDEX communities_everyone ON communities (space, everyone, archived_at);" \
	"CREATE TABLE topic_list_version (id BIGINT PRIMARY KEY, v BIGINT NOT NULL);"
#define M8_SQ_BUMP " BEGIN UPDATE topic_list_version SET v = random() & 4611686018427387903 WHERE id = 0; END;"
#define M8_SQ_TABLE(T) \
	"CREATE TRIGGER " T "_lv_i AFTER INSERT ON " T M8_SQ_BUMP \
	"CREATE TRIGGER " T "_lv_u AFTER UPDATE ON " T M8_SQ_BUMP \
	"CREATE TRIGGER " T "_lv_d AFTER DELETE ON " T M8_SQ_BUMP
static const char m8_topic_list_index[] =
	M8_INDEXES
	"INSERT INTO topic_list_version (id, v) VALUES (0, random() & 4611686018427387903);"
	M8_SQ_TABLE("topics") M8_SQ_TABLE("topic_shares") M8_SQ_TABLE("topic_scope")
	M8_SQ_TABLE("topic_reads") M8_SQ_TABLE("communities") M8_SQ_TABLE("community_members")
	M8_SQ_TABLE("people") M8_SQ_TABLE("orgs");
/* PostgreSQL: one statement-level trigger per table; 62 random bits. */
#define M8_PG_RANDOM "(floor(random() * 2147483648)::bigint * 2147483648 + floor(random() * 2147483648)::bigint)"
#define M8_PG_TABLE(T) \
	"CREATE TRIGGER " T "_lv AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " T \
	" FOR EACH STATEMENT EXECUTE FUNCTION topic_list_version_bump();"
static const char m8_topic_list_index_pg[] =
	M8_INDEXES
	"INSERT INTO topic_list_version (id, v) SELECT g, " M8_PG_RANDOM " FROM generate_series(0, 15) g;"
	"CREATE FUNCTION topic_list_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$"
	" DECLARE s BIGINT; BEGIN"
	" SELECT id INTO s FROM topic_list_version ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;"
	" UPDATE topic_list_version SET v = " M8_PG_RANDOM " WHERE id = COALESCE(s, 0);"
	" RETURN NULL; END $$;"
	M8_PG_TABLE("topics") M8_PG_TABLE("topic_shares") M8_PG_TABLE("topic_scope")
	M8_PG_TABLE("topic_reads") M8_PG_TABLE("communities") M8_PG_TABLE("community_members")
	M8_PG_TABLE("people") M8_PG_TABLE("orgs");

extern const char db_m2_topics[];
extern const char db_m3_search_sqlite[];
extern const char db_m3_search_pg[];
extern const char db_m4_incidents[];
extern const char db_m5_stix[];
extern const char db_m6_incident_search_sqlite[];
extern const char db_m6_incident_search_pg[];
extern const char db_m7_taxii_feeds[];
extern const char db_m9_stix_imports[];
extern const char db_m10_stix_clock[];
extern const char db_m11_stix_keys_sqlite[];
extern const char db_m11_stix_keys_pg[];
extern const char db_m12_attachment_order[];
extern const char db_m13_search_compound_sqlite[];
extern const char db_m13_search_compound_pg[];

const struct db_migration db_migrations[] = {
	{1, "identity", m1_identity, NULL},
	{2, "communities_topics", db_m2_topics, NULL},
	{3, "topic_search", db_m3_search_sqlite, db_m3_search_pg},
	{4, "incidents", db_m4_incidents, NULL},
	{5, "stix", db_m5_stix, NULL},
	{6, "incident_search", db_m6_incident_search_sqlite, db_m6_incident_search_pg},
	{7, "taxii_feeds", db_m7_taxii_feeds, NULL},
	{8, "topic_list_index", m8_topic_list_index, m8_topic_list_index_pg},
	{9, "stix_imports", db_m9_stix_imports, NULL},
	{10, "stix_clock", db_m10_stix_clock, NULL},
	{11, "stix_keys", db_m11_stix_keys_sqlite, db_m11_stix_keys_pg},
	{12, "attachment_order", db_m12_attachment_order, NULL},
	{13, "search_compound", db_m13_search_compound_sqlite, db_m13_search_compound_pg},
};
const size_t db_nmigrations = sizeof(db_migrations) / sizeof(db_migrations[0]);
