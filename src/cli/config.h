/* config.h - settings from the config file, the environment and flags, in
 * that order (later wins).  Every key is documented in README.md. */
#ifndef KR_CONFIG_H
#define KR_CONFIG_H

#include <stdbool.h>

struct config {
	const char *db;            /* db / KAIRAN_DB / --db: SQLite path or postgres:// URL */
	const char *listen;        /* listen / KAIRAN_LISTEN / --listen: HOST:PORT */
	int threads;               /* threads / KAIRAN_THREADS: 0 = cores */
	int conn_limit;            /* conn_limit / KAIRAN_CONN_LIMIT */
	int per_ip_limit;          /* per_ip_limit / KAIRAN_PER_IP_LIMIT (0 behind a proxy) */
	int timeout;               /* timeout / KAIRAN_TIMEOUT: idle seconds */
	bool trust_proxy;          /* trust_proxy / KAIRAN_TRUST_PROXY */
	const char *base_url;      /* base_url / KAIRAN_BASE_URL: public URL for links */
	const char *log_level;     /* log_level / KAIRAN_LOG_LEVEL: debug|info|warn|error */
	const char *smtp_url;      /* smtp_url / KAIRAN_SMTP_URL: smtp://host:port */
	const char *mail_from;     /* mail_from / KAIRAN_MAIL_FROM */
};

/* Defaults, then the file named by --config / KAIRAN_CONFIG (if any; a
 * missing explicit file is an error), then KAIRAN_* variables.  Returns 0
 * or prints the problem to stderr and returns 2. */
int config_load(struct config *cfg, const char *path);
/* Apply one "key = value" setting; returns 0 or -1 for an unknown key or
 * bad value. */
int config_set(struct config *cfg, const char *key, const char *value);

#endif
