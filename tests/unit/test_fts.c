/* test_fts.c - keyword search: the kairan tokenizer (lib/tokenize), the
 * FTS5 / tsquery / tsvector builders, and real searches on a SQLite file
 * through the store with the contract SQL of store/fts.h (JOIN, an ACL-like
 * predicate, ORDER BY rank). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/tokenize.h"
#include "store/db.h"
#include "store/fts.h"

/* ---- tokenizer ---- */

struct toks {
	char s[16384]; /* tokens joined by '|', colocated ones prefixed with '=' */
	size_t ntok;
};

static int collect(void *ctx, const struct tok *t)
{
	struct toks *k = ctx;
	size_t l = strlen(k->s);
	snprintf(k->s + l, sizeof k->s - l, "%s%s%.*s", k->ntok ? "|" : "", t->colocated ? "=" : "",
		 (int)t->len, t->text);
	k->ntok++;
	return 0;
}

static const char *toks(const char *s, enum tok_mode m)
{
	static struct toks k;
	memset(&k, 0, sizeof k);
	assert_int_equal(tokenize(s, strlen(s), m, collect, &k), 0);
	return k.s;
}

static void test_tokenize_cjk(void **state)
{
	(void)state;
	assert_string_equal(toks("システム障害", TOK_DOC), "シス|ステ|テム|ム障|障害|=害");
	assert_string_equal(toks("システム障害", TOK_QUERY), "シス|ステ|テム|ム障|障害");
	/* A lone character is a unigram on both sides. */
	assert_string_equal(toks("障", TOK_DOC), "障");
	assert_string_equal(toks("障", TOK_QUERY), "障");
	/* Mixed kana/kanji, punctuation separates runs. */
	assert_string_equal(toks("改ざん、確認。", TOK_QUERY), "改ざ|ざん|確認");
	/* ー belongs to the katakana run; ・ separates. */
	assert_string_equal(toks("サーバー・攻撃", TOK_QUERY), "サー|ーバ|バー|攻撃");
	/* Latin and CJK next to each other. */
	assert_string_equal(toks("Webサイト", TOK_DOC), "web|サイ|イト|=ト");
	assert_string_equal(toks("々〇", TOK_QUERY), "々〇");
}

static void test_tokenize_latin(void **state)
{
	(void)state;
	assert_string_equal(toks("DDoS #OpBoycottOlympics", TOK_DOC), "ddos|opboycottolympics");
	/* Compounds add tokens colocated with their parts (test_tokenize_compound). */
	assert_string_equal(toks("https://www.Example.COM/login?x=1", TOK_DOC),
			    "https|www|example|=www.example|com|=www.example.com|=example.com|login|x|1");
	assert_string_equal(toks("CVE-2021-1234 a_b user@example.jp", TOK_DOC),
			    "cve|2021|=cve-2021|1234|=cve-2021-1234|=2021-1234|a|b|=a_b|user|example|jp|"
			    "=example.jp");
	assert_string_equal(toks("a/b @c", TOK_DOC), "a|b|c");
	assert_string_equal(toks("Ünïcode ÀÉ", TOK_DOC), "ünïcode|àé");
	assert_string_equal(toks("", TOK_DOC), "");
	assert_string_equal(toks("  ,.;!?\"'()[]{}*^ ", TOK_DOC), "");
	/* Words are cut to TOK_MAX bytes, the same way on both sides. */
	char longw[400];
	memset(longw, 'A', sizeof longw - 1);
	longw[sizeof longw - 1] = 0;
	const char *t = toks(longw, TOK_DOC);
	assert_int_equal(strlen(t), TOK_MAX);
	assert_int_equal(t[0], 'a');
	/* A multi-byte character never gets cut in half. */
	char mixed[400] = "a";
	for (int i = 0; i < 80; i++)
		strcat(mixed, "é");
	t = toks(mixed, TOK_DOC);
	assert_int_equal(strlen(t), TOK_MAX - 1);
}

static void test_tokenize_fold(void **state)
{
	(void)state;
	/* Full-width ASCII -> ASCII, lower-cased. */
	assert_string_equal(toks("ＤＤｏＳ　ＣＶＥ－２０２１", TOK_DOC), "ddos|cve|2021|=cve-2021");
	assert_string_equal(toks("２０３．０．１１３．６６", TOK_QUERY), "203.0.113.66");
	/* Half-width katakana -> full-width with voiced marks composed. */
	assert_string_equal(toks("ｻｰﾊﾞｰ", TOK_QUERY), toks("サーバー", TOK_QUERY));
	assert_string_equal(toks("ｶﾞｲﾄﾞﾗｲﾝ", TOK_QUERY), "ガイ|イド|ドラ|ライ|イン");
	assert_string_equal(toks("ﾊﾟｽﾜｰﾄﾞ", TOK_QUERY), "パス|スワ|ワー|ード");
	assert_string_equal(toks("ｳﾞ", TOK_QUERY), "ヴ");
}

static void test_tokenize_invalid_utf8(void **state)
{
	(void)state;
	/* Bad bytes separate tokens and are skipped. */
	assert_string_equal(toks("\xff障害\xc3", TOK_DOC), "障害|=害");
	assert_string_equal(toks("ab\x80" "cd", TOK_DOC), "ab|cd");
	assert_string_equal(toks("\xe9\x9a", TOK_DOC), "");         /* truncated 3-byte */
	assert_string_equal(toks("\xc0\xaf" "x", TOK_DOC), "x");    /* overlong '/' */
	assert_string_equal(toks("\xed\xa0\x80" "y", TOK_DOC), "y"); /* surrogate */
}

static void test_tokenize_compound(void **state)
{
	(void)state;
	/* IPv4: every part, every prefix and suffix of two parts or more;
	 * a query gets the whole address as one token. */
	assert_string_equal(toks("203.0.113.66", TOK_DOC),
			    "203|0|=203.0|113|=203.0.113|66|=203.0.113.66|=0.113.66|=113.66");
	assert_string_equal(toks("203.0.113.66", TOK_QUERY), "203.0.113.66");
	/* IPv6, with "::" as one joiner. */
	assert_string_equal(toks("2001:DB8::1", TOK_DOC), "2001|db8|=2001:db8|1|=2001:db8::1|=db8::1");
	assert_string_equal(toks("2001:db8::1", TOK_QUERY), "2001:db8::1");
	assert_string_equal(toks("fe80::1%eth0", TOK_QUERY), "fe80::1|eth0");
	assert_string_equal(toks("::1", TOK_DOC), "1");
	/* A domain with a hyphen, a CVE id, a version, a time. */
	assert_string_equal(toks("evil-host.example.com", TOK_DOC),
			    "evil|host|=evil-host|example|=evil-host.example|com|=evil-host.example.com"
			    "|=host.example.com|=example.com");
	assert_string_equal(toks("Evil-Host.Example.COM", TOK_QUERY), "evil-host.example.com");
	assert_string_equal(toks("CVE-2021-44228", TOK_QUERY), "cve-2021-44228");
	assert_string_equal(toks("v1.2.3", TOK_DOC), "v1|2|=v1.2|3|=v1.2.3|=2.3");
	assert_string_equal(toks("10:30", TOK_QUERY), "10:30");
	/* A hash is one word anyway; with a label it is a compound. */
	const char *sha = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
	const char *shal = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	assert_string_equal(toks(sha, TOK_DOC), shal);
	assert_string_equal(toks(sha, TOK_QUERY), shal);
	char lab[100];
	snprintf(lab, sizeof lab, "sha256:%s", sha);
	char want[200];
	snprintf(want, sizeof want, "sha256|%s|=sha256:%s", shal, shal);
	assert_string_equal(toks(lab, TOK_DOC), want);
	/* Joiners count only between two parts. */
	assert_string_equal(toks("end.", TOK_DOC), "end");
	assert_string_equal(toks("...", TOK_DOC), "");
	assert_string_equal(toks(".com -x- _y_ :z:", TOK_DOC), "com|x|y|z");
	assert_string_equal(toks("a..b a--b a.-b a:::b", TOK_DOC), "a|b|a|b|a|b|a|b");
	assert_string_equal(toks("a..b", TOK_QUERY), "a|b");
	assert_string_equal(toks("the end. Next", TOK_DOC), "the|end|next");
	/* Japanese and ASCII: the CJK run ends the compound on both sides. */
	assert_string_equal(toks("障害203.0.113.66発生", TOK_DOC),
			    "障害|=害|203|0|=203.0|113|=203.0.113|66|=203.0.113.66|=0.113.66|=113.66|発生|=生");
	assert_string_equal(toks("障害203.0.113.66発生", TOK_QUERY), "障害|203.0.113.66|発生");
	assert_string_equal(toks("障害.203", TOK_DOC), "障害|=害|203");
	/* Non-ASCII letters are words but not parts. */
	assert_string_equal(toks("café.example.com", TOK_DOC), "café|example|com|=example.com");
	assert_string_equal(toks("café.example.com", TOK_QUERY), "café|example.com");
	/* "/" and "@" are not joiners. */
	assert_string_equal(toks("192.0.2.0/24", TOK_QUERY), "192.0.2.0|24");
	assert_string_equal(toks("soc@example.org", TOK_QUERY), "soc|example.org");
	/* A compound longer than TOK_MAX: a query gets its parts, a document
	 * its parts and the prefixes and suffixes that fit. */
	char lng[400] = "";
	for (int i = 0; i < 100; i++)
		strcat(lng, i ? ".ab" : "ab");
	const char *q = toks(lng, TOK_QUERY);
	assert_int_equal(strlen(q), 100 * 3 - 1); /* ab|ab|... */
	assert_null(strchr(q, '.'));
	const char *d = toks(lng, TOK_DOC);
	size_t ncomp = 0, longest = 0;
	for (const char *p = d; (p = strchr(p, '=')); p++) {
		size_t l = strcspn(p + 1, "|");
		ncomp++;
		longest = l > longest ? l : longest;
	}
	/* "ab" + 42 times ".ab" = 128 bytes: 42 prefixes and 42 suffixes. */
	assert_int_equal(ncomp, 84);
	assert_int_equal(longest, 128);
	/* A part of more than TOK_MAX bytes is cut as a word and ends compounds. */
	char big[300];
	memset(big, 'a', 200);
	strcpy(big + 200, ".b.c");
	d = toks(big, TOK_DOC);
	assert_string_equal(d + TOK_MAX, "|b|c|=b.c");
	q = toks(big, TOK_QUERY);
	assert_string_equal(q + TOK_MAX, "|b.c");
}

struct span {
	size_t start, end;
};

static int first_span(void *ctx, const struct tok *t)
{
	*(struct span *)ctx = (struct span){t->start, t->end};
	return 7; /* stop at once; tokenize hands the value back */
}

struct spans {
	struct span *s;
	size_t *n;
};

static int spans(void *ctx, const struct tok *t)
{
	struct spans *sp = ctx;
	if (*sp->n < 16)
		sp->s[(*sp->n)++] = (struct span){t->start, t->end};
	return 0;
}

static void test_tokenize_offsets(void **state)
{
	(void)state;
	struct span sp = {0, 0};
	const char *s = "\xff" "  ＡＢ 障害";
	assert_int_equal(tokenize(s, strlen(s), TOK_DOC, first_span, &sp), 7);
	assert_int_equal(sp.start, 3);
	assert_int_equal(sp.end, 9); /* two 3-byte full-width letters */
	const char *h = "x ｶﾞｲ";
	assert_int_equal(tokenize(h + 2, strlen(h + 2), TOK_DOC, first_span, &sp), 7);
	assert_int_equal(sp.start, 0);
	assert_int_equal(sp.end, 9); /* ｶ + ﾞ + ｲ: the bigram ガイ covers all three */
	/* A compound's span is its own; a prefix ends with its last part. */
	struct span all[16];
	size_t nsp = 0;
	const char *ip = "at 2001:db8::1.";
	assert_int_equal(tokenize(ip, strlen(ip), TOK_QUERY, spans, &(struct spans){all, &nsp}), 0);
	assert_int_equal(nsp, 2);
	assert_int_equal(all[1].start, 3);
	assert_int_equal(all[1].end, 14);
	nsp = 0;
	assert_int_equal(tokenize(ip, strlen(ip), TOK_DOC, spans, &(struct spans){all, &nsp}), 0);
	assert_int_equal(nsp, 7); /* at 2001 db8 =2001:db8 1 =2001:db8::1 =db8::1 */
	assert_int_equal(all[3].start, 3);
	assert_int_equal(all[3].end, 11);
	assert_int_equal(all[6].start, 8);
	assert_int_equal(all[6].end, 14);
}

/* ---- query and document builders ---- */

static void test_query_fts5(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	assert_string_equal(fts_query_sqlite(a, "障害"), "\"障害\"");
	assert_string_equal(fts_query_sqlite(a, "改ざん 攻撃"), "\"改ざ ざん\" AND \"攻撃\"");
	assert_string_equal(fts_query_sqlite(a, "障害、攻撃"), "\"障害\" AND \"攻撃\"");
	assert_string_equal(fts_query_sqlite(a, "障"), "\"障\"*");
	assert_string_equal(fts_query_sqlite(a, "web障"), "\"web 障\"*");
	/* A compound alone: its one token. */
	assert_string_equal(fts_query_sqlite(a, "www.example.com"), "\"www.example.com\"");
	assert_string_equal(fts_query_sqlite(a, "CVE-2021-1234"), "\"cve-2021-1234\"");
	assert_string_equal(fts_query_sqlite(a, "203.0.113.66."), "\"203.0.113.66\"");
	assert_string_equal(fts_query_sqlite(a, "2001:db8::1 障害"), "\"2001:db8::1\" AND \"障害\"");
	/* A compound inside a longer word: the phrase of parts and the compound. */
	assert_string_equal(fts_query_sqlite(a, "soc@example.org"), "\"soc example org\" AND \"example.org\"");
	assert_string_equal(fts_query_sqlite(a, "hxxp://1.2.3.4/a.b"),
			    "\"hxxp 1 2 3 4 a b\" AND \"1.2.3.4\" AND \"a.b\"");
	assert_string_equal(fts_query_sqlite(a, "障害203.0.113.66発"),
			    "\"障害 203 0 113 66 発\"* AND \"203.0.113.66\"");
	assert_string_equal(fts_query_sqlite(a, "a..b"), "\"a b\"");
	/* Operators and quotes are never operators. */
	assert_string_equal(fts_query_sqlite(a, "a OR b"), "\"a\" AND \"or\" AND \"b\"");
	assert_string_equal(fts_query_sqlite(a, "NEAR(\"x\" y*)"), "\"near\" AND \"x\" AND \"y\"");
	assert_string_equal(fts_query_sqlite(a, "title:障害"), "\"title 障害\"");
	assert_null(fts_query_sqlite(a, "\""));
	assert_null(fts_query_sqlite(a, "  * ( ) ^ - : "));
	assert_null(fts_query_sqlite(a, ""));
	assert_null(fts_query_sqlite(a, NULL));
	/* At most TOK_QUERY_WORDS words. */
	char many[1024] = "";
	for (int i = 0; i < 100; i++)
		strcat(many, "w ");
	const char *q = fts_query_sqlite(a, many);
	size_t nw = 0;
	for (const char *p = q; (p = strstr(p, "\"w\"")); p += 3)
		nw++;
	assert_int_equal(nw, TOK_QUERY_WORDS);
	arena_free(a);
}

static void test_query_pg(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	assert_string_equal(fts_query_pg(a, "障害"), "'障害'");
	assert_string_equal(fts_query_pg(a, "改ざん 障"), "( '改ざ' <-> 'ざん' ) & '障':*");
	assert_string_equal(fts_query_pg(a, "192.0.2.1"), "'192.0.2.1'");
	assert_string_equal(fts_query_pg(a, "2001:DB8::1"), "'2001:db8::1'");
	assert_string_equal(fts_query_pg(a, "soc@example.org 障"),
			    "( 'soc' <-> 'example' <-> 'org' ) & 'example.org' & '障':*");
	assert_string_equal(fts_query_pg(a, "1.2 3"), "'1.2' & '3'");
	assert_string_equal(fts_query_pg(a, "it's \\ 'x'"), "'it' & 's' & 'x'");
	assert_null(fts_query_pg(a, "'\\&|!<->():*"));
	/* Documents: explicit positions, the run-final unigram shares the
	 * position of the last bigram. */
	assert_string_equal(fts_doc_pg(a, "Webサイト 改ざん"),
			    "'web':1 'サイ':2 'イト':3 'ト':3 '改ざ':4 'ざん':5 'ん':5");
	assert_string_equal(fts_doc_pg(a, "at 2001:db8::1"),
			    "'at':1 '2001':2 'db8':3 '2001:db8':3 '1':4 '2001:db8::1':4 'db8::1':4");
	assert_string_equal(fts_doc_pg(a, ""), "");
	assert_string_equal(fts_doc_pg(a, NULL), "");
	/* A huge document stays under PostgreSQL's limits. */
	size_t n = 3 * 1000 * 1000;
	char *big = malloc(n + 1);
	for (size_t i = 0; i < n; i += 3)
		memcpy(big + i, (i / 3) % 2 ? "障" : "害", 3);
	big[n] = 0;
	const char *d = fts_doc_pg(a, big);
	assert_true(strlen(d) < 1000 * 1000);
	assert_non_null(strstr(d, ":16383"));
	assert_null(strstr(d, ":16384"));
	free(big);
	arena_free(a);
}

/* ---- real searches on SQLite ---- */

struct fx {
	char path[64];
	struct db *db;
	struct arena *a;
};

struct doc {
	int64_t id;
	int hidden;
	const char *title, *body;
};

static const struct doc docs[] = {
	{1, 0, "不正プログラムに関する注意喚起",
	 "大会関連の被害報告を装う不正プログラムを確認しました。システム障害が発生しています"},
	{2, 0, "Webサイトの改ざんを確認", "複数の自治体Webサイトで改ざんを確認。"},
	{3, 0, "DDoS attack announced",
	 "Hacktivists call for #OpBoycottOlympics. Targets: www.example.com and 192.0.2.1. "
	 "Exploits CVE-2021-1234; report to soc@example.org"},
	{4, 0, "ＤＤｏＳ観測報告", "ｻｰﾊﾞｰへの攻撃を観測。ｶﾞｲﾄﾞﾗｲﾝを参照"},
	{5, 0, "Weekly note",
	 "Nothing relevant here. 天気は晴れ。CVE-2021-12345 is different, so is 192.0.2.10."},
	{6, 0, "攻撃", "詳細は後日"},
	{7, 0, "週報",
	 "今週は特に大きな事案はありませんでした。各組織からの報告をまとめます。"
	 "一部で攻撃の兆候がありましたが、影響は確認されていません。引き続き監視を続けます。"},
	{8, 1, "システム障害 (hidden)", "非公開のシステム障害報告"},
	{9, 0, "IOC list",
	 "C2: evil-host.test 198.51.100.23 and hxxp://203.0.113.66:8080/gate.php. Log4Shell is"
	 " CVE-2021-44228 in log4j 2.14.1, fixed in 2.17.0. IPv6 source 2001:db8::1."},
	/* The parts of the addresses of 9, but no address. */
	{10, 0, "Counts", "Alerts per port: 198, 51, 100, 23. 件数: 203 件, 0 件, 113 件, 66 件"},
	{11, 0, "Scattered", "198 hosts. 51 alerts. 100 tickets. 23 closed."},
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->path, sizeof f->path, "/tmp/kairan-test-fts-%d.db", (int)getpid());
	unlink(f->path);
	assert_int_equal(db_open(f->path, &f->db), KR_OK);
	f->a = arena_new();
	assert_int_equal(db_exec(f->db, "CREATE TABLE topics (id INTEGER PRIMARY KEY,"
					" hidden INTEGER NOT NULL)"),
			 KR_OK);
	assert_int_equal(db_exec(f->db, "CREATE VIRTUAL TABLE topic_fts USING fts5(title, body,"
					" tokenize='kairan')"),
			 KR_OK);
	assert_int_equal(db_exec(f->db, "INSERT INTO topic_fts(topic_fts, rank)"
					" VALUES('rank', 'bm25(2.5, 1.0)')"),
			 KR_OK);
	assert_int_equal(db_begin(f->db), KR_OK);
	for (size_t i = 0; i < KR_ARRAY_LEN(docs); i++) {
		struct db_stmt *st;
		assert_int_equal(db_prepare(f->db, "INSERT INTO topics (id, hidden) VALUES (?1, ?2)", &st),
				 KR_OK);
		db_bind_int(st, 1, docs[i].id);
		db_bind_int(st, 2, docs[i].hidden);
		assert_int_equal(db_step(st), KR_DONE);
		db_done(st);
		assert_int_equal(db_prepare(f->db, "INSERT INTO topic_fts(rowid, title, body)"
						   " VALUES (?1, ?2, ?3)",
					    &st),
				 KR_OK);
		db_bind_int(st, 1, docs[i].id);
		db_bind_text(st, 2, db_fts_doc(f->db, f->a, docs[i].title));
		db_bind_text(st, 3, db_fts_doc(f->db, f->a, docs[i].body));
		assert_int_equal(db_step(st), KR_DONE);
		db_done(st);
	}
	assert_int_equal(db_commit(f->db), KR_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	db_close(f->db);
	arena_free(f->a);
	char p[80];
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

/* Run the contract query of fts.h; the ids found, in rank order, as
 * "1,2,3" ("" for none, "ERR" when the database refused the query). */
static const char *search(struct fx *f, const char *user_query)
{
	static char out[256];
	out[0] = 0;
	const char *q = db_fts_query(f->db, f->a, user_query);
	if (!q)
		return out;
	struct db_stmt *st;
	if (db_prepare(f->db, "SELECT t.id FROM topic_fts JOIN topics t ON t.id = topic_fts.rowid"
			      " WHERE topic_fts MATCH ?1 AND t.hidden = 0"
			      " ORDER BY topic_fts.rank, t.id DESC",
		       &st) != KR_OK)
		return "ERR";
	db_bind_text(st, 1, q);
	int rc;
	while ((rc = db_step(st)) == KR_ROW) {
		size_t l = strlen(out);
		snprintf(out + l, sizeof out - l, "%s%lld", l ? "," : "", (long long)db_col_int(st, 0));
	}
	db_done(st);
	return rc == KR_DONE ? out : "ERR";
}

/* The same, sorted by id, for checks that do not care about rank. */
static const char *found(struct fx *f, const char *user_query)
{
	static char out[256];
	const char *r = search(f, user_query);
	if (strcmp(r, "ERR") == 0 || !*r)
		return r;
	int ids[64], n = 0;
	for (const char *p = r; *p && n < 64;) {
		ids[n++] = atoi(p);
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			int t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(out);
		snprintf(out + l, sizeof out - l, "%s%d", i ? "," : "", ids[i]);
	}
	return out;
}

static void test_search_japanese(void **state)
{
	struct fx *f = *state;
	assert_string_equal(found(f, "障害"), "1"); /* 8 has it too, but is hidden */
	assert_string_equal(found(f, "改ざん"), "2");
	assert_string_equal(found(f, "確認"), "1,2,7");
	assert_string_equal(found(f, "攻撃"), "4,6,7");
	assert_string_equal(found(f, "不正プログラム"), "1");
	assert_string_equal(found(f, "システム障害"), "1");
	/* Words that are not in the text - even when their characters are. */
	assert_string_equal(found(f, "障害報告"), "");
	assert_string_equal(found(f, "攻撃者"), "");
	assert_string_equal(found(f, "ランサムウェア"), "");
	assert_string_equal(found(f, "天気 障害"), "");  /* AND */
	assert_string_equal(found(f, "天気 晴れ"), "5");
	/* Single characters: inside, at the start and at the end of a run. */
	assert_string_equal(found(f, "障"), "1");
	assert_string_equal(found(f, "害"), "1");
	assert_string_equal(found(f, "起"), "1"); /* last of 注意喚起 */
	assert_string_equal(found(f, "撃"), "4,6,7");
	assert_string_equal(found(f, "鬱"), "");
	/* Mixed scripts. */
	assert_string_equal(found(f, "Webサイト"), "2");
	assert_string_equal(found(f, "webサイトの改ざん"), "2");
	assert_string_equal(found(f, "サイトweb"), "");
	/* A word ending in a lone CJK character: that character is a prefix. */
	assert_string_equal(found(f, "Webサ"), "2");
	assert_string_equal(found(f, "Webシ"), "");
	assert_string_equal(found(f, "ム障"), "1");
}

static void test_search_width_variants(void **state)
{
	struct fx *f = *state;
	/* Indexed half-width, searched full-width and the other way round. */
	assert_string_equal(found(f, "サーバー"), "4");
	assert_string_equal(found(f, "ｻｰﾊﾞｰ"), "4");
	assert_string_equal(found(f, "ガイドライン"), "4");
	assert_string_equal(found(f, "ddos"), "3,4");
	assert_string_equal(found(f, "ＤＤＯＳ"), "3,4");
	assert_string_equal(found(f, "観測報告"), "4");
}

static void test_search_latin(void **state)
{
	struct fx *f = *state;
	assert_string_equal(found(f, "DDoS"), "3,4");
	assert_string_equal(found(f, "ATTACK"), "3");
	assert_string_equal(found(f, "#OpBoycottOlympics"), "3");
	assert_string_equal(found(f, "opboycottolympics"), "3");
	assert_string_equal(found(f, "example.com"), "3");
	assert_string_equal(found(f, "www.example.com"), "3");
	assert_string_equal(found(f, "soc@example.org"), "3");
	assert_string_equal(found(f, "example.net"), "");
	assert_string_equal(found(f, "192.0.2.1"), "3");
	assert_string_equal(found(f, "192.0.2.10"), "5");
	assert_string_equal(found(f, "192.0.2.2"), "");
	assert_string_equal(found(f, "CVE-2021-1234"), "3");
	assert_string_equal(found(f, "cve-2021-12345"), "5");
	assert_string_equal(found(f, "CVE-2021-123"), "");
	assert_string_equal(found(f, "ransomware"), "");
}

static void test_search_compound(void **state)
{
	struct fx *f = *state;
	/* An address finds where it is written, not where its parts are. */
	assert_string_equal(found(f, "198.51.100.23"), "9");
	assert_string_equal(found(f, "198.51.100.24"), "");
	assert_string_equal(found(f, "203.0.113.66"), "9");
	assert_string_equal(found(f, "203.0.113.66:8080"), "9");
	assert_string_equal(found(f, "hxxp://203.0.113.66:8080/gate.php"), "9");
	assert_string_equal(found(f, "2001:db8::1"), "9");
	assert_string_equal(found(f, "2001:db8::2"), "");
	/* The parts alone still find every text that has them. */
	assert_string_equal(found(f, "100"), "9,10,11");
	assert_string_equal(found(f, "113"), "9,10");
	assert_string_equal(found(f, "gate"), "9");
	/* Domains: the whole name, its parent domains, its first labels. */
	assert_string_equal(found(f, "evil-host.test"), "9");
	assert_string_equal(found(f, "host.test"), "9");
	assert_string_equal(found(f, "evil-host"), "9");
	assert_string_equal(found(f, "evil.test"), "");
	/* CVE ids and versions, whole and as a leading part. */
	assert_string_equal(found(f, "CVE-2021"), "3,5,9");
	assert_string_equal(found(f, "cve-2021-44228"), "9");
	assert_string_equal(found(f, "CVE-2021-4422"), "");
	assert_string_equal(found(f, "2.17.0"), "9");
	assert_string_equal(found(f, "2.17"), "9");
	assert_string_equal(found(f, "2.1"), "3"); /* the end of 192.0.2.1 */
	assert_string_equal(found(f, "log4j 2.14.1"), "9");
	/* Japanese next to an address. */
	assert_string_equal(found(f, "件数"), "10");
	assert_string_equal(found(f, "件数203.0.113.66"), "");
}

static void test_search_hostile(void **state)
{
	struct fx *f = *state;
	static const char *const qs[] = {
		"\"", "\"\"", "\"障害", "障害\"", "*", "**", "障害*", "*障害", "NEAR(", "NEAR(a b, 3)",
		"NEAR", "OR", "AND", "NOT", "a OR b", "NOT 障害", "-", "-障害", ":", "title:障害",
		"{title body}: 障害", "(", ")", "((障害)", "^", "^障害", "+", "a + b", "'", "\\",
		"\x01\x02\x7f", "\xff\xfe\xc3\x28", "\xe3\x81", "障害\xff攻撃", "　", "。、・",
		"\"\" OR \"\" NEAR(\"", "rank", "topic_fts", "'; DROP TABLE topics; --",
	};
	for (size_t i = 0; i < KR_ARRAY_LEN(qs); i++) {
		const char *r = search(f, qs[i]);
		if (strcmp(r, "ERR") == 0)
			fail_msg("query %zu (%s) made FTS5 fail", i, qs[i]);
	}
	/* The check above can fail: the same strings bound raw, without the
	 * query builder, are FTS5 syntax errors. */
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "SELECT rowid FROM topic_fts WHERE topic_fts MATCH ?1", &st),
			 KR_OK);
	db_bind_text(st, 1, "NEAR(");
	assert_int_equal(db_step(st), KR_EDB);
	db_done(st);
	/* Operators are words: "障害*" finds what 障害 finds, no more. */
	assert_string_equal(found(f, "障害*"), "1");
	assert_string_equal(found(f, "NOT 障害"), "");
	assert_string_equal(found(f, "-障害"), "1");
	assert_string_equal(found(f, "障害\xff攻撃"), "");
	/* 10 KB of junk, several times over. */
	srand(42);
	char junk[10 * 1024 + 1];
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof junk - 1; i++) {
			int c = rand() % 256;
			if (round % 2)
				c = "\"*(): ^-+{}ORNEA 障害\xe3\x81\x82"[rand() % 25];
			junk[i] = (char)(c ? c : ' ');
		}
		junk[sizeof junk - 1] = 0;
		const char *r = search(f, junk);
		assert_string_not_equal(r, "ERR");
	}
	/* The schema is still there. */
	assert_string_equal(found(f, "改ざん"), "2");
}

static void test_search_rank(void **state)
{
	struct fx *f = *state;
	/* The topic titled 攻撃 first; the long report mentioning it once last. */
	const char *r = search(f, "攻撃");
	assert_int_equal(r[0], '6');
	assert_int_equal(r[strlen(r) - 1], '7');
	/* A title hit beats a body hit of similar length. */
	r = search(f, "確認");
	assert_int_equal(r[0], '2');
}

static void test_tokenizer_arguments(void **state)
{
	struct fx *f = *state;
	/* tokenize='kairan x' is refused instead of silently ignored. */
	assert_int_not_equal(db_exec(f->db, "CREATE VIRTUAL TABLE bad_fts USING fts5(x,"
					    " tokenize='kairan porter')"),
			     KR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokenize_cjk),
		cmocka_unit_test(test_tokenize_latin),
		cmocka_unit_test(test_tokenize_fold),
		cmocka_unit_test(test_tokenize_invalid_utf8),
		cmocka_unit_test(test_tokenize_compound),
		cmocka_unit_test(test_tokenize_offsets),
		cmocka_unit_test(test_query_fts5),
		cmocka_unit_test(test_query_pg),
		cmocka_unit_test_setup_teardown(test_search_japanese, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_width_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_latin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_compound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_rank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokenizer_arguments, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
