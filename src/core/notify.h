/* notify.h - notifications (R8): in-app rows, e-mail through the jobs
 * queue, the daily digest, per-person settings.  Mails about TLP:RED and
 * AMBER items carry only a link, never the content (R8.2). */
#ifndef KR_NOTIFY_H
#define KR_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/ctx.h"
#include "core/jobs.h"

/* After a topic is created (inside its transaction): must-read and
 * 【重要】 topics notify every recipient in-app and, per their settings,
 * by mail. */
int notify_topic_created(struct ctx *c, int64_t topic_id);
/* After a comment: the topic's author and earlier commenters. */
int notify_comment(struct ctx *c, int64_t topic_id);

struct notification {
	int64_t id, created_at;
	const char *kind;          /* must_read | important | reply | reminder */
	const char *topic;         /* public id */
	const char *title;         /* shown only if the viewer may still see it */
	bool read;
};
/* The viewer's newest notifications (topics re-checked against acl). */
int notification_list(struct ctx *c, struct notification **out, size_t *n, int64_t *unread);
int notification_mark_all_read(struct ctx *c);

struct notify_settings {
	bool must_read, important, replies, digest;
};
int notify_settings_get(struct ctx *c, struct notify_settings *out);
int notify_settings_set(struct ctx *c, const struct notify_settings *in);

/* Build and queue the daily digest mails (the "digest" job): per person,
 * the topics they may see that were posted in the last 24 hours. */
int notify_digest(struct ctx *c, int64_t since, size_t *sent);
/* Make sure the next digest (08:00 Asia/Tokyo) is scheduled. */
int notify_schedule_digest(struct ctx *c);

/* Run one claimed job (mail, digest); KR_OK or an error for job_fail. */
int notify_run_job(struct ctx *c, const struct job *j);

#endif
