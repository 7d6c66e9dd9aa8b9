/* registration.h - joining the platform (R1.3): applications approved by the
 * coordination center, and invitations by e-mail link. */
#ifndef KR_REGISTRATION_H
#define KR_REGISTRATION_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/ctx.h"

struct application {
	int64_t id;
	const char *org_name_ja, *org_name_en, *kind, *sector;
	const char *contact_name, *contact_email, *login, *message;
	bool terms_accepted;
	const char *status;        /* pending | approved | rejected */
	int64_t created_at, decided_at;
	const char *decision_note;
};

/* Anyone may apply (terms must be accepted).  KR_EINVAL with *bad. */
int application_submit(struct ctx *c, const struct application *in, int64_t *id_out, const char **bad);
/* Coordinators: pending first, newest first. */
int application_list(struct ctx *c, const char *status, struct application **out, size_t *n);
/* Approve: creates the organisation (slug given) and its first person as
 * org-admin with an invitation link to set a password; returns the link
 * token in *invite_token.  Reject keeps the row with the note. */
int application_approve(struct ctx *c, int64_t id, const char *slug, const char **invite_token);
int application_reject(struct ctx *c, int64_t id, const char *note);

struct invitation {
	int64_t id;
	const char *org_slug, *org_name, *email, *role;
	bool org_admin;
	int64_t created_at, expires_at, accepted_at;
};

/* Invite someone into an org (org-admins for their own org, coordinators,
 * admins).  Returns the token for the link (valid 7 days). */
int invitation_create(struct ctx *c, const char *org_slug, const char *email, enum role role,
		      bool org_admin, const char **token);
/* Look up an open invitation by token (for the accept page). */
int invitation_get(struct ctx *c, const char *token, struct invitation *out);
/* Accept: creates the person with login/name/password.  KR_EINVAL + *bad. */
int invitation_accept(struct ctx *c, const char *token, const char *login,
		      const char *display_name, const char *password, const char **bad);

#endif
