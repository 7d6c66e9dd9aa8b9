/* common.c - validation, keyset cursors and transaction helpers. */
#include "core/common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

bool valid_line(const char *s, size_t min, size_t max)
{
	if (!s)
		s = "";
	size_t n = strlen(s);
	if (!utf8_valid_text(s, n) || strchr(s, '\n') || strchr(s, '\r') || strchr(s, '\t'))
		return false;
	if (n && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1])))
		return false;
	size_t cps = utf8_len(s, n);
	return cps >= min && cps <= max;
}

bool valid_text(const char *s, size_t max)
{
	if (!s)
		return true;
	size_t n = strlen(s);
	return utf8_valid_text(s, n) && utf8_len(s, n) <= max;
}

bool valid_email(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n < 6 || n > 254)
		return false;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || at - s > 64)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= ' ' || ch >= 0x7f || strchr("\"(),:;<>[\\]", ch))
			return false;
	}
	const char *dot = strrchr(at, '.');
	if (!dot || dot == at + 1 || dot[1] == 0 || strstr(at, ".."))
		return false;
	return true;
}

bool valid_ident(const char *s, size_t min, size_t max)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		if (i == 0 && !alnum)
			return false;
		if (!alnum && ch != '.' && ch != '_' && ch != '-')
			return false;
	}
	return true;
}

const char *cursor_make(struct arena *a, const char *key, int64_t id)
{
	char *raw = arena_printf(a, "%lld\x1f%s", (long long)id, key ? key : "");
	size_t n = strlen(raw);
	size_t outlen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, outlen);
	sodium_bin2base64(out, outlen, (const unsigned char *)raw, n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

int cursor_parse(struct arena *a, const char *cur, const char **key, int64_t *id)
{
	if (!cur || !*cur || strlen(cur) > 1024)
		return KR_EINVAL;
	size_t cap = strlen(cur);
	unsigned char *raw = arena_alloc(a, cap + 1);
	size_t n = 0;
	if (sodium_base642bin(raw, cap, cur, strlen(cur), NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return KR_EINVAL;
	raw[n] = 0;
	char *sep = memchr(raw, 0x1f, n);
	if (!sep)
		return KR_EINVAL;
	*sep = 0;
	if (parse_i64((char *)raw, INT64_MIN + 1, INT64_MAX, id))
		return KR_EINVAL;
	if (!utf8_valid(sep + 1, strlen(sep + 1)))
		return KR_EINVAL;
	*key = sep + 1;
	return KR_OK;
}

/* Escape LIKE wildcards so a search for "100%" means the text; ASCII is
 * lower-cased (the column side uses lower()) so both engines match alike. */
const char *like_pattern(struct arena *a, const char *q)
{
	size_t n = strlen(q);
	char *p = arena_alloc(a, 2 * n + 3), *w = p;
	*w++ = '%';
	for (size_t i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			*w++ = '\\';
		*w++ = (q[i] >= 'A' && q[i] <= 'Z') ? (char)(q[i] + 32) : q[i];
	}
	*w++ = '%';
	return p;
}

int page_limit(int limit, int def, int max, int *out)
{
	if (limit == 0) {
		*out = def;
		return KR_OK;
	}
	if (limit < 1 || limit > max)
		return KR_EINVAL;
	*out = limit;
	return KR_OK;
}

int tx_begin(struct ctx *c)
{
	if (!c->db)
		return KR_EUNAVAIL;
	if (c->tx_depth > 0) {
		c->tx_depth++;
		return KR_OK;
	}
	/* A GET request runs in a read snapshot; a use case that writes (a
	 * topic view counter) ends it and starts its own transaction. */
	if (db_in_tx(c->db))
		db_rollback(c->db);
	int rc = db_begin(c->db);
	if (rc == KR_OK)
		c->tx_depth = 1;
	return rc;
}

struct db *tx_writer_take(struct ctx *c)
{
	struct db *own = c->db;
	if (c->tx_depth > 0 || !own)
		return own;
	struct db *w = db_writer_lock();
	if (!w)
		return own;
	/* a read snapshot of our own would hide what we write */
	if (db_in_tx(own))
		db_rollback(own);
	c->db = w;
	return own;
}

void tx_writer_release(struct ctx *c, struct db *own)
{
	if (c->db != own) {
		db_writer_unlock(c->db);
		c->db = own;
	}
}

int tx_end(struct ctx *c, int rc)
{
	if (c->tx_depth <= 0)
		return rc ? rc : KR_EINVAL;
	if (--c->tx_depth > 0)
		return rc; /* the outermost use case commits or rolls back */
	if (rc == KR_OK)
		return db_commit(c->db);
	db_rollback(c->db);
	return rc;
}
