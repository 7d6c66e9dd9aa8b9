/* schema_topics.c - migration 2: communities, topics, scope, comments,
 * attachments, counters (issue 3; SPEC R3-R8).
 *
 * Every user-visible row carries `space` (0 = the real platform; an
 * exercise's id in exercise mode, R12) so the two never mix: the acl
 * predicates always bind it. */
#include "store/db_engine.h"

const char db_m2_topics[] =
	/* kind: general | professional | consultation | cc_contact | manuals |
	 * observation (one per org) | vendor (one per CTI vendor) | member.
	 * everyone = 1: every active person is a member (the built-in
	 * information communities).  post_policy: members | moderators. */
	"CREATE TABLE communities ("
	" id {ID},"
	" space BIGINT NOT NULL DEFAULT 0,"
	" slug TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" name_ja TEXT NOT NULL,"
	" name_en TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" everyone INTEGER NOT NULL DEFAULT 0,"
	" join_policy TEXT NOT NULL DEFAULT 'invite',"
	" post_policy TEXT NOT NULL DEFAULT 'members',"
	" owner_org_id BIGINT REFERENCES orgs(id),"
	" created_by BIGINT REFERENCES people(id),"
	" created_at BIGINT NOT NULL,"
	" archived_at BIGINT,"
	" UNIQUE (space, slug));"
	"CREATE INDEX communities_kind ON communities (space, kind);"
	/* Membership by organisation or by person; role member|moderator|owner. */
	"CREATE TABLE community_members ("
	" community_id BIGINT NOT NULL REFERENCES communities(id),"
	" member_type TEXT NOT NULL,"
	" member_id BIGINT NOT NULL,"
	" role TEXT NOT NULL DEFAULT 'member',"
	" added_by BIGINT,"
	" added_at BIGINT NOT NULL,"
	" PRIMARY KEY (community_id, member_type, member_id));"
	"CREATE INDEX community_members_who ON community_members (member_type, member_id, community_id);"
	/* Per-day counters for public ids (YYYYMMDD-NNNNNN) and other sequences. */
	"CREATE TABLE counters ("
	" name TEXT PRIMARY KEY,"
	" value BIGINT NOT NULL);"
	/* Topics (R4).  tlp: red | amber+strict | amber | green | clear.
	 * scope: community | manual (topic_scope rows).  last_activity_at
	 * orders lists by "last update" (edits and comments). */
	"CREATE TABLE topics ("
	" id {ID},"
	" space BIGINT NOT NULL DEFAULT 0,"
	" public_id TEXT NOT NULL,"
	" community_id BIGINT NOT NULL REFERENCES communities(id),"
	" author_id BIGINT NOT NULL REFERENCES people(id),"
	" author_org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" title TEXT NOT NULL,"
	" tag TEXT,"
	" audience TEXT NOT NULL DEFAULT 'professional',"
	" category TEXT NOT NULL,"
	" tlp TEXT NOT NULL,"
	" scope TEXT NOT NULL DEFAULT 'community',"
	" body TEXT NOT NULL DEFAULT '',"
	" must_read INTEGER NOT NULL DEFAULT 0,"
	" must_read_due BIGINT,"
	" pinned INTEGER NOT NULL DEFAULT 0,"
	" version INTEGER NOT NULL DEFAULT 1,"
	" read_version INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" edited_at BIGINT,"
	" last_activity_at BIGINT NOT NULL,"
	" deleted_at BIGINT,"
	" view_count BIGINT NOT NULL DEFAULT 0,"
	" reader_count BIGINT NOT NULL DEFAULT 0,"
	" like_count BIGINT NOT NULL DEFAULT 0,"
	" comment_count BIGINT NOT NULL DEFAULT 0,"
	" UNIQUE (space, public_id));"
	"CREATE INDEX topics_community_activity ON topics (community_id, last_activity_at);"
	"CREATE INDEX topics_space_activity ON topics (space, last_activity_at);"
	"CREATE INDEX topics_author_org ON topics (author_org_id, created_at);"
	/* One index per list order, per community and across the space, so a
	 * page walks its index and stops after a screenful. */
	"CREATE INDEX topics_community_created ON topics (community_id, created_at);"
	"CREATE INDEX topics_community_views ON topics (community_id, view_count);"
	"CREATE INDEX topics_community_likes ON topics (community_id, like_count);"
	"CREATE INDEX topics_space_created ON topics (space, created_at);"
	"CREATE INDEX topics_space_views ON topics (space, view_count);"
	"CREATE INDEX topics_space_likes ON topics (space, like_count);"
	"CREATE TABLE topic_scope ("
	" topic_id BIGINT NOT NULL REFERENCES topics(id),"
	" member_type TEXT NOT NULL,"
	" member_id BIGINT NOT NULL,"
	" PRIMARY KEY (topic_id, member_type, member_id));"
	"CREATE INDEX topic_scope_who ON topic_scope (member_type, member_id, topic_id);"
	/* Cross-community sharing (R3.4): one thread, one set of counts. */
	"CREATE TABLE topic_shares ("
	" topic_id BIGINT NOT NULL REFERENCES topics(id),"
	" community_id BIGINT NOT NULL REFERENCES communities(id),"
	" shared_by BIGINT NOT NULL REFERENCES people(id),"
	" shared_at BIGINT NOT NULL,"
	" PRIMARY KEY (topic_id, community_id));"
	"CREATE INDEX topic_shares_community ON topic_shares (community_id, topic_id);"
	"CREATE TABLE topic_versions ("
	" id {ID},"
	" topic_id BIGINT NOT NULL REFERENCES topics(id),"
	" version INTEGER NOT NULL,"
	" title TEXT NOT NULL,"
	" tag TEXT,"
	" category TEXT NOT NULL,"
	" tlp TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" edited_by BIGINT NOT NULL REFERENCES people(id),"
	" edited_at BIGINT NOT NULL,"
	" UNIQUE (topic_id, version));"
	"CREATE TABLE topic_views ("
	" topic_id BIGINT NOT NULL REFERENCES topics(id),"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" first_at BIGINT NOT NULL,"
	" last_at BIGINT NOT NULL,"
	" views BIGINT NOT NULL DEFAULT 1,"
	" PRIMARY KEY (topic_id, person_id));"
	"CREATE TABLE topic_likes ("
	" topic_id BIGINT NOT NULL REFERENCES topics(id),"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" at BIGINT NOT NULL,"
	" PRIMARY KEY (topic_id, person_id));"
	/* Must-read confirmations: version = the topic's read_version confirmed. */
	"CREATE TABLE topic_reads ("
	" topic_id BIGINT NOT NULL REFERENCES topics(id),"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" version INTEGER NOT NULL,"
	" confirmed_at BIGINT NOT NULL,"
	" PRIMARY KEY (topic_id, person_id));"
	"CREATE INDEX topic_reads_org ON topic_reads (topic_id, org_id);"
	"CREATE TABLE comments ("
	" id {ID},"
	" topic_id BIGINT NOT NULL REFERENCES topics(id),"
	" author_id BIGINT NOT NULL REFERENCES people(id),"
	" author_org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" body TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" edited_at BIGINT,"
	" deleted_at BIGINT);"
	"CREATE INDEX comments_topic ON comments (topic_id, created_at);"
	/* Attachments live in the database: one backup holds everything. */
	"CREATE TABLE attachments ("
	" id {ID},"
	" public_id TEXT NOT NULL UNIQUE,"
	" topic_id BIGINT NOT NULL REFERENCES topics(id),"
	" comment_id BIGINT REFERENCES comments(id),"
	" filename TEXT NOT NULL,"
	" ctype TEXT NOT NULL,"
	" size BIGINT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" data {BLOB} NOT NULL,"
	" uploaded_by BIGINT NOT NULL REFERENCES people(id),"
	" created_at BIGINT NOT NULL,"
	" deleted_at BIGINT);"
	"CREATE INDEX attachments_topic ON attachments (topic_id);"
	/* In-app notifications (R8.1); mail goes through the jobs table. */
	"CREATE TABLE notifications ("
	" id {ID},"
	" person_id BIGINT NOT NULL REFERENCES people(id),"
	" kind TEXT NOT NULL,"
	" topic_id BIGINT REFERENCES topics(id),"
	" created_at BIGINT NOT NULL,"
	" read_at BIGINT);"
	"CREATE INDEX notifications_person ON notifications (person_id, created_at);"
	"CREATE TABLE notify_settings ("
	" person_id BIGINT PRIMARY KEY REFERENCES people(id),"
	" mail_must_read INTEGER NOT NULL DEFAULT 1,"
	" mail_important INTEGER NOT NULL DEFAULT 1,"
	" mail_replies INTEGER NOT NULL DEFAULT 1,"
	" mail_digest INTEGER NOT NULL DEFAULT 1);";

/* Migration 3: keyword search over topics (title; body with comments).
 * The DDL differs per engine; the SQL that writes and queries it does not
 * (see store/fts.h). */
const char db_m3_search_sqlite[] =
	"CREATE VIRTUAL TABLE topic_fts USING fts5(title, body, scope, tokenize='kairan');"
	"INSERT INTO topic_fts(topic_fts, rank) VALUES('rank', 'bm25(2.5, 1.0, 0.0)');";
const char db_m3_search_pg[] =
	"CREATE TABLE topic_fts (rowid BIGINT PRIMARY KEY,"
	" title TSVECTOR NOT NULL, body TSVECTOR NOT NULL, scope TSVECTOR NOT NULL,"
	" doc TSVECTOR GENERATED ALWAYS AS (setweight(title, 'A') || setweight(body, 'B') || setweight(scope, 'D')) STORED);"
	"CREATE INDEX topic_fts_doc ON topic_fts USING GIN (doc);";

/* Migration 12: a topic's attachments are listed oldest first; with the
 * index on topic_id alone every topic page sorted them in a temporary
 * B-tree (7.5% of the page's time at 1M topics).  The wider index hands
 * them out in order and still serves every lookup by topic_id. */
const char db_m12_attachment_order[] =
	"CREATE INDEX attachments_topic_order ON attachments (topic_id, created_at, id);"
	"DROP INDEX attachments_topic;";
