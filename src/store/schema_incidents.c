/* schema_incidents.c - migration 4: the consultation desk and incident
 * coordination (issue 4; SPEC R9): cases, their recipients, timeline,
 * support requests to security agencies, attachments, upward reports and
 * response-time targets per priority.
 *
 * Like topics, every case carries `space` so exercise data never mixes
 * with the real platform.  Who sees a case is decided by acl (reporter
 * organisation or a row in case_recipients); the coordination center is
 * always a recipient (R5.5). */
#include "store/db_engine.h"

const char db_m4_incidents[] =
	/* kind: report_incident | suspected | support_request | question.
	 * state: new | triaged | coordinating | supporting | monitoring |
	 * resolved | closed.  priority p1..p4; class per R9.2.  due_at is the
	 * next response-time deadline (triage while new, then resolution);
	 * escalated_due the deadline whose miss was already escalated. */
	"CREATE TABLE cases ("
	" id {ID},"
	" space BIGINT NOT NULL DEFAULT 0,"
	" public_id TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" reporter_id BIGINT NOT NULL REFERENCES people(id),"
	" reporter_org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" title TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" tlp TEXT NOT NULL,"
	" impact TEXT NOT NULL DEFAULT '',"
	" started_at BIGINT,"
	" affected_systems TEXT NOT NULL DEFAULT '',"
	" state TEXT NOT NULL DEFAULT 'new',"
	" priority TEXT NOT NULL DEFAULT 'p3',"
	" class TEXT NOT NULL DEFAULT 'other',"
	" affects_event INTEGER NOT NULL DEFAULT 0,"
	" public_visibility INTEGER NOT NULL DEFAULT 0,"
	" assignee_team TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" triaged_at BIGINT,"
	" first_support_at BIGINT,"
	" resolved_at BIGINT,"
	" closed_at BIGINT,"
	" due_at BIGINT,"
	" escalated_due BIGINT,"
	" UNIQUE (space, public_id));"
	"CREATE INDEX cases_space_updated ON cases (space, updated_at);"
	"CREATE INDEX cases_reporter_org ON cases (reporter_org_id, updated_at);"
	/* via: designated (by the reporter) | cc (always) | support (an agency
	 * asked for support). */
	"CREATE TABLE case_recipients ("
	" case_id BIGINT NOT NULL REFERENCES cases(id),"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" via TEXT NOT NULL DEFAULT 'designated',"
	" added_at BIGINT NOT NULL,"
	" PRIMARY KEY (case_id, org_id));"
	"CREATE INDEX case_recipients_org ON case_recipients (org_id, case_id);"
	/* The timeline: report | state | triage | message | file |
	 * support_request | support_answer | share | upward | escalation. */
	"CREATE TABLE case_events ("
	" id {ID},"
	" case_id BIGINT NOT NULL REFERENCES cases(id),"
	" kind TEXT NOT NULL,"
	" actor_id BIGINT REFERENCES people(id),"
	" actor_org_id BIGINT REFERENCES orgs(id),"
	" body TEXT NOT NULL DEFAULT '',"
	" detail TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL);"
	"CREATE INDEX case_events_case ON case_events (case_id, created_at);"
	/* Support requests to security agencies (R9.3).  kind: advice |
	 * investigation | malware_analysis | takedown | onsite; state:
	 * requested | accepted | declined | answered. */
	"CREATE TABLE support_requests ("
	" id {ID},"
	" case_id BIGINT NOT NULL REFERENCES cases(id),"
	" agency_org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" kind TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'requested',"
	" note TEXT NOT NULL DEFAULT '',"
	" answer TEXT NOT NULL DEFAULT '',"
	" requested_by BIGINT NOT NULL REFERENCES people(id),"
	" created_at BIGINT NOT NULL,"
	" decided_by BIGINT REFERENCES people(id),"
	" decided_at BIGINT,"
	" answered_at BIGINT);"
	"CREATE INDEX support_requests_case ON support_requests (case_id);"
	"CREATE INDEX support_requests_agency ON support_requests (agency_org_id, state);"
	/* Files on a case: in the database, with SHA-256, size-capped. */
	"CREATE TABLE case_attachments ("
	" id {ID},"
	" public_id TEXT NOT NULL UNIQUE,"
	" case_id BIGINT NOT NULL REFERENCES cases(id),"
	" filename TEXT NOT NULL,"
	" ctype TEXT NOT NULL,"
	" size BIGINT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" data {BLOB} NOT NULL,"
	" uploaded_by BIGINT NOT NULL REFERENCES people(id),"
	" created_at BIGINT NOT NULL);"
	"CREATE INDEX case_attachments_case ON case_attachments (case_id);"
	/* Upward reports (R9.4): AM/PM reports as issued (text and CSV kept
	 * as generated), their cases, and when and to whom they were sent. */
	"CREATE TABLE upward_reports ("
	" id {ID},"
	" space BIGINT NOT NULL DEFAULT 0,"
	" public_id TEXT NOT NULL,"
	" period TEXT NOT NULL,"
	" report_date TEXT NOT NULL,"
	" org_id BIGINT NOT NULL REFERENCES orgs(id),"
	" created_by BIGINT NOT NULL REFERENCES people(id),"
	" created_at BIGINT NOT NULL,"
	" body TEXT NOT NULL,"
	" csv TEXT NOT NULL,"
	" sent_to TEXT NOT NULL DEFAULT '',"
	" sent_at BIGINT,"
	" UNIQUE (space, public_id));"
	"CREATE TABLE upward_report_cases ("
	" report_id BIGINT NOT NULL REFERENCES upward_reports(id),"
	" case_id BIGINT NOT NULL REFERENCES cases(id),"
	" PRIMARY KEY (report_id, case_id));"
	/* Response-time targets per priority (R9.2), in milliseconds: a row
	 * overrides the built-in default of core/incident.c (the table starts
	 * empty so export-db / import-db can load into a fresh database). */
	"CREATE TABLE case_targets ("
	" priority TEXT PRIMARY KEY,"
	" triage_ms BIGINT NOT NULL,"
	" resolve_ms BIGINT NOT NULL);"
	/* In-app notifications about cases sit beside those about topics. */
	"ALTER TABLE notifications ADD COLUMN case_id BIGINT REFERENCES cases(id);";
