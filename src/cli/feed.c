/* feed.c - `kairan feed add|list|edit|remove|pull`: the TAXII 2.1 feeds this
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
	"       kairan feed edit ID [--name NAME] [--url URL] [--collection SLUG] [--as LOGIN]\n"
	"                       [--user NAME] [--secret-stdin | --clear-secret]\n"
	"                       [--insecure | --verify-tls] [--pause | --resume]\n"
	"                       [--interval SECONDS] [--page-size N] [--db PATH]\n"
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
	"edit: change only what is given (see `kairan feed edit --help`).\n"
	"pull: pull now in this process and print how many objects were stored.\n";

static const char edit_usage[] =
	"usage: kairan feed edit ID [--name NAME] [--url URL] [--collection SLUG] [--as LOGIN]\n"
	"                           [--user NAME] [--secret-stdin | --clear-secret]\n"
	"                           [--insecure | --verify-tls] [--pause | --resume]\n"
	"                           [--interval SECONDS] [--page-size N] [--db PATH]\n"
	"Change a feed's settings; what is not given stays as it is.  Checked as by\n"
	"`feed add`; on any error nothing changes.\n"
	"  --url, --collection  a new remote collection URL or local collection: the next\n"
	"                       pull starts from the beginning (the added_after resume\n"
	"                       point is reset, as it belongs to the old source)\n"
	"  --secret-stdin       read a new remote API key from standard input (empty\n"
	"                       input keeps the current one); --clear-secret removes it\n"
	"  --pause              no more scheduled pulls (the pending one is cancelled);\n"
	"                       `feed pull` still works.  --resume schedules it again\n"
	"  --interval SECONDS   60..604800; the next pull is timed from the last one\n"
	"The key is never printed.  Prints the feed's id.\n";

static struct {
	const char *name, *url, *collection, *as, *user;
	bool secret_stdin, insecure, disabled, clear_secret, verify, pause, resume;
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
	case 'X': fo.clear_secret = true; break;
	case 'V': fo.verify = true; break;
	case 'P': fo.pause = true; break;
	case 'R': fo.resume = true; break;
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
		{"clear-secret", no_argument, NULL, 'X'},
		{"verify-tls", no_argument, NULL, 'V'},
		{"pause", no_argument, NULL, 'P'},
		{"resume", no_argument, NULL, 'R'},
		{0}};
	const char *sub = argc >= 2 ? argv[1] : "";
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "remove") && strcmp(sub, "pull") &&
	    strcmp(sub, "edit")) {
		bool help = false;
		for (int i = 1; i < argc; i++)
			help = help || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
		fprintf(help ? stdout : stderr, "%s", feed_usage);
		return help ? 0 : 2;
	}
	struct cli cl = {0};
	bool edit = !strcmp(sub, "edit");
	int prc = cli_parse(&cl, argc - 1, argv + 1, edit ? edit_usage : feed_usage, opts, feed_opt);
	if (prc)
		return prc < 0 ? 0 : prc;
	int64_t id = 0;
	if ((!strcmp(sub, "remove") || !strcmp(sub, "pull") || edit) && feed_id_arg(&cl, &id))
		return 2;
	if (edit && ((fo.pause && fo.resume) || (fo.insecure && fo.verify) || (fo.secret_stdin && fo.clear_secret) ||
		     fo.disabled)) {
		fprintf(stderr, "kairan: feed edit: conflicting options\n%s", edit_usage);
		return 2;
	}
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
	} else if (edit) {
		struct feed_edit in = {
			.name = fo.name, .url = fo.url, .collection = fo.collection, .owner_login = fo.as,
			.auth_user = fo.user, .clear_secret = fo.clear_secret,
			.tls_verify = fo.insecure ? 0 : fo.verify ? 1 : -1,
			.enabled = fo.pause ? 0 : fo.resume ? 1 : -1,
			.interval_s = fo.interval, .page_size = fo.page_size,
		};
		/* An empty line keeps the key, as a form left blank does. */
		if (fo.secret_stdin && !(in.auth_secret = cli_read_secret(cl.a)))
			in.auth_secret = "";
		const char *bad;
		if ((r = feed_update(&cl.c, id, &in, NULL, &bad)))
			rc = cli_fail(r, "feed edit", bad);
		else
			printf("%lld\n", (long long)id);
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
