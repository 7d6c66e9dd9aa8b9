/* jobs.c - the background workers of `kairan serve` and the `kairan jobs`
 * command: claim due jobs (mail, digests, TAXII feed pulls) and run them.
 * `kairan serve` runs two workers, one per lane of core/jobs.h: feed
 * pulls wait on other servers (a stalled one for up to 30 s a page,
 * a run for minutes), so they get a thread of their own and mail and
 * digests never queue behind a slow remote. */
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

/* Run due jobs of one lane until none is left (or max); returns how
 * many ran.  Each lane queues its own scheduled work first. */
static int drain_lane(struct db *db, const char *owner, int max, enum job_lane lane)
{
	int ran = 0;
	while (max <= 0 || ran < max) {
		struct arena *a = arena_new();
		struct ctx c = {.db = db, .a = a, .now = now_ms(), .ip = ""};
		c.who.system = true;
		if (ran == 0) {
			if (lane != JOB_LANE_FEED)
				notify_schedule_digest(&c);
			if (lane != JOB_LANE_OTHER)
				federation_schedule(&c);
		}
		struct job j;
		int rc = job_claim_lane(&c, owner, lane, &j);
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

int jobs_drain(struct db *db, const char *owner, int max)
{
	return drain_lane(db, owner, max, JOB_LANE_ANY);
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
static pthread_t worker, feed_worker;
static bool worker_running, feed_worker_running;

static void worker_owner(char *owner, size_t n)
{
	char host[40] = "node";
	gethostname(host, sizeof host - 1);
	snprintf(owner, n, "%s:%d", host, (int)getpid());
}

/* 2 s between idle polls, stoppable within 0.1 s. */
static void idle_wait(void)
{
	for (int i = 0; i < 20 && !worker_stop; i++)
		usleep(100000);
}

/* Mail, digests and the other short jobs; also the view counts and the
 * planner statistics. */
static void *worker_main(void *arg)
{
	(void)arg;
	int64_t analysed = now_ms();
	char owner[64];
	worker_owner(owner, sizeof owner);
	while (!worker_stop) {
		struct db *db = db_thread();
		int ran = db ? drain_lane(db, owner, 50, JOB_LANE_OTHER) : 0;
		if (db)
			flush_views(db);
		/* Hourly: keep the planner's statistics current as data grows. */
		if (db && now_ms() - analysed > 3600000LL) {
			db_optimize(db);
			analysed = now_ms();
		}
		if (!ran)
			idle_wait();
	}
	/* The HTTP server has stopped: the last views are in; write them. */
	struct db *db = db_thread();
	if (db)
		flush_views(db);
	db_thread_close();
	return NULL;
}

/* TAXII feed pulls, on a connection of their own. */
static void *feed_worker_main(void *arg)
{
	(void)arg;
	char owner[64];
	worker_owner(owner, sizeof owner);
	while (!worker_stop) {
		struct db *db = db_thread();
		int ran = db ? drain_lane(db, owner, 10, JOB_LANE_FEED) : 0;
		if (!ran)
			idle_wait();
	}
	db_thread_close();
	return NULL;
}

int jobs_worker_start(void)
{
	worker_stop = 0;
	federation_global_init(); /* libcurl's global set-up before a second thread uses it */
	if (pthread_create(&worker, NULL, worker_main, NULL))
		return KR_ENOMEM;
	worker_running = true;
	if (pthread_create(&feed_worker, NULL, feed_worker_main, NULL)) {
		log_error("msg=\"cannot start the feed worker: feeds are not pulled\"");
		return KR_ENOMEM;
	}
	feed_worker_running = true;
	return KR_OK;
}

void jobs_worker_stop(void)
{
	worker_stop = 1;
	federation_cancel(); /* a TAXII pull in flight must not hold the shutdown */
	if (feed_worker_running)
		pthread_join(feed_worker, NULL);
	feed_worker_running = false;
	if (worker_running)
		pthread_join(worker, NULL);
	worker_running = false;
}

int cmd_jobs(int argc, char **argv)
{
	struct cli cl = {0};
	const char *usage = "usage: kairan jobs run [--db PATH]\n"
			    "       kairan jobs digest [--db PATH]\n"
			    "run: run every due job (mail, digests, feed pulls) now and exit.\n"
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
