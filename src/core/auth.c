/* auth.c - passwords (Argon2id), login throttling and lockout, sessions,
 * TOTP with recovery codes, API keys (R2.1, R2.2).
 *
 * Secrets we hand out (session cookies, API keys, recovery codes,
 * invitation tokens) are stored only as SHA-256 hashes: a copy of the
 * database does not let anyone log in. */
#include "core/auth.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "core/acl.h"
#include "core/audit.h"
#include "core/common.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

/* Argon2id at OWASP's recommended floor (19 MiB, t=2): a login costs tens
 * of milliseconds, not the 64 MiB of libsodium's "interactive" preset,
 * which would let a burst of logins exhaust a small server's memory. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

#define IP_WINDOW_MS (15LL * 60 * 1000)
#define IP_MAX_FAILS 30
#define TOTP_MAX_FAILS 5

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void auth_init(void)
{
	if (sodium_init() < 0)
		abort();
	oath_init();
	/* A real hash to verify against for unknown logins, so they cost the
	 * same time as known ones. */
	unsigned char pw[16];
	randombytes_buf(pw, sizeof pw);
	if (crypto_pwhash_str_alg(dummy_hash, (const char *)pw, sizeof pw, PW_OPSLIMIT,
				  PW_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0)
		abort();
}

int auth_password_ok(const char *pw)
{
	if (!pw)
		return KR_EINVAL;
	size_t n = strlen(pw);
	if (n < 12 || n > 256 || !utf8_valid(pw, n))
		return KR_EINVAL;
	return KR_OK;
}

int auth_hash_password(const char *pw, char *out, size_t outsz)
{
	pthread_once(&init_once, auth_init);
	if (outsz < crypto_pwhash_STRBYTES)
		return KR_EINVAL;
	if (crypto_pwhash_str_alg(out, pw, strlen(pw), PW_OPSLIMIT, PW_MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return KR_ENOMEM;
	return KR_OK;
}

bool auth_check_password(const char *hash, const char *pw)
{
	pthread_once(&init_once, auth_init);
	if (!hash || !*hash || !pw)
		return false;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

static char *hash_secret(struct arena *a, const char *secret)
{
	char *h = arena_alloc(a, 65);
	sha256_hex(secret, strlen(secret), h);
	return h;
}

/* Count one failure under key inside a window; returns hits so far. */
static int64_t throttle_hit(struct ctx *c, const char *key, int64_t window_ms)
{
	struct db_stmt *st;
	int64_t hits = 0;
	if (db_prepare(c->db,
		       "INSERT INTO throttle (key, hits, window_start) VALUES (?1, 1, ?2)"
		       " ON CONFLICT (key) DO UPDATE SET"
		       " hits = CASE WHEN throttle.window_start < ?3 THEN 1 ELSE throttle.hits + 1 END,"
		       " window_start = CASE WHEN throttle.window_start < ?3 THEN ?2 ELSE throttle.window_start END"
		       " RETURNING hits",
		       &st))
		return 0;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, c->now);
	db_bind_int(st, 3, c->now - window_ms);
	if (db_step(st) == KR_ROW)
		hits = db_col_int(st, 0);
	db_done(st);
	return hits;
}

static int64_t throttle_get(struct ctx *c, const char *key, int64_t window_ms)
{
	struct db_stmt *st;
	int64_t hits = 0;
	if (db_prepare(c->db, "SELECT hits FROM throttle WHERE key = ?1 AND window_start >= ?2", &st))
		return 0;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, c->now - window_ms);
	if (db_step(st) == KR_ROW)
		hits = db_col_int(st, 0);
	db_done(st);
	return hits;
}

static void throttle_clear(struct ctx *c, const char *key)
{
	struct db_stmt *st;
	if (db_prepare(c->db, "DELETE FROM throttle WHERE key = ?1", &st))
		return;
	db_bind_text(st, 1, key);
	db_step(st);
	db_done(st);
}

struct login_row {
	int64_t id, org_id, locked_until, failed;
	char *pw_hash, *status;
	enum role role;
	bool totp;
};

static int load_login(struct ctx *c, const char *login, struct login_row *lr)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT id, org_id, pw_hash, status, role, totp_enabled, failed_logins, locked_until"
			    " FROM people WHERE login = ?1",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, login);
	rc = db_step(st);
	if (rc == KR_ROW) {
		lr->id = db_col_int(st, 0);
		lr->org_id = db_col_int(st, 1);
		lr->pw_hash = db_col_dup(st, 2, c->a);
		lr->status = db_col_dup(st, 3, c->a);
		if (role_parse(db_col_text(st, 4), &lr->role))
			lr->role = ROLE_MEMBER;
		lr->totp = db_col_int(st, 5) != 0;
		lr->failed = db_col_int(st, 6);
		lr->locked_until = db_col_int(st, 7);
		rc = KR_OK;
	} else if (rc == KR_DONE) {
		rc = KR_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

static int session_create(struct ctx *c, int64_t person_id, bool mfa_ok, const char *ua,
			  struct login_result *out)
{
	const char *token = rand_token(c->a, 32);
	const char *csrf = rand_token(c->a, 24);
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "INSERT INTO sessions (token_hash, person_id, csrf, mfa_ok, created_at,"
			    " last_seen_at, expires_at, ip, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, hash_secret(c->a, token));
	db_bind_int(st, 2, person_id);
	db_bind_text(st, 3, csrf);
	db_bind_int(st, 4, mfa_ok ? 1 : 0);
	db_bind_int(st, 5, c->now);
	db_bind_int(st, 6, c->now + AUTH_ABSOLUTE_MS);
	db_bind_text(st, 7, c->ip ? c->ip : "");
	/* User agents are attacker-chosen: keep a bounded, valid prefix. */
	char uabuf[201] = "";
	if (ua && utf8_valid_text(ua, strlen(ua)))
		snprintf(uabuf, sizeof uabuf, "%s", ua);
	while (uabuf[0] && !utf8_valid(uabuf, strlen(uabuf)))
		uabuf[strlen(uabuf) - 1] = 0;
	db_bind_text(st, 8, uabuf);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	out->token = token;
	out->csrf = csrf;
	return rc;
}

int auth_login(struct ctx *c, const char *login, const char *password, const char *user_agent,
	       struct login_result *out)
{
	pthread_once(&init_once, auth_init);
	memset(out, 0, sizeof *out);
	const char *ipkey = arena_printf(c->a, "ip:%s", c->ip ? c->ip : "");
	if (throttle_get(c, ipkey, IP_WINDOW_MS) >= IP_MAX_FAILS)
		return KR_ELOCKED;
	struct login_row lr = {0};
	int rc = KR_ENOTFOUND;
	if (valid_line(login, 1, 64) && password && strlen(password) <= 1024)
		rc = load_login(c, login, &lr);
	if (rc && rc != KR_ENOTFOUND)
		return rc;
	bool known = rc == KR_OK;
	bool ok = auth_check_password(known && lr.pw_hash ? lr.pw_hash : dummy_hash,
				      password ? password : "");
	if (known && lr.locked_until > c->now)
		return KR_ELOCKED;
	if (known && !str_eq(lr.status, "active"))
		ok = false;
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	if (!ok) {
		throttle_hit(c, ipkey, IP_WINDOW_MS);
		if (known) {
			rc = db_prepare(c->db,
					"UPDATE people SET failed_logins = failed_logins + 1,"
					" locked_until = CASE WHEN failed_logins + 1 >= ?1 THEN ?2 ELSE locked_until END"
					" WHERE id = ?3",
					&st);
			if (rc == KR_OK) {
				db_bind_int(st, 1, AUTH_MAX_FAILS);
				db_bind_int(st, 2, c->now + AUTH_LOCK_MS);
				db_bind_int(st, 3, lr.id);
				db_step(st);
				db_done(st);
			}
			audit(c, lr.failed + 1 >= AUTH_MAX_FAILS ? "auth.lockout" : "auth.login_failed",
			      "person", login, lr.org_id, NULL);
		}
		rc = tx_end(c, KR_OK);
		return rc ? rc : KR_EAUTH;
	}
	rc = db_prepare(c->db, "UPDATE people SET failed_logins = 0, locked_until = 0, last_login_at = ?1"
			       " WHERE id = ?2", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->now);
		db_bind_int(st, 2, lr.id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	/* TOTP is required for coordinators and admins (R2.1). */
	out->mfa_needed = lr.totp;
	out->mfa_enrol = !lr.totp && lr.role >= ROLE_COORDINATOR;
	if (rc == KR_OK)
		rc = session_create(c, lr.id, !out->mfa_needed && !out->mfa_enrol, user_agent, out);
	if (rc == KR_OK) {
		c->who.person_id = lr.id;
		c->who.org_id = lr.org_id;
		rc = audit(c, "auth.login", "person", login, lr.org_id, NULL);
	}
	return tx_end(c, rc);
}

int auth_session_read(struct ctx *c, const char *token, const char **csrf, bool *mfa_pending,
		      struct session_check *chk)
{
	*csrf = NULL;
	*mfa_pending = false;
	*chk = (struct session_check){0};
	if (!token || strlen(token) < 20 || strlen(token) > 100)
		return KR_EAUTH;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT s.id, s.csrf, s.mfa_ok, s.created_at, s.last_seen_at,"
			    " p.id, p.org_id, p.login, p.display_name, p.locale, p.tz, p.role, p.org_admin,"
			    " p.status, o.name_ja, o.name_en"
			    " FROM sessions s JOIN people p ON p.id = s.person_id JOIN orgs o ON o.id = p.org_id"
			    " WHERE s.token_hash = ?1",
			    &st);
	if (rc)
		return rc;
	char hash[65];
	sha256_hex(token, strlen(token), hash);
	db_bind_text(st, 1, hash);
	rc = db_step(st);
	if (rc != KR_ROW) {
		db_done(st);
		return rc == KR_DONE ? KR_EAUTH : rc;
	}
	int64_t sid = db_col_int(st, 0);
	int64_t created = db_col_int(st, 3), seen = db_col_int(st, 4);
	bool active = str_eq(db_col_text(st, 13), "active");
	chk->session_id = sid;
	if (!active || c->now - seen > AUTH_IDLE_MS || c->now - created > AUTH_ABSOLUTE_MS) {
		/* Expired: the caller removes it so the cookie is dead for good. */
		db_done(st);
		chk->expired = true;
		return KR_EAUTH;
	}
	const char *cs = db_col_dup(st, 1, c->a);
	bool mfa_ok = db_col_int(st, 2) != 0;
	struct viewer w = {0};
	w.session_id = sid;
	w.person_id = db_col_int(st, 5);
	w.org_id = db_col_int(st, 6);
	w.login = db_col_dup(st, 7, c->a);
	w.name = db_col_dup(st, 8, c->a);
	w.locale = db_col_dup(st, 9, c->a);
	w.tz = db_col_dup(st, 10, c->a);
	if (role_parse(db_col_text(st, 11), &w.role))
		w.role = ROLE_MEMBER;
	w.org_admin = db_col_int(st, 12) != 0;
	bool en = str_eq(w.locale, "en");
	w.org_name = db_col_dup(st, en ? 15 : 14, c->a);
	db_done(st);
	chk->touch = c->now - seen > 60000;
	if (!mfa_ok) {
		/* Half-logged-in: enough to finish the second factor, nothing more. */
		struct viewer p = {0};
		p.person_id = w.person_id;
		p.session_id = sid;
		p.login = w.login;
		p.name = w.name;
		p.locale = w.locale;
		p.tz = w.tz;
		p.role = ROLE_NONE;
		c->who = p;
		*mfa_pending = true;
	} else {
		c->who = w;
	}
	*csrf = cs;
	return KR_OK;
}

int auth_session_write(struct ctx *c, const struct session_check *chk)
{
	if (!chk->session_id || (!chk->expired && !chk->touch))
		return KR_OK;
	struct db_stmt *st;
	int rc = chk->expired ? db_prepare(c->db, "DELETE FROM sessions WHERE id = ?1", &st)
			      : db_prepare(c->db, "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, chk->session_id);
	if (!chk->expired)
		db_bind_int(st, 2, c->now);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

int auth_session(struct ctx *c, const char *token, const char **csrf, bool *mfa_pending)
{
	struct session_check chk;
	int rc = auth_session_read(c, token, csrf, mfa_pending, &chk);
	auth_session_write(c, &chk);
	return rc;
}

int auth_logout(struct ctx *c, const char *token)
{
	if (!token)
		return KR_OK;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "DELETE FROM sessions WHERE token_hash = ?1", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, hash_secret(c->a, token));
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

int auth_logout_all(struct ctx *c)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "DELETE FROM sessions WHERE person_id = ?1", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->who.person_id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "auth.logout_all", "person", c->who.login, c->who.org_id, NULL);
	return tx_end(c, rc);
}

/* ---- TOTP ---- */

int auth_totp_new(struct ctx *c, const char **secret_b32, const char **uri)
{
	pthread_once(&init_once, auth_init);
	if (c->who.person_id <= 0)
		return KR_EPERM;
	char raw[20];
	rand_bytes(raw, sizeof raw);
	char *b32 = NULL;
	size_t b32len = 0;
	if (oath_base32_encode(raw, sizeof raw, &b32, &b32len) != OATH_OK)
		return KR_ENOMEM;
	*secret_b32 = arena_strndup(c->a, b32, b32len);
	free(b32);
	/* The label is "Kairan:login"; the login is [a-z0-9._-] so needs no
	 * escaping beyond what the otpauth format already allows. */
	*uri = arena_printf(c->a, "otpauth://totp/Kairan:%s?secret=%s&issuer=Kairan&algorithm=SHA1&digits=6&period=30",
			    c->who.login ? c->who.login : "user", *secret_b32);
	return KR_OK;
}

/* Check a 6-digit code against a base32 secret; *step is the time step
 * the code belongs to (for replay protection). */
static bool totp_check(const char *secret_b32, const char *code, int64_t now_ms_, int64_t *step)
{
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return false;
	char *raw = NULL;
	size_t rawlen = 0;
	if (oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &rawlen) != OATH_OK)
		return false;
	int pos = 0;
	time_t now = (time_t)(now_ms_ / 1000);
	int rc = oath_totp_validate2(raw, rawlen, now, 30, 0, 1, &pos, code);
	free(raw);
	if (rc < 0)
		return false;
	*step = now / 30 + pos;
	return true;
}

static int mark_session_mfa(struct ctx *c, const char *token)
{
	struct db_stmt *st;
	int rc = db_prepare(c->db, "UPDATE sessions SET mfa_ok = 1 WHERE token_hash = ?1 AND person_id = ?2", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, hash_secret(c->a, token));
	db_bind_int(st, 2, c->who.person_id);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

/* Recovery codes: 10 codes of 10 base32 characters, shown as xxxxx-xxxxx. */
static const char *new_recovery_code(struct arena *a)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
	char *s = arena_alloc(a, 12);
	for (int i = 0, j = 0; i < 10; i++) {
		if (i == 5)
			s[j++] = '-';
		s[j++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	}
	return s;
}

/* Lower-case and drop spaces and dashes, so "ABCDE FGHIJ" matches. */
static char *normalise_code(struct arena *a, const char *code)
{
	size_t n = strlen(code);
	char *s = arena_alloc(a, n + 1), *w = s;
	for (size_t i = 0; i < n; i++) {
		char ch = code[i];
		if (ch == ' ' || ch == '-')
			continue;
		*w++ = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
	}
	return s;
}

int auth_totp_enable(struct ctx *c, const char *token, const char *secret_b32, const char *code,
		     const char ***codes, size_t *ncodes)
{
	pthread_once(&init_once, auth_init);
	*codes = NULL;
	*ncodes = 0;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	if (!secret_b32 || strlen(secret_b32) < 16 || strlen(secret_b32) > 64 ||
	    strspn(secret_b32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=") != strlen(secret_b32))
		return KR_EINVAL;
	int64_t step;
	if (!totp_check(secret_b32, code, c->now, &step))
		return KR_EAUTH;
	int rc = tx_begin(c);
	if (rc)
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "UPDATE people SET totp_secret = ?1, totp_enabled = 1, totp_last_step = ?2,"
			       " updated_at = ?3 WHERE id = ?4", &st);
	if (rc == KR_OK) {
		db_bind_text(st, 1, secret_b32);
		db_bind_int(st, 2, step);
		db_bind_int(st, 3, c->now);
		db_bind_int(st, 4, c->who.person_id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK && db_prepare(c->db, "DELETE FROM recovery_codes WHERE person_id = ?1", &st) == KR_OK) {
		db_bind_int(st, 1, c->who.person_id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	const char **list = arena_alloc(c->a, sizeof(char *) * 10);
	for (int i = 0; rc == KR_OK && i < 10; i++) {
		list[i] = new_recovery_code(c->a);
		rc = db_prepare(c->db, "INSERT INTO recovery_codes (person_id, code_hash) VALUES (?1, ?2)", &st);
		if (rc)
			break;
		db_bind_int(st, 1, c->who.person_id);
		db_bind_text(st, 2, hash_secret(c->a, normalise_code(c->a, list[i])));
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK && token)
		rc = mark_session_mfa(c, token);
	if (rc == KR_OK)
		rc = audit(c, "auth.totp_enable", "person", c->who.login, c->who.org_id, NULL);
	rc = tx_end(c, rc);
	if (rc == KR_OK) {
		*codes = list;
		*ncodes = 10;
	}
	return rc;
}

int auth_totp_verify(struct ctx *c, const char *token, const char *code)
{
	pthread_once(&init_once, auth_init);
	if (c->who.person_id <= 0 || !code || strlen(code) > 64)
		return KR_EAUTH;
	const char *key = arena_printf(c->a, "totp:%lld", (long long)c->who.person_id);
	if (throttle_get(c, key, AUTH_LOCK_MS) >= TOTP_MAX_FAILS)
		return KR_ELOCKED;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT totp_secret, totp_last_step, org_id FROM people"
				   " WHERE id = ?1 AND totp_enabled = 1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->who.person_id);
	char *secret = NULL;
	int64_t last = 0, org = 0;
	if (db_step(st) == KR_ROW) {
		secret = db_col_dup(st, 0, c->a);
		last = db_col_int(st, 1);
		org = db_col_int(st, 2);
	}
	db_done(st);
	if (!secret)
		return KR_EAUTH;
	if ((rc = tx_begin(c)))
		return rc;
	int64_t step;
	bool ok = false;
	const char *how = "totp";
	if (totp_check(secret, code, c->now, &step) && step > last) {
		ok = true;
		rc = db_prepare(c->db, "UPDATE people SET totp_last_step = ?1 WHERE id = ?2", &st);
		if (rc == KR_OK) {
			db_bind_int(st, 1, step);
			db_bind_int(st, 2, c->who.person_id);
			rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
			db_done(st);
		}
	} else if (strlen(code) != 6) {
		/* A recovery code: single use. */
		rc = db_prepare(c->db, "UPDATE recovery_codes SET used_at = ?1 WHERE person_id = ?2"
				       " AND code_hash = ?3 AND used_at IS NULL", &st);
		if (rc == KR_OK) {
			db_bind_int(st, 1, c->now);
			db_bind_int(st, 2, c->who.person_id);
			db_bind_text(st, 3, hash_secret(c->a, normalise_code(c->a, code)));
			rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
			ok = rc == KR_OK && db_changes(st) == 1;
			db_done(st);
			how = "recovery_code";
		}
	}
	if (rc == KR_OK && ok) {
		throttle_clear(c, key);
		rc = mark_session_mfa(c, token);
		c->who.org_id = org;
		if (rc == KR_OK)
			rc = audit(c, "auth.mfa", "person", c->who.login, org, how);
	} else if (rc == KR_OK) {
		throttle_hit(c, key, AUTH_LOCK_MS);
		c->who.org_id = org;
		audit(c, "auth.mfa_failed", "person", c->who.login, org, NULL);
	}
	rc = tx_end(c, rc);
	if (rc)
		return rc;
	return ok ? KR_OK : KR_EAUTH;
}

int auth_totp_disable(struct ctx *c, const char *password)
{
	if (c->who.person_id <= 0)
		return KR_EPERM;
	/* Staff must keep their second factor. */
	if (c->who.role >= ROLE_COORDINATOR)
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT pw_hash FROM people WHERE id = ?1", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->who.person_id);
	char *hash = NULL;
	if (db_step(st) == KR_ROW)
		hash = db_col_dup(st, 0, c->a);
	db_done(st);
	if (!auth_check_password(hash, password))
		return KR_EAUTH;
	if ((rc = tx_begin(c)))
		return rc;
	rc = db_prepare(c->db, "UPDATE people SET totp_enabled = 0, totp_secret = NULL WHERE id = ?1", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->who.person_id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK && db_prepare(c->db, "DELETE FROM recovery_codes WHERE person_id = ?1", &st) == KR_OK) {
		db_bind_int(st, 1, c->who.person_id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "auth.totp_disable", "person", c->who.login, c->who.org_id, NULL);
	return tx_end(c, rc);
}

const char *auth_qr_svg(struct ctx *c, const char *uri)
{
	QRcode *q = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return NULL;
	int w = q->width, quiet = 4, size = w + 2 * quiet;
	struct buf b = BUF_INIT;
	buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		       "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		       "<path fill=\"#000\" d=\"",
		   size, size, size, size);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				buf_printf(&b, "M%d %dh1v1h-1z", x + quiet, y + quiet);
	buf_adds(&b, "\"/></svg>");
	QRcode_free(q);
	char *out = arena_strndup(c->a, b.p, b.len);
	buf_free(&b);
	return out;
}

/* ---- API keys ---- */

int auth_apikey_create(struct ctx *c, const char *login, const char *label, const char **key)
{
	*key = NULL;
	if (!valid_line(label, 0, 100))
		return KR_EINVAL;
	struct person p;
	int rc;
	if (login && !str_eq(login, c->who.login)) {
		/* Keys for someone else: the CLI (system) or an admin only. */
		if (!acl_is_admin(c))
			return KR_EPERM;
		if ((rc = person_get(c, login, &p)))
			return rc;
	} else {
		if (c->who.person_id <= 0)
			return KR_EPERM;
		if ((rc = person_get_by_id(c, c->who.person_id, &p)))
			return rc;
	}
	if (!str_eq(p.status, "active"))
		return KR_EINVAL;
	unsigned char pre[4];
	rand_bytes(pre, sizeof pre);
	char prefix[9];
	hex_encode(pre, sizeof pre, prefix);
	const char *secret = rand_token(c->a, 32);
	const char *full = arena_printf(c->a, "kr_%s_%s", prefix, secret);
	if ((rc = tx_begin(c)))
		return rc;
	struct db_stmt *st;
	rc = db_prepare(c->db, "INSERT INTO api_keys (person_id, prefix, key_hash, label, created_at)"
			       " VALUES (?1, ?2, ?3, ?4, ?5)", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, p.id);
		db_bind_text(st, 2, prefix);
		db_bind_text(st, 3, hash_secret(c->a, full));
		db_bind_text(st, 4, label ? label : "");
		db_bind_int(st, 5, c->now);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "apikey.create", "apikey", prefix, p.org_id, p.login);
	rc = tx_end(c, rc);
	if (rc == KR_OK)
		*key = full;
	return rc;
}

int auth_apikey_revoke(struct ctx *c, const char *prefix)
{
	if (!prefix || strlen(prefix) != 8 || strspn(prefix, "0123456789abcdef") != 8)
		return KR_ENOTFOUND;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT k.id, k.person_id, p.org_id, p.role FROM api_keys k"
				   " JOIN people p ON p.id = k.person_id WHERE k.prefix = ?1 AND k.revoked_at IS NULL", &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, prefix);
	int64_t id = 0, owner = 0, org = 0;
	enum role role = ROLE_MEMBER;
	if (db_step(st) == KR_ROW) {
		id = db_col_int(st, 0);
		owner = db_col_int(st, 1);
		org = db_col_int(st, 2);
		if (role_parse(db_col_text(st, 3), &role))
			role = ROLE_MEMBER;
	}
	db_done(st);
	/* Own keys, or keys of people one manages; others are "not found". */
	if (!id || (owner != c->who.person_id && !acl_can_manage_person(c, org, role)))
		return KR_ENOTFOUND;
	if ((rc = tx_begin(c)))
		return rc;
	rc = db_prepare(c->db, "UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2", &st);
	if (rc == KR_OK) {
		db_bind_int(st, 1, c->now);
		db_bind_int(st, 2, id);
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK)
		rc = audit(c, "apikey.revoke", "apikey", prefix, org, NULL);
	return tx_end(c, rc);
}

int auth_apikey(struct ctx *c, const char *key)
{
	int64_t touch = 0;
	int rc = auth_apikey_read(c, key, &touch);
	if (rc == KR_OK)
		auth_apikey_touch(c, touch);
	return rc;
}

int auth_apikey_touch(struct ctx *c, int64_t key_id)
{
	if (key_id <= 0)
		return KR_OK;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->now);
	db_bind_int(st, 2, key_id);
	rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
	db_done(st);
	return rc;
}

int auth_apikey_read(struct ctx *c, const char *key, int64_t *touch)
{
	*touch = 0;
	/* kr_<8 hex>_<43 base64url> */
	if (!key || strlen(key) < 20 || strlen(key) > 100 || strncmp(key, "kr_", 3) != 0 || key[11] != '_')
		return KR_EAUTH;
	char prefix[9];
	memcpy(prefix, key + 3, 8);
	prefix[8] = 0;
	struct db_stmt *st;
	int rc = db_prepare(c->db,
			    "SELECT k.id, k.key_hash, k.last_used_at, p.id, p.org_id, p.login, p.display_name,"
			    " p.locale, p.tz, p.role, p.org_admin, o.name_ja, o.name_en"
			    " FROM api_keys k JOIN people p ON p.id = k.person_id JOIN orgs o ON o.id = p.org_id"
			    " WHERE k.prefix = ?1 AND k.revoked_at IS NULL AND p.status = 'active'",
			    &st);
	if (rc)
		return rc;
	db_bind_text(st, 1, prefix);
	rc = db_step(st);
	if (rc != KR_ROW) {
		db_done(st);
		return rc == KR_DONE ? KR_EAUTH : rc;
	}
	const char *want = db_col_text(st, 1);
	char have[65];
	sha256_hex(key, strlen(key), have);
	bool ok = strlen(want) == 64 && ct_equal(want, have, 64);
	int64_t kid = db_col_int(st, 0), used = db_col_int(st, 2);
	struct viewer w = {0};
	w.person_id = db_col_int(st, 3);
	w.org_id = db_col_int(st, 4);
	w.login = db_col_dup(st, 5, c->a);
	w.name = db_col_dup(st, 6, c->a);
	w.locale = db_col_dup(st, 7, c->a);
	w.tz = db_col_dup(st, 8, c->a);
	if (role_parse(db_col_text(st, 9), &w.role))
		w.role = ROLE_MEMBER;
	w.org_admin = db_col_int(st, 10) != 0;
	w.org_name = str_eq(w.locale, "en") ? db_col_dup(st, 12, c->a) : db_col_dup(st, 11, c->a);
	db_done(st);
	if (!ok)
		return KR_EAUTH;
	if (c->now - used > 60000)
		*touch = kid;
	c->who = w;
	return KR_OK;
}

int auth_apikey_list(struct ctx *c, struct apikey_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (c->who.person_id <= 0)
		return KR_EPERM;
	struct db_stmt *st;
	int rc = db_prepare(c->db, "SELECT prefix, label, created_at, last_used_at, revoked_at FROM api_keys"
				   " WHERE person_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 100", &st);
	if (rc)
		return rc;
	db_bind_int(st, 1, c->who.person_id);
	struct apikey_info *items = arena_alloc(c->a, sizeof(*items) * 100);
	size_t k = 0;
	while ((rc = db_step(st)) == KR_ROW && k < 100) {
		items[k].prefix = db_col_dup(st, 0, c->a);
		items[k].label = db_col_dup(st, 1, c->a);
		items[k].created_at = db_col_int(st, 2);
		items[k].last_used_at = db_col_int(st, 3);
		items[k].revoked_at = db_col_int(st, 4);
		k++;
	}
	db_done(st);
	*out = items;
	*n = k;
	return rc < 0 ? rc : KR_OK;
}
