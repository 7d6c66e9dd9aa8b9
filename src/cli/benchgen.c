/* benchgen.c - `kairan bench-gen`: fill a database with benchmark topics
 * (R17.2) for bench/topics.sh.  On a new database it first builds the demo
 * (organisations, people, communities) exactly as `kairan demo` does, then
 * adds the generated topics through core/benchgen.c in one transaction and
 * reports how fast that went. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"
#include "core/auth.h"
#include "core/benchgen.h"
#include "core/demo.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/util.h"

static struct {
	int64_t topics, community_topics;
	const char *community;
	uint32_t seed;
	bool quiet;
} bo;

static int on_benchgen_opt(struct cli *cl, int ch, const char *arg)
{
	(void)cl;
	int64_t v;
	switch (ch) {
	case 'n':
		if (parse_i64(arg, 0, 50000000, &v))
			return -1;
		bo.topics = v;
		return 0;
	case 'm':
		if (parse_i64(arg, 0, 50000000, &v))
			return -1;
		bo.community_topics = v;
		return 0;
	case 'C':
		bo.community = arg;
		return 0;
	case 's':
		if (parse_i64(arg, 0, 4294967295LL, &v))
			return -1;
		bo.seed = (uint32_t)v;
		return 0;
	case 'q':
		bo.quiet = true;
		return 0;
	}
	return -1;
}

static void progress(int64_t done, void *arg)
{
	int64_t t0 = *(int64_t *)arg;
	double s = (double)(now_ms() - t0) / 1000.0;
	fprintf(stderr, "bench-gen: %lld topics, %.1f s, %.0f topics/s\n", (long long)done, s,
		s > 0 ? (double)done / s : 0.0);
}

int cmd_bench_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"topics", required_argument, NULL, 'n'},
		{"community-topics", required_argument, NULL, 'm'},
		{"community", required_argument, NULL, 'C'},
		{"seed", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{0}};
	bo.topics = 1000;
	bo.community_topics = 0;
	bo.community = "rail-isac";
	struct cli cl = {0};
	int prc = cli_parse(&cl, argc, argv,
			    "usage: kairan bench-gen [--db PATH] --topics N [--community-topics M]\n"
			    "                        [--community SLUG] [--seed S] [--quiet]\n"
			    "Add N generated topics (Japanese and English, varied length) to a benchmark\n"
			    "database, M of them in community SLUG (default rail-isac), the rest spread over\n"
			    "the other communities and the demo's people.  A new database gets the demo\n"
			    "dataset first.  Not for production sites: generated topics skip notifications\n"
			    "and the audit log.\n",
			    opts, on_benchgen_opt);
	if (prc)
		return prc < 0 ? 0 : prc;
	if (bo.community_topics > bo.topics) {
		fprintf(stderr, "kairan: bench-gen: --community-topics exceeds --topics\n");
		return 2;
	}
	if (cli_open(&cl, true))
		return 1;
	int rc = 0;
	struct person p;
	int r = person_get(&cl.c, "coordinator", &p);
	if (r == KR_ENOTFOUND) {
		/* A new database: the demo first, as `kairan demo` builds it. */
		char hash[256];
		struct demo_stats ds;
		rc = core_init_site(&cl.c, "admin", "admin@cc.example", "管理者", DEMO_PASSWORD, false);
		if (rc == 0 && auth_hash_password(DEMO_PASSWORD, hash, sizeof hash))
			rc = 1;
		if (rc == 0 && (r = demo_load(&cl.c, hash, &ds)))
			rc = cli_fail(r, "bench-gen", "demo");
		if (rc == 0)
			fprintf(stderr, "bench-gen: demo dataset loaded (%zu organisations, %zu people, %zu topics)\n",
				ds.orgs + 1, ds.people + 1, ds.topics);
	} else if (r) {
		rc = cli_fail(r, "bench-gen", NULL);
	}
	if (rc == 0) {
		int64_t t0 = now_ms();
		struct benchgen_opts o = {.topics = bo.topics, .community_topics = bo.community_topics,
					  .community = bo.community, .seed = bo.seed,
					  .progress = bo.quiet ? NULL : progress, .progress_arg = &t0, .every = 100000};
		struct benchgen_stats st;
		if ((r = benchgen_topics(&cl.c, &o, &st))) {
			rc = cli_fail(r, "bench-gen", r == KR_ENOTFOUND ? "--community (or the demo people)" : NULL);
		} else {
			double s = (double)(now_ms() - t0) / 1000.0;
			printf("bench-gen: %lld topics (%lld in %s, %lld manual scope, %.1f MB of text) in %.1f s:"
			       " %.0f topics/s\n",
			       (long long)st.topics, (long long)st.in_community, bo.community, (long long)st.manual,
			       (double)st.bytes / 1e6, s, s > 0 ? (double)st.topics / s : 0.0);
		}
	}
	cli_close(&cl);
	return rc;
}
