/* serve.c - `kairan serve`: migrate, start the HTTP server, wait for
 * SIGTERM/SIGINT, stop gracefully. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_internal.h"
#include "core/mail.h"
#include "http/http.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

static int on_serve_opt(struct cli *cl, int ch, const char *arg)
{
	if (ch == 'l')
		cl->cfg.listen = arg;
	else if (ch == 't')
		return config_set(&cl->cfg, "threads", arg);
	else if (ch == 'b')
		cl->cfg.base_url = arg;
	else
		return -1;
	return 0;
}

/* "HOST:PORT" or "[v6]:PORT" into parts; 0 or -1. */
static int parse_listen(const char *s, char *host, size_t hostsz, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return -1;
	size_t hl = (size_t)(colon - s);
	if (s[0] == '[' && hl > 2 && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= hostsz)
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	int64_t p;
	if (parse_i64(colon + 1, 0, 65535, &p))
		return -1;
	*port = (int)p;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 't'},
		{"base-url", required_argument, NULL, 'b'},
		{0}};
	struct cli cl = {0};
	int prc = cli_parse(&cl, argc, argv,
			    "usage: kairan serve [--db PATH|URL] [--listen HOST:PORT] [--threads N]\n"
			    "                    [--base-url URL]\n"
			    "Run the web server (web pages, JSON API, TAXII).  Migrates the schema first.\n"
			    "SIGTERM or SIGINT stops it after in-flight requests finish.\n"
			    "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080)\n"
			    "  --threads N          worker threads (default: number of cores; 4 per core\n"
			    "                       on PostgreSQL)\n"
			    "  --base-url URL       public URL used in e-mailed links\n",
			    opts, on_serve_opt);
	if (prc)
		return prc < 0 ? 0 : prc;
	char host[256];
	int port;
	if (parse_listen(cl.cfg.listen, host, sizeof host, &port)) {
		fprintf(stderr, "kairan: bad --listen '%s' (want HOST:PORT)\n", cl.cfg.listen);
		return 2;
	}
	if (cli_open(&cl, true))
		return 1;
	if (db_optimize(cl.db))
		log_warn("msg=\"could not refresh planner statistics\"");
	cli_close(&cl);
	db_set_url(cl.cfg.db);

	/* Block the stop signals before any thread exists so only sigwait
	 * below receives them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (db_background_start(cl.cfg.db))
		log_warn("msg=\"no background checkpoints: requests checkpoint themselves\"");

	/* On PostgreSQL a worker spends most of a request waiting for its
	 * round trips while the database works on its own cores, so one
	 * thread per core leaves the cores idle: four per core by default
	 * (measured at 2 cores: 2 -> 8 threads doubled the topic list's
	 * req/s).  SQLite works inside the worker: one per core. */
	int threads = cl.cfg.threads;
	if (threads == 0 && db_url_is_pg(cl.cfg.db)) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = 4 * (int)(cores > 0 && cores < 64 ? cores : 1);
	}
	struct http_config hc = {
		.listen_host = host,
		.port = port,
		.threads = threads,
		.conn_limit = cl.cfg.conn_limit,
		.per_ip_limit = cl.cfg.trust_proxy ? 0 : cl.cfg.per_ip_limit,
		.timeout_s = cl.cfg.timeout,
		.trust_proxy = cl.cfg.trust_proxy,
		.base_url = cl.cfg.base_url,
	};
	int bound = 0;
	struct arena *perm = arena_new(); /* lives as long as the server */
	if (http_start(&hc, &bound)) {
		fprintf(stderr, "kairan: cannot listen on %s\n", cl.cfg.listen);
		arena_free(perm);
		return 1;
	}
	log_info("msg=\"listening\" url=http://%s:%d/ db=\"%s\"", host, bound, cl.cfg.db);
	mail_configure(cl.cfg.smtp_url, cl.cfg.mail_from,
		       cl.cfg.base_url ? cl.cfg.base_url : arena_printf(perm, "http://%s:%d", host, bound));
	if (jobs_worker_start())
		log_error("msg=\"cannot start the job worker\"");
	int sig = 0;
	sigwait(&stop, &sig);
	log_info("msg=\"stopping\" signal=%d", sig);
	http_stop();
	jobs_worker_stop();
	db_thread_close();
	db_writer_close();
	db_background_stop();
	arena_free(perm);
	log_info("msg=\"stopped\"");
	return 0;
}
