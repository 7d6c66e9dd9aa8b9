/* db_pg.c - the PostgreSQL engine (libpq), for sites that scale out.
 *
 * SQL arrives with ?N parameters and becomes $N here.  Every statement is
 * prepared server-side once per connection under a name of its own (the
 * statement cache in db.c keeps it), executes on its first step and hands
 * out the rows of the complete result after that: results are fetched
 * whole, so another statement may run on the same connection while a loop
 * over this one is still stepping.  Parameters go as text, blobs as binary
 * BYTEA; results come as text, BYTEA decoded from its hex form.
 *
 * Error mapping: unique/foreign-key/check violations -> KR_ECONFLICT,
 * serialization failures, deadlocks and lock timeouts -> KR_EBUSY, a lost
 * connection -> KR_EUNAVAIL (db_thread() reconnects), anything else ->
 * KR_EDB with the server's message in the log. */
#include <libpq-fe.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "store/db_engine.h"

#define BYTEA_OID 17
#define BOOL_OID 16

struct pg_conn {
	PGconn *h;
	uint64_t next_name; /* statement names are unique per connection */
	bool dead;          /* the server said it is closing the session */
};

struct pg_param {
	char *val; /* NULL binds SQL NULL */
	int len;
	int fmt; /* 0 text, 1 binary */
};

struct pg_stmt {
	struct pg_conn *c;
	char name[24];
	const char *sql; /* the caller's literal, for logs */
	int nparams;
	struct pg_param *params;
	PGresult *res;
	bool executed;
	int bind_err; /* a bind that could not be honoured fails the step */
	int row;      /* current row; -1 before the first */
	int ncols;
	/* Decoded BYTEA columns of the current row (NUL-terminated copies). */
	char **blob;
	size_t *blob_len;
};

/* Fold a server message or SQL text onto one log line: whitespace runs
 * become one space, double quotes become single ones, cut at cap - 1. */
static const char *flat(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	bool space = false;
	for (const char *p = in ? in : ""; *p && n + 1 < cap; p++) {
		char ch = *p;
		if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < cap)
			out[n++] = ' ';
		space = false;
		out[n++] = ch == '"' ? '\'' : ch;
	}
	out[n] = '\0';
	return out;
}

/* SQLSTATEs that mean the server or the connection is gone. */
static bool state_unavailable(const char *st)
{
	return strncmp(st, "08", 2) == 0    /* connection exception */
	       || strcmp(st, "57P01") == 0  /* admin shutdown */
	       || strcmp(st, "57P02") == 0  /* crash shutdown */
	       || strcmp(st, "57P03") == 0  /* cannot connect now */
	       || strcmp(st, "53300") == 0; /* too many connections */
}

/* Map a failed result (res may be NULL when libpq could not even build one). */
static int map_error(struct pg_conn *c, PGresult *res, const char *sql)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *m = res ? PQresultErrorMessage(res) : "";
	char msg[400], q[200];
	flat(m && *m ? m : PQerrorMessage(c->h), msg, sizeof(msg));
	flat(sql, q, sizeof(q));
	if (c->dead || PQstatus(c->h) != CONNECTION_OK || (state && state_unavailable(state))) {
		log_error("msg=\"postgresql connection lost\" state=%s err=\"%s\"", state ? state : "-", msg);
		return KR_EUNAVAIL;
	}
	if (!state) {
		log_error("msg=\"postgresql error\" err=\"%s\" sql=\"%s\"", msg, q);
		return KR_EDB;
	}
	if (!strcmp(state, "23505") || !strcmp(state, "23503") || !strcmp(state, "23514")) {
		log_debug("msg=\"postgresql conflict\" state=%s err=\"%s\"", state, msg);
		return KR_ECONFLICT;
	}
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")) {
		log_warn("msg=\"postgresql busy\" state=%s err=\"%s\"", state, msg);
		return KR_EBUSY;
	}
	if (!strcmp(state, "53200")) {
		log_error("msg=\"postgresql out of memory\" err=\"%s\"", msg);
		return KR_ENOMEM;
	}
	log_error("msg=\"postgresql error\" state=%s err=\"%s\" sql=\"%s\"", state, msg, q);
	return KR_EDB;
}

static void pg_close(void *conn)
{
	struct pg_conn *c = conn;
	if (!c)
		return;
	PQfinish(c->h);
	free(c);
}

/* Server notices (e.g. "relation already exists, skipping") go to the debug
 * log instead of libpq's stderr.  A FATAL message arriving while idle is the
 * server ending the session (pg_terminate_backend, shutdown): libpq passes
 * it here and keeps the status OK until it reads EOF, so remember it. */
static void on_notice(void *arg, const PGresult *res)
{
	struct pg_conn *c = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	char msg[400];
	flat(PQresultErrorMessage(res), msg, sizeof(msg));
	if (sev && (!strcmp(sev, "FATAL") || !strcmp(sev, "PANIC"))) {
		c->dead = true;
		log_warn("msg=\"postgresql ended the session\" text=\"%s\"", msg);
		return;
	}
	log_debug("msg=\"postgresql notice\" text=\"%s\"", msg);
}

static int pg_open(const char *url, void **conn)
{
	*conn = NULL;
	struct pg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return KR_ENOMEM;
	/* Keywords listed before dbname are defaults the URL may override. */
	const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *const vals[] = {"10", "kairan", url, NULL};
	c->h = PQconnectdbParams(keys, vals, 1);
	if (!c->h) {
		free(c);
		return KR_ENOMEM;
	}
	if (PQstatus(c->h) != CONNECTION_OK) {
		/* The message names host and port but never the password. */
		char msg[400];
		log_error("msg=\"cannot connect to postgresql\" err=\"%s\"",
		          flat(PQerrorMessage(c->h), msg, sizeof(msg)));
		pg_close(c);
		return KR_EUNAVAIL;
	}
	PQsetNoticeReceiver(c->h, on_notice, c);
	if (PQsetClientEncoding(c->h, "UTF8") != 0) {
		char msg[400];
		log_error("msg=\"postgresql: cannot set client_encoding\" err=\"%s\"",
		          flat(PQerrorMessage(c->h), msg, sizeof(msg)));
		pg_close(c);
		return KR_EUNAVAIL;
	}
	/* The same timeout is restored by sql_migrate_unlock below. */
	PGresult *r = PQexec(c->h, "SET TimeZone = 'UTC'; SET statement_timeout = '30s'");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? KR_OK : map_error(c, r, "SET ...");
	PQclear(r);
	if (rc) {
		pg_close(c);
		return rc == KR_EDB ? KR_EUNAVAIL : rc;
	}
	*conn = c;
	return KR_OK;
}

static int pg_exec(void *conn, const char *sql)
{
	struct pg_conn *c = conn;
	PGresult *r = PQexec(c->h, sql);
	int rc = KR_OK;
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
		/* COMMIT of a transaction an earlier error aborted "succeeds" as a
		 * rollback; the caller must not believe its writes were kept. */
		if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
			log_error("msg=\"postgresql: transaction was aborted by an earlier error and rolled "
			          "back\"");
			rc = KR_EDB;
		}
		break;
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		break;
	default:
		rc = map_error(c, r, sql);
		break;
	}
	PQclear(r);
	return rc;
}

static bool ident_char(char ch)
{
	return ch == '_' || (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
	       (unsigned char)ch >= 0x80;
}

/* Full-text search (see store/fts.h): for an FTS table X (a name ending
 * in "_fts") the portable text "X MATCH ?N" becomes "X.doc @@ $N::tsquery"
 * and "X.rank" becomes "(-ts_rank(X.doc, $N::tsquery, 1))", N taken from
 * the statement's MATCH.  Returns true when it rewrote (and advanced *end),
 * false to copy the identifier as it is. */
static bool fts_rewrite(const char *sql, const char *id, size_t len, const char **end, struct buf *b, int *maxp)
{
	const char *q = *end;
	const char *s = q;
	while (*s == ' ' || *s == '\n' || *s == '\t')
		s++;
	if (!strncmp(s, "MATCH", 5) && !ident_char(s[5])) {
		s += 5;
		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		if (*s != '?' || !(s[1] >= '0' && s[1] <= '9'))
			return false;
		long n = 0;
		for (s++; *s >= '0' && *s <= '9'; s++)
			n = n * 10 + (*s - '0');
		if (n < 1 || n > 65535)
			return false;
		buf_printf(b, "%.*s.doc @@ $%ld::tsquery", (int)len, id, n);
		if (n > *maxp)
			*maxp = (int)n;
		*end = s;
		return true;
	}
	if (q[0] == '.' && !strncmp(q + 1, "rank", 4) && !ident_char(q[5])) {
		/* Find this table's MATCH parameter anywhere in the statement. */
		long n = 0;
		for (const char *m = strstr(sql, " MATCH ?"); m; m = strstr(m + 1, " MATCH ?")) {
			const char *t = m;
			while (t > sql && t[-1] == ' ')
				t--;
			if ((size_t)(t - sql) >= len && !strncmp(t - len, id, len)) {
				n = strtol(m + 8, NULL, 10);
				break;
			}
		}
		if (n < 1)
			return false;
		buf_printf(b, "(-ts_rank(%.*s.doc, $%ld::tsquery, 1))", (int)len, id, n);
		*end = q + 5;
		return true;
	}
	return false;
}

/* Copy sql into b with ?N turned into $N, leaving string literals, quoted
 * identifiers, dollar-quoted strings and comments untouched.  Returns the
 * highest parameter number, or -1 when the text is malformed (unterminated
 * quote or comment, ?0, a number over 65535). */
static int translate(const char *sql, struct buf *b)
{
	int maxp = 0;
	const char *p = sql;
	while (*p) {
		char ch = *p;
		if (ch == '\'' || ch == '"') {
			/* 'it''s' and "a""b": a doubled quote stays inside.  E'..'
			 * strings may also escape the quote with a backslash. */
			bool esc = ch == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
			           (p - 1 == sql || !ident_char(p[-2]));
			buf_addc(b, *p++);
			for (;;) {
				if (!*p)
					return -1;
				if (esc && *p == '\\' && p[1]) {
					buf_add(b, p, 2);
					p += 2;
				} else if (*p == ch && p[1] == ch) {
					buf_add(b, p, 2);
					p += 2;
				} else if (*p == ch) {
					buf_addc(b, *p++);
					break;
				} else {
					buf_addc(b, *p++);
				}
			}
		} else if (ch == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				buf_addc(b, *p++);
		} else if (ch == '/' && p[1] == '*') {
			int depth = 0; /* PostgreSQL nests block comments */
			do {
				if (!*p)
					return -1;
				if ((p[0] == '/' && p[1] == '*') || (p[0] == '*' && p[1] == '/')) {
					depth += p[0] == '/' ? 1 : -1;
					buf_add(b, p, 2);
					p += 2;
				} else {
					buf_addc(b, *p++);
				}
			} while (depth > 0);
		} else if (ch == '$' && (p == sql || !ident_char(p[-1])) && !(p[1] >= '0' && p[1] <= '9')) {
			/* $tag$ ... $tag$, the tag possibly empty. */
			const char *t = p + 1;
			while (ident_char(*t))
				t++;
			if (*t != '$') {
				buf_addc(b, *p++);
				continue;
			}
			size_t taglen = (size_t)(t - p) + 1;
			const char *end = NULL;
			for (const char *q = t + 1; *q; q++) {
				if (*q == '$' && strncmp(q, p, taglen) == 0) {
					end = q;
					break;
				}
			}
			if (!end)
				return -1;
			buf_add(b, p, (size_t)(end - p) + taglen);
			p = end + taglen;
		} else if (ch == '?' && p[1] >= '0' && p[1] <= '9') {
			long n = 0;
			for (p++; *p >= '0' && *p <= '9'; p++) {
				n = n * 10 + (*p - '0');
				if (n > 65535)
					return -1;
			}
			if (n < 1)
				return -1;
			buf_printf(b, "$%ld", n);
			if (n > maxp)
				maxp = (int)n;
		} else if (ident_char(ch) && !(ch >= '0' && ch <= '9') && (p == sql || !ident_char(p[-1]))) {
			const char *e = p;
			while (ident_char(*e))
				e++;
			size_t len = (size_t)(e - p);
			if (len > 4 && !strncmp(e - 4, "_fts", 4) && fts_rewrite(sql, p, len, &e, b, &maxp)) {
				p = e;
				continue;
			}
			buf_add(b, p, len);
			p = e;
		} else {
			buf_addc(b, *p++);
		}
	}
	return maxp;
}

static int pg_prepare(void *conn, const char *sql, void **out)
{
	struct pg_conn *c = conn;
	*out = NULL;
	struct buf b = BUF_INIT;
	int rc = KR_OK;
	PGresult *r = NULL;
	struct pg_stmt *st = NULL;
	int np = translate(sql, &b);
	if (np < 0) {
		char q[200];
		log_error("msg=\"postgresql: cannot translate sql\" sql=\"%s\"", flat(sql, q, sizeof(q)));
		rc = KR_EDB;
		goto done;
	}
	st = calloc(1, sizeof(*st));
	if (!st || (np && !(st->params = calloc((size_t)np, sizeof(*st->params))))) {
		rc = KR_ENOMEM;
		goto done;
	}
	st->c = c;
	st->sql = sql;
	st->nparams = np;
	st->row = -1;
	snprintf(st->name, sizeof(st->name), "k%" PRIu64, ++c->next_name);
	r = PQprepare(c->h, st->name, b.p ? b.p : "", np, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = map_error(c, r, sql);
		goto done;
	}
	*out = st;
	st = NULL;
done:
	PQclear(r);
	buf_free(&b);
	if (st) {
		free(st->params);
		free(st);
	}
	return rc;
}

static void clear_row(struct pg_stmt *st)
{
	if (!st->blob)
		return;
	for (int i = 0; i < st->ncols; i++) {
		free(st->blob[i]);
		st->blob[i] = NULL;
	}
}

static void pg_reset(void *p)
{
	struct pg_stmt *st = p;
	clear_row(st);
	free(st->blob);
	free(st->blob_len);
	st->blob = NULL;
	st->blob_len = NULL;
	st->ncols = 0;
	PQclear(st->res);
	st->res = NULL;
	st->executed = false;
	st->bind_err = KR_OK;
	st->row = -1;
	for (int i = 0; i < st->nparams; i++) {
		free(st->params[i].val);
		st->params[i] = (struct pg_param){0};
	}
}

static void pg_finalize(void *p)
{
	struct pg_stmt *st = p;
	if (!st)
		return;
	/* The server forgets the prepared statement with the connection; db.c
	 * finalizes only when closing it, so no DEALLOCATE round trip here. */
	pg_reset(st);
	free(st->params);
	free(st);
}

static struct pg_param *param(struct pg_stmt *st, int idx)
{
	if (idx < 1 || idx > st->nparams) {
		char q[200];
		log_error("msg=\"postgresql: bind index out of range\" idx=%d nparams=%d sql=\"%s\"", idx,
		          st->nparams, flat(st->sql, q, sizeof(q)));
		return NULL;
	}
	struct pg_param *pp = &st->params[idx - 1];
	free(pp->val);
	*pp = (struct pg_param){0};
	return pp;
}

static void set_param(struct pg_stmt *st, int idx, const void *v, size_t n, int fmt)
{
	struct pg_param *pp = param(st, idx);
	if (!pp)
		return;
	if (n > INT32_MAX) {
		st->bind_err = KR_ETOOBIG;
		return;
	}
	pp->val = malloc(n + 1);
	if (!pp->val) {
		st->bind_err = KR_ENOMEM;
		return;
	}
	memcpy(pp->val, v, n);
	pp->val[n] = '\0';
	pp->len = (int)n;
	pp->fmt = fmt;
}

static void pg_bind_int(void *p, int idx, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	set_param(p, idx, tmp, (size_t)n, 0);
}

static void pg_bind_text(void *p, int idx, const char *s, size_t n)
{
	/* PostgreSQL text cannot hold NUL: refuse rather than cut the value. */
	if (memchr(s, '\0', n)) {
		struct pg_stmt *st = p;
		log_error("msg=\"postgresql: text parameter holds a NUL byte\" idx=%d", idx);
		st->bind_err = KR_EINVAL;
		return;
	}
	set_param(p, idx, s, n, 0);
}

static void pg_bind_blob(void *p, int idx, const void *v, size_t n)
{
	set_param(p, idx, v, n, 1);
}

static void pg_bind_null(void *p, int idx)
{
	struct pg_param *pp = param(p, idx);
	KR_UNUSED(pp);
}

static int pg_step(void *p)
{
	struct pg_stmt *st = p;
	if (!st->executed && st->bind_err)
		return st->bind_err;
	if (!st->executed) {
		const char **vals = NULL;
		int *lens = NULL, *fmts = NULL;
		int rc = KR_OK;
		if (st->nparams) {
			vals = calloc((size_t)st->nparams, sizeof(*vals));
			lens = calloc((size_t)st->nparams, sizeof(*lens));
			fmts = calloc((size_t)st->nparams, sizeof(*fmts));
			if (!vals || !lens || !fmts) {
				rc = KR_ENOMEM;
				goto exec_done;
			}
			for (int i = 0; i < st->nparams; i++) {
				vals[i] = st->params[i].val;
				lens[i] = st->params[i].len;
				fmts[i] = st->params[i].fmt;
			}
		}
		st->res = PQexecPrepared(st->c->h, st->name, st->nparams, vals, lens, fmts, 0);
		switch (PQresultStatus(st->res)) {
		case PGRES_TUPLES_OK:
			st->ncols = PQnfields(st->res);
			if (st->ncols > 0) {
				st->blob = calloc((size_t)st->ncols, sizeof(*st->blob));
				st->blob_len = calloc((size_t)st->ncols, sizeof(*st->blob_len));
				if (!st->blob || !st->blob_len) {
					rc = KR_ENOMEM;
					goto exec_done;
				}
			}
			break;
		case PGRES_COMMAND_OK:
		case PGRES_EMPTY_QUERY:
			break;
		default:
			rc = map_error(st->c, st->res, st->sql);
			break;
		}
	exec_done:
		free(vals);
		free(lens);
		free(fmts);
		st->executed = true;
		if (rc) {
			/* Keep the failed result out of the row accessors. */
			PQclear(st->res);
			st->res = NULL;
			return rc;
		}
	} else {
		clear_row(st);
	}
	if (!st->res || PQresultStatus(st->res) != PGRES_TUPLES_OK)
		return KR_DONE;
	if (st->row < PQntuples(st->res))
		st->row++;
	return st->row < PQntuples(st->res) ? KR_ROW : KR_DONE;
}

static bool has_cell(struct pg_stmt *st, int col)
{
	return st->res && st->row >= 0 && st->row < PQntuples(st->res) && col >= 0 && col < st->ncols;
}

static bool pg_col_null(void *p, int col)
{
	struct pg_stmt *st = p;
	return !has_cell(st, col) || PQgetisnull(st->res, st->row, col);
}

static int64_t pg_col_int(void *p, int col)
{
	struct pg_stmt *st = p;
	if (pg_col_null(st, col))
		return 0;
	const char *s = PQgetvalue(st->res, st->row, col);
	/* A comparison selected as a value is boolean here, 0/1 on SQLite. */
	if (PQftype(st->res, col) == BOOL_OID)
		return s[0] == 't';
	/* Like SQLite: leading integer part of numeric text, 0 when none. */
	return strtoll(s, NULL, 10);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Decode the BYTEA cell (hex output, the server default since 9.0) once per
 * row; the copy lives until the next step or reset. */
static const char *bytea_cell(struct pg_stmt *st, int col, size_t *len)
{
	if (st->blob[col]) {
		*len = st->blob_len[col];
		return st->blob[col];
	}
	const char *s = PQgetvalue(st->res, st->row, col);
	size_t n = (size_t)PQgetlength(st->res, st->row, col);
	if (n < 2 || s[0] != '\\' || s[1] != 'x') {
		log_error("msg=\"postgresql: unexpected bytea output (set bytea_output=hex)\"");
		*len = 0;
		return "";
	}
	size_t out = (n - 2) / 2;
	char *d = malloc(out + 1);
	if (!d) {
		*len = 0;
		return "";
	}
	for (size_t i = 0; i < out; i++) {
		int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);
		if (hi < 0 || lo < 0) {
			free(d);
			*len = 0;
			return "";
		}
		d[i] = (char)(hi << 4 | lo);
	}
	d[out] = '\0';
	st->blob[col] = d;
	st->blob_len[col] = out;
	*len = out;
	return d;
}

static const char *pg_col_text(void *p, int col)
{
	struct pg_stmt *st = p;
	if (pg_col_null(st, col))
		return NULL;
	if (PQftype(st->res, col) == BYTEA_OID) {
		size_t n;
		return bytea_cell(st, col, &n);
	}
	return PQgetvalue(st->res, st->row, col);
}

static const void *pg_col_blob(void *p, int col)
{
	struct pg_stmt *st = p;
	if (pg_col_null(st, col))
		return NULL;
	if (PQftype(st->res, col) == BYTEA_OID) {
		size_t n;
		return bytea_cell(st, col, &n);
	}
	return PQgetvalue(st->res, st->row, col);
}

static size_t pg_col_len(void *p, int col)
{
	struct pg_stmt *st = p;
	if (pg_col_null(st, col))
		return 0;
	if (PQftype(st->res, col) == BYTEA_OID) {
		size_t n;
		bytea_cell(st, col, &n);
		return n;
	}
	return (size_t)PQgetlength(st->res, st->row, col);
}

static int64_t pg_changes(void *p)
{
	struct pg_stmt *st = p;
	if (!st->res)
		return 0;
	/* PQcmdTuples also counts SELECT rows; only writes count here. */
	const char *tag = PQcmdStatus(st->res);
	if (strncmp(tag, "INSERT", 6) && strncmp(tag, "UPDATE", 6) && strncmp(tag, "DELETE", 6) &&
	    strncmp(tag, "MERGE", 5))
		return 0;
	return strtoll(PQcmdTuples(st->res), NULL, 10);
}

/* libpq notices a server-side disconnect only when it reads the socket, so
 * read whatever is pending first: a terminated backend has left its FATAL
 * message and EOF there, which turns the status to CONNECTION_BAD. */
static bool pg_alive(void *conn)
{
	struct pg_conn *c = conn;
	if (!c || c->dead || PQstatus(c->h) != CONNECTION_OK)
		return false;
	struct pollfd pfd = {.fd = PQsocket(c->h), .events = POLLIN};
	if (pfd.fd < 0)
		return false;
	if (poll(&pfd, 1, 0) > 0) {
		if (!PQconsumeInput(c->h))
			return false;
		PGnotify *n;
		while ((n = PQnotifies(c->h)))
			PQfreemem(n);
	}
	return !c->dead && PQstatus(c->h) == CONNECTION_OK;
}

static int pg_backup(void *conn, const char *path)
{
	KR_UNUSED(conn);
	log_error("msg=\"backup to a file is for SQLite; back up PostgreSQL with pg_dump\" path=\"%s\"",
	          path);
	return KR_EINVAL;
}

static int pg_col_count(void *p)
{
	struct pg_stmt *st = p;
	return st->res ? PQnfields(st->res) : 0;
}

static const char *pg_col_name(void *p, int col)
{
	struct pg_stmt *st = p;
	return st->res ? PQfname(st->res, col) : "";
}

static int pg_col_kind(void *p, int col)
{
	struct pg_stmt *st = p;
	if (pg_col_null(st, col))
		return DB_KIND_NULL;
	switch (PQftype(st->res, col)) {
	case 16: /* bool */
	case 20: /* int8 */
	case 21: /* int2 */
	case 23: /* int4 */
		return DB_KIND_INT;
	case 17: /* bytea */
		return DB_KIND_BLOB;
	default:
		return DB_KIND_TEXT;
	}
}

/* Identity columns keep their own counter: after rows were loaded with
 * explicit ids, start it past the highest one. */
static int pg_after_load(void *conn, const char *table)
{
	struct pg_conn *c = conn;
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)"
		 " WHERE pg_get_serial_sequence('%s', 'id') IS NOT NULL",
		 table, table, table);
	return pg_exec(c, sql);
}

static const struct db_engine engine = {
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.col_kind = pg_col_kind,
	.after_load = pg_after_load,
	.name = "postgres",
	.id_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.blob_type = "BYTEA",
	.sql_begin = "BEGIN",
	.sql_begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	/* A session advisory lock keyed by an arbitrary constant.  A migration
	 * (or waiting for another node's) may take longer than the statement
	 * timeout of ordinary requests, so it is lifted meanwhile. */
	.sql_migrate_lock = "SET statement_timeout = 0; SELECT pg_advisory_lock(4813543156)",
	.sql_migrate_unlock = "SELECT pg_advisory_unlock(4813543156); SET statement_timeout = '30s'",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_null = pg_col_null,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.col_len = pg_col_len,
	.changes = pg_changes,
	.alive = pg_alive,
	.backup = pg_backup,
};

const struct db_engine *const db_engine_postgres = &engine;
