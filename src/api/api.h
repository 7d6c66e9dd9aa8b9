/* api.h - the JSON REST API v1 (SPEC R0.6): shared helpers and handlers.
 *
 * Conventions: base path /api/v1; Bearer API keys; plural resource nouns;
 * lists take `limit` and an opaque `cursor` and answer
 * {"items": [...], "next_cursor": ...}; errors are
 * {"error": {"code", "message"}} (rendered by the router from req_fail);
 * ids in URLs are public ids (org slug, person login).  A hidden or missing
 * item is a 404 either way.  Handlers are thin: parse, call core, render. */
#ifndef KR_API_H
#define KR_API_H

#include <jansson.h>

#include "http/http.h"

/* Parse r->body as a JSON object (UTF-8, no duplicate keys, depth-capped by
 * jansson).  On failure answers 400 itself and returns NULL; the caller
 * returns r->status.  The object is freed by api_free_later at request end. */
json_t *api_body(struct request *r);
/* Optional string member: NULL when absent; *err set when present but not
 * a string. */
const char *api_str(json_t *o, const char *key, bool *err);
/* Optional boolean member (absent -> def). */
bool api_bool(json_t *o, const char *key, bool def, bool *err);
/* Write v as the response body (consumes the reference). */
int api_send(struct request *r, int status, json_t *v);
/* Parse ?limit= (1..max; absent -> 0 meaning default); 400 on junk. */
int api_limit(struct request *r, int max, int *out);
/* Fail with 400 naming a field: {"error":{"code":"invalid","message":...,"field":...}}. */
int api_fail_field(struct request *r, const char *field);
/* Map a core status to a failure (KR_EINVAL with bad -> field error). */
int api_fail(struct request *r, int rc, const char *bad);
/* Epoch ms as an RFC 3339 string (arena), or JSON null for 0. */
json_t *api_time(struct request *r, int64_t ms);

int api_me(struct request *r);
int api_orgs_list(struct request *r);
int api_orgs_get(struct request *r);
int api_orgs_create(struct request *r);
int api_orgs_update(struct request *r);
int api_people_list(struct request *r);
int api_people_get(struct request *r);
int api_people_create(struct request *r);
int api_people_update(struct request *r);
int api_audit_list(struct request *r);
int api_invitations_create(struct request *r);
int api_communities_list(struct request *r);
int api_communities_get(struct request *r);
struct topic_filter;
/* Read list filters from the query string; 0, or the failure status. */
int api_topic_filter(struct request *r, struct topic_filter *f);
int api_topics_list(struct request *r);
int api_topics_get(struct request *r);
int api_topics_create(struct request *r);
int api_topics_update(struct request *r);
int api_topics_delete(struct request *r);
int api_topics_like(struct request *r);
int api_topics_confirm(struct request *r);
int api_topics_share(struct request *r);
int api_topics_read_status(struct request *r);
int api_comments_list(struct request *r);
int api_comments_create(struct request *r);
int api_comments_delete(struct request *r);
int api_attachments_create(struct request *r);
int api_attachment_download(struct request *r);
int api_search(struct request *r);

/* The API's entries of the one route table (included by web/routes.c). */
#define API_JSON_LIMIT (64 * 1024)
#define API_TOPIC_LIMIT (1024 * 1024)
#define API_UPLOAD_LIMIT (10 * 1024 * 1024 + 64 * 1024)
#define API_ROUTES                                                                                   \
	{"GET", "/api/v1/me", api_me, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON},                    \
	{"GET", "/api/v1/orgs", api_orgs_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON},           \
	{"POST", "/api/v1/orgs", api_orgs_create, ACC_COORD, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/orgs/{}", api_orgs_get, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON},         \
	{"PATCH", "/api/v1/orgs/{}", api_orgs_update, ACC_ORG_ADMIN, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/people", api_people_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON},       \
	{"POST", "/api/v1/people", api_people_create, ACC_ORG_ADMIN, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/people/{}", api_people_get, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON},     \
	{"PATCH", "/api/v1/people/{}", api_people_update, ACC_ORG_ADMIN, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/audit", api_audit_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON},         \
	{"POST", "/api/v1/invitations", api_invitations_create, ACC_ORG_ADMIN, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/communities", api_communities_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/communities/{}", api_communities_get, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/search", api_search, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/topics", api_topics_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/topics", api_topics_create, ACC_USER, AUTH_BEARER, false, API_TOPIC_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/topics/{}", api_topics_get, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"PATCH", "/api/v1/topics/{}", api_topics_update, ACC_USER, AUTH_BEARER, false, API_TOPIC_LIMIT, OUT_JSON}, \
	{"DELETE", "/api/v1/topics/{}", api_topics_delete, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"PUT", "/api/v1/topics/{}/like", api_topics_like, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"DELETE", "/api/v1/topics/{}/like", api_topics_like, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/topics/{}/confirm", api_topics_confirm, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/topics/{}/share", api_topics_share, ACC_USER, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/topics/{}/read-status", api_topics_read_status, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/topics/{}/comments", api_comments_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/topics/{}/comments", api_comments_create, ACC_USER, AUTH_BEARER, false, API_TOPIC_LIMIT, OUT_JSON}, \
	{"DELETE", "/api/v1/comments/{}", api_comments_delete, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/topics/{}/attachments", api_attachments_create, ACC_USER, AUTH_BEARER, false, API_UPLOAD_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/attachments/{}", api_attachment_download, ACC_USER, AUTH_BEARER, false, 0, OUT_RAW},

#endif
