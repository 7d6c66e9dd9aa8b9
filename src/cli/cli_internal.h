/* cli_internal.h - shared between the CLI command files. */
#ifndef KR_CLI_INTERNAL_H
#define KR_CLI_INTERNAL_H

#include <getopt.h>
#include <stdbool.h>

#include "cli/config.h"
#include "core/ctx.h"

struct cli {
	struct config cfg;
	struct db *db;
	struct arena *a;
	struct ctx c;       /* acting as the platform (viewer.system) */
	char **args;        /* positional arguments after the options */
	int nargs;
};

/* Parse common and extra options (config file first, then flags).
 * Returns 0 to go on, -1 after printing --help, 2 on a usage error. */
int cli_parse(struct cli *cl, int argc, char **argv, const char *usage,
	      const struct option *extra, int (*on_opt)(struct cli *, int, const char *));
/* Open the database (and migrate it); 0 or 1 after printing why. */
int cli_open(struct cli *cl, bool migrate);
void cli_close(struct cli *cl);
int cli_fail(int rc, const char *what, const char *bad);
char *cli_read_secret(struct arena *a);

int cmd_serve(int argc, char **argv);
int cmd_jobs(int argc, char **argv);
int cmd_feed(int argc, char **argv);   /* cli/feed.c */
/* The background job worker of serve (one thread). */
int jobs_worker_start(void);
void jobs_worker_stop(void);
int jobs_drain(struct db *db, const char *owner, int max);
int cmd_demo(int argc, char **argv);
int cmd_bench_gen(int argc, char **argv); /* cli/benchgen.c */

/* Create the coordination center (slug cc) and the first admin, printing
 * the generated password when none is given.  Idempotent for the org;
 * returns a process exit status. */
int core_init_site(struct ctx *c, const char *login, const char *email, const char *name,
		   const char *password, bool print_password);

#endif
