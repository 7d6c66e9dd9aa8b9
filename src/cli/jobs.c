/* jobs.c - the background worker of `kairan serve` and the `kairan jobs`
 * command: claim due jobs (mail, digests, TAXII feed pulls) and run them. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_internal.h"
#include "core/federation.h"
#include "core/jobs.h"
#include "core/mail.h"
#include "core/notify.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

/* Run due jobs until none is left (or max); returns how many ran. */
int jobs_drain(struct db *db, const char *owner, int max)
{
	int ran = 0;
	while (max <= 0 || ran < max) {
		struct arena *a = arena_new();
		struct ctx c = {.db = db, .a = a, .now = now_ms(), .ip = ""};
		c.who.system = true;
		if (ran == 0) {
			notify_schedule_digest(&c);
			federation_schedule(&c);
		}
		struct job j;
		int rc = job_claim(&c, owner, &j);
		if (rc) {
			arena_free(a);
			break;
		}
		rc = !strncmp(j.kind, "feed_", 5) ? federation_run_job(&c, &j) : notify_run_job(&c, &j);
		if (rc == KR_OK)
			job_done(&c, j.id);
		else
			job_fail(&c, &j, kr_strerror(rc));
		arena_free(a);
		ran++;
	}
	return ran;
}

/* Write the views counted in memory (core/topic.c). */
static void flush_views(struct db *db)
{
	struct arena *a = arena_new();
	struct ctx c = {.db = db, .a = a, .now = now_ms(), .ip = ""};
	c.who.system = true;
	if (topic_flush_views(&c))
		log_warn("msg=\"view counts not written yet\"");
	arena_free(a);
}

static volatile int worker_stop;
static pthread_t worker;
static bool worker_running;

static void *worker_main(void *arg)
{
	(void)arg;
	int64_t analysed = now_ms();
	char owner[64];
	char host[40] = "node";
	gethostname(host, sizeof host - 1);
	snprintf(owner, sizeof owner, "%s:%d", host, (int)getpid());
	while (!worker_stop) {
		struct db *db = db_thread();
		int ran = db ? jobs_drain(db, owner, 50) : 0;
		if (db)
			flush_views(db);
		/* Hourly: keep the planner's statistics current as data grows. */
		if (db && now_ms() - analysed > 3600000LL) {
			db_optimize(db);
			analysed = now_ms();
		}
		if (!ran)
			for (int i = 0; i < 20 && !worker_stop; i++)
				usleep(100000); /* 2 s between idle polls, stoppable */
	}
	/* The HTTP server has stopped: the last views are in; write them. */
	struct db *db = db_thread();
	if (db)
		flush_views(db);
	db_thread_close();
	return NULL;
}

int jobs_worker_start(void)
{
	worker_stop = 0;
	if (pthread_create(&worker, NULL, worker_main, NULL))
		return KR_ENOMEM;
	worker_running = true;
	return KR_OK;
}

void jobs_worker_stop(void)
{
	if (!worker_running)
		return;
	worker_stop = 1;
	federation_cancel(); /* a TAXII pull in flight must not hold the shutdown */
	pthread_join(worker, NULL);
	worker_running = false;
}

int cmd_jobs(int argc, char **argv)
{
	struct cli cl = {0};
	const char *usage = "usage: kairan jobs run [--db PATH]\n"
			    "       kairan jobs digest [--db PATH]\n"
			    "run: run every due job (mail, digests) now and exit.\n"
			    "digest: queue today's digest mails now (normally sent daily at 08:00 Asia/Tokyo).\n";
	if (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "digest"))) {
		bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
		fprintf(help ? stdout : stderr, "%s", usage);
		return help ? 0 : 2;
	}
	int prc = cli_parse(&cl, argc - 1, argv + 1, usage, NULL, NULL);
	if (prc)
		return prc < 0 ? 0 : prc;
	if (cli_open(&cl, true))
		return 1;
	mail_configure(cl.cfg.smtp_url, cl.cfg.mail_from, cl.cfg.base_url);
	int rc = 0;
	if (!strcmp(argv[1], "digest")) {
		char key[32];
		snprintf(key, sizeof key, "%lld", (long long)cl.c.now);
		if (job_enqueue(&cl.c, "digest", key, cl.c.now))
			rc = cli_fail(KR_EDB, "jobs digest", NULL);
	}
	if (rc == 0) {
		int n = jobs_drain(cl.db, "cli", 0);
		fprintf(stderr, "kairan: ran %d job(s)\n", n);
	}
	cli_close(&cl);
	return rc;
}
