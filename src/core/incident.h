/* incident.h - the consultation desk and incident coordination (R9):
 * one-stop reporting to designated organisations and the coordination
 * center, the triage board, the timeline, support requests to security
 * agencies, response-time targets and measures, AM/PM upward reports and
 * sanitised lesson-learned drafts.
 *
 * Visibility is acl's (acl_case_visible / ACL_CASE_PRED): a hidden case
 * answers exactly like a missing one (KR_ENOTFOUND) on every path -
 * lists, counts, timeline, attachments, support requests.  Every write
 * runs in one transaction with its audit row; a failing call changes
 * nothing.  Strings returned live in c->a. */
#ifndef KR_INCIDENT_H
#define KR_INCIDENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/ctx.h"
#include "core/jobs.h"
#include "core/topic.h"

extern const char *const incident_kinds[];     /* report_incident suspected support_request question */
extern const size_t incident_nkinds;
extern const char *const incident_states[];    /* new ... closed, in board order */
extern const size_t incident_nstates;
extern const char *const incident_classes[];   /* outage cloud_outage ... other (R9.2) */
extern const size_t incident_nclasses;
extern const char *const incident_priorities[]; /* p1 p2 p3 p4 */
extern const size_t incident_npriorities;
extern const char *const support_kinds[];      /* advice investigation malware_analysis takedown onsite */
extern const size_t support_nkinds;
bool incident_in(const char *const *set, size_t n, const char *s);

/* Is moving a case from one state to another allowed?  new -> triaged |
 * closed; the working states (triaged, coordinating, supporting,
 * monitoring) among each other and to resolved | closed; resolved ->
 * closed; reopen: resolved | closed -> triaged.  Never to new, never to
 * the same state. */
bool incident_transition_ok(const char *from, const char *to);

/* Parse a time given by a client: RFC 3339 ("2021-07-24T10:15:00Z",
 * "...+09:00", seconds and fraction optional) or "YYYY-MM-DD HH:MM"
 * (Asia/Tokyo).  KR_EINVAL otherwise. */
int incident_parse_time(const char *s, int64_t *out);

#define INCIDENT_TITLE_MAX 200          /* code points */
#define INCIDENT_TEXT_MAX 50000         /* description, messages, answers */
#define INCIDENT_FIELD_MAX 2000         /* impact, affected systems */
#define INCIDENT_RECIPIENTS_MAX 50
#define INCIDENT_TEAM_MAX 100

struct incident_input {
	const char *kind, *title, *description, *tlp, *impact, *affected_systems;
	int64_t started_at;                 /* epoch ms; 0 = not known; not in the future */
	const char *const *recipients;      /* org slugs designated by the reporter */
	size_t n_recipients;
	/* Optional attachment (filename NULL: none). */
	const char *filename, *ctype;
	const void *data;
	size_t len;
};

/* File a case as the viewer's organisation.  The coordination center
 * ("cc") is always a recipient; designated organisations must be active
 * and distinct from the reporter.  Everyone who may see the case is told
 * in-app and by mail (RED/AMBER: only a link).  Returns the public id
 * C-YYYYMMDD-NNNN.  KR_EINVAL with *bad = field key. */
int incident_report(struct ctx *c, const struct incident_input *in, const char **public_id, const char **bad);

struct incident_recipient {
	const char *org, *name_ja, *name_en, *via; /* via: designated | cc | support */
};

struct incident {
	int64_t id;
	const char *public_id, *kind, *title, *description, *impact, *affected_systems;
	enum tlp tlp;
	const char *state, *priority, *klass, *assignee_team;
	bool affects_event, public_visibility;
	const char *reporter, *reporter_name, *reporter_org, *reporter_org_name_ja, *reporter_org_name_en;
	int64_t started_at, created_at, updated_at, triaged_at, first_support_at, resolved_at, closed_at;
	int64_t due_at;                     /* next response-time deadline (0: none) */
	bool overdue;                       /* due_at passed while still open */
	/* Measures in ms, -1 when not reached yet. */
	int64_t time_to_triage, time_to_first_support, time_to_resolve;
	/* incident_get only. */
	struct incident_recipient *recipients;
	size_t n_recipients;
	bool can_coordinate;                /* may triage, change state, ask agencies */
};

int incident_get(struct ctx *c, const char *public_id, struct incident *out);

/* Tri-state flag filters / updates. */
enum flag_sel { FLAG_ANY = 0, FLAG_SET = 1, FLAG_CLEAR = 2 };

struct incident_filter {
	const char *state, *klass, *priority, *kind;
	const char *org;                    /* reporter org slug */
	const char *q;                      /* keywords (R7.2): every word in the title,
					     * description, impact, affected systems or
					     * timeline texts; 2-character Japanese words
					     * work (CJK bigrams, see lib/tokenize.h) */
	enum flag_sel affects_event, public_visibility;
	bool overdue;                       /* only open cases past their deadline */
	const char *cursor;
	int limit;                          /* 1..100, 0 = 20 */
};
struct incident_page {
	struct incident *items;
	size_t n;
	int64_t total;
	const char *next_cursor;
};
/* Visible cases, newest first (keyset paged on created_at, id). */
int incident_list(struct ctx *c, const struct incident_filter *f, struct incident_page *out);

struct incident_count {
	const char *key;
	int64_t n;
};
struct incident_board {
	struct incident_count *by_state;    /* every state, board order */
	size_t n_states;
	struct incident_count *by_class;    /* every class */
	size_t n_classes;
	struct incident_count *by_priority;
	size_t n_priorities;
	int64_t total, overdue;
};
/* Counts of the visible cases matching f (cursor and limit ignored). */
int incident_board(struct ctx *c, const struct incident_filter *f, struct incident_board *out);

struct incident_measures {
	int64_t cases, triaged, supported, resolved, open, overdue;
	int64_t avg_triage_ms, avg_first_support_ms, avg_resolve_ms; /* -1: no data */
};
/* Aggregates over the visible cases. */
int incident_measures(struct ctx *c, struct incident_measures *out);

/* Change state (coordinators): illegal transitions -> KR_EINVAL, nothing
 * changed.  note (optional) goes on the timeline. */
int incident_set_state(struct ctx *c, const char *public_id, const char *state, const char *note);

struct incident_triage {
	const char *priority, *klass, *assignee_team; /* NULL: keep */
	enum flag_sel affects_event, public_visibility; /* FLAG_ANY: keep */
};
/* Triage (coordinators): a new case becomes triaged; the deadline
 * follows the priority's targets.  KR_EINVAL + *bad. */
int incident_triage(struct ctx *c, const char *public_id, const struct incident_triage *t, const char **bad);

/* A message on the timeline (anyone who sees the case). */
int incident_message(struct ctx *c, const char *public_id, const char *body, int64_t *event_id);

struct incident_event {
	int64_t id, created_at;
	const char *kind, *actor, *actor_name, *actor_org, *body, *detail;
};
/* The whole timeline, oldest first (at most 2000 entries). */
int incident_timeline(struct ctx *c, const char *public_id, struct incident_event **out, size_t *n);

/* Files (anyone who sees the case). */
int incident_attach(struct ctx *c, const char *public_id, const char *filename, const char *ctype,
		    const void *data, size_t len, const char **att_id, const char **bad);
int incident_attachments(struct ctx *c, const char *public_id, struct attachment **out, size_t *n);
/* A visible case's file with its bytes (KR_ENOTFOUND otherwise). */
int incident_attachment_get(struct ctx *c, const char *att_id, struct attachment *out);

struct support_request {
	int64_t id;
	const char *case_id;                /* the case's public id */
	const char *agency, *agency_name_ja, *agency_name_en;
	const char *kind, *state, *note, *answer;
	int64_t created_at, decided_at, answered_at;
};
/* Ask a security agency for support (coordinators).  The agency must be
 * an active organisation of kind security_agency (else KR_EINVAL, bad =
 * "agency"); it becomes a recipient of the case. */
int support_request_create(struct ctx *c, const char *public_id, const char *agency, const char *kind,
			   const char *note, int64_t *id, const char **bad);
/* The agency's people: action accept | decline (while requested) or
 * answer (while requested or accepted; text required).  Others who see
 * the case: KR_EPERM; illegal actions KR_EINVAL. */
int support_request_respond(struct ctx *c, int64_t id, const char *action, const char *text, const char **bad);
int support_request_get(struct ctx *c, int64_t id, struct support_request *out);
/* Requests of one case, or (public_id NULL) those addressed to the
 * viewer's organisation. */
int support_request_list(struct ctx *c, const char *public_id, struct support_request **out, size_t *n);

/* Response-time targets of a priority (ms): the case_targets row, else
 * the defaults p1 30 min / 4 h, p2 1 h / 24 h, p3 4 h / 72 h, p4 24 h / 7 d. */
int incident_targets(struct ctx *c, const char *priority, int64_t *triage_ms, int64_t *resolve_ms);
/* Set a priority's targets (coordinators; audited). */
int incident_set_targets(struct ctx *c, const char *priority, int64_t triage_ms, int64_t resolve_ms);
/* The "incident_due" job: escalate a case whose deadline passed (the
 * coordinators among its recipients are told in-app and by mail). */
int incident_run_job(struct ctx *c, const struct job *j);

struct upward_report {
	int64_t id, created_at, sent_at;
	const char *public_id, *period, *report_date, *body, *csv, *sent_to, *created_by;
	const char **cases;                 /* case public ids */
	size_t n_cases;
};
/* Issue an AM/PM report (coordinators) for date YYYY-MM-DD.  cases: the
 * public ids chosen; each must be visible, flagged affects_event or
 * public_visibility, and not TLP:RED (KR_EINVAL, bad = "cases").  n == 0
 * picks every such visible case still open or updated in the last 24 h.
 * The printable text and CSV (bilingual headings) are kept as issued. */
int upward_report_create(struct ctx *c, const char *period, const char *date, const char *const *cases,
			 size_t n, const char **public_id, const char **bad);
/* Log the sending of a report to `to` (audit row). */
int upward_report_send(struct ctx *c, const char *public_id, const char *to);
/* Reports are visible to coordinators of the issuing organisation. */
int upward_report_get(struct ctx *c, const char *public_id, struct upward_report *out);
int upward_report_list(struct ctx *c, struct upward_report **out, size_t *n);
/* Every logged sending of a visible report, oldest first (from the
 * audit log; the report row keeps only the last). */
struct upward_send {
	int64_t at;
	const char *to, *by;
};
int upward_report_sends(struct ctx *c, const char *public_id, struct upward_send **out, size_t *n);

struct sanitised_item {
	const char *kind;                   /* org | person | email | host | ip | term */
	const char *original, *placeholder;
	bool kept;                          /* found, left in on the reviewer's word */
};
struct sanitised_draft {
	const char *title, *body;
	struct sanitised_item *removed;
	size_t n_removed;
};
/* A lesson-learned topic draft from a case (coordinators), with the
 * reporter organisation's names, people's names, e-mail addresses,
 * hostnames/domains and IP addresses replaced by placeholders, and the
 * list of what was removed, for review before topic_create. */
int incident_sanitised_draft(struct ctx *c, const char *public_id, struct sanitised_draft *out);
/* The rule itself, on any text: terms (names) first, longest first, then
 * e-mail addresses, IP addresses and host names.  Removed items are
 * appended to *items (arena-grown). */
const char *sanitise_text(struct arena *a, const char *text, const char *const *terms, const char *const *kinds,
			  size_t nterms, struct sanitised_item **items, size_t *n);

/* The review step of R9.5.  The reviewer keeps some of the strings the
 * rules found (keep: as listed in found[].original, ASCII case ignored)
 * and names extra terms to strip (kind "term", at least 2 bytes each).
 * Limits: LESSON_KEEP_MAX kept, LESSON_EXTRA_MAX extra terms of at most
 * 200 code points (KR_EINVAL, bad = "keep" / "extra"). */
#define LESSON_KEEP_MAX 500
#define LESSON_EXTRA_MAX 50
struct lesson_review {
	const char *orig_title, *orig_body; /* the draft before sanitising */
	const char *title, *body;           /* after */
	struct sanitised_item *found;       /* stripped and kept, in finding order */
	size_t n_found;
};
/* Coordinators who see the case (else KR_ENOTFOUND / KR_EPERM). */
int incident_lesson_review(struct ctx *c, const char *public_id, const char *const *keep, size_t nkeep,
			   const char *const *extra, size_t nextra, struct lesson_review *out);
struct lesson_input {
	const char *const *keep;
	size_t nkeep;
	const char *const *extra;
	size_t nextra;
	const char *title, *body;           /* as edited by the reviewer */
	const char *community, *tlp;
};
/* Publish the reviewed lesson as a topic (category "incident") in a
 * community the coordinator may post in.  The edited title and body are
 * sanitised again by the same rules, so a stripped string typed back in
 * is stripped again; the case's timeline records the topic.  One
 * transaction; KR_EINVAL + *bad (title, body, community, tlp, keep,
 * extra); *topic_id is the new topic's public id. */
int incident_lesson_publish(struct ctx *c, const char *public_id, const struct lesson_input *in,
			    const char **topic_id, const char **bad);

/* Rebuild the keyword index of every case (after import-db / restore of
 * a dump, which does not carry the per-engine index).  System context
 * only; batches of 500 cases per transaction.  *n = cases indexed. */
int incident_reindex_all(struct ctx *c, int64_t *n);

/* Demo data (core/demo_incidents.c): the seed's 19 reports, 7 in upward
 * reports.  Needs demo_load's organisations and people. */
int demo_load_incidents(struct ctx *c);

#endif
