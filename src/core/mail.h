/* mail.h - outgoing e-mail over SMTP (libcurl), always through the jobs
 * queue so a mail server outage never blocks a request (R8.3). */
#ifndef KR_MAIL_H
#define KR_MAIL_H

#include <stdbool.h>
#include "core/ctx.h"

/* Set once at start-up.  smtp_url NULL: mail is queued but not sent (the
 * jobs wait, retrying, until a mail server is configured). */
void mail_configure(const char *smtp_url, const char *from, const char *base_url);
/* The public base URL for links ("http://127.0.0.1:8080" by default). */
const char *mail_base_url(void);

/* Queue one mail (plain text, UTF-8) to an address. */
int mail_queue(struct ctx *c, const char *to, const char *subject, const char *body);
/* Send one queued mail now (the "mail" job).  KR_EUNAVAIL when the server
 * cannot be reached (the job retries), KR_EINVAL for a bad payload. */
int mail_send_job(struct ctx *c, const char *payload);

#endif
