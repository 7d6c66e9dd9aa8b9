/* routes.c - the one route table (app_routes) the HTTP layer dispatches
 * from.  Each row declares who may call the route, how they authenticate,
 * whether the form must carry the CSRF token, the body limit and the
 * output kind; the router enforces all of it before the handler runs.
 * Web pages: OUT_HTML + AUTH_SESSION, csrf on every POST.  Pages that
 * both anonymous and logged-in people reach (login, TOTP enrolment, the
 * language switch) are ACC_ANY and decide in the handler where to send
 * the visitor; everything else is gated here. */
#include "api/api.h"
#include "core/topic.h"
#include "api/indicators.h"
#include "api/feeds.h"
#include "web/feeds.h"
#include "http/http.h"
#include "taxii/taxii.h"
#include "web/web.h"
#include "core/topic.h" /* ATTACHMENT_MAX */

#define FORM_LIMIT (64 * 1024)
#define SMALL_FORM (8 * 1024)
/* A topic body of TOPIC_BODY_MAX code points (up to 4 bytes each) plus one
 * attachment; a comment body. */
#define TOPIC_FORM_LIMIT (ATTACHMENT_MAX + 512 * 1024)
#define COMMENT_FORM_LIMIT (512 * 1024)
/* A STIX bundle or CSV list of up to STIX_MAX_DOC bytes and the form's fields. */
#define INDICATOR_IMPORT_LIMIT (32 * 1024 * 1024 + 64 * 1024)

#define PAGE(m, p, h, acc) {m, p, h, acc, AUTH_SESSION, false, 0, OUT_HTML}
#define FORM(p, h, acc, lim) {"POST", p, h, acc, AUTH_SESSION, true, lim, OUT_HTML}

const struct route app_routes[] = {
	/* infrastructure */
	{"GET", "/healthz", http_healthz_handler, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/metrics", http_metrics_handler, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	{"GET", "/assets/{}", web_assets, ACC_ANY, AUTH_NONE, false, 0, OUT_RAW},
	FORM("/lang", web_lang, ACC_ANY, SMALL_FORM),

	/* home and identity */
	PAGE("GET", "/", web_home, ACC_ANY),
	PAGE("GET", "/login", web_login_get, ACC_ANY),
	FORM("/login", web_login_post, ACC_ANY, SMALL_FORM),
	PAGE("GET", "/login/totp", web_totp_get, ACC_ANY),
	FORM("/login/totp", web_totp_post, ACC_PRE_MFA, SMALL_FORM),
	FORM("/logout", web_logout, ACC_ANY, SMALL_FORM),
	PAGE("GET", "/totp/enrol", web_enrol_get, ACC_ANY),
	FORM("/totp/enrol", web_enrol_post, ACC_ANY, SMALL_FORM),

	/* own account */
	PAGE("GET", "/account", web_account_get, ACC_USER),
	FORM("/account", web_account_post, ACC_USER, FORM_LIMIT),
	FORM("/account/password", web_account_password, ACC_USER, SMALL_FORM),
	FORM("/account/logout-all", web_account_logout_all, ACC_USER, SMALL_FORM),
	FORM("/account/apikeys", web_apikey_create, ACC_USER, SMALL_FORM),
	FORM("/account/apikeys/{}/revoke", web_apikey_revoke, ACC_USER, SMALL_FORM),

	/* directory */
	PAGE("GET", "/orgs", web_orgs, ACC_USER),
	PAGE("GET", "/orgs/{}", web_org_page, ACC_USER),

	/* joining */
	PAGE("GET", "/register", web_register_get, ACC_ANY),
	FORM("/register", web_register_post, ACC_ANY, FORM_LIMIT),
	PAGE("GET", "/invite/{}", web_invite_get, ACC_ANY),
	FORM("/invite/{}", web_invite_post, ACC_ANY, SMALL_FORM),

	/* administration */
	PAGE("GET", "/admin", web_admin, ACC_ORG_ADMIN),
	PAGE("GET", "/admin/orgs", web_admin_orgs, ACC_COORD),
	PAGE("GET", "/admin/orgs/new", web_admin_org_new_get, ACC_COORD),
	FORM("/admin/orgs/new", web_admin_org_new_post, ACC_COORD, FORM_LIMIT),
	PAGE("GET", "/admin/orgs/{}/edit", web_admin_org_edit_get, ACC_COORD),
	FORM("/admin/orgs/{}/edit", web_admin_org_edit_post, ACC_COORD, FORM_LIMIT),
	FORM("/admin/orgs/{}/invite", web_admin_org_invite, ACC_ORG_ADMIN, SMALL_FORM),
	PAGE("GET", "/admin/people", web_admin_people, ACC_ORG_ADMIN),
	PAGE("GET", "/admin/people/new", web_admin_person_new_get, ACC_ORG_ADMIN),
	FORM("/admin/people/new", web_admin_person_new_post, ACC_ORG_ADMIN, SMALL_FORM),
	FORM("/admin/people/{}/status", web_admin_person_status, ACC_ORG_ADMIN, SMALL_FORM),
	FORM("/admin/people/{}/role", web_admin_person_role, ACC_ORG_ADMIN, SMALL_FORM),
	FORM("/admin/people/{}/password", web_admin_person_password, ACC_ORG_ADMIN, SMALL_FORM),
	PAGE("GET", "/admin/applications", web_admin_applications, ACC_COORD),
	FORM("/admin/applications/{}/approve", web_admin_app_approve, ACC_COORD, SMALL_FORM),
	FORM("/admin/applications/{}/reject", web_admin_app_reject, ACC_COORD, SMALL_FORM),
	/* Every person may read the audit rows about their own organisation
	 * (R5.5); core's filter decides which rows. */
	PAGE("GET", "/admin/audit", web_audit, ACC_USER),
	/* TAXII feeds pulled from other centers (web/feeds.c) */
	WEB_FEED_ROUTES,

	/* communities and topics (R3, R4, R7) */
	PAGE("GET", "/communities", web_communities, ACC_USER),
	PAGE("GET", "/communities/new", web_community_new_get, ACC_USER),
	FORM("/communities/new", web_community_new_post, ACC_USER, FORM_LIMIT),
	PAGE("GET", "/c/{}", web_community_page, ACC_USER),
	FORM("/c/{}/join", web_community_join, ACC_USER, SMALL_FORM),
	FORM("/c/{}/leave", web_community_leave, ACC_USER, SMALL_FORM),
	PAGE("GET", "/c/{}/members", web_community_members, ACC_USER),
	FORM("/c/{}/members", web_community_member_set, ACC_USER, SMALL_FORM),
	FORM("/c/{}/members/remove", web_community_member_remove, ACC_USER, SMALL_FORM),
	PAGE("GET", "/c/{}/export.csv", web_community_export, ACC_USER),
	PAGE("GET", "/c/{}/new", web_topic_new_get, ACC_USER),
	FORM("/c/{}/new", web_topic_new_post, ACC_USER, TOPIC_FORM_LIMIT),
	PAGE("GET", "/topics", web_topics, ACC_USER),
	PAGE("GET", "/topics/export.csv", web_topics_export, ACC_USER),
	PAGE("GET", "/topics/{}", web_topic_page, ACC_USER),
	PAGE("GET", "/topics/{}/edit", web_topic_edit_get, ACC_USER),
	FORM("/topics/{}/edit", web_topic_edit_post, ACC_USER, TOPIC_FORM_LIMIT),
	PAGE("GET", "/topics/{}/history", web_topic_history, ACC_USER),
	FORM("/topics/{}/like", web_topic_like, ACC_USER, SMALL_FORM),
	FORM("/topics/{}/confirm", web_topic_confirm, ACC_USER, SMALL_FORM),
	FORM("/topics/{}/delete", web_topic_delete, ACC_USER, SMALL_FORM),
	FORM("/topics/{}/share", web_topic_share, ACC_USER, SMALL_FORM),
	FORM("/topics/{}/comments", web_comment_add, ACC_USER, COMMENT_FORM_LIMIT),
	FORM("/comments/{}/delete", web_comment_delete, ACC_USER, SMALL_FORM),
	/* Downloads: the API's handler (always an attachment, sandboxed);
	 * a hidden file is the same HTML 404 page as a missing one. */
	PAGE("GET", "/attachments/{}", api_attachment_download, ACC_USER),
	PAGE("GET", "/notifications", web_notifications, ACC_USER),
	FORM("/notifications/read", web_notifications_read, ACC_USER, SMALL_FORM),
	FORM("/account/notifications", web_notify_settings_post, ACC_USER, SMALL_FORM),

	/* consultation desk (web/incident.c); /incidents/new before /incidents/{} */
	PAGE("GET", "/incidents", web_incidents, ACC_USER),
	PAGE("GET", "/incidents/new", web_incident_new_get, ACC_USER),
	FORM("/incidents/new", web_incident_new_post, ACC_USER, ATTACHMENT_MAX + FORM_LIMIT),
	PAGE("GET", "/incidents/{}", web_incident_page, ACC_USER),
	FORM("/incidents/{}/message", web_incident_message, ACC_USER, FORM_LIMIT),
	FORM("/incidents/{}/state", web_incident_state, ACC_USER, SMALL_FORM),
	FORM("/incidents/{}/triage", web_incident_triage, ACC_USER, SMALL_FORM),
	FORM("/incidents/{}/support", web_incident_support, ACC_USER, FORM_LIMIT),
	FORM("/support-requests/{}/answer", web_support_answer, ACC_USER, FORM_LIMIT),
	{"GET", "/incident-files/{}", web_incident_file, ACC_USER, AUTH_SESSION, false, 0, OUT_RAW},
	/* Upward reports and sanitised lessons (web/incident_report.c):
	 * ACC_USER on purpose - the handlers answer non-coordinators with
	 * the 404 of a missing page, not a 403 that says the page exists. */
	PAGE("GET", "/incidents/{}/lesson", web_lesson_get, ACC_USER),
	FORM("/incidents/{}/lesson", web_lesson_post, ACC_USER, 4 * FORM_LIMIT),
	PAGE("GET", "/upward-reports", web_upward_reports, ACC_USER),
	PAGE("GET", "/upward-reports/new", web_upward_new_get, ACC_USER),
	FORM("/upward-reports/new", web_upward_new_post, ACC_USER, FORM_LIMIT),
	PAGE("GET", "/upward-reports/{}", web_upward_page, ACC_USER),
	{"GET", "/upward-reports/{}/csv", web_upward_csv, ACC_USER, AUTH_SESSION, false, 0, OUT_RAW},
	FORM("/upward-reports/{}/send", web_upward_send, ACC_USER, SMALL_FORM),

	/* indicators (web/indicator.c, R11); /indicators/import and the
	 * exports before /indicators/{}.  The exports are the JSON API's
	 * streaming handlers reached with the session (errors as HTML). */
	PAGE("GET", "/indicators", web_indicators, ACC_USER),
	PAGE("GET", "/indicators/import", web_indicator_import_get, ACC_USER),
	FORM("/indicators/import", web_indicator_import_post, ACC_USER, INDICATOR_IMPORT_LIMIT),
	PAGE("GET", "/indicators/import/{}", web_indicator_import_status, ACC_USER),
	PAGE("GET", "/indicators/export", api_indicators_export, ACC_USER),
	PAGE("GET", "/indicators/blocklist/{}", api_indicators_blocklist, ACC_USER),
	PAGE("GET", "/indicators/{}", web_indicator_page, ACC_USER),

	/* JSON API v1 (src/api) */
	API_ROUTES
	INDICATOR_ROUTES,
	FEED_API_ROUTES,

	/* TAXII 2.1 (src/taxii) */
	TAXII_ROUTES
};

const size_t app_nroutes = sizeof app_routes / sizeof app_routes[0];
