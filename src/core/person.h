/* person.h - people and their roles (R1.2). */
#ifndef KR_PERSON_H
#define KR_PERSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/ctx.h"

struct person {
	int64_t id, org_id;
	const char *login;          /* [a-z0-9._-]{3,64} */
	const char *email;
	const char *display_name;
	const char *title, *phone;
	const char *locale;         /* ja | en */
	const char *tz;             /* see tz_offset_min() */
	enum role role;
	bool org_admin;
	const char *status;         /* active | disabled */
	bool totp_enabled;
	int64_t created_at, last_login_at;
	const char *org_slug, *org_name_ja, *org_name_en;
};

struct person_filter {
	const char *org_slug;       /* NULL = any (admins/coordinators) */
	const char *q;              /* login, name or e-mail substring */
	const char *status;
	const char *cursor;
	int limit;
};

struct person_page {
	struct person *items;
	size_t n;
	const char *next_cursor;
	int64_t total;
};

const char *role_name(enum role r);          /* "member" ... */
int role_parse(const char *s, enum role *out);
/* Minutes east of UTC for a supported zone name; KR_EINVAL otherwise. */
int tz_offset_min(const char *tz, int *out);
extern const char *const tz_names[];
extern const size_t tz_nnames;

/* Create a person in org in->org_id.  Admins anywhere, coordinators any
 * non-admin role, org-admins members of their own org, system anything.
 * password may be NULL (must then set one via invitation/reset).  Password
 * policy: 12..256 bytes of UTF-8.  KR_EINVAL with *bad = field key. */
int person_create(struct ctx *c, const struct person *in, const char *password,
		  int64_t *id_out, const char **bad);
/* Same as person_create but with a precomputed Argon2id hash (demo data). */
int person_create_hashed(struct ctx *c, const struct person *in, const char *pw_hash,
			 int64_t *id_out, const char **bad);
int person_get(struct ctx *c, const char *login, struct person *out);
int person_get_by_id(struct ctx *c, int64_t id, struct person *out);
/* Who may see what: people of one's own org for members; everyone for
 * coordinators/admins; the directory's contacts come from org_list. */
int person_list(struct ctx *c, const struct person_filter *f, struct person_page *out);
/* Own profile: display_name, title, phone, locale, tz, email. */
/* The directory's contacts of one organisation (R1.4): active people's
 * name, title, e-mail and phone, for any logged-in person.  Other fields
 * of struct person are left empty.  Ordered by name, at most 500. */
int person_contacts(struct ctx *c, int64_t org_id, struct person **out, size_t *n);
int person_update_profile(struct ctx *c, const struct person *in, const char **bad);
int person_set_role(struct ctx *c, const char *login, enum role role, bool org_admin);
/* Disable keeps history and ends the person's sessions and API keys. */
int person_set_status(struct ctx *c, const char *login, bool active);
/* Admin/org-admin reset; ends the person's sessions. */
int person_reset_password(struct ctx *c, const char *login, const char *password);
/* Self-service change; KR_EAUTH when old is wrong. */
int person_change_password(struct ctx *c, const char *old, const char *password);

#endif
