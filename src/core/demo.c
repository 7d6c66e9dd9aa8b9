/* demo.c - the demo dataset.  Deterministic (a fixed-seed generator), so
 * every run produces the same organisations and people and tests can rely
 * on the three named demo logins.  Shapes follow SPEC R1.1: 157 critical-
 * service providers, 66 sports bodies, 40 organiser and partners, 17
 * venues, 17 ministries, 13 law-enforcement bodies, 4 security agencies and
 * 16 others.  Every name carries "(デモ)"/"(demo)": nothing here is real. */
#include "core/demo.h"
#include "core/incident.h"

#include <stdio.h>
#include <string.h>

#include "core/common.h"
#include "core/community.h"
#include "core/demo_topics.h"
#include "core/org.h"
#include "core/person.h"
#include "core/topic.h"
#include "lib/arena.h"
#include "lib/util.h"
#include "store/db.h"

struct pair {
	const char *ja, *en;
};

static const struct pair agencies[] = {
	{"国立サイバー研究機構", "National Cyber Research Institute"},
	{"情報処理安全推進機構", "Information Security Promotion Agency"},
	{"コンピュータ緊急対応調整センター", "Computer Emergency Coordination Center"},
	{"サイバー犯罪対策連携センター", "Cybercrime Countermeasures Liaison Center"},
};

static const struct pair ministries[] = {
	{"情報通信省", "Ministry of Information and Communications"},
	{"経済産業振興省", "Ministry of Economy and Industry Promotion"},
	{"国土交通基盤省", "Ministry of Land and Transport Infrastructure"},
	{"厚生医療省", "Ministry of Health and Medical Care"},
	{"金融監督庁", "Financial Supervision Agency"},
	{"防災危機管理庁", "Disaster and Crisis Management Agency"},
	{"文化スポーツ省", "Ministry of Culture and Sports"},
	{"外務交流省", "Ministry of Foreign Exchange"},
	{"法務治安省", "Ministry of Justice and Public Order"},
	{"環境エネルギー省", "Ministry of Environment and Energy"},
	{"農林水産資源省", "Ministry of Agriculture and Resources"},
	{"内閣サイバー戦略室", "Cabinet Cyber Strategy Office"},
	{"教育科学省", "Ministry of Education and Science"},
	{"財務経済省", "Ministry of Finance and Economy"},
	{"防衛基盤省", "Ministry of Defence Infrastructure"},
	{"出入国管理庁", "Immigration Control Agency"},
	{"気象防災庁", "Meteorological and Disaster Agency"},
};

/* Fictional place names for prefectures, companies and venues. */
static const struct pair places[] = {
	{"東都", "Toto"},     {"青空", "Aozora"},   {"若葉", "Wakaba"},   {"白鷺", "Shirasagi"},
	{"朝凪", "Asanagi"},  {"星川", "Hoshikawa"}, {"桜丘", "Sakuragaoka"}, {"港南", "Konan"},
	{"緑山", "Midoriyama"}, {"千鳥", "Chidori"}, {"高砂", "Takasago"}, {"水鏡", "Mizukagami"},
	{"北斗", "Hokuto"},   {"南風", "Haenokaze"}, {"東雲", "Shinonome"}, {"夕凪", "Yunagi"},
	{"陽光", "Yoko"},     {"銀河", "Ginga"},    {"紅葉", "Momiji"},   {"雪原", "Setsugen"},
};

struct sector_name {
	const char *sector, *ja, *en;
};

static const struct sector_name sectors[] = {
	{"telecom", "通信", "Telecom"},          {"broadcasting", "放送", "Broadcasting"},
	{"finance", "銀行", "Bank"},             {"aviation", "航空", "Airlines"},
	{"railway", "鉄道", "Railway"},          {"electricity", "電力", "Electric Power"},
	{"gas", "ガス", "Gas"},                  {"water", "水道局", "Waterworks"},
	{"logistics", "物流", "Logistics"},      {"credit", "カード", "Card Services"},
	{"local_gov_services", "行政サービス", "Public Services"},
	{"sewerage", "下水道局", "Sewerage Bureau"}, {"airports", "空港", "Airport"},
	{"traffic_control", "交通管制", "Traffic Control"},
	{"emergency_calls", "緊急通報センター", "Emergency Call Center"},
	{"weather_disaster", "気象情報", "Weather Information"},
	{"immigration", "入国審査システム", "Border Systems"},
	{"expressways", "高速道路", "Expressway"},
	{"district_heating", "熱供給", "District Heating"},
	{"bus", "バス", "Bus"},                   {"security_services", "警備保障", "Security Services"},
	{"travel", "旅行", "Travel"},             {"hospitals", "総合病院", "General Hospital"},
	{"venues", "施設管理", "Facility Management"},
};

static const struct pair sports[] = {
	{"陸上競技", "Athletics"}, {"水泳", "Aquatics"}, {"サッカー", "Football"},
	{"テニス", "Tennis"}, {"ボート", "Rowing"}, {"ホッケー", "Hockey"}, {"ボクシング", "Boxing"},
	{"バレーボール", "Volleyball"}, {"体操", "Gymnastics"}, {"バスケットボール", "Basketball"},
	{"レスリング", "Wrestling"}, {"セーリング", "Sailing"}, {"ウエイトリフティング", "Weightlifting"},
	{"ハンドボール", "Handball"}, {"自転車競技", "Cycling"}, {"卓球", "Table Tennis"},
	{"馬術", "Equestrian"}, {"フェンシング", "Fencing"}, {"柔道", "Judo"}, {"バドミントン", "Badminton"},
	{"射撃", "Shooting"}, {"近代五種", "Modern Pentathlon"}, {"カヌー", "Canoe"},
	{"アーチェリー", "Archery"}, {"トライアスロン", "Triathlon"}, {"ゴルフ", "Golf"},
	{"テコンドー", "Taekwondo"}, {"ラグビー", "Rugby"}, {"野球", "Baseball"},
	{"空手", "Karate"}, {"スケートボード", "Skateboarding"}, {"スポーツクライミング", "Sport Climbing"},
	{"サーフィン", "Surfing"}, {"ボッチャ", "Boccia"}, {"ゴールボール", "Goalball"},
	{"車いすバスケットボール", "Wheelchair Basketball"}, {"車いすテニス", "Wheelchair Tennis"},
	{"パラ陸上競技", "Para Athletics"}, {"パラ水泳", "Para Swimming"}, {"シッティングバレーボール", "Sitting Volleyball"},
	{"ブラインドサッカー", "Blind Football"}, {"パラ卓球", "Para Table Tennis"},
	{"パラ柔道", "Para Judo"}, {"パラパワーリフティング", "Para Powerlifting"},
	{"車いすフェンシング", "Wheelchair Fencing"}, {"車いすラグビー", "Wheelchair Rugby"},
	{"パラカヌー", "Para Canoe"}, {"パラトライアスロン", "Para Triathlon"},
	{"パラバドミントン", "Para Badminton"}, {"パラテコンドー", "Para Taekwondo"},
	{"パラ射撃", "Para Shooting"}, {"パラアーチェリー", "Para Archery"}, {"パラ馬術", "Para Equestrian"},
	{"パラサイクリング", "Para Cycling"}, {"パラボート", "Para Rowing"},
	{"ソフトボール", "Softball"}, {"水球", "Water Polo"}, {"飛込", "Diving"},
	{"アーティスティックスイミング", "Artistic Swimming"}, {"ビーチバレー", "Beach Volleyball"},
	{"新体操", "Rhythmic Gymnastics"}, {"トランポリン", "Trampoline"}, {"BMX", "BMX"},
	{"マウンテンバイク", "Mountain Bike"}, {"3x3バスケットボール", "3x3 Basketball"},
	{"7人制ラグビー", "Rugby Sevens"},
};

static const char *const family[] = {
	"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
	"吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "清水", "森",
};
static const char *const family_en[] = {
	"Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Watanabe", "Yamamoto", "Nakamura",
	"Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto", "Inoue",
	"Kimura", "Hayashi", "Shimizu", "Mori",
};
static const char *const given[] = {
	"翔太", "美咲", "健一", "陽子", "大輔", "由美", "拓也", "真理", "直樹", "彩",
	"亮", "恵", "隆", "智子", "誠", "香織", "悠人", "結衣", "蓮", "葵",
};
static const char *const given_en[] = {
	"Shota", "Misaki", "Kenichi", "Yoko", "Daisuke", "Yumi", "Takuya", "Mari", "Naoki", "Aya",
	"Ryo", "Megumi", "Takashi", "Tomoko", "Makoto", "Kaori", "Yuto", "Yui", "Ren", "Aoi",
};
static const char *const titles[] = {
	"情報セキュリティ担当", "CSIRT 担当", "システム管理者", "セキュリティ責任者", "情報システム部",
	"危機管理担当", "ネットワーク運用", "リスク管理担当",
};

/* A small fixed-seed generator (xorshift) so the data never changes. */
struct rng {
	uint32_t s;
};
static uint32_t rng_next(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 17;
	r->s ^= r->s << 5;
	return r->s;
}

/* Everyone the loader made, so topics can be written as them. */
struct dperson {
	int64_t id, org_id;
	enum role role;
	const char *login;
};
struct dorg {
	const char *slug;
	int64_t id;
	size_t first, n; /* its people: persons[first .. first+n) */
};
#define DEMO_MAX_PEOPLE 2000
#define DEMO_MAX_ORGS 400

struct loader {
	struct ctx *c;
	const char *pw_hash;
	struct demo_stats *st;
	struct rng rng;
	int person_no;
	struct dperson *people;
	size_t npeople;
	struct dorg *orgs;
	size_t norgs;
};

static struct dorg *note_org(struct loader *l, const char *slug, int64_t id)
{
	if (l->norgs == DEMO_MAX_ORGS)
		return NULL;
	struct dorg *o = &l->orgs[l->norgs++];
	*o = (struct dorg){.slug = slug, .id = id, .first = l->npeople};
	return o;
}

static int add_org(struct loader *l, const char *slug, const char *ja, const char *en, const char *kind,
		   const char *sector, int64_t *id)
{
	struct arena *a = l->c->a;
	struct org o = {.slug = slug,
			.name_ja = arena_printf(a, "%s(デモ)", ja),
			.name_en = arena_printf(a, "%s (demo)", en),
			.kind = kind,
			.sector = sector,
			.contact_email = arena_printf(a, "soc@%s.example", slug),
			.contact_phone = arena_printf(a, "03-0000-%04u", rng_next(&l->rng) % 10000),
			.description = ""};
	const char *bad = NULL;
	int rc = org_create(l->c, &o, id, &bad);
	if (rc)
		fprintf(stderr, "demo: org %s: %s %s\n", slug, kr_strerror(rc), bad ? bad : "");
	else if (!note_org(l, slug, *id))
		rc = KR_ENOMEM;
	else
		l->st->orgs++;
	return rc;
}

static int add_person(struct loader *l, int64_t org_id, const char *slug, const char *login,
		      enum role role, bool org_admin)
{
	struct arena *a = l->c->a;
	int n = l->person_no++;
	size_t f = (size_t)rng_next(&l->rng) % KR_ARRAY_LEN(family);
	size_t g = (size_t)rng_next(&l->rng) % KR_ARRAY_LEN(given);
	char *lg = login ? (char *)login : arena_printf(a, "u%04d", n);
	struct person p = {
		.org_id = org_id,
		.login = lg,
		.email = arena_printf(a, "%s@%s.example", lg, slug),
		.display_name = arena_printf(a, "%s %s", family[f], given[g]),
		.title = titles[rng_next(&l->rng) % KR_ARRAY_LEN(titles)],
		.phone = arena_printf(a, "090-0000-%04d", n % 10000),
		.locale = (n % 10 == 9) ? "en" : "ja",
		.tz = "Asia/Tokyo",
		.role = role,
		.org_admin = org_admin,
	};
	/* Every tenth person prefers English and gets a romanised name. */
	if (n % 10 == 9)
		p.display_name = arena_printf(a, "%s %s", given_en[g], family_en[f]);
	const char *bad = NULL;
	int64_t id = 0;
	int rc = person_create_hashed(l->c, &p, l->pw_hash, &id, &bad);
	if (rc) {
		fprintf(stderr, "demo: person %s: %s %s\n", lg, kr_strerror(rc), bad ? bad : "");
		return rc;
	}
	if (l->npeople == DEMO_MAX_PEOPLE || l->norgs == 0)
		return KR_ENOMEM;
	l->people[l->npeople++] = (struct dperson){.id = id, .org_id = org_id, .role = role, .login = lg};
	l->orgs[l->norgs - 1].n++;
	l->st->people++;
	return rc;
}

/* An organisation with n people; the first is its org-admin.  named, when
 * set, is the login of the second person (the demo logins). */
static int org_with_people(struct loader *l, const char *slug, const char *ja, const char *en,
			   const char *kind, const char *sector, int n, const char *named)
{
	int64_t id;
	int rc = add_org(l, slug, ja, en, kind, sector, &id);
	for (int i = 0; rc == KR_OK && i < n; i++)
		rc = add_person(l, id, slug, (i == 1 && named) ? named : NULL, ROLE_MEMBER, i == 0);
	return rc;
}

/* ---- communities and topics ----
 * Every write goes through the core use cases (community_create,
 * topic_create, comment_add, topic_like ...) acting as a demo person with
 * the acting context's clock set to the historical time, so every rule
 * (membership, posting policy, must-read by staff only, manual recipients
 * inside the community, TLP and sharing) applies to the demo as it does to
 * real users, and created_at/updated_at spread over 2019-04 .. 2021-09. */

/* "YYYY-MM-DD HH:MM" in Asia/Tokyo to epoch ms; 0 when malformed. */
static int64_t jst_ms(const char *when)
{
	int y, mo, d, h, mi;
	if (!when || sscanf(when, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi) != 5)
		return 0;
	/* Days from the civil date (proleptic Gregorian). */
	y -= mo <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return ((days * 24 + h) * 60 + mi - 9 * 60) * 60000;
}

static struct dorg *find_org(struct loader *l, const char *slug)
{
	for (size_t i = 0; i < l->norgs; i++)
		if (str_eq(l->orgs[i].slug, slug))
			return &l->orgs[i];
	return NULL;
}

static const struct dperson *find_login(struct loader *l, const char *login)
{
	for (size_t i = 0; i < l->npeople; i++)
		if (str_eq(l->people[i].login, login))
			return &l->people[i];
	return NULL;
}

/* A demo login, or a person of the organisation `spec` picked by salt.
 * The coordination center's named login "coordinator" is never picked
 * by salt, so the topics other coordinators post reach that person as
 * must-read; first picks the org-admin (who made the org's community). */
static const struct dperson *resolve(struct loader *l, const char *spec, uint32_t salt, bool first)
{
	const struct dperson *p = find_login(l, spec);
	if (p)
		return p;
	struct dorg *o = find_org(l, spec);
	if (!o || o->n == 0)
		return NULL;
	if (first)
		return &l->people[o->first];
	if (str_eq(spec, "cc"))
		return &l->people[o->first + 1 + salt % (o->n - 1)];
	return &l->people[o->first + salt % o->n];
}

static struct ctx acting(struct loader *l, const struct dperson *p, int64_t now)
{
	struct ctx pc = *l->c;
	pc.who = (struct viewer){.person_id = p->id, .org_id = p->org_id, .role = p->role, .login = p->login,
				 .name = p->login, .locale = "ja", .tz = "Asia/Tokyo"};
	pc.now = now;
	return pc;
}

/* Split "a b c" into an arena array. */
static const char **split_words(struct arena *a, const char *s, size_t *n)
{
	*n = 0;
	if (!s)
		return NULL;
	size_t cap = 1;
	for (const char *q = s; *q; q++)
		cap += *q == ' ';
	const char **v = arena_alloc(a, sizeof(*v) * cap);
	const char *q = s;
	while (*q) {
		while (*q == ' ')
			q++;
		const char *e = q;
		while (*e && *e != ' ')
			e++;
		if (e > q)
			v[(*n)++] = arena_strndup(a, q, (size_t)(e - q));
		q = e;
	}
	return v;
}

static int load_communities(struct loader *l)
{
	/* The security agencies post threat information to the professional
	 * community beside the center (its moderators decide who posts). */
	const struct dperson *co = find_login(l, "coordinator");
	if (!co)
		return KR_ENOTFOUND;
	struct ctx cc = acting(l, co, jst_ms("2019-04-01 09:00"));
	int rc = KR_OK;
	for (int i = 1; rc == KR_OK && i <= 4; i++)
		rc = community_set_member(&cc, "professional", "org", arena_printf(l->c->a, "agency-%d", i),
					  "moderator");
	for (size_t i = 0; rc == KR_OK && i < demo_ncommunities; i++) {
		const struct demo_community *d = &demo_communities[i];
		const struct dperson *owner = resolve(l, d->creator, 0, true);
		if (!owner)
			return KR_ENOTFOUND;
		struct ctx pc = acting(l, owner, jst_ms(d->when));
		struct community in = {.slug = d->slug, .name_ja = d->name_ja, .name_en = d->name_en,
				       .description = d->description, .join_policy = d->join_policy,
				       .post_policy = "members"};
		const char *bad = NULL;
		if ((rc = community_create(&pc, &in, NULL, &bad))) {
			fprintf(stderr, "demo: community %s: %s %s\n", d->slug, kr_strerror(rc), bad ? bad : "");
			return rc;
		}
		/* The founder's organisation moderates with them. */
		struct dorg *own = NULL;
		for (size_t k = 0; k < l->norgs && !own; k++)
			if (l->orgs[k].id == owner->org_id)
				own = &l->orgs[k];
		if (own)
			rc = community_set_member(&pc, d->slug, "org", own->slug, "moderator");
		size_t n;
		const char **m = split_words(l->c->a, d->members, &n);
		for (size_t k = 0; rc == KR_OK && k < n; k++)
			rc = community_set_member(&pc, d->slug, "org", m[k], "member");
		m = split_words(l->c->a, d->moderators, &n);
		for (size_t k = 0; rc == KR_OK && k < n; k++)
			rc = community_set_member(&pc, d->slug, "org", m[k], "moderator");
		if (rc)
			fprintf(stderr, "demo: community %s members: %s\n", d->slug, kr_strerror(rc));
		else
			l->st->communities++;
	}
	return rc;
}

/* People who could plausibly read a topic: the recipients' people for a
 * manual scope, the organisation of an observation community, the member
 * organisations of a member-made community, everyone otherwise.  The
 * core still decides (topic_get); this only keeps the tries useful. */
static size_t reader_pool(struct loader *l, const struct demo_topic *t, size_t *pool)
{
	const char *orgs = t->recipients;
	if (!orgs && !strncmp(t->community, "obs-", 4))
		orgs = t->community + 4;
	for (size_t i = 0; !orgs && i < demo_ncommunities; i++)
		if (str_eq(t->community, demo_communities[i].slug))
			orgs = demo_communities[i].members;
	size_t n = 0;
	if (!orgs) {
		for (size_t i = 0; i < l->npeople; i++)
			pool[n++] = i;
		return n;
	}
	size_t nw;
	const char **w = split_words(l->c->a, orgs, &nw);
	for (size_t k = 0; k < nw; k++) {
		struct dorg *o = find_org(l, w[k]);
		for (size_t i = 0; o && i < o->n; i++)
			pool[n++] = o->first + i;
	}
	return n;
}

/* Views, likes and must-read confirmations after the topic was posted.
 * Returns KR_OK when a person simply may not see it. */
static int react(struct loader *l, const struct dperson *p, const char *pid, bool must_read, int64_t at,
		 bool like)
{
	struct ctx pc = acting(l, p, at);
	struct topic t;
	int rc = topic_get(&pc, pid, &t);
	if (rc == KR_ENOTFOUND)
		return KR_OK;
	if (rc == KR_OK)
		rc = topic_record_view(&pc, t.id);
	if (rc == KR_OK)
		l->st->views++;
	if (rc == KR_OK && like && !t.liked && !str_eq(t.author, p->login)) {
		rc = topic_like(&pc, pid, true);
		l->st->likes++;
	}
	if (rc == KR_OK && must_read && !str_eq(t.author, p->login))
		rc = topic_confirm(&pc, pid);
	return rc;
}

/* The demo logins have caught up with everything before the Games began;
 * what came after stays unread so their home pages have something to show. */
#define DEMO_CAUGHT_UP "2021-07-21 00:00"

static int load_topic(struct loader *l, const struct demo_topic *d, size_t idx, size_t *pool)
{
	struct arena *a = l->c->a;
	int64_t at = jst_ms(d->when);
	const struct dperson *au = resolve(l, d->author, (uint32_t)idx * 7919u, (d->flags & DT_PINNED) != 0);
	if (!at || !au)
		return KR_EINVAL;
	struct ctx pc = acting(l, au, at);
	size_t nr = 0;
	const char **rcpt = split_words(a, d->recipients, &nr);
	struct topic_input in = {.community = d->community, .title = d->title, .tag = d->tag,
				 .audience = (d->flags & DT_GENERAL) ? "general" : "professional",
				 .category = d->category, .tlp = d->tlp, .body = d->body,
				 .scope = nr ? "manual" : "community", .scope_orgs = rcpt, .n_scope_orgs = nr,
				 .must_read = (d->flags & DT_MUST_READ) != 0, .pinned = (d->flags & DT_PINNED) != 0};
	const char *pid = NULL, *bad = NULL;
	int rc = topic_create(&pc, &in, &pid, &bad);
	if (rc) {
		fprintf(stderr, "demo: topic \"%s\": %s %s\n", d->title, kr_strerror(rc), bad ? bad : "");
		return rc;
	}
	l->st->topics++;

	for (size_t k = 0; rc == KR_OK && k < DEMO_TOPIC_COMMENTS && d->comments[k]; k++) {
		const char *bar = strchr(d->comments[k], '|');
		if (!bar)
			return KR_EINVAL;
		const struct dperson *cp =
			resolve(l, arena_strndup(a, d->comments[k], (size_t)(bar - d->comments[k])),
				(uint32_t)(idx + k) * 104729u, false);
		if (!cp)
			return KR_EINVAL;
		struct ctx cc = acting(l, cp, at + (int64_t)(k + 1) * 3600000);
		int64_t cid;
		rc = comment_add(&cc, pid, bar + 1, &cid);
		if (rc)
			fprintf(stderr, "demo: comment on %s by %s: %s\n", pid, cp->login, kr_strerror(rc));
		else
			l->st->comments++;
	}

	if (rc == KR_OK && d->edited) {
		in.body = arena_printf(a, "%s%s", d->body, d->edit_note ? d->edit_note : "");
		struct ctx ec = acting(l, au, jst_ms(d->edited));
		bool reconfirm;
		rc = topic_edit(&ec, pid, &in, &bad, &reconfirm);
	}

	if (rc == KR_OK && (d->flags & DT_SHARE_RAIL)) {
		const struct dperson *rm = find_login(l, "rail-member");
		int64_t when = at + 2 * 3600000;
		int64_t founded = jst_ms(demo_communities[0].when);
		struct ctx sc = acting(l, rm, when > founded ? when : founded + 3600000);
		rc = topic_share(&sc, pid, "rail-isac");
	}

	/* Readers: more for must-read and important topics, as on JISP. */
	bool must = (d->flags & DT_MUST_READ) != 0;
	int tries = must ? 90 : str_eq(d->tag, "important") ? 60 : 20;
	tries += (int)(rng_next(&l->rng) % 20);
	size_t np = reader_pool(l, d, pool);
	for (int k = 0; rc == KR_OK && np && k < tries; k++) {
		const struct dperson *p = &l->people[pool[rng_next(&l->rng) % np]];
		if (str_eq(p->login, "coordinator") || str_eq(p->login, "agency-analyst") ||
		    str_eq(p->login, "rail-member"))
			continue;
		int64_t when = at + 60000 + (int64_t)(rng_next(&l->rng) % (72u * 3600u)) * 1000;
		rc = react(l, p, pid, must && rng_next(&l->rng) % 10 < 7, when, rng_next(&l->rng) % 10 < 3);
	}
	static const char *const named[] = {"coordinator", "agency-analyst", "rail-member"};
	for (size_t k = 0; rc == KR_OK && k < KR_ARRAY_LEN(named) && strcmp(d->when, DEMO_CAUGHT_UP) < 0; k++)
		rc = react(l, find_login(l, named[k]), pid, must, at + 5400000, (idx + k) % 4 == 0);
	return rc;
}

static int load_topics(struct loader *l)
{
	int rc = load_communities(l);
	size_t n = 0;
	const struct demo_topic *v = demo_topics_all(l->c->a, &n);
	size_t *pool = arena_alloc(l->c->a, sizeof(size_t) * (l->npeople + 1));
	for (size_t i = 0; rc == KR_OK && i < n; i++)
		rc = load_topic(l, &v[i], i, pool);
	/* Notices about 2019-2021 topics are history: in-app ones count as
	 * read before the demo's "now" (the Games), and their mails were
	 * never sent - a fresh demo must not queue thousands of mails to
	 * undeliverable .example addresses. */
	struct db_stmt *st;
	if (rc == KR_OK &&
	    (rc = db_prepare(l->c->db, "UPDATE notifications SET read_at = created_at WHERE created_at < ?1", &st)) ==
		    KR_OK) {
		db_bind_int(st, 1, jst_ms(DEMO_CAUGHT_UP));
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	if (rc == KR_OK &&
	    (rc = db_prepare(l->c->db, "DELETE FROM jobs WHERE kind = 'mail' AND done_at IS NULL", &st)) == KR_OK) {
		rc = db_step(st) == KR_DONE ? KR_OK : KR_EDB;
		db_done(st);
	}
	return rc;
}

int demo_load(struct ctx *c, const char *pw_hash, struct demo_stats *st)
{
	memset(st, 0, sizeof *st);
	struct arena *a = c->a;
	struct loader l = {.c = c, .pw_hash = pw_hash, .st = st, .rng = {2020}, .person_no = 1,
			   .people = arena_alloc(a, sizeof(struct dperson) * DEMO_MAX_PEOPLE),
			   .orgs = arena_alloc(a, sizeof(struct dorg) * DEMO_MAX_ORGS)};
	struct org cc;
	int rc = org_get(c, "cc", &cc);
	if (rc)
		return rc;
	if ((rc = tx_begin(c)))
		return rc;
	note_org(&l, "cc", cc.id);

	/* Coordination-center staff: coordinators (TOTP on first login). */
	rc = add_person(&l, cc.id, "cc", "coordinator", ROLE_COORDINATOR, true);
	for (int i = 0; rc == KR_OK && i < 28; i++)
		rc = add_person(&l, cc.id, "cc", NULL, ROLE_COORDINATOR, false);

	for (size_t i = 0; rc == KR_OK && i < KR_ARRAY_LEN(agencies); i++)
		rc = org_with_people(&l, arena_printf(a, "agency-%zu", i + 1), agencies[i].ja, agencies[i].en,
				     "security_agency", NULL, 15, i == 2 ? "agency-analyst" : NULL);

	/* Law enforcement: a national body, the capital's police, 11 prefectures. */
	if (rc == KR_OK)
		rc = org_with_people(&l, "police-national", "警察中央機構", "National Police Organisation",
				     "law_enforcement", NULL, 8, NULL);
	if (rc == KR_OK)
		rc = org_with_people(&l, "police-toto", "東都警察本部", "Toto Metropolitan Police",
				     "law_enforcement", NULL, 8, NULL);
	for (size_t i = 1; rc == KR_OK && i <= 11; i++)
		rc = org_with_people(&l, arena_printf(a, "police-%zu", i),
				     arena_printf(a, "%s県警察本部", places[i].ja),
				     arena_printf(a, "%s Prefectural Police", places[i].en), "law_enforcement",
				     NULL, 8, NULL);

	for (size_t i = 0; rc == KR_OK && i < KR_ARRAY_LEN(ministries); i++)
		rc = org_with_people(&l, arena_printf(a, "ministry-%zu", i + 1), ministries[i].ja,
				     ministries[i].en, "ministry", NULL, 6, NULL);

	/* The organising committee and 39 partners. */
	if (rc == KR_OK)
		rc = org_with_people(&l, "organiser", "大会組織委員会", "Games Organising Committee",
				     "organiser", NULL, 45, NULL);
	for (size_t i = 1; rc == KR_OK && i <= 39; i++)
		rc = org_with_people(&l, arena_printf(a, "partner-%02zu", i),
				     arena_printf(a, "%sパートナーズ%zu", places[i % KR_ARRAY_LEN(places)].ja, i),
				     arena_printf(a, "%s Partners %zu", places[i % KR_ARRAY_LEN(places)].en, i),
				     "organiser", NULL, 5, NULL);

	/* Others (16): the coordination center itself, 8 local governments,
	 * 5 CTI vendors, 2 security information centers. */
	if (rc == KR_OK)
		rc = org_with_people(&l, "gov-toto", "東都庁", "Toto Metropolitan Government",
				     "local_government", NULL, 8, NULL);
	for (size_t i = 1; rc == KR_OK && i <= 7; i++)
		rc = org_with_people(&l, arena_printf(a, "gov-%zu", i), arena_printf(a, "%s県庁", places[i + 5].ja),
				     arena_printf(a, "%s Prefectural Government", places[i + 5].en),
				     "local_government", NULL, 8, NULL);
	for (size_t i = 1; rc == KR_OK && i <= 5; i++)
		rc = org_with_people(&l, arena_printf(a, "cti-%zu", i),
				     arena_printf(a, "%sサイバーインテリジェンス", places[i + 12].ja),
				     arena_printf(a, "%s Cyber Intelligence", places[i + 12].en), "cti_vendor",
				     NULL, 6, NULL);
	for (size_t i = 1; rc == KR_OK && i <= 2; i++)
		rc = org_with_people(&l, arena_printf(a, "isc-%zu", i),
				     arena_printf(a, "%s情報セキュリティセンター", places[i + 17].ja),
				     arena_printf(a, "%s Security Information Center", places[i + 17].en),
				     "security_info_center", NULL, 5, NULL);

	/* 157 critical-service providers across every sector of R1.1. */
	for (size_t i = 0; rc == KR_OK && i < 157; i++) {
		const struct sector_name *s = &sectors[i % KR_ARRAY_LEN(sectors)];
		const struct pair *p = &places[(i / KR_ARRAY_LEN(sectors) + i) % KR_ARRAY_LEN(places)];
		bool rail = i == 4; /* the first railway operator holds rail-member */
		rc = org_with_people(&l, arena_printf(a, "cs-%03zu", i + 1), arena_printf(a, "%s%s", p->ja, s->ja),
				     arena_printf(a, "%s %s", p->en, s->en), "critical_service", s->sector, 6,
				     rail ? "rail-member" : NULL);
	}

	static const struct pair venue_kinds[] = {
		{"スタジアム", "Stadium"}, {"アリーナ", "Arena"}, {"水泳センター", "Aquatics Centre"},
		{"体育館", "Gymnasium"}, {"海浜公園", "Seaside Park"}, {"国際展示場", "Exhibition Centre"},
	};
	for (size_t i = 0; rc == KR_OK && i < 17; i++)
		rc = org_with_people(&l, arena_printf(a, "venue-%02zu", i + 1),
				     arena_printf(a, "%s%s", places[i].ja, venue_kinds[i % 6].ja),
				     arena_printf(a, "%s %s", places[i].en, venue_kinds[i % 6].en), "venue", NULL, 5,
				     NULL);

	for (size_t i = 0; rc == KR_OK && i < KR_ARRAY_LEN(sports); i++)
		rc = org_with_people(&l, arena_printf(a, "sport-%02zu", i + 1),
				     arena_printf(a, "日本%s連盟", sports[i].ja),
				     arena_printf(a, "Japan %s Federation", sports[i].en), "sports_body", NULL, 2,
				     NULL);
	if (rc == KR_OK)
		rc = load_topics(&l);
	/* The reactions' views, counted in memory, are written now. */
	if (rc == KR_OK)
		rc = topic_flush_views(c);
	/* The seed's 19 reports and their upward reports (issue 4). */
	if (rc == KR_OK)
		rc = demo_load_incidents(c);
	return tx_end(c, rc);
}
