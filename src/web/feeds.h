/* feeds.h - the coordinators' page of TAXII 2.1 feeds (web/feeds.c) and
 * its rows of the route table (included by web/routes.c). */
#ifndef KR_WEB_FEEDS_H
#define KR_WEB_FEEDS_H

#include "http/http.h"

int web_feeds(struct request *r);
int web_feed_add(struct request *r);
int web_feed_pull(struct request *r);
int web_feed_remove(struct request *r);
int web_feed_edit_form(struct request *r);
int web_feed_edit(struct request *r);

#define WEB_FEED_ROUTES                                                                              \
	{"GET", "/admin/feeds", web_feeds, ACC_COORD, AUTH_SESSION, false, 0, OUT_HTML},             \
	{"POST", "/admin/feeds", web_feed_add, ACC_COORD, AUTH_SESSION, true, 16 * 1024, OUT_HTML},  \
	{"GET", "/admin/feeds/{}/edit", web_feed_edit_form, ACC_COORD, AUTH_SESSION, false, 0, OUT_HTML},  \
	{"POST", "/admin/feeds/{}/edit", web_feed_edit, ACC_COORD, AUTH_SESSION, true, 16 * 1024, OUT_HTML}, \
	{"POST", "/admin/feeds/{}/pull", web_feed_pull, ACC_COORD, AUTH_SESSION, true, 8 * 1024, OUT_HTML}, \
	{"POST", "/admin/feeds/{}/remove", web_feed_remove, ACC_COORD, AUTH_SESSION, true, 8 * 1024, OUT_HTML}

#endif
