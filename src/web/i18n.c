/* i18n.c - catalogue lookup and language negotiation.
 *
 * The table in messages.c is written in whatever order reads best; on
 * first use we build a hash index of it once (pthread_once) so tr() is
 * one hash and, almost always, one string compare from any worker thread
 * (a page looks up dozens of keys). */
#include "web/i18n.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

static const struct message **slots; /* open addressing, linear probing */
static size_t nslots;                /* a power of two, at least twice the rows */
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
	nslots = 64;
	while (nslots < 2 * i18n_nmessages)
		nslots *= 2;
	slots = calloc(nslots, sizeof *slots);
	if (!slots)
		abort();
	for (size_t i = 0; i < i18n_nmessages; i++) {
		size_t j = str_hash64(i18n_messages[i].key) & (nslots - 1);
		while (slots[j] && strcmp(slots[j]->key, i18n_messages[i].key) != 0)
			j = (j + 1) & (nslots - 1);
		if (!slots[j]) /* a duplicate key keeps its first row (the unit test forbids them) */
			slots[j] = &i18n_messages[i];
	}
}

static const struct message *find(const char *key)
{
	if (!key)
		return NULL;
	pthread_once(&index_once, build_index);
	for (size_t j = str_hash64(key) & (nslots - 1); slots[j]; j = (j + 1) & (nslots - 1))
		if (strcmp(slots[j]->key, key) == 0)
			return slots[j];
	return NULL;
}

const char *tr(const char *lang, const char *key)
{
	const struct message *m = find(key);
	if (!m)
		return key ? key : "";
	if (lang && strcmp(lang, "en") == 0)
		return m->en;
	return m->ja;
}

bool tr_has(const char *key) { return find(key) != NULL; }

const char *tr_pre(const char *lang, const char *prefix, const char *name)
{
	char key[96];
	size_t np = strlen(prefix), nn = name ? strlen(name) : 0;
	if (!name || np + nn >= sizeof key)
		return NULL;
	memcpy(key, prefix, np);
	memcpy(key + np, name, nn + 1);
	const struct message *m = find(key);
	if (!m)
		return NULL;
	return lang && strcmp(lang, "en") == 0 ? m->en : m->ja;
}

/* Parse "q=0.8" style weights into thousandths; malformed -> -1. */
static int parse_q(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	if (n < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return -1;
	p += 2, n -= 2;
	if (n == 0 || (p[0] != '0' && p[0] != '1'))
		return -1;
	int q = (p[0] - '0') * 1000;
	p++, n--;
	if (n && *p == '.') {
		p++, n--;
		int scale = 100;
		while (n && *p >= '0' && *p <= '9' && scale) {
			q += (*p - '0') * scale;
			scale /= 10;
			p++, n--;
		}
	}
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	if (n || q > 1000)
		return -1;
	return q;
}

const char *i18n_pick(const char *al)
{
	if (!al)
		return "ja";
	int best_q = 0;
	const char *best = "ja";
	const char *p = al;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *semi = memchr(p, ';', n);
		size_t tagn = semi ? (size_t)(semi - p) : n;
		const char *tag = p;
		while (tagn && (*tag == ' ' || *tag == '\t'))
			tag++, tagn--;
		while (tagn && (tag[tagn - 1] == ' ' || tag[tagn - 1] == '\t'))
			tagn--;
		int q = 1000;
		if (semi) {
			/* Only the q parameter matters; other parameters
			 * make the entry unusable rather than guessed at. */
			q = parse_q(semi + 1, n - (size_t)(semi + 1 - p));
		}
		const char *lang = NULL;
		if (tagn >= 2 && (tagn == 2 || tag[2] == '-')) {
			if (strncasecmp(tag, "ja", 2) == 0)
				lang = "ja";
			else if (strncasecmp(tag, "en", 2) == 0)
				lang = "en";
		}
		/* Strictly greater: on a tie the earlier entry wins. */
		if (lang && q > best_q) {
			best_q = q;
			best = lang;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return best;
}
