/* test_acl_cases.c - the randomised property test of R5.4 for
 * consultation-desk cases: for generated organisations, people (some
 * coordinators, whose role must not matter) and cases (two spaces, random
 * reporters, designated, cc and support recipients) it checks that
 *   - the list face (incident_list: ACL_CASE_PRED, keyset paging and its
 *     count) and the board's counts,
 *   - the single-item face (acl_case_visible, computed in C), and
 *   - the recipient face (ACL_CASE_RECIPIENT_PRED over people),
 *   - keyword search (incident_list and incident_board with q over the
 *     incident_fts index: titles and timeline messages with two-character
 *     Japanese words), and
 *   - the daily digest's counts (incident_digest_get: new, open and
 *     resolved by class and state in a random window, support requests
 *     answered, the new cases named)
 * all agree with an independent model written here, and that a hidden case
 * answers exactly like a missing one (get, timeline, message, attachment
 * list, support requests).  The seed is printed; KAIRAN_TEST_SEED replays.
 * Runs on SQLite, and on PostgreSQL when KAIRAN_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/acl.h"
#include "core/incident.h"
#include "core/incident_digest.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/db.h"

#define NORG 40
#define NPERSON 400
#define NCASE 600
#define MAXRCPT 6
#define MAXSR 2
#define T0 1600000000000LL

#include "proptest.h" /* after the sizes it reads */

/* Search vocabulary: two-character words (the hard case for Japanese
 * search), a longer one and a Latin one.  A case's title and its message
 * each hold a random subset, separated by spaces. */
static const char *const vocab[] = {"障害", "攻撃", "通信", "改ざん", "ddos"};
#define NVOCAB 5



struct m_case {
	int64_t space;
	int reporter;              /* person */
	int nrcpt, rcpt[MAXRCPT];  /* organisations */
	int state, klass;          /* indexes into incident_states / incident_classes */
	int64_t created, resolved; /* resolved 0: none */
	unsigned title_words, msg_words; /* bit i: vocab[i] */
	int nsr;
	int64_t answered[MAXSR];   /* support requests; 0: not answered */
};
struct model {
	int person_org[NPERSON];
	bool coordinator[NPERSON];
	struct m_case k[NCASE];
	int64_t case_db_id[NCASE], person_db_id[NPERSON], org_db_id[NORG];
};

/* The model: a direct reading of R9.1 and R5.5. */
static bool m_visible(const struct model *m, int p, int k, int64_t space)
{
	const struct m_case *x = &m->k[k];
	if (x->space != space)
		return false;
	int org = m->person_org[p];
	if (m->person_org[x->reporter] == org)
		return true;
	for (int i = 0; i < x->nrcpt; i++)
		if (x->rcpt[i] == org)
			return true;
	return false;
}


static void exec_ok(struct db_stmt *st)
{
	int rc = db_step(st);
	if (rc != KR_DONE && rc != KR_ROW)
		fail_msg("insert failed: %s", kr_strerror(rc));
	db_done(st);
}

static const char *case_pid(struct arena *a, int k) { return arena_printf(a, "C-20200101-%04d", k); }

static const char *words_text(struct arena *a, unsigned mask)
{
	const char *t = "件名";
	for (int i = 0; i < NVOCAB; i++)
		if (mask & (1u << i))
			t = arena_printf(a, "%s %s", t, vocab[i]);
	return t;
}

static void generate(struct db *db, struct arena *a, struct model *m)
{
	struct db_stmt *st;
	int64_t now = T0;
	assert_int_equal(db_begin(db), KR_OK);
	for (int o = 0; o < NORG; o++) {
		assert_int_equal(db_prepare(db, "INSERT INTO orgs (slug, name_ja, name_en, kind, created_at, updated_at)"
						" VALUES (?1, ?1, ?1, ?2, ?3, ?3) RETURNING id", &st), KR_OK);
		db_bind_text(st, 1, arena_printf(a, "o%d", o));
		db_bind_text(st, 2, o == 0 ? "coordination_center" : o < 4 ? "security_agency" : "other");
		db_bind_int(st, 3, now);
		m->org_db_id[o] = insert_returning(st);
	}
	for (int p = 0; p < NPERSON; p++) {
		m->person_org[p] = (int)(rnd() % NORG);
		m->coordinator[p] = chance(15);
		assert_int_equal(db_prepare(db, "INSERT INTO people (org_id, login, email, display_name, role, created_at,"
						" updated_at) VALUES (?1, ?2, ?3, ?2, ?4, ?5, ?5) RETURNING id", &st), KR_OK);
		db_bind_int(st, 1, m->org_db_id[m->person_org[p]]);
		db_bind_text(st, 2, arena_printf(a, "p%d", p));
		db_bind_text(st, 3, arena_printf(a, "p%d@x.example", p));
		db_bind_text(st, 4, m->coordinator[p] ? "coordinator" : "member");
		db_bind_int(st, 5, now);
		m->person_db_id[p] = insert_returning(st);
	}
	for (int k = 0; k < NCASE; k++) {
		struct m_case *x = &m->k[k];
		x->space = chance(10) ? 1 : 0;
		x->reporter = (int)(rnd() % NPERSON);
		x->state = (int)(rnd() % incident_nstates);
		x->klass = (int)(rnd() % incident_nclasses);
		/* Few distinct times so paging has to break ties by id. */
		x->created = now + (int64_t)(rnd() % 40) * 1000;
		bool done = str_eq(incident_states[x->state], "resolved") || str_eq(incident_states[x->state], "closed");
		x->resolved = done ? x->created + (int64_t)(rnd() % 40) * 1000 : 0;
		x->title_words = rnd() % (1u << NVOCAB);
		x->msg_words = chance(40) ? rnd() % (1u << NVOCAB) : 0;
		assert_int_equal(db_prepare(db, "INSERT INTO cases (space, public_id, kind, reporter_id, reporter_org_id,"
						" title, tlp, state, class, created_at, updated_at, resolved_at)"
						" VALUES (?1, ?2, 'report_incident', ?3, ?4, ?8, 'amber', ?5, ?6, ?7, ?7, ?9)"
						" RETURNING id", &st), KR_OK);
		db_bind_int(st, 1, x->space);
		db_bind_text(st, 2, case_pid(a, k));
		db_bind_int(st, 3, m->person_db_id[x->reporter]);
		db_bind_int(st, 4, m->org_db_id[m->person_org[x->reporter]]);
		db_bind_text(st, 5, incident_states[x->state]);
		db_bind_text(st, 6, incident_classes[x->klass]);
		db_bind_int(st, 7, x->created);
		db_bind_text(st, 8, words_text(a, x->title_words));
		if (x->resolved)
			db_bind_int(st, 9, x->resolved);
		else
			db_bind_null(st, 9);
		m->case_db_id[k] = insert_returning(st);
		if (x->msg_words) {
			assert_int_equal(db_prepare(db, "INSERT INTO case_events (case_id, kind, actor_id, actor_org_id, body,"
							" created_at) VALUES (?1, 'message', ?2, ?3, ?4, ?5)", &st), KR_OK);
			db_bind_int(st, 1, m->case_db_id[k]);
			db_bind_int(st, 2, m->person_db_id[x->reporter]);
			db_bind_int(st, 3, m->org_db_id[m->person_org[x->reporter]]);
			db_bind_text(st, 4, arena_printf(a, "メッセージ %s", words_text(a, x->msg_words)));
			db_bind_int(st, 5, x->created);
			exec_ok(st);
		}
		x->nsr = (int)(rnd() % (MAXSR + 1));
		for (int i = 0; i < x->nsr; i++) {
			x->answered[i] = chance(60) ? now + (int64_t)(rnd() % 60) * 1000 : 0;
			assert_int_equal(db_prepare(db, "INSERT INTO support_requests (case_id, agency_org_id, kind, state,"
							" requested_by, created_at, answered_at)"
							" VALUES (?1, ?2, 'advice', ?3, ?4, ?5, ?6)", &st), KR_OK);
			db_bind_int(st, 1, m->case_db_id[k]);
			db_bind_int(st, 2, m->org_db_id[1 + rnd() % 3]);
			db_bind_text(st, 3, x->answered[i] ? "answered" : "requested");
			db_bind_int(st, 4, m->person_db_id[x->reporter]);
			db_bind_int(st, 5, now);
			if (x->answered[i])
				db_bind_int(st, 6, x->answered[i]);
			else
				db_bind_null(st, 6);
			exec_ok(st);
		}
		/* cc usually (the core always adds it; the acl must not assume
		 * it), designated orgs, an agency asked for support. */
		int want = (int)(rnd() % MAXRCPT);
		if (chance(85))
			x->rcpt[x->nrcpt++] = 0;
		while (x->nrcpt < want) {
			int o = (int)(rnd() % NORG);
			bool dup = false;
			for (int i = 0; i < x->nrcpt; i++)
				dup |= x->rcpt[i] == o;
			if (!dup)
				x->rcpt[x->nrcpt++] = o;
			else
				break;
		}
		for (int i = 0; i < x->nrcpt; i++) {
			assert_int_equal(db_prepare(db, "INSERT INTO case_recipients (case_id, org_id, via, added_at)"
							" VALUES (?1, ?2, ?3, ?4)", &st), KR_OK);
			db_bind_int(st, 1, m->case_db_id[k]);
			db_bind_int(st, 2, m->org_db_id[x->rcpt[i]]);
			db_bind_text(st, 3, x->rcpt[i] == 0 ? "cc" : x->rcpt[i] < 4 ? "support" : "designated");
			db_bind_int(st, 4, now);
			exec_ok(st);
		}
	}
	assert_int_equal(db_commit(db), KR_OK);
}

static struct ctx viewer(struct db *db, struct arena *a, const struct model *m, int p, int64_t space)
{
	struct ctx c = {.db = db, .a = a, .now = 1600000100000LL, .space = space};
	c.who.person_id = m->person_db_id[p];
	c.who.org_id = m->org_db_id[m->person_org[p]];
	c.who.role = m->coordinator[p] ? ROLE_COORDINATOR : ROLE_MEMBER;
	c.who.login = "viewer";
	return c;
}

static int case_index(const struct model *m, int64_t id)
{
	return proptest_index(m->case_db_id, NCASE, id);
}

static void run_property(const char *url)
{
	char path[64];
	struct db *db = proptest_open(path, "aclk", url);
	struct model *m = calloc(1, sizeof *m);
	struct arena *a = arena_new();
	generate(db, a, m);
	/* The rows were written directly: build the search index the way
	 * import-db does. */
	struct ctx sys = {.db = db, .a = a, .now = T0};
	sys.who.system = true;
	int64_t indexed = 0;
	assert_int_equal(incident_reindex_all(&sys, &indexed), KR_OK);
	assert_int_equal(indexed, NCASE);

	/* 1. The list face and the board against the model. */
	bool *seen = calloc(NCASE, 1);
	int lists = 0, step = url ? 13 : 5;
	for (int p = 0; p < NPERSON; p += step) {
		int64_t space = p % 7 == 0 ? 1 : 0;
		struct ctx c = viewer(db, a, m, p, space);
		memset(seen, 0, NCASE);
		struct incident_filter f = {.limit = 1 + (int)(rnd() % 60)};
		int64_t total = -1, got = 0;
		for (;;) {
			struct incident_page pg;
			assert_int_equal(incident_list(&c, &f, &pg), KR_OK);
			if (total < 0)
				total = pg.total;
			assert_int_equal(pg.total, total);
			for (size_t i = 0; i < pg.n; i++) {
				int k = case_index(m, pg.items[i].id);
				assert_true(k >= 0);
				if (!m_visible(m, p, k, space))
					fail_msg("seed %llu: p%d sees case %d in a list, model says hidden",
						 (unsigned long long)seed, p, k);
				if (seen[k])
					fail_msg("seed %llu: case %d twice in paging", (unsigned long long)seed, k);
				seen[k] = true;
				got++;
			}
			if (!pg.next_cursor)
				break;
			f.cursor = pg.next_cursor;
		}
		int64_t want = 0;
		for (int k = 0; k < NCASE; k++)
			if (m_visible(m, p, k, space)) {
				want++;
				if (!seen[k])
					fail_msg("seed %llu: p%d misses visible case %d", (unsigned long long)seed, p, k);
			}
		assert_int_equal(got, want);
		assert_int_equal(total, want);
		struct incident_filter none = {0};
		struct incident_board b;
		assert_int_equal(incident_board(&c, &none, &b), KR_OK);
		assert_int_equal(b.total, want);
		int64_t by_class = 0;
		for (size_t i = 0; i < b.n_classes; i++)
			by_class += b.by_class[i].n;
		assert_int_equal(by_class, want);
		struct incident_measures ms;
		assert_int_equal(incident_measures(&c, &ms), KR_OK);
		assert_int_equal(ms.cases, want);
		lists++;
	}
	free(seen);

	/* 2. The single-item face, and hidden == missing on every path. */
	int visible = 0, hidden = 0, pairs = url ? 800 : 3000;
	for (int i = 0; i < pairs; i++) {
		int p = (int)(rnd() % NPERSON), k = (int)(rnd() % NCASE);
		int64_t space = chance(10) ? 1 : 0;
		struct ctx c = viewer(db, a, m, p, space);
		int rc = acl_case_visible(&c, m->case_db_id[k]);
		bool want = m_visible(m, p, k, space);
		if ((rc == KR_OK) != want || (rc != KR_OK && rc != KR_ENOTFOUND))
			fail_msg("seed %llu: acl_case_visible(p%d, k%d) = %d, model %d", (unsigned long long)seed, p, k,
				 rc, want);
		want ? visible++ : hidden++;
		struct incident x;
		const char *pid = case_pid(a, k);
		rc = incident_get(&c, pid, &x);
		assert_int_equal(rc, want ? KR_OK : KR_ENOTFOUND);
		if (!want) {
			struct incident_event *ev;
			struct attachment *at;
			struct support_request *sr;
			size_t n;
			assert_int_equal(incident_timeline(&c, pid, &ev, &n), KR_ENOTFOUND);
			assert_int_equal(incident_attachments(&c, pid, &at, &n), KR_ENOTFOUND);
			assert_int_equal(support_request_list(&c, pid, &sr, &n), KR_ENOTFOUND);
			assert_int_equal(incident_message(&c, pid, "probe", NULL), KR_ENOTFOUND);
			assert_int_equal(incident_set_state(&c, pid, "closed", NULL), KR_ENOTFOUND);
			assert_int_equal(incident_get(&c, "C-20200101-9999", &x), KR_ENOTFOUND);
		}
	}
	assert_true(visible > 20 && hidden > 100);

	/* 3. The recipient face (notifications). */
	for (int k = 0; k < NCASE; k += url ? 37 : 11) {
		struct db_stmt *st;
		assert_int_equal(db_prepare(db, "SELECT p.id FROM cases k JOIN people p ON p.status = 'active'"
						" WHERE k.id = ?2 AND " ACL_CASE_RECIPIENT_PRED " ORDER BY p.id", &st), KR_OK);
		db_bind_int(st, 1, m->k[k].space);
		db_bind_int(st, 2, m->case_db_id[k]);
		int n = 0, want = 0;
		while (db_step(st) == KR_ROW) {
			int64_t id = db_col_int(st, 0);
			int p = (int)(id - m->person_db_id[0]);
			assert_true(p >= 0 && p < NPERSON && m->person_db_id[p] == id);
			if (!m_visible(m, p, k, m->k[k].space))
				fail_msg("seed %llu: recipient p%d of k%d hidden in the model", (unsigned long long)seed, p, k);
			n++;
		}
		db_done(st);
		for (int p = 0; p < NPERSON; p++)
			want += m_visible(m, p, k, m->k[k].space);
		assert_int_equal(n, want);
	}
	/* 4. Keyword search and the digest's counts, per viewer. */
	int searches = 0, hits = 0, digests = 0;
	for (int p = 1; p < NPERSON; p += url ? 17 : 7) {
		int64_t space = p % 5 == 0 ? 1 : 0;
		struct ctx c = viewer(db, a, m, p, space);
		for (int w = 0; w < NVOCAB; w++) {
			struct incident_filter f = {.q = vocab[w], .limit = 100};
			int64_t want = 0, got = 0, total = -1;
			for (int k = 0; k < NCASE; k++)
				want += m_visible(m, p, k, space) && ((m->k[k].title_words | m->k[k].msg_words) & (1u << w));
			for (;;) {
				struct incident_page pg;
				assert_int_equal(incident_list(&c, &f, &pg), KR_OK);
				if (total < 0)
					total = pg.total;
				for (size_t i = 0; i < pg.n; i++) {
					int k = case_index(m, pg.items[i].id);
					assert_true(k >= 0);
					if (!m_visible(m, p, k, space))
						fail_msg("seed %llu: p%d finds hidden case %d by \"%s\"", (unsigned long long)seed, p,
							 k, vocab[w]);
					if (!((m->k[k].title_words | m->k[k].msg_words) & (1u << w)))
						fail_msg("seed %llu: case %d is no hit for \"%s\"", (unsigned long long)seed, k, vocab[w]);
					got++;
				}
				if (!pg.next_cursor)
					break;
				f.cursor = pg.next_cursor;
			}
			if (got != want || total != want)
				fail_msg("seed %llu: p%d \"%s\": %lld hits, count %lld, model %lld", (unsigned long long)seed, p,
					 vocab[w], (long long)got, (long long)total, (long long)want);
			struct incident_filter bf = {.q = vocab[w]};
			struct incident_board b;
			assert_int_equal(incident_board(&c, &bf, &b), KR_OK);
			assert_int_equal(b.total, want);
			searches++;
			hits += (int)got;
		}
		/* A word in no case at all, and words with nothing searchable. */
		struct incident_filter nf = {.q = "該当なし"};
		struct incident_page pg;
		assert_int_equal(incident_list(&c, &nf, &pg), KR_OK);
		assert_int_equal(pg.total, 0);
		nf.q = "、、";
		assert_int_equal(incident_list(&c, &nf, &pg), KR_OK);
		assert_int_equal(pg.total, 0);
		assert_int_equal(pg.n, 0);

		/* The digest over a random window inside the generated times. */
		int64_t since = T0 + (int64_t)(rnd() % 45) * 1000, until = since + (int64_t)(1 + rnd() % 45) * 1000;
		struct incident_digest d;
		assert_int_equal(incident_digest_get(&c, since, until, &d), KR_OK);
		int64_t nw[32] = {0}, op[32] = {0}, rs_[32] = {0}, st_[32] = {0}, answered = 0, new_total = 0;
		assert_true(incident_nclasses <= 32 && incident_nstates <= 32);
		for (int k = 0; k < NCASE; k++) {
			const struct m_case *x = &m->k[k];
			if (!m_visible(m, p, k, space))
				continue;
			bool open = !x->resolved && !str_eq(incident_states[x->state], "closed");
			if (x->created >= since && x->created < until) {
				nw[x->klass]++;
				new_total++;
			}
			if (x->resolved >= since && x->resolved < until)
				rs_[x->klass]++;
			if (open) {
				op[x->klass]++;
				st_[x->state]++;
			}
			for (int i = 0; i < x->nsr; i++)
				answered += x->answered[i] >= since && x->answered[i] < until;
		}
		assert_int_equal(d.n_classes, incident_nclasses);
		for (size_t i = 0; i < incident_nclasses; i++) {
			if (d.by_class[i].new_n != nw[i] || d.by_class[i].open_n != op[i] || d.by_class[i].resolved_n != rs_[i])
				fail_msg("seed %llu: p%d digest class %s: %lld/%lld/%lld, model %lld/%lld/%lld",
					 (unsigned long long)seed, p, incident_classes[i], (long long)d.by_class[i].new_n,
					 (long long)d.by_class[i].open_n, (long long)d.by_class[i].resolved_n, (long long)nw[i],
					 (long long)op[i], (long long)rs_[i]);
		}
		for (size_t i = 0; i < incident_nstates; i++)
			assert_int_equal(d.open_by_state[i], st_[i]);
		assert_int_equal(d.total.new_n, new_total);
		assert_int_equal(d.support_answered, answered);
		assert_int_equal(d.cc_topics, 0);
		assert_int_equal((int64_t)d.n_new_cases, new_total < INCIDENT_DIGEST_CASES ? new_total : INCIDENT_DIGEST_CASES);
		for (size_t i = 0; i < d.n_new_cases; i++) {
			int k = -1;
			for (int j = 0; j < NCASE && k < 0; j++)
				if (str_eq(case_pid(a, j), d.new_cases[i].public_id))
					k = j;
			assert_true(k >= 0);
			if (!m_visible(m, p, k, space) || m->k[k].created < since || m->k[k].created >= until)
				fail_msg("seed %llu: p%d digest names case %d", (unsigned long long)seed, p, k);
		}
		digests++;
	}
	assert_true(hits > 0);

	print_message("acl cases (%s): seed %llu, %d list viewers, %d visible / %d hidden pairs,"
		      " %d searches (%d hits), %d digests\n",
		      url ? "postgres" : "sqlite", (unsigned long long)seed, lists, visible, hidden, searches, hits, digests);
	arena_free(a);
	free(m);
	db_close(db);
	proptest_remove(path);
}

PROPTEST_MAIN(acl_cases)
