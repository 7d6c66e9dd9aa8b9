/* feed.c - `kairan feed add|list|remove|pull`: the TAXII 2.1 feeds this
 * site pulls from (federation, SPEC R11.5), managed from the shell by
 * the platform itself through the same core use cases as the web page
 * and the API.  The secret (the remote site's API key) is read from
 * standard input, never from the command line (other users see argv),
 * and is never printed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"
#include "core/federation.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

static const char feed_usage[] =
	"usage: kairan feed add --name NAME --url URL --collection SLUG --as LOGIN\n"
	"                       [--user NAME] [--secret-stdin] [--insecure] [--disabled]\n"
	"                       [--interval SECONDS] [--page-size N] [--db PATH]\n"
	"       kairan feed list [--db PATH]\n"
	"       kairan feed remove ID [--db PATH]\n"
	"       kairan feed pull ID [--db PATH]\n"
	"Pull STIX objects from another TAXII 2.1 server into a local collection.\n"
	"add: URL is the remote collection ({api-root}/collections/{id}/); SLUG the local\n"
	"  community; LOGIN the person the feed stores as (they must be able to post there).\n"
	"  --secret-stdin reads the remote API key (HTTP Basic password) from standard\n"
	"  input; --user sets the Basic user name (default \"taxii\").  TLS certificates\n"
	"  are verified unless --insecure.  Pulled every --interval seconds (default 3600,\n"
	"  60..604800) by `kairan serve`, resuming with added_after; --disabled: only\n"
	"  when asked (`feed pull`, the page's button, the API).\n"
	"list: one feed a line (id, name, collection, last run, objects, last error).\n"
	"pull: pull now in this process and print how many objects were stored.\n";

static struct {
	const char *name, *url, *collection, *as, *user;
	bool secret_stdin, insecure, disabled;
	int interval, page_size;
} fo;

static int feed_opt(struct cli *cl, int ch, const char *arg)
{
	(void)cl;
	int64_t v;
	switch (ch) {
	case 'n': fo.name = arg; break;
	case 'u': fo.url = arg; break;
	case 'C': fo.collection = arg; break;
	case 'a': fo.as = arg; break;
	case 'U': fo.user = arg; break;
	case 'S': fo.secret_stdin = true; break;
	case 'I': fo.insecure = true; break;
	case 'D': fo.disabled = true; break;
	case 'i':
		if (parse_i64(arg, FEED_INTERVAL_MIN, FEED_INTERVAL_MAX, &v))
			return -1;
		fo.interval = (int)v;
		break;
	case 'p':
		if (parse_i64(arg, 1, FEED_PAGE_MAX, &v))
			return -1;
		fo.page_size = (int)v;
		break;
	default: return -1;
	}
	return 0;
}

static const char *when(struct arena *a, int64_t ms)
{
	if (!ms)
		return "never";
	char t[40];
	time_rfc3339(ms, t, sizeof t);
	return arena_strdup(a, t);
}

static int feed_id_arg(struct cli *cl, int64_t *id)
{
	if (cl->nargs != 1 || parse_i64(cl->args[0], 1, INT64_MAX, id)) {
		fprintf(stderr, "%s", feed_usage);
		return 2;
	}
	return 0;
}

int cmd_feed(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"url", required_argument, NULL, 'u'},
		{"collection", required_argument, NULL, 'C'},
		{"as", required_argument, NULL, 'a'},
		{"user", required_argument, NULL, 'U'},
		{"secret-stdin", no_argument, NULL, 'S'},
		{"insecure", no_argument, NULL, 'I'},
		{"disabled", no_argument, NULL, 'D'},
		{"interval", required_argument, NULL, 'i'},
		{"page-size", required_argument, NULL, 'p'},
		{0}};
	const char *sub = argc >= 2 ? argv[1] : "";
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "remove") && strcmp(sub, "pull")) {
		bool help = false;
		for (int i = 1; i < argc; i++)
			help = help || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
		fprintf(help ? stdout : stderr, "%s", feed_usage);
		return help ? 0 : 2;
	}
	struct cli cl = {0};
	int prc = cli_parse(&cl, argc - 1, argv + 1, feed_usage, opts, feed_opt);
	if (prc)
		return prc < 0 ? 0 : prc;
	int64_t id = 0;
	if ((!strcmp(sub, "remove") || !strcmp(sub, "pull")) && feed_id_arg(&cl, &id))
		return 2;
	if (cli_open(&cl, true))
		return 1;
	int rc = 0, r;
	if (!strcmp(sub, "add")) {
		struct feed_new in = {
			.name = fo.name, .url = fo.url, .collection = fo.collection, .owner_login = fo.as,
			.auth_user = fo.user, .tls_verify = !fo.insecure, .disabled = fo.disabled,
			.interval_s = fo.interval,
			.page_size = fo.page_size,
		};
		if (fo.secret_stdin && !(in.auth_secret = cli_read_secret(cl.a))) {
			rc = cli_fail(KR_EINVAL, "feed add", "secret (nothing on standard input)");
		} else if (!fo.as) {
			rc = cli_fail(KR_EINVAL, "feed add", "--as (the person the feed stores as)");
		} else {
			const char *bad;
			if ((r = feed_create(&cl.c, &in, &id, &bad)))
				rc = cli_fail(r, "feed add", bad);
			else
				printf("%lld\n", (long long)id);
		}
	} else if (!strcmp(sub, "list")) {
		struct feed *v;
		size_t n;
		if ((r = feed_list(&cl.c, &v, &n))) {
			rc = cli_fail(r, "feed list", NULL);
		} else {
			for (size_t i = 0; i < n; i++)
				printf("%lld\t%s\t%s\t%s\tlast run %s\tpulled %lld (total %lld)\t%s\t%s\n",
				       (long long)v[i].id, v[i].name, v[i].collection, v[i].url,
				       when(cl.a, v[i].last_run_at), (long long)v[i].last_pulled,
				       (long long)v[i].total_pulled, v[i].enabled ? "enabled" : "disabled",
				       v[i].last_error[0] ? v[i].last_error : "ok");
		}
	} else if (!strcmp(sub, "remove")) {
		if ((r = feed_remove(&cl.c, id)))
			rc = cli_fail(r, "feed remove", NULL);
	} else {
		int64_t pulled;
		const char *err;
		r = feed_pull(&cl.c, id, &pulled, &err);
		if (r == KR_ENOTFOUND) {
			rc = cli_fail(r, "feed pull", NULL);
		} else if (r) {
			fprintf(stderr, "kairan: feed pull: %s (%lld objects stored before it)\n",
				err ? err : kr_strerror(r), (long long)pulled);
			rc = 1;
		} else {
			printf("%lld\n", (long long)pulled);
		}
	}
	cli_close(&cl);
	return rc;
}
