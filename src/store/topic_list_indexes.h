/* topic_list_indexes.h - the five topic-list indexes of migration 8
 * (see src/store/migrations.c for why they exist), written once for the
 * migration and for the bulk loader (src/core/benchgen.c), which drops
 * them inside its transaction and builds them again at the end: one
 * sorted build per index instead of a million scattered inserts.  Valid
 * SQL on both engines; several statements each, for db_exec. */
#ifndef KR_TOPIC_LIST_INDEXES_H
#define KR_TOPIC_LIST_INDEXES_H

#define TOPIC_LIST_INDEXES \
	"CREATE INDEX topics_list_activity ON topics (community_id, space, deleted_at, last_activity_at);" \
	"CREATE INDEX topics_list_created ON topics (community_id, space, deleted_at, created_at);" \
	"CREATE INDEX topics_list_views ON topics (community_id, space, deleted_at, view_count);" \
	"CREATE INDEX topics_list_likes ON topics (community_id, space, deleted_at, like_count);" \
	"CREATE INDEX topics_list_acl ON topics (community_id, space, deleted_at, scope, tlp, author_id);"
#define TOPIC_LIST_INDEXES_DROP \
	"DROP INDEX topics_list_activity; DROP INDEX topics_list_created; DROP INDEX topics_list_views;" \
	" DROP INDEX topics_list_likes; DROP INDEX topics_list_acl;"

#endif
