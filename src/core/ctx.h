/* ctx.h - who is acting, where, and with what: passed to every core use case
 * so the web pages, the JSON API, TAXII and the CLI share one implementation. */
#ifndef KR_CTX_H
#define KR_CTX_H

#include <stdint.h>
#include <stdbool.h>

struct arena;
struct db;

enum role {
	ROLE_NONE = 0,        /* not logged in */
	ROLE_MEMBER = 1,
	ROLE_COORDINATOR = 2, /* coordination-center staff */
	ROLE_ADMIN = 3,
};

/* The acting person (all zero for an anonymous visitor).  system is set for
 * the CLI and background jobs acting as the platform itself. */
struct viewer {
	int64_t person_id;
	int64_t org_id;
	enum role role;
	bool org_admin;
	bool system;
	int64_t session_id;    /* 0 for API keys, CLI and jobs */
	const char *login;
	const char *name;
	const char *locale;    /* "ja" or "en" */
	const char *tz;        /* zone name, e.g. "Asia/Tokyo" */
	const char *org_name;
};

struct ctx {
	struct db *db;
	struct arena *a;       /* everything allocated for this use case */
	struct viewer who;
	int64_t now;           /* epoch ms, fixed for the whole request */
	const char *ip;        /* "" for the CLI */
	int64_t space;         /* 0 = the real platform; later: exercise id */
	int tx_depth;          /* nesting of tx_begin (core/common.c) */
};

#endif
