/* config.c - the configuration file ("key = value", # comments) and the
 * KAIRAN_* environment variables. */
#include "cli/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/util.h"

static int set_int(int *dst, const char *v, int min, int max)
{
	int64_t n;
	if (parse_i64(v, min, max, &n))
		return -1;
	*dst = (int)n;
	return 0;
}

static int set_bool(bool *dst, const char *v)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*dst = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
		*dst = false;
	else
		return -1;
	return 0;
}

/* Setting values live as long as the process: in one arena held by a
 * static pointer (so leak checkers see them as reachable). */
static struct arena *config_arena;

int config_set(struct config *cfg, const char *key, const char *value)
{
	if (!config_arena)
		config_arena = arena_new();
	char *v = arena_strdup(config_arena, value);
	if (!strcmp(key, "db"))
		cfg->db = v;
	else if (!strcmp(key, "listen"))
		cfg->listen = v;
	else if (!strcmp(key, "threads"))
		return set_int(&cfg->threads, v, 0, 256);
	else if (!strcmp(key, "conn_limit"))
		return set_int(&cfg->conn_limit, v, 1, 100000);
	else if (!strcmp(key, "per_ip_limit"))
		return set_int(&cfg->per_ip_limit, v, 0, 100000);
	else if (!strcmp(key, "timeout"))
		return set_int(&cfg->timeout, v, 1, 3600);
	else if (!strcmp(key, "trust_proxy"))
		return set_bool(&cfg->trust_proxy, v);
	else if (!strcmp(key, "base_url"))
		cfg->base_url = v;
	else if (!strcmp(key, "log_level"))
		cfg->log_level = v;
	else if (!strcmp(key, "smtp_url"))
		cfg->smtp_url = v;
	else if (!strcmp(key, "mail_from"))
		cfg->mail_from = v;
	else
		return -1;
	return 0;
}

static const struct {
	const char *env, *key;
} envs[] = {
	{"KAIRAN_DB", "db"},
	{"KAIRAN_LISTEN", "listen"},
	{"KAIRAN_THREADS", "threads"},
	{"KAIRAN_CONN_LIMIT", "conn_limit"},
	{"KAIRAN_PER_IP_LIMIT", "per_ip_limit"},
	{"KAIRAN_TIMEOUT", "timeout"},
	{"KAIRAN_TRUST_PROXY", "trust_proxy"},
	{"KAIRAN_BASE_URL", "base_url"},
	{"KAIRAN_LOG_LEVEL", "log_level"},
	{"KAIRAN_SMTP_URL", "smtp_url"},
	{"KAIRAN_MAIL_FROM", "mail_from"},
};

int config_load(struct config *cfg, const char *path)
{
	*cfg = (struct config){
		.db = "kairan.db",
		.listen = "127.0.0.1:8080",
		.threads = 0,
		.conn_limit = 1024,
		.per_ip_limit = 64,
		.timeout = 30,
		.trust_proxy = false,
		.base_url = NULL,
		.log_level = "info",
		.smtp_url = NULL,
		.mail_from = "kairan@localhost",
	};
	if (!path)
		path = getenv("KAIRAN_CONFIG");
	if (path) {
		FILE *f = fopen(path, "r");
		if (!f) {
			fprintf(stderr, "kairan: cannot read config file %s\n", path);
			return 2;
		}
		char line[4096];
		int lineno = 0;
		while (fgets(line, sizeof line, f)) {
			lineno++;
			char *s = str_trim(line);
			if (!*s || *s == '#')
				continue;
			char *eq = strchr(s, '=');
			if (!eq) {
				fprintf(stderr, "kairan: %s:%d: expected key = value\n", path, lineno);
				fclose(f);
				return 2;
			}
			*eq = 0;
			char *k = str_trim(s), *v = str_trim(eq + 1);
			if (config_set(cfg, k, v)) {
				fprintf(stderr, "kairan: %s:%d: unknown key or bad value '%s'\n", path, lineno, k);
				fclose(f);
				return 2;
			}
		}
		fclose(f);
	}
	for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
		const char *v = getenv(envs[i].env);
		if (v && config_set(cfg, envs[i].key, v)) {
			fprintf(stderr, "kairan: bad value in %s\n", envs[i].env);
			return 2;
		}
	}
	return 0;
}
