/* demo.c - `kairan demo`: a fresh database with the demo dataset. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_internal.h"
#include "core/auth.h"
#include "core/demo.h"
#include "core/demo_stix.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

static int on_demo_opt(struct cli *cl, int ch, const char *arg)
{
	(void)cl;
	(void)arg;
	return ch == 'F' ? 0 : -1;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'F'}, {0}};
	bool force = false;
	for (int i = 1; i < argc; i++)
		force |= !strcmp(argv[i], "--force");
	struct cli cl = {0};
	int prc = cli_parse(&cl, argc, argv,
			    "usage: kairan demo [--db PATH] [--force]\n"
			    "Create a new database filled with the demo dataset (about 330 organisations,\n"
			    "1,800 people and 170 topics from 2019-04 to 2021-09, all fictional) and print\n"
			    "the demo logins.\n"
			    "  --force   replace an existing SQLite file at --db\n",
			    opts, on_demo_opt);
	if (prc)
		return prc < 0 ? 0 : prc;
	bool pg = !strncmp(cl.cfg.db, "postgres", 8);
	if (!pg && access(cl.cfg.db, F_OK) == 0) {
		if (!force) {
			fprintf(stderr, "kairan: %s exists; use --force to replace it\n", cl.cfg.db);
			return 1;
		}
		const char *sfx[] = {"", "-wal", "-shm"};
		for (size_t i = 0; i < 3; i++) {
			char p[4096];
			snprintf(p, sizeof p, "%s%s", cl.cfg.db, sfx[i]);
			unlink(p);
		}
	}
	if (cli_open(&cl, true))
		return 1;
	int rc = core_init_site(&cl.c, "admin", "admin@cc.example", "管理者", DEMO_PASSWORD, false);
	char hash[256];
	struct demo_stats st;
	if (rc == 0 && auth_hash_password(DEMO_PASSWORD, hash, sizeof hash))
		rc = 1;
	if (rc == 0) {
		int r = demo_load(&cl.c, hash, &st);
		/* Indicators for the TAXII collections (issue 5). */
		size_t nstix = 0;
		if (r == 0 && (r = demo_stix_load(&cl.c, &nstix)) != 0)
			rc = cli_fail(r, "demo", "indicators");
		else if (r)
			rc = cli_fail(r, "demo", NULL);
	}
	if (rc == 0)
		db_optimize(cl.db);
	cli_close(&cl);
	if (rc)
		return rc;
	/* +1: the coordination center made by init. */
	printf("Demo database %s: %zu organisations, %zu people, %zu topics, %zu comments.\n", cl.cfg.db,
	       st.orgs + 1, st.people + 1, st.topics, st.comments);
	printf("Every demo login uses the password %s\n", DEMO_PASSWORD);
	printf("  coordinator     coordination-center staff (enrols TOTP at first login)\n");
	printf("  agency-analyst  analyst at a security agency\n");
	printf("  rail-member     member of a railway operator (critical service)\n");
	printf("  admin           site administrator (enrols TOTP at first login)\n");
	return 0;
}
