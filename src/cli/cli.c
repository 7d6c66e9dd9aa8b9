/* cli.c - the kairan command: subcommand dispatch, common options, and the
 * administrative commands (init, migrate, org, user, apikey, backup,
 * restore).  serve and demo live in their own files.
 *
 * Admin commands act as the platform itself (viewer.system) through the same
 * core use cases the web and API use, so the same validation and audit rows
 * apply.  Output is script-friendly: data on stdout, messages on stderr. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_internal.h"
#include "core/auth.h"
#include "core/common.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

int cli_open(struct cli *cl, bool migrate)
{
	log_set_level(str_eq(cl->cfg.log_level, "debug") ? LOG_DEBUG
		      : str_eq(cl->cfg.log_level, "warn") ? LOG_WARN
		      : str_eq(cl->cfg.log_level, "error") ? LOG_ERROR : LOG_INFO);
	if (db_open(cl->cfg.db, &cl->db)) {
		fprintf(stderr, "kairan: cannot open database %s\n", cl->cfg.db);
		return 1;
	}
	if (migrate && db_migrate(cl->db)) {
		fprintf(stderr, "kairan: migrating the database failed (see the log above)\n");
		return 1;
	}
	cl->a = arena_new();
	cl->c.db = cl->db;
	cl->c.a = cl->a;
	cl->c.now = now_ms();
	cl->c.ip = "";
	cl->c.who.system = true;
	cl->c.who.login = "system";
	return 0;
}

void cli_close(struct cli *cl)
{
	db_close(cl->db);
	arena_free(cl->a);
	cl->db = NULL;
	cl->a = NULL;
}

int cli_fail(int rc, const char *what, const char *bad)
{
	if (bad)
		fprintf(stderr, "kairan: %s: invalid %s\n", what, bad);
	else
		fprintf(stderr, "kairan: %s: %s\n", what, kr_strerror(rc));
	return 1;
}

/* Read one line (a password) from stdin, without the newline. */
char *cli_read_secret(struct arena *a)
{
	char line[1100];
	if (!fgets(line, sizeof line, stdin))
		return NULL;
	line[strcspn(line, "\r\n")] = 0;
	return arena_strdup(a, line);
}

/* Common options every command takes.  Returns the getopt code for the
 * command's own options or handles the common ones itself. */
static const char common_help[] =
	"  --db PATH|URL      database: SQLite file (default kairan.db) or postgres://...\n"
	"  --config FILE      configuration file (key = value; see README)\n"
	"  -h, --help         this help\n";

int cli_parse(struct cli *cl, int argc, char **argv, const char *usage,
	      const struct option *extra, int (*on_opt)(struct cli *, int, const char *))
{
	struct option opts[32];
	size_t n = 0;
	opts[n++] = (struct option){"db", required_argument, NULL, 'd'};
	opts[n++] = (struct option){"config", required_argument, NULL, 'c'};
	opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	for (const struct option *o = extra; o && o->name && n < 31; o++)
		opts[n++] = *o;
	opts[n] = (struct option){0};
	/* The config file must be read before flags override it: find it first. */
	const char *cfgpath = NULL;
	for (int i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], "--config"))
			cfgpath = argv[i + 1];
	if (config_load(&cl->cfg, cfgpath))
		return 2;
	optind = 1;
	opterr = 1;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			cl->cfg.db = optarg;
			break;
		case 'c':
			break;
		case 'h':
			printf("%s\nOptions:\n%s", usage, common_help);
			return -1;
		case '?':
			fprintf(stderr, "%s", usage);
			return 2;
		default:
			if (!on_opt || on_opt(cl, ch, optarg)) {
				fprintf(stderr, "%s", usage);
				return 2;
			}
		}
	}
	cl->args = argv + optind;
	cl->nargs = argc - optind;
	return 0;
}

#define PARSE(cl, argc, argv, usage, opts, fn)                              \
	do {                                                                \
		int prc_ = cli_parse(cl, argc, argv, usage, opts, fn);     \
		if (prc_)                                                   \
			return prc_ < 0 ? 0 : prc_;                         \
	} while (0)

/* ---- init / migrate ---- */

static struct {
	const char *login, *email, *name;
	bool pw_stdin, force;
	const char *slug, *name_ja, *name_en, *kind, *sector, *contact_email, *phone;
	const char *org, *role, *label, *user;
	bool org_admin;
} o;

static int on_opt(struct cli *cl, int ch, const char *arg)
{
	(void)cl;
	switch (ch) {
	case 'L': o.login = arg; break;
	case 'E': o.email = arg; break;
	case 'N': o.name = arg; break;
	case 'P': o.pw_stdin = true; break;
	case 'F': o.force = true; break;
	case 'S': o.slug = arg; break;
	case 'j': o.name_ja = arg; break;
	case 'e': o.name_en = arg; break;
	case 'k': o.kind = arg; break;
	case 's': o.sector = arg; break;
	case 'm': o.contact_email = arg; break;
	case 'p': o.phone = arg; break;
	case 'O': o.org = arg; break;
	case 'R': o.role = arg; break;
	case 'A': o.org_admin = true; break;
	case 'l': o.label = arg; break;
	case 'U': o.user = arg; break;
	default: return -1;
	}
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"admin-login", required_argument, NULL, 'L'},
		{"admin-email", required_argument, NULL, 'E'},
		{"admin-name", required_argument, NULL, 'N'},
		{"admin-password-stdin", no_argument, NULL, 'P'},
		{0}};
	struct cli cl = {0};
	PARSE(&cl, argc, argv,
	      "usage: kairan init [--db PATH] [--admin-login L] [--admin-email E] [--admin-name N]\n"
	      "                   [--admin-password-stdin]\n"
	      "Create the schema, the coordination-center organisation (slug cc) and the first\n"
	      "admin.  Without --admin-password-stdin a random password is generated and printed.\n"
	      "  --admin-login L          admin login (default admin)\n"
	      "  --admin-email E          admin e-mail (default admin@example.org)\n"
	      "  --admin-name N           admin display name\n"
	      "  --admin-password-stdin   read the admin password from standard input\n",
	      opts, on_opt);
	if (cli_open(&cl, true))
		return 1;
	int rc = core_init_site(&cl.c, o.login ? o.login : "admin", o.email ? o.email : "admin@example.org",
				o.name ? o.name : "Administrator", o.pw_stdin ? cli_read_secret(cl.a) : NULL, true);
	cli_close(&cl);
	return rc;
}

static int cmd_migrate(int argc, char **argv)
{
	struct cli cl = {0};
	PARSE(&cl, argc, argv, "usage: kairan migrate [--db PATH]\nApply pending schema migrations.\n", NULL, NULL);
	if (cli_open(&cl, true))
		return 1;
	int v = 0;
	db_schema_version(cl.db, &v);
	fprintf(stderr, "kairan: schema at version %d\n", v);
	cli_close(&cl);
	return 0;
}

/* ---- org ---- */

static int cmd_org(int argc, char **argv)
{
	static const struct option opts[] = {
		{"slug", required_argument, NULL, 'S'},
		{"name-ja", required_argument, NULL, 'j'},
		{"name-en", required_argument, NULL, 'e'},
		{"kind", required_argument, NULL, 'k'},
		{"sector", required_argument, NULL, 's'},
		{"email", required_argument, NULL, 'm'},
		{"phone", required_argument, NULL, 'p'},
		{0}};
	const char *usage =
		"usage: kairan org add --slug S --name-ja N --name-en N --kind K [--sector S]\n"
		"                      [--email E] [--phone P] [--db PATH]\n"
		"       kairan org list [--db PATH]\n"
		"Kinds: coordination_center security_agency law_enforcement ministry organiser\n"
		"       local_government critical_service venue sports_body cti_vendor\n"
		"       security_info_center other (critical_service needs --sector).\n"
		"org list prints slug, kind, sector, English name, Japanese name (tab-separated).\n";
	if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "list"))) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			printf("%s", usage);
			return 0;
		}
		fprintf(stderr, "%s", usage);
		return 2;
	}
	struct cli cl = {0};
	PARSE(&cl, argc - 1, argv + 1, usage, opts, on_opt);
	if (cli_open(&cl, true))
		return 1;
	int rc = 0;
	if (!strcmp(argv[1], "add")) {
		struct org org = {.slug = o.slug, .name_ja = o.name_ja, .name_en = o.name_en, .kind = o.kind,
				  .sector = o.sector, .contact_email = o.contact_email, .contact_phone = o.phone,
				  .description = ""};
		const char *bad = NULL;
		int r = org_create(&cl.c, &org, NULL, &bad);
		rc = r ? cli_fail(r, "org add", bad) : 0;
	} else {
		struct org_filter f = {.limit = 200};
		for (;;) {
			struct org_page pg;
			int r = org_list(&cl.c, &f, &pg);
			if (r) {
				rc = cli_fail(r, "org list", NULL);
				break;
			}
			for (size_t i = 0; i < pg.n; i++)
				printf("%s\t%s\t%s\t%s\t%s\n", pg.items[i].slug, pg.items[i].kind,
				       pg.items[i].sector ? pg.items[i].sector : "-", pg.items[i].name_en,
				       pg.items[i].name_ja);
			if (!pg.next_cursor)
				break;
			f.cursor = pg.next_cursor;
		}
	}
	cli_close(&cl);
	return rc;
}

/* ---- user ---- */

static int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{"login", required_argument, NULL, 'L'},
		{"org", required_argument, NULL, 'O'},
		{"email", required_argument, NULL, 'E'},
		{"name", required_argument, NULL, 'N'},
		{"role", required_argument, NULL, 'R'},
		{"org-admin", no_argument, NULL, 'A'},
		{"password-stdin", no_argument, NULL, 'P'},
		{0}};
	const char *usage =
		"usage: kairan user add --login L --org SLUG --email E --name N [--role R] [--org-admin]\n"
		"                       [--password-stdin] [--db PATH]\n"
		"       kairan user list [--org SLUG] [--db PATH]\n"
		"       kairan user disable LOGIN | enable LOGIN\n"
		"       kairan user reset-password LOGIN [--password-stdin]\n"
		"Roles: member (default), coordinator, admin.  user list prints login, organisation\n"
		"and role, tab-separated.  Without --password-stdin, add creates a person who sets a\n"
		"password through reset-password, and reset-password prints a random one.\n";
	static const char *const subs[] = {"add", "list", "disable", "enable", "reset-password"};
	bool known = false;
	for (size_t i = 0; argc >= 2 && i < KR_ARRAY_LEN(subs); i++)
		known |= !strcmp(argv[1], subs[i]);
	if (!known) {
		bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
		fprintf(help ? stdout : stderr, "%s", usage);
		return help ? 0 : 2;
	}
	struct cli cl = {0};
	PARSE(&cl, argc - 1, argv + 1, usage, opts, on_opt);
	if (cli_open(&cl, true))
		return 1;
	int rc = 0, r;
	const char *bad = NULL;
	if (!strcmp(argv[1], "add")) {
		struct org org;
		enum role role = ROLE_MEMBER;
		if (o.role && role_parse(o.role, &role)) {
			rc = cli_fail(KR_EINVAL, "user add", "role");
		} else if ((r = org_get(&cl.c, o.org, &org))) {
			rc = cli_fail(r, "user add", "org");
		} else {
			struct person p = {.org_id = org.id, .login = o.login, .email = o.email,
					   .display_name = o.name, .title = "", .phone = "", .role = role,
					   .org_admin = o.org_admin};
			const char *pw = o.pw_stdin ? cli_read_secret(cl.a) : NULL;
			if (o.pw_stdin && !pw)
				rc = cli_fail(KR_EINVAL, "user add", "password");
			else if ((r = person_create(&cl.c, &p, pw, NULL, &bad)))
				rc = cli_fail(r, "user add", bad);
		}
	} else if (!strcmp(argv[1], "list")) {
		struct person_filter f = {.org_slug = o.org, .limit = 200};
		for (;;) {
			struct person_page pg;
			if ((r = person_list(&cl.c, &f, &pg))) {
				rc = cli_fail(r, "user list", NULL);
				break;
			}
			for (size_t i = 0; i < pg.n; i++)
				printf("%s\t%s\t%s\n", pg.items[i].login, pg.items[i].org_slug,
				       role_name(pg.items[i].role));
			if (!pg.next_cursor)
				break;
			f.cursor = pg.next_cursor;
		}
	} else {
		if (cl.nargs != 1) {
			fprintf(stderr, "%s", usage);
			cli_close(&cl);
			return 2;
		}
		const char *login = cl.args[0];
		if (!strcmp(argv[1], "disable") || !strcmp(argv[1], "enable")) {
			if ((r = person_set_status(&cl.c, login, !strcmp(argv[1], "enable"))))
				rc = cli_fail(r, argv[1], NULL);
		} else {
			const char *pw = o.pw_stdin ? cli_read_secret(cl.a) : rand_token(cl.a, 15);
			if (!pw || (r = person_reset_password(&cl.c, login, pw)))
				rc = cli_fail(pw ? r : KR_EINVAL, "reset-password", pw ? NULL : "password");
			else if (!o.pw_stdin)
				printf("%s\n", pw);
		}
	}
	cli_close(&cl);
	return rc;
}

/* ---- apikey ---- */

static int cmd_apikey(int argc, char **argv)
{
	static const struct option opts[] = {
		{"user", required_argument, NULL, 'U'},
		{"label", required_argument, NULL, 'l'},
		{0}};
	const char *usage = "usage: kairan apikey create --user LOGIN [--label TEXT] [--db PATH]\n"
			    "       kairan apikey revoke PREFIX [--db PATH]\n"
			    "create prints only the new key (kr_PREFIX_SECRET) on standard output;\n"
			    "it is shown once and stored hashed.\n";
	if (argc < 2 || (strcmp(argv[1], "create") && strcmp(argv[1], "revoke"))) {
		bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
		fprintf(help ? stdout : stderr, "%s", usage);
		return help ? 0 : 2;
	}
	struct cli cl = {0};
	PARSE(&cl, argc - 1, argv + 1, usage, opts, on_opt);
	if (cli_open(&cl, true))
		return 1;
	int rc = 0, r;
	if (!strcmp(argv[1], "create")) {
		const char *key;
		if (!o.user)
			rc = cli_fail(KR_EINVAL, "apikey create", "--user");
		else if ((r = auth_apikey_create(&cl.c, o.user, o.label ? o.label : "", &key)))
			rc = cli_fail(r, "apikey create", NULL);
		else
			printf("%s\n", key);
	} else if (cl.nargs != 1) {
		fprintf(stderr, "%s", usage);
		rc = 2;
	} else if ((r = auth_apikey_revoke(&cl.c, cl.args[0]))) {
		rc = cli_fail(r, "apikey revoke", NULL);
	}
	cli_close(&cl);
	return rc;
}

/* ---- backup / restore ---- */


static int cmd_backup(int argc, char **argv)
{
	struct cli cl = {0};
	PARSE(&cl, argc, argv,
	      "usage: kairan backup [--db PATH|URL] FILE\n"
	      "Write a consistent copy of the whole database (attachments included) to FILE while\n"
	      "the server keeps running.  SQLite: FILE is a SQLite database (online backup).\n"
	      "PostgreSQL: FILE is a Kairan dump (the export-db format).  Either kind restores\n"
	      "into either engine with kairan restore.\n",
	      NULL, NULL);
	if (cl.nargs != 1) {
		fprintf(stderr, "usage: kairan backup [--db PATH|URL] FILE\n");
		return 2;
	}
	if (access(cl.args[0], F_OK) == 0) {
		fprintf(stderr, "kairan: %s exists; refusing to overwrite it\n", cl.args[0]);
		return 1;
	}
	if (cli_open(&cl, false))
		return 1;
	int r;
	if (db_url_is_pg(cl.cfg.db)) {
		FILE *f = fopen(cl.args[0], "w");
		int64_t rows = 0;
		r = f ? db_dump(cl.db, f, &rows) : KR_EIO;
		if (f && fclose(f) != 0 && r == KR_OK)
			r = KR_EIO;
		if (r)
			unlink(cl.args[0]);
	} else {
		r = db_backup_to(cl.db, cl.args[0]);
	}
	cli_close(&cl);
	if (r)
		return cli_fail(r, "backup", NULL);
	fprintf(stderr, "kairan: backup written to %s\n", cl.args[0]);
	return 0;
}

/* Load a dump (stream) into the open, migrated, empty database and
 * rebuild the search index; prints the outcome; process exit status. */
static int load_dump(struct cli *cl, FILE *f, const char *what)
{
	int64_t rows = 0, topics = 0, cases = 0;
	char err[300] = "";
	int rc = db_load(cl->db, f, &rows, err, sizeof err);
	if (rc == KR_OK)
		rc = topic_reindex_all(&cl->c, &topics);
	if (rc == KR_OK)
		rc = incident_reindex_all(&cl->c, &cases);
	if (rc) {
		fprintf(stderr, "kairan: %s: %s\n", what, err[0] ? err : kr_strerror(rc));
		return 1;
	}
	fprintf(stderr, "kairan: %s: loaded %lld rows, reindexed %lld topics and %lld cases\n", what,
		(long long)rows, (long long)topics, (long long)cases);
	return 0;
}

static int cmd_restore(int argc, char **argv)
{
	struct cli cl = {0};
	PARSE(&cl, argc, argv,
	      "usage: kairan restore [--db PATH|URL] FILE\n"
	      "Restore a backup made by kairan backup (a SQLite file or a Kairan dump) into --db.\n"
	      "Stop the server first.  A SQLite backup replaces a SQLite database; anything else\n"
	      "is loaded into an empty database (PostgreSQL: create a fresh one first) in one\n"
	      "transaction.  The backup is checked before anything is written, and the result\n"
	      "is migrated to the current schema.\n",
	      NULL, NULL);
	if (cl.nargs != 1) {
		fprintf(stderr, "usage: kairan restore [--db PATH|URL] FILE\n");
		return 2;
	}
	FILE *f = fopen(cl.args[0], "rb");
	char magic[16] = {0};
	size_t got = f ? fread(magic, 1, sizeof magic, f) : 0;
	if (!f) {
		fprintf(stderr, "kairan: cannot read %s\n", cl.args[0]);
		return 1;
	}
	bool sqlite_file = got == 16 && !memcmp(magic, "SQLite format 3", 16);
	if (!sqlite_file) {
		/* A dump: straight into the (empty) target. */
		rewind(f);
		if (cli_open(&cl, true)) {
			fclose(f);
			return 1;
		}
		int rc = load_dump(&cl, f, "restore");
		fclose(f);
		cli_close(&cl);
		return rc;
	}
	fclose(f);
	struct db *src = NULL;
	int v = 0;
	if (db_open(cl.args[0], &src) || db_schema_version(src, &v) || v < 1) {
		fprintf(stderr, "kairan: %s is not a Kairan backup\n", cl.args[0]);
		db_close(src);
		return 1;
	}
	int r;
	if (db_url_is_pg(cl.cfg.db)) {
		/* SQLite backup into PostgreSQL: through a dump in a temp file. */
		FILE *tmp = tmpfile();
		int64_t rows = 0;
		r = tmp ? db_dump(src, tmp, &rows) : KR_EIO;
		db_close(src);
		if (r) {
			if (tmp)
				fclose(tmp);
			return cli_fail(r, "restore", NULL);
		}
		rewind(tmp);
		if (cli_open(&cl, true)) {
			fclose(tmp);
			return 1;
		}
		int rc = load_dump(&cl, tmp, "restore");
		fclose(tmp);
		cli_close(&cl);
		return rc;
	}
	if (db_open(cl.cfg.db, &cl.db)) {
		db_close(src);
		return cli_fail(KR_EUNAVAIL, "restore", NULL);
	}
	db_close(cl.db);
	cl.db = NULL;
	r = db_backup_to(src, cl.cfg.db);
	db_close(src);
	if (r)
		return cli_fail(r, "restore", NULL);
	if (cli_open(&cl, true))
		return 1;
	cli_close(&cl);
	fprintf(stderr, "kairan: restored %s from %s (schema version %d)\n", cl.cfg.db, cl.args[0], v);
	return 0;
}

/* ---- export-db / import-db ---- */

static int cmd_export_db(int argc, char **argv)
{
	struct cli cl = {0};
	PARSE(&cl, argc, argv,
	      "usage: kairan export-db [--db PATH|URL] [FILE]\n"
	      "Write the whole database (every table; the search index is rebuilt on import) as\n"
	      "JSON lines to FILE or standard output, from a consistent snapshot.  With import-db\n"
	      "it moves a site between engines, e.g. from SQLite to PostgreSQL.\n",
	      NULL, NULL);
	if (cl.nargs > 1) {
		fprintf(stderr, "usage: kairan export-db [--db PATH|URL] [FILE]\n");
		return 2;
	}
	const char *path = cl.nargs ? cl.args[0] : "-";
	if (strcmp(path, "-") && access(path, F_OK) == 0) {
		fprintf(stderr, "kairan: %s exists; refusing to overwrite it\n", path);
		return 1;
	}
	if (cli_open(&cl, false))
		return 1;
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		cli_close(&cl);
		fprintf(stderr, "kairan: cannot write %s\n", path);
		return 1;
	}
	int64_t rows = 0;
	int rc = db_dump(cl.db, f, &rows);
	if (f != stdout && fclose(f) != 0)
		rc = rc ? rc : KR_EIO;
	else if (f == stdout && fflush(stdout) != 0)
		rc = rc ? rc : KR_EIO;
	cli_close(&cl);
	if (rc)
		return cli_fail(rc, "export-db", NULL);
	fprintf(stderr, "kairan: exported %lld rows\n", (long long)rows);
	return 0;
}

static int cmd_import_db(int argc, char **argv)
{
	struct cli cl = {0};
	PARSE(&cl, argc, argv,
	      "usage: kairan import-db [--db PATH|URL] FILE|-\n"
	      "Load a dump made by export-db into an empty database (created and migrated if\n"
	      "needed), in one transaction: a bad or truncated file changes nothing.  Then the\n"
	      "search index is rebuilt.\n",
	      NULL, NULL);
	if (cl.nargs != 1) {
		fprintf(stderr, "usage: kairan import-db [--db PATH|URL] FILE|-\n");
		return 2;
	}
	FILE *f = strcmp(cl.args[0], "-") ? fopen(cl.args[0], "r") : stdin;
	if (!f) {
		fprintf(stderr, "kairan: cannot read %s\n", cl.args[0]);
		return 1;
	}
	if (cli_open(&cl, true)) {
		if (f != stdin)
			fclose(f);
		return 1;
	}
	int rc = load_dump(&cl, f, "import-db");
	if (f != stdin)
		fclose(f);
	cli_close(&cl);
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} cmds[] = {
	{"init", cmd_init, "create the schema, the coordination center and the first admin"},
	{"serve", cmd_serve, "run the web server"},
	{"demo", cmd_demo, "create a database filled with the demo dataset"},
	{"bench-gen", cmd_bench_gen, "fill a benchmark database with generated topics"},
	{"migrate", cmd_migrate, "apply pending schema migrations"},
	{"org", cmd_org, "add or list organisations"},
	{"user", cmd_user, "add, list, disable/enable people, reset passwords"},
	{"apikey", cmd_apikey, "create or revoke API keys"},
	{"jobs", cmd_jobs, "run due background jobs (mail, digests) now"},
	{"feed", cmd_feed, "add, list, remove or pull TAXII 2.1 feeds (federation)"},
	{"backup", cmd_backup, "write a consistent copy of the database"},
	{"restore", cmd_restore, "replace the database with a backup"},
	{"export-db", cmd_export_db, "write the whole database as JSON lines (to move engines)"},
	{"import-db", cmd_import_db, "load an export into an empty database"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kairan COMMAND [OPTIONS]\n\n"
		   "Kairan (回覧): a threat-information sharing platform for a coordination center\n"
		   "and its participating organisations.\n\nCommands:\n");
	for (size_t i = 0; i < KR_ARRAY_LEN(cmds); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nRun 'kairan COMMAND --help' for a command's options.\n");
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < KR_ARRAY_LEN(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kairan: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
