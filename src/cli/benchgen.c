/* benchgen.c - `kairan bench-gen`: fill a database with benchmark topics
 * (R17.2) for bench/topics.sh.  On a new database it first builds the demo
 * (organisations, people, communities) exactly as `kairan demo` does, then
 * adds the generated topics through core/benchgen.c in one transaction and
 * reports how fast that went. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/cli_internal.h"
#include "store/db.h"
#include "core/auth.h"
#include "core/benchgen.h"
#include "core/demo.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/util.h"

static struct {
	int64_t topics, community_topics;
	const char *community;
	uint32_t seed;
	bool quiet;
	bool topics_set;
	int64_t stix, stix_first, stix_chunk;
	const char *stix_bundle, *stix_as;
	bool stix_envelope;
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
		bo.topics_set = true;
		return 0;
	case 'x':
		if (parse_i64(arg, 0, 50000000, &v))
			return -1;
		bo.stix = v;
		return 0;
	case 'f':
		if (parse_i64(arg, 0, 1000000000000000LL, &v))
			return -1;
		bo.stix_first = v;
		return 0;
	case 'k':
		if (parse_i64(arg, 1, 100000, &v))
			return -1;
		bo.stix_chunk = v;
		return 0;
	case 'b':
		bo.stix_bundle = arg;
		return 0;
	case 'e':
		bo.stix_bundle = arg;
		bo.stix_envelope = true;
		return 0;
	case 'a':
		bo.stix_as = arg;
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

static void stix_progress(int64_t done, void *arg)
{
	int64_t t0 = *(int64_t *)arg;
	double s = (double)(now_ms() - t0) / 1000.0;
	fprintf(stderr, "bench-gen: %lld indicators, %.1f s, %.0f indicators/s\n", (long long)done, s,
		s > 0 ? (double)done / s : 0.0);
}

/* --stix-bundle FILE: the document only, no database. */
static int write_bundle(void)
{
	struct buf b = BUF_INIT;
	benchgen_stix_doc(&b, bo.seed, bo.stix_first, bo.stix, !bo.stix_envelope);
	FILE *f = fopen(bo.stix_bundle, "wb");
	bool ok = f && fwrite(b.p, 1, b.len, f) == b.len;
	if (f && fclose(f))
		ok = false;
	if (ok)
		printf("bench-gen: a document of %lld indicators (%zu bytes) in %s\n", (long long)bo.stix, b.len,
		       bo.stix_bundle);
	else
		fprintf(stderr, "kairan: bench-gen: cannot write %s\n", bo.stix_bundle);
	buf_free(&b);
	return ok ? 0 : 1;
}

/* CPU seconds this process used so far: on a machine shared with other
 * work the wall-clock rate says more about the neighbours than about the
 * loader, so the report gives both. */
static double cpu_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
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
		{"stix", required_argument, NULL, 'x'},
		{"stix-first", required_argument, NULL, 'f'},
		{"stix-chunk", required_argument, NULL, 'k'},
		{"stix-bundle", required_argument, NULL, 'b'},
		{"stix-envelope", required_argument, NULL, 'e'},
		{"stix-as", required_argument, NULL, 'a'},
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
			    "and the audit log.\n"
			    "  --stix N          also store N generated STIX indicators in SLUG through the\n"
			    "                    STIX ingest, --stix-chunk per document (default 10000), posted\n"
			    "                    by --stix-as LOGIN (default rail-member); --topics defaults to 0\n"
			    "  --stix-first S    serial of the first generated indicator (default 0)\n"
			    "  --stix-bundle F   write a STIX bundle of the N indicators to file F instead\n"
			    "                    (no database)\n"
			    "  --stix-envelope F the same as a TAXII 2.1 envelope {\"objects\":[...]}\n",
			    opts, on_benchgen_opt);
	if (prc)
		return prc < 0 ? 0 : prc;
	if (bo.stix_bundle)
		return write_bundle();
	if (bo.stix > 0 && !bo.topics_set)
		bo.topics = 0;
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
	if (rc == 0 && bo.topics > 0) {
		int64_t t0 = now_ms();
		double c0 = cpu_s();
		struct benchgen_opts o = {.topics = bo.topics, .community_topics = bo.community_topics,
					  .community = bo.community, .seed = bo.seed,
					  .progress = bo.quiet ? NULL : progress, .progress_arg = &t0, .every = 100000};
		struct benchgen_stats st;
		if ((r = benchgen_topics(&cl.c, &o, &st))) {
			rc = cli_fail(r, "bench-gen", r == KR_ENOTFOUND ? "--community (or the demo people)" : NULL);
		} else {
			double s = (double)(now_ms() - t0) / 1000.0, cpu = cpu_s() - c0;
			printf("bench-gen: %lld topics (%lld in %s, %lld manual scope, %.1f MB of text) in %.1f s:"
			       " %.0f topics/s (%.1f s CPU: %.0f topics per CPU second)\n",
			       (long long)st.topics, (long long)st.in_community, bo.community, (long long)st.manual,
			       (double)st.bytes / 1e6, s, s > 0 ? (double)st.topics / s : 0.0, cpu,
			       cpu > 0 ? (double)st.topics / cpu : 0.0);
		}
	}
	if (rc == 0 && bo.stix > 0) {
		int64_t t0 = now_ms();
		struct benchgen_stix_opts so = {.indicators = bo.stix, .chunk = bo.stix_chunk, .collection = bo.community,
						.login = bo.stix_as, .seed = bo.seed, .first = bo.stix_first,
						.progress = bo.quiet ? NULL : stix_progress, .progress_arg = &t0};
		struct benchgen_stats st;
		if ((r = benchgen_stix(&cl.c, &so, &st))) {
			rc = cli_fail(r, "bench-gen", r == KR_ENOTFOUND ? "--community or --stix-as" : "stix");
		} else {
			double s = (double)(now_ms() - t0) / 1000.0;
			printf("bench-gen: %lld indicators (%.1f MB of STIX) in %s in %.1f s: %.0f indicators/s\n",
			       (long long)st.topics, (double)st.bytes / 1e6, bo.community, s,
			       s > 0 ? (double)st.topics / s : 0.0);
		}
	}
	if (rc == 0 && bo.topics > 0) {
		/* The search index, as the use cases would have built it. */
		int64_t t0 = now_ms(), n = 0;
		double c0 = cpu_s();
		int ri = topic_reindex_all(&cl.c, &n);
		if (ri)
			rc = cli_fail(ri, "bench-gen", "search index");
		else
			printf("bench-gen: search index of %lld topics built in %.1f s (%.1f s CPU)\n", (long long)n,
			       (double)(now_ms() - t0) / 1000.0, cpu_s() - c0);
	}
	if (rc == 0)
		db_optimize(cl.db);
	cli_close(&cl);
	return rc;
}
