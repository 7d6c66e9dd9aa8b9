/* auth.h - passwords, sessions, TOTP, recovery codes and API keys (R2). */
#ifndef KR_AUTH_H
#define KR_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/ctx.h"

#define AUTH_IDLE_MS (2LL * 60 * 60 * 1000)        /* 2 h idle */
#define AUTH_ABSOLUTE_MS (12LL * 60 * 60 * 1000)   /* 12 h absolute */
#define AUTH_MAX_FAILS 5                             /* then lock */
#define AUTH_LOCK_MS (15LL * 60 * 1000)

/* Argon2id (libsodium, interactive limits).  out: >= 128 bytes. */
int auth_hash_password(const char *pw, char *out, size_t outsz);
bool auth_check_password(const char *hash, const char *pw);
/* Policy check: KR_EINVAL when too short/long or not valid UTF-8. */
int auth_password_ok(const char *pw);

struct login_result {
	const char *token;      /* cookie value (only ever shown here) */
	const char *csrf;
	bool mfa_needed;        /* enter a TOTP or recovery code next */
	bool mfa_enrol;         /* role requires TOTP and none is enrolled */
};

/* Check login + password; on success open a session.  Throttled per IP and
 * per login (KR_ELOCKED); wrong credentials, unknown and disabled logins
 * all answer KR_EAUTH after the same hashing work. */
int auth_login(struct ctx *c, const char *login, const char *password,
	       const char *user_agent, struct login_result *out);

/* Resolve a session cookie.  Fills c->who (unless mfa pending, when only
 * person_id/login/locale are set) and *csrf.  KR_EAUTH when unknown or
 * expired (idle/absolute).  Touches last_seen at most once a minute. */
int auth_session(struct ctx *c, const char *token, const char **csrf, bool *mfa_pending);
/* auth_session in two halves, so a page can resolve its session inside
 * its read snapshot (one statement, no write) and do the rare write
 * outside it: auth_session_read() answers like auth_session() and fills
 * *chk with the write still owed - delete an expired session (it returned
 * KR_EAUTH), or move last_seen (more than a minute old).
 * auth_session_write() does that write (KR_OK when none is owed); it must
 * not run inside a read-only transaction. */
struct session_check {
	int64_t session_id;
	bool expired;
	bool touch;
};
int auth_session_read(struct ctx *c, const char *token, const char **csrf, bool *mfa_pending,
		      struct session_check *chk);
int auth_session_write(struct ctx *c, const struct session_check *chk);
int auth_logout(struct ctx *c, const char *token);
/* End every session of the acting person ("log out everywhere"). */
int auth_logout_all(struct ctx *c);

/* TOTP (RFC 6238, SHA-1, 6 digits, 30 s, +-1 step). */
/* New secret for enrolment: base32 secret and otpauth:// URI. */
int auth_totp_new(struct ctx *c, const char **secret_b32, const char **uri);
/* Confirm enrolment with a code from the app; returns 10 recovery codes
 * (shown once).  Marks the current session as MFA-complete. */
int auth_totp_enable(struct ctx *c, const char *token, const char *secret_b32,
		     const char *code, const char ***codes, size_t *ncodes);
/* Second step of login: a TOTP code or a recovery code (single use). */
int auth_totp_verify(struct ctx *c, const char *token, const char *code);
int auth_totp_disable(struct ctx *c, const char *password);
/* SVG (QR code) for an otpauth URI, arena-allocated. */
const char *auth_qr_svg(struct ctx *c, const char *uri);

/* API keys: "kr_" + prefix + "_" + secret; stored hashed (SHA-256). */
int auth_apikey_create(struct ctx *c, const char *login, const char *label, const char **key);
int auth_apikey_revoke(struct ctx *c, const char *prefix);
/* Resolve a key into c->who; KR_EAUTH when unknown/revoked/disabled. */
int auth_apikey(struct ctx *c, const char *key);
/* auth_apikey in two halves (see auth_session_read): the read sets *touch
 * to the key's id when last_used is more than a minute old (else 0), and
 * auth_apikey_touch() writes it (a no-op for 0). */
int auth_apikey_read(struct ctx *c, const char *key, int64_t *touch);
int auth_apikey_touch(struct ctx *c, int64_t key_id);

struct apikey_info {
	const char *prefix, *label;
	int64_t created_at, last_used_at, revoked_at;
};
int auth_apikey_list(struct ctx *c, struct apikey_info **out, size_t *n);

#endif
