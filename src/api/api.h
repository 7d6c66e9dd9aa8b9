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
#include "lib/jwrite.h"

/* Parse r->body as a JSON object (UTF-8, no duplicate keys, depth-capped by
 * jansson).  On failure answers 400 itself and returns NULL; the caller
 * returns r->status.  The object is freed by api_free_later at request end. */
json_t *api_body(struct request *r);
/* Optional string member: NULL when absent; *err set when present but not
 * a string. */
const char *api_str(json_t *o, const char *key, bool *err);
/* Optional boolean member (absent -> def). */
bool api_bool(json_t *o, const char *key, bool def, bool *err);
/* Write v as the response body (consumes the reference; NULL, as from a
 * failed json_pack, gives 500). */
int api_send(struct request *r, int status, json_t *v);
/* Parse ?limit= (1..max; absent -> 0 meaning default); 400 on junk. */
int api_limit(struct request *r, int max, int *out);
/* Fail with 400 naming a field: {"error":{"code":"invalid","message":...,"field":...}}. */
int api_fail_field(struct request *r, const char *field);
/* Map a core status to a failure (KR_EINVAL with bad -> field error). */
int api_fail(struct request *r, int rc, const char *bad);
/* Epoch ms as an RFC 3339 string (arena), or JSON null for 0. */
json_t *api_time(struct request *r, int64_t ms);

/* Finish an answer written into r->out through w: sets the status and the
 * JSON content type; a bad or unbalanced writer gives 500 instead. */
int api_send_out(struct request *r, int status, const struct jw *w);

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
struct attachment;
/* Answer with a stored file: always a download, sandboxed, with its
 * SHA-256 (topic and case attachments alike). */
int api_send_attachment(struct request *r, const struct attachment *a);
int api_search(struct request *r);

/* Consultation desk (api/incidents.c). */
int api_incidents_create(struct request *r);
int api_incidents_list(struct request *r);
int api_incidents_board(struct request *r);
/* The last 24 hours of the caller's visible cases (api/incident_digest.c). */
int api_incidents_digest(struct request *r);
int api_incidents_get(struct request *r);
int api_incidents_update(struct request *r);
int api_incidents_message(struct request *r);
int api_incidents_state(struct request *r);
int api_incidents_support(struct request *r);
int api_incidents_attach(struct request *r);
int api_incidents_draft(struct request *r);
int api_incident_attachment_download(struct request *r);
int api_support_list(struct request *r);
int api_support_get(struct request *r);
int api_support_answer(struct request *r);
int api_upward_create(struct request *r);
int api_upward_list(struct request *r);
int api_upward_get(struct request *r);
int api_upward_send(struct request *r);

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
	{"GET", "/api/v1/attachments/{}", api_attachment_download, ACC_USER, AUTH_BEARER, false, 0, OUT_RAW}, \
	API_INCIDENT_ROUTES

/* The consultation desk (R9); /incidents/board before /incidents/{}. */
#define API_INCIDENT_LIMIT (16 * 1024 * 1024)
#define API_INCIDENT_ROUTES                                                                          \
	{"GET", "/api/v1/incidents/board", api_incidents_board, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/incidents/digest", api_incidents_digest, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/incidents", api_incidents_create, ACC_USER, AUTH_BEARER, false, API_INCIDENT_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/incidents", api_incidents_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/incidents/{}", api_incidents_get, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"PATCH", "/api/v1/incidents/{}", api_incidents_update, ACC_USER, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"POST", "/api/v1/incidents/{}/events", api_incidents_message, ACC_USER, AUTH_BEARER, false, API_TOPIC_LIMIT, OUT_JSON}, \
	{"POST", "/api/v1/incidents/{}/state", api_incidents_state, ACC_USER, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"POST", "/api/v1/incidents/{}/support-requests", api_incidents_support, ACC_USER, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"POST", "/api/v1/incidents/{}/attachments", api_incidents_attach, ACC_USER, AUTH_BEARER, false, API_UPLOAD_LIMIT, OUT_JSON}, \
	{"POST", "/api/v1/incidents/{}/sanitised-draft", api_incidents_draft, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/incident-attachments/{}", api_incident_attachment_download, ACC_USER, AUTH_BEARER, false, 0, OUT_RAW}, \
	{"GET", "/api/v1/support-requests", api_support_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/support-requests/{}", api_support_get, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/support-requests/{}/answer", api_support_answer, ACC_USER, AUTH_BEARER, false, API_TOPIC_LIMIT, OUT_JSON}, \
	{"POST", "/api/v1/upward-reports", api_upward_create, ACC_USER, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON}, \
	{"GET", "/api/v1/upward-reports", api_upward_list, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/upward-reports/{}", api_upward_get, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/upward-reports/{}/send", api_upward_send, ACC_USER, AUTH_BEARER, false, API_JSON_LIMIT, OUT_JSON},

#endif
