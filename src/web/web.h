/* web.h - what the page families (home, login, account, directory,
 * register, admin) share: the layout, form helpers, flash redirects and
 * small formatting helpers.  Every function writes into r->out through the
 * escaping API of html.h; nothing here decides access (core does). */
#ifndef KR_WEB_H
#define KR_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "web/html.h"
#include "web/i18n.h"

/* The message for key in the request's language. */
const char *web_t(const struct request *r, const char *key);
/* A message with values in it: the text of key with each {name} replaced
 * by the value of that name (names[i] -> vals[i]), so each language puts
 * them in its own order ("{total}件中 {from}〜{to}" / "{from}–{to} of
 * {total}").  Plain text in the request's arena: escape it like any
 * other (html_printf's %s).  An unknown {name} is kept as written. */
const char *web_tf(struct request *r, const char *key, const char *const *names,
		   const char *const *vals, size_t n);

/* Layout.  page_begin writes the document head, header, navigation,
 * language switch and any flash message (the `flash` query parameter, a
 * catalogue key starting "flash.") and opens <main>; title is a catalogue
 * key when tr_has() knows it, else literal text (escaped either way).
 * page_end closes <main>, writes the footer, sets the content type and
 * returns 200 so handlers can `return page_end(r);`.  page_end_status
 * does the same with another status (form errors: 422). */
void page_begin(struct request *r, const char *title);
int page_end(struct request *r);
int page_end_status(struct request *r, int status);

/* <input type=hidden name=csrf> with the session's (or pre-session's)
 * token. */
void web_csrf(struct request *r);
/* An error box naming the failed field: msg_key is the message,
 * bad the field key from core (may be NULL). */
void web_form_error(struct request *r, const char *msg_key, const char *bad);
/* Localized label for a field key from core's *bad ("login",
 * "name_ja"...): "field.<bad>" when the catalogue has it, else bad. */
const char *web_field_label(struct request *r, const char *bad);
/* A labelled text input; value may be NULL; type "text", "email",
 * "password"...; required adds the attribute. */
void web_input(struct request *r, const char *name, const char *label_key, const char *type,
	       const char *value, bool required);
/* 303 to path with ?flash=key (or &flash= when path has a query). */
int web_redirect_flash(struct request *r, const char *path, const char *flash_key);
/* The `next` parameter when it is a safe local path, else fallback. */
const char *web_next(struct request *r, const char *fallback);
/* The current path plus query string, re-encoded (for `next`). */
const char *web_self(struct request *r);
/* Epoch ms in the viewer's zone, "YYYY-MM-DD HH:MM"; "" for 0. */
const char *web_time(struct request *r, int64_t ms);
/* The viewer's zone offset in minutes (Asia/Tokyo when unknown). */
int web_tz_offset(struct request *r);
/* Who the viewer is. */
bool web_logged_in(const struct request *r);   /* MFA complete */
bool web_is_coord(const struct request *r);    /* coordinator or admin */
bool web_is_org_admin(const struct request *r);
/* The display name of an organisation in the request's language. */
const char *web_org_name(const struct request *r, const char *ja, const char *en);
/* Form value trimmed of surrounding ASCII space; "" when absent. */
const char *web_field(struct request *r, const char *key);
/* Render the status of a core call that failed on a form page: KR_EINVAL
 * -> the field message, others -> the generic message for the code. */
const char *web_rc_key(int rc);
int web_status_for(int rc);
/* Link to "the same page with another cursor/from", keeping the other
 * query parameters except those named in drop (NULL-terminated). */
const char *web_self_with(struct request *r, const char *const *drop, const char *k1,
			  const char *v1, const char *k2, const char *v2);
/* The public URL of this site as the browser sees it ("https://host"). */
const char *web_origin(struct request *r);

/* Labels and pickers for organisation kinds and sectors (directory.c):
 * "kind.<k>" / "sector.<s>" from the catalogue, the raw value when core
 * knows one the catalogue does not.  first_key labels the empty option. */
const char *web_kind_label(struct request *r, const char *kind);
const char *web_sector_label(struct request *r, const char *sector);
void web_select_kind(struct request *r, const char *name, const char *cur, const char *first_key);
void web_select_sector(struct request *r, const char *name, const char *cur,
		       const char *first_key);
/* Keyset paging: "63件中 1〜20"; `from` (1-based position of the first
 * row) travels next to the opaque cursor; the pager links keep the other
 * query parameters. */
void web_range(struct request *r, int64_t total, int64_t from, size_t n);
/* The same for counts that stop at a cap: "1000件以上中 1〜20" when more. */
void web_range_more(struct request *r, int64_t total, bool more, int64_t from, size_t n);
int64_t web_from(struct request *r);
void web_next_page(struct request *r, const char *cursor, int64_t from, size_t n);

/* Page handlers (one file per family). */
int web_home(struct request *r);
int web_assets(struct request *r);
int web_lang(struct request *r);

int web_login_get(struct request *r);
int web_login_post(struct request *r);
int web_totp_get(struct request *r);
int web_totp_post(struct request *r);
int web_logout(struct request *r);
int web_enrol_get(struct request *r);
int web_enrol_post(struct request *r);

int web_account_get(struct request *r);
int web_account_post(struct request *r);
int web_account_password(struct request *r);
int web_account_logout_all(struct request *r);
int web_apikey_create(struct request *r);
int web_apikey_revoke(struct request *r);

int web_orgs(struct request *r);
int web_org_page(struct request *r);

int web_register_get(struct request *r);
int web_register_post(struct request *r);
int web_invite_get(struct request *r);
int web_invite_post(struct request *r);

int web_admin(struct request *r);
int web_admin_orgs(struct request *r);
int web_admin_org_new_get(struct request *r);
int web_admin_org_new_post(struct request *r);
int web_admin_org_edit_get(struct request *r);
int web_admin_org_edit_post(struct request *r);
int web_admin_org_invite(struct request *r);
int web_admin_people(struct request *r);
int web_admin_person_new_get(struct request *r);
int web_admin_person_new_post(struct request *r);
int web_admin_person_status(struct request *r);
int web_admin_person_role(struct request *r);
int web_admin_person_password(struct request *r);
int web_admin_applications(struct request *r);
int web_admin_app_approve(struct request *r);
int web_admin_app_reject(struct request *r);
int web_audit(struct request *r);

/* Communities, topics and notifications (community.c, topic.c, notice.c). */
struct topic;
struct topic_filter;
/* "【重要】" for a tag, "" for none; localized information category. */
const char *web_tag_label(struct request *r, const char *tag);
const char *web_category_label(struct request *r, const char *cat);
/* Topic-list query parameters (sort, tag, category, tlp, org, from, to,
 * limit, cursor); 0, or the 400 failure already set. */
int web_topic_filter(struct request *r, struct topic_filter *f);
/* Topic rows (a <ul class="topics">) or "nothing found". */
void web_topic_items(struct request *r, const struct topic *items, size_t n, bool show_community);
/* The list of one community with filters and pager; 0 or a failure. */
int web_community_topics(struct request *r, const char *slug);
/* The logged-in part of the home page (R3.3). */
void web_home_sections(struct request *r);
/* The notification-settings card of the account page. */
void web_notify_settings_section(struct request *r);

int web_communities(struct request *r);
int web_community_new_get(struct request *r);
int web_community_new_post(struct request *r);
int web_community_page(struct request *r);
int web_community_join(struct request *r);
int web_community_leave(struct request *r);
int web_community_members(struct request *r);
int web_community_member_set(struct request *r);
int web_community_member_remove(struct request *r);
int web_community_export(struct request *r);
int web_topics(struct request *r);
int web_topics_export(struct request *r);
int web_topic_new_get(struct request *r);
int web_topic_new_post(struct request *r);
int web_topic_page(struct request *r);
int web_topic_edit_get(struct request *r);
int web_topic_edit_post(struct request *r);
int web_topic_like(struct request *r);
int web_topic_confirm(struct request *r);
int web_topic_delete(struct request *r);
int web_topic_share(struct request *r);
int web_topic_history(struct request *r);
int web_comment_add(struct request *r);
int web_comment_delete(struct request *r);
int web_notifications(struct request *r);
int web_notifications_read(struct request *r);
int web_notify_settings_post(struct request *r);

/* The consultation desk (web/incident.c). */
int web_incidents(struct request *r);
int web_incident_new_get(struct request *r);
int web_incident_new_post(struct request *r);
int web_incident_page(struct request *r);
int web_incident_message(struct request *r);
int web_incident_state(struct request *r);
int web_incident_triage(struct request *r);
int web_incident_support(struct request *r);
int web_support_answer(struct request *r);
int web_incident_file(struct request *r);
/* Upward reports and sanitised lessons (web/incident_report.c). */
int web_upward_reports(struct request *r);
int web_upward_new_get(struct request *r);
int web_upward_new_post(struct request *r);
int web_upward_page(struct request *r);
int web_upward_csv(struct request *r);
int web_upward_send(struct request *r);
int web_lesson_get(struct request *r);
int web_lesson_post(struct request *r);

/* Indicators (web/indicator.c). */
int web_indicators(struct request *r);
int web_indicator_page(struct request *r);
int web_indicator_import_get(struct request *r);
int web_indicator_import_post(struct request *r);
int web_indicator_import_status(struct request *r);

#endif
