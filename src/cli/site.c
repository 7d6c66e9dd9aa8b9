/* site.c - first-run set-up shared by `init` and `demo`. */
#include <stdio.h>

#include "cli/cli_internal.h"
#include "core/common.h"
#include "core/community.h"
#include "core/org.h"
#include "core/person.h"
#include "lib/arena.h"
#include "lib/util.h"

int core_init_site(struct ctx *c, const char *login, const char *email, const char *name,
		   const char *password, bool print_password)
{
	struct org cc;
	int rc = org_get(c, "cc", &cc);
	int64_t cc_id = cc.id;
	if (rc == KR_ENOTFOUND) {
		struct org o = {.slug = "cc",
				.name_ja = "サイバーセキュリティ対処調整センター",
				.name_en = "Cybersecurity Coordination Center",
				.kind = "coordination_center",
				.contact_email = "cc@example.org",
				.contact_phone = "",
				.description = ""};
		const char *bad = NULL;
		if ((rc = org_create(c, &o, &cc_id, &bad)))
			return cli_fail(rc, "init", bad);
	} else if (rc) {
		return cli_fail(rc, "init", NULL);
	}
	if ((rc = community_init_builtin(c)))
		return cli_fail(rc, "init", "communities");
	struct person existing;
	if (person_get(c, login, &existing) == KR_OK) {
		fprintf(stderr, "kairan: already initialised (%s exists)\n", login);
		return 0;
	}
	bool generated = !password;
	if (generated)
		password = rand_token(c->a, 15);
	struct person p = {.org_id = cc_id, .login = login, .email = email, .display_name = name,
			   .title = "", .phone = "", .role = ROLE_ADMIN, .org_admin = true};
	const char *bad = NULL;
	if ((rc = person_create(c, &p, password, NULL, &bad)))
		return cli_fail(rc, "init", bad);
	fprintf(stderr, "kairan: initialised; admin login: %s\n", login);
	if (generated && print_password)
		printf("%s\n", password);
	return 0;
}
