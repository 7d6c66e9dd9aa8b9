/* demo_topics.h - the content of the demo's topics (internal to the demo
 * loader, demo.c): fixed tables written after what JISP carried before and
 * during the Tokyo 2020 Games (seeds/), plus deterministic series (daily
 * reports, vendor reports, observation notices) built from templates.
 * Every address is from the documentation ranges (192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24) and every domain ends in .example. */
#ifndef KR_DEMO_TOPICS_H
#define KR_DEMO_TOPICS_H

#include <stddef.h>

struct arena;

enum {
	DT_MUST_READ = 1,  /* must-read (authors are coordination-center staff) */
	DT_GENERAL = 2,    /* audience general (default professional) */
	DT_PINNED = 4,     /* pinned by a moderator */
	DT_SHARE_RAIL = 8, /* GREEN/CLEAR: shared into the railway ISAC */
};

#define DEMO_TOPIC_COMMENTS 3

struct demo_topic {
	const char *when;       /* "YYYY-MM-DD HH:MM", Asia/Tokyo */
	const char *community;  /* slug */
	const char *author;     /* a demo login, or an org slug (one of its people) */
	const char *tag;        /* important | caution | info | NULL */
	const char *category;   /* R6 */
	const char *tlp;
	const char *recipients; /* manual scope: org slugs separated by spaces; NULL = community */
	unsigned flags;         /* DT_* */
	const char *title, *body;
	/* Follow-ups: "author|text", author as above, posted an hour apart. */
	const char *comments[DEMO_TOPIC_COMMENTS];
	const char *edited;     /* "YYYY-MM-DD HH:MM": re-posted with edit_note appended */
	const char *edit_note;
};

/* A member-made community and its organisation members. */
struct demo_community {
	const char *slug, *name_ja, *name_en, *description;
	const char *creator;    /* demo login or org slug (its org-admin creates it) */
	const char *when;
	const char *join_policy;
	const char *members;    /* org slugs separated by spaces */
	const char *moderators; /* org slugs added with role moderator */
};

extern const struct demo_community demo_communities[];
extern const size_t demo_ncommunities;

/* Every demo topic, sorted by time (the hand-written ones merged with the
 * generated series).  Allocated in a; deterministic. */
const struct demo_topic *demo_topics_all(struct arena *a, size_t *n);

#endif
