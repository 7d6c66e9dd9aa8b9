/* feeds.h - JSON API v1 routes for the TAXII 2.1 feeds this site pulls
 * from (federation, SPEC R11.5; core/federation.h).  Coordinators and
 * admins only.  The stored secret is write-only: answers say has_secret.
 *
 *   GET    /api/v1/feeds             {"items":[feed...],"next_cursor":null}
 *   POST   /api/v1/feeds             {"name","url","collection",["owner"],
 *                                     ["auth_user"],["secret"],["tls_verify"],
 *                                     ["interval_s"],["page_size"]} -> 201 feed
 *   GET    /api/v1/feeds/{id}        feed (with its last run's outcome)
 *   PATCH  /api/v1/feeds/{id}        the members given change -> 200 feed;
 *                                     "secret": "" keeps the key, null removes
 *                                     it; a new url/collection restarts from the
 *                                     beginning (added_after reset)
 *   DELETE /api/v1/feeds/{id}        204 (what it stored stays)
 *   POST   /api/v1/feeds/{id}/pull   202 {"queued":true}: the job worker
 *                                     pulls it within seconds */
#ifndef KR_API_FEEDS_H
#define KR_API_FEEDS_H

#include "http/http.h"

int api_feeds_list(struct request *r);
int api_feeds_create(struct request *r);
int api_feeds_get(struct request *r);
int api_feeds_delete(struct request *r);
int api_feeds_update(struct request *r);
int api_feeds_pull(struct request *r);

#define FEED_API_ROUTES                                                                              \
	{"GET", "/api/v1/feeds", api_feeds_list, ACC_COORD, AUTH_BEARER, false, 0, OUT_JSON},        \
	{"POST", "/api/v1/feeds", api_feeds_create, ACC_COORD, AUTH_BEARER, false, 16 * 1024, OUT_JSON}, \
	{"GET", "/api/v1/feeds/{}", api_feeds_get, ACC_COORD, AUTH_BEARER, false, 0, OUT_JSON},      \
	{"PATCH", "/api/v1/feeds/{}", api_feeds_update, ACC_COORD, AUTH_BEARER, false, 16 * 1024, OUT_JSON}, \
	{"DELETE", "/api/v1/feeds/{}", api_feeds_delete, ACC_COORD, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/feeds/{}/pull", api_feeds_pull, ACC_COORD, AUTH_BEARER, false, 0, OUT_JSON}

#endif
